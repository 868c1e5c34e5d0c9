"""Checks for lab 04 (memory model and atomics): the race detector and atomic instructions.

Same conventions as :mod:`goenv.grading.checks` (to be merged into it): every check prints a
``✓ ...`` line to stdout when it passes and raises :class:`~goenv.grading.checks.CheckFailed`
with a message for the learner when it fails; nothing reaches the cell's stderr.

Two things are checked here that ``checks`` cannot do yet:

* **Race freedom.** :func:`run_race` builds the learner's program with ``-race`` and runs it;
  :func:`expect_race_free` fails when ThreadSanitizer reported a data race and quotes the first
  report (the learner's own functions and lines).
* **Which instructions make an operation atomic.** :func:`expect_atomic_mnemonics` compares a
  learner's answer (``"STLR"``) with the atomic instructions and barriers that
  :mod:`goenv.disasm` finds in a function of a *live* build, so the expected answer always comes
  from the compiler at grading time, never from a table.
"""

from __future__ import annotations

import re

from ..disasm import FunctionNotFound, classify, disassemble
from ..results import BuildResult, RunResult
from .checks import CheckFailed, _guarded, build, expect_ok, passed, run

__all__ = ["GORACE", "run_race", "expect_race_free", "race_report_count", "answer_mnemonics",
           "atomic_instructions", "expect_atomic_mnemonics"]

#: The race runtime's options for every graded run, set explicitly so that a learner's
#: ``--env GORACE=...`` cannot change them: report every race (do not stop at the first) and exit
#: with status 66 when there was one. A race is reported at the second of the two accesses, while
#: the program runs; the runtime's default 1-second sleep at exit (``atexit_sleep_ms``) only gives
#: goroutines that are *still running* after ``main`` returns time to race. The graded programs
#: wait for every goroutine before ``main`` returns (their output depends on it), so the sleep
#: finds nothing more and would only add a second to every run.
GORACE = "halt_on_error=0 exitcode=66 atexit_sleep_ms=0"

_RACE_HEADER = "WARNING: DATA RACE"
_FOUND_RE = re.compile(r"^Found (\d+) data race\(s\)$", re.M)
#: How many lines of the first race report a failure message quotes.
REPORT_LINES = 16


def race_report_count(result: RunResult) -> int:
    """How many data races the race detector reported in this run (0 when none)."""
    found = _FOUND_RE.findall(result.stderr)
    return max([int(n) for n in found] + [result.stderr.count(_RACE_HEADER)])


def _first_report(stderr: str) -> str:
    start = stderr.find(_RACE_HEADER)
    block = stderr[start:].split("==================")[0].rstrip("\n").splitlines()
    if len(block) > REPORT_LINES:
        block = [*block[:REPORT_LINES], "…"]
    return "\n".join("    " + ln for ln in block)


def expect_race_free(result: RunResult, args=None) -> RunResult:
    """Fail when the race detector reported a data race in ``result`` (a run of a ``-race`` build).

    ``args`` (the program's arguments) are named in the message when given.
    """
    b = result.build
    if not (b and b.options.get("race")):
        raise CheckFailed("expect_race_free needs a run of a program built with the race detector "
                          "(use checks_lab04.run_race).")
    n = race_report_count(result)
    if n:
        ran = f" (run with the arguments {' '.join(map(str, args))})" if args else ""
        raise CheckFailed(
            f"the race detector found {n} data race(s) in your program{ran}: "
            "two goroutines accessed the same memory, at least one of them writing, and nothing "
            "ordered the two accesses. The first report:\n"
            f"{_first_report(result.stderr)}\n"
            "Every access to memory that goroutines share must be atomic (sync/atomic), or be ordered "
            "before or after the other goroutine's accesses by an atomic operation it observes.")
    passed("the race detector reported no data race")
    return result


@_guarded
def run_race(target, *, args=(), env=None, timeout: float | None = None, **options) -> RunResult:
    """Build the learner's program with ``-race``, run it, and check it was race-free and exited 0.

    Args:
        target: a ``--name`` of a ``%%go`` cell, or any program :func:`checks.build` accepts. It
            is always rebuilt with the race detector, whatever the cell's options say.
        args: the program's arguments.
        env: the program's environment (e.g. ``{"GOMAXPROCS": "1"}``); the cell's own
            ``--env``/``--gomaxprocs`` are not used, so the test decides. ``GORACE`` is always
            :data:`GORACE`.
        timeout: wall-time limit in seconds (default: goenv's 10 s).
        options: build options (the target must support ``-race``: linux/amd64, linux/arm64, ...
            natively only, since it needs cgo).

    Raises:
        CheckFailed: it does not build, a data race was reported, or it did not exit with 0.
    """
    if isinstance(target, BuildResult):
        raise CheckFailed("run_race builds the program itself: pass its --name, not a build result.")
    b = build(target, race=True, **options)
    full_env = {**(env or {}), "GORACE": GORACE}
    result = run(b, args=args, env=full_env, timeout=timeout, expect_success=False)
    if "not implemented yet" not in result.stderr:
        expect_race_free(result, args)
    expect_ok(result)
    return result


# -- naming instructions -------------------------------------------------------------------

_MNEMONIC_RE = re.compile(r"^[A-Z][A-Z0-9.]*$")
_X86_PREFIXES = {"LOCK", "REP", "REPE", "REPNE", "XACQUIRE", "XRELEASE"}
_X86 = ("amd64", "386")


def answer_mnemonics(answer, name: str = "your answer") -> list[str]:
    """The instruction mnemonics a learner named, upper-case, in order, without duplicates.

    ``answer`` is a string (``"STLR"``, ``"mov + mfence"``, ``"LDAXR, STLXR"``) or a list of such
    strings. x86 prefixes (``LOCK``) are ignored: they are not instructions of their own.

    Raises:
        CheckFailed: the answer is not set, empty, or holds something that is not a mnemonic.
    """
    items = answer if isinstance(answer, (list, tuple)) else [answer]
    if not items or not all(isinstance(a, str) for a in items):
        raise CheckFailed(f"{name} must be a string with the instruction mnemonic(s), such as \"ADDQ\" "
                          f"or \"MOVQ+ADDQ\"; it is {answer!r}.")
    words = [w.upper() for a in items for w in re.split(r"[\s,;+/]+", a) if w]
    words = [w for w in words if w not in _X86_PREFIXES]
    if not words:
        raise CheckFailed(f"{name} is empty: write the mnemonic(s) of the instruction(s), such as \"ADDQ\".")
    bad = [w for w in words if not _MNEMONIC_RE.match(w)]
    if bad:
        raise CheckFailed(f"{name} = {answer!r}: {bad[0]!r} is not an instruction mnemonic. Write the "
                          f"mnemonics only (the operation names such as \"ADDQ\", no operands), separated by '+'.")
    return list(dict.fromkeys(words))


def _spellings(mnemonic: str, goarch: str) -> set[str]:
    """Go's spelling and, on x86, the Intel/GNU one without Go's operand-size suffix (XCHGQ → XCHG)."""
    out = {mnemonic}
    if goarch in _X86 and len(mnemonic) > 3 and mnemonic[-1] in "BWLQ":
        out.add(mnemonic[:-1])
    return out


def _target(b: BuildResult) -> str:
    opts = b.options or {}
    levels = " ".join(f"{k.upper()}={opts[k]}" for k in ("goamd64", "goarm64", "goarm", "go386") if opts.get(k))
    return f"{b.goos}/{b.goarch}" + (f" ({levels})" if levels else "")


def _instructions(result, func: str) -> tuple[BuildResult, list]:
    b = result.build if isinstance(result, RunResult) else result
    if not isinstance(b, BuildResult) or not b.ok or not b.binary:
        raise CheckFailed("there is no binary to disassemble: the build failed")
    try:
        rows = disassemble(b.binary, func)
    except FunctionNotFound:
        raise CheckFailed(f"there is no function {func} in the binary built for {_target(b)}: the compiler "
                          f"inlined it into its callers (or it is not defined). Keep `//go:noinline` on the "
                          f"line above it, so that it keeps code of its own.") from None
    return b, [i for i in rows if not i.is_padding]


@_guarded
def atomic_instructions(result, func: str) -> list:
    """The instructions of ``func`` in a build that :func:`goenv.disasm.classify` calls atomic or barrier.

    Raises:
        CheckFailed: no binary, or no function ``func`` in it (e.g. it was inlined).
    """
    b, rows = _instructions(result, func)
    return [i for i in rows if classify(i, b.goarch) is not None]


@_guarded
def expect_atomic_mnemonics(result, func: str, answer, *, name: str = "your answer",
                            hint: str | None = None) -> list[str]:
    """The learner's ``answer`` names exactly the atomic instructions and barriers of ``func``.

    The expected mnemonics are read from the disassembly of ``func`` in this very build (Go's
    spelling, e.g. ``XCHGQ``, ``STLR``, ``LDADDALD``); on x86 the spelling without Go's size
    suffix (``XCHG``) is accepted too. Case does not matter.

    Args:
        result: a BuildResult (or RunResult) of the program that contains ``func``.
        func: the function to disassemble, e.g. ``"main.publish"`` (it must not be inlined).
        answer: what the learner wrote (see :func:`answer_mnemonics`).
        name: how to call the answer in messages (e.g. the Python variable's name).
        hint: a sentence telling the learner how to look at the code themselves.

    Returns:
        The expected mnemonics (Go's spelling), in program order.

    Raises:
        CheckFailed: ``func`` has no atomic instruction (an ordinary access), or the answer names an
            instruction that ``func`` does not have or is not atomic, or leaves one out. The
            message never states the expected answer.
    """
    named = answer_mnemonics(answer, name)
    b, rows = _instructions(result, func)
    where = f"{func} compiled for {_target(b)}"
    look = f" {hint}" if hint else ""
    atomic = [i for i in rows if classify(i, b.goarch) is not None]
    expected = list(dict.fromkeys(i.mnemonic for i in atomic))
    if not expected:
        raise CheckFailed(f"{where} has no atomic instruction and no memory barrier: it is an ordinary "
                          f"memory access, which gives other goroutines no guarantee. Use sync/atomic.{look}")
    canonical = {s: m for m in expected for s in _spellings(m, b.goarch)}
    everything = {s for i in rows for s in _spellings(i.mnemonic, b.goarch)}
    absent = [w for w in named if w not in everything]
    if absent:
        raise CheckFailed(f"{name} = {answer!r}, but {where} has no {' and no '.join(absent)} instruction.{look}")
    ordinary = [w for w in named if w not in canonical]
    if ordinary:
        raise CheckFailed(f"{name} = {answer!r}: {', '.join(ordinary)} {'is' if len(ordinary) == 1 else 'are'} "
                          f"in {where}, but it is an ordinary instruction, not what makes the access atomic.{look}")
    covered = {canonical[w] for w in named}
    missing = [m for m in expected if m not in covered]
    if missing:
        raise CheckFailed(f"{name} = {answer!r} leaves out {len(missing)} of the {len(expected)} instruction(s) "
                          f"that make {where} atomic.{look}")
    passed(f"{name} = {answer!r}: the atomic instruction(s) of {where}")
    return expected
