"""Checks for the labs' test cells: behaviour and artefacts, not source text.

A test cell reads like this::

    from goenv.grading import checks
    b = checks.build("board")                 # the learner's `%%go --name board ...` program
    checks.expect_elf_machine(b, "AArch64")
    r = checks.run(b)                         # natively or under qemu-user
    checks.expect_output(r, line="linux/arm64")

Every check returns something useful for the next one (a BuildResult, a RunResult, a
BinaryInfo...) and prints a short "✓ ..." line to **stdout** when it passes. When it fails it
raises :class:`CheckFailed` (an AssertionError) whose message says what was wrong and what was
expected; IPython shows that message only (``_render_traceback_``), never the test cell's source,
so hidden tests stay hidden in the learner's feedback.

Nothing here writes to the cell's stderr: nbgrader scores any stderr output of a test cell as a
failure, so the Go toolchain's and the program's output are captured (and available on the
results), and warnings or log records raised while checking are swallowed.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import warnings

from .. import api
from ..build import build as _build
from ..errors import GoEnvError, TargetNotRunnable
from ..options import BuildOptions
from ..results import BuildResult, RunResult
from ..workspace import Program

__all__ = [
    "CheckFailed", "program", "build", "run", "inspect", "buildinfo", "expect", "expect_ok",
    "expect_elf_machine", "expect_format", "expect_endianness", "expect_static", "expect_output",
    "expect_target", "dist_list_json", "cgo_first_class_targets", "passed", "host_goarch",
    "host_elf_machine", "current_user_line",
]

#: How many lines of compiler or program output a failure message quotes.
QUOTE_LINES = 12


class CheckFailed(AssertionError):
    """A lab check failed. The message says what was wrong and what was expected.

    IPython renders it as the message alone (no traceback), so the source of the test cell
    that raised it — possibly a hidden test — is never shown.
    """

    def _render_traceback_(self) -> list[str]:
        lines = str(self).splitlines() or ["check failed"]
        return [f"✗ {lines[0]}", *lines[1:]]


# -- plumbing ------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet():
    """Keep everything off the cell's stderr: warnings, log records, stray prints."""
    sink = io.StringIO()
    root = logging.getLogger()
    previous = logging.raiseExceptions
    with warnings.catch_warnings(), contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        logging.raiseExceptions = False
        disabled = root.manager.disable
        logging.disable(logging.CRITICAL)
        try:
            yield sink
        finally:
            logging.disable(disabled)
            logging.raiseExceptions = previous


def _guarded(func):
    """Run ``func`` quietly; turn engine errors into CheckFailed with a plain message."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _quiet():
            try:
                return func(*args, **kwargs)
            except CheckFailed:
                raise
            except TargetNotRunnable as exc:
                raise CheckFailed(f"the program cannot run on this machine: {exc}") from None
            except (GoEnvError, KeyError, ValueError, OSError) as exc:
                raise CheckFailed(f"{func.__name__}: {exc}") from None

    return wrapper


def _tail(text: str, n: int = QUOTE_LINES) -> str:
    lines = text.rstrip("\n").splitlines()
    if len(lines) > n:
        lines = ["…", *lines[-n:]]
    return "\n".join("    " + ln for ln in lines)


def passed(message: str) -> None:
    """Print ``✓ message`` to stdout (a passing check says what it confirmed)."""
    print(f"✓ {message}")


def expect(condition, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds (use this, not ``assert``, in test cells)."""
    if not condition:
        raise CheckFailed(message)


# -- the learner's program ------------------------------------------------------------------


def program(name: str):
    """The program a ``%%go --name NAME`` cell kept (a :class:`goenv.magic.NamedProgram`)."""
    from .. import magic

    try:
        return magic.program(name)
    except KeyError:
        raise CheckFailed(
            f"no program named {name!r}: your `%%go --name {name} ...` cell for this task has not run "
            f"successfully yet. Run it (and fix any error shown under it), keep `--name {name}` on its "
            f"first line, then run this test cell again."
        ) from None


def _resolve(target) -> tuple[Program, BuildOptions, dict, str]:
    """(program, options, env, label) of a name, NamedProgram, Program or source text."""
    from ..magic import NamedProgram

    if isinstance(target, str) and "\n" not in target and "package" not in target:
        named = program(target)
        return named.program, named.options, dict(named.env), f"your program {target!r}"
    if isinstance(target, NamedProgram):
        return target.program, target.options, dict(target.env), "your program"
    return Program.coerce(target), BuildOptions(), {}, "the program"


@_guarded
def build(target, **options) -> BuildResult:
    """Build the learner's program with the options of its ``%%go`` line, overridden by ``options``.

    Args:
        target: a ``--name`` (``"board"``), a NamedProgram, or any program goenv accepts.
        options: BuildOptions fields, e.g. ``goarch="riscv64"`` to rebuild for another target.

    Raises:
        CheckFailed: it does not compile (the message quotes the compiler's first errors).
    """
    prog, opts, _env, label = _resolve(target)
    opts = BuildOptions.coerce(opts, **options)
    result = _build(prog, opts)
    if not result.ok:
        detail = "\n".join(f"    {d}" for d in result.diagnostics[:QUOTE_LINES]) or _tail(result.output)
        raise CheckFailed(f"{label} does not build for {_describe(result, opts)}:\n{detail}")
    return result


@_guarded
def run(target, *, args=(), stdin=None, env=None, timeout: float | None = None,
        expect_success: bool = True, **options) -> RunResult:
    """Build (if needed) and run the learner's program; its output is captured on the result.

    Args:
        target: a BuildResult from :func:`build`, or what :func:`build` accepts.
        args, stdin, env: for the program (env is added to the ``%%go`` cell's --env/--godebug).
        timeout: wall-time limit in seconds (default: goenv's 10 s).
        expect_success: fail unless the program exits with status 0.
        options: build options, as for :func:`build`.

    Raises:
        CheckFailed: build error; the target cannot run here; with ``expect_success``, a panic,
            non-zero exit, timeout or limit stop (the message quotes the program's stderr).
    """
    limits = {"wall_time_s": timeout} if timeout else None
    if isinstance(target, BuildResult):
        b, full_env, label = target, dict(env or {}), "the program"
    else:
        _p, _o, named_env, label = _resolve(target)
        b = build(target, **options)
        full_env = {**named_env, **(env or {})}
    result = api.run_binary(b, args=args, stdin=stdin, env=full_env, limits=limits)
    if expect_success and not result.ok:
        _fail_run(result, label)
    return result


def _fail_run(result: RunResult, label: str) -> None:
    if "not implemented yet" in result.stderr:
        raise CheckFailed(f"{label} is not finished yet: it still panics with \"not implemented yet\". "
                          "Replace the `// YOUR CODE HERE` stub with your solution and run your cell again.")
    msg = f"{label} did not run successfully: {result.message}."
    if result.stderr.strip():
        msg += f"\n  its standard error ends with:\n{_tail(result.stderr)}"
    raise CheckFailed(msg)


def _describe(b, opts: BuildOptions | None = None) -> str:
    if isinstance(b, BuildResult):
        return f"{b.goos}/{b.goarch}"
    return opts.describe() if opts else "this target"


def expect_ok(result: RunResult) -> RunResult:
    """Fail unless the run exited with status 0."""
    if not result.ok:
        _fail_run(result, "the program")
    return result


# -- artefacts ------------------------------------------------------------------------------


def _binary_of(result) -> BuildResult:
    if isinstance(result, RunResult):
        return result.build
    if isinstance(result, BuildResult):
        return result
    raise CheckFailed(f"expected the result of checks.build or checks.run, not {type(result).__name__}")


@_guarded
def inspect(result):
    """The :class:`goenv.inspection.BinaryInfo` of a build's binary (headers only)."""
    from ..inspection import inspect_binary

    b = _binary_of(result)
    if not b.ok or not b.binary:
        raise CheckFailed("there is no binary to inspect: the build failed")
    return inspect_binary(b.binary, symbols=False)


@_guarded
def buildinfo(result):
    """The :class:`goenv.buildinfo.BuildInfo` recorded in a build's binary."""
    from ..buildinfo import read_buildinfo

    return read_buildinfo(_binary_of(result).binary)


def expect_format(result, fmt: str):
    """The binary's file format is ``fmt`` ("ELF", "PE", "Mach-O", ...). Returns its BinaryInfo."""
    info = inspect(result)
    expect(info.format == fmt, f"the binary is {_a(info.format)} file, expected {_a(fmt)} file "
                               f"(built for {_describe(_binary_of(result))}).")
    passed(f"{fmt} binary")
    return info


def expect_elf_machine(result, machine: str):
    """The binary is an ELF file for ``machine`` ("AArch64", "x86-64", "RISC-V", "S/390", ...)."""
    info = expect_format(result, "ELF")
    expect(info.machine == machine,
           f"the ELF header says the machine is {info.machine!r} ({info.bits}-bit), expected {machine!r}: "
           f"the binary was built for {_describe(_binary_of(result))}.")
    passed(f"ELF machine {machine}")
    return info


def expect_endianness(result, endianness: str):
    """The binary's target is ``"big"`` or ``"little"`` endian (from its headers)."""
    info = inspect(result)
    expect(info.endianness == endianness,
           f"the binary is for a {info.endianness}-endian machine ({info.machine}), expected a "
           f"{endianness}-endian one: it was built for {_describe(_binary_of(result))}.")
    passed(f"{endianness}-endian target ({info.machine})")
    return info


def expect_static(result):
    """The binary is statically linked: no interpreter and no needed libraries."""
    info = inspect(result)
    problems = []
    if info.interpreter:
        problems.append(f"it has an interpreter (the dynamic loader {info.interpreter})")
    if info.needed:
        problems.append(f"it needs the shared libraries {', '.join(info.needed)}")
    expect(info.linkage == "static" and not problems,
           "the binary is dynamically linked, expected a static one: " + ("; ".join(problems) or "")
           + f" (built with {BuildOptions.coerce(_binary_of(result).options).describe()}).")
    passed("statically linked (no interpreter, no needed libraries)")
    return info


def expect_target(result, goos: str | None = None, goarch: str | None = None, **settings):
    """The build information in the binary says GOOS/GOARCH (and any other ``settings``, e.g.
    ``CGO_ENABLED="0"``). Returns the BuildInfo."""
    info = buildinfo(result)
    wanted = {k: v for k, v in {"GOOS": goos, "GOARCH": goarch, **settings}.items() if v is not None}
    wrong = {k: info.settings.get(k) for k, v in wanted.items() if info.settings.get(k) != str(v)}
    expect(not wrong, "the binary's build information says "
           + ", ".join(f"{k}={v if v is not None else '(not set)'}" for k, v in wrong.items())
           + "; expected " + ", ".join(f"{k}={wanted[k]}" for k in wrong) + ".")
    passed("build info: " + ", ".join(f"{k}={v}" for k, v in wanted.items()))
    return info


def expect_output(result: RunResult, *, contains: str | None = None, line: str | None = None,
                  lines: list[str] | None = None, equals: str | None = None, stream: str = "stdout") -> str:
    """Check what the program printed (stdout by default). Returns that text.

    Args:
        contains: a substring that must appear.
        line: a whole line (surrounding spaces ignored) that must appear.
        lines: the exact lines, in order (surrounding spaces and blank lines ignored).
        equals: the exact text (trailing newline ignored).
    """
    text = getattr(result, stream)
    shown = _tail(text) if text.strip() else "    (nothing)"
    got = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if contains is not None:
        expect(contains in text, f"expected the program's {stream} to contain {contains!r}; it printed:\n{shown}")
        passed(f"{stream} contains {contains!r}")
    if line is not None:
        expect(line.strip() in got, f"expected a line {line.strip()!r} in the program's {stream}; it printed:\n{shown}")
        passed(f"{stream} has the line {line.strip()!r}")
    if lines is not None:
        want = [ln.strip() for ln in lines if ln.strip()]
        if got != want:
            missing = [ln for ln in want if ln not in got]
            extra = [ln for ln in got if ln not in want]
            detail = []
            if missing:
                detail.append(f"missing {len(missing)} line(s), e.g. {missing[:3]}")
            if extra:
                detail.append(f"{len(extra)} unexpected line(s), e.g. {extra[:3]}")
            if not missing and not extra:
                detail.append("the right lines, in the wrong order or repeated")
            raise CheckFailed(f"the program's {stream} is not the expected {len(want)} line(s): "
                              + "; ".join(detail) + ".")
        passed(f"{stream} is the expected {len(want)} line(s)")
    if equals is not None:
        expect(text.rstrip("\n") == equals.rstrip("\n"),
               f"expected the program's {stream} to be exactly {equals!r}; it printed:\n{shown}")
        passed(f"{stream} is exactly as expected")
    return text


def _a(word: str | None) -> str:
    word = word or "unknown"
    return ("an " if word[:1].upper() in "AEIOU" else "a ") + word


# -- the toolchain's own facts (for tasks about targets) --------------------------------------


@_guarded
def dist_list_json() -> str:
    """The output of ``go tool dist list -json`` of the course's toolchain."""
    from ..toolchain import default

    res = default().run_go(["tool", "dist", "list", "-json"], timeout=60)
    if res.returncode != 0:
        raise CheckFailed(f"`go tool dist list -json` failed:\n{_tail(res.stderr)}")
    return res.stdout


def cgo_first_class_targets(ports_json: str | None = None) -> list[str]:
    """``goos/goarch`` of every first-class port that supports cgo, sorted (the reference answer)."""
    ports = json.loads(ports_json if ports_json is not None else dist_list_json())
    return sorted(f"{p['GOOS']}/{p['GOARCH']}" for p in ports if p.get("FirstClass") and p.get("CgoSupported"))



# -- facts about the grading machine ---------------------------------------------------------

_ELF_MACHINE_OF = {"amd64": "x86-64", "arm64": "AArch64", "386": "Intel 80386", "arm": "ARM",
                   "riscv64": "RISC-V", "ppc64le": "PowerPC64", "ppc64": "PowerPC64", "s390x": "S/390",
                   "loong64": "LoongArch"}


def host_goarch() -> str:
    """GOARCH of this machine (the toolchain's GOHOSTARCH)."""
    from ..toolchain import default

    return default().hostarch


def host_elf_machine() -> str:
    """The ELF machine name of this machine's native binaries (e.g. "x86-64")."""
    return _ELF_MACHINE_OF.get(host_goarch(), host_goarch())


def current_user_line() -> str:
    """``NAME uid=UID`` of the user running the checks, from the user database."""
    import os
    import pwd

    uid = os.getuid()
    return f"{pwd.getpwuid(uid).pw_name} uid={uid}"


# -- runtime traces (lab 02) ------------------------------------------------------------------

__all__ += ["schedtrace", "gctrace", "expect_busy_ps", "expect_global_runqueue", "expect_threads"]


@_guarded
def schedtrace(target, *, period_ms: int = 20, gomaxprocs: int = 2, detail: bool = False, args=(), env=None,
               timeout: float | None = None, **options):
    """Run the learner's program with ``GODEBUG=schedtrace=PERIOD_MS`` and ``GOMAXPROCS``; parse the trace.

    ``detail=True`` adds ``scheddetail=1``: every sample then lists each P, M and G with its state
    (what :func:`expect_busy_ps` needs to tell a P running a goroutine from one held by a spinning M).
    Returns the :class:`goenv.parsers.SchedTrace` (its run is on ``.result``).

    Raises:
        CheckFailed: the program does not build or run, or its trace has fewer than two samples
            (it finished before the runtime printed a second ``SCHED`` line).
    """
    from ..parsers import parse_schedtrace

    godebug = f"schedtrace={int(period_ms)}" + (",scheddetail=1" if detail else "")
    full_env = {**(env or {}), "GODEBUG": godebug, "GOMAXPROCS": str(int(gomaxprocs))}
    result = run(target, args=args, env=full_env, timeout=timeout, **options)
    trace = parse_schedtrace(result.stderr)
    trace.result = result
    expect(len(trace.samples) >= 2,
           f"the program's schedtrace has {len(trace.samples)} SCHED sample(s); with schedtrace={period_ms} "
           f"a program that runs for a second prints dozens. Make it run longer (its work must last "
           f"for the time the task asks).")
    return trace


@_guarded
def gctrace(target, *, args=(), env=None, timeout: float | None = None, **options):
    """Run the learner's program with ``GODEBUG=gctrace=1``; returns the parsed :class:`goenv.parsers.GCTrace`
    (its run is on ``.result``)."""
    from ..parsers import parse_gctrace

    result = run(target, args=args, env={**(env or {}), "GODEBUG": "gctrace=1"}, timeout=timeout, **options)
    trace = parse_gctrace(result.stderr)
    trace.result = result
    return trace


def _after_first(trace):
    s = trace.samples
    return s.iloc[1:] if len(s) > 1 else s


def expect_busy_ps(trace, *, at_least: float = 0.5) -> float:
    """Every P runs a goroutine in at least ``at_least`` of the samples after the first.

    With a ``detail=True`` trace a P counts as busy when a goroutine is *running* on it (one G line
    with status running per busy P). ``idleprocs`` is not enough: a P taken by an M that spins
    looking for work is not idle either, so one busy goroutine on two Ps often shows
    ``idleprocs=0``. Without scheddetail the check falls back to ``idleprocs=0``.
    Returns the fraction of samples in which every P was busy.
    """
    s = _after_first(trace)
    procs = int(s["gomaxprocs"].iloc[0]) if len(s) else 0
    if len(trace.gs):
        gs = trace.gs
        running = gs[gs["status_name"] == "running"].groupby("sample").size()
        counts = running.reindex(s["sample"], fill_value=0).astype(int)
        busy = int((counts >= procs).sum())
        seen, what = counts.tolist()[:20], "goroutines running, by sample"
    else:
        busy = int((s["idleprocs"] == 0).sum())
        seen, what = s["idleprocs"].tolist()[:20], "idleprocs by sample"
    frac = busy / len(s) if len(s) else 0.0
    expect(frac >= at_least,
           f"every P was running a goroutine in only {busy} of {len(s)} schedtrace samples ({frac:.0%}); "
           f"expected at least {at_least:.0%}. With GOMAXPROCS={procs}, keep at least {procs} goroutines "
           f"running (not blocked, not sleeping) for the whole time ({what}: {seen}).")
    passed(f"every P busy in {busy} of {len(s)} samples ({frac:.0%}, GOMAXPROCS={procs})")
    return frac


def expect_global_runqueue(trace, *, at_least: int) -> int:
    """The global run queue (``runqueue=``) reached at least ``at_least`` goroutines. Returns its maximum."""
    s = trace.samples
    longest = int(s["runqueue"].max()) if len(s) else 0
    expect(longest >= at_least,
           f"the global run queue (runqueue= in the SCHED lines) was at most {longest} goroutines long in "
           f"{len(s)} samples; expected at least {at_least}. Goroutines reach the global queue when a P's "
           f"local queue overflows: start many more runnable goroutines than the local queues hold, faster "
           f"than the Ps run them.")
    passed(f"the global run queue reached {longest} goroutines (at least {at_least} expected)")
    return longest


def expect_threads(trace, *, at_least: int | None = None, at_most: int | None = None) -> int:
    """The largest ``threads=`` count of the trace is within the bounds. Returns it."""
    s = trace.samples
    most = int(s["threads"].max()) if len(s) else 0
    if at_least is not None:
        expect(most >= at_least,
               f"the program never had more than {most} threads (threads= in the SCHED lines); expected at "
               f"least {at_least}. A goroutine blocked in a system call holds its thread, so the runtime "
               f"starts new threads to run the others; a goroutine parked by the runtime does not.")
        passed(f"up to {most} threads (at least {at_least} expected)")
    if at_most is not None:
        expect(most <= at_most,
               f"the program had up to {most} threads (threads= in the SCHED lines); expected at most "
               f"{at_most}. A goroutine parked by the runtime (time.Sleep, channels) gives its thread back; "
               f"one blocked in a raw system call keeps it.")
        passed(f"at most {most} threads (at most {at_most} expected)")
    return most
