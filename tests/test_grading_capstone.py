"""The capstone through the real nbgrader commands, in a throwaway course (temp dir, HOME redirected).

One module-scoped course (tests/labkit.py): generate_assignment (compared with the committed labs/),
then one parallel autograde (nbgrader) over the reference solution, the untouched release and four wrong
submissions (five realistic mistakes), each with its expected score per graded cell. Grading builds
platinfo for about fifteen targets per submission, runs the Linux ones natively or under qemu-user,
and asks go list.
"""

from __future__ import annotations

import re

from goenv.toolchain import default
from labkit import cell_by_id, edit, lab_module

LAB = "capstone"

# grade_id -> points of a fully correct submission
FULL = {"task1_tests": 2, "task1_hidden": 1, "task2_tests": 2, "task2_hidden": 1, "task3_tests": 3,
        "task3_hidden": 2, "task4_tests": 2, "task4_hidden": 1, "task5_tests": 4, "task5_hidden": 2}

FALLBACK_LINE = "//go:build !linux && !darwin && !windows"


def _no_fallback(nb):
    """Wrote the Linux, macOS and Windows files and no fallback: FreeBSD has no platform()."""
    cell = cell_by_id(nb, "program")
    new = re.sub(r"-- platform_other\.go --\n.*?(?=// END SOLUTION)", "", cell.source, flags=re.S)
    assert new != cell.source and "platform_other.go" not in new
    cell.source = new


def _overlapping_fallback(nb):
    """The fallback says `!linux`: Windows and macOS compile two platform() functions."""
    edit(nb, "program", FALLBACK_LINE, "//go:build !linux")


def _cgo_on_goarch_as_machine(nb):
    """Two slips: release flags that leave cgo at its default (cross builds are static, the native
    linux/amd64 one is not), and runtime.GOARCH reported as the machine the program runs on."""
    edit(nb, "task5_answer", 'BUILD_FLAGS = f"--cgo 0 --ldflags', 'BUILD_FLAGS = f"--ldflags')
    edit(nb, "program", 'import "syscall"\n\n// platform returns the machine the Linux',
         'import (\n\t"runtime"\n\t"syscall"\n)\n\n// platform returns the machine the Linux')
    edit(nb, "program", 'return utsString(u.Machine[:]), "linux kernel "', 'return runtime.GOARCH, "linux kernel "')


def _hardcoded_version(nb):
    """Typed the release's version and commit into the source instead of stamping them with -X."""
    edit(nb, "program", 'version = "dev"', 'version = "2.1.0"')
    edit(nb, "program", 'commit  = "unknown"', 'commit  = "4f2c9e1"')
    edit(nb, "task5_answer",
         "BUILD_FLAGS = f\"--cgo 0 --ldflags '-s -w -X main.version={VERSION} -X main.commit={COMMIT}'\"",
         "BUILD_FLAGS = \"--cgo 0 --ldflags '-s -w'\"")


WRONG = {"no_fallback": _no_fallback, "overlapping_fallback": _overlapping_fallback,
         "hardcoded_version": _hardcoded_version, "cgo_on_goarch_as_machine": _cgo_on_goarch_as_machine}

EXPECTED = {
    "reference": FULL,
    "untouched": {k: 0 for k in FULL},
    "no_fallback": {**FULL, "task3_tests": 0, "task3_hidden": 0, "task5_tests": 0, "task5_hidden": 0},
    "overlapping_fallback": {**FULL, "task3_tests": 0, "task3_hidden": 0, "task5_tests": 0, "task5_hidden": 0},
    "hardcoded_version": {**FULL, "task1_hidden": 0, "task4_tests": 0, "task4_hidden": 0, "task5_hidden": 0},
    "cgo_on_goarch_as_machine": {**FULL, "task3_tests": 0, "task3_hidden": 0, "task5_tests": 0, "task5_hidden": 0},
}


# The fixture `course` and the tests every lab has (tests/labkit.py); the secrets are the hidden tests'
# targets and stamps, and the reference's fallback constraint.
globals().update(lab_module(
    LAB, full=FULL, expected=EXPECTED, wrong=WRONG,
    totals={"reference": 20, "untouched": 0, "no_fallback": 9, "overlapping_fallback": 9, "hardcoded_version": 14,
            "cgo_on_goarch_as_machine": 9},
    secrets=('"linux/s390x"', "openbsd/amd64", "netbsd/arm64", "3.1.4", "d00dfee", FALLBACK_LINE, "GetVersion: ",
             "r.Target = runtime.GOOS", "ImportedLibraries(); err")))


def test_failures_say_what_was_wrong(course):
    """The messages name the mistake; hidden tests show the checks' message, not their source."""
    ename, shown = course.error_text(LAB, "no_fallback", "task3_tests")
    assert ename == "CheckFailed" and "for freebsd/amd64" in shown and "fallback" in shown
    ename, shown = course.error_text(LAB, "overlapping_fallback", "task3_tests")
    assert "compiles the fallback platform_other.go next to platform_windows.go" in shown
    ename, shown = course.error_text(LAB, "cgo_on_goarch_as_machine", "task5_tests")
    assert "linux/amd64" in shown and "CGO_ENABLED=1" in shown and "CGO_ENABLED=0" in shown
    ename, shown = course.error_text(LAB, "cgo_on_goarch_as_machine", "task3_tests")
    assert f"machine={default().hostarch}" in shown and "uname(2)" in shown
    ename, shown = course.error_text(LAB, "hardcoded_version", "task4_tests")
    assert "named the problem field(s) none; expected commit, version" in shown and "version=2.1.0" in shown
    ename, shown = course.error_text(LAB, "hardcoded_version", "task5_hidden")
    assert ename == "CheckFailed" and "sets no main.version, no main.commit; expected -X main.version=2.1.0" in shown
    assert "cap." not in shown and "HIDDEN" not in shown and "_more" not in shown
