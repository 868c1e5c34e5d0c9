"""``python -m goenv``: the engine from the command line.

Commands (each has ``--help``)::

    run      [build options] [--godebug S] [--gomaxprocs N] [--env K=V] [--timeout S]
             [--memory MIB] [--stdin FILE] [--json] PATH [-- ARGS...]
    build    [build options] -o OUT PATH
    inspect  BINARY [--json]
    disasm   --goarch A [build options] FUNC PATH
    targets  [--json]
    doctor   [--json]
    prewarm  [TARGET ...]

Exit codes of ``run``: the program's own exit code; 128+N when it was killed by
signal N; 124 when it hit the wall-time limit (like timeout(1)); 1 for a
compile error; 2 for invalid options or programs; 3 when the target cannot
run on this machine.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from pathlib import Path

from .errors import GoEnvError, TargetNotRunnable

EXIT_COMPILE_ERROR = 1
EXIT_USAGE = 2
EXIT_NOT_RUNNABLE = 3
EXIT_TIMEOUT = 124


def _build_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("build options")
    g.add_argument("--goos", help="target operating system (default: this machine's)")
    g.add_argument("--goarch", help="target architecture (default: this machine's)")
    g.add_argument("--goamd64", help="amd64 level: v1..v4")
    g.add_argument("--goarm64", help="arm64 level: v8.0, v8.1, ..., v9.5")
    g.add_argument("--goarm", help="arm level: 5, 6, 7")
    g.add_argument("--cgo", help="CGO_ENABLED: 0 or 1 (on/off/true are rejected: Go would ignore them)")
    g.add_argument("--tags", help="comma-separated build tags")
    g.add_argument("--ldflags", help="linker flags, e.g. '-s -w' or '-X main.version=1.0'")
    g.add_argument("--gcflags", help="compiler flags, e.g. '-m'")
    g.add_argument("--trimpath", action="store_true", help="remove file system paths from the binary")
    g.add_argument("--race", action="store_true", help="build with the race detector")
    g.add_argument("--no-cache", action="store_true", help="rebuild even if an identical binary is cached")


def _opts(a: argparse.Namespace) -> dict:
    keys = ("goos", "goarch", "goamd64", "goarm64", "goarm", "cgo", "tags", "ldflags", "gcflags")
    d = {k: getattr(a, k) for k in keys if getattr(a, k, None) is not None}
    if a.trimpath:
        d["trimpath"] = True
    if a.race:
        d["race"] = True
    return d


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m goenv", description="Build, run and inspect Go programs for the Go platform course.")
    p.add_argument("-v", "--verbose", action="store_true", help="log what goenv does")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="build (cached) and run a program under limits")
    _build_options(r)
    r.add_argument("--godebug", help="GODEBUG for the program, e.g. schedtrace=100")
    r.add_argument("--gomaxprocs", type=int, help="GOMAXPROCS for the program")
    r.add_argument("--env", action="append", default=[], metavar="K=V", help="extra environment (repeatable)")
    r.add_argument("--timeout", type=float, help="wall-time limit in seconds (default 10)")
    r.add_argument("--memory", type=int, metavar="MIB", help="memory limit in MiB (default 512)")
    r.add_argument("--stdin", metavar="FILE", help="file to use as standard input ('-' for this process's stdin)")
    r.add_argument("--json", action="store_true", help="print the result as JSON instead of the program's output")
    r.add_argument("path", help="a .go file or a directory")
    r.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the program (after --)")

    b = sub.add_parser("build", help="build a program and copy the binary to -o")
    _build_options(b)
    b.add_argument("-o", "--output", required=True, help="where to write the binary")
    b.add_argument("--json", action="store_true", help="print the build result as JSON")
    b.add_argument("path", help="a .go file or a directory")

    i = sub.add_parser("inspect", help="format, machine, linkage, size and build info of a binary")
    i.add_argument("binary")
    i.add_argument("--json", action="store_true")

    d = sub.add_parser("disasm", help="disassemble one function of a program for an architecture")
    _build_options(d)
    d.add_argument("--json", action="store_true")
    d.add_argument("func", help="function name, e.g. main.main or main.store")
    d.add_argument("path", help="a .go file or a directory")

    t = sub.add_parser("targets", help="GOOS/GOARCH pairs this toolchain supports and how each runs here")
    t.add_argument("--json", action="store_true")

    dr = sub.add_parser("doctor", help="check the toolchain, caches, emulators and isolation")
    dr.add_argument("--json", action="store_true")

    pw = sub.add_parser("prewarm", help="compile the standard library for the course's targets into the build cache")
    pw.add_argument("targets", nargs="*", help="e.g. linux/arm64 windows/amd64 linux/amd64:race (default: all course targets)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="goenv: %(message)s")
    try:
        return _COMMANDS[args.command](args)
    except TargetNotRunnable as exc:
        print(f"goenv: {exc}", file=sys.stderr)
        return EXIT_NOT_RUNNABLE
    except GoEnvError as exc:
        print(f"goenv: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _print_build_failure(res) -> None:
    from .display import build_failure_text

    text = build_failure_text(res)
    print(text, end="" if text.endswith("\n") else "\n", file=sys.stderr)


def _cmd_run(a) -> int:
    from .api import program_env, run

    prog_args = a.args[1:] if a.args[:1] == ["--"] else a.args
    env = program_env(a.env, godebug=a.godebug, gomaxprocs=a.gomaxprocs)
    limits = {}
    if a.timeout:
        limits["wall_time_s"] = a.timeout
    if a.memory:
        limits["memory_bytes"] = a.memory * 2**20
    stdin = None
    if a.stdin == "-":
        stdin = sys.stdin.buffer.read()
    elif a.stdin:
        stdin = Path(a.stdin).read_bytes()

    def live(stream: str, text: str) -> None:
        f = sys.stdout if stream == "stdout" else sys.stderr
        f.write(text)
        f.flush()

    res = run(Path(a.path), _opts(a), args=prog_args, stdin=stdin, env=env, limits=limits or None,
              on_output=None if a.json else live, use_cache=not a.no_cache)
    if a.json:
        print(res.to_json(indent=2))
    elif not res.build.ok:
        _print_build_failure(res.build)
    elif res.exit_code != 0:
        print(f"goenv: {res.message}", file=sys.stderr)
    if not res.build.ok:
        return EXIT_COMPILE_ERROR
    if res.timed_out:
        return EXIT_TIMEOUT
    if res.signal is not None:
        return 128 + res.signal
    return res.exit_code if res.exit_code is not None else 1


def _cmd_build(a) -> int:
    from .build import build

    res = build(Path(a.path), _opts(a), use_cache=not a.no_cache)
    if res.ok:
        out = Path(a.output)
        shutil.copyfile(res.binary, out)
        out.chmod(0o755)
    if a.json:
        d = res.to_dict()
        d["output_file"] = str(a.output) if res.ok else None
        print(json.dumps(d, indent=2))
    elif res.ok:
        print(f"{a.output}: {res.message}{' (cached)' if res.cached else ''}")
    else:
        _print_build_failure(res)
    return 0 if res.ok else EXIT_COMPILE_ERROR


def _cmd_inspect(a) -> int:
    from .buildinfo import read_buildinfo
    from .inspection import file_description, inspect_binary

    info = inspect_binary(a.binary)
    try:
        bi = read_buildinfo(a.binary)
    except GoEnvError:
        bi = None
    if a.json:
        d = info.to_dict()
        d["buildinfo"] = bi.to_dict() if bi is not None else None
        print(json.dumps(d, indent=2, default=str))
        return 0
    print(file_description(info))
    for k, v in info.to_dict().items():
        if k == "size_by_package" and v:
            top = sorted(v.items(), key=lambda kv: -kv[1])[:10]
            print("size by package (top 10):")
            for pkg, n in top:
                print(f"  {n:>10,}  {pkg}")
        elif v not in (None, [], {}, ""):
            print(f"{k}: {v}")
    if bi is not None:
        print(f"go: {bi.go_version}  path: {bi.path}")
        for dep in bi.deps:
            print(f"dep: {dep}")
        for k, v in bi.settings.items():
            print(f"build {k}={v}")
    return 0


def _cmd_disasm(a) -> int:
    from .build import build
    from .disasm import disassemble

    res = build(Path(a.path), _opts(a), use_cache=not a.no_cache)
    if not res.ok:
        _print_build_failure(res)
        return EXIT_COMPILE_ERROR
    rows = disassemble(res.binary, a.func)
    if a.json:
        print(json.dumps([r.to_dict() if hasattr(r, "to_dict") else r.__dict__ for r in rows], indent=2))
        return 0
    for r in rows:
        print(f"{r.file}:{r.line:<5} {r.address:#x}  {r.text}")
    return 0


def _cmd_targets(a) -> int:
    from .runners import runner_for
    from .targets import list_targets
    from .toolchain import default

    tc = default()
    rows = []
    for t in list_targets(tc):
        r = runner_for(t.goos, t.goarch, tc) if t.goos == "linux" or (t.goos, t.goarch) == tc.host_target else None
        how = r.name if r and r.runnable else "build-only"
        rows.append({"goos": t.goos, "goarch": t.goarch, "first_class": t.first_class,
                     "cgo_supported": t.cgo_supported, "runs": how})
    if a.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'target':<18} {'first-class':<12} {'cgo':<5} runs here")
    for r in rows:
        print(f"{r['goos'] + '/' + r['goarch']:<18} {'yes' if r['first_class'] else '':<12} "
              f"{'yes' if r['cgo_supported'] else '':<5} {r['runs']}")
    return 0


def _cmd_doctor(a) -> int:
    from .doctor import format_report, report

    rep = report()
    print(json.dumps(rep, indent=2) if a.json else format_report(rep))
    return 0 if rep.get("go") else 1


def _cmd_prewarm(a) -> int:
    from .prewarm import prewarm

    def progress(rep: dict) -> None:
        state = "ok" if rep["ok"] else "FAILED: " + rep["error"].splitlines()[-1]
        print(f"prewarm {rep['target']:<22} {rep['seconds']:>6.1f} s  {state}", flush=True)

    reports = prewarm(a.targets or None, on_progress=progress)
    return 0 if all(r["ok"] for r in reports) else 1


_COMMANDS = {"run": _cmd_run, "build": _cmd_build, "inspect": _cmd_inspect, "disasm": _cmd_disasm,
             "targets": _cmd_targets, "doctor": _cmd_doctor, "prewarm": _cmd_prewarm}
