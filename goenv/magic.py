"""The ``%%go`` cell magic: ``%load_ext goenv``, then run Go in a cell.

    %%go --goarch arm64 --godebug schedtrace=100 --name sched
    package main
    ...

The cell is the program (``main.go``; a cell that starts with ``-- name --``
lines is a txtar archive of several files). Output streams into the cell as it
arrives; a summary line follows. Compile errors name the cell's own lines.
The result is stored in ``_go`` (and in ``--out VAR``) for the next Python cell,
and ``--name NAME`` keeps the program for later cells, widgets and graders
(``goenv.magic.program(NAME)``). The magic never raises for the learner's own
mistakes (they are shown, and the notebook goes on) unless ``--raise`` is given.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field

from IPython.core import magic_arguments
from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.display import HTML, display

from . import api
from .build import build
from .display import result_bundle, table_html
from .errors import GoEnvError, InvalidOption
from .options import BuildOptions
from .results import BuildResult, RunResult
from .workspace import Program


@dataclass
class NamedProgram:
    """A program kept by ``--name``: its source, the options it was last built with, its last result."""

    program: Program
    options: BuildOptions
    env: dict = field(default_factory=dict)
    result: RunResult | BuildResult | None = None


_PROGRAMS: dict[str, NamedProgram] = {}


def program(name: str) -> NamedProgram:
    """The program a ``%%go --name NAME`` cell kept (KeyError with the known names otherwise)."""
    try:
        return _PROGRAMS[name]
    except KeyError:
        raise KeyError(f"no %%go cell has run with --name {name!r} yet; known: {sorted(_PROGRAMS)}") from None


def programs() -> dict[str, NamedProgram]:
    return dict(_PROGRAMS)


class GoCellFailed(GoEnvError):
    """Raised by ``%%go --raise`` when the program did not build or did not exit with 0."""


def _unquote(text: str) -> str:
    # IPython splits magic lines non-POSIX style, so '-s -w' arrives with its quotes.
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _unquote_all(args):
    for key, value in vars(args).items():
        if isinstance(value, str):
            setattr(args, key, _unquote(value))
        elif isinstance(value, list):
            setattr(args, key, [_unquote(v) if isinstance(v, str) else v for v in value])
    return args


def _unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\t", "\t")


@magics_class
class GoMagics(Magics):
    """IPython magics for Go."""

    @magic_arguments.magic_arguments()
    @magic_arguments.argument("--target", help="GOOS/GOARCH, e.g. linux/arm64 (or use --goos/--goarch)")
    @magic_arguments.argument("--goos", help="target operating system")
    @magic_arguments.argument("--goarch", help="target architecture")
    @magic_arguments.argument("--goamd64", help="amd64 level v1..v4")
    @magic_arguments.argument("--goarm64", help="arm64 level v8.0..v9.5")
    @magic_arguments.argument("--goarm", help="arm level 5, 6, 7")
    @magic_arguments.argument("--cgo", help="CGO_ENABLED: 0 or 1 only")
    @magic_arguments.argument("--tags", help="comma-separated build tags")
    @magic_arguments.argument("--ldflags", help="linker flags, quoted: --ldflags '-s -w'")
    @magic_arguments.argument("--gcflags", help="compiler flags")
    @magic_arguments.argument("--trimpath", action="store_true", help="build with -trimpath")
    @magic_arguments.argument("--race", action="store_true", help="build with the race detector")
    @magic_arguments.argument("--godebug", help="GODEBUG for the program, e.g. schedtrace=100")
    @magic_arguments.argument("--gomaxprocs", type=int, help="GOMAXPROCS for the program")
    @magic_arguments.argument("--env", action="append", default=[], metavar="K=V", help="extra environment")
    @magic_arguments.argument("--args", default="", help="program arguments, quoted: --args 'a b'")
    @magic_arguments.argument("--stdin", help="text for standard input (\\n for newlines)")
    @magic_arguments.argument("--stdin-var", help="name of a Python variable holding standard input")
    @magic_arguments.argument("--timeout", type=float, help="wall-time limit in seconds (default 10)")
    @magic_arguments.argument("--memory", type=int, metavar="MIB", help="memory limit in MiB (default 512)")
    @magic_arguments.argument("--bench", metavar="REGEXP", help="run benchmarks (the cell is a _test.go file)")
    @magic_arguments.argument("--benchtime", help="-test.benchtime, e.g. 200ms or 1000x")
    @magic_arguments.argument("--count", type=int, default=1, help="-test.count")
    @magic_arguments.argument("--test", action="store_true", help="run the cell's tests (the cell is a _test.go file)")
    @magic_arguments.argument("--disasm", metavar="FUNC", help="show FUNC's instructions instead of running")
    @magic_arguments.argument("--build-only", action="store_true", help="build and report, do not run")
    @magic_arguments.argument("--name", help="keep the program under this name for later cells and widgets")
    @magic_arguments.argument("--out", metavar="VAR", help="also store the result in this variable")
    @magic_arguments.argument("--quiet", action="store_true", help="no summary line when the run succeeds")
    @magic_arguments.argument("--raise", dest="raise_", action="store_true",
                              help="raise an error when the program fails (for tests and graders)")
    @cell_magic
    def go(self, line: str, cell: str):
        """Build and run the cell as a Go program. See ``%%go?`` for the options."""
        args = _unquote_all(magic_arguments.parse_argstring(self.go, line))
        try:
            result = self._run(args, cell)
        except GoEnvError as exc:
            if args.raise_:
                raise
            display({"text/plain": f"✗ {exc}",
                     "text/html": f"<div class='goenv-result goenv-error' style='white-space:pre-wrap;"
                                  f"border-left:4px solid var(--jp-error-color1,#d32f2f);padding:4px 8px'>"
                                  f"✗ {_esc(str(exc))}</div>"}, raw=True)
            return None
        self.shell.user_ns["_go"] = result
        if args.out:
            self.shell.user_ns[args.out] = result
        if args.raise_ and not _succeeded(result):
            raise GoCellFailed(result.message if isinstance(result, RunResult) else result.message)
        return None

    # -- implementation --------------------------------------------------
    def _run(self, args, cell: str):
        opts = _options(args)
        env = _env(args)
        filename = "prog_test.go" if (args.bench or args.test) else "main.go"
        if cell.lstrip().startswith("-- "):
            prog = Program.coerce(cell, name=args.name or "prog")
        else:
            prog = Program.from_source(cell, name=args.name or "prog", filename=filename)
        if args.bench or args.test:
            opts = BuildOptions.coerce(opts, mode="test")
        if args.name:
            _PROGRAMS[args.name] = NamedProgram(prog, opts, env)
        label = "cell" if len(prog.files) == 1 else None
        limits = {}
        if args.timeout:
            limits["wall_time_s"] = args.timeout
        if args.memory:
            limits["memory_bytes"] = args.memory * 2**20

        if args.disasm or args.build_only:
            b = build(prog, opts)
            self._remember(args.name, b)
            if not b.ok:
                display(result_bundle(b, label=label), raw=True)
                return b
            if args.disasm:
                _show_disasm(b, args.disasm)
            display(result_bundle(b, label=label), raw=True)
            return b

        stdin = None
        if args.stdin_var:
            if args.stdin_var not in self.shell.user_ns:
                raise UsageError(f"--stdin-var: no variable named {args.stdin_var!r}")
            stdin = self.shell.user_ns[args.stdin_var]
        elif args.stdin is not None:
            stdin = _unescape(args.stdin)
        run_args = shlex.split(args.args) if args.args else []

        def live(stream: str, text: str) -> None:
            f = sys.stdout if stream == "stdout" else sys.stderr
            f.write(text)
            f.flush()

        if args.bench or args.test:
            result = api.test(prog, opts, bench=args.bench, count=args.count, benchtime=args.benchtime,
                              verbose=args.test, extra_args=run_args, stdin=stdin, env=env,
                              limits=limits or None, on_output=live)
        else:
            result = api.run(prog, opts, args=run_args, stdin=stdin, env=env, limits=limits or None,
                             on_output=live)
        self._remember(args.name, result)
        if not (args.quiet and _succeeded(result)):
            display(result_bundle(result, label=label), raw=True)
        return result

    @staticmethod
    def _remember(name: str | None, result) -> None:
        if name and name in _PROGRAMS:
            _PROGRAMS[name].result = result


def _options(args) -> BuildOptions:
    goos, goarch = args.goos, args.goarch
    if args.target:
        t_os, sep, t_arch = args.target.partition("/")
        if not sep:
            raise UsageError(f"--target must look like linux/arm64, not {args.target!r}")
        goos, goarch = goos or t_os, goarch or t_arch
    return BuildOptions.coerce(
        None, goos=goos, goarch=goarch, goamd64=args.goamd64, goarm64=args.goarm64, goarm=args.goarm,
        cgo=args.cgo, tags=args.tags, ldflags=args.ldflags, gcflags=args.gcflags,
        trimpath=args.trimpath or None, race=args.race or None,
    )


def _env(args) -> dict:
    try:
        return api.program_env(args.env, godebug=args.godebug, gomaxprocs=args.gomaxprocs)
    except InvalidOption as exc:
        raise UsageError(str(exc)) from None  # a malformed magic line, like any other usage error


def _succeeded(result) -> bool:
    return result.ok


def _show_disasm(b: BuildResult, func: str) -> None:
    from .disasm import classify, disassemble

    rows = []
    for inst in disassemble(b.binary, func):
        kind = classify(inst, b.goarch)
        rows.append({"line": f"{inst.file}:{inst.line}", "address": f"{inst.address:#x}",
                     "instruction": inst.decoded or inst.text, "note": kind or ""})
    display(HTML(f"<div><b>{_esc(func)}</b> for {b.goos}/{b.goarch} ({b.go_version})</div>"
                 + table_html(rows, ["line", "address", "instruction", "note"])))


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def load_ipython_extension(ipython) -> None:
    """``%load_ext goenv``."""
    ipython.register_magics(GoMagics)


__all__ = ["GoMagics", "program", "programs", "load_ipython_extension", "GoCellFailed"]
