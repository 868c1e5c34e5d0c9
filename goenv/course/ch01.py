"""Chapter 01 — cross-compiling with GOOS/GOARCH: the experiments behind the notebook.

Every function here runs the real toolchain and returns something a notebook
cell displays as is: a DataFrame (with its label in ``frame.attrs["label"]``,
shown by :func:`table`), a matplotlib Figure, or a myth check. Nothing is
quoted from the seed or the errata: counts, sizes, timings and verdicts are
measured when the cell runs.

Example::

    from goenv.course import ch01
    ch01.table(ch01.targets_by_goos())
    frame = ch01.binary_matrix()
    ch01.plot_sizes(frame)
"""

from __future__ import annotations

import logging
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..api import run_binary
from ..build import build, language_version
from ..buildinfo import read_buildinfo
from ..display import size_text
from ..errors import GoEnvError
from ..inspection import file_description, inspect_binary
from ..runners import runner_for
from ..targets import list_targets, parse_target, targets_frame
from ..toolchain import Toolchain, default
from ..workspace import Program
from .myth import MythCheck, myth_check

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure
    from pandas.io.formats.style import Styler

LOGGER = logging.getLogger(__name__)

__all__ = [
    "HELLO", "CGO_HELLO", "POPCOUNT", "MATRIX_TARGETS", "RUN_TARGETS", "COLD_TARGET",
    "table", "target_count", "targets_by_goos", "first_class_ports", "plot_targets",
    "binary_matrix", "plot_sizes", "explore_widget", "run_linux", "run_note",
    "cold_vs_warm", "cold_warm_summary", "plot_cold_warm", "COLD_WARM_OPTIONS", "cold_warm_reveal",
    "LEVELS", "LEVEL_PACKAGES", "prewarm_levels", "level_builds", "popcount_disasm",
    "cgo_evidence", "CGO_OPTIONS", "cgo_reveal", "cgo_myth",
    "windowsgui_evidence", "windowsgui_myth",
]

#: The program of the chapter. It reports where it runs and finds its byte order the
#: hard way (by looking at the first byte of a 16-bit value in memory), so a big-endian
#: machine gives itself away in its own output.
HELLO = """\
package main

import (
	"fmt"
	"runtime"
	"unsafe"
)

func main() {
	// 0x0102 is stored as 02 01 on a little-endian machine and as 01 02 on a
	// big-endian one: the byte at the lowest address tells which.
	x := uint16(0x0102)
	order := "little-endian"
	if *(*byte)(unsafe.Pointer(&x)) == 0x01 {
		order = "big-endian"
	}
	fmt.Printf("hello from %s/%s, %s, %d-bit\\n",
		runtime.GOOS, runtime.GOARCH, order, 8*unsafe.Sizeof(uintptr(0)))
}
"""

#: A program that needs cgo: the C function lives in the comment above ``import "C"``.
CGO_HELLO = """\
package main

// int answer(void) { return 42; }
import "C"

import "fmt"

func main() {
	fmt.Println("C says", C.answer())
}
"""

#: One population count, kept out of line so it has its own symbol to disassemble.
POPCOUNT = """\
package main

import (
	"fmt"
	"math/bits"
	"os"
)

//go:noinline
func count(x uint64) int { return bits.OnesCount64(x) }

func main() {
	// The argument depends on the command line so the compiler cannot fold the call away.
	fmt.Println(count(uint64(len(os.Args)) * 0xF0F0))
}
"""

#: One program, every binary format Go writes: ELF, PE, Mach-O, XCOFF, wasm.
MATRIX_TARGETS = (
    "linux/amd64", "linux/386", "linux/arm64", "linux/arm", "linux/riscv64", "linux/ppc64le",
    "linux/s390x", "windows/amd64", "windows/arm64", "darwin/arm64", "freebsd/amd64", "aix/ppc64",
    "js/wasm", "wasip1/wasm",
)
#: The Linux targets the chapter runs: natively, or under qemu-user.
RUN_TARGETS = ("linux/amd64", "linux/386", "linux/arm64", "linux/riscv64", "linux/ppc64le", "linux/s390x")
#: The target whose first (cold) build is timed.
COLD_TARGET = "linux/arm64"

# Colours per binary format, shared by the plots so a format looks the same everywhere.
_FORMAT_COLORS = {"ELF": "#4c72b0", "PE": "#dd8452", "Mach-O": "#55a868", "XCOFF": "#8172b3",
                  "wasm": "#c44e52", "Plan 9 a.out": "#937860"}
_SAMPLE_TIMEOUT_S = 600  # a cold standard-library build on a busy 2-core VM


# -- presentation --------------------------------------------------------------


def table(frame: "pd.DataFrame") -> "Styler":
    """Show a chapter DataFrame as a compact HTML table captioned with its label.

    Args:
        frame: A DataFrame from this module (its label is in ``frame.attrs["label"]``).

    Returns:
        A pandas Styler: no index column, text left-aligned, the label as caption.
        Columns named in ``frame.attrs["hide"]`` (raw values kept for code, such as
        byte counts) are not shown, nor are "error"/"note" columns when they are empty.
        ``attrs["code"]`` sets a monospace font; cells containing ``attrs["highlight"]``
        are emphasized.
    """
    hidden = [c for c in frame.attrs.get("hide", ()) if c in frame.columns]
    hidden += [c for c in ("error", "note") if c in frame.columns
               and not frame[c].fillna("").astype(str).str.strip().any()]
    styler = frame.style.hide(axis="index").set_properties(**{"text-align": "left"})
    if hidden:
        styler = styler.hide(subset=hidden, axis="columns")
    # Short values ("Intel 80386", "-H=windowsgui") read badly when the browser breaks them.
    short = [c for c in frame.columns if c not in hidden and frame[c].astype(str).str.len().max() <= 22]
    if short:
        styler = styler.set_properties(subset=short, **{"white-space": "nowrap"})
    if frame.attrs.get("code"):
        styler = styler.set_properties(**{"font-family": "var(--jp-code-font-family, monospace)"})
    mark = frame.attrs.get("highlight")
    if mark:
        styler = styler.map(lambda v: "font-weight: bold; background-color: #fff3c4"
                            if isinstance(v, str) and mark in v else "")
    styler = styler.set_table_styles([
        {"selector": "th", "props": [("text-align", "left")]},
        {"selector": "caption", "props": [("caption-side", "bottom"), ("font-size", "smaller"),
                                          ("opacity", "0.75"), ("text-align", "left")]},
    ])
    styler = styler.format(precision=2, na_rep="")
    label = frame.attrs.get("label")
    return styler.set_caption(label) if label else styler


def _tc(toolchain: Toolchain | None) -> Toolchain:
    return toolchain or default()


def _host_label(tc: Toolchain, how: str) -> str:
    return f"{tc.version} · host {tc.hostos}/{tc.hostarch} · {how}"


def _build_label(tc: Toolchain, target: str) -> str:
    return f"{tc.version} · {target} · built on {tc.hostos}/{tc.hostarch}, not run"


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


def _finish(fig: "Figure", label: str) -> "Figure":
    """Put the measurement label under a figure and detach it from pyplot.

    Closing the pyplot figure stops the inline backend from drawing it a second
    time at the end of the cell; the returned Figure still displays itself.
    """
    import matplotlib.pyplot as plt

    # supxlabel (unlike fig.text) is laid out by the constrained layout engine: it never
    # overlaps the axis labels.
    fig.supxlabel(label, x=0.99, ha="right", fontsize=7, alpha=0.7)
    plt.close(fig)
    return fig


# -- 1. which targets exist ------------------------------------------------------


def target_count(toolchain: Toolchain | None = None) -> int:
    """How many GOOS/GOARCH pairs ``go tool dist list`` reports for this toolchain."""
    return len(list_targets(_tc(toolchain)))


def targets_by_goos(toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Summarize ``go tool dist list -json`` per operating system.

    Args:
        toolchain: The toolchain to ask (default: goenv's).

    Returns:
        One row per GOOS, most targets first, with columns ``GOOS``, ``targets``,
        ``first-class``, ``cgo-capable`` (counts) and ``GOARCH`` (the architectures,
        first-class ones marked with ``*``).
    """
    import pandas as pd

    tc = _tc(toolchain)
    frame = targets_frame(tc)
    rows = []
    for goos, group in frame.groupby("goos"):
        archs = [f"{a}*" if fc else a for a, fc in zip(group["goarch"], group["first_class"])]
        rows.append({"GOOS": goos, "targets": len(group), "first-class": int(group["first_class"].sum()),
                     "cgo-capable": int(group["cgo_supported"].sum()), "GOARCH": ", ".join(archs)})
    out = pd.DataFrame(rows).sort_values(["targets", "GOOS"], ascending=[False, True], ignore_index=True)
    out.attrs["label"] = (f"go tool dist list -json · {tc.version} · {len(frame)} targets in all · "
                          "* = first-class port")
    return out


def first_class_ports(toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """The first-class ports, whether cgo works for them, and how they can run on this machine.

    Returns:
        Columns ``target``, ``cgo-capable`` and ``runs here as`` ("native",
        "qemu-aarch64", "build-only", ...).
    """
    import pandas as pd

    tc = _tc(toolchain)
    rows = [{"target": t.name, "cgo-capable": t.cgo_supported,
             "runs here as": runner_for(t.goos, t.goarch, tc).name}
            for t in list_targets(tc) if t.first_class]
    out = pd.DataFrame(rows, columns=["target", "cgo-capable", "runs here as"])
    out.attrs["label"] = _host_label(tc, "first-class ports of this toolchain")
    return out


def plot_targets(by_goos: "pd.DataFrame") -> "Figure":
    """Bar chart of targets per GOOS: first-class ports and the rest, with the cgo-capable count.

    Args:
        by_goos: The frame from :func:`targets_by_goos`.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    data = by_goos.iloc[::-1]  # largest on top
    fig, ax = plt.subplots(figsize=(7.5, 0.3 * len(data) + 1.4), layout="constrained")
    first = data["first-class"].to_numpy()
    rest = (data["targets"] - data["first-class"]).to_numpy()
    ax.barh(data["GOOS"], first, color="#4c72b0", label="first-class port")
    ax.barh(data["GOOS"], rest, left=first, color="#a1b9dc", label="other port")
    for y, (n, cgo) in enumerate(zip(data["targets"], data["cgo-capable"])):
        ax.annotate(f"{n}  (cgo: {cgo})", (n, y), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_xlim(0, data["targets"].max() * 1.3)
    ax.set_xlabel("GOOS/GOARCH targets")
    ax.set_title("Targets per GOOS, as reported by go tool dist list -json", fontsize=11)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.xaxis.get_major_locator().set_params(integer=True)
    return _finish(fig, by_goos.attrs.get("label", ""))


# -- 2. one program, many binaries -----------------------------------------------


def binary_matrix(targets: Iterable[str] = MATRIX_TARGETS, program=HELLO, *,
                  toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Cross-compile one program for every target and read what each binary is from its headers.

    Args:
        targets: "goos/goarch" names.
        program: Anything :func:`goenv.build` accepts.
        toolchain: The toolchain to build with.

    Returns:
        One row per target: ``target``, ``format``, ``machine``, ``bits``,
        ``byte order``, ``linkage``, ``size (MiB)``, ``size_bytes``, ``file says``
        (a ``file``-style description) and ``error`` (empty when it built).
        A target that fails to build is a row with its error, not an exception.
    """
    import pandas as pd

    tc = _tc(toolchain)
    rows = []
    for target in targets:
        goos, goarch = parse_target(target)
        row = {"target": target}
        try:
            b = build(program, goos=goos, goarch=goarch, toolchain=tc)
        except GoEnvError as exc:
            rows.append({**row, "error": str(exc)})
            continue
        if not b.ok:
            rows.append({**row, "error": b.message})
            continue
        info = inspect_binary(b.binary, toolchain=tc, symbols=False)
        rows.append({**row, "format": info.format, "machine": info.machine, "bits": info.bits,
                     "byte order": info.endianness, "linkage": info.linkage or "",
                     "size (MiB)": round(info.size / 2**20, 2), "size_bytes": info.size,
                     "file says": file_description(info), "error": ""})
    cols = ["target", "format", "machine", "bits", "byte order", "linkage", "size (MiB)", "size_bytes",
            "file says", "error"]
    out = pd.DataFrame(rows, columns=cols)
    out["bits"] = out["bits"].astype("Int64")
    out["size_bytes"] = out["size_bytes"].astype("Int64")
    out.attrs["hide"] = ["size_bytes"]
    out.attrs["label"] = _host_label(tc, "cross-compiled here, headers read by goenv.inspection")
    return out


def plot_sizes(matrix: "pd.DataFrame") -> "Figure":
    """Horizontal bar chart of binary size per target, coloured by binary format.

    Args:
        matrix: The frame from :func:`binary_matrix`.

    Returns:
        The matplotlib Figure (an empty chart with a note when nothing built).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    built = matrix[matrix["size_bytes"].notna()].iloc[::-1]
    fig, ax = plt.subplots(figsize=(8.5, 0.32 * max(len(built), 1) + 1.5), layout="constrained")
    if built.empty:
        ax.text(0.5, 0.5, "no target built", ha="center", va="center", transform=ax.transAxes)
        return _finish(fig, matrix.attrs.get("label", ""))
    sizes = built["size_bytes"].astype(float) / 2**20
    ax.barh(built["target"], sizes, color=[_FORMAT_COLORS.get(f, "#9e9e9e") for f in built["format"]])
    for y, (n, bits, order) in enumerate(zip(built["size_bytes"], built["bits"], built["byte order"])):
        ax.annotate(f"{size_text(int(n))} · {bits}-bit · {order}-endian", (float(n) / 2**20, y), xytext=(4, 0),
                    textcoords="offset points", va="center", fontsize=7.5)
    ax.set_xlim(0, sizes.max() * 1.6)
    ax.set_xlabel("binary size (MiB)")
    ax.set_title("The same program, built for each target", fontsize=11)
    present = [f for f in _FORMAT_COLORS if f in set(built["format"])]
    # Outside the axes: inside, the legend would cover the labels of the longest bars.
    fig.legend(handles=[Patch(color=_FORMAT_COLORS[f], label=f) for f in present], loc="outside right upper",
               fontsize=8, frameon=False, title="format", title_fontsize=8)
    return _finish(fig, matrix.attrs.get("label", ""))


def explore_widget(program=HELLO, targets: Iterable[str] = RUN_TARGETS[:3] + ("windows/amd64", "js/wasm")):
    """The interactive target matrix, ready for the learner to pick targets and press "Build all".

    Returns:
        A :class:`goenv.widgets.TargetMatrix` (nothing is built until the button is pressed).
    """
    from ..widgets import target_matrix

    return target_matrix(program, list(targets), run=True, autorun=False)


# -- 3. run the Linux ones ---------------------------------------------------------


_SAYS_RE = re.compile(r"hello from (?P<target>\S+?), (?P<order>\w+)-endian, (?P<bits>\d+)-bit")


def run_linux(targets: Iterable[str] = RUN_TARGETS, program=HELLO, *,
              toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Build each Linux target and run it here: natively, or under qemu-user when it is installed.

    A target whose emulator is missing is reported in its row ("not run") and the
    others still run.

    Args:
        targets: Linux "goos/goarch" names.
        program: The program (by default :data:`HELLO`, which prints its byte order).
        toolchain: The toolchain to build with.

    Returns:
        Columns ``target``, ``runs as``, ``the program printed``, ``header byte order``
        (from the ELF header), ``agrees`` (the program's own byte order matches the
        header), ``wall time (ms)`` and ``note``. ``attrs["missing"]`` lists the
        targets that could not run.
    """
    import pandas as pd

    tc = _tc(toolchain)
    rows, missing = [], []
    for target in targets:
        goos, goarch = parse_target(target)
        runner = runner_for(goos, goarch, tc)
        row = {"target": target, "runs as": runner.name}
        b = build(program, goos=goos, goarch=goarch, toolchain=tc)
        if not b.ok:
            rows.append({**row, "note": b.message})
            continue
        info = inspect_binary(b.binary, toolchain=tc, symbols=False)
        row["header byte order"] = info.endianness
        if not runner.runnable:
            missing.append(target)
            rows.append({**row, "runs as": "not run", "note": runner.reason})
            continue
        r = run_binary(b, toolchain=tc)
        said = _first_line(r.stdout) or _first_line(r.stderr)
        m = _SAYS_RE.search(said)
        rows.append({**row, "the program printed": said,
                     "agrees": bool(m) and m.group("order") == info.endianness,
                     "wall time (ms)": round(r.run_duration_s * 1000),
                     "note": "" if r.ok else r.message})
    cols = ["target", "runs as", "the program printed", "header byte order", "agrees", "wall time (ms)", "note"]
    out = pd.DataFrame(rows, columns=cols)
    out["wall time (ms)"] = out["wall time (ms)"].astype("Int64")
    label = _host_label(tc, "native and emulated (qemu-user) runs; wall time includes emulator start-up")
    if missing:
        label += f" · not run here (no emulator): {', '.join(missing)}"
    out.attrs["label"] = label
    out.attrs["missing"] = missing
    return out


def run_note(runs: "pd.DataFrame"):
    """A short note under the run table: which targets could not run here and why, or that all ran.

    Args:
        runs: The frame from :func:`run_linux`.

    Returns:
        An IPython HTML object.
    """
    import html

    from IPython.display import HTML

    missing = runs.attrs.get("missing", [])
    if missing:
        text = (f"⚠ Not run on this machine: {', '.join(missing)}. Their binaries were built and inspected, "
                "but the qemu-user emulator they need is not installed (on Debian/Ubuntu: "
                "apt-get install qemu-user). The rest of the chapter works without it.")
        color = "var(--jp-warn-color1, #f57c00)"
    else:
        text = (f"All {len(runs)} Linux targets ran here. The emulated ones ran under qemu-user: their wall "
                "times measure the emulator on this machine, not how fast a real ARM, RISC-V, POWER or "
                "IBM Z machine would be.")
        color = "var(--jp-info-color1, #0288d1)"
    return HTML(f"<div style='border-left:4px solid {color};padding:4px 10px'>{html.escape(text)}</div>")


# -- 4. cold vs warm build cache ---------------------------------------------------

_LAST_COLD_WARM: "pd.DataFrame | None" = None


def _timed_build(tc: Toolchain, src: Path, out: Path, env: dict[str, str]) -> float:
    """Seconds for one ``go build`` with an explicit environment (GOCACHE included)."""
    out.unlink(missing_ok=True)  # no up-to-date binary to reuse: the linker always runs
    t0 = time.perf_counter()
    proc = tc.run_go(["build", "-o", str(out), "."], cwd=src, env=env, timeout=_SAMPLE_TIMEOUT_S)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise GoEnvError(f"go build for {env.get('GOOS')}/{env.get('GOARCH')} failed: "
                         f"{_first_line(proc.stderr) or proc.returncode}")
    return seconds


def _std_packages(tc: Toolchain, src: Path, env: dict[str, str]) -> int:
    """How many standard-library packages the program needs for this target (``go list -deps``)."""
    proc = tc.run_go(["list", "-deps", "-f", "{{if .Standard}}{{.ImportPath}}{{end}}", "."], cwd=src, env=env,
                     timeout=120)
    return sum(1 for ln in proc.stdout.splitlines() if ln.strip()) if proc.returncode == 0 else 0


def _dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def cold_vs_warm(target: str = COLD_TARGET, *, cold_samples: int = 2, warm_samples: int = 5, program=HELLO,
                 toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Time the first build for a target (empty build cache) against later builds (warm cache).

    Each cold sample gets its own empty, throwaway ``GOCACHE`` in a temporary
    directory, so the standard library is compiled for the target from scratch;
    the learner's persistent cache is never touched. Each warm sample edits the
    program (appends a comment) and rebuilds with the cache the last cold build
    filled: the realistic "I changed my code" build, where only the program's own
    package is compiled before linking.

    Args:
        target: "goos/goarch" to time.
        cold_samples: Builds with an empty cache (at least 1).
        warm_samples: Builds with the warm cache (at least 1).
        program: The program to build.
        toolchain: The toolchain to build with.

    Returns:
        One row per sample: ``phase`` ("cold" or "warm"), ``sample``, ``seconds``.
        ``attrs`` holds ``target``, ``std_packages`` (standard-library packages the
        program needs, all compiled by a cold build), ``cache_mib`` (what the cold
        build wrote into GOCACHE) and ``label``.

    Raises:
        GoEnvError: a build failed (this program builds for every course target).
    """
    import pandas as pd

    global _LAST_COLD_WARM
    tc = _tc(toolchain)
    goos, goarch = parse_target(target)
    prog = Program.coerce(program)
    rows = []
    with tempfile.TemporaryDirectory(prefix="goenv-ch01-cold-") as tmp:
        root = Path(tmp)
        src = prog.materialize(root / "src", go_version=language_version(tc))
        out = root / "out" / "prog"
        out.parent.mkdir()
        cache = root / "gocache-0"
        for i in range(max(1, cold_samples)):
            cache = root / f"gocache-{i}"
            env = {"GOOS": goos, "GOARCH": goarch, "GOCACHE": str(cache)}
            rows.append({"phase": "cold", "sample": i + 1, "seconds": _timed_build(tc, src, out, env)})
        cache_mib = _dir_bytes(cache) / 2**20
        std = _std_packages(tc, src, env)
        main_go = src / "main.go"
        original = main_go.read_text() if main_go.exists() else None
        for i in range(max(1, warm_samples)):
            if original is not None:
                # A changed source file changes the package's cache key: Go must recompile it.
                main_go.write_text(original + f"\n// edit {i + 1}\n")
            rows.append({"phase": "warm", "sample": i + 1, "seconds": _timed_build(tc, src, out, env)})
    frame = pd.DataFrame(rows, columns=["phase", "sample", "seconds"])
    frame.attrs.update(target=target, std_packages=std, cache_mib=round(cache_mib, 1),
                       label=f"{_build_label(tc, target)} · a fresh throwaway GOCACHE per cold sample")
    _LAST_COLD_WARM = frame
    return frame


def cold_warm_summary(samples: "pd.DataFrame") -> "pd.DataFrame":
    """Median, fastest and slowest build per phase, and how many times slower cold is.

    Args:
        samples: The frame from :func:`cold_vs_warm`.

    Returns:
        Columns ``phase``, ``samples``, ``median (s)``, ``min (s)``, ``max (s)``,
        ``× warm median``; ``attrs["ratio"]`` is cold median / warm median.
    """
    import pandas as pd

    rows = []
    medians = {}
    for phase in ("cold", "warm"):
        s = samples.loc[samples["phase"] == phase, "seconds"]
        medians[phase] = statistics.median(s)
        rows.append({"phase": phase, "samples": len(s), "median (s)": medians[phase],
                     "min (s)": s.min(), "max (s)": s.max()})
    ratio = medians["cold"] / medians["warm"]
    out = pd.DataFrame(rows)
    out["× warm median"] = [ratio, 1.0]
    out.attrs.update(samples.attrs)
    out.attrs["ratio"] = ratio
    out.attrs["label"] = (f"{samples.attrs.get('label', '')} · the cold build compiled "
                          f"{samples.attrs.get('std_packages')} standard-library packages and wrote "
                          f"{samples.attrs.get('cache_mib')} MiB to its GOCACHE")
    return out


def plot_cold_warm(samples: "pd.DataFrame") -> "Figure":
    """Two bars, cold and warm median build time, with every sample as a dot.

    Args:
        samples: The frame from :func:`cold_vs_warm`.

    Returns:
        The matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    summary = cold_warm_summary(samples)
    fig, ax = plt.subplots(figsize=(6.5, 3.4), layout="constrained")
    names = ["cold: empty GOCACHE", "warm: edited program,\nstandard library cached"]
    colors = ["#c44e52", "#4c72b0"]
    ax.bar(names, summary["median (s)"], color=colors, width=0.55, alpha=0.85)
    for x, phase in enumerate(("cold", "warm")):
        pts = samples.loc[samples["phase"] == phase, "seconds"]
        ax.scatter([x] * len(pts), pts, color="black", s=14, zorder=3)
        ax.annotate(f"{summary['median (s)'].iloc[x]:.2f} s", (x, summary["median (s)"].iloc[x]),
                    xytext=(0, 6), textcoords="offset points", ha="center", fontsize=9)
    ax.set_ylabel("go build wall time (s)")
    ax.set_ylim(0, samples["seconds"].max() * 1.2)
    ratio = summary.attrs["ratio"]
    ax.set_title(f"First build for {samples.attrs.get('target')} vs a rebuild: "
                 f"cold is {ratio:.0f}× slower (median; dots = samples)", fontsize=10)
    return _finish(fig, samples.attrs.get("label", ""))


#: Options of the "how much slower is a cold build?" prediction, from the smallest ratio up.
COLD_WARM_OPTIONS = ["less than 2× slower", "2× to 10× slower", "10× to 100× slower", "more than 100× slower"]


def _ratio_option(ratio: float) -> str:
    bounds = (2, 10, 100)
    return COLD_WARM_OPTIONS[sum(ratio >= b for b in bounds)]


def cold_warm_reveal(toolchain: Toolchain | None = None) -> tuple[str, str]:
    """The answer to the cold-vs-warm prediction, from the chapter's measurement.

    Uses the last :func:`cold_vs_warm` measurement of this session; if there is
    none yet, measures one cold and one warm build now.

    Returns:
        (the option the measured ratio falls in, an explanation with the numbers).
    """
    samples = _LAST_COLD_WARM if _LAST_COLD_WARM is not None else cold_vs_warm(
        cold_samples=1, warm_samples=1, toolchain=toolchain)
    s = cold_warm_summary(samples)
    ratio = s.attrs["ratio"]
    cold, warm = s["median (s)"].iloc[0], s["median (s)"].iloc[1]
    return _ratio_option(ratio), (
        f"Measured for {samples.attrs['target']}: cold {cold:.2f} s, warm {warm:.2f} s (×{ratio:.0f}). "
        f"The cold build compiled {samples.attrs['std_packages']} standard-library packages for the target; "
        "the warm one compiled only the edited main package, then linked.")


# -- 5. sub-architecture levels -----------------------------------------------------


#: (target, level variable, value; None = Go's default) compared by :func:`level_builds`.
LEVELS = tuple([("linux/amd64", "GOAMD64", v) for v in (None, "v3", "v4")]
               + [("linux/arm64", "GOARM64", v) for v in (None, "v8.1", "v9.0")])


#: Packages the chapter's level experiments import (their dependencies are compiled too).
LEVEL_PACKAGES = ("fmt", "math/bits", "os", "runtime", "unsafe")


def prewarm_levels(*, toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Compile the packages of section 5 for every non-default level into the persistent build cache.

    A level is part of the build-cache key, like GOOS/GOARCH, so ``GOAMD64=v3`` is
    "a new target" for the cache: its first build compiles the standard library.
    ``python -m goenv prewarm`` warms only the default levels; run this once where
    the course is installed (e.g. after it in binder/postBuild) so section 5 is quick.

    Args:
        toolchain: The toolchain whose cache to warm.

    Returns:
        One row per level: ``target``, ``level``, ``ok``, ``seconds`` and ``error``.
    """
    import pandas as pd

    tc = _tc(toolchain)
    wanted = [(t, var, v) for t, var, v in LEVELS if v is not None]
    wanted += [("linux/amd64", "GOAMD64", "v3")]  # popcount_disasm's level, in case LEVELS changes
    rows = []
    for target, var, value in dict.fromkeys(wanted):
        goos, goarch = parse_target(target)
        t0 = time.perf_counter()
        proc = tc.run_go(["build", *LEVEL_PACKAGES], env={"GOOS": goos, "GOARCH": goarch, var: value},
                         timeout=_SAMPLE_TIMEOUT_S)
        rows.append({"target": target, "level": f"{var}={value}", "ok": proc.returncode == 0,
                     "seconds": round(time.perf_counter() - t0, 2),
                     "error": "" if proc.returncode == 0 else _first_line(proc.stderr)})
        LOGGER.info("prewarm %s %s=%s: %.1f s", target, var, value, rows[-1]["seconds"])
    return pd.DataFrame(rows, columns=["target", "level", "ok", "seconds", "error"])


def level_builds(program=HELLO, *, toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Build the program at several GOAMD64 / GOARM64 levels, read the level back, and try to run it.

    Args:
        program: The program to build.
        toolchain: The toolchain to build with.

    Returns:
        Columns ``target``, ``asked for`` (the variable as set, or "(default)"),
        ``build info records`` (the setting ``go version -m`` reads from the binary),
        ``runs as`` and ``result`` (the program's first line, or why it did not run).
    """
    import pandas as pd

    tc = _tc(toolchain)
    rows = []
    for target, var, value in LEVELS:
        goos, goarch = parse_target(target)
        b = build(program, goos=goos, goarch=goarch, toolchain=tc, **{var.lower(): value})
        row = {"target": target, "asked for": f"{var}={value}" if value else "(default)"}
        if not b.ok:
            rows.append({**row, "result": b.message})
            continue
        recorded = read_buildinfo(b.binary, toolchain=tc).settings.get(var, "(not recorded)")
        runner = runner_for(goos, goarch, tc)
        row.update({"build info records": f"{var}={recorded}", "runs as": runner.name})
        if not runner.runnable:
            rows.append({**row, "runs as": "not run", "result": runner.reason})
            continue
        r = run_binary(b, toolchain=tc)
        rows.append({**row, "result": (_first_line(r.stdout) if r.ok else
                                       _first_line(r.stderr) or r.message)})
    out = pd.DataFrame(rows, columns=["target", "asked for", "build info records", "runs as", "result"])
    out.attrs["label"] = _host_label(tc, "levels read back with go version -m; runs native or under qemu-user")
    return out


def popcount_disasm(levels: Iterable[str] = ("v1", "v3"), *, toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Disassemble ``main.count`` (one ``bits.OnesCount64``) for linux/amd64 at each GOAMD64 level.

    Args:
        levels: GOAMD64 values to compare.
        toolchain: The toolchain to build with.

    Returns:
        One column per level (``GOAMD64=v1``, ...), one instruction per row, in
        address order; shorter listings are padded with empty cells.
        ``attrs["instructions"]`` maps each column to its instruction count.
    """
    import pandas as pd

    from ..disasm import disassemble

    tc = _tc(toolchain)
    listings = {}
    for level in levels:
        b = build(POPCOUNT, goos="linux", goarch="amd64", goamd64=level, toolchain=tc)
        if not b.ok:
            raise GoEnvError(f"the popcount program did not build for GOAMD64={level}: {b.message}")
        listings[f"GOAMD64={level}"] = [i.text for i in disassemble(b.binary, "main.count", toolchain=tc)]
    longest = max(len(v) for v in listings.values())
    out = pd.DataFrame({k: v + [""] * (longest - len(v)) for k, v in listings.items()})
    out.attrs["instructions"] = {k: len(v) for k, v in listings.items()}
    out.attrs.update(code=True, highlight="POPCNT")
    out.attrs["label"] = f"{tc.version} · linux/amd64 · go tool objdump -s main.count, built, not run"
    return out


# -- 6. cgo and cross-compiling (errata 2.1-a) ---------------------------------------


def _cgo_outcome(b) -> str:
    """A short outcome for a cgo build: "built", or the go command's key line."""
    if b.ok:
        return "built"
    text = b.output or b.message
    if "build constraints exclude all Go files" in text:
        return "fails: build constraints exclude all Go files"
    line = next((ln.strip() for ln in text.splitlines()
                 if ln.strip() and not ln.startswith("#") and "Assembler messages" not in ln), b.message)
    return "fails: " + line


def _cgo_files(tc: Toolchain, program, env: dict[str, str]) -> tuple[str, str]:
    """``go list``'s view of the program for a target: (cgo files, files excluded by build constraints)."""
    prog = Program.coerce(program)
    with tempfile.TemporaryDirectory(prefix="goenv-ch01-list-") as tmp:
        src = prog.materialize(Path(tmp), go_version=language_version(tc))
        proc = tc.run_go(["list", "-e", "-f", "{{join .CgoFiles \",\"}}|{{join .IgnoredGoFiles \",\"}}", "."],
                         cwd=src, env=env, timeout=120)
    cgo, _, ignored = proc.stdout.strip().partition("|")
    return cgo or "(none)", ignored or "(none)"


def cgo_evidence(cross: str = COLD_TARGET, *, toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Measure what cgo does when cross-compiling.

    Asks ``go env CGO_ENABLED`` natively and for the cross target, cross-builds a
    pure-Go program, asks ``go list`` how it sees :data:`CGO_HELLO` (which imports
    "C") natively and for the target, then cross-builds that program with default
    settings and with ``CGO_ENABLED=1`` and the host's C compiler. Only default
    environments are used (no CGO_ENABLED) except in the last build, so the rows
    show Go's own defaults.

    Args:
        cross: The foreign "goos/goarch" to cross-compile for.
        toolchain: The toolchain to use.

    Returns:
        Columns ``experiment``, ``target``, ``result``; ``attrs`` holds the raw facts
        (``native_default``, ``cross_default``, ``pure_cross_ok``, ``cgo_files_native``,
        ``ignored_cross``, ``cgo_cross_default``, ``cgo_cross_forced``) that
        :func:`cgo_myth` judges.
    """
    import pandas as pd

    tc = _tc(toolchain)
    goos, goarch = parse_target(cross)
    host = f"{tc.hostos}/{tc.hostarch}"
    target_env = {"GOOS": goos, "GOARCH": goarch}
    native_default = tc.run_go(["env", "CGO_ENABLED"]).stdout.strip()
    cross_default = tc.run_go(["env", "CGO_ENABLED"], env=target_env).stdout.strip()
    pure = build(HELLO, goos=goos, goarch=goarch, toolchain=tc)
    cgo_native, _ = _cgo_files(tc, CGO_HELLO, {})
    _, ignored_cross = _cgo_files(tc, CGO_HELLO, target_env)
    cgo_cross = build(CGO_HELLO, goos=goos, goarch=goarch, toolchain=tc)
    cgo_forced = build(CGO_HELLO, goos=goos, goarch=goarch, cgo=1, toolchain=tc)
    facts = {
        "native_default": native_default, "cross_default": cross_default, "pure_cross_ok": pure.ok,
        "cgo_files_native": cgo_native, "ignored_cross": ignored_cross,
        "cgo_cross_default": _cgo_outcome(cgo_cross), "cgo_cross_forced": _cgo_outcome(cgo_forced),
    }
    rows = [
        ("go env CGO_ENABLED (no GOOS/GOARCH set)", host, native_default),
        (f"go env CGO_ENABLED with GOOS={goos} GOARCH={goarch}", cross, cross_default),
        ("pure-Go program: go build", cross, "built" if pure.ok else pure.message),
        ('program with import "C": go list, cgo files', host, cgo_native),
        ('program with import "C": go list, files excluded by build constraints', cross, ignored_cross),
        ('program with import "C": go build', cross, facts["cgo_cross_default"]),
        ('program with import "C": CGO_ENABLED=1 go build (host C compiler)', cross, facts["cgo_cross_forced"]),
    ]
    out = pd.DataFrame(rows, columns=["experiment", "target", "result"])
    out.attrs.update(facts)
    out.attrs["cross"] = cross
    out.attrs["label"] = _host_label(tc, "default settings unless a row says otherwise; nothing was run")
    return out


#: Options of the "what happens to a cgo program cross-compiled with default settings?" prediction.
CGO_OPTIONS = [
    "It builds: Go brings its own C compiler for every target",
    "It fails: cgo is off when cross-compiling, so the file that imports \"C\" is left out",
    "It fails: the host's C compiler cannot produce code for the target",
]


def cgo_reveal(cross: str = COLD_TARGET, *, toolchain: Toolchain | None = None) -> tuple[str, str]:
    """Cross-build :data:`CGO_HELLO` with default settings now and say which option happened.

    Returns:
        (the matching option of :data:`CGO_OPTIONS`, the go command's message).
    """
    tc = _tc(toolchain)
    goos, goarch = parse_target(cross)
    outcome = _cgo_outcome(build(CGO_HELLO, goos=goos, goarch=goarch, toolchain=tc))
    if outcome == "built":
        option = CGO_OPTIONS[0]
    elif "build constraints exclude" in outcome:
        option = CGO_OPTIONS[1]
    else:
        option = CGO_OPTIONS[2]
    return option, (f"GOOS={goos} GOARCH={goarch} go build → {outcome}. Cross-compiling switches CGO_ENABLED "
                    "to 0, and a file that imports \"C\" only builds with cgo on.")


def cgo_myth(evidence: "pd.DataFrame", *, show: bool = True) -> MythCheck:
    """Myth check 2.1-a: "no target toolchain is needed to cross-compile", judged from :func:`cgo_evidence`.

    The verdict is "misleading" when pure Go cross-compiles but the cgo program
    does not (true only in part), "true" if the cgo program cross-compiled too,
    and "false" if even pure Go failed to cross-compile.
    """
    a = evidence.attrs
    cgo_cross_ok = a["cgo_cross_default"] == "built"
    if not a["pure_cross_ok"]:
        verdict = "false"
    elif cgo_cross_ok:
        verdict = "true"
    else:
        verdict = "misleading"
    cross = a["cross"]
    return myth_check(
        "2.1-a",
        claim="Cross-compiling needs no toolchain for the target platform (seed, section 2.1).",
        experiment=f"Asked go env for the cgo default and go list which files count, then cross-built a pure-Go "
                   f"program and a program that imports \"C\" for {cross}.",
        verdict=verdict,
        evidence={
            "CGO_ENABLED default, native": a["native_default"],
            f"CGO_ENABLED default, {cross}": a["cross_default"],
            f"pure Go → {cross}": "built" if a["pure_cross_ok"] else "failed",
            f'import "C": files excluded for {cross}': a.get("ignored_cross", ""),
            f'import "C" → {cross} (default)': a["cgo_cross_default"],
            f'import "C" → {cross}, CGO_ENABLED=1': a["cgo_cross_forced"],
        },
        truth="True for pure Go only. Cross-compiling turns cgo off by default, so code that imports \"C\" "
              "drops out of the build; building it needs a C cross-compiler for the target "
              "(CC=<target>-gcc CGO_ENABLED=1).",
        label=evidence.attrs.get("label", ""),
        show=show,
    )


# -- 7. -H=windowsgui (errata 3.2-c) ---------------------------------------------------


def windowsgui_evidence(target: str = "linux/arm64", program=HELLO, *,
                        toolchain: Toolchain | None = None) -> "pd.DataFrame":
    """Build for ``target`` without and with ``-ldflags -H=windowsgui``, inspect both, try to run both.

    Args:
        target: The GOOS/GOARCH the seed's diagram uses.
        program: The program to build.
        toolchain: The toolchain to use.

    Returns:
        Columns ``ldflags``, ``format``, ``subsystem``, ``machine``, ``file says`` and
        ``run under qemu`` (what happened when started as a Linux program).
    """
    import pandas as pd

    tc = _tc(toolchain)
    goos, goarch = parse_target(target)
    runner = runner_for(goos, goarch, tc)
    rows = []
    for ldflags in (None, "-H=windowsgui"):
        b = build(program, goos=goos, goarch=goarch, ldflags=ldflags, toolchain=tc)
        row = {"ldflags": ldflags or "(none)"}
        if not b.ok:
            rows.append({**row, "file says": b.message})
            continue
        info = inspect_binary(b.binary, toolchain=tc, symbols=False)
        row.update({"format": info.format, "subsystem": info.subsystem or "", "machine": info.machine,
                    "file says": file_description(info)})
        if runner.runnable:
            r = run_binary(b, toolchain=tc)
            said = _first_line(r.stdout)
            row["run as Linux program"] = (f"printed: {said}" if r.ok and said else
                                           f"printed {'nothing' if not said else repr(said)}; {r.message}")
        else:
            row["run as Linux program"] = f"not tried: {runner.reason}"
        rows.append(row)
    out = pd.DataFrame(rows, columns=["ldflags", "format", "subsystem", "machine", "file says",
                                      "run as Linux program"])
    out.attrs["target"] = target
    out.attrs["label"] = f"{tc.version} · GOOS={goos} GOARCH={goarch} · runs via {runner.name}"
    return out


def windowsgui_myth(evidence: "pd.DataFrame", *, show: bool = True) -> MythCheck:
    """Myth check 3.2-c: the diagram says ``-H=windowsgui`` with GOOS=linux GOARCH=arm64 gives a Linux arm64 image.

    The claim holds only if the ``-H=windowsgui`` binary is an ELF file for AArch64.
    """
    target = evidence.attrs.get("target", "linux/arm64")
    gui = evidence[evidence["ldflags"] == "-H=windowsgui"].iloc[0]
    plain = evidence[evidence["ldflags"] == "(none)"].iloc[0]
    holds = gui["format"] == "ELF" and gui["machine"] == "AArch64"
    return myth_check(
        "3.2-c",
        claim="The seed's diagram: go build --ldflags -H=windowsgui, with GOOS=linux GOARCH=arm64, "
              "produces a Linux arm64 image.",
        experiment=f"Built the same program for {target} with and without -ldflags -H=windowsgui and read "
                   "both headers.",
        holds=bool(holds),
        evidence={
            "without -H: format": f"{plain['format']} ({plain['machine']})",
            "with -H=windowsgui: format": f"{gui['format']} ({gui['machine']})",
            "with -H=windowsgui: PE subsystem": gui["subsystem"] or "(none)",
            "with -H=windowsgui: run as Linux program": gui["run as Linux program"],
        },
        truth="-H picks the linker's output format and overrides what GOOS would choose: -H=windowsgui writes "
              "a Windows GUI executable (PE, subsystem GUI) for the GOARCH's machine. It is not a Linux image, "
              "and Linux will not start it.",
        label=evidence.attrs.get("label", ""),
        show=show,
    )
