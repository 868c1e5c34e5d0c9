"""Lab 02 (the scheduler) through the real nbgrader commands, in a throwaway course (tests/labkit.py).

Same pattern as test_grading_lab01.py: generate_assignment (compared with the committed labs/lab02),
then one parallel autograde (nbgrader, tests/labkit.py) over the reference solution, the untouched
release and two realistic wrong submissions, each with its expected score per graded cell. The
checks read the programs' own schedtrace (with scheddetail: goroutines running per sample) and
gctrace; thresholds keep a wide margin on a loaded 2-core VM.
"""

from __future__ import annotations


from labkit import edit, lab_module

LAB = "lab02"

# grade_id -> points of a fully correct submission
FULL = {"task1_tests": 2, "task1_hidden": 1, "task2_tests": 2, "task2_hidden": 1,
        "task3_tests": 1, "task3_hidden": 1, "task4_tests": 1, "task4_hidden": 1}


def _wrong_hardcoded(nb):
    """Assumed two Ps, and used time.Sleep whatever the mode."""
    edit(nb, "task1_program", "n := runtime.GOMAXPROCS(0)", "n := 2")
    edit(nb, "task3_program", 'if mode == "syscall" {', 'if mode == "never" {')


def _wrong_careless(nb):
    """One busy goroutine, results not stored (the compiler drops the now useless work, so the
    goroutines end at once and no queue builds up), and the forced-GC count."""
    edit(nb, "task1_program", "n := runtime.GOMAXPROCS(0)", "n := 1")
    edit(nb, "task2_program", "results[i] = work(iterations)", "work(iterations)")
    edit(nb, "task4_program", "return ms.NumGC", "return ms.NumForcedGC")


EXPECTED = {
    "reference": FULL,
    "untouched": {k: 0 for k in FULL},
    "wrong_hardcoded": {**FULL, "task1_hidden": 0, "task3_tests": 0},
    "wrong_careless": {**FULL, "task1_tests": 0, "task1_hidden": 0, "task2_tests": 0, "task2_hidden": 0,
                   "task4_tests": 0, "task4_hidden": 0},
}


# The fixture `course` and the tests every lab has (tests/labkit.py).
globals().update(lab_module(
    LAB, full=FULL, expected=EXPECTED,
    wrong={"wrong_hardcoded": _wrong_hardcoded, "wrong_careless": _wrong_careless},
    totals={"reference": 10, "untouched": 0, "wrong_hardcoded": 8, "wrong_careless": 2},
    secrets=("gomaxprocs=3", "gomaxprocs=1", "GOGC", "runtime.ReadMemStats", "syscall.Nanosleep(&ts")))


def test_feedback_outputs_hide_test_source(course):
    """A failing hidden test shows the checks' message, not its source (gomaxprocs=3 stays hidden)."""
    ename, shown = course.error_text(LAB, "wrong_hardcoded", "task1_hidden")
    assert ename == "CheckFailed"
    assert "running a goroutine in only" in shown and "GOMAXPROCS=3" in shown
    assert "checks." not in shown and "HIDDEN" not in shown and "gomaxprocs=3" not in shown
