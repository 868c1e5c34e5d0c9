"""Turn the Go runtime's and toolchain's text output into pandas tables.

Four formats are covered, each checked against the Go 1.27 sources:

* ``GODEBUG=schedtrace=N[,scheddetail=1]`` -> :func:`parse_schedtrace`
  (``schedtrace()`` in ``runtime/proc.go``);
* ``GODEBUG=gctrace=1`` -> :func:`parse_gctrace` (``gcMarkTermination`` in
  ``runtime/mgc.go``; the format is documented in ``runtime/extern.go``);
* ``go test -bench`` -> :func:`parse_bench` and :func:`summarize_bench`
  (``testing/benchmark.go``);
* ``go test -json`` -> :func:`parse_test_json` and :func:`test_results`
  (``cmd/test2json`` and ``go help buildjson``).

Design rules shared by all parsers:

* **Never a silently wrong number.** A line that claims to be trace output
  (it starts with ``SCHED``, ``gc <n>``, ``Benchmark...`` with an iteration
  count, ``{``) but does not parse completely is *malformed*: with
  ``strict=True`` it raises :class:`~goenv.errors.ParseError` naming the line,
  otherwise it is recorded in ``malformed`` and left out of the table. The
  runtime writes a trace line piece by piece with no buffering, so in a pipe
  shared with the program's own prints a line can be split in two, and a
  process that exits or is killed can leave a line half written; both are
  real (see ``tests/fixtures/parsers/gctrace_mixed.txt``).
* **Other lines are skipped explicitly**, never silently: they are counted in
  ``skipped`` as ``(lineno, line)`` so callers may pass a program's mixed
  output. Blank lines are ignored.
* **Cut-off input.** When a multi-line text does not end in a newline, its
  last line was cut off (the process died mid-write); if that line is trace
  output it is malformed even when it happens to look complete, because the
  missing tail might have been ``(forced)`` or more digits. A single line
  without a newline is taken as an intentional snippet.
* Line numbers are 1-based and count every line of the input.
* Runtime trace formats change between releases, so ``key=value`` fields are
  parsed generically: keys this module does not know are kept as columns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple

import pandas as pd

from .errors import ParseError

__all__ = [
    "G_SCAN_BIT",
    "G_STATUS",
    "GCTrace",
    "Malformed",
    "P_STATUS",
    "SchedTrace",
    "parse_bench",
    "parse_gctrace",
    "parse_schedtrace",
    "parse_test_json",
    "summarize_bench",
    "test_results",
]

#: Goroutine states, the ``_G*`` constants of Go 1.27's ``runtime/runtime2.go``
#: without their ``_G`` prefix. ``_Gscan`` (0x1000) is a bit OR-ed onto these
#: while the GC scans the goroutine's stack; see :data:`G_SCAN_BIT`.
G_STATUS: dict[int, str] = {
    0: "idle",
    1: "runnable",
    2: "running",
    3: "syscall",
    4: "waiting",
    5: "moribund_unused",
    6: "dead",
    7: "enqueue_unused",
    8: "copystack",
    9: "preempted",
    10: "leaked",
    11: "deadextra",
}
G_SCAN_BIT = 0x1000

#: P states, the ``_P*`` constants of Go 1.27's ``runtime/runtime2.go``.
P_STATUS: dict[int, str] = {0: "idle", 1: "running", 2: "syscall_unused", 3: "gcstop", 4: "dead"}


class Malformed(NamedTuple):
    """A line that looked like trace output but could not be parsed."""

    lineno: int
    line: str
    reason: str


# ---------------------------------------------------------------------------
# Shared plumbing
# ---------------------------------------------------------------------------

_CUT_OFF = "cut off: the input ends without a newline, so the end of this line may be missing"


class _Line(NamedTuple):
    lineno: int
    text: str
    complete: bool  # False only for the unterminated last line of a multi-line text


def _split_lines(text_or_lines: str | bytes | Iterable[str]) -> list[_Line]:
    """Split the input into numbered lines, noting whether the last one was cut off.

    A list of lines that carry their own ``\\n`` (``file.readlines()``) keeps
    the cut-off information; a list of bare lines (``str.splitlines()``) is
    taken as complete because it has none to keep.
    """
    if isinstance(text_or_lines, bytes):
        text = text_or_lines.decode("utf-8", errors="replace")
    elif isinstance(text_or_lines, str):
        text = text_or_lines
    else:
        items = list(text_or_lines)
        if items and all(s.endswith("\n") for s in items[:-1]):
            text = "".join(items)
        else:
            text = "\n".join(s.rstrip("\n") for s in items) + "\n"
    pieces = text.split("\n")
    ends_cleanly = pieces[-1] == ""
    if ends_cleanly:
        pieces.pop()
    lines = [_Line(i + 1, p.rstrip("\r"), True) for i, p in enumerate(pieces)]
    if lines and not ends_cleanly and len(lines) > 1:
        lines[-1] = lines[-1]._replace(complete=False)
    return lines


class _Collector:
    """Collects skipped and malformed lines and applies the strict policy."""

    def __init__(self, strict: bool, what: str):
        self.strict = strict
        self.what = what
        self.skipped: list[tuple[int, str]] = []
        self.malformed: list[Malformed] = []

    def skip(self, line: _Line) -> None:
        if line.text.strip():
            self.skipped.append((line.lineno, line.text))

    def bad(self, line: _Line, reason: str) -> None:
        if self.strict:
            err = ParseError(
                f"line {line.lineno}: malformed {self.what} ({reason}): {line.text!r}\n"
                "Pass strict=False to collect such lines in .malformed and keep the rest."
            )
            # Attributes for callers that want to point at the line themselves.
            err.lineno, err.line, err.reason = line.lineno, line.text, reason
            raise err
        self.malformed.append(Malformed(line.lineno, line.text, reason))


def _column(values: list[Any]) -> Any:
    """Give a column the narrowest faithful dtype.

    Nullable ``Int64``/``boolean`` are used because ``nil`` fields and optional
    keys are common, and float64 would silently round integers above 2**53.
    """
    present = [v for v in values if v is not None]
    if not present:
        return pd.array(values, dtype=object)
    if all(isinstance(v, bool) for v in present):
        return pd.array(values, dtype="boolean")
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pd.array(values, dtype="Int64")
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pd.array([float("nan") if v is None else float(v) for v in values], dtype="float64")
    if any(isinstance(v, (list, dict, tuple)) for v in present):
        return pd.array(values, dtype=object)
    if all(isinstance(v, str) for v in present):
        return pd.Series(values).array  # pandas picks its string dtype
    return pd.array(values, dtype=object)


def _frame(rows: list[dict[str, Any]], first: Iterable[str], last: Iterable[str] = ()) -> pd.DataFrame:
    """Build a frame: ``first`` columns, then other keys in first-seen order, then ``last``.

    The base columns exist even when ``rows`` is empty, so code written
    against a frame does not break on empty input.
    """
    first, last = list(first), list(last)
    cols = list(first)
    seen = set(first) | set(last)
    for row in rows:
        for key in row:
            if key not in seen:
                seen.add(key)
                cols.append(key)
    cols += last
    return pd.DataFrame({c: _column([r.get(c) for r in rows]) for c in cols}, columns=cols)


# Keys start a field only at the start or after whitespace, so a value such as
# "4(GC worker (idle))" or preemptoff's free text never starts a new field.
_KEY = re.compile(r"(?:^|(?<=\s))([A-Za-z_][A-Za-z0-9_]*)=")
_INT = re.compile(r"-?\d+")


def _split_kv(text: str) -> list[tuple[str, str]] | None:
    """Split ``a=1 b=x y c=`` into ``[(a, '1'), (b, 'x y'), (c, '')]``.

    Values run up to the next ``key=``, which keeps values that contain
    spaces (``preemptoff``, wait reasons) whole. Returns None when the text
    does not start with a key.
    """
    text = text.strip()
    matches = list(_KEY.finditer(text))
    if not matches or matches[0].start() != 0:
        return None
    out = []
    for m, nxt in zip(matches, matches[1:] + [None]):
        end = nxt.start() if nxt is not None else len(text)
        out.append((m.group(1), text[m.end() : end].strip()))
    return out


def _scalar(value: str) -> Any:
    """Convert a runtime ``print`` value: ints, ``true``/``false``, ``nil`` -> None."""
    if _INT.fullmatch(value):
        return int(value)
    if value in ("true", "false"):
        return value == "true"
    if value == "nil":
        return None
    return value


# ---------------------------------------------------------------------------
# schedtrace
# ---------------------------------------------------------------------------


@dataclass
class SchedTrace:
    """A parsed ``GODEBUG=schedtrace`` run.

    Attributes:
        samples: one row per ``SCHED`` line: ``sample`` (0-based index),
            ``t_ms`` (milliseconds since the *first* trace line, not since
            process start), every ``key=value`` of the line (``gomaxprocs``,
            ``idleprocs``, ``threads``, ``spinningthreads``, ``needspinning``,
            ``idlethreads``, ``runqueue`` = global run queue, and with
            scheddetail ``gcwaiting``, ``nmidlelocked``, ``stopwait``,
            ``sysmonwait``; unknown keys too), ``local_runqueues`` (list, one
            length per P), ``local_runqueue_total``, ``runq_p0``, ``runq_p1``,
            ..., ``schedticks`` (list) and ``schedticks_p0``, ...,
            ``detailed`` and ``lineno``. For scheddetail samples the per-P
            columns are filled from the P lines (``runqsize``, ``schedtick``:
            the same counters read in the same locked pass) when all
            ``gomaxprocs`` P lines are present.
        procs: one row per ``P<n>:`` line: ``sample``, ``t_ms``, ``p``,
            ``status``, ``status_name``, ``schedtick``, ``syscalltick``, ``m``
            (None for ``nil``), ``runqsize``, ``gfreecnt``, ``timerslen``, ...
        ms: one row per ``M<n>:`` line: ``sample``, ``t_ms``, ``m``, ``p``,
            ``curg``, ``mallocing``, ``throwing``, ``preemptoff`` (free text),
            ``locks``, ``dying``, ``spinning``, ``blocked``, ``lockedg``, ...
        gs: one row per ``G<n>:`` line: ``sample``, ``t_ms``, ``g``,
            ``status`` (the number as printed), ``status_name`` (of the state
            without the scan bit, from :data:`G_STATUS`), ``scan`` (the GC
            was scanning its stack), ``wait_reason`` (None when empty), ``m``,
            ``lockedm``, ...
        skipped: ``(lineno, line)`` of every non-blank line that is not
            trace output (the program's own prints, gctrace lines, ...).
        malformed: :class:`Malformed` lines (only when ``strict=False``).
    """

    samples: pd.DataFrame
    procs: pd.DataFrame
    ms: pd.DataFrame
    gs: pd.DataFrame
    skipped: list[tuple[int, str]] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)


_SCHED = re.compile(r"SCHED (\d+)ms: (.*)")
# "[ 0 2 ]" (per-P run queue lengths) or "schedticks=[ 21037 682 ]".
_SCHED_LIST = re.compile(r"(?:(?<=\s)([A-Za-z_]\w*)=)?\[ ((?:\d+ )*)\]")
_SUBLINE = re.compile(r"\s+([PMG])(\d+): (.*)")
_G_STATUS_VALUE = re.compile(r"(\d+)\((.*)\)")
# Pieces of a SCHED/P/M/G line that lost its start to interleaved output.
_SCHED_FRAGMENT = re.compile(r"\b(gomaxprocs|idleprocs|spinningthreads|schedticks|syscalltick|mallocing|lockedm)=")

# Fields whose type the Go 1.27 source fixes; a value of another type means
# the line was damaged. Unknown keys accept any value.
_P_INT = {"status", "schedtick", "syscalltick", "runqsize", "gfreecnt", "timerslen"}
_M_INT = {"mallocing", "throwing", "locks", "dying"}
_M_BOOL = {"spinning", "blocked"}
_NILABLE_ID = {"P": {"m"}, "M": {"p", "curg", "lockedg"}, "G": {"m", "lockedm"}}

_SAMPLE_FIRST = ["sample", "t_ms", "gomaxprocs", "idleprocs", "threads", "spinningthreads",
                 "needspinning", "idlethreads", "runqueue"]
_PROC_FIRST = ["sample", "t_ms", "p", "status", "status_name", "schedtick", "syscalltick", "m",
               "runqsize", "gfreecnt", "timerslen"]
_M_FIRST = ["sample", "t_ms", "m", "p", "curg", "mallocing", "throwing", "preemptoff", "locks",
            "dying", "spinning", "blocked", "lockedg"]
_G_FIRST = ["sample", "t_ms", "g", "status", "status_name", "scan", "wait_reason", "m", "lockedm"]


def _parse_sched_header(t_ms: str, rest: str) -> tuple[dict[str, Any] | None, str]:
    """Parse the part of a SCHED line after ``ms:``; returns (row, reason-if-None)."""
    row: dict[str, Any] = {"t_ms": int(t_ms)}
    local: list[int] | None = None
    keyed: dict[str, list[int]] = {}
    for m in _SCHED_LIST.finditer(rest):
        values = [int(v) for v in m.group(2).split()]
        if m.group(1) is None:
            if local is not None:
                return None, "two per-P run queue lists"
            local = values
        else:
            keyed[m.group(1)] = values
    remainder = _SCHED_LIST.sub(" ", rest)
    if "[" in remainder or "]" in remainder:
        return None, "unterminated [ ... ] list"
    pairs = _split_kv(remainder)
    if pairs is None:
        return None, "no key=value fields"
    for key, raw in pairs:
        value = _scalar(raw)
        # The header only ever prints integers and booleans.
        if value is None or isinstance(value, str):
            return None, f"{key}={raw!r} is not a number or boolean"
        if key in row:
            return None, f"duplicate key {key}"
        row[key] = value
    gomaxprocs = row.get("gomaxprocs")
    if not isinstance(gomaxprocs, int) or isinstance(gomaxprocs, bool):
        return None, "no gomaxprocs"
    # A line is only known to be whole if it ends in something that cannot be
    # the prefix of a longer valid line: "]" (plain format) or a complete
    # boolean (scheddetail's sysmonwait=false). A trailing number might be
    # missing digits.
    if not (rest.rstrip().endswith("]") or isinstance(row[pairs[-1][0]], bool)):
        return None, "ends in a number, which may be missing digits (line cut short?)"
    # Only the plain format prints the per-P run queue list; scheddetail
    # prints a P line per P instead.
    row["detailed"] = local is None
    for name, values in ([("local_runqueues", local)] if local is not None else []) + list(keyed.items()):
        if len(values) != gomaxprocs:
            return None, f"{name} has {len(values)} entries for gomaxprocs={gomaxprocs}"
    if local is not None:
        _set_per_p(row, "local_runqueues", "runq_p", local)
    for key, values in keyed.items():
        _set_per_p(row, key, f"{key}_p", values)
    return row, ""


def _set_per_p(row: dict[str, Any], list_key: str, prefix: str, values: list[int]) -> None:
    row[list_key] = list(values)
    if list_key == "local_runqueues":
        row["local_runqueue_total"] = sum(values)
    for i, v in enumerate(values):
        row[f"{prefix}{i}"] = v


def _parse_subline(kind: str, ident: int, rest: str) -> tuple[dict[str, Any] | None, str]:
    """Parse the fields of a ``P<n>:``/``M<n>:``/``G<n>:`` scheddetail line."""
    pairs = _split_kv(rest)
    if pairs is None:
        return None, "no key=value fields"
    id_col = kind.lower()
    row: dict[str, Any] = {id_col: ident}
    for key, raw in pairs:
        if key in row or key in ("sample", "t_ms", "lineno"):
            return None, f"duplicate key {key}"
        if kind == "G" and key == "status":
            m = _G_STATUS_VALUE.fullmatch(raw)
            if not m:
                return None, f"status={raw!r} is not <number>(<wait reason>)"
            status = int(m.group(1))
            row["status"] = status
            row["status_name"] = G_STATUS.get(status & ~G_SCAN_BIT)
            row["scan"] = bool(status & G_SCAN_BIT)
            row["wait_reason"] = m.group(2) or None
            continue
        value = _scalar(raw)
        if key in _NILABLE_ID[kind]:
            ok = value is None or (isinstance(value, int) and not isinstance(value, bool))
        elif (kind == "P" and key in _P_INT) or (kind == "M" and key in _M_INT):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind == "M" and key in _M_BOOL:
            ok = isinstance(value, bool)
        elif kind == "M" and key == "preemptoff":
            ok, value = True, raw  # free text: keep it verbatim, even "123" or "nil"
        else:
            ok = True
        if not ok:
            return None, f"{key}={raw!r} has the wrong type"
        row[key] = value
    if kind in ("P", "G") and "status" not in row:
        return None, "no status field"
    if kind == "P":
        row["status_name"] = P_STATUS.get(row["status"])
    return row, ""


def parse_schedtrace(text_or_lines: str | bytes | Iterable[str], *, strict: bool = False) -> SchedTrace:
    """Parse ``GODEBUG=schedtrace=N`` output, with or without ``scheddetail=1``.

    Example line (Go 1.27)::

        SCHED 101ms: gomaxprocs=2 idleprocs=0 threads=5 spinningthreads=0 needspinning=1
        idlethreads=1 runqueue=3 [ 0 2 ] schedticks=[ 21037 682 ]

    Args:
        text_or_lines: the program's stderr (or mixed stdout+stderr), as one
            string, bytes, or an iterable of lines.
        strict: raise on the first malformed trace line instead of recording it.

    Returns:
        A :class:`SchedTrace`.

    Raises:
        ParseError: ``strict`` is set and a line that starts with ``SCHED``,
            a P/M/G detail line, or a fragment of one does not parse; the
            message holds the line number and text.
    """
    out = _Collector(strict, "schedtrace line")
    samples: list[dict[str, Any]] = []
    subrows: dict[str, list[dict[str, Any]]] = {"P": [], "M": [], "G": []}
    current: dict[str, Any] | None = None  # the SCHED sample detail lines belong to

    for line in _split_lines(text_or_lines):
        text = line.text
        if text == "SCHED" or text.startswith("SCHED "):
            current = None  # a broken header must not adopt the next P/M/G lines
            if not line.complete:
                out.bad(line, _CUT_OFF)
                continue
            m = _SCHED.fullmatch(text)
            if not m:
                out.bad(line, "not 'SCHED <n>ms: ...'")
                continue
            row, reason = _parse_sched_header(m.group(1), m.group(2))
            if row is None:
                out.bad(line, reason)
                continue
            row["sample"] = len(samples)
            row["lineno"] = line.lineno
            samples.append(row)
            current = row
            continue
        sub = _SUBLINE.fullmatch(text)
        if sub:
            kind, ident, rest = sub.group(1), int(sub.group(2)), sub.group(3)
            if current is None or not current["detailed"]:
                out.bad(line, f"{kind} line outside a scheddetail block")
                continue
            if not line.complete:
                out.bad(line, _CUT_OFF)
                continue
            row, reason = _parse_subline(kind, ident, rest)
            if row is None:
                out.bad(line, reason)
                continue
            if kind == "P" and ident >= current["gomaxprocs"]:
                out.bad(line, f"P{ident} but gomaxprocs={current['gomaxprocs']}")
                continue
            row.update(sample=current["sample"], t_ms=current["t_ms"], lineno=line.lineno)
            subrows[kind].append(row)
            continue
        if _SCHED_FRAGMENT.search(text):
            out.bad(line, "fragment of a schedtrace line (split by interleaved output?)")
            continue
        out.skip(line)

    _fill_detailed_per_p(samples, subrows["P"])
    return SchedTrace(
        samples=_frame(samples, _SAMPLE_FIRST, _per_p_columns(samples)),
        procs=_frame(subrows["P"], _PROC_FIRST, ["lineno"]),
        ms=_frame(subrows["M"], _M_FIRST, ["lineno"]),
        gs=_frame(subrows["G"], _G_FIRST, ["lineno"]),
        skipped=out.skipped,
        malformed=out.malformed,
    )


def _per_p_columns(samples: list[dict[str, Any]]) -> list[str]:
    """The list-valued and per-P columns, grouped and in P order, then detailed and lineno."""
    nprocs = max((s["gomaxprocs"] for s in samples), default=0)
    lists = ["local_runqueues"] + sorted({k for s in samples for k, v in s.items()
                                          if isinstance(v, list) and k != "local_runqueues"})
    cols: list[str] = []
    for key in lists:
        prefix = "runq_p" if key == "local_runqueues" else f"{key}_p"
        present = {k for s in samples for k in s}
        cols += [key] + (["local_runqueue_total"] if key == "local_runqueues" else [])
        cols += [f"{prefix}{i}" for i in range(nprocs) if f"{prefix}{i}" in present]
    return cols + ["detailed", "lineno"]


def _fill_detailed_per_p(samples: list[dict[str, Any]], procs: list[dict[str, Any]]) -> None:
    """Give scheddetail samples the per-P columns of the plain format.

    Only when P0..P(gomaxprocs-1) each appear exactly once: a partial set
    would make ``local_runqueue_total`` silently too small.
    """
    by_sample: dict[int, dict[int, dict[str, Any]]] = {}
    dup: set[int] = set()
    for p in procs:
        ps = by_sample.setdefault(p["sample"], {})
        if p["p"] in ps:
            dup.add(p["sample"])
        ps[p["p"]] = p
    for s in samples:
        if not s["detailed"] or s["sample"] in dup:
            continue
        ps = by_sample.get(s["sample"], {})
        n = s["gomaxprocs"]
        if sorted(ps) != list(range(n)):
            continue
        if all("runqsize" in ps[i] for i in range(n)):
            _set_per_p(s, "local_runqueues", "runq_p", [ps[i]["runqsize"] for i in range(n)])
        if all("schedtick" in ps[i] for i in range(n)):
            _set_per_p(s, "schedticks", "schedticks_p", [ps[i]["schedtick"] for i in range(n)])


# ---------------------------------------------------------------------------
# gctrace
# ---------------------------------------------------------------------------


@dataclass
class GCTrace:
    """A parsed ``GODEBUG=gctrace=1`` run.

    Attributes:
        cycles: one row per ``gc N`` line (columns listed in :func:`parse_gctrace`).
        skipped: ``(lineno, line)`` of non-gc lines: the program's prints,
            ``scav ...`` lines (``GODEBUG=scavtrace=1``), the ``GC forced``
            line sysmon prints before a periodic GC, schedtrace lines, ...
        malformed: :class:`Malformed` lines (only when ``strict=False``).
    """

    cycles: pd.DataFrame
    skipped: list[tuple[int, str]] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)


_MS = r"\d+(?:\.\d+)?"
_GC = re.compile(
    rf"gc (?P<gc>\d+) @(?P<t_s>\d+(?:\.\d+)?)s (?P<cpu_pct>\d+)%(?P<pre>(?: \([^()]*\))*): "
    rf"(?P<c1>{_MS})\+(?P<c2>{_MS})\+(?P<c3>{_MS}) ms clock, "
    rf"(?P<u1>{_MS})\+(?P<u2>{_MS})/(?P<u3>{_MS})/(?P<u4>{_MS})\+(?P<u5>{_MS}) ms cpu, "
    r"(?P<h0>\d+)->(?P<h1>\d+)->(?P<h2>\d+) MB, (?P<goal>\d+) MB goal, "
    # stacks and globals appeared in Go 1.21; older lines lack them.
    r"(?:(?P<stacks>\d+) MB stacks, )?(?:(?P<globals>\d+) MB globals, )?"
    r"(?P<procs>\d+) P(?P<post>(?: \([^()]*\))*)"
)
_GC_START = re.compile(r"gc \d")
# Distinctive pieces of a gc line that lost its start to interleaved output.
_GC_FRAGMENT = re.compile(r" ms clock, | ms cpu, |\d+->\d+->\d+ MB| MB goal, ")
_GC_GROUPS = {
    "c1": "stw_sweep_term_ms", "c2": "concurrent_mark_ms", "c3": "stw_mark_term_ms",
    "u1": "cpu_stw_sweep_term_ms", "u2": "cpu_assist_ms", "u3": "cpu_background_ms",
    "u4": "cpu_idle_ms", "u5": "cpu_stw_mark_term_ms",
}
_GC_COLUMNS = [
    "gc", "t_s", "cpu_pct", *_GC_GROUPS.values(), "heap_start_mb", "heap_end_mb", "heap_live_mb",
    "goal_mb", "stacks_mb", "globals_mb", "procs", "forced", "leak_check", "notes", "stw_ms", "lineno",
]


def _notes(group: str | None) -> list[str]:
    return re.findall(r"\(([^()]*)\)", group or "")


def parse_gctrace(text: str | bytes | Iterable[str], *, strict: bool = False) -> GCTrace:
    """Parse ``GODEBUG=gctrace=1`` output.

    Example line (Go 1.27)::

        gc 1 @0.000s 23%: 0.12+0.36+0.029 ms clock, 0.25+0.18/0.10/0+0.058 ms cpu,
        5->5->1 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)

    ``cycles`` columns: ``gc`` (cycle number), ``t_s`` (seconds since program
    start), ``cpu_pct`` (percent of CPU spent in GC since start), wall-clock
    phases ``stw_sweep_term_ms``, ``concurrent_mark_ms``, ``stw_mark_term_ms``,
    CPU times ``cpu_stw_sweep_term_ms``, ``cpu_assist_ms``,
    ``cpu_background_ms``, ``cpu_idle_ms``, ``cpu_stw_mark_term_ms``, heap
    sizes ``heap_start_mb``, ``heap_end_mb``, ``heap_live_mb``, ``goal_mb``,
    ``stacks_mb``, ``globals_mb`` (whole MiB, rounded *down* by the runtime, so
    small heaps read 0), ``procs`` (GOMAXPROCS), ``forced`` (runtime.GC()),
    ``leak_check`` (the ``(checking for goroutine leaks)`` annotation that
    Go 1.26+ may print before the colon), ``notes`` (any other parenthesised
    annotation, else None), derived ``stw_ms`` (the two stop-the-world phases)
    and ``lineno``. Phase times are as printed: two significant digits below
    10 ms, whole milliseconds above.

    Args:
        text: the program's stderr (or mixed output), as a string, bytes or lines.
        strict: raise on the first malformed gc line instead of recording it.

    Returns:
        A :class:`GCTrace`.

    Raises:
        ParseError: ``strict`` is set and a line starting ``gc <digit>`` (or a
            fragment of one) does not parse.
    """
    out = _Collector(strict, "gctrace line")
    rows: list[dict[str, Any]] = []
    for line in _split_lines(text):
        if _GC_START.match(line.text):
            if not line.complete:
                out.bad(line, _CUT_OFF)
                continue
            m = _GC.fullmatch(line.text)
            if not m:
                out.bad(line, "does not match 'gc # @#s #%: #+#+# ms clock, #+#/#/#+# ms cpu, "
                              "#->#-># MB, # MB goal, # MB stacks, # MB globals, # P'")
                continue
            g = m.groupdict()
            pre, post = _notes(g["pre"]), _notes(g["post"])
            other = [n for n in pre if n != "checking for goroutine leaks"] + [n for n in post if n != "forced"]
            row: dict[str, Any] = {"gc": int(g["gc"]), "t_s": float(g["t_s"]), "cpu_pct": int(g["cpu_pct"])}
            row.update({name: float(g[key]) for key, name in _GC_GROUPS.items()})
            row.update(
                heap_start_mb=int(g["h0"]), heap_end_mb=int(g["h1"]), heap_live_mb=int(g["h2"]),
                goal_mb=int(g["goal"]),
                stacks_mb=int(g["stacks"]) if g["stacks"] is not None else None,
                globals_mb=int(g["globals"]) if g["globals"] is not None else None,
                procs=int(g["procs"]), forced="forced" in post,
                leak_check="checking for goroutine leaks" in pre,
                notes="; ".join(other) or None,
                # Inputs have at most 3 decimals; rounding drops binary float noise.
                stw_ms=round(row["stw_sweep_term_ms"] + row["stw_mark_term_ms"], 3),
                lineno=line.lineno,
            )
            rows.append(row)
        elif _GC_FRAGMENT.search(line.text):
            out.bad(line, "fragment of a gctrace line (split by interleaved output?)")
        else:
            out.skip(line)
    cycles = _frame(rows, _GC_COLUMNS)
    # Declared dtypes so empty and non-empty frames look alike.
    for col in _GC_COLUMNS:
        if col in ("forced", "leak_check"):
            cycles[col] = cycles[col].astype("boolean")
        elif col in ("gc", "cpu_pct", "heap_start_mb", "heap_end_mb", "heap_live_mb", "goal_mb",
                     "stacks_mb", "globals_mb", "procs", "lineno"):
            cycles[col] = cycles[col].astype("Int64")
        elif col != "notes":
            cycles[col] = cycles[col].astype("float64")
    return GCTrace(cycles=cycles, skipped=out.skipped, malformed=out.malformed)


# ---------------------------------------------------------------------------
# go test -bench
# ---------------------------------------------------------------------------

_BENCH_NAME = re.compile(r"Benchmark\S*")
_PROCS_SUFFIX = re.compile(r"(.*)-(\d+)")
# Configuration lines as defined by the Go benchmark data format
# (golang.org/design/14313-benchmark-format): "key: value", key lower-case
# first, no spaces or upper case. "panic:" fits that shape but is not one.
_CONFIG = re.compile(r"([a-z][^\sA-Z:]*):(?:\s+(.*))?")
_NOT_CONFIG = {"panic", "testing"}
_BENCH_RESERVED_ATTRS = {"skipped", "malformed"}
_BENCH_FIRST = ["name", "bench", "base", "sub", "procs", "run", "iterations"]


def _bench_metrics(tokens: list[str]) -> tuple[int, list[tuple[str, float]]] | None:
    """Parse ``N v1 unit1 v2 unit2 ...``; None unless every piece is well-formed."""
    if len(tokens) < 3 or len(tokens) % 2 == 0 or not tokens[0].isdigit():
        return None
    pairs = []
    for value, unit in zip(tokens[1::2], tokens[2::2]):
        try:
            number = float(value)
        except ValueError:
            return None
        if _INT.fullmatch(unit) or not re.search(r"[A-Za-z]", unit):
            return None  # a unit must be a name ("ns/op", "MB/s", "elems/op")
        pairs.append((unit, number))
    return int(tokens[0]), pairs


def parse_bench(text: str | bytes | Iterable[str], *, strict: bool = False) -> pd.DataFrame:
    """Parse ``go test -bench`` output into one row per result line.

    Example line::

        BenchmarkSort/n=10/sorted-2   	  832531	        26.52 ns/op	        10.00 elems/op	       0 B/op	       0 allocs/op

    Columns: ``name`` (as printed), ``bench`` (name without the GOMAXPROCS
    suffix), ``base`` (top-level function, ``BenchmarkSort``), ``sub``
    (sub-benchmark path ``n=10/sorted``, None for none), ``procs``
    (GOMAXPROCS: the ``-N`` suffix; the testing package omits it when it is 1,
    so no suffix means 1), ``run`` (0, 1, 2, ... for repeated ``-count``
    results of the same name and package), ``iterations``, then one column per
    unit in first-seen order, named exactly as printed (``ns/op``, ``MB/s``,
    ``B/op``, ``allocs/op`` and ``b.ReportMetric`` units such as
    ``elems/op``), then ``pkg`` and ``lineno``.

    ``df.attrs`` holds the configuration lines (``goos``, ``goarch``, ``pkg``,
    ``cpu``, and any other ``key: value`` line; the first value wins, and
    ``pkg`` is also a column because several packages can share one output),
    plus ``skipped`` (``PASS``, ``ok ...``, ``FAIL``, log output, ...) and
    ``malformed``.

    A name whose last element ends in ``-<digits>`` is ambiguous when
    GOMAXPROCS is 1 (``BenchmarkX/size-4`` could be size 4 at 1 proc): like
    golang.org/x/perf, the suffix is read as GOMAXPROCS.

    Args:
        text: ``go test -bench`` stdout as a string, bytes or lines.
        strict: raise on the first malformed result line instead of recording it.

    Returns:
        The results frame (empty, with the base columns, when there are none).

    Raises:
        ParseError: ``strict`` is set and a ``Benchmark...`` line with an
            iteration count (or a result line with no name) does not parse.
    """
    out = _Collector(strict, "benchmark line")
    rows: list[dict[str, Any]] = []
    config: dict[str, str] = {}
    pkg: str | None = None
    pending: str | None = None  # name printed before the benchmark ran; results may follow later
    runs: dict[tuple[str | None, str], int] = {}

    def add(name: str, iterations: int, metrics: list[tuple[str, float]], line: _Line) -> None:
        m = _PROCS_SUFFIX.fullmatch(name)
        bench, procs = (m.group(1), int(m.group(2))) if m else (name, 1)
        base, _, sub = bench.partition("/")
        run = runs.get((pkg, name), 0)
        runs[(pkg, name)] = run + 1
        row: dict[str, Any] = {"name": name, "bench": bench, "base": base, "sub": sub or None,
                               "procs": procs, "run": run, "iterations": iterations}
        for unit, value in metrics:
            row[unit] = value
        row.update(pkg=pkg, lineno=line.lineno)
        rows.append(row)

    for line in _split_lines(text):
        tokens = line.text.split()
        if not tokens:
            continue
        if _BENCH_NAME.fullmatch(tokens[0]):
            if len(tokens) == 1 or not tokens[1].isdigit():
                # The testing package prints the name before running the
                # benchmark; the results follow on a later line if the
                # benchmark printed something (or in -v mode).
                pending = tokens[0]
                out.skip(line)
                continue
            parsed = _bench_metrics(tokens[1:])
            pending = None
            if parsed is None:
                out.bad(line, "expected '<name> <iterations> (<value> <unit>)...'")
            elif not line.complete:
                out.bad(line, _CUT_OFF)
            else:
                add(tokens[0], *parsed, line)
            continue
        if tokens[0].isdigit():
            parsed = _bench_metrics(tokens)
            if parsed is not None:
                if pending is None:
                    out.bad(line, "benchmark results with no benchmark name before them")
                elif not line.complete:
                    out.bad(line, _CUT_OFF)
                else:
                    add(pending, *parsed, line)
                pending = None
                continue
        cfg = _CONFIG.fullmatch(line.text)
        if cfg and cfg.group(1) not in _NOT_CONFIG and cfg.group(1) not in _BENCH_RESERVED_ATTRS:
            value = (cfg.group(2) or "").strip()
            config.setdefault(cfg.group(1), value)
            if cfg.group(1) == "pkg":
                pkg = value
            continue
        out.skip(line)

    df = _frame(rows, _BENCH_FIRST, ["pkg", "lineno"])
    df.attrs.update(config)
    df.attrs["skipped"] = out.skipped
    df.attrs["malformed"] = out.malformed
    return df


def summarize_bench(df: pd.DataFrame, metric: str = "ns/op") -> pd.DataFrame:
    """Summarise repeated runs: one row per benchmark name (and package).

    Args:
        df: a frame from :func:`parse_bench`.
        metric: the unit column to summarise.

    Returns:
        Columns ``pkg``, ``name``, ``bench``, ``base``, ``sub``, ``procs``,
        ``runs`` (results with a value for ``metric``), ``median``, ``min``,
        ``max``; in first-seen order. ``attrs["metric"]`` names the metric.
    """
    keys = ["pkg", "name", "bench", "base", "sub", "procs"]
    cols = keys + ["runs", "median", "min", "max"]
    if df.empty or metric not in df.columns:
        summary = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    else:
        values = df[metric].astype("float64")
        grouped = values.groupby([df[k] for k in keys], sort=False, dropna=False)
        summary = grouped.agg(runs="count", median="median", min="min", max="max").reset_index()
        summary["runs"] = summary["runs"].astype("Int64")
    summary.attrs["metric"] = metric
    return summary[cols]


# ---------------------------------------------------------------------------
# go test -json
# ---------------------------------------------------------------------------

_JSON_FIRST = ["Time", "Action", "Package", "Test", "Elapsed", "Output"]
_FINAL_ACTIONS = ("pass", "fail", "skip", "bench")


def parse_test_json(text: str | bytes | Iterable[str], *, strict: bool = False) -> pd.DataFrame:
    """Parse ``go test -json`` output into one row per event.

    Columns are the JSON field names: ``Time`` (UTC timestamps, NaT when
    absent, e.g. for cached results), ``Action``, ``Package``, ``Test``,
    ``Elapsed`` (seconds), ``Output``, then whatever else appears
    (``OutputType``, ``FailedBuild``, and since Go 1.24 the build events'
    ``ImportPath`` with actions ``build-output``/``build-fail``; since Go 1.25
    ``Key``/``Value`` of ``attr`` events and ``Path`` of ``artifacts``), then
    ``lineno``.

    ``df.attrs["skipped"]`` lists lines that are not JSON events: plain-text
    build errors (Go < 1.24, or ``GODEBUG=gotestjsonbuildtext=1``), messages
    on stderr, JSON that is not an event. ``df.attrs["malformed"]`` lists lines
    that start with ``{`` but are not valid JSON (a run cut short).

    Args:
        text: ``go test -json`` output (stdout, optionally with stderr).
        strict: raise on the first malformed line instead of recording it.

    Returns:
        The events frame.

    Raises:
        ParseError: ``strict`` is set and a ``{`` line is not valid JSON.
    """
    out = _Collector(strict, "go test -json line")
    rows: list[dict[str, Any]] = []
    for line in _split_lines(text):
        stripped = line.text.strip()
        if not stripped.startswith("{"):
            out.skip(line)
            continue
        try:
            event = json.loads(stripped)
        except json.JSONDecodeError as exc:
            out.bad(line, _CUT_OFF if not line.complete else f"invalid JSON: {exc.msg}")
            continue
        if not isinstance(event, dict) or not isinstance(event.get("Action"), str):
            out.skip(line)  # JSON, but not a test or build event
            continue
        event.pop("lineno", None)
        event["lineno"] = line.lineno
        rows.append(event)
    df = _frame(rows, _JSON_FIRST, ["lineno"])
    # format="ISO8601" because Go writes RFC 3339 with a variable number of
    # fractional digits (trailing zeros dropped).
    # Go times carry nanoseconds, hence the explicit unit (pandas would pick
    # seconds for an all-empty column).
    df["Time"] = pd.to_datetime(df["Time"], utc=True, format="ISO8601").astype("datetime64[ns, UTC]")
    df["Elapsed"] = pd.to_numeric(df["Elapsed"]).astype("float64")
    df.attrs["skipped"] = out.skipped
    df.attrs["malformed"] = out.malformed
    return df


def test_results(df: pd.DataFrame) -> pd.DataFrame:
    """One row per test (and subtest) of a :func:`parse_test_json` frame.

    Returns:
        Columns ``package``, ``test``, ``parent`` (the name before the last
        ``/`` for subtests, else None), ``action`` (the last of
        pass/fail/skip/bench; None if the test never finished, e.g. the
        binary crashed or timed out), ``elapsed`` (seconds, from that event),
        ``output`` (all of the test's ``output`` events concatenated, framing
        lines included) and ``attributes`` (``t.Attr`` key/value pairs).
        Package-level events (no ``Test``) are not included.
    """
    cols = ["package", "test", "parent", "action", "elapsed", "output", "attributes"]
    if "Test" not in df.columns:
        return _frame([], cols)
    events = df[df["Test"].notna()]
    rows = []
    for (pkg, test), group in events.groupby(["Package", "Test"], sort=False, dropna=False):
        final = group[group["Action"].isin(_FINAL_ACTIONS)]
        last = final.iloc[-1] if len(final) else None
        outputs = group.loc[group["Action"] == "output", "Output"]
        attrs = {}
        if "Key" in group.columns:
            for _, ev in group[group["Action"] == "attr"].iterrows():
                attrs[ev["Key"]] = ev.get("Value")
        rows.append({
            "package": None if pd.isna(pkg) else pkg,
            "test": test,
            "parent": test.rsplit("/", 1)[0] if "/" in test else None,
            "action": None if last is None else last["Action"],
            "elapsed": None if last is None or pd.isna(last["Elapsed"]) else float(last["Elapsed"]),
            "output": "".join(o for o in outputs if isinstance(o, str)),
            "attributes": attrs,
        })
    result = _frame(rows, cols)
    result["elapsed"] = pd.to_numeric(result["elapsed"]).astype("float64")
    return result


# pytest collects module-level callables named test_*; this one is not a test.
test_results.__test__ = False
