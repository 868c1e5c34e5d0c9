"""Lab 06 through the real nbgrader commands, in a throwaway course (temp dir, HOME redirected).

One module-scoped course (tests/labkit.py): generate_assignment (compared with the committed labs/),
then one `nbgrader autograde` over five submissions: the reference solution, the untouched release
and three realistic wrong submissions, each with its expected score per graded cell.

The lab needs git (builds in a throwaway checkout, tasks 1 and 3), qemu-aarch64 (hidden test of
task 2) and a C compiler (task 4's race detector; and the native default build of task 2 has cgo
on, which the expected scores of wrong_symbol rely on).
"""

from __future__ import annotations

import shutil

import pytest

from goenv.runners import find_qemu
from labkit import cell_by_id, edit, lab_module

LAB = "lab06"

pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="lab 06 builds programs in a git checkout"),
    pytest.mark.skipif(shutil.which("gcc") is None, reason="lab 06 needs a C compiler (cgo, -race)"),
    pytest.mark.skipif(find_qemu("aarch64") is None, reason="lab 06's hidden tests run linux/arm64 under qemu"),
]

# grade_id -> points of a fully correct submission
FULL = {"task1_tests": 2, "task1_hidden": 1, "task2_tests": 2, "task2_hidden": 1,
        "task3_tests": 1, "task3_hidden": 1, "task4_tests": 1, "task4_hidden": 1}


def _replace_region(nb, grade_id: str, body: str) -> None:
    """Replace the reference solution region of a cell by ``body`` (a learner's code)."""
    cell = cell_by_id(nb, grade_id)
    start = cell.source.index("\t// BEGIN SOLUTION\n")
    end = cell.source.index("\t// END SOLUTION\n", start) + len("\t// END SOLUTION\n")
    cell.source = cell.source[:start] + body.rstrip("\n") + "\n" + cell.source[end:]


def _wrong_symbol(nb):
    """-X main.Version (the variable is main.version), CGO_ENABLED from the run-time environment,
    and ReadBuildInfo on every call."""
    edit(nb, "task1_flags", 'LDFLAGS = "-X main.version=v1.4.2"', 'LDFLAGS = "-X main.Version=v1.4.2"')
    edit(nb, "task2_program", '\t"fmt"\n', '\t"fmt"\n\t"os"\n')
    edit(nb, "task2_program", '\tcgo := settings["CGO_ENABLED"]\n',
         '\tcgo := os.Getenv("CGO_ENABLED") // how the binary was built\n\tif cgo == "" {\n'
         '\t\tcgo = "1" // the go command\'s default\n\t}\n')
    _replace_region(nb, "task4_program", "\treturn debug.ReadBuildInfo")


def _wrong_shortcuts(nb):
    """A constant version (-X cannot change it), +dirty forgotten, and a lazy cache without synchronisation."""
    edit(nb, "task1_program", "var version string\n", 'const version = "v1.4.2"\n')
    edit(nb, "task3_program", '\tif modified {\n\t\trevision += "+dirty"\n\t}\n', "")
    edit(nb, "task3_program", "\t\tcase \"vcs.modified\":\n\t\t\tmodified = s.Value == \"true\"\n", "")
    edit(nb, "task3_program", 'revision, modified := "", false', 'revision := ""')
    _replace_region(nb, "task4_program",
                    "\tvar bi *debug.BuildInfo\n\tvar ok, done bool\n\treturn func() (*debug.BuildInfo, bool) {\n"
                    "\t\tif !done {\n\t\t\tbi, ok = debug.ReadBuildInfo()\n\t\t\tdone = true\n\t\t}\n"
                    "\t\treturn bi, ok\n\t}")


def _wrong_slicing(nb):
    """No fallback to the module version, and the revision sliced without checking that there is one."""
    _replace_region(nb, "task1_program", "\treturn version")
    _replace_region(nb, "task3_program",
                    "\tvar revision, modified string\n\tfor _, s := range bi.Settings {\n"
                    "\t\tif s.Key == \"vcs.revision\" {\n\t\t\trevision = s.Value\n\t\t}\n"
                    "\t\tif s.Key == \"vcs.modified\" {\n\t\t\tmodified = s.Value\n\t\t}\n\t}\n"
                    "\tif modified == \"true\" {\n\t\treturn revision[:12] + \"+dirty\"\n\t}\n"
                    "\treturn revision[:12]")


EXPECTED = {
    "reference": FULL,
    "untouched": {k: 0 for k in FULL},
    "wrong_symbol": {**FULL, "task1_tests": 0, "task2_hidden": 0, "task4_tests": 0, "task4_hidden": 0},
    "wrong_shortcuts": {**FULL, "task1_hidden": 0, "task3_hidden": 0, "task4_hidden": 0},
    "wrong_slicing": {**FULL, "task1_hidden": 0, "task3_tests": 0, "task3_hidden": 0},
}


# The fixture `course` and the tests every lab has (tests/labkit.py).
globals().update(lab_module(
    LAB, full=FULL, expected=EXPECTED,
    wrong={"wrong_symbol": _wrong_symbol, "wrong_shortcuts": _wrong_shortcuts, "wrong_slicing": _wrong_slicing},
    totals={"reference": 10, "untouched": 0, "wrong_symbol": 5, "wrong_shortcuts": 7, "wrong_slicing": 7},
    secrets=(
        "v9.8.7", "example.org/ops", "sync.OnceValues(debug.ReadBuildInfo)", '"-X main.version=v1.4.2"',
        "buildvcs=False", 'revision += "+dirty"'
    )))


def test_feedback_explains_without_showing_test_source(course):
    """Failing tests show the checks' message in the autograded notebook, never their source."""
    # -X with the wrong name: the linker ignores it silently; the message says so.
    ename, shown = course.error_text(LAB, "wrong_symbol", "task1_tests")
    assert ename == "CheckFailed"
    assert "-X sets main.Version, not main.version" in shown and "silently ignores" in shown
    # CGO_ENABLED from the environment: wrong for the arm64 build (cgo off).
    ename, shown = course.error_text(LAB, "wrong_symbol", "task2_hidden")
    assert ename == "CheckFailed"
    assert "expected 'cgo: 0'" in shown and "it printed 'cgo: 1'" in shown and "linux/arm64" in shown
    assert "checks." not in shown and "HIDDEN" not in shown and "example.org" not in shown
    # ReadBuildInfo on every call allocates.
    ename, shown = course.error_text(LAB, "wrong_symbol", "task4_tests")
    assert ename == "CheckFailed" and "still allocates" in shown
    # A constant: another -X value does not change it.
    ename, shown = course.error_text(LAB, "wrong_shortcuts", "task1_hidden")
    assert ename == "CheckFailed" and "`version: v1.4.2`; expected `version: v9.8.7-rc.1`" in shown
    # +dirty forgotten.
    ename, shown = course.error_text(LAB, "wrong_shortcuts", "task3_hidden")
    assert ename == "CheckFailed" and "vcs.modified=true" in shown and "+dirty" in shown
    # The unsynchronised lazy cache: the race detector's report.
    ename, shown = course.error_text(LAB, "wrong_shortcuts", "task4_hidden")
    assert ename == "CheckFailed" and "data race" in shown and "sync.Once" in shown
    # No fallback: an empty version.
    ename, shown = course.error_text(LAB, "wrong_slicing", "task1_hidden")
    assert ename == "CheckFailed" and "fall back to the main module's version" in shown
    # revision[:12] without a revision panics.
    ename, shown = course.error_text(LAB, "wrong_slicing", "task3_tests")
    assert ename == "CheckFailed" and "slice bounds out of range" in shown
    # The untouched release: stubs that say they are not finished.
    ename, shown = course.error_text(LAB, "untouched", "task4_tests")
    assert ename == "CheckFailed" and "not finished yet" in shown
