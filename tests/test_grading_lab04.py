"""Lab 04 (atomics) through the real nbgrader commands, in a throwaway course (temp dir, HOME redirected).

One module-scoped course (tests/labkit.py): generate_assignment (compared with the committed labs/),
then one parallel autograde (nbgrader, tests/labkit.py) over four submissions: the reference
solution, the untouched release and two realistic wrong submissions, each with its expected score
per graded cell. The wrong ones also solve some tasks correctly in *other* ways than the reference
(the tests check behaviour, race reports and live disassembly, not source text), and those tasks
must get full marks.
"""

from __future__ import annotations


from labkit import edit, lab_module

LAB = "lab04"

# grade_id -> points of a fully correct submission
FULL = {"task1_tests": 2, "task1_hidden": 1, "task2_tests": 2, "task2_hidden": 1,
        "task3_tests": 1, "task3_hidden": 1, "task4_tests": 1, "task4_hidden": 1}

COUNTER_SOLUTION = "\tvar c atomic.Uint64\n\treturn func() { c.Add(1) }, c.Load\n"
RECORD_SOLUTION = ("\ttype record struct {\n\t\tenabled bool\n\t\thits    atomic.Uint64 // atomic.Uint64 is 64-bit "
                   "aligned on every target\n\t}\n\tr := &record{enabled: true}\n\treturn func() { r.hits.Add(1) }, r.hits.Load\n")
ANSWERS = 'ARM64_STORE = "STLR"\nAMD64_STORE = "XCHGQ"'
SEND = "\tb.msg = m\n\tb.ready.Store(true)\n"


def _wrong_plain(nb):
    """Plain ("volatile-style") accesses: an atomic read of a plainly incremented counter, a plain
    store in publish (and its plain MOV named as the answer), and the flag raised before the data.
    Task 3 is right, fixed another way: the counter moved to the front of the record (offset 0 is
    64-bit aligned on every target)."""
    edit(nb, "task1_program", COUNTER_SOLUTION,
         "\tvar c uint64\n\treturn func() { c++ }, func() uint64 { return atomic.LoadUint64(&c) }\n")
    edit(nb, "task2_program", "\tatomic.StoreUint64(p, v)\n", "\t*p = v\n")
    edit(nb, "task2_answer", ANSWERS, 'ARM64_STORE = "MOVD"\nAMD64_STORE = "MOVQ"')
    edit(nb, "task3_program", RECORD_SOLUTION,
         "\ttype record struct {\n\t\thits    uint64 // first: 64-bit aligned on every target\n\t\tenabled bool\n\t}\n"
         "\tr := &record{enabled: true}\n"
         "\treturn func() { atomic.AddUint64(&r.hits, 1) }, func() uint64 { return atomic.LoadUint64(&r.hits) }\n")
    edit(nb, "task4_program", SEND, "\tb.ready.Store(true)\n\tb.msg = m\n")


def _wrong_seed(nb):
    """What the seed text teaches: MOV+MFENCE on x86-64, and a uint64 field after a bool used with
    atomic.AddUint64 (fine on 64-bit targets, a panic on 32-bit ones). Tasks 1 and 4 and the arm64
    answer are right in other words than the reference: AddUint64 on a plain variable, "stlr" in
    lower case, a differently shaped wait loop."""
    edit(nb, "task1_program", COUNTER_SOLUTION,
         "\tvar c uint64\n\treturn func() { atomic.AddUint64(&c, 1) }, func() uint64 { return atomic.LoadUint64(&c) }\n")
    edit(nb, "task2_answer", ANSWERS, 'ARM64_STORE = "stlr"\nAMD64_STORE = "MOV+MFENCE"')
    edit(nb, "task3_program", RECORD_SOLUTION,
         "\ttype record struct {\n\t\tenabled bool\n\t\thits    uint64\n\t}\n\tr := &record{enabled: true}\n"
         "\treturn func() { atomic.AddUint64(&r.hits, 1) }, func() uint64 { return atomic.LoadUint64(&r.hits) }\n")
    edit(nb, "task4_program", "\tfor !b.ready.Load() {\n\t\tpause()\n\t}\n\treturn b.msg\n",
         "\tfor {\n\t\tif b.ready.Load() {\n\t\t\treturn b.msg\n\t\t}\n\t\tpause()\n\t}\n")


EXPECTED = {
    "reference": FULL,
    "untouched": {k: 0 for k in FULL},
    "wrong_plain": {**FULL, "task1_tests": 0, "task1_hidden": 0, "task2_tests": 0, "task2_hidden": 0,
                    "task4_tests": 0, "task4_hidden": 0},
    "wrong_seed": {**FULL, "task2_hidden": 0, "task3_tests": 0, "task3_hidden": 0},
}


# The fixture `course` and the tests every lab has (tests/labkit.py).
globals().update(lab_module(
    LAB, full=FULL, expected=EXPECTED,
    wrong={"wrong_plain": _wrong_plain, "wrong_seed": _wrong_seed},
    totals={"reference": 10, "untouched": 0, "wrong_plain": 2, "wrong_seed": 7},
    secrets=(
        '"STLR"', '"XCHGQ"', "c.Add(1)", "r.hits.Add(1)", "b.ready.Store(true)", "zebra", "goarm64",
        "main.store"
    )))


def test_feedback_says_what_was_wrong(course):
    """The failing cells show the checks' messages (race report, instruction, panic), not test source."""
    ename, shown = course.error_text(LAB, "wrong_plain", "task1_tests")
    assert ename == "CheckFailed"
    assert "data race" in shown and "main.newCounter" in shown
    ename, shown = course.error_text(LAB, "wrong_plain", "task2_tests")
    assert ename == "CheckFailed" and "main.publish compiled for linux/arm64 has no atomic instruction" in shown
    ename, shown = course.error_text(LAB, "wrong_plain", "task4_tests")
    assert ename == "CheckFailed" and "data race" in shown and "main.(*box).send" in shown
    ename, shown = course.error_text(LAB, "wrong_seed", "task2_hidden")
    assert ename == "CheckFailed"
    assert "AMD64_STORE = 'MOV+MFENCE', but main.publish compiled for linux/amd64 has no MOV and no MFENCE" in shown
    assert "checks" not in shown and "HIDDEN" not in shown and "_ref" not in shown
    ename, shown = course.error_text(LAB, "wrong_seed", "task3_tests")
    assert ename == "CheckFailed" and "unaligned 64-bit atomic operation" in shown
    for task in ("task1_tests", "task1_hidden", "task3_tests", "task3_hidden", "task4_tests", "task4_hidden"):
        assert course.error_text(LAB, "wrong_seed" if task[4] != "3" else "wrong_plain", task) == ("", "")
    ename, shown = course.error_text(LAB, "untouched", "task1_tests")
    assert ename == "CheckFailed" and "not finished yet" in shown
