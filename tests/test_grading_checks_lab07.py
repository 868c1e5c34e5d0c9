"""goenv.grading.checks_lab07 with the real toolchain: MemStats against gctrace, lost work, heap profiles.

The programs are lab 07's own reference programs (read from grading/source/lab07/lab07.ipynb) and
realistic variants of them; odd outputs come from a real Go program that echoes its standard input.
"""

from __future__ import annotations

import io
from contextlib import redirect_stderr
from pathlib import Path

import nbformat
import pytest

from goenv.grading import checks, checks_lab07
from goenv.grading.checks import CheckFailed
from goenv.grading.preprocessors import go_program_text
from helpers import named  # noqa: F401 (a fixture)

LAB = Path(__file__).resolve().parents[1] / "grading" / "source" / "lab07" / "lab07.ipynb"


def lab_program(grade_id: str) -> str:
    """The reference Go program of a lab 07 cell (solution regions included: they are comments)."""
    nb = nbformat.read(LAB, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return go_program_text(cell.source)


def variant(grade_id: str, old: str, new: str) -> str:
    src = lab_program(grade_id)
    assert old in src, old
    return src.replace(old, new)


ECHO = '''package main

import (
	"io"
	"os"
)

func main() { io.Copy(os.Stdout, os.Stdin) }
'''


def echoed(text: str):
    """A real run whose standard output is ``text``."""
    return checks.run(ECHO, stdin=text)


# -- task 1: MemStats ------------------------------------------------------------------------------


def test_reference_memstats_agree_with_gctrace(named, capsys):
    named("memstats", lab_program("task1_program"))
    rep = checks_lab07.memstats_report("memstats", live_mib=16, garbage_mib=64)
    assert checks_lab07.expect_memstats(rep) is rep
    assert rep.result.ok and rep.gogc == 100 and set(rep.phases) == set(checks_lab07.MEMSTATS_PHASES)
    c = rep["collected"]
    assert c["num_gc"] in (rep.gc_lines - 1, rep.gc_lines) and rep.gc_lines >= 2
    assert 16 << 20 <= c["heap_alloc"] < c["next_gc"]
    assert rep["allocated"]["total_alloc"] - rep["start"]["total_alloc"] >= 80 << 20
    out = capsys.readouterr().out
    assert "✓ TotalAlloc grew by" in out and "agrees with the runtime's gctrace" in out


GARBAGE = "\t\tsink = make([]byte, 1024) // stored in a package-level variable: it must be on the heap\n"


@pytest.mark.parametrize("old, new, message", [
    (GARBAGE, "\t\t_ = make([]byte, 1024)\n", r"TotalAlloc grew by 1[67]\.\d MiB, but allocate\(16, 64\) must put "
                                               r"80 MiB on the heap(.|\n)*escape analysis"),
    ("\tfor i := 0; i < liveMiB*1024; i++ {\n", "\tvar keep [][]byte\n\tfor i := 0; i < liveMiB*1024; i++ {\n",
     r"after runtime.GC\(\) HeapAlloc is 0\.\d MiB, less than the 16 MiB"),
    (GARBAGE, "\t\tkeep = append(keep, make([]byte, 1024))\n", r"far more than the 16 MiB of live data: the "
                                                                 r"garbage is still reachable"),
    ("ms.NumGC, ms.TotalAlloc", "ms.NumForcedGC, ms.TotalAlloc", r"printed num_gc=1, but the runtime's gctrace "
                                                                 r"(.|\n)*NumForcedGC"),
    ("ms.HeapAlloc, ms.NextGC,", "ms.HeapAlloc, ms.HeapSys,", r"next_gc is .* × HeapAlloc(.|\n)*Print MemStats.NextGC"),
])
def test_memstats_mistakes_are_explained(named, old, new, message):
    named("memstats", variant("task1_program", old, new))
    rep = checks_lab07.memstats_report("memstats", live_mib=16, garbage_mib=64)
    err = io.StringIO()
    with redirect_stderr(err), pytest.raises(CheckFailed, match=message):
        checks_lab07.expect_memstats(rep)
    assert err.getvalue() == ""


def test_lower_gogc_completes_more_cycles(named, capsys):
    named("memstats", lab_program("task1_program"))
    low = checks_lab07.expect_memstats(checks_lab07.memstats_report("memstats", live_mib=24, garbage_mib=96, gogc=50))
    high = checks_lab07.expect_memstats(checks_lab07.memstats_report("memstats", live_mib=24, garbage_mib=96,
                                                                     gogc=200))
    nl, nh = checks_lab07.expect_more_cycles(high, low)  # either order
    assert nl > nh and f"✓ GOGC=50: {nl} cycles, GOGC=200: {nh} cycles" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="a lower GOGC sets a lower goal"):
        checks_lab07.expect_more_cycles(low, low)
    other = checks_lab07.memstats_report("memstats", live_mib=8, garbage_mib=96, gogc=200)
    with pytest.raises(CheckFailed, match="same work"):
        checks_lab07.expect_more_cycles(low, other)


@pytest.mark.parametrize("text, message", [
    ("start heap_alloc=1 next_gc=2 num_gc=0 total_alloc=1\n", r"there is none for allocated, collected"),
    ("start heap_alloc=1 next_gc=2 num_gc=0 total_alloc=1\nstart heap_alloc=1 next_gc=2 num_gc=0 total_alloc=1\n",
     "two `start ...` report lines"),
    ("start heap_alloc=1.5 next_gc=2 num_gc=0 total_alloc=1\n", r"'heap_alloc=1.5' is not `name=N`"),
    ("start HeapAlloc: 12\n", r"'HeapAlloc:' is not `name=N`"),
    ("start heap_alloc=1 num_gc=0\n", r"has no next_gc, no total_alloc"),
    ("(nothing of the kind)\n", r"there is none for start, allocated, collected(.|\n)*nothing of the kind"),
])
def test_report_lines_are_parsed_strictly(text, message):
    with pytest.raises(CheckFailed, match=message):
        checks_lab07.memstats_lines(echoed(text))


def test_report_fields_in_any_order_and_other_lines_ignored():
    text = ("keeping 1 MiB\nstart num_gc=0 total_alloc=5 next_gc=4 heap_alloc=3\n"
            "allocated heap_alloc=6 next_gc=7 num_gc=8 total_alloc=9\ncollected heap_alloc=1 next_gc=2 num_gc=3 "
            "total_alloc=4\n")
    got = checks_lab07.memstats_lines(echoed(text))
    assert got["start"] == {"heap_alloc": 3, "next_gc": 4, "num_gc": 0, "total_alloc": 5}
    assert got["collected"]["num_gc"] == 3


def test_memstats_report_refuses_a_bad_gogc_and_reports_the_stub(named):
    named("memstats", lab_program("task1_program"))
    for bad in ("off", 0, True):
        with pytest.raises(CheckFailed, match="GOGC as a positive whole number"):
            checks_lab07.memstats_report("memstats", live_mib=1, garbage_mib=1, gogc=bad)
    named("stub", variant("task1_program", "\tvar ms runtime.MemStats\n",
                          '\tpanic("not implemented yet: replace this line with your solution")\n\tvar ms runtime.MemStats\n'))
    with pytest.raises(CheckFailed, match="not finished yet"):
        checks_lab07.memstats_report("stub", live_mib=1, garbage_mib=1)


# -- task 2: a worker pool --------------------------------------------------------------------------

WAIT = "\twg.Wait() // every worker has called Done: every job is done\n"


def test_reference_pool_reports_every_job(named, capsys):
    named("pool", lab_program("task2_program"))
    r = checks.run("pool", args=["60", "3", "5"], env={"GOMAXPROCS": "1"})
    got = checks_lab07.expect_all_jobs(r, 60, lambda j: j * j)
    assert got == {j: j * j for j in range(1, 61)}
    assert "✓ all 60 jobs reported once" in capsys.readouterr().out


@pytest.mark.parametrize("new, message", [
    ("", r"only 0 of the 40 jobs were reported; no `job J result R` line for job\(s\) 1, 2, 3, 4, 5, …"),
    ("\ttime.Sleep(20 * time.Millisecond)\n", r"only \d+ of the 40 jobs were reported(.|\n)*A sleep only guesses"),
])
def test_lost_jobs_are_explained(named, new, message):
    named("pool", variant("task2_program", WAIT, new))
    r = checks.run("pool", args=["40", "2", "10"])
    with pytest.raises(CheckFailed, match=message):
        checks_lab07.expect_all_jobs(r, 40, lambda j: j * j)


@pytest.mark.parametrize("text, message", [
    ("job 1 result 1\njob 1 result 1\njob 2 result 4\nmain: done\n", r"job\(s\) 1 were reported more than once"),
    ("job 1 result 1\njob 2 result 5\nmain: done\n", r"wrong result for job\(s\) 2: e.g. `job 2 result 5`, "
                                                     r"expected work\(2\) = 4"),
    ("job 1 result 1\njob 3 result 9\nmain: done\n", r"reports job\(s\) 3, but the jobs are numbered 1 to 2"),
    ("job 1 result 1\nmain: done\njob 2 result 4\n", r"the last line must be main's `main: \.\.\.` line"),
    ("job 1 result 1\njob 2 result 4\n", r"the output ends with 'job 2 result 4'"),
    ("main: a\njob 1 result 1\njob 2 result 4\nmain: b\n", r"appears more than once"),
])
def test_pool_output_is_checked_line_by_line(text, message):
    with pytest.raises(CheckFailed, match=message):
        checks_lab07.expect_all_jobs(echoed(text), 2, lambda j: j * j)


# -- task 3: a graceful stop ---------------------------------------------------------------------------


def test_reference_stops_at_the_deadline(named, capsys):
    named("drain", lab_program("task3_program"))
    r = checks.run("drain", args=["4", "150"], env={"GOMAXPROCS": "2"}, timeout=5)
    n = checks_lab07.expect_graceful_stop(r, workers=4)
    ev = checks_lab07.stop_events(r)
    assert n == len(ev.dones) == len(ev.starts) >= 4 and ev.lines[-1] == f"stopped: {n} jobs finished"
    assert "none lost" in capsys.readouterr().out


def test_abandoned_and_endless_work_fail(named):
    named("abandon", variant("task3_program", "\twg.Wait()\n\t// END SOLUTION", "\t<-ctx.Done()\n\t// END SOLUTION"))
    r = checks.run("abandon", args=["3", "120"], timeout=5)
    with pytest.raises(CheckFailed, match=r"3 job\(s\) were started but never finished"):
        checks_lab07.expect_graceful_stop(r, workers=3)
    # A worker that never looks at the context runs forever: the run hits its time limit.
    named("endless", variant("task3_program", "for ctx.Err() == nil {", "for {"))
    with pytest.raises(CheckFailed, match="did not run successfully"):
        checks.run("endless", args=["2", "100"], timeout=2)


def _stop_text(late: int, *, deadline: bool = True, stopped: int | None = None) -> str:
    lines = ["start 1", "done 1 4"]
    if deadline:
        lines.append("deadline")
    for j in range(2, 2 + late):
        lines += [f"start {j}", f"done {j} {3 * j + 1}"]
    lines.append(f"stopped: {stopped if stopped is not None else 1 + late} jobs finished")
    return "\n".join(lines) + "\n"


def test_starts_after_the_deadline_are_counted():
    assert checks_lab07.expect_graceful_stop(echoed(_stop_text(2)), workers=2) == 3  # one per worker: accepted
    with pytest.raises(CheckFailed, match=r"3 job\(s\) were started after the deadline .* with 2 workers"):
        checks_lab07.expect_graceful_stop(echoed(_stop_text(3)), workers=2)


@pytest.mark.parametrize("text, message", [
    (_stop_text(0, deadline=False), r"expected one `deadline` line .* found 0"),
    (_stop_text(1, stopped=1), r"main counted 1 finished jobs .* but 2 `done` lines"),
    ("deadline\nstopped: 0 jobs finished\n", r"no job was started"),
    ("start 1\nstart 1\ndone 1 4\ndeadline\nstopped: 1 jobs finished\n", r"job\(s\) 1 were started twice"),
    ("done 1 4\nstart 1\ndeadline\nstopped: 1 jobs finished\n", r"job\(s\) 1 were finished but not started before"),
    ("start 1\ndone 1 4\ndeadline\nstopped: 1 jobs finished\nstart 2\ndone 2 7\n", r"the last line must be main's"),
])
def test_stop_output_is_checked(text, message):
    with pytest.raises(CheckFailed, match=message):
        checks_lab07.expect_graceful_stop(echoed(text), workers=2)


# -- task 4: heap profiles -----------------------------------------------------------------------------

GC_FIRST = "\truntime.GC() // the heap profile describes the heap as of the last completed GC: make that now\n"


def test_reference_profile_shows_the_cache(named, capsys):
    named("profile", lab_program("task4_program"))
    prof = checks_lab07.heap_profile("profile", args=[6000], env={"GOGC": "off"})
    assert prof.top.type == "inuse_space" and prof.profile_bytes > 0 and prof.result.ok
    assert "main.fillCache" in prof.text and prof.sample_index is None
    row = checks_lab07.expect_heap_holder(prof, "main.fillCache", at_least=6000 * 1024)
    assert row.function == "main.fillCache" and row.flat >= 6000 * 1024 and row.flat_pct >= 90
    assert "✓ main.fillCache holds" in capsys.readouterr().out
    # Everything allocated since the start: churn's 4 KiB blocks dominate that view.
    alloc = checks_lab07.heap_profile("profile", args=[6000], sample_index="alloc_space")
    assert alloc.top.type == "alloc_space"
    checks_lab07.expect_heap_holder(alloc, "main.churn", at_least=4 * 6000 * 4096, share=0.7)


@pytest.mark.parametrize("old, new, message", [
    (GC_FIRST, "", r"it shows \d+\.\d\d MiB \(\d+\.\d%\) for it(.|\n)*without a GC just before it is written"),
    ('pprof.Lookup("heap")', 'pprof.Lookup("allocs")', r"shows alloc_space by default(.|\n)*You wrote the allocs"),
    ('pprof.Lookup("heap").WriteTo(f, 0)', 'pprof.Lookup("goroutine").WriteTo(f, 0)', r"shows goroutine by default"),
    ('\tf, err := os.Create(path)\n', '\tf, err := os.Create(path + ".tmp")\n', r"wrote no heap.pprof"),
    ('\tif err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {', '\tif _, err := f.WriteString("no profile"); err != nil {',
     r"cannot read the file"),
])
def test_profile_mistakes_are_explained(named, old, new, message):
    named("profile", variant("task4_program", old, new))
    err = io.StringIO()
    with redirect_stderr(err), pytest.raises(CheckFailed, match=message):
        prof = checks_lab07.heap_profile("profile", args=[6000], env={"GOGC": "off"})
        checks_lab07.expect_heap_holder(prof, "main.fillCache", at_least=6000 * 1024)
    assert err.getvalue() == ""


def test_parse_pprof_top():
    text = ("File: x\nType: inuse_space\nShowing nodes accounting for 10.02MB, 100% of 10.02MB total\n"
            "      flat  flat%   sum%        cum   cum%\n"
            "   10.02MB 99.50% 99.50%    10.02MB 99.50%  main.fillCache\n"
            "  512.50kB  0.50%   100%   512.50kB  0.50%  runtime.malg (inline)\n")
    top = checks_lab07.parse_pprof_top(text)
    assert top.type == "inuse_space" and [r.function for r in top.rows] == ["main.fillCache", "runtime.malg (inline)"]
    assert top.row("main.fillCache").flat == pytest.approx(10.02 * 2**20) and top.rows[1].flat == 512.5 * 1024
    assert top.row("main.nothing") is None
    with pytest.raises(ValueError, match="header"):
        checks_lab07.parse_pprof_top("Type: inuse_space\n")
    with pytest.raises(ValueError, match="does not parse"):
        checks_lab07.parse_pprof_top(text + "garbage row\n")
    with pytest.raises(ValueError, match="unit"):
        checks_lab07.parse_pprof_top(text.replace("512.50kB  0.50%   100%", "512.50XB  0.50%   100%"))
