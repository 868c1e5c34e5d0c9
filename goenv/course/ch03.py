"""Chapter 03 — the cgo boundary and CGO-free static builds (seed 2.3 and 2.5).

Every function here runs a real experiment with the course's Go toolchain and
returns something a notebook cell displays: a DataFrame (through :func:`show`),
a matplotlib figure, a myth-check card or a "check yourself" widget.

The chapter builds one small program that uses ``net`` and ``os/user`` in
several ways (``CGO_ENABLED=1``, ``0``, ``off``, ``-tags netgo,osusergo``, an
external static link), inspects each binary's linkage, runs the static one
with ``GODEBUG=netdns=go+2``, times a cgo call against a Go call, compiles the
seed's ``syscall.Syscall6`` example, and reads ``os.File.Sync`` in the
toolchain's own source.

cgo needs a C compiler, which a learner's machine may lack. Every experiment
checks :func:`c_compiler` first; without one it says what it could not do and
carries on with what it can measure.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from .. import api
from ..build import build, language_version
from ..errors import GoEnvError, InvalidOption
from ..inspection import BinaryInfo, inspect_binary
from ..options import BuildOptions
from ..parsers import parse_bench, summarize_bench
from ..results import BuildResult, RunResult
from ..runners import runner_for
from ..toolchain import Toolchain, default
from ..workspace import Program, remove_dir
from .labels import label as course_label
from .myth import MythCheck, myth_check
from .quiz import choice, predict
from .tables import show, show_go

LOGGER = logging.getLogger(__name__)

#: Wall-time limit for one run of a chapter program (they finish in milliseconds).
RUN_TIME_S = 20.0
#: Wall-time limit for the benchmark binary (count x benchtime x 4 benchmarks, plus calibration).
BENCH_TIME_S = 300.0

# ---------------------------------------------------------------------------
# The chapter's programs (the notebook's %%go cells hold the same text; a test keeps them equal)
# ---------------------------------------------------------------------------

#: A program whose only C dependencies come from the standard library: net and os/user.
NETDEMO = '''package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/user"
	"time"
)

// net (name lookups) and os/user (user lookups) are the two standard
// packages that call the C library when cgo is enabled.
func main() {
	names := os.Args[1:]
	if len(names) == 0 {
		names = []string{"localhost"}
	}
	for _, name := range names {
		// A short deadline: the course runs offline, and a lookup that needs
		// the network should fail fast instead of waiting for DNS timeouts.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		addrs, err := net.DefaultResolver.LookupHost(ctx, name)
		cancel()
		fmt.Printf("LookupHost(%s): %v err=%v\\n", name, addrs, err)
	}
	if u, err := user.Current(); err != nil {
		fmt.Println("user.Current: error:", err)
	} else {
		fmt.Printf("user.Current: %s (uid %s)\\n", u.Username, u.Uid)
	}
}
'''

#: The seed's raw-openat function, verbatim (its indentation too), plus a main that calls it.
SEED_OPENAT = '''package main

import (
	"fmt"
	"syscall"
	"unsafe"
)

// Verbatim from the seed, section 2.3
func openat(dirfd int, path string, flags uint64, mode uint32) (int, error) {
    p, err := syscall.BytePtrFromString(path)
    if err != nil {
        return -1, err
    }
    r1, _, e1 := syscall.Syscall6(syscall.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)), flags, uintptr(mode), 0, 0)
    if e1 != 0 {
        return int(r1), e1
    }
    return int(r1), nil
}

func main() {
	fd, err := openat(syscall.AT_FDCWD, "/etc/hostname", syscall.O_RDONLY, 0)
	fmt.Println(fd, err)
}
'''

#: The corrected raw openat: every Syscall6 argument is a uintptr, AT_FDCWD is defined here.
FIXED_OPENAT = '''//go:build linux

package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

// Package syscall does not export AT_FDCWD ("relative to the current
// directory") on Linux; golang.org/x/sys/unix has it as unix.AT_FDCWD.
const atFDCWD = -100

// openat makes the openat(2) system call directly. Syscall6 takes only
// uintptr arguments, so every value is converted explicitly.
func openat(dirfd int, path string, flags int, mode uint32) (int, error) {
	p, err := syscall.BytePtrFromString(path)
	if err != nil {
		return -1, err
	}
	r1, _, errno := syscall.Syscall6(syscall.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		uintptr(flags), uintptr(mode), 0, 0)
	if errno != 0 {
		return -1, errno
	}
	return int(r1), nil
}

func main() {
	// System call numbers differ per architecture: the same source asks the
	// kernel for a different number on amd64 and on arm64.
	fmt.Printf("GOARCH=%s SYS_OPENAT=%d\\n", runtime.GOARCH, syscall.SYS_OPENAT)
	if err := os.WriteFile("note.txt", []byte("hello\\n"), 0o644); err != nil {
		fmt.Println("setup:", err)
		return
	}
	fd, err := openat(atFDCWD, "note.txt", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	fmt.Println("openat(note.txt):", fd, err)
	if err == nil {
		buf := make([]byte, 64)
		n, _ := syscall.Read(fd, buf)
		fmt.Printf("read: %q\\n", buf[:n])
		syscall.Close(fd)
	}
	_, err = openat(atFDCWD, "missing.txt", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	fmt.Printf("openat(missing.txt): %v (errno ENOENT: %v)\\n", err, err == syscall.ENOENT)
}
'''

#: A program that writes a file and forces it to stable storage with f.Sync().
SYNC_DEMO = '''package main

import (
	"fmt"
	"os"
)

func main() {
	f, err := os.CreateTemp("", "sync-*.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	fmt.Fprintln(f, "important data")
	// Sync asks the OS to push the data to stable storage: how it does that
	// differs per OS (see the source table below).
	fmt.Println("f.Sync():", f.Sync())
}
'''

#: Benchmarks of a Go call, cgo calls and a system call. The cgo files carry
#: ``//go:build cgo`` so the Go-only benchmarks still run without a C compiler.
CGO_BENCH = {
    "gofunc.go": '''package callcost

// go:noinline keeps the compiler from inlining the call away, so the
// benchmark measures a real Go function call.
//
//go:noinline
func goAdd(a, b int32) int32 { return a + b }
''',
    "cfunc.go": '''//go:build cgo

package callcost

/*
static int c_add(int a, int b) { return a + b; }
static void c_noop(void) {}
*/
import "C"

func cAdd(a, b int32) int32 { return int32(C.c_add(C.int(a), C.int(b))) }

func cNoop() { C.c_noop() }
''',
    "go_test.go": '''package callcost

import (
	"syscall"
	"testing"
)

// sink keeps results alive so the compiler cannot drop the calls.
var sink int32

func BenchmarkGoCall(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = goAdd(int32(i), 1)
	}
}

// For scale: a cheap real system call.
func BenchmarkSyscallGetpid(b *testing.B) {
	for i := 0; i < b.N; i++ {
		syscall.Getpid()
	}
}
''',
    "cgo_test.go": '''//go:build cgo

package callcost

import "testing"

func BenchmarkCgoCallNoop(b *testing.B) {
	for i := 0; i < b.N; i++ {
		cNoop()
	}
}

func BenchmarkCgoCallAdd(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = cAdd(int32(i), 1)
	}
}
''',
}

#: Benchmark function → what the learner sees, in display order.
BENCH_NAMES = {
    "BenchmarkGoCall": "Go call: goAdd(a, b)",
    "BenchmarkCgoCallNoop": "cgo call: C.c_noop()",
    "BenchmarkCgoCallAdd": "cgo call: C.c_add(a, b)",
    "BenchmarkSyscallGetpid": "system call: syscall.Getpid()",
}

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def c_compiler() -> str | None:
    """Path of the C compiler cgo would use, or None.

    On Linux Go runs ``$CC`` if set, else ``gcc``. Without it, Go's default
    becomes CGO_ENABLED=0 and code that needs cgo cannot be built at all.

    Returns:
        The compiler's path, or None when there is none on PATH.
    """
    cc = os.environ.get("CC", "").split()
    return shutil.which(cc[0] if cc else "gcc")


def _tc(toolchain: Toolchain | None) -> Toolchain:
    return toolchain or default()


def _program(program) -> Program:
    return Program.coerce(program if program is not None else NETDEMO, name="netdemo")


def ldd_summary(path: str | os.PathLike) -> str:
    """What ``ldd`` says about a binary, in one short line.

    Returns:
        ``"not a dynamic executable"``, the libraries as ``name → path`` pairs,
        or ``"ldd not installed"``.
    """
    ldd = shutil.which("ldd")
    if not ldd:
        return "ldd not installed"
    try:
        p = subprocess.run([ldd, str(path)], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"ldd failed: {exc}"
    text = p.stdout + p.stderr
    if "not a dynamic executable" in text or "statically linked" in text:
        return "not a dynamic executable"
    libs = []
    for line in p.stdout.splitlines():
        m = re.match(r"\s*(\S+) => (\S+)", line)
        if m:
            libs.append(f"{m.group(1)} → {m.group(2)}")
    # Only "name => path" lines: the vDSO and the loader itself, which every
    # dynamic binary lists, have no "=>".
    if libs:
        return "; ".join(libs)
    return text.strip().splitlines()[0] if text.strip() else "no output"


def effective_cgo(setting: str | None, *, toolchain: Toolchain | None = None) -> str:
    """What ``go env CGO_ENABLED`` reports when CGO_ENABLED holds ``setting``.

    Args:
        setting: the raw value ("1", "0", "off", ...) or None for unset.

    Returns:
        "1" or "0": the value the go command actually uses.
    """
    env = {"CGO_ENABLED": setting} if setting is not None else None
    proc = _tc(toolchain).run_go(["env", "CGO_ENABLED"], env=env, timeout=60)
    return proc.stdout.strip()


# ---------------------------------------------------------------------------
# Build variants and their linkage
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One way of building the chapter's program, and what came out.

    Attributes:
        key: short name ("cgo1", "cgo0", "off", "netgo", "external").
        label: what the tables and plots call it.
        command: the equivalent shell command.
        cgo_setting: the CGO_ENABLED value in the build's environment.
        cgo_effective: what ``go env CGO_ENABLED`` says under that setting.
        ok: the binary was built.
        info: the binary's headers (linkage, loader, libraries, size), or None.
        ldd: what ``ldd`` says.
        output: the go command's output (linker warnings live here).
        build: the goenv BuildResult (None for the raw-toolchain build of "off").
        skipped: why the variant was not built (no C compiler), or "".
    """

    key: str
    label: str
    command: str
    cgo_setting: str
    cgo_effective: str = ""
    ok: bool = False
    info: BinaryInfo | None = None
    ldd: str = ""
    output: str = ""
    build: BuildResult | None = None
    skipped: str = ""

    @property
    def binary(self) -> str | None:
        """Path of the binary (in goenv's binary cache), when goenv built it."""
        return self.build.binary if self.build is not None and self.build.ok else None


_EXTERNAL_LDFLAGS = '-linkmode external -extldflags "-static"'
#: key → (label, command, CGO_ENABLED value, goenv options or None for a raw go build, needs a C compiler)
VARIANTS = {
    "cgo1": ("CGO_ENABLED=1", "CGO_ENABLED=1 go build", "1", {"cgo": 1}, True),
    "cgo0": ("CGO_ENABLED=0", "CGO_ENABLED=0 go build", "0", {"cgo": 0}, False),
    "off": ("CGO_ENABLED=off", "CGO_ENABLED=off go build", "off", None, False),
    # netgo/osusergo remove the only cgo users, so no C compiler is needed.
    "netgo": ("tags netgo,osusergo", "CGO_ENABLED=1 go build -tags netgo,osusergo", "1",
              {"cgo": 1, "tags": ("netgo", "osusergo")}, False),
    "external": ("external static link", f"CGO_ENABLED=1 go build -ldflags '{_EXTERNAL_LDFLAGS}'", "1",
                 {"cgo": 1, "ldflags": _EXTERNAL_LDFLAGS}, True),
}


def build_variants(program=None, keys=("cgo1", "cgo0"), *, toolchain: Toolchain | None = None) -> dict[str, Variant]:
    """Build the program in each requested way and inspect every binary.

    ``"off"`` is built with the raw go command (goenv refuses CGO_ENABLED=off,
    because Go silently ignores it); the others go through :func:`goenv.build`
    and its binary cache. Variants that need a C compiler are skipped, with the
    reason, when there is none.

    Args:
        program: the program (default :data:`NETDEMO`); source, dict or Program.
        keys: which of :data:`VARIANTS` to build, in order.
        toolchain: the Go toolchain (default: the course's).

    Returns:
        key → Variant, in the order of ``keys``.

    Raises:
        KeyError: an unknown key.
    """
    tc = _tc(toolchain)
    prog = _program(program)
    cc = c_compiler()
    out: dict[str, Variant] = {}
    for key in keys:
        label, command, setting, options, needs_cc = VARIANTS[key]
        LOGGER.info("ch03: building variant %s (%s)", key, command)
        v = Variant(key, label, command, setting, cgo_effective=effective_cgo(setting, toolchain=tc))
        if needs_cc and cc is None:
            out[key] = replace(v, skipped="needs a C compiler (gcc), which this machine does not have")
            continue
        if options is None:
            out[key] = _raw_build(v, prog, tc)
            continue
        b = build(prog, toolchain=tc, **options)
        info = inspect_binary(b.binary, toolchain=tc, symbols=False) if b.ok else None
        out[key] = replace(v, ok=b.ok, info=info, ldd=ldd_summary(b.binary) if b.ok else "",
                           output=b.output, build=b)
    return out


def _raw_build(v: Variant, prog: Program, tc: Toolchain) -> Variant:
    """``CGO_ENABLED=<raw value> go build`` in a temporary module, as a learner would type it."""
    workdir = prog.materialize(go_version=language_version(tc))
    try:
        out = workdir / "prog"
        proc = tc.run_go(["build", "-o", str(out), "."], cwd=workdir, env={"CGO_ENABLED": v.cgo_setting})
        output = (proc.stdout + proc.stderr).replace(str(workdir) + os.sep, "")
        if proc.returncode != 0 or not out.is_file():
            return replace(v, output=output, skipped="build failed: " + (output.strip().splitlines() or ["?"])[-1])
        # Inspect now: the temporary directory (and the binary) go away below.
        return replace(v, ok=True, info=inspect_binary(out, toolchain=tc, symbols=False), ldd=ldd_summary(out),
                       output=output)
    finally:
        remove_dir(workdir)


def _variants(variants) -> list[Variant]:
    return list(variants.values()) if isinstance(variants, dict) else list(variants)


def _host_label(tc: Toolchain | None = None, how: str = "built, not run") -> str:
    tc = _tc(tc)
    return f"{tc.version} · {tc.hostos}/{tc.hostarch} · {how}"


def linkage_table(variants) -> pd.DataFrame:
    """One row per build: how it was built, what Go used for CGO_ENABLED, what the binary needs.

    Args:
        variants: the dict (or list) from :func:`build_variants`.

    Returns:
        Columns ``build``, ``command``, ``go env CGO_ENABLED``, ``linkage``,
        ``loader (PT_INTERP)``, ``needs (DT_NEEDED)``, ``size (MiB)``, ``ldd``.
    """
    rows = []
    for v in _variants(variants):
        i = v.info
        rows.append({
            "build": v.label,
            "command": v.command,
            "go env CGO_ENABLED": v.cgo_effective,
            "linkage": i.linkage if i else f"not built: {v.skipped or 'build failed'}",
            "loader (PT_INTERP)": (i.interpreter or "—") if i else "—",
            "needs (DT_NEEDED)": (", ".join(i.needed) or "—") if i else "—",
            "size (MiB)": round(i.size / 2**20, 3) if i else float("nan"),
            "ldd": v.ldd or "—",
        })
    df = pd.DataFrame(rows)
    df.attrs.update(caption="One program (net + os/user), built in different ways", label=_host_label())
    return df


def size_chart(variants):
    """Bar chart of binary size per build, coloured by linkage.

    Returns:
        A matplotlib Figure (closed, so Jupyter shows it once).
    """
    import matplotlib.pyplot as plt

    vs = [v for v in _variants(variants)]
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(vs) + 1.4))
    colors = {"static": "#2e7d32", "dynamic": "#ef6c00"}
    for y, v in enumerate(vs):
        if v.info is None:
            ax.text(0, y, f"  not built: {v.skipped or 'build failed'}", va="center", fontsize=9, color="#777")
            continue
        mib = v.info.size / 2**20
        ax.barh(y, mib, color=colors.get(v.info.linkage, "#777"))
        needs = ", ".join(v.info.needed)
        ax.text(mib, y, f"  {v.info.linkage}" + (f" ({needs})" if needs else ""), va="center", fontsize=9)
    ax.set_yticks(range(len(vs)), [v.label for v in vs])
    ax.invert_yaxis()
    ax.set_xlabel("binary size (MiB)")
    right = max((v.info.size / 2**20 for v in vs if v.info), default=1)
    ax.set_xlim(0, right * 1.45)
    ax.set_title("Size and linkage of each build\n" + _host_label(), fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    plt.close(fig)
    return fig


# ---------------------------------------------------------------------------
# 2.3-a  CGO_ENABLED=off
# ---------------------------------------------------------------------------

#: Raw CGO_ENABLED values tried by :func:`cgo_setting_table`; None means unset.
CGO_SETTINGS = (None, "1", "0", "on", "off", "false")


def cgo_setting_table(settings=CGO_SETTINGS, *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """What the go command makes of each CGO_ENABLED value.

    Returns:
        Columns ``CGO_ENABLED=``, ``go env CGO_ENABLED`` and ``what Go did``.
    """
    tc = _tc(toolchain)
    default_value = effective_cgo(None, toolchain=tc)
    rows = []
    for s in settings:
        eff = effective_cgo(s, toolchain=tc) if s is not None else default_value
        if s is None:
            what = "Go's default for this machine"
        elif s in ("0", "1"):
            what = "a valid value: used as given"
        else:
            what = ("not 0 or 1: ignored, Go's default applies" if eff == default_value
                    else f"not 0 or 1, yet Go used {eff}")
        rows.append({"CGO_ENABLED=": "(unset)" if s is None else repr(s), "go env CGO_ENABLED": eff,
                     "what Go did": what})
    df = pd.DataFrame(rows)
    df.attrs.update(caption="go env CGO_ENABLED under each setting",
                    label=_host_label(tc, "native"),
                    note="" if c_compiler() else "No C compiler here, so Go's default is 0 on this machine.")
    return df


def source_excerpt(rel: str, pattern: str, *, after: int = 12, before: int = 0,
                   toolchain: Toolchain | None = None):
    """A few numbered lines of the toolchain's own source, starting at the first line matching ``pattern``.

    Args:
        rel: file under ``$GOROOT/src`` (e.g. "go/build/build.go").
        pattern: regexp of the line to start at.
        after, before: lines to show after and before it.

    Returns:
        An IPython Markdown object: a caption and a Go code block with line numbers.
    """
    from IPython.display import Markdown

    tc = _tc(toolchain)
    path = tc.goroot / "src" / rel
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return Markdown(f"`$GOROOT/src/{rel}` is not part of {tc.version}.")
    rx = re.compile(pattern)
    hit = next((i for i, text in enumerate(lines) if rx.search(text)), None)
    if hit is None:
        return Markdown(f"No line of `$GOROOT/src/{rel}` matches `{pattern}` in {tc.version}.")
    lo, hi = max(0, hit - before), min(len(lines), hit + after + 1)
    body = "\n".join(f"{n:4d}  {lines[n - 1]}" for n in range(lo + 1, hi + 1))
    return Markdown(f"`$GOROOT/src/{rel}`, lines {lo + 1}–{hi} ({tc.version}):\n```go\n{body}\n```")


def goenv_refusal(value="off") -> str:
    """What goenv says when asked for cgo=value (it accepts only 0 and 1).

    Returns:
        The InvalidOption message, or "accepted" for a valid value.
    """
    try:
        BuildOptions(cgo=value)
    except InvalidOption as exc:
        return f"goenv refused cgo={value!r}: {exc}"
    return "accepted"


def question_cgo_off(program=None, *, toolchain: Toolchain | None = None):
    """Predict what ``CGO_ENABLED=off go build`` does; the reveal builds it with the raw go command."""
    options = [
        "Go reads off as 0: cgo is disabled",
        "Go ignores off and uses its default",
        "go build stops with an invalid-value error",
    ]

    def reveal():
        tc = _tc(toolchain)
        v = build_variants(program, ["off"], toolchain=tc)["off"]
        if not v.ok:
            return options[2], f"the build failed: {v.skipped}"
        unset = effective_cgo(None, toolchain=tc)
        linkage = f"{v.info.linkage}" + (f", needs {', '.join(v.info.needed)}" if v.info.needed else "")
        if v.cgo_effective == unset:
            extra = "" if c_compiler() else (
                " This machine has no C compiler, so the default is 0 here and the binary is static anyway;"
                " with gcc installed the same command gives a dynamically linked cgo binary.")
            return options[1], (f"go env CGO_ENABLED says {v.cgo_effective} with off, exactly as when the variable "
                                f"is unset; the binary is {linkage}.{extra}")
        return options[0], f"go env CGO_ENABLED says {v.cgo_effective}; the binary is {linkage}."

    return predict("What does Go do with CGO_ENABLED=off go build?", options, reveal)


def _describe_binary(v: Variant | None) -> str:
    if v is None or v.info is None:
        return "not built" + (f" ({v.skipped})" if v is not None and v.skipped else "")
    i = v.info
    parts = [i.linkage]
    if i.interpreter:
        parts.append(f"loader {i.interpreter}")
    parts.append(f"needs {', '.join(i.needed)}" if i.needed else "needs no shared library")
    return ", ".join(parts)


def myth_cgo_off(variants, *, toolchain: Toolchain | None = None, show: bool = False) -> MythCheck:
    """Myth check 2.3-a: "CGO_ENABLED=off disables cgo", decided by the go command itself.

    Pass ``show=True`` to display the card at once; otherwise the returned
    MythCheck displays itself as the cell's last value.

    The claim holds only if ``off`` makes Go use 0 where it would otherwise use
    1. Go's effective values come from ``go env CGO_ENABLED``; the binary from
    ``build_variants(..., ["off"])`` shows the consequence.

    Args:
        variants: must contain "off" (and ideally "cgo1" for comparison).

    Raises:
        KeyError: "off" was not built.
    """
    tc = _tc(toolchain)
    off = variants["off"]
    unset = effective_cgo(None, toolchain=tc)
    zero = effective_cgo("0", toolchain=tc)
    holds = off.cgo_effective == zero and off.cgo_effective != unset
    cc = c_compiler()
    evidence = {
        "go env CGO_ENABLED, CGO_ENABLED=off": off.cgo_effective,
        "go env CGO_ENABLED, unset": unset,
        "CGO_ENABLED=off binary": _describe_binary(off),
    }
    if "cgo1" in variants:
        evidence["CGO_ENABLED=1 binary"] = _describe_binary(variants["cgo1"])
    evidence["C compiler"] = cc or "none (Go's default is 0 here, so only go env shows that off was ignored)"
    return myth_check(
        "2.3-a",
        claim="CGO_ENABLED=off disables cgo (the seed switches cgo with CGO_ENABLED=on / off).",
        experiment="CGO_ENABLED=off go build of a net + os/user program with the raw go command, "
                   "then go env CGO_ENABLED and the binary's headers.",
        holds=holds,
        evidence=evidence,
        truth="Only 0 and 1 are valid. Any other value is ignored and Go's default applies: enabled for a "
              "native build when a C compiler is present. So CGO_ENABLED=off quietly builds a cgo binary. "
              "Check with go env CGO_ENABLED, and look at the binary.",
        label=_host_label(tc, "native"),
        show=show,
    )


# ---------------------------------------------------------------------------
# 2.3-b  DNS in a static binary; the loader argument; NSS
# ---------------------------------------------------------------------------

_LOOKUP_RE = re.compile(r"^LookupHost\((?P<name>[^)]*)\): \[(?P<addrs>[^\]]*)\] err=(?P<err>.*)$", re.M)
_NETDNS_RE = re.compile(r"^go package net: (?P<msg>.*)$", re.M)
_ORDER_RE = re.compile(r"^hostLookupOrder\((?P<name>[^)]*)\) = (?P<order>\S+)")


def parse_netdns(stdout: str, stderr: str) -> dict:
    """Read what ``GODEBUG=netdns=...+2`` printed and what the program looked up.

    Args:
        stdout: the chapter program's output (``LookupHost(name): [addrs] err=...``).
        stderr: the ``go package net:`` debug lines.

    Returns:
        ``{"resolver": str, "order": {name: order}, "lookups": {name: (addrs list, err or None)}}``;
        ``resolver`` is the line that says which resolver was chosen ("" if none).
    """
    resolver = ""
    order: dict[str, str] = {}
    for m in _NETDNS_RE.finditer(stderr):
        msg = m.group("msg").strip()
        om = _ORDER_RE.match(msg)
        if om:
            order.setdefault(om.group("name"), om.group("order"))
        elif not msg.startswith("confVal") and not resolver:
            resolver = msg
    lookups = {}
    for m in _LOOKUP_RE.finditer(stdout):
        err = m.group("err").strip()
        lookups[m.group("name")] = (m.group("addrs").split(), None if err == "<nil>" else err)
    return {"resolver": resolver, "order": order, "lookups": lookups}


def _short_error(err: str) -> str:
    # "lookup x on 10.0.0.1:53: dial udp ...: connect: network is unreachable" → the cause only.
    return "error: " + err.rsplit(": ", 1)[-1]


#: (variant key, GODEBUG) pairs run by :func:`resolver_table`.
DNS_RUNS = (("cgo0", "netdns=go+2"), ("cgo1", "netdns=2"))


def resolver_table(variants, names=("localhost", "printer.local")) -> pd.DataFrame:
    """Run the static and the cgo build with netdns debugging and tabulate the resolver's choices.

    The static build runs with ``GODEBUG=netdns=go+2`` (Go's resolver, and say
    so); the cgo build with ``netdns=2`` (its default choice, and say so).

    Args:
        variants: from :func:`build_variants`, with "cgo0" and (if possible) "cgo1".
        names: host names to look up. ``localhost`` comes from /etc/hosts; a
            ``.local`` name shows whether the cgo build hands some names to libc.

    Returns:
        Columns ``build``, ``GODEBUG``, ``name``, ``resolver``, ``hostLookupOrder``, ``answer``.
    """
    rows = []
    run = None
    for key, godebug in DNS_RUNS:
        v = variants.get(key)
        if v is None or not v.ok or v.build is None:
            why = v.skipped if v is not None and v.skipped else "not built"
            rows.append({"build": VARIANTS[key][0], "GODEBUG": godebug, "name": "—", "resolver": f"not run: {why}",
                         "hostLookupOrder": "—", "answer": "—"})
            continue
        run = api.run_binary(v.build, args=list(names), env={"GODEBUG": godebug}, limits={"wall_time_s": RUN_TIME_S})
        parsed = parse_netdns(run.stdout, run.stderr)
        for name in names:
            addrs, err = parsed["lookups"].get(name, ([], "no output"))
            rows.append({
                "build": v.label, "GODEBUG": godebug, "name": name, "resolver": parsed["resolver"] or "—",
                "hostLookupOrder": parsed["order"].get(name, "—"),
                "answer": _short_error(err) if err else " ".join(addrs),
            })
    df = pd.DataFrame(rows)
    df.attrs.update(caption="Which resolver each build uses (GODEBUG=netdns debug output, parsed)",
                    label=course_label(run) if run is not None else _host_label(how="native"))
    return df


def with_missing_loader(binary: str | os.PathLike, dest_dir: str | os.PathLike) -> tuple[Path, str]:
    """Copy an ELF binary and point its PT_INTERP at a loader path that does not exist.

    This recreates, without root or a container, what happens when a
    glibc-linked binary lands on Alpine (musl) or in a ``FROM scratch`` image:
    the kernel cannot find the dynamic loader the binary names.

    Args:
        binary: a dynamically linked ELF file.
        dest_dir: where to write the copy.

    Returns:
        (path of the copy, the missing loader path it now names).

    Raises:
        ValueError: the file has no PT_INTERP (it is static).
    """
    data = bytearray(Path(binary).read_bytes())
    offset, size = _interp_segment(bytes(data))
    old = bytes(data[offset:offset + size]).split(b"\0", 1)[0].decode()
    # Same length or shorter (NUL-padded): the segment's size stays valid.
    missing = ("/gone/" + os.path.basename(old))[: size - 1]
    while os.path.exists(missing):
        missing = missing[:-1] + "_"
    data[offset:offset + size] = missing.encode().ljust(size, b"\0")
    out = Path(dest_dir) / Path(binary).name
    out.write_bytes(bytes(data))
    out.chmod(0o755)
    return out, missing


def _interp_segment(data: bytes) -> tuple[int, int]:
    """File offset and size of the PT_INTERP segment of an ELF file."""
    if data[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    is64, order = data[4] == 2, "<" if data[5] == 1 else ">"
    if is64:
        phoff, = struct.unpack_from(order + "Q", data, 0x20)
        phentsize, phnum = struct.unpack_from(order + "HH", data, 0x36)
    else:
        phoff, = struct.unpack_from(order + "I", data, 0x1C)
        phentsize, phnum = struct.unpack_from(order + "HH", data, 0x2A)
    for i in range(phnum):
        off = phoff + i * phentsize
        if is64:
            p_type, _flags, p_offset, _va, _pa, p_filesz = struct.unpack_from(order + "IIQQQQ", data, off)
        else:
            p_type, p_offset, _va, _pa, p_filesz = struct.unpack_from(order + "IIIII", data, off)
        if p_type == 3:  # PT_INTERP
            return p_offset, p_filesz
    raise ValueError("the binary has no PT_INTERP: it is statically linked and needs no loader")


def missing_loader_table(variants) -> pd.DataFrame:
    """Run the static build, the cgo build, and the cgo build with its loader missing.

    Returns:
        Columns ``binary``, ``loader it names (PT_INTERP)``, ``loader exists here``,
        ``exit status`` and ``what happened``.
    """
    rows = []
    last_run = None

    def run(v: Variant, b: BuildResult, name: str, interp: str | None):
        nonlocal last_run
        try:
            r = api.run_binary(b, limits={"wall_time_s": RUN_TIME_S})
        except OSError as exc:  # no launcher prefix: Popen itself reports the exec failure
            status, what = "—", f"the kernel refused to start it: {exc.strerror}"
        else:
            last_run = r
            status = r.exit_code if r.exit_code is not None else r.signal_name
            if r.ok:
                what = "ran: " + (r.stdout.strip().splitlines() or ["(no output)"])[0]
            else:
                err = (r.stderr.strip().splitlines() or [r.message])[-1]
                cause = err.rsplit(": ", 1)[-1] if "execute" in err or "exec" in err else err
                what = f"the kernel refused to start it: {cause}"
        rows.append({"binary": name, "loader it names (PT_INTERP)": interp or "— (none needed)",
                     "loader exists here": "—" if not interp else ("yes" if os.path.exists(interp) else "no"),
                     "exit status": status, "what happened": what})

    static, dyn = variants.get("cgo0"), variants.get("cgo1")
    if static is not None and static.ok and static.build is not None:
        run(static, static.build, "CGO_ENABLED=0 build", static.info.interpreter)
    if dyn is None or not dyn.ok or dyn.build is None or not dyn.info.interpreter:
        why = dyn.skipped if dyn is not None and dyn.skipped else "not built"
        rows.append({"binary": "CGO_ENABLED=1 build", "loader it names (PT_INTERP)": "—", "loader exists here": "—",
                     "exit status": "—", "what happened": f"not run: {why}"})
    else:
        run(dyn, dyn.build, "CGO_ENABLED=1 build", dyn.info.interpreter)
        with tempfile.TemporaryDirectory(prefix="goenv-ch03-") as d:
            copy, missing = with_missing_loader(dyn.build.binary, d)
            run(dyn, replace(dyn.build, binary=str(copy)), "CGO_ENABLED=1 build, loader missing", missing)
    df = pd.DataFrame(rows)
    df.attrs.update(caption="Does the binary start when the system lacks its loader?",
                    label=course_label(last_run) if last_run is not None else _host_label(how="native"))
    return df


def myth_static_dns(variants, dns: pd.DataFrame, loader: pd.DataFrame, *, show: bool = False) -> MythCheck:
    """Myth check 2.3-b: "a CGO_ENABLED=0 binary can't resolve DNS on Alpine".

    Pass ``show=True`` to display the card at once; otherwise the returned
    MythCheck displays itself as the cell's last value.

    The claim fails if the static binary needs nothing from the system image
    (no loader, no shared library) and resolves a name with Go's own resolver.

    Args:
        variants: with "cgo0" (and "cgo1" if it could be built).
        dns: the table from :func:`resolver_table`.
        loader: the table from :func:`missing_loader_table`.
    """
    static = variants["cgo0"]
    mine = dns[(dns["build"] == static.label) & (dns["name"] == "localhost")]
    row = mine.iloc[0] if len(mine) else None
    resolver = row["resolver"] if row is not None else "not run"
    answer = row["answer"] if row is not None else "not run"
    go_resolver = "Go" in resolver and "cgo" not in resolver
    resolved = row is not None and bool(answer) and not answer.startswith(("error", "—"))
    self_contained = static.info is not None and static.info.linkage == "static" and not static.info.needed
    holds = not (go_resolver and resolved and self_contained)
    evidence = {
        "CGO_ENABLED=0 binary": _describe_binary(static),
        "its resolver (GODEBUG=netdns=go+2)": resolver,
        "hostLookupOrder(localhost)": row["hostLookupOrder"] if row is not None else "—",
        "LookupHost(localhost)": answer,
    }
    gone = loader[loader["binary"].str.contains("loader missing")]
    if len(gone):
        first = gone.iloc[0]
        evidence["cgo build, its loader missing"] = f"exit {first['exit status']}: {first['what happened']}"
    else:
        evidence["cgo build, its loader missing"] = "not run (no C compiler, so no cgo build)"
    return myth_check(
        "2.3-b",
        claim="Alpine container start: CGO_ENABLED=on works, CGO_ENABLED=off fails (net package DNS fails).",
        experiment="Ran the CGO_ENABLED=0 build with GODEBUG=netdns=go+2 and read its headers; ran the cgo build "
                   "with its dynamic loader missing, as on Alpine or FROM scratch.",
        holds=holds,
        evidence=evidence,
        truth="The static binary brings Go's own resolver, which reads /etc/hosts, /etc/resolv.conf and "
              "/etc/nsswitch.conf: it is the build that runs on Alpine and scratch. The glibc-linked cgo build is "
              "the one that fails there, because its loader is missing. The real caveat: Go's resolver "
              "implements only the files and dns sources, not NSS modules such as ldap or sss.",
        label=dns.attrs.get("label", ""),
        show=show,
    )


def nss_hosts_table(path: str | os.PathLike = "/etc/nsswitch.conf") -> pd.DataFrame:
    """The ``hosts:`` sources of nsswitch.conf, and who can serve each one.

    Go's resolver (the only one in a CGO_ENABLED=0 binary) implements the
    ``files`` and ``dns`` sources. A cgo build reads the same line and hands a
    lookup to libc when a source needs an NSS module (``net/conf.go``).

    Args:
        path: the nsswitch.conf to read.

    Returns:
        Columns ``source``, ``criteria``, ``CGO_ENABLED=0 (Go resolver)``, ``cgo build``.
    """
    try:
        text = Path(path).read_text()
    except OSError:
        text = None
    line = next((ln for ln in (text or "").splitlines() if re.match(r"\s*hosts\s*:", ln)), None)
    rows = []
    if line is None:
        rows.append({"source": "files, dns (assumed)", "criteria": "",
                     "CGO_ENABLED=0 (Go resolver)": "yes: /etc/hosts, then DNS",
                     "cgo build": "Go's resolver too: nothing needs libc"})
        why = "no hosts line" if text is not None else "not found"
        caption = f"{path}: {why} (as on Alpine): Go assumes files, dns"
    else:
        caption = f"{path}: {line.strip()}"
        for src, crit in re.findall(r"([^\s\[]+)\s*(\[[^\]]*\])?", line.split(":", 1)[1]):
            if src == "files":
                go, cgo = "yes: reads /etc/hosts", "Go's resolver (libc if the criteria are unusual)"
            elif src == "dns":
                go = "yes: reads /etc/resolv.conf, asks the servers"
                cgo = "Go's resolver (libc if the criteria are unusual)"
            elif src == "myhostname":
                go, cgo = "no: skipped", "libc, for the machine's own name and localhost"
            elif src.startswith("mdns"):
                go, cgo = "no: skipped", "libc, for names ending in .local"
            else:
                go, cgo = "no: skipped (an NSS module only libc can load)", "libc, for every lookup"
            rows.append({"source": src, "criteria": crit or "", "CGO_ENABLED=0 (Go resolver)": go, "cgo build": cgo})
    df = pd.DataFrame(rows)
    df.attrs.update(caption=caption, label=_host_label(how="read from this machine"))
    return df


# ---------------------------------------------------------------------------
# 2.3-c  external static linking
# ---------------------------------------------------------------------------

_STATIC_WARN_RE = re.compile(
    r"^(?P<where>\S+?):(?P<line>\d+): warning: Using '(?P<func>[^']+)' in statically linked applications (?P<rest>.*)$",
    re.M)


def static_link_warnings(variant: Variant) -> pd.DataFrame:
    """The glibc warnings the external static link printed, one row per C function.

    Args:
        variant: the "external" Variant from :func:`build_variants`.

    Returns:
        Columns ``glibc function`` and ``called from``; ``attrs["caption"]``
        quotes the linker's sentence once.
    """
    rows, rest = [], ""
    for m in _STATIC_WARN_RE.finditer(variant.output):
        where = re.sub(r"^.*/GOROOT/src/", "", m.group("where"))
        where = where if "/" in where and not where.startswith("/") else f"{os.path.basename(where)} (generated by cgo)"
        rows.append({"glibc function": m.group("func"), "called from": f"{where}:{m.group('line')}"})
        rest = m.group("rest")
    df = pd.DataFrame(rows, columns=["glibc function", "called from"])
    if rows:
        caption = f"ld: warning: Using '<function>' in statically linked applications {rest}"
    elif variant.skipped:
        caption = f"External static link not built: {variant.skipped}"
    elif not variant.ok:
        caption = "The external static link failed: " + (variant.output.strip().splitlines() or ["?"])[-1]
    else:
        caption = "The external static link printed no glibc warnings (is this glibc at all?)"
    df.attrs.update(caption=caption, label=_host_label())
    return df


# ---------------------------------------------------------------------------
# 2.3-e  the cost of a cgo call
# ---------------------------------------------------------------------------

_COST_CACHE: dict[tuple, pd.DataFrame] = {}


def cgo_call_cost(count: int = 5, benchtime: str = "200ms", *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Benchmark a Go call, two cgo calls and a system call (``go test -bench``), parsed.

    Without a C compiler the cgo benchmarks cannot be built: the Go call and
    the system call are still measured and ``attrs["note"]`` says so. Results
    are memoized per (count, benchtime), so the "check yourself" question and
    the table share one measurement.

    Args:
        count: ``-test.count`` (repetitions of each benchmark).
        benchtime: ``-test.benchtime`` per repetition.

    Returns:
        Columns ``call``, ``median ns``, ``min ns``, ``max ns``, ``runs``,
        ``× Go call``, in :data:`BENCH_NAMES` order.
    """
    cc = c_compiler()
    key = (count, benchtime, bool(cc))
    if key in _COST_CACHE:
        return _COST_CACHE[key].copy()
    LOGGER.info("ch03: benchmarking calls (count=%d, benchtime=%s, cgo=%s)", count, benchtime, bool(cc))
    r = api.test(CGO_BENCH, bench=".", cgo=1 if cc else 0, count=count, benchtime=benchtime,
                 limits={"wall_time_s": BENCH_TIME_S}, toolchain=toolchain)
    summary = summarize_bench(parse_bench(r.stdout))
    rows = []
    for base, name in BENCH_NAMES.items():
        s = summary[summary["base"] == base]
        if len(s):
            s = s.iloc[0]
            rows.append({"call": name, "median ns": float(s["median"]), "min ns": float(s["min"]),
                         "max ns": float(s["max"]), "runs": int(s["runs"])})
    df = pd.DataFrame(rows, columns=["call", "median ns", "min ns", "max ns", "runs"])
    go = df.loc[df["call"] == BENCH_NAMES["BenchmarkGoCall"], "median ns"]
    df["× Go call"] = df["median ns"] / float(go.iloc[0]) if len(go) else float("nan")
    note = "" if cc else ("No C compiler here: the cgo benchmarks could not be built; "
                          "only the Go call and the system call ran.")
    if not r.ok:
        note = f"The benchmark did not finish normally: {r.message}"
    df.attrs.update(caption=f"One call, in nanoseconds (go test -bench, {count} runs of {benchtime} each)",
                    label=course_label(r) if r.started else _host_label(how="native"), note=note)
    _COST_CACHE[key] = df
    return df.copy()


def cost_chart(cost: pd.DataFrame):
    """Horizontal bars of the median ns per call, with min–max whiskers, on a log axis.

    Returns:
        A matplotlib Figure (closed, so Jupyter shows it once).
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 0.55 * max(len(cost), 1) + 1.5))
    if cost.empty:
        ax.text(0.5, 0.5, "no benchmark results", ha="center", va="center", transform=ax.transAxes)
    else:
        y = range(len(cost))
        med = cost["median ns"]
        err = [med - cost["min ns"], cost["max ns"] - med]
        palette = {"Go": "#1565c0", "cgo": "#ef6c00"}
        colors = [palette.get(c.split(" ", 1)[0], "#777") for c in cost["call"]]
        ax.barh(list(y), med, xerr=err, color=colors, capsize=4, error_kw={"elinewidth": 1})
        for yi, (m, hi) in enumerate(zip(med, cost["max ns"])):
            ax.text(hi * 1.15, yi, f"{m:.3g} ns", va="center", fontsize=9)
        ax.set_yticks(list(y), list(cost["call"]))
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlim(cost["min ns"].min() / 2, cost["max ns"].max() * 6)
    ax.set_xlabel("ns per call (log scale; bar = median, whiskers = min–max)")
    ax.set_title("What one call costs\n" + cost.attrs.get("label", ""), fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    plt.close(fig)
    return fig


#: Answer options of :func:`question_cgo_cost`, with the upper bound of the ratio they cover.
COST_BUCKETS = (("about the same as a Go call (under 2×)", 2), ("a few times a Go call (2–10×)", 10),
                ("tens of times a Go call (10–100×)", 100), ("hundreds of times or more (over 100×)", float("inf")))


def cost_bucket(ratio: float) -> str:
    """The :data:`COST_BUCKETS` option that a cgo/Go cost ratio falls in."""
    return next(text for text, upper in COST_BUCKETS if ratio < upper)


def question_cgo_cost(count: int = 5, benchtime: str = "200ms"):
    """Predict how a call to an empty C function compares with a Go call; the reveal benchmarks both."""

    def reveal():
        if c_compiler() is None:
            raise GoEnvError("this machine has no C compiler, so a cgo call cannot be built or measured here")
        cost = cgo_call_cost(count, benchtime)
        row = cost[cost["call"] == BENCH_NAMES["BenchmarkCgoCallNoop"]]
        if row.empty:
            raise GoEnvError(cost.attrs.get("note") or "the cgo benchmark produced no result")
        ratio = float(row["× Go call"].iloc[0])
        return cost_bucket(ratio), f"here the empty C call cost {ratio:.0f}× the Go call (table below)."

    return predict("A call to an empty C function, C.c_noop(), costs how much compared with a Go function call?",
                   [text for text, _ in COST_BUCKETS], reveal)


# ---------------------------------------------------------------------------
# 2.3-d  raw system calls
# ---------------------------------------------------------------------------

_FIX_HINTS = (
    (re.compile(r"as uintptr value"), "Syscall6 takes only uintptr arguments: write uintptr(flags)."),
    (re.compile(r"undefined: syscall\.AT_FDCWD"),
     "package syscall has no AT_FDCWD on Linux: use -100, or unix.AT_FDCWD from golang.org/x/sys/unix."),
)


def diagnostics_table(result: BuildResult | RunResult) -> pd.DataFrame:
    """The compile errors of a build, each with the line it points at and how to fix it.

    Args:
        result: a BuildResult (or RunResult), e.g. from ``%%go --build-only --out NAME``.

    Returns:
        Columns ``where``, ``compiler says``, ``your line``, ``fix``; empty when it built.
    """
    b = result.build if isinstance(result, RunResult) else result
    rows = []
    for d in b.diagnostics:
        fix = next((hint for rx, hint in _FIX_HINTS if rx.search(d.message)), "")
        rows.append({"where": f"{d.file}:{d.line}" + (f":{d.column}" if d.column else ""),
                     "compiler says": d.message, "your line": (d.source_line or "").strip(), "fix": fix})
    df = pd.DataFrame(rows, columns=["where", "compiler says", "your line", "fix"])
    df.attrs.update(caption="The seed's example, compiled" + ("" if rows else ": no errors"), label=course_label(b))
    return df


_OPENAT_PATTERNS = {
    "SYS_OPENAT": re.compile(r"SYS_OPENAT=(\d+)"),
    "openat(note.txt)": re.compile(r"^openat\(note\.txt\): (.*)$", re.M),
    "read": re.compile(r"^read: (.*)$", re.M),
    "openat(missing.txt)": re.compile(r"^openat\(missing\.txt\): (.*)$", re.M),
}


def openat_table(program=None, goarchs=("amd64", "arm64"), *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Run the corrected raw-openat program natively and under qemu-user, one row per architecture.

    Args:
        program: the program (default :data:`FIXED_OPENAT`).
        goarchs: Linux architectures to build and run; the host's runs natively,
            others under qemu-user when it is installed (otherwise the row says why not).

    Returns:
        Columns ``GOARCH``, ``ran``, ``SYS_OPENAT``, ``openat(note.txt)``, ``read``, ``openat(missing.txt)``.
    """
    tc = _tc(toolchain)
    prog = Program.coerce(program if program is not None else FIXED_OPENAT, name="openat")
    rows, labels = [], []
    for goarch in goarchs:
        runner = runner_for("linux", goarch, tc)
        row = {"GOARCH": goarch, "ran": runner.name}
        if not runner.runnable:
            row["ran"] = "not run: " + runner.reason.split(". ")[0]
            rows.append(row)
            continue
        r = api.run(prog, goos="linux", goarch=goarch, cgo=0, toolchain=tc, limits={"wall_time_s": RUN_TIME_S})
        labels.append(course_label(r))
        if not r.ok:
            row["ran"] = f"{runner.name}: {r.message}"
        for col, rx in _OPENAT_PATTERNS.items():
            m = rx.search(r.stdout)
            row[col] = m.group(1) if m else "—"
        rows.append(row)
    df = pd.DataFrame(rows, columns=["GOARCH", "ran", *_OPENAT_PATTERNS])
    df.attrs.update(caption="The corrected raw openat on each architecture", label=" | ".join(labels))
    return df


def myth_syscall6(seed_build: BuildResult | RunResult, fixed: pd.DataFrame, *, show: bool = False) -> MythCheck:
    """Myth check 2.3-d: the seed's ``syscall.Syscall6(SYS_OPENAT, …)`` example is working code.

    Pass ``show=True`` to display the card at once; otherwise the returned
    MythCheck displays itself as the cell's last value.

    Args:
        seed_build: the build of the seed's example (``%%go --build-only --out ...``).
        fixed: the table from :func:`openat_table` for the corrected version.
    """
    b = seed_build.build if isinstance(seed_build, RunResult) else seed_build
    evidence = {"seed example builds": "yes" if b.ok else "no"}
    for d in b.diagnostics:
        evidence[f"{d.file}:{d.line}"] = d.message
    ran = [f"{r['GOARCH']} ({r['ran']})" for _, r in fixed.iterrows()
           if not str(r["ran"]).startswith("not run") and ":" not in str(r["ran"])]
    evidence["corrected version ran on"] = ", ".join(ran) or "nothing"
    return myth_check(
        "2.3-d",
        claim="The seed's raw system call example — syscall.Syscall6(SYS_OPENAT, …) with flags uint64 and "
              "syscall.AT_FDCWD — opens a file, bypassing libc.",
        experiment="Compiled the seed's function verbatim; ran a corrected version natively and under qemu.",
        holds=b.ok,
        evidence=evidence,
        truth="As written it does not compile: Syscall6 takes uintptr arguments, and package syscall has no "
              "AT_FDCWD on Linux. Converted to uintptr and with AT_FDCWD = -100 it works. Bypassing libc is "
              "Linux behaviour: on macOS Go makes system calls through libSystem. Prefer os, or "
              "golang.org/x/sys/unix for raw calls.",
        label=fixed.attrs.get("label", ""),
        show=show,
    )


# ---------------------------------------------------------------------------
# 2.5  what a binary imports per OS; os.File.Sync in the source
# ---------------------------------------------------------------------------

#: Targets compared by :func:`imports_table`.
IMPORT_TARGETS = ("linux/amd64", "darwin/arm64", "windows/amd64")


def imports_table(program=None, targets=IMPORT_TARGETS, *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Build one program with CGO_ENABLED=0 for several OSes and list what each binary imports.

    Args:
        program: the program (default :data:`SYNC_DEMO`).
        targets: "goos/goarch" strings.

    Returns:
        Columns ``target``, ``format``, ``linkage``, ``loader``, ``imports``.
    """
    tc = _tc(toolchain)
    prog = Program.coerce(program if program is not None else SYNC_DEMO, name="syncdemo")
    rows = []
    for t in targets:
        goos, goarch = t.split("/")
        b = build(prog, goos=goos, goarch=goarch, cgo=0, toolchain=tc)
        if not b.ok:
            rows.append({"target": t, "format": "—", "linkage": f"not built: {b.message}", "loader": "—",
                         "imports": "—"})
            continue
        i = inspect_binary(b.binary, toolchain=tc, symbols=False)
        rows.append({"target": t, "format": i.format, "linkage": i.linkage, "loader": i.interpreter or "—",
                     "imports": ", ".join(i.needed) or "nothing"})
    df = pd.DataFrame(rows)
    df.attrs.update(caption="The same program, CGO_ENABLED=0, built for three OSes (read from the headers)",
                    label=f"{tc.version} · built on {tc.hostos}/{tc.hostarch}, not run")
    return df


#: (OS, file under $GOROOT/src, regexp of the lines worth showing)
FSYNC_SOURCES = (
    ("every OS", "os/file_posix.go", r"func \(f \*File\) Sync|f\.pfd\.Fsync\(\)"),
    ("linux and other Unixes", "internal/poll/fd_fsync_posix.go", r"^//go:build|return syscall\.Fsync"),
    ("darwin", "internal/poll/fd_fsync_darwin.go", r"Fsync invokes|fully flush|F_FULLFSYNC|ENOTSUP\)|syscall\.Fsync"),
    ("darwin", "syscall/zsyscall_darwin_arm64.go", r"cgo_import_dynamic libc_(fsync|fcntl) "),
    ("windows", "internal/poll/fd_fsync_windows.go", r"return syscall\.Fsync"),
    ("windows", "syscall/syscall_windows.go", r"func Fsync\(|return FlushFileBuffers\(fd\)"),
)


def fsync_source_table(*, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """The lines of the toolchain's own source that decide what ``f.Sync()`` does on each OS.

    Returns:
        Columns ``OS``, ``file`` (under $GOROOT/src), ``line`` and ``code``.
    """
    tc = _tc(toolchain)
    rows = []
    for goos, rel, pattern in FSYNC_SOURCES:
        path = tc.goroot / "src" / rel
        try:
            lines = path.read_text().splitlines()
        except OSError:
            rows.append({"OS": goos, "file": rel, "line": 0, "code": f"(not in {tc.version})"})
            continue
        rx = re.compile(pattern)
        for n, text in enumerate(lines, 1):
            if rx.search(text):
                rows.append({"OS": goos, "file": rel, "line": n, "code": text.strip()})
    df = pd.DataFrame(rows, columns=["OS", "file", "line", "code"])
    df.attrs.update(caption="os.File.Sync, from $GOROOT/src", label=f"{tc.version} · read from $GOROOT/src")
    return df


def question_fsync():
    """Multiple choice: what f.Sync() asks macOS to do."""
    return choice(
        "On macOS, what does Go's f.Sync() ask the kernel to do?",
        ["fsync(2), as on Linux", "fcntl(fd, F_FULLFSYNC), falling back to fsync(2) only on ENOTSUP",
         "FlushFileBuffers", "nothing: macOS flushes on close"],
        answer=1,
        explain="macOS's fsync(2) does not force data out of the drive's cache, so internal/poll/fd_fsync_darwin.go "
                "uses F_FULLFSYNC, through libSystem's fcntl. FlushFileBuffers is the Windows call.",
    )


__all__ = [
    "NETDEMO", "SEED_OPENAT", "FIXED_OPENAT", "SYNC_DEMO", "CGO_BENCH", "BENCH_NAMES", "VARIANTS", "Variant",
    "c_compiler", "show", "show_go", "ldd_summary", "effective_cgo", "build_variants", "linkage_table", "size_chart",
    "cgo_setting_table", "source_excerpt", "goenv_refusal", "question_cgo_off", "myth_cgo_off", "parse_netdns",
    "resolver_table",
    "with_missing_loader", "missing_loader_table", "myth_static_dns", "nss_hosts_table", "static_link_warnings",
    "cgo_call_cost", "cost_chart", "cost_bucket", "question_cgo_cost", "diagnostics_table", "openat_table",
    "myth_syscall6", "imports_table", "fsync_source_table", "question_fsync",
]
