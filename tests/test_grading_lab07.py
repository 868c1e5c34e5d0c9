"""Lab 07 (the runtime inside your binary) through the real nbgrader commands, in a throwaway course.

One module-scoped course (tests/labkit.py): generate_assignment (compared with the committed labs/),
then one `nbgrader autograde` over five submissions: the reference solution, the untouched release
and three realistic wrong submissions, each with its expected score per graded cell. The wrong
ones also solve some tasks correctly in *other* ways than the reference (the tests check what the
programs print, the runtime's gctrace and the profile pprof reads, not source text), and those
tasks must get full marks.
"""

from __future__ import annotations


from labkit import edit, lab_module

LAB = "lab07"

# grade_id -> points of a fully correct submission
FULL = {"task1_tests": 2, "task1_hidden": 1, "task2_tests": 2, "task2_hidden": 1,
        "task3_tests": 1, "task3_hidden": 1, "task4_tests": 1, "task4_hidden": 1}

GARBAGE = "\t\tsink = make([]byte, 1024) // stored in a package-level variable: it must be on the heap\n"
LIVE = "\tfor i := 0; i < liveMiB*1024; i++ {\n\t\tkeep = append(keep, make([]byte, 1024))\n\t}\n"
REPORT = ('\tfmt.Printf("%s heap_alloc=%d next_gc=%d num_gc=%d total_alloc=%d\\n",\n'
          "\t\tphase, ms.HeapAlloc, ms.NextGC, ms.NumGC, ms.TotalAlloc)\n")
WAIT = "\twg.Wait() // every worker has called Done: every job is done\n"
WORKER_LOOP = ("\tfor ctx.Err() == nil { // nil until ctx is done (cancelled, or its deadline passed)\n"
               "\t\tprocess(takeJob())\n\t}\n")
GC_FIRST = "\truntime.GC() // the heap profile describes the heap as of the last completed GC: make that now\n"
WRITE = '\tif err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {\n'


def _wrong_escape(nb):
    """What the seed's own demo did: garbage made with `_ = make(...)` (never reaches the heap), and
    the live blocks in a local slice (unreachable once allocate returns). Waits for the pool with a
    time.Sleep that is long enough for the visible test only, and writes the heap profile without
    a GC first. Task 3 is right, with a select on ctx.Done() instead of ctx.Err()."""
    edit(nb, "task1_program", GARBAGE, "\t\t_ = make([]byte, 1024)\n")
    edit(nb, "task1_program", LIVE, "\tvar keep [][]byte\n" + LIVE)
    edit(nb, "task2_program", WAIT, "\ttime.Sleep(time.Second) // give the workers time to finish\n")
    edit(nb, "task3_program", WORKER_LOOP,
         "\tfor {\n\t\tselect {\n\t\tcase <-ctx.Done():\n\t\t\treturn\n\t\tdefault:\n"
         "\t\t\tprocess(takeJob())\n\t\t}\n\t}\n")
    edit(nb, "task4_program", GC_FIRST, "")


def _wrong_forced(nb):
    """Reads NumForcedGC (the GCs forced by runtime.GC()) as the cycle count, returns from runPool
    without waiting (the workers never run), and lets serve return at the deadline while jobs are in
    hand. Task 4 is right, with pprof.WriteHeapProfile instead of Lookup("heap").WriteTo."""
    edit(nb, "task1_program", "ms.NumGC, ms.TotalAlloc", "ms.NumForcedGC, ms.TotalAlloc")
    edit(nb, "task2_program", WAIT, "")
    edit(nb, "task3_program", "\twg.Wait()\n\t// END SOLUTION", "\t<-ctx.Done()\n\t// END SOLUTION")
    edit(nb, "task4_program", WRITE, "\tif err := pprof.WriteHeapProfile(f); err != nil {\n")


def _wrong_allocs(nb):
    """Writes the allocs profile (its default view counts every allocation since the start, so
    churn's garbage dominates). Tasks 1-3 are right in other words than the reference: the report's
    fields in another order, workers started through closures, the context checked at the end of
    the worker's loop."""
    edit(nb, "task1_program", REPORT,
         '\tfmt.Printf("%s num_gc=%d total_alloc=%d next_gc=%d heap_alloc=%d\\n",\n'
         "\t\tphase, ms.NumGC, ms.TotalAlloc, ms.NextGC, ms.HeapAlloc)\n")
    edit(nb, "task2_program", "\t\tgo worker(jobs, &wg)\n", "\t\tgo func() {\n\t\t\tworker(jobs, &wg)\n\t\t}()\n")
    edit(nb, "task3_program", WORKER_LOOP,
         "\tfor {\n\t\tif err := ctx.Err(); err != nil {\n\t\t\treturn\n\t\t}\n\t\tprocess(takeJob())\n\t}\n")
    edit(nb, "task4_program", 'pprof.Lookup("heap")', 'pprof.Lookup("allocs")')


EXPECTED = {
    "reference": FULL,
    "untouched": {k: 0 for k in FULL},
    "wrong_escape": {**FULL, "task1_tests": 0, "task1_hidden": 0, "task2_hidden": 0,
                     "task4_tests": 0, "task4_hidden": 0},
    "wrong_forced": {**FULL, "task1_tests": 0, "task1_hidden": 0, "task2_tests": 0, "task2_hidden": 0,
                     "task3_tests": 0, "task3_hidden": 0},
    "wrong_allocs": {**FULL, "task4_tests": 0, "task4_hidden": 0},
}


# The fixture `course` and the tests every lab has (tests/labkit.py).
globals().update(lab_module(
    LAB, full=FULL, expected=EXPECTED,
    wrong={"wrong_escape": _wrong_escape, "wrong_forced": _wrong_forced, "wrong_allocs": _wrong_allocs},
    totals={"reference": 10, "untouched": 0, "wrong_escape": 4, "wrong_forced": 2, "wrong_allocs": 8},
    secrets=(
        "runtime.ReadMemStats(&ms)", "ms.NumGC", "wg.Wait()", "go worker(", "ctx.Err()", 'Lookup("heap")',
        "runtime.GC() // the heap profile", "live_mib=40", "gogc=50", "(300, 3, 40"
    )))


def test_feedback_says_what_was_wrong(course):
    """The failing cells show the checks' messages (what was measured, what was expected), not test source."""
    ename, shown = course.error_text(LAB, "wrong_escape", "task1_tests")
    assert ename == "CheckFailed" and "TotalAlloc grew by" in shown and "escape analysis" in shown
    ename, shown = course.error_text(LAB, "wrong_escape", "task2_hidden")
    assert ename == "CheckFailed" and "of the 300 jobs were reported" in shown
    assert "checks" not in shown and "HIDDEN" not in shown and "_procs" not in shown
    ename, shown = course.error_text(LAB, "wrong_escape", "task4_tests")
    assert ename == "CheckFailed" and "main.fillCache" in shown and "last completed GC" in shown
    ename, shown = course.error_text(LAB, "wrong_forced", "task1_tests")
    assert ename == "CheckFailed" and "num_gc=1" in shown and "gctrace" in shown
    ename, shown = course.error_text(LAB, "wrong_forced", "task2_tests")
    assert ename == "CheckFailed" and "only 0 of the 40 jobs were reported" in shown
    ename, shown = course.error_text(LAB, "wrong_forced", "task3_tests")
    # Which symptom shows first depends on timing; both say that serve returned with jobs in hand.
    assert ename == "CheckFailed" and ("started but never finished" in shown
                                       or "before every job in hand was finished" in shown), shown
    ename, shown = course.error_text(LAB, "wrong_allocs", "task4_tests")
    assert ename == "CheckFailed" and "alloc_space" in shown and "allocs profile" in shown
    for task in ("task1_tests", "task1_hidden", "task2_tests", "task2_hidden", "task3_tests", "task3_hidden"):
        assert course.error_text(LAB, "wrong_allocs", task) == ("", "")
    ename, shown = course.error_text(LAB, "untouched", "task1_tests")
    assert ename == "CheckFailed" and "not finished yet" in shown
