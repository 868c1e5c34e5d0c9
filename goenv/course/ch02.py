"""Chapter 02 — the scheduler through ``GODEBUG=schedtrace`` (and the GC through ``gctrace``).

The notebook ``notebooks/02_scheduler.ipynb`` calls one function per cell;
the experiments, tables and plots live here. Every number comes from a Go
program run just now with :func:`goenv.run`; the trace text is parsed with
:mod:`goenv.parsers`. Nothing here quotes a measurement from the seed or the
errata.

The four programs take their sizes as command-line arguments, so that the
source (and therefore goenv's binary cache entry) stays the same whatever
size a learner picks:

* :data:`CPU_BOUND` — goroutines doing pure arithmetic, then an idle tail;
* :data:`BLOCKING` — goroutines parked in ``time.Sleep`` or blocked in the
  raw ``syscall.Nanosleep``;
* :data:`STORM` — waves of short goroutines started faster than the Ps run them;
* :data:`ALLOCATOR` — goroutines making garbage, so the GC runs many cycles.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from .. import api
from ..parsers import GCTrace, SchedTrace, parse_gctrace, parse_schedtrace
from ..results import RunResult
from ..toolchain import default
from .labels import label as course_label

LOGGER = logging.getLogger(__name__)

__all__ = [
    "CPU_BOUND", "BLOCKING", "STORM", "ALLOCATOR", "SCHED_COLUMNS", "GC_COLUMNS", "FIELDS",
    "ExperimentFailed", "Traced", "traced_run", "runtime_names", "local_queue_capacity",
    "first_lines", "sched_table", "field_meanings", "snapshot", "g_states", "line_census", "census_evidence",
    "plot_sched", "gomaxprocs_sweep", "sweep_summary", "plot_sweep", "blocking_compare",
    "blocking_summary", "plot_threads", "THREAD_OPTIONS", "threads_reveal", "storm", "storm_summary", "gc_run",
    "gc_table", "pause_summary", "pause_evidence", "gc_verdict", "plot_pauses",
]

# ---------------------------------------------------------------------------
# The Go programs
# ---------------------------------------------------------------------------

CPU_BOUND = r"""// Command cpubound keeps GOROUTINES goroutines busy with pure arithmetic.
//
// Usage: cpubound GOROUTINES ITERATIONS IDLE_MS
//
// Each goroutine runs ITERATIONS rounds of a xorshift generator (no memory,
// no system calls: only CPU). main prints how long that took in wall-clock
// time and in CPU time (all threads), then sleeps IDLE_MS so that the trace
// also shows what idle Ps look like.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// cpuTime is the CPU time all threads of this process have used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func work(n int) uint64 {
	x := uint64(88172645463325252)
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

func main() {
	goroutines, _ := strconv.Atoi(os.Args[1])
	iterations, _ := strconv.Atoi(os.Args[2])
	idle, _ := strconv.Atoi(os.Args[3])
	start, cpu0 := time.Now(), cpuTime()
	var wg sync.WaitGroup
	sums := make([]uint64, goroutines)
	for i := range sums {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[i] = work(iterations) // stored, so the compiler cannot drop the loop
		}()
	}
	wg.Wait()
	wall, cpu := time.Since(start), cpuTime()-cpu0
	fmt.Printf("work_ms=%.3f cpu_ms=%.3f checksum=%d\n",
		float64(wall.Microseconds())/1000, float64(cpu.Microseconds())/1000, sums[0]&0xff)
	time.Sleep(time.Duration(idle) * time.Millisecond)
}
"""

BLOCKING = r"""// Command blocking parks goroutines in time.Sleep or blocks them in a raw system call.
//
// Usage: blocking MODE GOROUTINES STAGGER_MS HOLD_MS
//
// MODE "sleep":   time.Sleep parks the goroutine in the runtime; its thread
//                 (M) is free to run other goroutines at once.
// MODE "syscall": syscall.Nanosleep puts the thread itself to sleep inside
//                 the kernel; the runtime cannot use that M until it returns.
//
// Goroutine i starts i*STAGGER_MS after the first, and every goroutine stays
// blocked until HOLD_MS after the start, so blocked goroutines pile up over time.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func main() {
	mode := os.Args[1]
	n, _ := strconv.Atoi(os.Args[2])
	stagger, _ := strconv.Atoi(os.Args[3])
	hold, _ := strconv.Atoi(os.Args[4])
	deadline := time.Now().Add(time.Duration(hold) * time.Millisecond)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := time.Until(deadline)
			if mode == "syscall" {
				ts := syscall.NsecToTimespec(d.Nanoseconds())
				syscall.Nanosleep(&ts, nil)
			} else {
				time.Sleep(d)
			}
		}()
		time.Sleep(time.Duration(stagger) * time.Millisecond)
	}
	wg.Wait()
	fmt.Println("mode", mode, "goroutines", n)
}
"""

STORM = r"""// Command storm starts waves of short goroutines much faster than the Ps can run them.
//
// Usage: storm WAVES PER_WAVE ITERATIONS PAUSE_MS
//
// Each wave starts PER_WAVE goroutines in a tight loop (a few hundred
// nanoseconds each) that each compute for ITERATIONS rounds (tens of
// microseconds), waits for all of them, then pauses PAUSE_MS.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

var sink [64]uint64

func work(n int) uint64 {
	x := uint64(88172645463325252)
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

func main() {
	waves, _ := strconv.Atoi(os.Args[1])
	perWave, _ := strconv.Atoi(os.Args[2])
	iterations, _ := strconv.Atoi(os.Args[3])
	pause, _ := strconv.Atoi(os.Args[4])
	for w := 0; w < waves; w++ {
		var wg sync.WaitGroup
		for i := 0; i < perWave; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sink[i%64] = work(iterations)
			}()
		}
		wg.Wait()
		time.Sleep(time.Duration(pause) * time.Millisecond)
	}
	fmt.Println("waves", waves, "goroutines per wave", perWave)
}
"""

ALLOCATOR = r"""// Command allocator makes garbage quickly, so the garbage collector runs many cycles.
//
// Usage: allocator GOROUTINES DURATION_MS
//
// Each goroutine allocates 64 KiB buffers until the deadline and keeps its
// last 16, so there is a little live heap to mark. At the end main prints
// how many GC cycles ran (runtime.NumGC).
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	d, _ := strconv.Atoi(os.Args[2])
	deadline := time.Now().Add(time.Duration(d) * time.Millisecond)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keep := make([][]byte, 16)
			for j := 0; time.Now().Before(deadline); j++ {
				keep[j%len(keep)] = make([]byte, 64<<10)
			}
		}()
	}
	wg.Wait()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("gc_cycles=%d\n", ms.NumGC)
}
"""

# ---------------------------------------------------------------------------
# Running a traced program
# ---------------------------------------------------------------------------


class ExperimentFailed(RuntimeError):
    """A course program did not run to completion (the message says what happened)."""


@dataclass
class Traced:
    """One run of a course program with ``GODEBUG`` tracing, parsed.

    Attributes:
        result: the :class:`~goenv.results.RunResult` (stdout, stderr, timings).
        sched: the parsed schedtrace, or None when schedtrace was off.
        gc: the parsed gctrace, or None when gctrace was off.
        godebug: the GODEBUG value the program ran with.
        gomaxprocs: the GOMAXPROCS it ran with (None: the runtime's default).
    """

    result: RunResult
    sched: SchedTrace | None
    gc: GCTrace | None
    godebug: str
    gomaxprocs: int | None

    @property
    def label(self) -> str:
        """Go version, GOOS/GOARCH and native/emulated, for figure titles and myth cards."""
        return course_label(self.result)

    @property
    def samples(self) -> pd.DataFrame:
        """The SCHED samples (an empty frame without schedtrace)."""
        return self.sched.samples if self.sched is not None else pd.DataFrame()

    def stdout_value(self, key: str) -> float | None:
        """A ``key=value`` number the program printed on stdout (``work_ms``, ``gc_cycles``), or None."""
        m = re.search(rf"\b{re.escape(key)}=(-?\d+(?:\.\d+)?)", self.result.stdout)
        return float(m.group(1)) if m else None


def _traces_on(godebug: str) -> tuple[bool, bool]:
    # The runtime only acts on a positive number: schedtrace=0 is off.
    values = dict(p.partition("=")[::2] for p in godebug.split(",") if p)
    on = {k.strip() for k, v in values.items() if v.strip().isdigit() and int(v) > 0}
    return "schedtrace" in on, "gctrace" in on


def traced_run(program: str, args: Iterable = (), *, godebug: str = "", gomaxprocs: int | None = None,
               timeout_s: float = 60.0, on_output=None) -> Traced:
    """Build (cached) and run a course program with GODEBUG tracing, then parse its stderr.

    Args:
        program: Go source, e.g. :data:`CPU_BOUND`.
        args: the program's command-line arguments (its sizes).
        godebug: e.g. ``"schedtrace=50"``, ``"schedtrace=100,scheddetail=1"``, ``"gctrace=1"``.
        gomaxprocs: GOMAXPROCS for the program (None: the runtime's default, the CPU count).
        timeout_s: wall-time limit of the run.
        on_output: optional ``on_output(stream, line)`` callback, as for :func:`goenv.run`.

    Returns:
        A :class:`Traced` with the result and the parsed traces.

    Raises:
        ExperimentFailed: the program did not build or did not exit normally; the
            course programs always do, so this means the environment is broken.
    """
    env = {"GODEBUG": godebug} if godebug else {}
    if gomaxprocs is not None:
        env["GOMAXPROCS"] = int(gomaxprocs)
    LOGGER.info("running with GODEBUG=%s GOMAXPROCS=%s args=%s", godebug, gomaxprocs, list(args))
    result = api.run(program, args=[str(a) for a in args], env=env, limits={"wall_time_s": timeout_s},
                     on_output=on_output)
    if not result.ok:
        raise ExperimentFailed(f"the course program did not finish: {result.message}\n{result.stderr[-2000:]}")
    want_sched, want_gc = _traces_on(godebug)
    return Traced(
        result=result,
        sched=parse_schedtrace(result.stderr) if want_sched else None,
        gc=parse_gctrace(result.stderr) if want_gc else None,
        godebug=godebug,
        gomaxprocs=gomaxprocs,
    )


# ---------------------------------------------------------------------------
# G, M, P in the runtime source
# ---------------------------------------------------------------------------

#: (name, what it is, file under GOROOT/src/runtime, regexp for the line to cite[, regexp of the
#: line to start searching from, e.g. the enclosing function]).
_NAMES = [
    ("g", "a goroutine: its stack, status and saved registers", "runtime2.go", r"^type g struct"),
    ("m", "a machine: one OS thread", "runtime2.go", r"^type m struct"),
    ("m.g0", "each M's own goroutine whose stack the scheduler runs on", "runtime2.go", r"^\s*g0\s+\*g\b"),
    ("m.curg", "the user goroutine the M is running now", "runtime2.go", r"^\s*curg\s+\*g\b"),
    ("p", "a processor: the right to run Go code; there are GOMAXPROCS of them", "runtime2.go",
     r"^type p struct"),
    ("p.m", "the M that holds this P (nil while the P is idle)", "runtime2.go", r"^\s*m\s+muintptr"),
    ("p.runq", "the P's local run queue, a fixed-size ring", "runtime2.go", r"^\s*runq\s+\[\d+\]guintptr"),
    ("p.runnext", "one slot that is run before runq: where a new goroutine lands", "runtime2.go",
     r"^\s*runnext\s+guintptr"),
    ("sched.runq", "the global run queue, shared by all Ps (under sched.lock)", "runtime2.go",
     r"^\s*runq\s+gQueue"),
    ("newproc", "`go f()` puts the new G in runnext (next=true)", "proc.go", r"runqput\(pp, newg, true\)"),
    ("runqputslow", "local queue full: move half of it plus the G to the global queue", "proc.go",
     r"var batch \[len\(pp\.runq\)/2 \+ 1\]\*g"),
    ("findRunnable", "fairness: every 61st schedule looks at the global queue first", "proc.go",
     r"schedtick%61 == 0"),
    ("forcePreemptNS", "the time slice: sysmon preempts a G that has run longer", "proc.go",
     r"^const forcePreemptNS"),
    ("goschedImpl", "a preempted G goes to the global queue, not back to its P", "proc.go",
     r"^\s*globrunqput\(gp\)", r"^func goschedImpl\("),
    ("schedtrace", "prints the SCHED line this chapter parses", "proc.go", r"^func schedtrace\("),
]


def _runtime_dir() -> Path:
    return Path(default().goroot) / "src" / "runtime"


def runtime_names() -> pd.DataFrame:
    """Find the scheduler's names in the installed toolchain's runtime source.

    The table cites the source this course actually runs (not a blog post),
    so it stays right when the runtime changes: a name that moved or vanished
    shows "not found in this release" instead of a stale line number.

    Returns:
        Columns ``name``, ``what it is``, ``where`` (``file:line`` under
        ``GOROOT/src/runtime``) and ``source`` (the line, trimmed).
    """
    rows = []
    cache: dict[str, list[str]] = {}
    for name, what, file, pattern, *after in _NAMES:
        if file not in cache:
            path = _runtime_dir() / file
            cache[file] = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        lines = cache[file]
        start = 0
        if after:
            start = next((i for i, line in enumerate(lines) if re.search(after[0], line)), len(lines))
        hit = next((i for i in range(start, len(lines)) if re.search(pattern, lines[i])), None)
        if hit is None:
            rows.append({"name": name, "what it is": what, "where": f"{file}: not found in this release",
                         "source": ""})
        else:
            rows.append({"name": name, "what it is": what, "where": f"{file}:{hit + 1}",
                         "source": re.sub(r"\s+", " ", lines[hit].strip())})
    return pd.DataFrame(rows)


def local_queue_capacity() -> int | None:
    """The length of ``p.runq`` in the installed runtime (the ``[N]guintptr`` array), or None."""
    path = _runtime_dir() / "runtime2.go"
    if not path.exists():
        return None
    m = re.search(r"^\s*runq\s+\[(\d+)\]guintptr", path.read_text(encoding="utf-8"), re.M)
    return int(m.group(1)) if m else None


# ---------------------------------------------------------------------------
# The SCHED line
# ---------------------------------------------------------------------------

#: The columns of the plain SCHED line worth showing, in the order the runtime prints them.
SCHED_COLUMNS = ["t_ms", "gomaxprocs", "idleprocs", "threads", "spinningthreads", "needspinning", "idlethreads",
                 "runqueue", "local_runqueues", "schedticks"]

#: Field of the SCHED line (as printed) → (parsed column, meaning, what schedtrace() prints in proc.go).
FIELDS = [
    ("SCHED <n>ms", "t_ms", "milliseconds since the first trace line (not since process start)",
     "(now-starttime)/1e6"),
    ("gomaxprocs", "gomaxprocs", "number of Ps", "gomaxprocs"),
    ("idleprocs", "idleprocs", "Ps with nothing to run", "sched.npidle"),
    ("threads", "threads", "Ms (OS threads) created so far; the runtime rarely ends one", "mcount()"),
    ("spinningthreads", "spinningthreads", "Ms actively looking for work to steal", "sched.nmspinning"),
    ("needspinning", "needspinning", "1 if a spinning M was asked for but none was free", "sched.needspinning"),
    ("idlethreads", "idlethreads", "Ms parked with nothing to do", "sched.nmidle"),
    ("runqueue", "runqueue", "length of the global run queue", "sched.runq.size"),
    ("[ a b … ]", "local_runqueues", "length of each P's local run queue (runnext not counted)",
     "runqtail - runqhead per P"),
    ("schedticks=[ … ]", "schedticks", "per-P count of scheduling decisions", "pp.schedtick per P"),
]


def first_lines(text: str, n: int = 2, prefix: str = "SCHED") -> str:
    """The first ``n`` lines of ``text`` that start with ``prefix``: the raw trace, before parsing."""
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    return "\n".join(lines[:n])


def sched_table(samples: pd.DataFrame, n: int = 6) -> pd.DataFrame:
    """The first ``n`` SCHED samples, with the columns in the order the runtime prints them.

    Args:
        samples: ``SchedTrace.samples`` (plain or scheddetail).
        n: how many rows.

    Returns:
        The rows, indexed by sample number; columns this Go release did not print are left out.
    """
    cols = [c for c in SCHED_COLUMNS if c in samples.columns]
    return samples[cols].head(n).rename_axis("sample")


def field_meanings(samples: pd.DataFrame) -> pd.DataFrame:
    """Explain each field of the SCHED line, with its range in the run just parsed.

    Args:
        samples: ``SchedTrace.samples`` of a plain (not scheddetail) run.

    Returns:
        Columns ``field`` (as printed), ``meaning``, ``runtime source`` (what
        ``schedtrace()`` prints) and ``in this run`` (min–max over the samples,
        or "not printed" when this Go release left the field out).
    """
    rows = []
    for printed, col, meaning, source in FIELDS:
        if col == "local_runqueues" and "local_runqueue_total" in samples.columns:
            per_p = [c for c in samples.columns if re.fullmatch(r"runq_p\d+", c)]
            values = samples[per_p].astype("float64").to_numpy().ravel()
            seen = _range(pd.Series(values))
        elif col == "schedticks" and "schedticks" in samples.columns:
            per_p = [c for c in samples.columns if re.fullmatch(r"schedticks_p\d+", c)]
            seen = _range(pd.Series(samples[per_p].astype("float64").to_numpy().ravel()))
        elif col in samples.columns:
            seen = _range(samples[col])
        else:
            seen = "not printed"
        rows.append({"field": printed, "meaning": meaning, "runtime source": source, "in this run": seen})
    return pd.DataFrame(rows)


def _range(values: pd.Series) -> str:
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return "—"
    lo, hi = int(v.min()), int(v.max())
    return f"{lo}" if lo == hi else f"{lo} … {hi}"


def snapshot(trace: SchedTrace, sample: int | None = None) -> pd.DataFrame:
    """Who runs what in one scheddetail snapshot: one row per P, with its M and that M's goroutine.

    Args:
        trace: a scheddetail trace (``GODEBUG=schedtrace=N,scheddetail=1``).
        sample: which SCHED sample; None picks the busiest one (most Ms
            running a goroutine on a P, then most runnable goroutines): the
            most instructive picture.

    Returns:
        Columns ``at (ms)``, ``P``, ``P status``, ``M`` (the thread holding the P),
        ``running G`` (that M's ``curg``), ``local queue`` (``runqsize``) and
        ``schedtick``; ``attrs["sample"]`` says which snapshot it is.

    Raises:
        ValueError: the trace has no scheddetail P lines.
    """
    if trace.procs.empty:
        raise ValueError("no P lines: run with GODEBUG=schedtrace=N,scheddetail=1")
    if sample is None:
        # A running P whose M shows no curg is between goroutines (on g0): less telling.
        busy_ms = trace.ms[trace.ms["p"].notna() & trace.ms["curg"].notna()].groupby("sample").size()
        runnable = trace.gs[trace.gs["status_name"] == "runnable"].groupby("sample").size()
        samples = sorted(set(trace.procs["sample"]))
        # max() keeps the first of equal keys, so ties go to the earliest sample.
        sample = max(samples, key=lambda s: (busy_ms.get(s, 0), runnable.get(s, 0)))
    procs = trace.procs[trace.procs["sample"] == sample]
    ms = trace.ms[trace.ms["sample"] == sample].set_index("m")
    rows = []
    for _, p in procs.iterrows():
        m = p["m"]
        curg = ms.at[m, "curg"] if (pd.notna(m) and m in ms.index) else None
        rows.append({"at (ms)": int(p["t_ms"]), "P": f"P{p['p']}", "P status": p["status_name"],
                     "M": "—" if pd.isna(m) else f"M{m}",
                     "running G": "—" if curg is None or pd.isna(curg) else f"G{curg}",
                     "local queue": p["runqsize"], "schedtick": p["schedtick"]})
    out = pd.DataFrame(rows)
    out.attrs["sample"] = int(sample)
    return out


def g_states(trace: SchedTrace) -> pd.DataFrame:
    """How many goroutines were in each state, per scheddetail snapshot.

    Returns:
        One row per sample (indexed by ``t_ms``), one column per G state
        (``runnable``, ``running``, ``waiting``, ...), plus ``total``.
    """
    if trace.gs.empty:
        return pd.DataFrame()
    counts = trace.gs.groupby(["t_ms", "status_name"]).size().unstack(fill_value=0)
    order = [s for s in ("running", "runnable", "syscall", "waiting") if s in counts.columns]
    counts = counts[order + [c for c in counts.columns if c not in order]]
    counts["total"] = counts.sum(axis=1)
    counts.columns.name = None
    return counts


# ---------------------------------------------------------------------------
# Myth 2.2-b: what kinds of line does schedtrace print?
# ---------------------------------------------------------------------------

_STACK_FIELD = re.compile(r"\bstack\w*=", re.I)


def line_census(*stderrs: str) -> pd.DataFrame:
    """Count the kinds of line in the stderr of schedtrace runs.

    The seed's table promises ``SCHED``, ``GC`` and ``go#`` lines with goroutine
    stack sizes; this counts what the runtime actually printed.

    Args:
        *stderrs: the stderr of one or more runs with ``GODEBUG=schedtrace=...``.

    Returns:
        Columns ``line kind`` and ``lines``, one row per kind (zeros included,
        so a missing kind is visible).
    """
    counts = {"SCHED summary": 0, "P detail (scheddetail)": 0, "M detail (scheddetail)": 0,
              "G detail (scheddetail)": 0, "starts with GC": 0, "contains go#": 0,
              "has a stack-size field": 0, "other": 0}
    for text in stderrs:
        for line in text.splitlines():
            if not line.strip():
                continue
            stripped = line.strip()
            if stripped.startswith("SCHED "):
                counts["SCHED summary"] += 1
            elif re.match(r"[PMG]\d+: ", stripped):
                counts[f"{stripped[0]} detail (scheddetail)"] += 1
            elif stripped.startswith("GC"):
                counts["starts with GC"] += 1
            elif "go#" in stripped:
                counts["contains go#"] += 1
            else:
                counts["other"] += 1
            # Counted on top of the kind: a stack size could hide in any trace line.
            if _STACK_FIELD.search(stripped):
                counts["has a stack-size field"] += 1
    return pd.DataFrame({"line kind": list(counts), "lines": list(counts.values())})


def census_evidence(census: pd.DataFrame, gc_cycles: float | None) -> tuple[bool, dict]:
    """Whether the seed's SCHED/GC/go# table held, and the numbers that decide it.

    Args:
        census: from :func:`line_census`.
        gc_cycles: how many GC cycles the traced program went through
            (``runtime.NumGC``): GC lines can only be missing for a reason if
            there were GC cycles to report.

    Returns:
        ``(holds, evidence)``: ``holds`` is True only if GC lines, go# lines
        and stack sizes all appeared; ``evidence`` is a dict for the myth card.
    """
    n = dict(zip(census["line kind"], census["lines"]))
    detail = sum(n[k] for k in n if "detail" in k)
    evidence = {
        "SCHED lines": int(n["SCHED summary"]),
        "P/M/G detail lines": int(detail),
        "GC cycles the program ran": "unknown" if gc_cycles is None else int(gc_cycles),
        "lines starting with GC": int(n["starts with GC"]),
        "lines with go#": int(n["contains go#"]),
        "stack-size fields": int(n["has a stack-size field"]),
    }
    holds = n["starts with GC"] > 0 and n["contains go#"] > 0 and n["has a stack-size field"] > 0
    return holds, evidence


# ---------------------------------------------------------------------------
# Plots of a schedtrace
# ---------------------------------------------------------------------------


def _pyplot():
    # pyplot is imported lazily: importing it picks a backend, which the kernel
    # (inline) and the tests (Agg) choose themselves.
    import matplotlib.pyplot as plt

    return plt


def _per_p_columns(samples: pd.DataFrame) -> list[str]:
    return sorted((c for c in samples.columns if re.fullmatch(r"runq_p\d+", c)), key=lambda c: int(c[6:]))


def plot_sched(samples: pd.DataFrame, title: str, label: str, *, capacity: int | None = None):
    """Plot a schedtrace: busy Ps, the global and local run queues, and threads over time.

    Args:
        samples: ``SchedTrace.samples``.
        title: what the program did.
        label: Go version, target and native/emulated (see :func:`goenv.course.label`).
        capacity: if given, a dashed line at the local run queue's capacity.

    Returns:
        A matplotlib Figure with four panels sharing the time axis: busy Ps,
        the global run queue, each P's local run queue, and threads.
    """
    plt = _pyplot()
    fig, (ax_p, ax_g, ax_q, ax_t) = plt.subplots(4, 1, figsize=(9, 8.5), sharex=True)
    t = pd.to_numeric(samples["t_ms"]).astype("float64")
    num = lambda c: pd.to_numeric(samples[c]).astype("float64")  # noqa: E731 - tiny local helper
    steps = {"drawstyle": "steps-post", "marker": ".", "markersize": 3}

    ax_p.plot(t, num("gomaxprocs") - num("idleprocs"), label="busy Ps (gomaxprocs − idleprocs)", **steps)
    ax_p.plot(t, num("gomaxprocs"), "--", color="grey", label="gomaxprocs")
    ax_p.set_ylabel("Ps")

    # The global queue gets its own panel: in a storm it is a hundred times longer than a local ring.
    ax_g.plot(t, num("runqueue"), color="black", label="global (runqueue=)", **steps)
    ax_g.set_ylabel("runnable Gs")
    for col in _per_p_columns(samples):
        ax_q.plot(t, num(col), label=f"P{col[6:]} local queue", alpha=0.8, **steps)
    if capacity:
        ax_q.axhline(capacity, ls=":", color="red", label="capacity (len(p.runq))")
    ax_q.set_ylabel("runnable Gs")

    ax_t.plot(t, num("threads"), label="threads (Ms)", **steps)
    ax_t.plot(t, num("idlethreads"), label="idle threads", **steps)
    ax_t.plot(t, num("spinningthreads"), label="spinning threads", alpha=0.7, **steps)
    ax_t.set_ylabel("Ms")
    ax_t.set_xlabel("time since the first SCHED line (ms)")

    for ax in (ax_p, ax_g, ax_q, ax_t):
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.yaxis.get_major_locator().set_params(integer=True)
    fig.suptitle(f"{title}\n{label}", fontsize=10)
    fig.tight_layout()
    plt.close(fig)  # the notebook displays the returned figure once; pyplot must not show it again
    return fig


# ---------------------------------------------------------------------------
# GOMAXPROCS 1 vs 2 vs 4
# ---------------------------------------------------------------------------


def gomaxprocs_sweep(procs: Iterable[int] = (1, 2, 4), *, goroutines: int = 8, iterations: int = 25_000_000,
                     repeats: int = 3) -> pd.DataFrame:
    """Run the same CPU-bound work with different GOMAXPROCS values.

    The repeats are interleaved (1, 2, 4, 1, 2, 4, ...) so that a burst of
    load from something else on the machine hits every setting, not one.

    Args:
        procs: the GOMAXPROCS values.
        goroutines: goroutines sharing the work (more than any GOMAXPROCS, so every P has work).
        iterations: xorshift rounds per goroutine: the total work is fixed.
        repeats: runs per value.

    Returns:
        One row per run: ``gomaxprocs``, ``repeat``, ``work_ms`` (the wall time
        the program measured for the work itself, start-up excluded),
        ``cpu_ms`` (the CPU time all its threads used meanwhile), ``run_ms``
        (the whole process), and ``label``.
    """
    rows = []
    for rep in range(repeats):
        for p in procs:
            tr = traced_run(CPU_BOUND, [goroutines, iterations, 0], gomaxprocs=p)
            rows.append({"gomaxprocs": int(p), "repeat": rep, "work_ms": tr.stdout_value("work_ms"),
                         "cpu_ms": tr.stdout_value("cpu_ms"),
                         "run_ms": round(tr.result.run_duration_s * 1000, 1), "label": tr.label})
    return pd.DataFrame(rows)


def sweep_summary(runs: pd.DataFrame, cpus: int | None = None) -> pd.DataFrame:
    """Median work time per GOMAXPROCS and the speed-up over GOMAXPROCS=1.

    Args:
        runs: from :func:`gomaxprocs_sweep`.
        cpus: CPU cores of the machine (default: ``os.cpu_count()``).

    Returns:
        Indexed by ``GOMAXPROCS``: ``runs``, ``median work (ms)``, ``cores busy``
        (median of CPU time / wall time: how many cores the program really
        got), ``speed-up vs 1`` and ``best possible here`` (``min(GOMAXPROCS,
        cpus)``: extra Ps cannot use cores that do not exist).
    """
    cpus = cpus or os.cpu_count() or 1
    g = runs.groupby("gomaxprocs")["work_ms"]
    out = pd.DataFrame({"runs": g.count(), "median work (ms)": g.median().round(1)})
    busy = (runs["cpu_ms"] / runs["work_ms"]).groupby(runs["gomaxprocs"]).median()
    out["cores busy"] = busy.round(2)
    base = out["median work (ms)"].get(1, out["median work (ms)"].iloc[0])
    out["speed-up vs 1"] = (base / out["median work (ms)"]).round(2)
    out["best possible here"] = [float(min(p, cpus)) for p in out.index]
    out.index.name = "GOMAXPROCS"
    return out


def plot_sweep(runs: pd.DataFrame, cpus: int | None = None):
    """Bar chart of the median work time per GOMAXPROCS, each run as a dot, and the ideal.

    The ideal is ``time(1) / min(GOMAXPROCS, cpus)``: perfect scaling up to the number of cores.

    Returns:
        A matplotlib Figure.
    """
    plt = _pyplot()
    cpus = cpus or os.cpu_count() or 1
    summary = sweep_summary(runs, cpus)
    x = list(range(len(summary)))
    fig, ax = plt.subplots(figsize=(7, 3.8))
    ax.bar(x, summary["median work (ms)"], color="#4c72b0", alpha=0.75, label="median")
    # At the foot of each bar, where neither the dots nor the red marks can hide it.
    for i, busy in zip(x, summary["cores busy"]):
        ax.annotate(f"{busy:.2g} cores\nbusy", (i, 0), xytext=(0, 4), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8, color="white")
    pos = {p: i for i, p in enumerate(summary.index)}
    ax.plot([pos[p] for p in runs["gomaxprocs"]], runs["work_ms"], "k.", label="each run")
    # Perfect scaling: the GOMAXPROCS=1 time divided by the cores the Ps can actually use.
    p0 = summary.index[0]
    t1 = summary["median work (ms)"].iloc[0] * min(p0, cpus)
    ideal = [t1 / min(p, cpus) for p in summary.index]
    ax.hlines(ideal, [i - 0.4 for i in x], [i + 0.4 for i in x], colors="red", lw=2,
              label=f"perfect scaling on {cpus} cores")
    ax.set_xticks(x, [f"GOMAXPROCS={p}" for p in summary.index])
    ax.set_ylabel("time for the same work (ms)")
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(f"Fixed CPU-bound work, {runs['label'].iloc[0]}", fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


# ---------------------------------------------------------------------------
# Blocking system calls vs parked goroutines
# ---------------------------------------------------------------------------

_MODES = {"sleep": "time.Sleep (parked)", "syscall": "syscall.Nanosleep (blocking syscall)"}


def blocking_compare(goroutines: int = 40, stagger_ms: int = 10, hold_ms: int = 600,
                     interval_ms: int = 20) -> dict[str, Traced]:
    """Run :data:`BLOCKING` twice with schedtrace: goroutines in time.Sleep, then in syscall.Nanosleep.

    Args:
        goroutines: how many goroutines block (each one needs an M in syscall mode;
            keep it well under a few hundred threads).
        stagger_ms: delay between starting two goroutines.
        hold_ms: all goroutines stay blocked until this long after the start.
        interval_ms: schedtrace period.

    Returns:
        ``{"sleep": Traced, "syscall": Traced}``.
    """
    return {mode: traced_run(BLOCKING, [mode, goroutines, stagger_ms, hold_ms],
                             godebug=f"schedtrace={interval_ms}")
            for mode in _MODES}


def blocking_summary(runs: dict[str, Traced]) -> pd.DataFrame:
    """Threads at the first and the last sample, and at most, per mode.

    Returns:
        Indexed by ``how goroutines block``: ``samples``, ``threads at start``,
        ``threads at most``, ``threads at end``, ``idle threads at end``.
    """
    rows = []
    for mode, tr in runs.items():
        s = tr.samples
        rows.append({"how goroutines block": _MODES[mode], "samples": len(s),
                     "threads at start": int(s["threads"].iloc[0]), "threads at most": int(s["threads"].max()),
                     "threads at end": int(s["threads"].iloc[-1]),
                     "idle threads at end": int(s["idlethreads"].iloc[-1])})
    return pd.DataFrame(rows).set_index("how goroutines block")


def plot_threads(runs: dict[str, Traced], goroutines: int):
    """``threads`` over time for both ways of blocking, on one axis.

    Args:
        runs: from :func:`blocking_compare`.
        goroutines: how many goroutines blocked (for the title).

    Returns:
        A matplotlib Figure.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for mode, tr in runs.items():
        s = tr.samples
        ax.plot(s["t_ms"].astype("float64"), s["threads"].astype("float64"), drawstyle="steps-post",
                marker=".", label=f"threads — {_MODES[mode]}")
    ax.set_xlabel("time since the first SCHED line (ms)")
    ax.set_ylabel("threads= (Ms created)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    label = next(iter(runs.values())).label
    ax.set_title(f"{goroutines} goroutines block one after another\n{label}", fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


#: The options of the "does threads grow?" prediction, in the order the notebook shows them.
THREAD_OPTIONS = [
    "it grows by about one thread per blocked goroutine",
    "it grows a little, then stays near GOMAXPROCS",
    "it stays where it started",
]


def threads_reveal(goroutines: int = 24, stagger_ms: int = 5, hold_ms: int = 300) -> Callable[[], tuple[str, str]]:
    """The experiment behind the "does threads grow?" prediction, for :func:`goenv.course.predict`.

    Returns:
        A callable that runs :data:`BLOCKING` in syscall mode and returns
        ``(answer, details)``; the answer is one of :data:`THREAD_OPTIONS`.
    """
    def reveal() -> tuple[str, str]:
        tr = traced_run(BLOCKING, ["syscall", goroutines, stagger_ms, hold_ms], godebug="schedtrace=20")
        s = tr.samples
        first, most = int(s["threads"].iloc[0]), int(s["threads"].max())
        gomaxprocs = int(s["gomaxprocs"].iloc[0])
        # "Grows" means well beyond what the Ps alone explain: at least half a thread per blocked goroutine.
        if most - first >= goroutines // 2:
            answer = THREAD_OPTIONS[0]
        elif most > first:
            answer = THREAD_OPTIONS[1]
        else:
            answer = THREAD_OPTIONS[2]
        return answer, (f"threads went from {first} to at most {most} with {goroutines} goroutines blocked "
                        f"in syscall.Nanosleep and gomaxprocs={gomaxprocs} ({tr.label}). A thread blocked in "
                        "the kernel keeps its M; sysmon hands the P to another M, starting one if none is idle.")
    return reveal



# ---------------------------------------------------------------------------
# A goroutine storm
# ---------------------------------------------------------------------------


def storm(waves: int = 3, per_wave: int = 20_000, iterations: int = 5_000, pause_ms: int = 100,
          interval_ms: int = 10) -> Traced:
    """Run :data:`STORM` with schedtrace: waves of goroutines flood the run queues.

    Args:
        waves: how many waves.
        per_wave: goroutines started per wave (each starts with a small stack;
            tens of thousands stay far below the memory limit).
        iterations: work per goroutine.
        pause_ms: idle time between waves (the queues drain, idleprocs rises).
        interval_ms: schedtrace period.

    Returns:
        The :class:`Traced` run.
    """
    return traced_run(STORM, [waves, per_wave, iterations, pause_ms], godebug=f"schedtrace={interval_ms}")


def storm_summary(tr: Traced, capacity: int | None = None) -> pd.DataFrame:
    """The largest queue lengths seen in a storm.

    Args:
        tr: from :func:`storm`.
        capacity: the local queue capacity (see :func:`local_queue_capacity`).

    Returns:
        One row per queue (``global`` and each P): ``longest seen``, ``samples
        where it was > 0``, and ``capacity`` (None for the global queue, which is unbounded).
    """
    s = tr.samples
    rows = [{"queue": "global (runqueue=)", "longest seen": int(s["runqueue"].max()),
             "samples where it was > 0": int((s["runqueue"] > 0).sum()), "capacity": "unbounded"}]
    for col in _per_p_columns(s):
        rows.append({"queue": f"P{col[6:]} local", "longest seen": int(s[col].max()),
                     "samples where it was > 0": int((s[col] > 0).sum()),
                     "capacity": capacity if capacity is not None else "?"})
    out = pd.DataFrame(rows).set_index("queue")
    out.attrs["samples"] = len(s)
    return out


# ---------------------------------------------------------------------------
# GC pauses (gctrace=1)
# ---------------------------------------------------------------------------

#: gctrace columns worth showing, in the order of the line.
GC_COLUMNS = ["gc", "t_s", "cpu_pct", "stw_sweep_term_ms", "concurrent_mark_ms", "stw_mark_term_ms", "stw_ms",
              "heap_live_mb", "goal_mb"]


def gc_run(goroutines: int = 20, duration_ms: int = 1000) -> Traced:
    """Run :data:`ALLOCATOR` with ``GODEBUG=gctrace=1``.

    Args:
        goroutines: allocating goroutines.
        duration_ms: how long they allocate.

    Returns:
        The :class:`Traced` run; ``.gc.cycles`` has one row per GC cycle.
    """
    return traced_run(ALLOCATOR, [goroutines, duration_ms], godebug="gctrace=1")


def gc_table(tr: Traced, n: int = 5) -> pd.DataFrame:
    """The first ``n`` GC cycles, with the columns in the order of the gctrace line."""
    c = tr.gc.cycles
    return c[[col for col in GC_COLUMNS if col in c.columns]].head(n).set_index("gc")


def pause_summary(cycles: pd.DataFrame, threshold_ms: float = 1.0) -> pd.DataFrame:
    """Stop-the-world pauses per GC cycle: how many, how long.

    The pause of a cycle is ``stw_ms``: sweep termination plus mark
    termination, the two stop-the-world phases of the gctrace line (wall clock).

    Args:
        cycles: ``GCTrace.cycles``.
        threshold_ms: the folklore bound to count cycles against.

    Returns:
        One row: ``cycles``, ``cycles with a STW pause``, ``median (ms)``,
        ``p99 (ms)``, ``max (ms)``, ``cycles over {threshold} ms``.
    """
    stw = pd.to_numeric(cycles["stw_ms"]).astype("float64")
    return pd.DataFrame([{
        "cycles": len(stw),
        "cycles with a STW pause": int((stw > 0).sum()),
        "median (ms)": round(float(stw.median()), 3) if len(stw) else float("nan"),
        "p99 (ms)": round(float(stw.quantile(0.99)), 3) if len(stw) else float("nan"),
        "max (ms)": round(float(stw.max()), 3) if len(stw) else float("nan"),
        f"cycles over {threshold_ms:g} ms": int((stw > threshold_ms).sum()),
    }], index=["stop-the-world per cycle"])


def pause_evidence(summary: pd.DataFrame) -> dict:
    """The row of :func:`pause_summary` as a plain dict (ints for counts, floats for times) for a myth card."""
    row = summary.iloc[0]
    return {k: float(v) if k.endswith("(ms)") else int(v) for k, v in row.items()}


def gc_verdict(summary: pd.DataFrame, threshold_ms: float = 1.0) -> str:
    """Judge "Go's GC does not depend on pauses; typical pauses are < 1 ms" from the measurement.

    Returns:
        ``"misleading"`` when stop-the-world pauses happened (so "no pauses" is
        wrong) but the median stayed under the threshold (so "typically under
        1 ms" held in this run); ``"false"`` when even the median exceeded it;
        ``"true"`` when no cycle paused at all.

    Raises:
        ValueError: no GC cycle ran, so there is nothing to judge.
    """
    row = summary.iloc[0]
    if row["cycles"] == 0:
        raise ValueError("no GC cycle ran: allocate more or run longer")
    if row["cycles with a STW pause"] == 0:
        return "true"
    return "misleading" if row["median (ms)"] < threshold_ms else "false"


def plot_pauses(cycles: pd.DataFrame, label: str, threshold_ms: float = 1.0):
    """STW pause per GC cycle over time, and their distribution.

    Args:
        cycles: ``GCTrace.cycles``.
        label: Go version, target, native/emulated.
        threshold_ms: a reference line (the folklore's 1 ms).

    Returns:
        A matplotlib Figure: left, pause per cycle against time; right, a histogram (log count).
    """
    plt = _pyplot()
    import numpy as np

    stw = pd.to_numeric(cycles["stw_ms"]).astype("float64")
    fig, (ax_t, ax_h) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    ax_t.vlines(cycles["t_s"].astype("float64") * 1000, 0, stw, color="#c44e52", lw=1)
    ax_t.axhline(threshold_ms, ls="--", color="grey", label=f"{threshold_ms:g} ms")
    ax_t.set_xlabel("time since program start (ms)")
    ax_t.set_ylabel("STW pause per cycle (ms)")
    ax_t.set_ylim(bottom=0)
    ax_t.legend(fontsize=8)
    ax_t.grid(alpha=0.3)

    top = max(float(stw.max()) if len(stw) else 1.0, threshold_ms) * 1.05
    ax_h.hist(stw, bins=np.linspace(0, top, 40), color="#c44e52")
    for q, style in ((0.5, "-"), (0.99, ":")):
        if len(stw):
            ax_h.axvline(stw.quantile(q), color="black", ls=style, label=f"{'median' if q == 0.5 else 'p99'}")
    ax_h.axvline(threshold_ms, ls="--", color="grey")
    ax_h.set_yscale("log")
    ax_h.set_xlabel("STW pause per cycle (ms)")
    ax_h.set_ylabel("cycles (log scale)")
    ax_h.legend(fontsize=8)
    ax_h.grid(alpha=0.3)
    fig.suptitle(f"GC stop-the-world pauses, {len(stw)} cycles\n{label}", fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig
