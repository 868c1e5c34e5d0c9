"""Chapter 05 — build constraints (seed 4.3): the experiments behind the notebook.

Every function here asks the real go command and returns something a notebook
cell displays as is: a DataFrame (shown by :func:`table`, labelled in
``frame.attrs["label"]``), a matplotlib Figure, a myth check or a "check
yourself" widget. Which files a target compiles is never worked out in Python:
``go list`` decides (through :mod:`goenv.golist`), ``go build`` (through
:func:`goenv.build`) proves it, and ``gofmt``, ``go fix`` and ``go vet`` are run
on real files in a throwaway module.

Programs are several files (a ``platform`` package next to ``main.go``): they
are :class:`goenv.workspace.Program` s, written to a temporary module only for
the go command's duration, with goenv's offline environment
(:meth:`goenv.toolchain.Toolchain.env`).

Example::

    from goenv.course import ch05
    sel = ch05.file_selection(ch05.PLATFORM, ch05.FAST_TARGETS)
    ch05.table(sel)
    ch05.heatmap(sel)
"""

from __future__ import annotations

import functools
import logging
import os
import re
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from ..build import build, language_version
from ..errors import GoEnvError
from ..golist import files_per_target
from ..targets import parse_target
from ..toolchain import Toolchain, default
from ..workspace import Program, remove_dir
from .labels import label as course_label
from .myth import MythCheck, myth_check
from .quiz import choice, predict
from .tables import show, show_go

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure
    from pandas.io.formats.style import Styler

LOGGER = logging.getLogger(__name__)

__all__ = [
    "PLATFORM", "FALLBACK", "EDITION", "PLUSBUILD", "MATRIX_TARGETS", "FAST_TARGETS", "TAGGED_COLUMN",
    "table", "show_go", "suffix_of", "files_overview", "file_selection", "heatmap", "FREEBSD_OPTIONS", "freebsd_reveal",
    "question_freebsd", "stdlib_constraints", "runtime_selection", "plot_runtime", "fallback_builds",
    "constraint_syntax", "myth_fallback", "question_syntax", "tags_table", "plusbuild_selection",
    "MISMATCH_OPTIONS", "mismatch_reveal", "question_mismatch", "tool_checks", "help_excerpt", "myth_plusbuild",
]

#: The targets of the chapter's matrix (all prewarmed by ``python -m goenv prewarm``).
MATRIX_TARGETS = (
    "linux/amd64", "linux/arm64", "linux/386", "linux/riscv64", "darwin/amd64", "darwin/arm64",
    "windows/amd64", "windows/arm64", "freebsd/amd64", "js/wasm", "wasip1/wasm",
)
#: The FAST sample: every kind of column still appears (Linux on two architectures, macOS,
#: Windows, a Unix without its own file, a non-Unix without one).
FAST_TARGETS = ("linux/amd64", "linux/arm64", "darwin/arm64", "windows/amd64", "freebsd/amd64", "js/wasm")
#: The extra column of the selection matrix: a target listed with a custom tag.
TAGGED_COLUMN = ("linux/amd64", ("pro",))

# -- the chapter's programs --------------------------------------------------------

#: The seed's two per-OS files (section 4.3, verbatim: both constraint lines), the interface they
#: implement, files that show each file-name rule, a custom-tag file, and a main that uses the package.
PLATFORM = {
    "main.go": """\
package main

import (
	"fmt"
	"runtime"

	"example.com/prog/platform"
)

func main() {
	// The caller never tests runtime.GOOS: the build picked the implementation.
	fmt.Printf("%s/%s uses %s I/O\\n", runtime.GOOS, runtime.GOARCH, platform.NewIOManager().Name())
}
""",
    "platform/iface.go": """\
// Package platform hides per-OS code behind one interface.
package platform

type IOManager interface{ Name() string }
""",
    "platform/io_posix.go": """\
//go:build linux || darwin
// +build linux darwin

package platform

type posixIO struct{}

func (posixIO) Name() string { return "posix" }

func NewIOManager() IOManager { return &posixIO{} }
""",
    "platform/io_windows.go": """\
//go:build windows
// +build windows

package platform

type winIO struct{}

func (winIO) Name() string { return "windows" }

func NewIOManager() IOManager { return &winIO{} }
""",
    "platform/cpu_arm64.go": """\
package platform

// The _arm64 suffix alone limits this file to GOARCH=arm64, on every GOOS.
const wideRegisters = true
""",
    "platform/net_linux_arm64.go": """\
package platform

// The _linux_arm64 suffix needs both: GOOS=linux and GOARCH=arm64.
const linuxOnARM = true
""",
    "platform/linux.go": """\
package platform

// No underscore before "linux": the whole name is not a suffix, so this
// file is compiled for every target.
const notALinuxFile = true
""",
    "platform/fs_unix.go": """\
//go:build unix

package platform

// "unix" is not a file-name suffix: the //go:build line does the work.
// The unix tag matches every Unix-like GOOS (linux, darwin, freebsd, ...).
const pathSeparator = '/'
""",
    "platform/pro.go": """\
//go:build pro

package platform

// A custom tag: compiled only when the build says -tags pro.
const proEdition = true
""",
}

#: The fallback the seed's diagram promises ("fallbackIO") but its code lacks.
FALLBACK = {
    "platform/io_other.go": """\
//go:build !linux && !darwin && !windows

package platform

// fallbackIO covers every OS the other files do not: freebsd, js, wasip1, ...
type fallbackIO struct{}

func (fallbackIO) Name() string { return "fallback" }

func NewIOManager() IOManager { return fallbackIO{} }
""",
}

#: A program with a free and a pro edition chosen by a custom tag (the notebook's %%go cell holds
#: the same text; a test keeps them equal).
EDITION = """\
-- main.go --
package main

import "fmt"

func main() {
	fmt.Println("edition:", edition, "features:", features())
}
-- edition_free.go --
//go:build !pro

package main

const edition = "free"

func features() []string { return []string{"core"} }
-- edition_pro.go --
//go:build pro

package main

const edition = "pro"

func features() []string { return []string{"core", "audit", "sso"} }
"""

#: One package per way of writing a constraint, plus the seed's per-OS pair, for section 5.
PLUSBUILD = {
    "gobuild_only/a.go": "//go:build linux\n\npackage gobuild_only\n",
    "plusbuild_only/a.go": "// +build linux\n\npackage plusbuild_only\n",
    "both/a.go": "//go:build linux\n// +build linux\n\npackage both\n",
    "mismatch/a.go": "//go:build linux\n// +build windows\n\npackage mismatch\n",
    "seed/iface.go": PLATFORM["platform/iface.go"].replace("package platform", "package seed"),
    "seed/io_posix.go": PLATFORM["platform/io_posix.go"].replace("package platform", "package seed"),
    "seed/io_windows.go": PLATFORM["platform/io_windows.go"].replace("package platform", "package seed"),
}

# -- small helpers -------------------------------------------------------------------


def _tc(toolchain: Toolchain | None) -> Toolchain:
    return toolchain or default()


def _listed_label(what: str) -> str:
    # course.label() describes where the go command ran (the host, natively); nothing was run for the targets.
    return f"{course_label()} · {what}"


@contextmanager
def _module(files, tc: Toolchain) -> Iterator[Path]:
    """Write ``files`` (a dict or a Program) into a throwaway module for the duration of the block."""
    prog = Program.coerce(files, name="ch05")
    root = prog.materialize(Path(tempfile.mkdtemp(prefix="goenv-ch05-")), go_version=language_version(tc))
    try:
        yield root
    finally:
        remove_dir(root)


def _clean(text: str, root: Path) -> str:
    """The go command's text without the temporary module's path (learners see their own file names)."""
    for prefix in {str(root), os.path.realpath(root)}:
        text = text.replace(prefix + os.sep, "").replace(prefix, ".")
    return text.strip()


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")


def _golist(files: list[str]) -> str:
    """A file list the way ``go list -f '{{.GoFiles}}'`` prints it."""
    return "[" + " ".join(files) + "]"


def _finish(fig: "Figure", label: str) -> "Figure":
    """Put the measurement label under a figure and detach it from pyplot (Jupyter shows it once)."""
    import matplotlib.pyplot as plt

    fig.supxlabel(label, x=0.99, ha="right", fontsize=7, alpha=0.7)
    plt.close(fig)
    return fig


def table(frame: "pd.DataFrame") -> "Styler":
    """Show a chapter DataFrame as an HTML table (:func:`goenv.course.tables.show`): its caption, note,
    label, hidden ``hide`` columns, monospace ``code`` columns and multi-line ``pre`` columns."""
    return show(frame)


@functools.lru_cache(maxsize=4)
def _syslist_of(goroot: Path) -> tuple[frozenset[str], frozenset[str]]:
    """The GOOS and GOARCH names the go command knows for file names, read from this toolchain's source."""
    text = (goroot / "src" / "internal" / "syslist" / "syslist.go").read_text()

    def names(var: str) -> set[str]:
        m = re.search(var + r" = map\[string\]bool\{(.*?)\n\}", text, re.S)
        if not m:
            raise GoEnvError(f"{goroot}/src/internal/syslist/syslist.go has no {var}")
        return frozenset(re.findall(r'"(\w+)":\s*true', m.group(1)))

    return names("KnownOS"), names("KnownArch")


def _syslist(tc: Toolchain) -> tuple[frozenset[str], frozenset[str]]:
    return _syslist_of(tc.goroot)


def suffix_of(filename: str, *, toolchain: Toolchain | None = None) -> str | None:
    """Which file-name constraint a Go file carries: "GOOS_GOARCH", "GOOS", "GOARCH" or None.

    The rule of ``go/build`` (``goodOSArchFile``): drop the extension and everything before the
    first underscore, drop a final ``_test``, then look at the last one or two elements.

    Example: ``net_linux_arm64.go`` → "GOOS_GOARCH", ``io_windows.go`` → "GOOS",
    ``linux.go`` → None (no underscore), ``fs_unix.go`` → None (unix is not a GOOS).
    """
    known_os, known_arch = _syslist(_tc(toolchain))
    name = filename.rsplit("/", 1)[-1].split(".", 1)[0]
    if "_" not in name:
        return None
    parts = name[name.index("_"):].split("_")
    if parts and parts[-1] == "test":
        parts = parts[:-1]
    if len(parts) >= 2 and parts[-2] in known_os and parts[-1] in known_arch:
        return "GOOS_GOARCH"
    if parts and parts[-1] in known_os:
        return "GOOS"
    if parts and parts[-1] in known_arch:
        return "GOARCH"
    return None


# -- 1. which files does each target compile? ---------------------------------------


def files_overview(files=None, *, directory: str = "platform", toolchain: Toolchain | None = None
                   ) -> "pd.DataFrame":
    """What constrains each file of a package: its ``//go:build`` line and its file-name suffix.

    Args:
        files: The module's files (default :data:`PLATFORM`).
        directory: The package directory whose files to show.

    Returns:
        Columns ``file``, ``//go:build line`` and ``file-name suffix`` (``_linux_arm64 (GOOS_GOARCH)``,
        or ``—``), in file-name order.
    """
    import pandas as pd

    tc = _tc(toolchain)
    files = dict(Program.coerce(files if files is not None else PLATFORM).file_map)
    rows = []
    for path in sorted(files):
        folder, _, name = path.rpartition("/")
        if folder != directory or not name.endswith(".go"):
            continue
        text = files[path].decode() if isinstance(files[path], bytes) else files[path]
        line = next((ln for ln in _header_lines(text) if _GOBUILD_RE.match(ln)), "—")
        kind = suffix_of(name, toolchain=tc)
        stem = name.removesuffix(".go").removesuffix("_test")
        tail = "_" + "_".join(stem.split("_")[-(2 if kind == "GOOS_GOARCH" else 1):])
        rows.append({"file": name, "//go:build line": line,
                     "file-name suffix": f"{tail} ({kind})" if kind else "—"})
    out = pd.DataFrame(rows, columns=["file", "//go:build line", "file-name suffix"])
    out.attrs.update(caption=f"The files of package {directory} and what constrains each one",
                     label=f"{tc.version} · suffixes judged with the GOOS/GOARCH lists of this toolchain's "
                           "go/build", code=["file", "//go:build line", "file-name suffix"])
    return out


def file_selection(files=None, targets: Iterable[str] = MATRIX_TARGETS, *, package: str = "./platform",
                   tagged: tuple[str, Sequence[str]] | None = TAGGED_COLUMN,
                   toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Ask ``go list`` which files of a package each target compiles and which it ignores.

    Args:
        files: The module's files (default :data:`PLATFORM`), a dict or a Program.
        targets: "goos/goarch" names.
        package: The package to list.
        tagged: One more column, ``(target, tags)``, listed with ``-tags`` (None: no such column).
        toolchain: The toolchain to ask.

    Returns:
        One row per column of the matrix: ``target`` (with ``-tags ...`` for the tagged one),
        ``GoFiles``, ``IgnoredGoFiles`` (as ``go list -f`` prints them) and ``error``; the
        raw lists are in the hidden columns ``go_files``/``ignored_go_files``.
    """
    import pandas as pd

    tc = _tc(toolchain)
    targets = list(targets)
    with _module(files if files is not None else PLATFORM, tc) as root:
        frames = [files_per_target(root, targets, package=package, toolchain=tc)]
        if tagged:
            frames.append(files_per_target(root, [tagged[0]], package=package, toolchain=tc, tags=tagged[1]))
            frames[-1]["target"] = f"{tagged[0]} -tags {','.join(tagged[1])}"
        listed = pd.concat(frames, ignore_index=True)
        rows = []
        for _, r in listed.iterrows():
            # pandas turns a missing error into NaN once frames are combined.
            error = _clean(r["error"], root) if isinstance(r["error"], str) else ""
            rows.append({"target": r["target"], "GoFiles": _golist(r["go_files"]),
                         "IgnoredGoFiles": _golist(r["ignored_go_files"]), "error": error,
                         "go_files": list(r["go_files"]), "ignored_go_files": list(r["ignored_go_files"])})
    out = pd.DataFrame(rows, columns=["target", "GoFiles", "IgnoredGoFiles", "error", "go_files", "ignored_go_files"])
    out.attrs.update(
        caption=f"go list -f '{{{{.GoFiles}}}} {{{{.IgnoredGoFiles}}}}' {package}, once per GOOS/GOARCH",
        label=_listed_label("go list per target; nothing was built or run"),
        hide=["go_files", "ignored_go_files"] + ([] if out["error"].astype(bool).any() else ["error"]),
        code=["GoFiles", "IgnoredGoFiles"],
    )
    return out


def heatmap(selection: "pd.DataFrame") -> "Figure":
    """Files × targets: which file each target compiles, from :func:`file_selection`.

    Returns:
        A matplotlib Figure; a target whose listing failed is a grey column marked "error".
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    files = sorted({f for fs in selection["go_files"] for f in fs} | {f for fs in selection["ignored_go_files"]
                                                                        for f in fs},
                   key=lambda f: (sum(f in fs for fs in selection["go_files"]) * -1, f))
    targets = list(selection["target"])
    grid = np.zeros((len(files), len(targets)))
    for j, (_, r) in enumerate(selection.iterrows()):
        for i, f in enumerate(files):
            grid[i, j] = 2 if r["error"] else (1 if f in r["go_files"] else 0)
    fig, ax = plt.subplots(figsize=(1.0 + 0.62 * len(targets) + 1.6, 0.42 * max(len(files), 1) + 2.2),
                           layout="constrained")
    cmap = ListedColormap(["#eeeeee", "#4c72b0", "#bdbdbd"])
    ax.imshow(grid, cmap=cmap, vmin=0, vmax=2, aspect="auto")
    for i in range(len(files)):
        for j in range(len(targets)):
            mark = {1: "✓", 2: "?"}.get(int(grid[i, j]), "")
            ax.text(j, i, mark, ha="center", va="center", color="white" if grid[i, j] == 1 else "#555",
                    fontsize=10)
    ax.set_xticks(range(len(targets)), [t.replace(" -tags ", "\n-tags ") for t in targets], rotation=45,
                  ha="right", fontsize=8.5)
    ax.set_yticks(range(len(files)), files, fontsize=9, family="monospace")
    ax.set_xticks(np.arange(-0.5, len(targets)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(files)), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    ax.set_title("Which file does each target compile? (go list)", fontsize=11)
    handles = [Patch(color="#4c72b0", label="compiled (GoFiles)"),
               Patch(color="#eeeeee", label="excluded (IgnoredGoFiles)")]
    if (grid == 2).any():
        handles.append(Patch(color="#bdbdbd", label="go list reported an error"))
    fig.legend(handles=handles, loc="outside right upper", fontsize=8, frameon=False)
    return _finish(fig, selection.attrs.get("label", ""))


#: Options of the freebsd prediction (the package's files that freebsd/amd64 might compile).
FREEBSD_OPTIONS = [
    "iface.go io_posix.go",
    "iface.go fs_unix.go io_posix.go",
    "iface.go fs_unix.go linux.go",
    "iface.go",
]


def freebsd_reveal(files=None, *, toolchain: Toolchain | None = None) -> tuple[str, str]:
    """List the package for freebsd/amd64 now and say which option of :data:`FREEBSD_OPTIONS` it is.

    Returns:
        (the option, an explanation); a set of files that is no option is reported as it is.
    """
    sel = file_selection(files, ["freebsd/amd64"], tagged=None, toolchain=toolchain)
    compiled = sorted(sel.iloc[0]["go_files"])
    answer = " ".join(compiled)
    option = next((o for o in FREEBSD_OPTIONS if sorted(o.split()) == compiled), answer)
    return option, (f"go list says freebsd/amd64 compiles {_golist(compiled)}. linux.go has no underscore, so its "
                    "name constrains nothing; fs_unix.go's //go:build unix matches FreeBSD; io_posix.go asks for "
                    "linux || darwin. No file defines NewIOManager for freebsd: section 3 shows what that costs.")


def question_freebsd(files=None):
    """Predict which files GOOS=freebsd GOARCH=amd64 compiles; the reveal runs ``go list``."""
    return predict("GOOS=freebsd GOARCH=amd64: which files of package platform are compiled?",
                   FREEBSD_OPTIONS, lambda: freebsd_reveal(files))


# -- 2. the standard library ------------------------------------------------------------

_GOBUILD_RE = re.compile(r"^//go:build\s")
_PLUSBUILD_RE = re.compile(r"^//\s*\+build(\s|$)")


def _header_lines(text: str) -> list[str]:
    """The lines before the package clause: where a build constraint counts (comments and blank lines)."""
    out, in_block = [], False
    for line in text.splitlines():
        s = line.strip()
        if in_block:
            in_block = "*/" not in s
            continue
        if s.startswith("/*"):
            in_block = "*/" not in s[2:]
            continue
        if s == "" or s.startswith("//"):
            out.append(s)
            continue
        break
    return out


def _scan(paths: Iterable[Path], tc: Toolchain, relative_to: Path) -> dict:
    """Count constraints in ``paths``; ``body_only`` lists (relative to ``relative_to``) files whose only
    ``// +build`` lines come after the package clause."""
    counts = {"go": 0, "gobuild": 0, "goos": 0, "goarch": 0, "either": 0, "none": 0, "plusbuild": 0}
    body_only: list[str] = []
    for p in paths:
        text = p.read_text(errors="replace")
        header = _header_lines(text)
        has_gobuild = any(_GOBUILD_RE.match(ln) for ln in header)
        kind = suffix_of(p.name, toolchain=tc)
        counts["go"] += 1
        counts["gobuild"] += has_gobuild
        counts["goos"] += kind in ("GOOS", "GOOS_GOARCH")
        counts["goarch"] += kind == "GOARCH"
        counts["either"] += has_gobuild or kind is not None
        counts["none"] += not has_gobuild and kind is None
        if any(_PLUSBUILD_RE.match(ln) for ln in header):
            counts["plusbuild"] += 1
        elif any(_PLUSBUILD_RE.match(ln) for ln in text.splitlines()):
            body_only.append(p.relative_to(relative_to).as_posix())
    counts["body_only"] = body_only
    return counts


def _go_files(root: Path, recursive: bool) -> list[Path]:
    if not recursive:
        return sorted(root.glob("*.go"))
    return sorted(p for p in root.rglob("*.go") if "testdata" not in p.relative_to(root).parts)


def stdlib_constraints(*, toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Count the build constraints in this toolchain's own source ($GOROOT/src).

    Three scopes: the runtime package's directory, the runtime with its sub-packages, and the
    whole standard library (``testdata`` directories left out: they are test inputs, not code).

    Returns:
        Columns ``scope``, ``.go files``, ``//go:build line``, ``GOOS in the name``,
        ``GOARCH-only name``, ``no constraint`` and ``// +build constraint``. A ``// +build``
        counts only in the file header, where the go command reads it; ``attrs["body_only"]``
        lists files that merely contain such a line further down (test sources quoting one).
    """
    import pandas as pd

    tc = _tc(toolchain)
    src = tc.goroot / "src"
    scopes = [("runtime package ($GOROOT/src/runtime/*.go)", _go_files(src / "runtime", False)),
              ("runtime and its sub-packages", _go_files(src / "runtime", True)),
              ("whole standard library ($GOROOT/src)", _go_files(src, True))]
    rows, body_only = [], []
    for scope, paths in scopes:
        c = _scan(paths, tc, src)
        body_only = c["body_only"]  # the last scope holds all of them
        rows.append({"scope": scope, ".go files": c["go"], "//go:build line": c["gobuild"],
                     "GOOS in the name": c["goos"], "GOARCH-only name": c["goarch"],
                     "no constraint": c["none"], "// +build constraint": c["plusbuild"]})
    out = pd.DataFrame(rows)
    note = ""
    if body_only:
        note = ("A plain grep for '// +build' also finds " + ", ".join(body_only)
                + ": there the line is inside the code (test input), not a constraint.")
    out.attrs.update(caption="Build constraints in the toolchain's own source (a file may have a //go:build "
                             "line and a suffix)",
                     label=f"{tc.version} · read from {tc.goroot.name}/src on this machine", note=note,
                     body_only=body_only)
    return out


def runtime_selection(targets: Iterable[str] = MATRIX_TARGETS, *, toolchain: Toolchain | None = None
                      ) -> "pd.DataFrame":
    """How many of the runtime package's .go files each target compiles (``go list runtime``).

    Returns:
        Columns ``target``, ``compiled`` and ``excluded`` (counts of non-test files: GoFiles, and
        IgnoredGoFiles without ``_test.go``), ``error``.
    """
    import pandas as pd

    tc = _tc(toolchain)
    listed = files_per_target(tc.goroot / "src", list(targets), package="runtime", toolchain=tc)
    # IgnoredGoFiles also holds the _test.go files a target excludes; count the package's own files only.
    excluded = listed["ignored_go_files"].map(lambda fs: sum(not f.endswith("_test.go") for f in fs))
    out = pd.DataFrame({"target": listed["target"], "compiled": listed["go_files"].map(len),
                        "excluded": excluded, "error": listed["error"].fillna("")})
    out.attrs.update(caption="The runtime package: non-test .go files compiled and excluded per target "
                             "(go list runtime)",
                     label=_listed_label("go list runtime per target; nothing was built or run"),
                     hide=[] if out["error"].astype(bool).any() else ["error"])
    return out


def plot_runtime(frame: "pd.DataFrame") -> "Figure":
    """Stacked bars: the runtime's .go files each target compiles and excludes."""
    import matplotlib.pyplot as plt

    data = frame.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(data) + 1.5), layout="constrained")
    ax.barh(data["target"], data["compiled"], color="#4c72b0", label="compiled")
    ax.barh(data["target"], data["excluded"], left=data["compiled"], color="#dddddd", label="excluded")
    for y, (c, e) in enumerate(zip(data["compiled"], data["excluded"])):
        ax.annotate(f"{c} of {c + e}", (c, y), xytext=(-4, 0), textcoords="offset points", ha="right",
                    va="center", fontsize=8, color="white")
    ax.set_xlabel("non-test .go files in $GOROOT/src/runtime")
    ax.set_title("The runtime is mostly per-target code", fontsize=11)
    fig.legend(loc="outside right upper", fontsize=8, frameon=False)
    return _finish(fig, frame.attrs.get("label", ""))


# -- 3. myth 4.3-a: a missing fallback, and linux/arm64 ---------------------------------------


def _outcome(b) -> str:
    if b.ok:
        return "✓ builds"
    if b.diagnostics:
        d = b.diagnostics[0]
        return f"✗ {d.file}:{d.line}: {d.message}"
    return "✗ " + (_first_line(b.output) or b.message)


def fallback_builds(targets: Iterable[str] = FAST_TARGETS, *, files=None, fallback=None,
                    toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Build the program for each target without and with the fallback file.

    Args:
        targets: "goos/goarch" names.
        files: The program (default :data:`PLATFORM`).
        fallback: Files added for the second column (default :data:`FALLBACK`).

    Returns:
        Columns ``target``, ``seed's files (no fallback)``, ``+ io_other.go fallback``
        (``✓ builds`` or ``✗`` and the first compiler message); ``attrs["ok"]`` maps
        (target, "seed"/"fixed") to whether it built.
    """
    import pandas as pd

    tc = _tc(toolchain)
    files = dict(files if files is not None else PLATFORM)
    fixed = {**files, **(fallback if fallback is not None else FALLBACK)}
    name = next(iter(fallback if fallback is not None else FALLBACK)).rsplit("/", 1)[-1]
    rows, ok = [], {}
    for target in targets:
        goos, goarch = parse_target(target)
        row = {"target": target}
        for key, col, prog in (("seed", "seed's files (no fallback)", files),
                               ("fixed", f"+ {name} fallback", fixed)):
            b = build(Program.coerce(prog, name="platform"), goos=goos, goarch=goarch, cgo=0, toolchain=tc)
            ok[(target, key)] = b.ok
            row[col] = _outcome(b)
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs.update(caption="go build for each target: the seed's package, then with a fallback file",
                     label=f"{tc.version} · cross-compiled on {tc.hostos}/{tc.hostarch} (CGO_ENABLED=0), not run",
                     ok=ok)
    return out


#: (label, file text) for :func:`constraint_syntax`: the seed's granularity, then the right spellings.
SYNTAX_FILES = (
    ("//go:build linux/arm64", "//go:build linux/arm64\n\npackage main\n\nconst onARMLinux = true\n"),
    ("//go:build linux && arm64", "//go:build linux && arm64\n\npackage main\n\nconst onARMLinux = true\n"),
    ("file name arm_linux_arm64.go", "package main\n\nconst onARMLinux = true\n"),
)
_MAIN = "package main\n\nfunc main() {}\n"


def constraint_syntax(*, toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Try the seed's ``//go:build linux/arm64`` and the two correct ways, with go list and go build.

    Returns:
        Columns ``constraint``, ``go list, linux/arm64``, ``go list, linux/amd64`` and
        ``go build, linux/arm64``; ``attrs["accepted"]`` maps each constraint to whether
        go list accepted it, ``attrs["arm64_only"]`` to whether it selected the file for
        linux/arm64 and not for linux/amd64.
    """
    import pandas as pd

    tc = _tc(toolchain)
    rows, accepted, arm64_only = [], {}, {}
    for constraint, text in SYNTAX_FILES:
        fname = "arm_linux_arm64.go" if constraint.startswith("file name") else "arm.go"
        files = {"main.go": _MAIN, fname: text}
        sel = file_selection(files, ["linux/arm64", "linux/amd64"], package=".", tagged=None, toolchain=tc)
        row = {"constraint": constraint}
        for _, r in sel.iterrows():
            if r["error"]:
                row[f"go list, {r['target']}"] = "error: " + r["error"]
            else:
                row[f"go list, {r['target']}"] = ("selected" if fname in r["go_files"] else "excluded")
        b = build(Program.coerce(files, name="syntax"), goos="linux", goarch="arm64", cgo=0, toolchain=tc)
        row["go build, linux/arm64"] = _outcome(b)
        accepted[constraint] = not any(sel["error"].astype(bool))
        arm64_only[constraint] = (row["go list, linux/arm64"] == "selected"
                                  and row["go list, linux/amd64"] == "excluded")
        rows.append(row)
    out = pd.DataFrame(rows, columns=["constraint", "go list, linux/arm64", "go list, linux/amd64",
                                      "go build, linux/arm64"])
    out.attrs.update(caption="Three ways to ask for 64-bit ARM Linux only", accepted=accepted,
                     arm64_only=arm64_only, code=["constraint"],
                     label=_listed_label("go list and a cross-build for linux/arm64; nothing was run"))
    return out


def myth_fallback(builds: "pd.DataFrame", syntax: "pd.DataFrame", *, show: bool = True) -> MythCheck:
    """Myth check 4.3-a: the seed's per-OS files are complete, and ``linux/arm64`` is a valid constraint.

    The claim holds only if the seed's package builds for every listed target *and* go list
    accepts ``//go:build linux/arm64``.
    """
    ok = builds.attrs["ok"]
    targets = list(builds["target"])
    seed_col, fixed_col = builds.columns[1], builds.columns[2]
    broken = [t for t in targets if not ok[(t, "seed")]]
    fixed_ok = all(ok[(t, "fixed")] for t in targets)
    slash = SYNTAX_FILES[0][0]
    slash_row = syntax[syntax["constraint"] == slash].iloc[0]
    and_row = syntax[syntax["constraint"] == SYNTAX_FILES[1][0]].iloc[0]
    evidence = {}
    if broken:
        evidence["seed's package fails for"] = ", ".join(broken)
        evidence[f"first error ({broken[0]})"] = builds.loc[builds["target"] == broken[0], seed_col].iloc[0]
    else:
        evidence["seed's package"] = f"builds for all {len(targets)} targets"
    still = [t for t in targets if not ok[(t, "fixed")]]
    evidence[fixed_col] = (f"builds for all {len(targets)} targets" if fixed_ok
                           else f"still fails for {', '.join(still)}")
    evidence[f"{slash}, go list"] = slash_row["go list, linux/arm64"]
    evidence[f"{and_row['constraint']}, go list"] = (f"linux/arm64: {and_row['go list, linux/arm64']}, "
                                                     f"linux/amd64: {and_row['go list, linux/amd64']}")
    holds = not broken and syntax.attrs["accepted"][slash]
    return myth_check(
        "4.3-a",
        claim="The seed's two files (linux || darwin, windows) let the build pick an implementation for any "
              "GOOS, with a fallbackIO for the rest; constraints can be as fine as //go:build linux/arm64.",
        experiment=f"Built the seed's package for {', '.join(targets)}, then with a fallback file; listed "
                   "files constrained with linux/arm64 and with linux && arm64.",
        holds=bool(holds),
        evidence=evidence,
        truth="The seed's code has no fallback: any other OS fails with 'undefined: platform.NewIOManager'. "
              "Add a file with //go:build !linux && !darwin && !windows. And linux/arm64 is not constraint "
              "syntax: write //go:build linux && arm64, or name the file *_linux_arm64.go.",
        label=builds.attrs.get("label", ""),
        show=show,
    )


def question_syntax():
    """Multiple choice: how to limit a file to 64-bit ARM Linux."""
    return choice(
        "Which line limits a file to 64-bit ARM Linux?",
        ["//go:build linux/arm64", "//go:build linux && arm64", "//go:build linux, arm64",
         "//go:build linux || arm64"],
        answer=1,
        explain="Operators are && || ! and parentheses; a slash is a syntax error and a comma is the old "
                "// +build AND, not valid after //go:build. || would take every Linux and every arm64 OS. "
                "The file name suffix _linux_arm64.go says the same thing as linux && arm64.",
    )


# -- 4. custom tags ------------------------------------------------------------------


def tags_table(program=None, tag_sets: Sequence[Sequence[str]] = ((), ("pro",), ("Pro",)), *,
               toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Build and run one program with different ``-tags`` and show what each build selected.

    Args:
        program: The program (default :data:`EDITION`), e.g. ``program("edition").program``.
        tag_sets: The ``-tags`` values to try; the default ends with a mistyped tag.

    Returns:
        Columns ``-tags``, ``GoFiles`` (go list with those tags), ``the program prints`` and
        ``build info: -tags`` (what the binary records, as ``go version -m`` shows it).
    """
    import pandas as pd

    from ..api import run
    from ..buildinfo import read_buildinfo

    tc = _tc(toolchain)
    prog = Program.coerce(program if program is not None else EDITION, name="edition")
    host = f"{tc.hostos}/{tc.hostarch}"
    rows, labels = [], set()
    with _module(prog, tc) as root:
        for tags in tag_sets:
            listed = files_per_target(root, [host], package=".", toolchain=tc, tags=tags)
            r = run(prog, tags=list(tags), toolchain=tc, limits={"wall_time_s": 20})
            labels.add(course_label(r) if r.started else course_label())
            recorded = "—"
            if r.build.ok:
                # The binary remembers its tags: go version -m shows them as the -tags setting.
                recorded = read_buildinfo(r.build.binary, toolchain=tc).settings.get("-tags", "(none)")
            rows.append({"-tags": ",".join(tags) or "(none)", "GoFiles": _golist(listed.iloc[0]["go_files"]),
                         "the program prints": _first_line(r.stdout) if r.ok else r.message,
                         "build info: -tags": recorded})
    out = pd.DataFrame(rows, columns=["-tags", "GoFiles", "the program prints", "build info: -tags"])
    out.attrs.update(caption="One program, three -tags values (go list, then go build and run)",
                     label=" | ".join(sorted(labels)), code=["GoFiles"])
    return out


# -- 5. myth 4.3-b: // +build ------------------------------------------------------------


def plusbuild_selection(*, toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """For each way of writing a constraint, where go list includes the file (linux and windows).

    Returns:
        Columns ``package``, ``header`` (the constraint lines), ``linux/amd64`` and
        ``windows/amd64`` ("compiled" or "excluded").
    """
    import pandas as pd

    tc = _tc(toolchain)
    pkgs = [p for p in dict.fromkeys(k.split("/")[0] for k in PLUSBUILD) if p != "seed"]
    with _module(PLUSBUILD, tc) as root:
        listed = files_per_target(root, ["linux/amd64", "windows/amd64"], package=[f"./{p}" for p in pkgs],
                                  toolchain=tc)
    rows = []
    for p in pkgs:
        header = " + ".join(ln for ln in PLUSBUILD[f"{p}/a.go"].splitlines() if ln.startswith("//"))
        row = {"package": p, "header": header}
        for target in ("linux/amd64", "windows/amd64"):
            r = listed[(listed["target"] == target) & (listed["import_path"].str.endswith("/" + p))].iloc[0]
            row[target] = "compiled" if "a.go" in r["go_files"] else "excluded"
        rows.append(row)
    out = pd.DataFrame(rows, columns=["package", "header", "linux/amd64", "windows/amd64"])
    out.attrs.update(caption="Which constraint line does the go command obey? (go list per target)",
                     label=_listed_label("go list; nothing was built or run"), code=["header"])
    return out


#: Options of the mismatch prediction: //go:build linux with // +build windows.
MISMATCH_OPTIONS = ["on linux only", "on windows only", "on both", "on neither: the build fails"]


def mismatch_reveal(*, toolchain: Toolchain | None = None) -> tuple[str, str]:
    """List the mismatched file for linux and windows now; say which option of :data:`MISMATCH_OPTIONS` it is."""
    sel = plusbuild_selection(toolchain=toolchain).set_index("package").loc["mismatch"]
    on_linux, on_windows = sel["linux/amd64"] == "compiled", sel["windows/amd64"] == "compiled"
    option = {(True, False): MISMATCH_OPTIONS[0], (False, True): MISMATCH_OPTIONS[1],
              (True, True): MISMATCH_OPTIONS[2]}.get((on_linux, on_windows), MISMATCH_OPTIONS[3])
    return option, (f"go list: linux/amd64 {sel['linux/amd64']}, windows/amd64 {sel['windows/amd64']}. "
                    "When a file has a //go:build line, the go command ignores its // +build lines; only go vet "
                    "notices that they disagree (below).")


def question_mismatch():
    """Predict where a file with ``//go:build linux`` and ``// +build windows`` is compiled."""
    return predict("A file starts with //go:build linux and then // +build windows. Where is it compiled?",
                   MISMATCH_OPTIONS, mismatch_reveal)


def _diff_changes(diff: str, root: Path) -> list[str]:
    """``file: +line`` / ``file: -line`` for each changed line of a unified diff (headers dropped)."""
    out, current = [], "?"
    for line in diff.splitlines():
        if line.startswith("+++ "):
            current = _clean(line[4:].split("\t")[0].removesuffix(" (new)"), root).removeprefix("./")
            continue
        if line.startswith(("--- ", "diff ", "@@")):
            continue
        if line[:1] in "+-" and line[1:].strip():
            out.append(f"{current}: {line[0]} {line[1:]}")
    return out


def tool_checks(*, toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Run gofmt, go fix and go vet on the :data:`PLUSBUILD` module and summarize what each did.

    ``go fix -diff`` only prints the patch (the files are not changed) and exits non-zero when
    the patch is not empty. Like ``go vet``, it looks only at the files of the current GOOS,
    so it runs twice: as is (linux) and with GOOS=windows.

    Returns:
        Columns ``command``, ``exit status`` and ``what it reports`` (changed lines as
        ``file: + line`` / ``file: - line``, or vet's messages); ``attrs["facts"]`` holds
        the parsed results for :func:`myth_plusbuild`.
    """
    import pandas as pd

    tc = _tc(toolchain)
    gofmt = tc.goroot / "bin" / "gofmt"
    rows, facts = [], {}
    with _module(PLUSBUILD, tc) as root:
        for rel in ("plusbuild_only/a.go", "both/a.go"):
            # gofmt is a separate binary; run it with goenv's environment, like the go command.
            p = subprocess.run([str(gofmt), "-d", rel], cwd=root, env=tc.env(), capture_output=True, text=True,
                               timeout=60)
            changes = _diff_changes(p.stdout, root)
            facts[f"gofmt {rel}"] = changes
            rows.append({"command": f"gofmt -d {rel}", "exit status": p.returncode,
                         "what it reports": "\n".join(changes) or _first_line(p.stderr) or "no change"})
        for goos in ("linux", "windows"):
            p = tc.run_go(["fix", "-diff", "./..."], cwd=root, env={"GOOS": goos, "GOARCH": "amd64"},
                          timeout=120)
            changes = _diff_changes(p.stdout, root)
            facts[f"go fix {goos}"] = changes
            prefix = "" if goos == tc.hostos else f"GOOS={goos} "
            rows.append({"command": f"{prefix}go fix -diff ./...", "exit status": p.returncode,
                         "what it reports": "\n".join(changes) or _clean(_first_line(p.stderr), root) or "no change"})
        p = tc.run_go(["vet", "./..."], cwd=root, timeout=120)
        messages = [_clean(ln, root) for ln in p.stderr.splitlines() if ln.strip() and not ln.startswith("#")]
        facts["go vet"] = messages
        rows.append({"command": "go vet ./...", "exit status": p.returncode,
                     "what it reports": "\n".join(messages) or "nothing"})
    out = pd.DataFrame(rows, columns=["command", "exit status", "what it reports"])
    out.attrs.update(caption="gofmt, go fix and go vet on the same files (nothing was written: -d and -diff "
                             "only print)", facts=facts, code=["command", "what it reports"], pre=["what it reports"],
                     label=_listed_label("run on a throwaway module"))
    return out


def help_excerpt(*, toolchain: Toolchain | None = None) -> str:
    """The paragraph of ``go help buildconstraint`` about the old ``// +build`` syntax, from this toolchain.

    Raises:
        GoEnvError: the help text has no such paragraph (a different Go version).
    """
    text = _tc(toolchain).run_go(["help", "buildconstraint"], timeout=60).stdout
    for para in re.split(r"\n\s*\n", text):
        if "+build" in para and ("1.16" in para or "earlier" in para):
            return " ".join(para.split())
    raise GoEnvError("go help buildconstraint does not mention the // +build syntax in this Go version")


def myth_plusbuild(selection: "pd.DataFrame", tools: "pd.DataFrame", *, show: bool = True) -> MythCheck:
    """Myth check 4.3-b: "//go:build and // +build are both needed (and must agree)".

    The claim holds only if a file with just ``//go:build`` is not honoured (compiled where it
    should be excluded or the reverse).
    """
    sel = selection.set_index("package")
    facts = tools.attrs["facts"]
    only = sel.loc["gobuild_only"]
    honoured = only["linux/amd64"] == "compiled" and only["windows/amd64"] == "excluded"
    gofmt_added = [c for c in facts.get("gofmt plusbuild_only/a.go", []) if "+ //go:build" in c]
    fix_removed = []
    for goos in ("linux", "windows"):
        names = [c.split(":", 1)[0] for c in facts.get(f"go fix {goos}", []) if ": - // +build" in c]
        if names:
            fix_removed.append(f"{', '.join(names)} ({'GOOS=' + goos if goos != 'linux' else goos})")
    vet = [m for m in facts.get("go vet", []) if "do not match" in m]
    return myth_check(
        "4.3-b",
        claim="A constrained file still needs both lines: //go:build and an equivalent // +build "
              "'for backward compatibility' (seed, section 4.3).",
        experiment="Listed files with only //go:build, only // +build, both, and mismatched lines for linux and "
                   "windows; ran gofmt -d, go fix -diff and go vet on them.",
        holds=not honoured,
        evidence={
            "only //go:build linux": f"linux: {only['linux/amd64']}, windows: {only['windows/amd64']}",
            "gofmt -d on a // +build-only file": "; ".join(gofmt_added) or "no //go:build added",
            "go fix -diff removes // +build from": "; ".join(fix_removed) or "nothing",
            "go vet on the mismatched file": "; ".join(vet) or "silent",
        },
        truth="//go:build alone is enough (Go 1.17 and later); // +build matters only to Go 1.16 and older. "
              "gofmt adds the //go:build line to old files, go fix removes the // +build lines, and go vet "
              "reports the two when they disagree — in which case //go:build wins.",
        label=tools.attrs.get("label", ""),
        show=show,
    )
