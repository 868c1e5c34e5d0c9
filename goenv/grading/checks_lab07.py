"""Checks for lab 07 (the runtime inside your binary): MemStats, orderly shutdown, heap profiles.

Same conventions as :mod:`goenv.grading.checks` (to be merged into it): every check prints a
``✓ ...`` line to stdout when it passes and raises :class:`~goenv.grading.checks.CheckFailed`
with a message for the learner when it fails; nothing reaches the cell's stderr.

What ``checks`` cannot do yet:

* **MemStats seen from inside.** :func:`memstats_report` runs the learner's program with
  ``GODEBUG=gctrace=1`` and a fixed ``GOGC`` and parses its ``PHASE heap_alloc=… next_gc=…
  num_gc=… total_alloc=…`` lines; :func:`expect_memstats` compares them with what the program
  was asked to allocate and with the runtime's own gctrace of the same run.
* **Work lost at exit.** :func:`expect_all_jobs` (a worker pool: every job reported once,
  with the right result, before main's last line) and :func:`expect_graceful_stop` (a deadline:
  every job started is finished, none started once the deadline was announced).
* **Heap profiles.** :func:`heap_profile` runs the program with a directory to write
  ``heap.pprof`` into and reads the profile back with ``go tool pprof -top``, offline;
  :func:`expect_heap_holder` checks which function holds the memory in use.
  (:func:`parse_pprof_top` is a small parser of that output, without pandas; the chapter's
  ``goenv.course.ch07.parse_pprof_top`` returns a DataFrame. Both belong in ``goenv.parsers``.)
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..results import RunResult
from ..toolchain import default
from .checks import CheckFailed, _guarded, _tail, expect, gctrace, passed, run

__all__ = ["MEMSTATS_PHASES", "MEMSTATS_KEYS", "memstats_lines", "MemReport", "memstats_report",
           "expect_memstats", "expect_more_cycles", "pool_lines", "expect_all_jobs", "StopEvents", "stop_events",
           "expect_graceful_stop", "PprofRow", "PprofTop", "parse_pprof_top", "HeapProfileRun",
           "heap_profile", "expect_heap_holder"]

MIB = 1 << 20
KIB = 1 << 10


def _shown(result: RunResult) -> str:
    return _tail(result.stdout) if result.stdout.strip() else "    (nothing)"


def _some(numbers, k: int = 5) -> str:
    numbers = sorted(numbers)
    text = ", ".join(map(str, numbers[:k]))
    return text + (", …" if len(numbers) > k else "")


# -- task 1: MemStats from inside the program -------------------------------------------------

#: The phases the lab's program reports, in order: before allocating, after allocating, after runtime.GC().
MEMSTATS_PHASES = ("start", "allocated", "collected")
#: The runtime.MemStats fields each report line carries (HeapAlloc, NextGC, NumGC, TotalAlloc).
MEMSTATS_KEYS = ("heap_alloc", "next_gc", "num_gc", "total_alloc")
_KV = re.compile(r"^([a-z_]+)=(\d+)$")


def memstats_lines(result: RunResult, phases=MEMSTATS_PHASES) -> dict[str, dict[str, int]]:
    """The report lines ``PHASE heap_alloc=H next_gc=N num_gc=G total_alloc=T`` of a run, by phase.

    Other lines (the program's own messages) are ignored; the ``key=value`` pairs may come in any order.

    Raises:
        CheckFailed: a phase has no line, or more than one, or a line lacks a field or has a value
            that is not a whole number.
    """
    form = "PHASE " + " ".join(f"{k}=N" for k in MEMSTATS_KEYS)
    found: dict[str, dict[str, int]] = {}
    for line in result.stdout.splitlines():
        words = line.split()
        if not words or words[0] not in phases:
            continue
        phase = words[0]
        expect(phase not in found, f"the program printed two `{phase} ...` report lines; report() must print "
                                   f"exactly one line per call, `{form}`.")
        values = {}
        for word in words[1:]:
            m = _KV.match(word)
            expect(m is not None, f"in the line {line.strip()!r}, {word!r} is not `name=N` with a whole number N; "
                                  f"expected `{form}` (the MemStats values in bytes, or the count, as %d prints them).")
            values[m.group(1)] = int(m.group(2))
        missing = [k for k in MEMSTATS_KEYS if k not in values]
        expect(not missing, f"the line {line.strip()!r} has no {', no '.join(missing)}; expected `{form}`.")
        found[phase] = values
    absent = [p for p in phases if p not in found]
    expect(not absent, f"expected one line `{form}` for each of the phases {', '.join(phases)}; there is none for "
                       f"{', '.join(absent)}. The program printed:\n{_shown(result)}")
    return found


@dataclass
class MemReport:
    """One run of the MemStats program, with the runtime's gctrace of the same run.

    Attributes:
        live_mib, garbage_mib: what the program was asked to keep reachable and to throw away.
        gogc: the GOGC it ran with.
        phases: phase -> {heap_alloc, next_gc, num_gc, total_alloc} as the program printed them.
        gc_lines: how many ``gc N @...`` lines the runtime printed (GODEBUG=gctrace=1).
        result: the run.
    """

    live_mib: int
    garbage_mib: int
    gogc: int
    phases: dict
    gc_lines: int
    result: RunResult

    def __getitem__(self, phase: str) -> dict[str, int]:
        return self.phases[phase]


@_guarded
def memstats_report(target, *, live_mib: int, garbage_mib: int, gogc: int = 100, env=None,
                    timeout: float | None = None, **options) -> MemReport:
    """Run the MemStats program with the arguments ``LIVE_MIB GARBAGE_MIB``, ``GOGC=gogc`` and
    ``GODEBUG=gctrace=1``; parse its report lines and count the runtime's gc lines.

    Raises:
        CheckFailed: it does not build or run, or its report lines are missing or malformed.
    """
    if isinstance(gogc, bool) or not isinstance(gogc, int) or gogc <= 0:
        raise CheckFailed(f"memstats_report needs GOGC as a positive whole number, not {gogc!r}.")
    trace = gctrace(target, args=[str(live_mib), str(garbage_mib)], env={**(env or {}), "GOGC": str(gogc)},
                    timeout=timeout, **options)
    phases = memstats_lines(trace.result)
    return MemReport(live_mib, garbage_mib, gogc, phases, len(trace.cycles) + len(trace.malformed), trace.result)


def _mib(n: float) -> str:
    return f"{n / MIB:.1f} MiB"


def expect_memstats(report: MemReport) -> MemReport:
    """The report agrees with what the program allocated and with the runtime's gctrace.

    * ``total_alloc`` grew by at least LIVE + GARBAGE MiB between ``start`` and ``allocated``
      (everything allocate() made reached the heap);
    * at ``collected`` (after runtime.GC()) ``heap_alloc`` is at least LIVE MiB (the live data
      is still reachable) and at most 1.25 × LIVE + 4 MiB (the garbage was freed);
    * at ``collected`` ``next_gc`` is about ``heap_alloc`` × (1 + GOGC/100) (±0.3), the goal the
      pacer sets after a cycle;
    * ``num_gc`` never decreases, the runtime.GC() of main counts, and at ``collected`` it equals
      the number of gctrace lines (one line fewer is accepted: a cycle that ends after the report).
    """
    s, a, c = (report[p] for p in MEMSTATS_PHASES)
    live, garbage = report.live_mib * MIB, report.garbage_mib * MIB
    grew = a["total_alloc"] - s["total_alloc"]
    expect(grew >= live + garbage,
           f"between `start` and `allocated` TotalAlloc grew by {_mib(grew)}, but allocate({report.live_mib}, "
           f"{report.garbage_mib}) must put {report.live_mib + report.garbage_mib} MiB on the heap. An allocation "
           f"the compiler can prove unused (`_ = make(...)`), or one that never outlives its statement, stays "
           f"off the heap (escape analysis): store every block somewhere it outlives the call, such as a "
           f"package-level variable.")
    passed(f"TotalAlloc grew by {_mib(grew)} (at least {report.live_mib + report.garbage_mib} MiB allocated)")
    held = c["heap_alloc"]
    expect(held >= live,
           f"after runtime.GC() HeapAlloc is {_mib(held)}, less than the {report.live_mib} MiB that must stay "
           f"reachable until the program ends: the GC freed your live data, so nothing that outlives allocate() "
           f"refers to it. Keep it in a package-level variable.")
    ceiling = 1.25 * live + 4 * MIB
    expect(held <= ceiling,
           f"after runtime.GC() HeapAlloc is {_mib(held)}, far more than the {report.live_mib} MiB of live data: "
           f"the garbage is still reachable. Only the live data may stay referenced; each garbage block must "
           f"be unreachable once the next one is allocated.")
    passed(f"after runtime.GC(): HeapAlloc {_mib(held)} (the {report.live_mib} MiB of live data, garbage freed)")
    goal = 1 + report.gogc / 100
    ratio = c["next_gc"] / held if held else float("inf")
    expect(abs(ratio - goal) <= 0.3,
           f"after runtime.GC() with GOGC={report.gogc}, next_gc is {_mib(c['next_gc'])}, {ratio:.2f} × HeapAlloc; "
           f"the runtime's goal for the next cycle is about (1 + GOGC/100) × the live heap = {goal:.2f} × HeapAlloc. "
           f"Print MemStats.NextGC.")
    passed(f"NextGC {_mib(c['next_gc'])} = {ratio:.2f} × HeapAlloc (GOGC={report.gogc}: about {goal:.2f})")
    counts = [s["num_gc"], a["num_gc"], c["num_gc"]]
    expect(counts[0] <= counts[1] < counts[2],
           f"num_gc went {counts[0]} → {counts[1]} → {counts[2]} over start, allocated, collected; the number of "
           f"completed cycles never decreases, and the runtime.GC() call in main completes one more.")
    lines = report.gc_lines
    expect(counts[2] in (lines - 1, lines),
           f"at `collected` your program printed num_gc={counts[2]}, but the runtime's gctrace of the same run "
           f"(GOGC={report.gogc}) shows {lines} completed GC cycle(s). Print MemStats.NumGC, the number of "
           f"completed cycles (NumForcedGC counts only the ones forced by runtime.GC()).")
    passed(f"num_gc={counts[2]} agrees with the runtime's gctrace ({lines} cycles, GOGC={report.gogc})")
    return report


def expect_more_cycles(low: MemReport, high: MemReport) -> tuple[int, int]:
    """The run with the lower GOGC completed more GC cycles for the same work. Returns both counts."""
    if low.gogc > high.gogc:
        low, high = high, low
    nl, nh = low["collected"]["num_gc"], high["collected"]["num_gc"]
    expect((low.live_mib, low.garbage_mib) == (high.live_mib, high.garbage_mib),
           "expect_more_cycles compares two runs of the same work (same live and garbage sizes).")
    expect(nl > nh,
           f"for the same work the program printed num_gc={nl} with GOGC={low.gogc} and num_gc={nh} with "
           f"GOGC={high.gogc}; a lower GOGC sets a lower goal, so more cycles must complete.")
    passed(f"GOGC={low.gogc}: {nl} cycles, GOGC={high.gogc}: {nh} cycles")
    return nl, nh


# -- task 2: a worker pool that loses no job ---------------------------------------------------

_JOB = re.compile(r"^job (\d+) result (-?\d+)$")


def pool_lines(result: RunResult) -> list[tuple[int, int]]:
    """``(job, result)`` of every ``job J result R`` line, in output order."""
    out = []
    for line in result.stdout.splitlines():
        m = _JOB.match(line.strip())
        if m:
            out.append((int(m.group(1)), int(m.group(2))))
    return out


def expect_all_jobs(result: RunResult, n: int, result_of: Callable[[int], int], *,
                    final_prefix: str = "main:") -> dict[int, int]:
    """Jobs 1..n were each reported once (``job J result R``, R = ``result_of(J)``), all before main's
    last line (the last line of the output, starting with ``final_prefix``). Returns job -> result.
    """
    lines = [ln.strip() for ln in result.stdout.splitlines() if ln.strip()]
    jobs = pool_lines(result)
    seen: dict[int, int] = {}
    twice = set()
    for j, r in jobs:
        if j in seen:
            twice.add(j)
        seen[j] = r
    outside = [j for j in seen if not 1 <= j <= n]
    expect(not outside, f"the output reports job(s) {_some(outside)}, but the jobs are numbered 1 to {n}.")
    expect(not twice, f"job(s) {_some(twice)} were reported more than once: each of the {n} jobs must be done "
                      f"exactly once.")
    wrong = sorted(j for j, r in seen.items() if r != result_of(j))
    if wrong:
        j = wrong[0]
        raise CheckFailed(f"wrong result for job(s) {_some(wrong)}: e.g. `job {j} result {seen[j]}`, expected "
                          f"work({j}) = {result_of(j)}.")
    missing = [j for j in range(1, n + 1) if j not in seen]
    expect(not missing,
           f"only {len(seen)} of the {n} jobs were reported; no `job J result R` line for job(s) {_some(missing)}. "
           f"main returned while workers were still busy, and returning from main ends the program at once, "
           f"whatever the other goroutines are doing. A sleep only guesses how long the work takes: wait until "
           f"every worker has finished (sync.WaitGroup).")
    expect(lines and lines[-1].startswith(final_prefix),
           f"the last line must be main's `{final_prefix} ...` line, printed after runPool has returned; the "
           f"output ends with {lines[-1] if lines else '(nothing)'!r}.")
    expect(sum(1 for ln in lines if ln.startswith(final_prefix)) == 1,
           f"main's `{final_prefix} ...` line appears more than once.")
    passed(f"all {n} jobs reported once, with the right results, before main returned")
    return seen


# -- task 3: stop at a deadline without dropping the job in hand ------------------------------

_START = re.compile(r"^start (\d+)$")
_DONE = re.compile(r"^done (\d+) (-?\d+)$")
_STOPPED = re.compile(r"^stopped: (\d+) jobs? finished$")


@dataclass
class StopEvents:
    """The lines of a graceful-stop run: ``start J``, ``done J R``, ``deadline``, ``stopped: N jobs finished``."""

    lines: list[str]
    starts: dict[int, int] = field(default_factory=dict)   # job -> line index
    dones: dict[int, int] = field(default_factory=dict)    # job -> line index
    started_twice: set = field(default_factory=set)
    done_twice: set = field(default_factory=set)
    deadline: list[int] = field(default_factory=list)      # line indexes of "deadline"
    stopped: list[tuple[int, int]] = field(default_factory=list)  # (line index, N)


def stop_events(result: RunResult) -> StopEvents:
    """The events of a graceful-stop run, with the index of the line each was printed on."""
    ev = StopEvents([ln.strip() for ln in result.stdout.splitlines() if ln.strip()])
    for i, line in enumerate(ev.lines):
        if m := _START.match(line):
            j = int(m.group(1))
            if j in ev.starts:
                ev.started_twice.add(j)
            else:
                ev.starts[j] = i
        elif m := _DONE.match(line):
            j = int(m.group(1))
            if j in ev.dones:
                ev.done_twice.add(j)
            else:
                ev.dones[j] = i
        elif line == "deadline":
            ev.deadline.append(i)
        elif m := _STOPPED.match(line):
            ev.stopped.append((i, int(m.group(1))))
    return ev


def expect_graceful_stop(result: RunResult, workers: int) -> int:
    """A run that stopped at its deadline without losing or starting work it should not.

    * every job started (``start J``) was finished (``done J R``, after its start), once;
    * at most ``workers`` jobs were started after the ``deadline`` line (a worker that looked at the
      context just before the deadline may print its ``start`` just after the line; one per worker);
    * main's ``stopped: N jobs finished`` is the last line, with N = the number of jobs done.

    Returns the number of jobs finished.
    """
    ev = stop_events(result)
    expect(ev.starts, f"no job was started (no `start J` line): the workers must run jobs until the deadline. "
                      f"The program printed:\n{_shown(result)}")
    expect(not ev.started_twice, f"job(s) {_some(ev.started_twice)} were started twice: each job number is "
                                 f"handed to one worker only.")
    expect(not ev.done_twice, f"job(s) {_some(ev.done_twice)} were finished twice.")
    unstarted = [j for j in ev.dones if j not in ev.starts or ev.dones[j] < ev.starts[j]]
    expect(not unstarted, f"job(s) {_some(unstarted)} were finished but not started before.")
    lost = [j for j in ev.starts if j not in ev.dones]
    expect(not lost,
           f"{len(lost)} job(s) were started but never finished (e.g. {_some(lost)}): the program ended while "
           f"workers still had a job in hand. At the deadline a worker finishes its current job; serve must "
           f"wait until every worker has stopped before it returns.")
    expect(len(ev.deadline) == 1, f"expected one `deadline` line (main prints it when the context is done); "
                                  f"found {len(ev.deadline)}.")
    late = [j for j, i in ev.starts.items() if i > ev.deadline[0]]
    expect(len(late) <= workers,
           f"{len(late)} job(s) were started after the deadline (after the `deadline` line), with {workers} "
           f"workers: e.g. {_some(late)}. Once the context is done a worker may finish the job in its hands, "
           f"but must not start another: check ctx before taking each job.")
    expect(len(ev.stopped) == 1 and ev.stopped[0][0] == len(ev.lines) - 1,
           f"the last line must be main's `stopped: N jobs finished`, printed once after serve has returned; "
           f"the output ends with {ev.lines[-1]!r}.")
    n = ev.stopped[0][1]
    expect(n == len(ev.dones),
           f"main counted {n} finished jobs when serve returned, but {len(ev.dones)} `done` lines were printed: "
           f"serve returned before every job in hand was finished.")
    passed(f"{len(ev.dones)} jobs started and finished, {len(late)} started after the deadline "
           f"(at most one per worker), none lost")
    return n


# -- task 4: a heap profile, read back with go tool pprof --------------------------------------

_UNITS = {"B": 1, "kB": KIB, "KB": KIB, "MB": MIB, "GB": 1 << 30, "TB": 1 << 40}
_ROW = re.compile(r"^\s*(\S+)\s+(\S+)%\s+(\S+)%\s+(\S+)\s+(\S+)%\s+(.+?)\s*$")


@dataclass(frozen=True)
class PprofRow:
    """One row of ``go tool pprof -top``: flat and cum in bytes (or a count), shares in percent."""

    function: str
    flat: float
    flat_pct: float
    cum: float
    cum_pct: float


@dataclass(frozen=True)
class PprofTop:
    """``go tool pprof -top`` output: its sample type (``inuse_space``, ``alloc_space``, …) and rows."""

    type: str
    rows: tuple[PprofRow, ...]
    text: str

    def row(self, function: str) -> PprofRow | None:
        return next((r for r in self.rows if r.function == function), None)


def _quantity(text: str) -> float:
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", text)
    if not m or (m.group(2) and m.group(2) not in _UNITS):
        raise ValueError(f"pprof quantity {text!r} is not a number with a unit")
    return float(m.group(1)) * _UNITS.get(m.group(2), 1)


def parse_pprof_top(text: str) -> PprofTop:
    """Parse ``go tool pprof -top`` output (pprof's kB/MB/GB are powers of 1024).

    Raises:
        ValueError: there is no ``flat flat% sum% cum cum%`` header, or a row does not parse.
    """
    lines = text.splitlines()
    head = next((n for n, ln in enumerate(lines) if re.match(r"^\s*flat\s+flat%\s+sum%\s+cum\s+cum%", ln)), None)
    if head is None:
        raise ValueError("no 'flat flat% sum% cum cum%' header: this is not go tool pprof -top output")
    rows = []
    for ln in lines[head + 1:]:
        if not ln.strip():
            continue
        m = _ROW.match(ln)
        if not m:
            raise ValueError(f"pprof -top row does not parse: {ln!r}")
        flat, flat_pct, _sum, cum, cum_pct, fn = m.groups()
        rows.append(PprofRow(fn, _quantity(flat), float(flat_pct), _quantity(cum), float(cum_pct)))
    t = re.search(r"^Type: (\S+)", text, re.M)
    return PprofTop(t.group(1) if t else "", tuple(rows), text)


@dataclass
class HeapProfileRun:
    """A run of a program that wrote ``heap.pprof``, and ``go tool pprof -top`` of that file.

    Attributes:
        result: the program's run.
        profile_bytes: the size of heap.pprof.
        top: the parsed pprof output (``top.text`` is pprof's own text).
        sample_index: the ``-sample_index`` asked for, or None for the profile's default view.
    """

    result: RunResult
    profile_bytes: int
    top: PprofTop
    sample_index: str | None = None

    @property
    def text(self) -> str:
        return self.top.text


@_guarded
def heap_profile(target, *, args=(), env=None, sample_index: str | None = None, timeout: float | None = None,
                 **options) -> HeapProfileRun:
    """Run the learner's program with a fresh directory as its first argument (then ``args``); it must
    write ``heap.pprof`` there. Then read the file with ``go tool pprof -top`` (offline: a Go heap
    profile carries its function names).

    Args:
        sample_index: pprof's ``-sample_index`` (``inuse_space``, ``alloc_space``, …); None shows the
            profile's default view (``inuse_space`` for a heap profile, ``alloc_space`` for ``allocs``).

    Raises:
        CheckFailed: the program does not build or run, writes no heap.pprof, or pprof cannot read it.
    """
    out = Path(tempfile.mkdtemp(prefix="goenv-lab07-"))
    try:
        result = run(target, args=[str(out), *map(str, args)], env=env, timeout=timeout, **options)
        prof = out / "heap.pprof"
        expect(prof.is_file() and prof.stat().st_size > 0,
               f"the program wrote no heap.pprof (or an empty one) into the directory given as its first argument "
               f"({out}). It printed:\n{_shown(result)}")
        cmd = ["tool", "pprof", "-top"] + ([f"-sample_index={sample_index}"] if sample_index else []) + [str(prof)]
        # The first `go tool pprof` builds the tool (tens of seconds on a cold build cache).
        p = default().run_go(cmd, cwd=out, timeout=300)
        expect(p.returncode == 0,
               f"`go tool pprof -top heap.pprof` cannot read the file the program wrote:\n{_tail(p.stderr)}\n"
               f"Write it with pprof.Lookup(\"heap\").WriteTo(f, 0) (or pprof.WriteHeapProfile).")
        try:
            top = parse_pprof_top(p.stdout)
        except ValueError as exc:
            raise CheckFailed(f"go tool pprof printed no table for heap.pprof ({exc}):\n{_tail(p.stdout)}") from None
        return HeapProfileRun(result, prof.stat().st_size, top, sample_index)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def expect_heap_holder(profile: HeapProfileRun, function: str, *, at_least: int, share: float = 0.9) -> PprofRow:
    """In the profile's in-use view, ``function`` is the top row, with at least ``at_least`` bytes and at
    least ``share`` of the total. Returns its row.
    """
    top = profile.top
    if profile.sample_index is None:
        expect(top.type == "inuse_space",
               f"`go tool pprof -top heap.pprof` shows {top.type or 'an unknown sample type'} by default; a heap "
               f"profile shows inuse_space, the memory still in use. "
               + ("You wrote the allocs profile, which counts every allocation since the start; write "
                  "pprof.Lookup(\"heap\")." if top.type == "alloc_space" else ""))
    row = top.row(function)
    held = row.flat if row else 0.0
    first = top.rows[0] if top.rows else None
    table = top.text.strip().splitlines()
    head = next((i for i, ln in enumerate(table) if "flat%" in ln), 0)
    shown = "\n".join("    " + ln for ln in table[head:head + 6])  # the header and the biggest rows
    expect(row is not None and held >= at_least and first is not None and first.function == function
           and row.flat_pct >= share * 100,
           f"the profile should show {function} holding at least {at_least / MIB:.2f} MiB in use, "
           f"{share:.0%} or more of the total and more than any other function; it shows "
           f"{held / MIB:.2f} MiB ({row.flat_pct if row else 0:.1f}%) for it. go tool pprof -top:\n{shown}\n"
           f"A heap profile describes the heap as of the last completed GC: without a GC just before it is "
           f"written, it misses recent allocations and still counts garbage.")
    passed(f"{function} holds {held / MIB:.2f} MiB in use ({row.flat_pct:.1f}% of the profile)")
    return row
