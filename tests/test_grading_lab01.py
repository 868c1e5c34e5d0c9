"""Lab 01 through the real nbgrader commands, in a throwaway course (temp dir, HOME redirected).

One module-scoped course (tests/labkit.py): generate_assignment (compared with the committed labs/),
then one parallel autograde (nbgrader, tests/labkit.py) over four submissions: the reference
solution, the untouched release and two realistic wrong submissions, each with its expected score
per graded cell.
"""

from __future__ import annotations


from labkit import edit, lab_module

LAB = "lab01"

# grade_id -> points of a fully correct submission
FULL = {"task1_tests": 2, "task1_hidden": 1, "task2_tests": 2, "task2_hidden": 1,
        "task3_tests": 1, "task3_hidden": 1, "task4_tests": 1, "task4_hidden": 1}


def _wrong_target(nb):
    """Forgot the board (built natively) and typed in the answer list of task 2."""
    edit(nb, "task1_target", 'BOARD_TARGET = "linux/arm64"', 'BOARD_TARGET = "linux/amd64"')
    edit(nb, "task2_program", "\tvar out []string\n", "\treturn []string{\"darwin/amd64\", \"darwin/arm64\", "
          "\"linux/386\", \"linux/amd64\", \"linux/arm\", \"linux/arm64\", \"windows/386\", \"windows/amd64\"}\n"
          "\tvar out []string\n")


def _wrong_shortcuts(nb):
    """Typed in linux/arm64 and "big", ignored FirstClass, and left the static build dynamic."""
    edit(nb, "task1_program", 'fmt.Println(runtime.GOOS + "/" + runtime.GOARCH)', 'fmt.Println("linux/arm64")')
    edit(nb, "task2_program", "p.FirstClass && p.CgoSupported", "p.CgoSupported")
    edit(nb, "task3_program", "\tif mem[0] == 0x01 {\n\t\treturn \"big\"\n\t}\n\treturn \"little\"", '\treturn "big"')
    edit(nb, "task4_flags", 'STATIC_FLAGS = "--cgo 0"', 'STATIC_FLAGS = ""')


EXPECTED = {
    "reference": FULL,
    "untouched": {k: 0 for k in FULL},
    "wrong_target": {**FULL, "task1_tests": 0, "task1_hidden": 0, "task2_hidden": 0},
    "wrong_shortcuts": {**FULL, "task1_hidden": 0, "task2_tests": 0, "task2_hidden": 0, "task3_hidden": 0,
                        "task4_tests": 0, "task4_hidden": 0},
}


# The fixture `course` and the tests every lab has (tests/labkit.py).
globals().update(lab_module(
    LAB, full=FULL, expected=EXPECTED,
    wrong={"wrong_target": _wrong_target, "wrong_shortcuts": _wrong_shortcuts},
    totals={"reference": 10, "untouched": 0, "wrong_target": 6, "wrong_shortcuts": 3},
    secrets=("linux/riscv64", "plan10/quantum", '"linux/s390x"')))


def test_feedback_outputs_hide_test_source(course):
    """Failing hidden tests show the checks' message in the autograded notebook, not their source."""
    ename, shown = course.error_text(LAB, "wrong_shortcuts", "task1_hidden")
    assert ename == "CheckFailed"
    assert "expected a line 'linux/riscv64'" in shown
    assert "checks." not in shown and "HIDDEN" not in shown and 'goarch="riscv64"' not in shown
