"""Chapter 00 — Welcome: what "the Go platform" really is.

The experiments behind ``notebooks/00_welcome.ipynb``. Each function runs the
real toolchain (offline, through :class:`goenv.Toolchain`) and returns data — a
DataFrame, a small dataclass or a matplotlib Figure — so a notebook cell is one
call and one display:

* :func:`go_version`, :func:`go_env_table` — the toolchain and its settings.
* :func:`go_run_trace`, :func:`time_go_run`, :func:`plot_go_run_times` — what
  ``go run`` really does (errata 1-d).
* :func:`main_package_vs_module` — ``package main`` vs the main module (1-c).
* :func:`runtime_inside`, :func:`plot_package_sizes`, :func:`runtime_share_percent`
  — the runtime is code inside the binary (4.1-a).
* :func:`static_with_net` — "static binary" only holds without cgo (1-a).
* :func:`magic_options`, :func:`doctor_table` — how the course itself works.
* :func:`show` — any of the tables above with its caption and label.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import struct
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..toolchain import Toolchain, default
from .labels import label

LOGGER = logging.getLogger(__name__)

#: The chapter's hello world (also what the notebook's first %%go cell runs).
HELLO = '''package main

import "fmt"

func main() {
	fmt.Println("Hello, Go platform!")
}
'''

#: A program that uses the network resolver and user lookup: the two packages that pull in
#: the C library when cgo is available (errata 1-a).
NET_USER = '''package main

import (
	"fmt"
	"net"
	"os/user"
)

func main() {
	addrs, err := net.LookupHost("localhost")
	fmt.Println("localhost:", addrs, err)
	if u, err := user.Current(); err == nil {
		fmt.Println("user:", u.Username)
	}
}
'''

#: Module path of the scratch modules (its last element names the executable: "hello").
MODULE = "example.com/hello"

#: Variables of ``go env`` the chapter explains, with what each one means.
ENV_MEANINGS = {
    "GOVERSION": "the toolchain's version — stamped into every binary it builds",
    "GOROOT": "where the toolchain lives: go command, compiler, linker, standard library, runtime source",
    "GOOS": "target operating system (default: this machine's)",
    "GOARCH": "target architecture (default: this machine's)",
    "GOCACHE": "build cache: compiled packages and the executables of go run",
    "CGO_ENABLED": "1: packages may call C (needs a C compiler); 0: pure Go",
    "GOTOOLCHAIN": "local: never download a different Go toolchain",
    "GOPROXY": "off: never download modules — the course works offline",
}

# go env values that report the toolchain rather than configure it.
_READ_ONLY = frozenset({"GOVERSION", "GOHOSTOS", "GOHOSTARCH", "GOEXE", "GOMOD", "GOWORK", "GOTOOLDIR"})
# The runtime proper plus the packages it was split into (internal/runtime/atomic, .../maps, ...).
_RUNTIME_PREFIXES = ("internal/runtime/",)
_HASH_RE = re.compile(r"\b([0-9a-f]{8})[0-9a-f]{56}\b")
_HEREDOC_RE = re.compile(r"^cat >(\S+) << '(\w+)'")

# Colours of the package-size chart, by kind of package.
_KIND_COLORS = {
    "runtime": "#1f77b4",
    "your code": "#d62728",
    "standard library": "#9e9e9e",
    "compiler-generated data": "#c7c7c7",
    "linker / assembly": "#e0e0e0",
}


# -- tables -----------------------------------------------------------------------


def show(df: pd.DataFrame, caption: str | None = None):
    """Render a chapter table: caption with its measurement label, no index, left-aligned text.

    Args:
        df: a table from this module (its ``attrs["caption"]`` is used unless ``caption`` is given).
        caption: overrides the table's own caption.

    Returns:
        A pandas Styler, which the notebook displays as an HTML table.
    """
    text = caption or df.attrs.get("caption", "")
    styler = df.style.hide(axis="index").set_properties(**{"text-align": "left"})
    styler = styler.set_table_styles([{"selector": "th", "props": [("text-align", "left")]},
                                      {"selector": "caption", "props": [("caption-side", "top"),
                                                                        ("text-align", "left"),
                                                                        ("font-weight", "bold")]}])
    # Numbers keep their own format; only floats get a fixed, readable precision.
    floats = [c for c in df.columns if pd.api.types.is_float_dtype(df[c])]
    if floats:
        styler = styler.format({c: "{:.3g}" for c in floats})
    return styler.set_caption(text) if text else styler


def _captioned(df: pd.DataFrame, title: str, where: str | None = None) -> pd.DataFrame:
    df.attrs["caption"] = f"{title} — {where or label()}"
    return df


# -- 1. the toolchain -------------------------------------------------------------


def go_version(toolchain: Toolchain | None = None) -> str:
    """Run ``go version`` and return its line.

    Args:
        toolchain: defaults to the course's toolchain.

    Returns:
        For example ``"go version go1.27.3 linux/amd64"``.
    """
    tc = toolchain or default()
    return tc.run_go(["version"], check=True, timeout=60).stdout.strip()


def go_env_table(toolchain: Toolchain | None = None, keys: tuple[str, ...] = tuple(ENV_MEANINGS)) -> pd.DataFrame:
    """The important ``go env`` values, what they mean, and whether goenv pins them.

    Args:
        toolchain: defaults to the course's toolchain.
        keys: the variables to show (default: those in :data:`ENV_MEANINGS`).

    Returns:
        A DataFrame with columns ``variable``, ``value``, ``meaning`` and ``set by``:
        "goenv" for variables the course forces on every go invocation (to stay
        offline and use its own caches), "the toolchain itself" for read-only
        facts such as GOVERSION, "go's default" for the rest.
    """
    tc = toolchain or default()
    env = tc.go_env()
    # What goenv passes explicitly; PATH, HOME and friends only pass through from the host.
    pinned = set(tc.env()) - {"PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "LANG", "LC_ALL", "CC", "CXX"}
    rows = [{"variable": k, "value": env.get(k, ""), "meaning": ENV_MEANINGS.get(k, ""),
             "set by": "goenv" if k in pinned else "the toolchain itself" if k in _READ_ONLY else "go's default"}
            for k in keys]
    return _captioned(pd.DataFrame(rows), "go env")


# -- 2. what go run does (errata 1-d) ---------------------------------------------


def _short(text: str, work: str | None, gocache: str, goroot: str) -> str:
    """Shorten paths for people: $WORK, $GOCACHE, $GOROOT, and 64-digit hashes cut to 8."""
    if work:
        text = text.replace(work, "$WORK")
    text = text.replace(gocache, "$GOCACHE").replace(goroot, "$GOROOT")
    return _HASH_RE.sub(r"\1…", text)


def _argv(line: str) -> list[str]:
    """The words of a ``go -x`` command line, without the ``# internal`` marker and VAR=value prefixes."""
    line = line.split(" # ")[0]
    try:
        words = shlex.split(line)
    except ValueError:  # an unbalanced quote: fall back to plain splitting
        words = line.split()
    while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
        words.pop(0)
    return words


def _flag(words: list[str], name: str) -> str | None:
    for i, w in enumerate(words[:-1]):
        if w == name:
            return words[i + 1]
    return None


def parse_go_run_x(stderr: str, *, gocache: str | os.PathLike, goroot: str | os.PathLike = "",
                   exe_name: str = "hello") -> list[dict]:
    """Turn the ``go run -x`` command log into the steps a learner cares about.

    Shell plumbing (``mkdir``, ``cd``, build-ID stamping, writing import configs)
    is folded away; what remains is compile, link, copies into the build cache
    and running the executable. Import configs are read to count the compiled
    packages handed to the linker.

    Args:
        stderr: what ``go run -x`` printed on standard error.
        gocache: the GOCACHE in effect (to tell cache paths from work paths).
        goroot: the GOROOT in effect (shortened to ``$GOROOT`` in the output).
        exe_name: the executable's file name (the module path's last element).

    Returns:
        One dict per step: ``step`` (what happened), ``tool``, ``output`` (the
        file written or run, with paths shortened), ``lives in``, and the raw
        ``path``.
    """
    gocache, goroot = str(gocache), str(goroot) or "\0"
    lines = stderr.splitlines()
    work = next((ln.split("=", 1)[1].strip() for ln in lines if ln.startswith("WORK=")), None)
    steps: list[dict] = []
    linked_packages: int | None = None
    links_runtime = False
    heredoc_end: str | None = None
    heredoc_file = ""
    for raw in lines:
        line = raw.strip()
        if heredoc_end is not None:  # inside "cat >file << 'EOF'": count what the linker is given
            if line == heredoc_end:
                heredoc_end = None
            elif heredoc_file.endswith("importcfg.link") and line.startswith("packagefile "):
                linked_packages = (linked_packages or 0) + 1
                links_runtime = links_runtime or line.startswith("packagefile runtime=")
            continue
        m = _HEREDOC_RE.match(line)
        if m:
            heredoc_file, heredoc_end = m.group(1), m.group(2)
            continue
        if not line or line.startswith(("WORK=", "mkdir ", "cd ", "rm ", "#")):
            continue
        words = _argv(line)
        if not words:
            continue
        cmd = os.path.basename(words[0])
        where = _where(words[-1] if cmd == "cp" else _flag(words, "-o") or words[0], work, gocache)
        if cmd == "compile":
            srcs = [os.path.basename(w) for w in words if w.endswith(".go")]
            out = _flag(words, "-o") or ""
            steps.append(_step(f"compile {', '.join(srcs) or 'the package'} to a package archive",
                               "compile", out, where, work, gocache, goroot))
        elif cmd == "link":
            out = _flag(words, "-o") or ""
            what = f"{linked_packages} compiled packages" if linked_packages else "the compiled packages"
            what += " (runtime included)" if links_runtime else ""
            steps.append(_step(f"link {what} into an executable", "link", out, where, work, gocache, goroot))
        elif cmd == "cp" and len(words) >= 3 and words[-1].startswith(gocache):
            what = "executable" if os.path.basename(words[-1]) == exe_name else "package archive"
            steps.append(_step(f"save the {what} in the build cache", "cp", words[-1], where, work, gocache, goroot))
        elif cmd in ("asm", "cgo", "gcc", "cc", "pack"):
            out = _flag(words, "-o") or ""
            steps.append(_step(f"{cmd} step", cmd, out, where, work, gocache, goroot))
        elif os.path.basename(words[0]) == exe_name:
            steps.append(_step("run the executable", "(your program)", words[0], where, work, gocache, goroot))
    return steps


def _where(path: str | None, work: str | None, gocache: str) -> str:
    if path and path.startswith(gocache):
        return "build cache (kept)"
    if path and work and (path.startswith(work) or path.startswith("$WORK")):
        return "temporary work dir (deleted)"
    return ""


def _step(what: str, tool: str, path: str, where: str, work, gocache, goroot) -> dict:
    return {"step": what, "tool": tool, "output": _short(path, work, gocache, goroot), "lives in": where,
            "path": path.replace("$WORK", work or "$WORK")}


@dataclass(frozen=True)
class GoRunTrace:
    """``go run -x`` after an edit and again unchanged, digested.

    Attributes:
        steps: one row per step of both runs (columns ``run``, ``#``, ``step``,
            ``tool``, ``output``, ``lives in``).
        compile_steps: compile commands in the run after the edit.
        link_steps: link commands in the run after the edit.
        rerun_compile_steps: compile plus link commands in the unchanged rerun.
        cached_executable: absolute path of the executable in the build cache
            (None if go run did not cache it).
        cached_executable_exists: that file exists now, after ``go run`` returned.
        rerun_from_cache: the unchanged rerun started the executable straight from the cache.
        program_output: what the program printed (both runs).
        seconds: wall time of each ``go run`` (after edit, unchanged).
        raw: the two ``-x`` logs, for the curious.
        label: Go version, target, native/emulated.
    """

    steps: pd.DataFrame
    compile_steps: int
    link_steps: int
    rerun_compile_steps: int
    cached_executable: str | None
    cached_executable_exists: bool
    rerun_from_cache: bool
    program_output: tuple[str, str]
    seconds: tuple[float, float]
    raw: tuple[str, str] = field(repr=False, default=("", ""))
    label: str = ""

    def evidence(self) -> dict:
        """The measurements the myth check rests on, as short readable values."""
        tc = default()
        exe = self.cached_executable or "none"
        return {
            "compile steps after the edit": self.compile_steps,
            "link steps after the edit": self.link_steps,
            "compile + link steps when rerun unchanged": self.rerun_compile_steps,
            "executable kept in the build cache": _short(exe, None, str(tc.gocache), str(tc.goroot)),
            "that file still exists after go run": self.cached_executable_exists,
        }


def _write_module(directory: Path, source: str, toolchain: Toolchain) -> None:
    major, minor, _ = toolchain.version_tuple
    (directory / "go.mod").write_text(f"module {MODULE}\n\ngo {major}.{minor}\n")
    (directory / "main.go").write_text(source)


def edited_hello(tag: str | None = None) -> str:
    """The hello world with a fresh greeting, as if the learner had just edited it.

    Changing a string (not only a comment) changes the compiled package, so the
    go command must compile *and* link again.
    """
    tag = tag or uuid.uuid4().hex[:6]
    return HELLO.replace("Hello, Go platform!", f"Hello, Go platform! (edit {tag})")


def go_run_trace(toolchain: Toolchain | None = None) -> GoRunTrace:
    """Run ``go run -x .`` in a fresh module after an edit, then again unchanged.

    Args:
        toolchain: defaults to the course's toolchain.

    Returns:
        A :class:`GoRunTrace`. If ``go run`` fails, the steps table says so in one
        row and the counts are zero; it does not raise.
    """
    tc = toolchain or default()
    exe_name = MODULE.rsplit("/", 1)[-1]
    runs, outputs, logs, secs = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="ch00-gorun-") as d:
        _write_module(Path(d), edited_hello(), tc)
        for _ in range(2):  # 1: just edited; 2: unchanged
            t0 = time.perf_counter()
            proc = tc.run_go(["run", "-x", "."], cwd=d, timeout=300)
            secs.append(time.perf_counter() - t0)
            logs.append(proc.stderr)
            outputs.append(proc.stdout)
            steps = parse_go_run_x(proc.stderr, gocache=tc.gocache, goroot=tc.goroot, exe_name=exe_name)
            if proc.returncode != 0:
                last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                steps.append({"step": f"go run failed: {last}", "tool": "go", "output": "", "lives in": "", "path": ""})
            runs.append(steps)
    first, second = runs
    rows = [{"run": run, "#": i + 1, **{k: v for k, v in s.items() if k != "path"}}
            for run, steps in (("after an edit", first), ("unchanged", second)) for i, s in enumerate(steps)]
    cache_dir = str(tc.gocache)
    cached = next((s["path"] for s in second if s["tool"] == "(your program)" and s["path"].startswith(cache_dir)), None)
    if cached is None:  # fall back to the copy the first run made
        cached = next((s["path"] for s in first if s["tool"] == "cp" and s["path"].endswith("/" + exe_name)), None)
    table = _captioned(pd.DataFrame(rows, columns=["run", "#", "step", "tool", "output", "lives in"]),
                       "What go run -x did")
    return GoRunTrace(
        steps=table,
        compile_steps=sum(s["tool"] == "compile" for s in first),
        link_steps=sum(s["tool"] == "link" for s in first),
        rerun_compile_steps=sum(s["tool"] in ("compile", "link") for s in second),
        cached_executable=cached,
        cached_executable_exists=bool(cached and os.path.isfile(cached)),
        rerun_from_cache=any(s["tool"] == "(your program)" and s["lives in"].startswith("build cache") for s in second),
        program_output=(outputs[0], outputs[1]),
        seconds=(secs[0], secs[1]),
        raw=(logs[0], logs[1]),
        label=label(),
    )


def time_go_run(runs: int = 5, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Time ``go run .`` right after an edit and when nothing changed, ``runs`` times each.

    Args:
        runs: rounds; each round edits the greeting, runs, then runs again unchanged.
        toolchain: defaults to the course's toolchain.

    Returns:
        A DataFrame with columns ``round``, ``situation`` ("after an edit" or
        "unchanged") and ``seconds`` (wall time of the whole ``go run``, program included).
    """
    tc = toolchain or default()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ch00-time-") as d:
        for r in range(1, runs + 1):
            _write_module(Path(d), edited_hello(), tc)
            for situation in ("after an edit", "unchanged"):
                t0 = time.perf_counter()
                proc = tc.run_go(["run", "."], cwd=d, timeout=300)
                elapsed = time.perf_counter() - t0
                if proc.returncode != 0:
                    LOGGER.warning("go run failed: %s", proc.stderr.strip())
                    continue
                rows.append({"round": r, "situation": situation, "seconds": elapsed})
    return _captioned(pd.DataFrame(rows, columns=["round", "situation", "seconds"]), "go run wall time")


def plot_go_run_times(times: pd.DataFrame):
    """Dot plot of :func:`time_go_run`: every run as a dot, the median as a bar.

    Returns:
        A matplotlib Figure (not registered with pyplot, so it is displayed once).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3.2), layout="constrained")
    ax = fig.subplots()
    situations = ["after an edit", "unchanged"]
    colors = ["#d62728", "#1f77b4"]
    for i, (sit, color) in enumerate(zip(situations, colors)):
        vals = times.loc[times["situation"] == sit, "seconds"].to_numpy() * 1000
        if len(vals) == 0:
            continue
        med = float(pd.Series(vals).median())
        ax.barh(i, med, color=color, alpha=0.35, height=0.6)
        ax.scatter(vals, [i] * len(vals), color=color, zorder=3, s=22)
        ax.annotate(f"median {med:.0f} ms", (med, i + 0.32), fontsize=9, va="bottom")
    ax.set_yticks(range(len(situations)), ["after an edit\n(compile + link + run)", "unchanged\n(run from cache)"])
    ax.set_ylim(-0.6, len(situations) - 0.2)
    ax.set_xlabel("wall time of `go run .` (ms)")
    # Room on the right for the slowest dot and the median's label.
    ax.set_xlim(0, max(float(times["seconds"].max()) * 1000 * 1.15, 1.0))
    ax.set_title(f"go run: edited vs unchanged source ({times['round'].nunique()} rounds)\n{label()}", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return fig


# -- 3. package main vs the main module (errata 1-c) ------------------------------


def main_package_vs_module(toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Build the same one-file module twice, once as ``package main`` and once as ``package foo``.

    For each, ask the go command for the main module (``go list -m``), the package
    (``go list``), and what ``go build .`` and ``go run .`` do.

    Args:
        toolchain: defaults to the course's toolchain.

    Returns:
        A DataFrame, one row per package clause.
    """
    tc = toolchain or default()
    rows = []
    for clause in ("main", "foo"):
        body = HELLO if clause == "main" else 'package foo\n\nfunc Hello() string { return "Hello" }\n'
        with tempfile.TemporaryDirectory(prefix="ch00-pkg-") as d:
            _write_module(Path(d), body, tc)
            module = tc.run_go(["list", "-m"], cwd=d, timeout=120).stdout.strip()
            pkg = tc.run_go(["list", "-f", "{{.Name}} ({{.ImportPath}})", "."], cwd=d, timeout=120).stdout.strip()
            before = set(os.listdir(d))
            b = tc.run_go(["build", "."], cwd=d, timeout=300)
            made = sorted(set(os.listdir(d)) - before)
            if b.returncode != 0:
                built = f"fails: {_last_line(b.stderr)}"
            elif made:
                built = f"writes the executable {', '.join(made)}"
            else:
                built = "succeeds, writes nothing (a library, not a program)"
            r = tc.run_go(["run", "."], cwd=d, timeout=300)
            ran = f"prints {r.stdout.strip()!r}" if r.returncode == 0 else f"fails: {_last_line(r.stderr)}"
        rows.append({"first line": f"package {clause}", "main module (go list -m)": module,
                     "package (go list)": pkg, "go build .": built, "go run .": ran})
    return _captioned(pd.DataFrame(rows), "Same module, two package clauses")


def _last_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[-1]


# -- 4. the runtime inside the binary (errata 4.1-a) ------------------------------


def package_kind(package: str) -> str:
    """Classify a package of :func:`goenv.inspection.symbol_package` for the size chart.

    Returns:
        "runtime", "your code" (``main``), "compiler-generated data" (``go:*``,
        ``type:*``), "linker / assembly" (``(linker)``, ``(other)``) or "standard library".
    """
    if package == "runtime" or package.startswith(_RUNTIME_PREFIXES):
        return "runtime"
    if package == "main":
        return "your code"
    if package in ("go:*", "type:*"):
        return "compiler-generated data"
    if package.startswith("("):
        return "linker / assembly"
    return "standard library"


@dataclass(frozen=True)
class RuntimeInside:
    """What a hello-world executable contains, measured.

    Attributes:
        binary: path of the executable (in goenv's binary cache).
        description: one line in the style of ``file``.
        file_bytes: size of the file.
        sizes: DataFrame with ``package``, ``kind``, ``bytes`` and ``share`` (of all
            symbol bytes), largest first.
        runtime_share: fraction of symbol bytes in runtime and internal/runtime/*.
        main_bytes: symbol bytes of your own package ``main``.
        static: no dynamic loader and no shared libraries.
        interpreter: the ELF interpreter (dynamic loader), None for a static binary.
        needed: shared libraries the binary asks for.
        entry_symbol: the symbol at the executable's entry point (ELF), e.g. ``_rt0_amd64_linux``.
        label: Go version, target, native/emulated.
    """

    binary: str
    description: str
    file_bytes: int
    sizes: pd.DataFrame
    runtime_share: float
    main_bytes: int
    static: bool
    interpreter: str | None
    needed: tuple[str, ...]
    entry_symbol: str | None
    label: str

    @property
    def entry_is_runtime(self) -> bool:
        """The first instruction the kernel jumps to is the runtime's own start-up code."""
        return bool(self.entry_symbol) and (self.entry_symbol.startswith(("_rt0_", "runtime."))
                                            or package_kind(self.entry_symbol.split(".")[0]) == "runtime")

    def evidence(self) -> dict:
        """The measurements the myth check rests on, as short readable values."""
        return {
            "file": self.description,
            "dynamic loader (interpreter)": self.interpreter or "none",
            "shared libraries needed": ", ".join(self.needed) or "none",
            "entry point (first instruction run)": self.entry_symbol or "unknown",
            "runtime share of symbol bytes": f"{self.runtime_share:.0%}",
            "your package main": f"{self.main_bytes} bytes",
        }


def runtime_inside(source: str = HELLO, toolchain: Toolchain | None = None) -> RuntimeInside:
    """Build ``source`` for this machine and measure what is inside the executable.

    Args:
        source: a main package (default: the chapter's hello world).
        toolchain: defaults to the course's toolchain.

    Returns:
        A :class:`RuntimeInside`.

    Raises:
        RuntimeError: the program did not build, or the binary has no symbols to measure.
    """
    from ..build import build
    from ..inspection import file_description, inspect_binary

    tc = toolchain or default()
    b = build(source, toolchain=tc)
    if not b.ok:
        raise RuntimeError(f"the program did not build: {b.message}")
    info = inspect_binary(b.binary, toolchain=tc)
    if not info.size_by_package:
        raise RuntimeError(f"{b.binary} has no Go symbols to measure (stripped?)")
    total = sum(info.size_by_package.values())
    sizes = pd.DataFrame([{"package": p, "kind": package_kind(p), "bytes": n, "share": n / total}
                          for p, n in info.size_by_package.items()])
    return RuntimeInside(
        binary=b.binary, description=file_description(info), file_bytes=info.size, sizes=sizes,
        runtime_share=float(info.runtime_share or 0.0), main_bytes=int(info.size_by_package.get("main", 0)),
        static=info.linkage == "static" and not info.interpreter and not info.needed,
        interpreter=info.interpreter, needed=tuple(info.needed), entry_symbol=entry_symbol(b.binary, toolchain=tc),
        label=label(b),
    )


def entry_symbol(binary: str | os.PathLike, toolchain: Toolchain | None = None) -> str | None:
    """The name of the function at an ELF executable's entry point (None for other formats).

    The kernel starts a static executable by jumping to ``e_entry``; naming that
    address shows whose code runs first.
    """
    with open(binary, "rb") as f:
        head = f.read(64)
    if head[:4] != b"\x7fELF" or len(head) < 32:
        return None
    is64, order = head[4] == 2, "<" if head[5] == 1 else ">"
    entry = struct.unpack_from(order + ("Q" if is64 else "I"), head, 24)[0]
    tc = toolchain or default()
    res = tc.run_go(["tool", "nm", str(binary)], timeout=120)
    for line in res.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1] in "Tt" and int(parts[0], 16) == entry:
            return parts[2]
    return None


def plot_package_sizes(rt: RuntimeInside, top: int = 10):
    """Horizontal bar chart of the largest packages in the binary, coloured by kind.

    Your own ``main`` package is always shown, even when it is far too small to
    make the top list — that contrast is the point.

    Args:
        rt: a measurement from :func:`runtime_inside`.
        top: how many of the largest packages to show.

    Returns:
        A matplotlib Figure (not registered with pyplot, so it is displayed once).
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    df = rt.sizes.head(top)
    if "main" not in set(df["package"]):
        df = pd.concat([df, rt.sizes[rt.sizes["package"] == "main"]])
    df = df.iloc[::-1]  # largest at the top
    fig = Figure(figsize=(8, 0.38 * len(df) + 1.6), layout="constrained")
    ax = fig.subplots()
    kib = df["bytes"] / 1024
    ax.barh(df["package"], kib, color=[_KIND_COLORS[k] for k in df["kind"]])
    for y, (pkg, v, n, share) in enumerate(zip(df["package"], kib, df["bytes"], df["share"])):
        # A share that rounds to 0.0% says nothing; the byte count of a tiny package does.
        text = f" {share:.1%}" if share >= 0.001 else f" {int(n)} bytes"
        ax.annotate(text + (" ← your code" if pkg == "main" else ""), (v, y), va="center", fontsize=8)
    ax.set_xlabel("symbol bytes (KiB)")
    ax.set_xlim(0, kib.max() * 1.15)
    kinds = [k for k in _KIND_COLORS if k in set(df["kind"])]
    ax.legend(handles=[Patch(color=_KIND_COLORS[k], label=k) for k in kinds], loc="lower right", fontsize=8)
    ax.set_title(f"What a hello-world binary is made of (runtime: {rt.runtime_share:.0%} of symbol bytes)\n"
                 f"{rt.label}", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return fig


def runtime_share_percent(toolchain: Toolchain | None = None) -> float:
    """The runtime's share of a hello-world binary's symbol bytes, in percent (rounded)."""
    return round(100 * runtime_inside(toolchain=toolchain).runtime_share)


# -- 5. "static binary" needs care (errata 1-a) ------------------------------------

STATIC = "statically linked — needs nothing else"
DYNAMIC = "dynamically linked — needs the system C library"


def static_with_net(toolchain: Toolchain | None = None) -> tuple[str, str]:
    """Build :data:`NET_USER` with default settings and with ``CGO_ENABLED=0``; report the linkage.

    This is the reveal of a ``course.predict`` question: the first element is the
    right option (:data:`STATIC` or :data:`DYNAMIC`) for the default build.

    Returns:
        (right option, explanation built from what was measured).
    """
    from ..build import build
    from ..inspection import file_description, inspect_binary

    tc = toolchain or default()
    cgo_default = tc.go_env().get("CGO_ENABLED", "0")
    found = {}
    # The default build passes the default explicitly: goenv's binary cache keys on the options, not on
    # whether a C compiler is on PATH, so cgo=None could return a binary built when one was.
    for name, cgo in (("default", int(cgo_default == "1")), ("CGO_ENABLED=0", 0)):
        b = build(NET_USER, toolchain=tc, cgo=cgo)
        if not b.ok:
            found[name] = None
            continue
        found[name] = inspect_binary(b.binary, toolchain=tc, symbols=False)
    info = found["default"]
    if info is None:
        raise RuntimeError("the net/os/user program did not build")
    right = DYNAMIC if info.is_dynamic else STATIC
    if info.is_dynamic:
        why = (f"Here CGO_ENABLED defaults to {cgo_default} (a C compiler is installed), so net and os/user "
               f"use the C library: {file_description(info)}; needs {', '.join(info.needed) or 'shared libraries'}.")
    else:
        why = (f"Here CGO_ENABLED defaults to {cgo_default}"
               + (" (no C compiler was found, so Go turned cgo off)" if cgo_default == "0" else "")
               + f": {file_description(info)}. On a machine with a C compiler, the default build would be dynamic.")
    pure = found["CGO_ENABLED=0"]
    if pure is not None and cgo_default == "1":  # otherwise the default build already was this one
        why += (" With CGO_ENABLED=0 the same program is "
                + ("dynamically linked." if pure.is_dynamic else "statically linked: Go's own resolver, no C library."))
    return right, why + " Chapter 03 digs into this."


# -- 6. how the course works ---------------------------------------------------------

#: The %%go options the welcome chapter introduces, with an example each.
MAGIC_EXAMPLES = {
    "--target": "%%go --target linux/arm64",
    "--cgo": "%%go --cgo 0",
    "--ldflags": "%%go --ldflags '-s -w'",
    "--godebug": "%%go --godebug gctrace=1",
    "--name": "%%go --name hello",
    "--out": "%%go --out result",
    "--build-only": "%%go --build-only --target windows/amd64",
    "--disasm": "%%go --disasm main.add",
    "--timeout": "%%go --timeout 30",
}


def magic_options(options: tuple[str, ...] = tuple(MAGIC_EXAMPLES)) -> pd.DataFrame:
    """A cheat sheet of ``%%go`` options, read from the magic's own argument parser.

    Args:
        options: the options to list (default: the ones in :data:`MAGIC_EXAMPLES`).

    Returns:
        A DataFrame with columns ``option``, ``what it does`` and ``example``.
        ``%%go?`` in a cell shows every option.
    """
    from ..magic import GoMagics

    helps = {s: a.help for a in GoMagics.go.parser._actions for s in a.option_strings}
    rows = [{"option": o, "what it does": helps.get(o, "(not an option of this goenv version)"),
             "example": MAGIC_EXAMPLES.get(o, "")} for o in options]
    df = pd.DataFrame(rows)
    df.attrs["caption"] = "Some %%go options (all of them: run %%go? in a cell)"
    return df


def container_memory_limit() -> int | None:
    """The memory limit of this container (cgroup v2 or v1) in bytes, or None when unlimited."""
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text == "max":
            return None
        try:
            value = int(text)
        except ValueError:
            continue
        return None if value >= 2**60 else value  # cgroup v1 writes "unlimited" as a huge number
    return None


def on_binder() -> bool:
    """True when this session runs on mybinder.org (BinderHub sets BINDER_* variables)."""
    return any(k.startswith("BINDER_") for k in os.environ)


def doctor_table(report: dict | None = None) -> pd.DataFrame:
    """What ``python -m goenv doctor`` reports, as a table for the notebook.

    Args:
        report: a :func:`goenv.doctor.report` dict (default: made now).

    Returns:
        A DataFrame with columns ``check`` and ``this session``.
    """
    from ..display import size_text
    from ..doctor import report as make_report

    rep = report if report is not None else make_report()
    go = rep.get("go")
    rows = [("Running on", "mybinder.org" if on_binder() else "your own / your organisation's Jupyter")]
    if go is None:
        rows.append(("Go toolchain", "not found — see 'Problems'"))
    else:
        rows.append(("Go toolchain", f"{go['version']} ({go['host']}) from {go['source']}"))
        cache = rep["caches"]["GOCACHE"]
        rows.append(("Build cache (GOCACHE)", f"{cache['path']} ({size_text(cache['bytes'])})"))
        emus = rep["emulators"]
        have = sorted(a for a, e in emus.items() if e["path"])
        rows.append(("qemu-user emulators", f"{len(have)} of {len(emus)}: {', '.join(have)}" if have
                     else "none — foreign architectures build but do not run"))
        rows.append(("C compiler (cgo)", rep["c_compiler"] or "none — cgo experiments are skipped"))
        rows.append(("Network for your programs", rep["isolation"]["network"]))
        lim = rep["limits"]
        rows.append(("Limits per program run", f"{lim['wall_time_s']:g} s wall time, "
                                               f"{lim['memory_bytes'] // 2**20} MiB memory"))
    mem = container_memory_limit()
    rows.append(("Memory limit of this session", size_text(mem) if mem else "no container limit found"))
    rows.append(("Problems", "; ".join(rep["problems"]) or "none"))
    df = pd.DataFrame(rows, columns=["check", "this session"])
    df.attrs["caption"] = "goenv doctor"
    return df


__all__ = [
    "HELLO", "NET_USER", "MODULE", "ENV_MEANINGS", "STATIC", "DYNAMIC", "MAGIC_EXAMPLES",
    "show", "go_version", "go_env_table", "parse_go_run_x", "GoRunTrace", "edited_hello", "go_run_trace",
    "time_go_run", "plot_go_run_times", "main_package_vs_module", "package_kind", "RuntimeInside",
    "runtime_inside", "entry_symbol", "plot_package_sizes", "runtime_share_percent", "static_with_net",
    "magic_options", "container_memory_limit", "on_binder", "doctor_table",
]
