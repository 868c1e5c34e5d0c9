"""The one-call API: build (cached), pick a runner, run under limits.

Options are per call, never global state (GoNB has to reset per-cell options
after every cell; goenv has nothing to reset).
"""

from __future__ import annotations

import logging
import re

from .build import EventHook, _emit, build
from .errors import InvalidOption, TargetNotRunnable
from .limits import Limits, coerce_limits
from .options import BuildOptions
from .results import BuildResult, RunResult
from .runners import Runner, runner_for
from .sandbox import OutputCallback, execute
from .toolchain import Toolchain, default

LOGGER = logging.getLogger(__name__)

_PANIC_RE = re.compile(r"^(panic: .*|fatal error: .*)$", re.M)


def run(
    program,
    options: BuildOptions | dict | None = None,
    *,
    args: list[str] | tuple = (),
    stdin: str | bytes | None = None,
    env: dict | None = None,
    limits: Limits | dict | None = None,
    on_output: OutputCallback | None = None,
    on_event: EventHook | None = None,
    cancel=None,
    toolchain: Toolchain | None = None,
    use_cache: bool = True,
    **option_kwargs,
) -> RunResult:
    """Build ``program`` (reusing a cached binary) and run it under limits.

    Args:
        program: source text, dict of files, txtar text, a .go file or a directory.
        options: BuildOptions or dict; keywords such as ``goos="linux", goarch="arm64", cgo=0``
            override it.
        args: command-line arguments for the program.
        stdin: data for standard input (None: /dev/null).
        env: extra environment for the program (``{"GODEBUG": "schedtrace=100", "GOMAXPROCS": 2}``).
        limits: Limits or dict of overrides (``{"wall_time_s": 30}``).
        on_output: ``on_output(stream, text)`` for each line as it arrives.
        on_event: lifecycle hook: build_start, build_done, run_start, run_done.
        cancel: threading.Event-like; set it to stop the run.

    Returns:
        A RunResult. A compile error, panic, non-zero exit, timeout or memory stop
        is a result (``ok`` False, ``message`` says what happened), not an exception.

    Raises:
        InvalidOption, InvalidProgram: for options or programs that make no sense.
        TargetNotRunnable: the target is build-only here (windows, darwin, wasm, ...) or
            its emulator is missing (EmulatorMissing, with the install command).
    """
    tc = toolchain or default()
    lim = coerce_limits(limits)
    b = build(program, options, toolchain=tc, limits=lim, use_cache=use_cache, on_event=on_event, **option_kwargs)
    if not b.ok:
        return RunResult(build=b, message=b.message, limits=lim.to_dict())
    return run_binary(b, args=args, stdin=stdin, env=env, limits=lim, on_output=on_output,
                      on_event=on_event, cancel=cancel, toolchain=tc)


def run_binary(
    build_result: BuildResult,
    *,
    args: list[str] | tuple = (),
    stdin: str | bytes | None = None,
    env: dict | None = None,
    limits: Limits | dict | None = None,
    on_output: OutputCallback | None = None,
    on_event: EventHook | None = None,
    cancel=None,
    toolchain: Toolchain | None = None,
) -> RunResult:
    """Run an already built binary (from :func:`goenv.build`) natively or under qemu-user."""
    tc = toolchain or default()
    lim = coerce_limits(limits)
    runner = runner_for(build_result.goos, build_result.goarch, tc)
    if not runner.runnable:
        raise TargetNotRunnable(runner.reason)
    race = bool(build_result.options.get("race"))
    argv = [*runner.prefix, build_result.binary, *map(str, args)]
    _emit(on_event, "run_start", {"runner": runner.name, "argv": argv})
    # Tracebacks name the (deleted) build directory; show the learner's own file names instead.
    prefix = build_result.workdir + "/" if build_result.workdir else None

    def clean(text: str) -> str:
        return text.replace(prefix, "") if prefix else text

    live = (lambda stream, text: on_output(stream, clean(text))) if on_output else None
    outcome = execute(argv, limits=lim, stdin=stdin, env=_env(env), on_output=live,
                      data_limit=not race, cancel=cancel)
    result = RunResult(
        build=build_result, stdout=clean(outcome.stdout), stderr=clean(outcome.stderr), exit_code=outcome.exit_code,
        signal=outcome.signal, timed_out=outcome.timed_out, truncated=outcome.truncated,
        stopped_by=outcome.stopped_by, run_duration_s=outcome.duration_s,
        peak_memory_bytes=outcome.peak_memory_bytes, runner=runner.name, emulated=runner.emulated,
        network_isolated=outcome.network_isolated, started=True, limits=lim.to_dict(),
        message=describe_outcome(outcome, lim, runner),
    )
    _emit(on_event, "run_done", {"ok": result.ok, "message": result.message,
                                 "run_duration_s": result.run_duration_s})
    return result


def test(
    program,
    options: BuildOptions | dict | None = None,
    *,
    bench: str | None = None,
    run_pattern: str | None = None,
    count: int = 1,
    benchtime: str | None = None,
    verbose: bool = False,
    json: bool = False,
    extra_args: list[str] | tuple = (),
    **kwargs,
) -> RunResult:
    """Build a test binary (``go test -c``) and run its tests or benchmarks.

    Args:
        bench: benchmark regexp (``"."`` for all); tests are then skipped unless run_pattern is given.
        run_pattern: ``-test.run`` regexp.
        count: ``-test.count``.
        benchtime: ``-test.benchtime`` (e.g. "200ms", "1000x").
        verbose: ``-test.v``.
        json: emit ``go test -json`` events on stdout (converted with ``go tool test2json``).
        Other keywords are those of :func:`run`.
    """
    opts = BuildOptions.coerce(options, **{k: kwargs.pop(k) for k in list(kwargs) if k in _OPTION_NAMES})
    from dataclasses import replace

    opts = replace(opts, mode="test")
    args: list[str] = []
    if bench:
        args += [f"-test.bench={bench}", "-test.benchmem"]
        args.append(f"-test.run={run_pattern or '^$'}")
    elif run_pattern:
        args.append(f"-test.run={run_pattern}")
    if count != 1:
        args.append(f"-test.count={int(count)}")
    if benchtime:
        args.append(f"-test.benchtime={benchtime}")
    if json:
        args.append("-test.v=test2json")
    elif verbose:
        args.append("-test.v")
    args += list(extra_args)
    result = run(program, opts, args=args, **kwargs)
    if json and result.started:
        result = _to_test2json(result, kwargs.get("toolchain"))
    return result


_OPTION_NAMES = {"goos", "goarch", "goamd64", "goarm64", "goarm", "go386", "cgo", "tags", "ldflags",
                 "gcflags", "trimpath", "race", "env"}


def _to_test2json(result: RunResult, toolchain: Toolchain | None) -> RunResult:
    """Convert ``-test.v=test2json`` output into ``go test -json`` events with ``go tool test2json``."""
    import subprocess
    from dataclasses import replace

    tc = toolchain or default()
    pkg = "example.com/prog"
    proc = subprocess.run(
        [str(tc.go), "tool", "test2json", "-p", pkg], input=result.stdout, capture_output=True, text=True,
        env=tc.env(), timeout=60,
    )
    return replace(result, stdout=proc.stdout)


def program_env(pairs=(), *, godebug: str | None = None, gomaxprocs: int | None = None) -> dict[str, str]:
    """The program's extra environment from ``K=V`` strings plus GODEBUG/GOMAXPROCS (CLI and ``%%go``).

    Raises:
        InvalidOption: a pair without ``=``.
    """
    env = {}
    for kv in pairs:
        k, sep, v = kv.partition("=")
        if not sep:
            raise InvalidOption(f"--env expects K=V, not {kv!r}")
        env[k] = v
    if godebug:
        env["GODEBUG"] = godebug
    if gomaxprocs:
        env["GOMAXPROCS"] = str(gomaxprocs)
    return env


def _env(env: dict | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (env or {}).items() if v is not None}


def describe_outcome(outcome, limits: Limits, runner: Runner) -> str:
    """One sentence that says plainly what happened to the run."""
    where = f" under {runner.name}" if runner.emulated else ""
    t = f"{outcome.duration_s * 1000:.0f} ms"
    if outcome.stopped_by == "wall_time":
        msg = f"stopped after {limits.wall_time_s:g} s: the program was still running (wall-time limit; raise it with timeout=...)"
    elif outcome.stopped_by == "memory":
        msg = f"stopped: the program used more than {limits.memory_bytes // 2**20} MiB of memory (memory limit)"
    elif outcome.stopped_by == "processes":
        msg = f"stopped: the program started more than {limits.max_processes} processes (process limit)"
    elif outcome.stopped_by == "interrupt":
        msg = "stopped on request"
    elif outcome.signal is not None:
        msg = f"killed by signal {outcome.signal}{_signame(outcome.signal)}{where} after {t}"
    elif outcome.exit_code == 0:
        msg = f"exited normally{where} in {t}"
    else:
        m = _PANIC_RE.search(outcome.stderr)
        if m and "out of memory" in m.group(1):
            msg = (f"ran out of memory (exit status {outcome.exit_code}): the memory limit is "
                   f"{limits.memory_bytes // 2**20} MiB — {m.group(1)}")
        elif m:
            msg = f"{m.group(1)} (exit status {outcome.exit_code}{where})"
        else:
            msg = f"exited with status {outcome.exit_code}{where} after {t}"
    if outcome.truncated:
        msg += f"; output was cut to the first and last {limits.output_bytes // 2 // 1024} KiB per stream"
    return msg


def _signame(sig: int) -> str:
    import signal as _s

    try:
        return f" ({_s.Signals(sig).name})"
    except ValueError:
        return ""


__all__ = ["run", "run_binary", "test", "describe_outcome"]
