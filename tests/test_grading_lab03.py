"""Lab 03 through the real nbgrader commands, in a throwaway course (temp dir, HOME redirected).

One module-scoped course (tests/labkit.py): generate_assignment (compared with the committed labs/),
then one parallel autograde (nbgrader, tests/labkit.py) over five submissions: the reference
solution, the untouched release and three realistic wrong submissions, each with its expected score
per graded cell.

The lab needs a C compiler (cgo in tasks 2 and 4) and qemu-aarch64 (hidden tests of tasks 1–3). The
wrong submission "wrong_amd64" hard-codes x86-64's system call number, so its expected scores hold
on an amd64 grader only.
"""

from __future__ import annotations

import shutil

import pytest

from goenv.grading import checks
from goenv.runners import find_qemu
from labkit import cell_by_id, edit, lab_module

LAB = "lab03"

pytestmark = [
    pytest.mark.skipif(shutil.which("gcc") is None, reason="lab 03 needs a C compiler (gcc) for cgo"),
    pytest.mark.skipif(find_qemu("aarch64") is None, reason="lab 03's hidden tests run linux/arm64 under qemu"),
    pytest.mark.skipif(checks.host_goarch() != "amd64",
                       reason="the expected scores of wrong_amd64 assume an amd64 grader"),
]

# grade_id -> points of a fully correct submission
FULL = {"task1_tests": 1, "task1_hidden": 1, "task2_tests": 2, "task2_hidden": 1,
        "task3_tests": 2, "task3_hidden": 1, "task4_tests": 1, "task4_hidden": 1}


def _replace_region(nb, grade_id: str, after: str, body: str) -> None:
    """Replace the reference solution region that follows ``after`` in a cell by ``body`` (a learner's code)."""
    cell = cell_by_id(nb, grade_id)
    start = cell.source.index("\t// BEGIN SOLUTION\n", cell.source.index(after))
    end = cell.source.index("\t// END SOLUTION\n", start) + len("\t// END SOLUTION\n")
    cell.source = cell.source[:start] + body.rstrip("\n") + "\n" + cell.source[end:]


def _wrong_seed(nb):
    """Followed the seed: external static link with glibc (2.3-c) and CGO_ENABLED=off (2.3-a)."""
    edit(nb, "task1_flags", 'STATIC_FLAGS = "--tags netgo,osusergo"',
         """STATIC_FLAGS = '--ldflags "-linkmode external -extldflags -static"'""")
    edit(nb, "task2_value", 'CGO_ENABLED_VALUE = "0"', 'CGO_ENABLED_VALUE = "off"')


def _wrong_amd64(nb):
    """Forgot osusergo, took openat's number from an x86-64 table, and summed one number per cgo call."""
    edit(nb, "task1_flags", '"--tags netgo,osusergo"', '"--tags netgo"')
    edit(nb, "task3_program", "syscall.Syscall6(syscall.SYS_OPENAT, ", "syscall.Syscall6(257, ")
    edit(nb, "task4_program", "\tif len(xs) == 0 {\n\t\treturn 0 // nothing to add, and &xs[0] would panic\n\t}\n"
         "\treturn int64(C.sum((*C.int32_t)(&xs[0]), C.size_t(len(xs))))",
         "\tvar s C.int64_t\n\tfor _, x := range xs {\n\t\ts = C.add(s, C.int32_t(x))\n\t}\n\treturn int64(s)")


def _wrong_shortcuts(nb):
    """Typed CGO_ENABLED in, opened the file with os.OpenFile, and forgot the empty input."""
    _replace_region(nb, "task2_program", "func cgoSetting(", '\treturn "0" // our images are built without cgo')
    _replace_region(nb, "task3_program", "func openat(",
                    "\tf, err := os.OpenFile(path, flags, os.FileMode(mode))\n"
                    "\tif err != nil {\n\t\treturn -1, err\n\t}\n\treturn int(f.Fd()), nil")
    edit(nb, "task4_program", "\tif len(xs) == 0 {\n\t\treturn 0 // nothing to add, and &xs[0] would panic\n\t}\n", "")


EXPECTED = {
    "reference": FULL,
    "untouched": {k: 0 for k in FULL},
    "wrong_seed": {**FULL, "task1_hidden": 0, "task2_tests": 0},
    "wrong_amd64": {**FULL, "task1_tests": 0, "task1_hidden": 0, "task3_hidden": 0, "task4_tests": 0,
                    "task4_hidden": 0},
    "wrong_shortcuts": {**FULL, "task2_hidden": 0, "task3_tests": 0, "task3_hidden": 0, "task4_hidden": 0},
}


# The fixture `course` and the tests every lab has (tests/labkit.py).
globals().update(lab_module(
    LAB, full=FULL, expected=EXPECTED,
    wrong={"wrong_seed": _wrong_seed, "wrong_amd64": _wrong_amd64, "wrong_shortcuts": _wrong_shortcuts},
    totals={"reference": 10, "untouched": 0, "wrong_seed": 7, "wrong_amd64": 5, "wrong_shortcuts": 5},
    secrets=(
        "no..such", "192.0.2.7", "netgo,osusergo", 'CGO_ENABLED_VALUE = "0"', "C.sum((*C.int32_t)",
        "return -100"
    )))


def test_feedback_explains_without_showing_test_source(course):
    """Failing tests show the checks' message in the autograded notebook, never their source."""
    # CGO_ENABLED=off: the go command ignored it and used its default.
    ename, shown = course.error_text(LAB, "wrong_seed", "task2_tests")
    assert ename == "CheckFailed"
    assert "CGO_ENABLED='off'" in shown and "used its default" in shown
    # The external static link: static, but the lookups are the C library's.
    ename, shown = course.error_text(LAB, "wrong_seed", "task1_hidden")
    assert ename == "CheckFailed" and "call the C library" in shown
    assert "checks" not in shown and "HIDDEN" not in shown and "no..such" not in shown
    # x86-64's system call number under qemu-aarch64: ENOSYS, and the hint says why.
    ename, shown = course.error_text(LAB, "wrong_amd64", "task3_hidden")
    assert ename == "CheckFailed"
    assert "function not implemented" in shown and "differ per architecture" in shown
    # One cgo call per number.
    ename, shown = course.error_text(LAB, "wrong_amd64", "task4_tests")
    assert ename == "CheckFailed" and "crossed the cgo boundary 100000 times" in shown
    # os.OpenFile ignores dirfd.
    ename, shown = course.error_text(LAB, "wrong_shortcuts", "task3_tests")
    assert ename == "CheckFailed" and "inner.txt in sub" in shown
    # The untouched release: stubs that say they are not finished.
    ename, shown = course.error_text(LAB, "untouched", "task3_tests")
    assert ename == "CheckFailed" and "not finished yet" in shown
