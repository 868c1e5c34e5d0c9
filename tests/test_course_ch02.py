"""Chapter 02 experiments (goenv.course.ch02), run with the real Go toolchain.

The runs are small (a few hundred milliseconds each) and shared through
module-scoped fixtures; each test asks one question about one function.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: the tests have no display

import pandas as pd
import pytest
from matplotlib.figure import Figure

from goenv.course import ch02
from goenv.parsers import parse_schedtrace


@pytest.fixture(scope="module")
def cpu_run():
    """8 CPU-bound goroutines on 2 Ps, then 150 ms idle, with schedtrace=20."""
    return ch02.traced_run(ch02.CPU_BOUND, [8, 5_000_000, 150], godebug="schedtrace=20", gomaxprocs=2)


@pytest.fixture(scope="module")
def detail_run():
    """The same program with scheddetail=1."""
    return ch02.traced_run(ch02.CPU_BOUND, [8, 5_000_000, 0], godebug="schedtrace=20,scheddetail=1",
                           gomaxprocs=2)


@pytest.fixture(scope="module")
def gc_trace():
    """The allocator with gctrace=1 for 300 ms."""
    return ch02.gc_run(goroutines=8, duration_ms=300)


@pytest.fixture(scope="module")
def blocking():
    """12 goroutines blocked in time.Sleep, then in syscall.Nanosleep."""
    return ch02.blocking_compare(goroutines=12, stagger_ms=5, hold_ms=250, interval_ms=10)


def test_traced_run_parses_the_traces_that_are_on(cpu_run):
    """Does traced_run parse schedtrace when it is on, leave gctrace None, and read the program's stdout?"""
    assert cpu_run.result.ok and cpu_run.gc is None
    assert len(cpu_run.samples) >= 3
    assert set(cpu_run.samples["gomaxprocs"]) == {2}
    assert cpu_run.stdout_value("work_ms") > 0
    assert cpu_run.stdout_value("no_such_key") is None
    assert "linux/" in cpu_run.label and ("native" in cpu_run.label or "emulated" in cpu_run.label)


def test_traced_run_raises_when_the_program_fails():
    """Does a course program that cannot finish raise ExperimentFailed with the run's message?"""
    with pytest.raises(ch02.ExperimentFailed, match="did not finish"):
        ch02.traced_run('package main\n\nfunc main() { panic("boom") }\n', godebug="schedtrace=10")


def test_traced_run_treats_zero_as_off():
    """Is schedtrace=0 off, as it is for the runtime (no samples parsed, sched None)?"""
    tr = ch02.traced_run(ch02.CPU_BOUND, [1, 1000, 0], godebug="schedtrace=0,gctrace=1")
    assert tr.sched is None and tr.gc is not None
    assert tr.samples.empty


def test_runtime_names_are_found_in_the_installed_runtime_source():
    """Does every scheduler name resolve to a file:line of this toolchain's runtime, with runq's size?"""
    names = ch02.runtime_names()
    assert list(names.columns) == ["name", "what it is", "where", "source"]
    missing = names[names["where"].str.contains("not found")]
    assert missing.empty, missing
    row = names.set_index("name").loc["p.runq"]
    assert row["where"].startswith("runtime2.go:") and "guintptr" in row["source"]
    assert "runqput(pp, newg, true)" in names.set_index("name").loc["newproc", "source"]
    cap = ch02.local_queue_capacity()
    assert isinstance(cap, int) and cap > 0 and f"[{cap}]" in row["source"]


def test_first_lines_returns_the_raw_trace(cpu_run):
    """Does first_lines return the first n trace lines verbatim?"""
    text = ch02.first_lines(cpu_run.result.stderr, 2)
    lines = text.splitlines()
    assert len(lines) == 2 and all(line.startswith("SCHED ") for line in lines)
    assert ch02.first_lines("a\nb\n", 3) == ""


def test_sched_table_keeps_the_printed_order(cpu_run):
    """Does sched_table show the first rows with the SCHED fields in the runtime's order?"""
    t = ch02.sched_table(cpu_run.samples, n=4)
    assert len(t) == 4 and t.index.name == "sample"
    assert list(t.columns)[:3] == ["t_ms", "gomaxprocs", "idleprocs"]
    assert "runqueue" in t.columns and "local_runqueues" in t.columns


def test_field_meanings_explain_every_field_with_its_range(cpu_run):
    """Does the field table cover every SCHED field, with a range seen in this run?"""
    f = ch02.field_meanings(cpu_run.samples)
    assert list(f.columns) == ["field", "meaning", "runtime source", "in this run"]
    assert len(f) == len(ch02.FIELDS)
    seen = dict(zip(f["field"], f["in this run"]))
    assert seen["gomaxprocs"] == "2"
    assert "not printed" not in seen["threads"]
    # The CPU-bound phase keeps both Ps busy and the idle tail frees them: idleprocs spans 0 … 2.
    assert seen["idleprocs"] == "0 … 2"


def test_field_meanings_say_when_a_field_is_missing():
    """Does a field that this release did not print show 'not printed' instead of a made-up value?"""
    samples = pd.DataFrame({"t_ms": [0, 10], "gomaxprocs": [2, 2]})
    seen = dict(zip(*ch02.field_meanings(samples)[["field", "in this run"]].to_numpy().T))
    assert seen["runqueue"] == "not printed" and seen["SCHED <n>ms"] == "0 … 10"


def test_snapshot_shows_each_p_with_its_thread_and_goroutine(detail_run):
    """Does the busiest scheddetail snapshot list every P, its M and the G that M runs?"""
    snap = ch02.snapshot(detail_run.sched)
    assert list(snap["P"]) == ["P0", "P1"]
    assert set(snap.columns) >= {"at (ms)", "P status", "M", "running G", "local queue"}
    running = snap[snap["P status"] == "running"]
    assert len(running) >= 1
    assert all(m.startswith("M") for m in running["M"])
    assert isinstance(snap.attrs["sample"], int)
    again = ch02.snapshot(detail_run.sched, sample=0)
    assert again.attrs["sample"] == 0


def test_snapshot_needs_scheddetail(cpu_run):
    """Does snapshot() refuse a plain trace with a message that says what to run?"""
    with pytest.raises(ValueError, match="scheddetail=1"):
        ch02.snapshot(cpu_run.sched)


def test_g_states_count_goroutines_per_snapshot(detail_run):
    """Are goroutines counted per state and snapshot, with a total that includes the runtime's own?"""
    states = ch02.g_states(detail_run.sched)
    assert "total" in states.columns and "waiting" in states.columns
    # 8 workers + main at the busiest moment, plus runtime goroutines (GC workers, finalizer, ...).
    assert states["total"].max() > 9
    assert ch02.g_states(parse_schedtrace("")).empty


def test_line_census_counts_only_sched_and_detail_lines(cpu_run, detail_run):
    """Does the census of real schedtrace output find SCHED and P/M/G lines but no GC, go# or stack size?"""
    census = ch02.line_census(cpu_run.result.stderr, detail_run.result.stderr)
    n = dict(zip(census["line kind"], census["lines"]))
    assert n["SCHED summary"] >= 6
    assert n["P detail (scheddetail)"] > 0 and n["G detail (scheddetail)"] > 0
    assert n["starts with GC"] == n["contains go#"] == n["has a stack-size field"] == 0
    holds, evidence = ch02.census_evidence(census, gc_cycles=3)
    assert holds is False and evidence["GC cycles the program ran"] == 3
    assert ch02.census_evidence(census, None)[1]["GC cycles the program ran"] == "unknown"


def test_line_census_would_see_the_seed_table_if_it_existed():
    """Would the census say the claim holds for output shaped like the seed's invented table?"""
    fake = "SCHED 0ms: gomaxprocs=2\nGC 1: pause=1ms\ngo#7 stacksize=8192\n"
    holds, evidence = ch02.census_evidence(ch02.line_census(fake), gc_cycles=1)
    assert holds is True and evidence["stack-size fields"] == 1


def test_plot_sched_has_three_labelled_panels(cpu_run):
    """Does plot_sched draw Ps, queues and threads, with the label in the title and the capacity line?"""
    fig = ch02.plot_sched(cpu_run.samples, "cpu", cpu_run.label, capacity=256)
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    assert cpu_run.label in fig._suptitle.get_text()
    assert [line.get_label() for line in fig.axes[1].get_lines()] == ["global (runqueue=)"]
    labels = [line.get_label() for line in fig.axes[2].get_lines()]
    assert "P0 local queue" in labels and "P1 local queue" in labels
    assert any("capacity" in lab for lab in labels)


def test_gomaxprocs_sweep_and_summary():
    """Does the sweep run each GOMAXPROCS the given number of times and summarise time, cores busy and speed-up?"""
    runs = ch02.gomaxprocs_sweep((1, 2), goroutines=4, iterations=2_000_000, repeats=2)
    assert len(runs) == 4 and list(runs["gomaxprocs"]) == [1, 2, 1, 2]
    assert (runs["work_ms"] > 0).all() and (runs["cpu_ms"] > 0).all()
    summary = ch02.sweep_summary(runs, cpus=2)
    assert list(summary.index) == [1, 2] and summary.index.name == "GOMAXPROCS"
    assert summary.loc[1, "speed-up vs 1"] == 1.0
    # One P runs Go code on one thread at a time, so it cannot keep much more than one core busy.
    assert 0 < summary.loc[1, "cores busy"] < 1.3
    assert list(summary["best possible here"]) == [1.0, 2.0]
    assert ch02.sweep_summary(runs.assign(gomaxprocs=runs["gomaxprocs"] * 4), cpus=2)["best possible here"].tolist() == [2.0, 2.0]
    fig = ch02.plot_sweep(runs, cpus=2)
    assert isinstance(fig, Figure) and "linux/" in fig.axes[0].get_title()


def test_blocking_syscalls_grow_threads_and_sleep_does_not(blocking):
    """Do goroutines in syscall.Nanosleep add threads while those in time.Sleep do not?"""
    summary = ch02.blocking_summary(blocking)
    sleep = summary.loc["time.Sleep (parked)"]
    sys = summary.loc["syscall.Nanosleep (blocking syscall)"]
    assert sys["threads at most"] - sys["threads at start"] >= 6  # 12 blocked goroutines
    assert sleep["threads at most"] - sleep["threads at start"] <= 2
    fig = ch02.plot_threads(blocking, 12)
    assert isinstance(fig, Figure) and len(fig.axes[0].get_lines()) == 2


def test_threads_reveal_answers_with_one_of_the_options():
    """Does the prediction's experiment answer 'grows' for blocking syscalls, with the measured numbers?"""
    answer, details = ch02.threads_reveal(goroutines=12, stagger_ms=5, hold_ms=200)()
    assert answer in ch02.THREAD_OPTIONS
    assert answer == ch02.THREAD_OPTIONS[0]
    assert "threads went from" in details and "syscall.Nanosleep" in details


def test_storm_fills_the_queues_beyond_a_local_ring():
    """Does a storm of goroutines push the global queue past the local capacity, with locals capped by it?"""
    cap = ch02.local_queue_capacity()
    tr = ch02.storm(waves=1, per_wave=8_000, iterations=3_000, pause_ms=50, interval_ms=5)
    summary = ch02.storm_summary(tr, capacity=cap)
    assert summary.loc["global (runqueue=)", "longest seen"] > cap
    locals_ = summary.drop(index="global (runqueue=)")
    assert (locals_["longest seen"] <= cap).all() and (locals_["capacity"] == cap).all()
    assert set(tr.samples["threads"]) and tr.samples["threads"].max() < 20  # no thread per goroutine
    assert summary.attrs["samples"] == len(tr.samples)


def test_gc_table_and_pause_summary(gc_trace):
    """Does the GC run give cycles with STW pauses, summarised as count, median, p99, max and > 1 ms?"""
    assert gc_trace.sched is None and len(gc_trace.gc.cycles) >= 5
    table = ch02.gc_table(gc_trace, n=3)
    assert len(table) == 3 and table.index.name == "gc" and "stw_ms" in table.columns
    s = ch02.pause_summary(gc_trace.gc.cycles)
    row = s.iloc[0]
    assert row["cycles"] == len(gc_trace.gc.cycles)
    assert row["cycles with a STW pause"] > 0
    assert 0 < row["median (ms)"] <= row["p99 (ms)"] <= row["max (ms)"]
    ev = ch02.pause_evidence(s)
    assert isinstance(ev["cycles"], int) and isinstance(ev["max (ms)"], float)
    assert "cycles over 1 ms" in ev


def test_gc_verdict_follows_the_measurement():
    """Is the verdict misleading for short pauses, false for long ones, true for none, and an error for no cycles?"""
    def summary(stw):
        return ch02.pause_summary(pd.DataFrame({"stw_ms": stw}))

    assert ch02.gc_verdict(summary([0.1, 0.2, 3.0])) == "misleading"
    assert ch02.gc_verdict(summary([2.0, 3.0, 4.0])) == "false"
    assert ch02.gc_verdict(summary([0.0, 0.0])) == "true"
    with pytest.raises(ValueError, match="no GC cycle"):
        ch02.gc_verdict(summary([]))


def test_plot_pauses_draws_per_cycle_and_histogram(gc_trace):
    """Does plot_pauses draw two panels, label the run and count the cycles in the title?"""
    fig = ch02.plot_pauses(gc_trace.gc.cycles, gc_trace.label)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    title = fig._suptitle.get_text()
    assert gc_trace.label in title and f"{len(gc_trace.gc.cycles)} cycles" in title
