"""Build a program with ``go build`` or ``go test -c``; compile errors become Diagnostics.

Cross-compiling happens only through the explicit environment of
``BuildOptions.go_env()`` on top of ``Toolchain.env()`` (offline by
construction), as the Playground's sandboxBuild and GoNB's wasm compile do.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Callable

from .cache import BinaryCache, cache_key, default_cache
from .limits import Limits, coerce_limits
from .options import BuildOptions
from .results import BuildResult, Diagnostic
from .toolchain import Toolchain, default
from .workspace import Program, remove_dir

LOGGER = logging.getLogger(__name__)

# file.go:12:5: message   (column optional; file may be ./rel, rel or absolute)
_DIAG_RE = re.compile(r"^(?P<file>(?:[A-Za-z]:)?[^\s:][^:\n]*?\.(?:go|s|c|h|mod)):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<msg>.*)$")
OFFLINE_HINT = (
    "goenv builds offline: only the standard library and modules that are part of the program "
    "(a local directory with a `replace` directive in go.mod) can be imported."
)

EventHook = Callable[[str, dict], None]
#: When set, every real build (not a cache hit) is appended to this file as a JSON line.
BUILD_LOG_VAR = "GOENV_BUILD_LOG"


def binary_name(program: Program, options: BuildOptions) -> str:
    """File name of the output: ``prog``, ``prog.exe`` (windows), ``prog.wasm``, ``prog.test``."""
    name = program.name + (".test" if options.mode == "test" else "")
    if options.goos == "windows":
        return name + ".exe"
    if options.goarch == "wasm":
        return name + ".wasm"
    return name


def language_version(toolchain: Toolchain) -> str:
    """The ``go`` line for a generated go.mod: the toolchain's own language version."""
    major, minor, _ = toolchain.version_tuple
    return f"{major}.{minor}"


def parse_diagnostics(output: str, workdir: str | os.PathLike, program: Program | None = None) -> list[Diagnostic]:
    """Turn go build output into Diagnostics that point at the learner's files.

    Paths are made relative to the program root (temp directory stripped);
    indented continuation lines are appended to the previous message; the
    ``# package`` headers are dropped. The source line is attached when the
    file is one of the program's own.
    """
    prefixes = _dir_prefixes(workdir)
    files = program.file_map if program else {}
    diags: list[Diagnostic] = []
    for raw in output.splitlines():
        if raw.startswith(("\t", "    ")) and diags:
            d = diags[-1]
            diags[-1] = Diagnostic(d.file, d.line, d.column, d.message + "\n" + raw.strip(), d.source_line)
            continue
        m = _DIAG_RE.match(raw.strip())
        if not m:
            continue
        file = _relative(m.group("file"), prefixes)
        line = int(m.group("line"))
        col = int(m.group("col")) if m.group("col") else None
        msg = strip_paths(m.group("msg"), prefixes)
        src = None
        if file in files:
            lines = files[file].decode("utf-8", errors="replace").splitlines()
            if 1 <= line <= len(lines):
                src = lines[line - 1]
        diags.append(Diagnostic(file, line, col, msg, src))
    return diags


def strip_paths(text: str, prefixes) -> str:
    """Remove the temporary build directory from any text."""
    for p in prefixes:
        text = text.replace(p + os.sep, "").replace(p, ".")
    return text


def _dir_prefixes(workdir) -> list[str]:
    d = str(workdir).rstrip(os.sep)
    out = {d, os.path.realpath(d)}
    return sorted(out, key=len, reverse=True)


def _relative(path: str, prefixes) -> str:
    for p in prefixes:
        if path.startswith(p + os.sep):
            path = path[len(p) + 1:]
            break
    while path.startswith("./"):
        path = path[2:]
    return path


def build(
    program,
    options: BuildOptions | dict | None = None,
    *,
    toolchain: Toolchain | None = None,
    limits: Limits | dict | None = None,
    use_cache: bool = True,
    cache: BinaryCache | None = None,
    keep_dir: bool = False,
    on_event: EventHook | None = None,
    **option_kwargs,
) -> BuildResult:
    """Build ``program`` for a target.

    Args:
        program: anything ``Program.coerce`` accepts (source, dict, txtar, path).
        options: BuildOptions or a dict; keyword arguments (goos=..., cgo=0, ...) override it.
        toolchain: defaults to the process-wide toolchain.
        limits: only ``build_time_s`` is used here.
        use_cache: look in the binary cache first (a successful build is always stored).
        keep_dir: keep the temporary module directory (its path is logged) for debugging.
        on_event: lifecycle hook called with ("build_start", info) and ("build_done", info).

    Returns:
        A BuildResult; ``ok`` is False (with diagnostics) for a compile error.

    Raises:
        InvalidOption: unknown GOOS/GOARCH, CGO_ENABLED=on, bad levels.
        InvalidProgram: empty program, no ``package main``.
    """
    from .targets import validate_target  # late import: targets memoizes `go tool dist list`

    tc = toolchain or default()
    prog = Program.coerce(program)
    opts = BuildOptions.coerce(options, **option_kwargs).resolved(tc.hostos, tc.hostarch)
    validate_target(opts.goos, opts.goarch, toolchain=tc)
    if opts.mode == "exe":
        prog.check_main()
    lim = coerce_limits(limits)
    store = cache or default_cache()
    key = cache_key(prog, opts, tc)
    info = {"target": f"{opts.goos}/{opts.goarch}", "options": opts.describe(), "key": key}
    if use_cache:
        hit = store.get(key)
        if hit is not None:
            LOGGER.debug("binary cache hit %s", key[:12])
            _emit(on_event, "build_done", {**info, "cached": True, "ok": True, "duration_s": 0.0})
            return hit
    _emit(on_event, "build_start", info)
    workdir = prog.materialize(go_version=language_version(tc))
    out = workdir / ".goenv-out" / binary_name(prog, opts)
    args = ["test", "-c"] if opts.mode == "test" else ["build"]
    args += ["-o", str(out), *opts.go_flags(), "."]
    LOGGER.info("go %s (%s) in %s", " ".join(args[:2]), opts.describe(), workdir)
    t0 = time.perf_counter()
    try:
        proc = tc.run_go(args, cwd=workdir, env=opts.go_env(), timeout=lim.build_time_s)
        duration = time.perf_counter() - t0
        prefixes = _dir_prefixes(workdir)
        output = strip_paths(proc.stdout + proc.stderr, prefixes)
        diagnostics = parse_diagnostics(proc.stdout + proc.stderr, workdir, prog)
        ok = proc.returncode == 0 and out.is_file()
        message = _summary(ok, output, diagnostics, opts, duration, timed_out=proc.returncode == -9)
        if not ok and ("GOPROXY=off" in output or "no required module provides" in output):
            output = output.rstrip("\n") + "\n" + OFFLINE_HINT + "\n"
            message += " " + OFFLINE_HINT
        result = BuildResult(
            ok=ok, binary=str(out) if ok else None, goos=opts.goos, goarch=opts.goarch,
            options=opts.to_dict(), diagnostics=tuple(diagnostics), output=output,
            duration_s=duration, cached=False, go_version=tc.version, message=message,
            workdir=str(workdir),
        )
        if ok:
            result = store.put(key, out, result)
    finally:
        if keep_dir:
            LOGGER.warning("kept build directory %s", workdir)
        else:
            remove_dir(workdir)
    _emit(on_event, "build_done", {**info, "cached": False, "ok": result.ok, "duration_s": result.duration_s})
    _log_build(info, result, tc)
    return result


def _log_build(info: dict, result: BuildResult, tc: Toolchain) -> None:
    """Append one JSON line per real build to $GOENV_BUILD_LOG (the Binder rehearsal checks build times)."""
    path = os.environ.get(BUILD_LOG_VAR)
    if not path:
        return
    import json

    line = {"target": info["target"], "options": info["options"], "ok": result.ok,
            "duration_s": round(result.duration_s, 3), "gocache": str(tc.gocache)}
    try:
        with open(path, "a") as f:
            f.write(json.dumps(line) + "\n")
    except OSError:
        LOGGER.warning("cannot write the build log %s", path)


def _summary(ok: bool, output: str, diags, opts: BuildOptions, duration: float, *, timed_out: bool) -> str:
    if ok:
        return f"built {opts.describe()} in {duration * 1000:.0f} ms"
    if timed_out:
        return f"the build for {opts.goos}/{opts.goarch} did not finish in time and was stopped"
    if diags:
        n = len(diags)
        return f"compile error{'s' if n > 1 else ''}: {diags[0]}" + (f" (and {n - 1} more)" if n > 1 else "")
    first = next((ln for ln in output.splitlines() if ln.strip() and not ln.startswith("#")), "build failed")
    return f"build failed: {first.strip()}"


def _emit(hook: EventHook | None, name: str, payload: dict) -> None:
    if hook is not None:
        try:
            hook(name, payload)
        except Exception:  # a broken widget callback must not break the build
            LOGGER.exception("event hook failed for %s", name)


__all__ = ["build", "parse_diagnostics", "binary_name", "OFFLINE_HINT"]
