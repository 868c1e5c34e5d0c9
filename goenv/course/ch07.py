"""Chapter 07 — the runtime inside your binary (seed 4.1): the experiments behind the notebook.

Every function here runs the real toolchain and returns something a notebook
cell displays as is: a DataFrame (shown by :func:`show`, caption and label in
``df.attrs``), a matplotlib Figure, a myth-check card or a "check yourself"
widget. Nothing is quoted from the seed or the errata: sizes, addresses,
heap figures and verdicts are measured when the cell runs.

The chapter:

1. weighs a hello-world binary by Go package (``go tool nm -size``) and by ELF
   section, to show that the runtime is ordinary code linked into it;
2. follows the start-up path from the ELF entry point through ``rt0_go``,
   ``schedinit`` and ``runtime.main`` to ``main.main`` in the binary's own
   disassembly (``go tool objdump``);
3. samples ``runtime.MemStats`` while a program allocates (HeapAlloc, NextGC,
   NumGC) and checks the fields against their documentation (errata 4.1-c);
4. shows that returning from ``main`` ends the process at once (errata 4.1-b),
   and measures the fix: ``sync.WaitGroup`` plus ``context``;
5. writes a heap profile with ``runtime/pprof`` and reads it back with
   ``go tool pprof -top``, offline.

Example::

    from goenv.course import ch07
    b = goenv.build(ch07.HELLO)
    ch07.show(ch07.package_table(b))
    run = ch07.sample_memstats()
    ch07.plot_heap(run)
"""

from __future__ import annotations

import logging
import re
import shutil
import statistics
import struct
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .. import api
from ..build import build
from ..disasm import Instruction, disassemble
from ..errors import GoEnvError, ParseError
from ..inspection import symbol_package
from ..results import BuildResult, RunResult
from ..toolchain import Toolchain, default
from .labels import label as course_label
from .myth import MythCheck, myth_check
from .quiz import choice, predict
from .tables import show as _show

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LOGGER = logging.getLogger(__name__)

__all__ = [
    "HELLO", "ESCAPE", "MEMSTATS", "EXIT_DEMO", "SHUTDOWN", "HEAPPROF",
    "show", "elf_layout", "ElfLayout", "Section", "symbols", "Symbol",
    "package_table", "kind_table", "plot_packages", "section_table", "question_runtime_share",
    "startup_path", "question_who_calls_main",
    "memstats_docs", "escape_table", "question_escape",
    "parse_memstats", "sample_memstats", "HeapRun", "plot_heap", "phase_table", "pause_table", "gogc_table",
    "question_nextgc", "myth_memstats",
    "exit_evidence", "question_exit", "runtime_main_tail", "myth_exit",
    "shutdown_table", "question_shutdown",
    "parse_pprof_top", "heap_profile", "HeapProfile", "profile_table", "question_sample_index",
]

#: Wall-time limit for one run of a chapter program (they finish in well under a second).
RUN_TIME_S = 20.0
#: Memory limit for one run: the biggest heap in the chapter stays far below it.
RUN_MEMORY = 256 * 2**20

# ---------------------------------------------------------------------------
# The chapter's programs (the notebook's %%go cells hold the same text; a test keeps them equal)
# ---------------------------------------------------------------------------

#: The smallest useful program: what does the binary contain besides main.main?
HELLO = '''package main

import "fmt"

func main() {
	fmt.Println("hello, world")
}
'''

#: The same allocation with and without a use: only the one stored in a global reaches the heap.
ESCAPE = '''package main

import (
	"fmt"
	"os"
	"runtime"
)

// sink is a package-level variable: whatever is stored in it outlives the
// loop iteration, so the compiler must put it on the heap.
var sink []byte

func main() {
	useSink := len(os.Args) > 1 && os.Args[1] == "sink"
	for i := 0; i < 100_000; i++ {
		if useSink {
			sink = make([]byte, 1024)
		} else {
			_ = make([]byte, 1024)
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("TotalAlloc=%d NumGC=%d\\n", ms.TotalAlloc, ms.NumGC)
}
'''

#: Allocate a live set, then garbage, then drop everything; print MemStats as it goes.
MEMSTATS = '''package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
)

// keep is the live set: reachable from a global, it survives every GC.
var keep [][]byte

// sink receives the garbage. Storing each slice in a package-level variable
// makes it escape to the heap; "_ = make(...)" would never reach the heap.
var sink []byte

var ms runtime.MemStats

func sample(phase string) {
	runtime.ReadMemStats(&ms) // stops the world for a moment: fine here, not in a hot path
	fmt.Printf("memstats phase=%s total_alloc=%d heap_alloc=%d next_gc=%d num_gc=%d heap_objects=%d pause_total_ns=%d\\n",
		phase, ms.TotalAlloc, ms.HeapAlloc, ms.NextGC, ms.NumGC, ms.HeapObjects, ms.PauseTotalNs)
}

func arg(i, def int) int {
	if len(os.Args) > i {
		if n, err := strconv.Atoi(os.Args[i]); err == nil {
			return n
		}
	}
	return def
}

func main() {
	liveMiB, garbageMiB, everyKiB := arg(1, 20), arg(2, 200), arg(3, 512)
	sample("start")
	for i := 1; i <= liveMiB*1024; i++ {
		keep = append(keep, make([]byte, 1024))
		if i%everyKiB == 0 {
			sample("live")
		}
	}
	for i := 1; i <= garbageMiB*1024; i++ {
		sink = make([]byte, 1024)
		if i%everyKiB == 0 {
			sample("garbage")
		}
	}
	keep, sink = nil, nil
	runtime.GC()
	sample("released")

	// Stop-the-world time of each recent GC cycle, oldest first (PauseNs is a ring of 256).
	n := min(int(ms.NumGC), len(ms.PauseNs))
	fmt.Print("pauses_ns")
	for i := int(ms.NumGC) - n; i < int(ms.NumGC); i++ {
		fmt.Print(" ", ms.PauseNs[i%len(ms.PauseNs)])
	}
	fmt.Println()
}
'''

#: The seed says the runtime cleans up and waits when main returns. Does it?
EXIT_DEMO = '''package main

import (
	"fmt"
	"runtime"
	"time"
)

type resource struct{ buf [1024]byte }

func main() {
	start := time.Now()
	// A finalizer on an object that becomes garbage at once.
	r := &resource{}
	runtime.SetFinalizer(r, func(*resource) { fmt.Println("finalizer ran") })
	r = nil

	go func() { time.Sleep(time.Hour) }() // would keep a waiting runtime alive for an hour
	go func() { // busy: never blocks, never finishes
		for {
		}
	}()
	go func() { // almost done: needs only 50 ms more
		time.Sleep(50 * time.Millisecond)
		fmt.Println("goroutine finished")
	}()

	fmt.Printf("main returning after %v; NumGoroutine = %d\\n",
		time.Since(start).Round(time.Microsecond), runtime.NumGoroutine())
}
'''

#: The fix: wait for the workers with a WaitGroup, stop the background task with a context.
SHUTDOWN = '''package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// worker handles jobs until the channel is closed and drained.
func worker(id int, jobs <-chan int, wg *sync.WaitGroup) {
	defer wg.Done() // tell main this worker is finished, however it returns
	for j := range jobs {
		time.Sleep(5 * time.Millisecond) // the "work"
		fmt.Printf("job %d done by worker %d\\n", j, id)
	}
}

// flusher stands for a background task (metrics, a cache) that must save its
// state before the program ends: it runs until ctx is cancelled.
func flusher(ctx context.Context, wg *sync.WaitGroup) {
	defer wg.Done()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			// periodic work
		case <-ctx.Done():
			fmt.Println("flusher: state saved")
			return
		}
	}
}

func main() {
	wait := len(os.Args) > 1 && os.Args[1] == "wait"
	n := 12
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var workers, background sync.WaitGroup
	background.Add(1)
	go flusher(ctx, &background)

	jobs := make(chan int, n)
	for id := 1; id <= 3; id++ {
		workers.Add(1)
		go worker(id, jobs, &workers)
	}
	for j := 1; j <= n; j++ {
		jobs <- j
	}
	close(jobs) // no more jobs: the workers leave their loops once it is drained
	fmt.Printf("main: %d jobs submitted\\n", n)

	if wait {
		workers.Wait()    // every job is done...
		cancel()          // ...then ask the background task to stop...
		background.Wait() // ...and wait until it has
	}
	fmt.Println("main: returning")
}
'''

#: Write a heap profile: one function keeps its memory, another only makes garbage.
HEAPPROF = '''package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
)

var keep [][]byte // live: still reachable when the profile is written
var sink []byte   // garbage: each slice is dropped by the next one

//go:noinline
func keepBuffers(n int) {
	for i := 0; i < n; i++ {
		keep = append(keep, make([]byte, 1024))
	}
}

//go:noinline
func churn(n int) {
	for i := 0; i < n; i++ {
		sink = make([]byte, 4096)
	}
}

func main() {
	// Record every allocation. The default samples about one per 512 KiB:
	// cheap enough for production, too coarse for a small demo.
	runtime.MemProfileRate = 1
	dir, n := ".", 10000 // the working directory, unless told otherwise
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	keepBuffers(n)
	churn(n)
	runtime.GC() // a heap profile describes the heap as of the last completed GC
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms) // the same moment, as MemStats sees it

	f, err := os.Create(filepath.Join(dir, "heap.pprof"))
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Printf("wrote heap.pprof; at the last GC: HeapAlloc=%d\\n", ms.HeapAlloc)
}
'''

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _tc(toolchain: Toolchain | None) -> Toolchain:
    return toolchain or default()


def _limits() -> dict:
    return {"wall_time_s": RUN_TIME_S, "memory_bytes": RUN_MEMORY}


def _built(program, name: str, toolchain: Toolchain | None = None, **options) -> BuildResult:
    """Build a chapter program (goenv's binary cache makes repeats free); raise if it does not compile."""
    if isinstance(program, BuildResult):
        b = program
    else:
        b = build(program, toolchain=_tc(toolchain), **options)
    if not b.ok:
        raise GoEnvError(f"the {name} program did not build: {b.message}\n{b.output.strip()}")
    return b


def _run(program, name: str, args=(), *, env: dict | None = None,
         toolchain: Toolchain | None = None) -> RunResult:
    """Build (cached) and run a chapter program natively under the chapter's limits."""
    tc = _tc(toolchain)
    b = _built(program, name, tc)
    return api.run_binary(b, args=[str(a) for a in args], env=env, limits=_limits(), toolchain=tc)


def _finish(fig: "Figure", label: str) -> "Figure":
    """Put the measurement label under a figure and detach it from pyplot (Jupyter shows it once)."""
    import matplotlib.pyplot as plt

    fig.supxlabel(label, x=0.99, ha="right", fontsize=7, alpha=0.7)
    plt.close(fig)
    return fig


def _mib(n: float) -> float:
    return n / 2**20


# ---------------------------------------------------------------------------
# 1. What is in the binary: ELF sections and Go symbols
# ---------------------------------------------------------------------------

_SHT_NOBITS = 8
_SHF_COMPRESSED = 0x800


@dataclass(frozen=True)
class Section:
    """One ELF section header.

    Attributes:
        name: e.g. ".text".
        type: sh_type (8 = NOBITS: zero-filled at run time, no bytes in the file).
        flags: sh_flags (0x800: the contents are compressed).
        addr: virtual address when loaded (0 for sections that are not loaded).
        offset, size: where the bytes are in the file, and how many.
    """

    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int

    @property
    def file_bytes(self) -> int:
        """Bytes the section takes in the file (0 for NOBITS sections such as .bss)."""
        return 0 if self.type == _SHT_NOBITS else self.size


@dataclass(frozen=True)
class ElfLayout:
    """The ELF facts this chapter needs: the entry point and the sections.

    Attributes:
        path: the file.
        size: file size in bytes.
        bits: 32 or 64.
        byteorder: "little" or "big".
        entry: e_entry, the address the kernel jumps to.
        sections: the section headers, in file order.
    """

    path: str
    size: int
    bits: int
    byteorder: str
    entry: int
    sections: tuple[Section, ...]

    def read(self, addr: int, n: int) -> bytes:
        """``n`` bytes of the loaded image at virtual address ``addr``, read from the file.

        Raises:
            ValueError: no section with file contents holds that address.
        """
        for s in self.sections:
            if s.addr and s.type != _SHT_NOBITS and s.addr <= addr and addr + n <= s.addr + s.size:
                with open(self.path, "rb") as f:
                    f.seek(s.offset + addr - s.addr)
                    return f.read(n)
        raise ValueError(f"address {addr:#x} is not in any section of {self.path} that has bytes in the file")

    def pointer(self, addr: int) -> int:
        """The pointer stored at ``addr`` (pointer size and byte order of the binary)."""
        width = self.bits // 8
        return int.from_bytes(self.read(addr, width), self.byteorder)


def elf_layout(path) -> ElfLayout:
    """Read the ELF header and section headers of ``path``.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not ELF (a Windows or macOS build, a wasm module) or is truncated.
    """
    p = Path(path)
    data = p.read_bytes()
    if data[:4] != b"\x7fELF":
        raise ValueError(f"{p.name} is not an ELF file: this chapter reads Linux (ELF) binaries")
    cls, enc = data[4], data[5]
    if cls not in (1, 2) or enc not in (1, 2):
        raise ValueError(f"{p.name}: invalid ELF class {cls} or data encoding {enc}")
    o = "<" if enc == 1 else ">"
    is64 = cls == 2
    try:
        if is64:
            entry, _phoff, shoff = struct.unpack_from(o + "QQQ", data, 24)
            shentsize, shnum, shstrndx = struct.unpack_from(o + "HHH", data, 58)
            fmt = o + "IIQQQQIIQQ"
        else:
            entry, _phoff, shoff = struct.unpack_from(o + "III", data, 24)
            shentsize, shnum, shstrndx = struct.unpack_from(o + "HHH", data, 46)
            fmt = o + "IIIIIIIIII"
        raw = [struct.unpack_from(fmt, data, shoff + i * shentsize) for i in range(shnum if shoff else 0)]
    except struct.error as exc:
        raise ValueError(f"{p.name}: truncated ELF headers ({exc})") from None
    names_off = raw[shstrndx][4] if shstrndx < len(raw) else None

    def name_at(off: int) -> str:
        if names_off is None:
            return ""
        start = names_off + off
        end = data.find(b"\0", start)
        return data[start:end if end >= 0 else len(data)].decode("utf-8", "replace")

    sections = tuple(
        Section(name_at(sh_name), sh_type, sh_flags, sh_addr, sh_offset, sh_size)
        for sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, *_ in raw[1:]  # [0] is the null section
    )
    return ElfLayout(str(p), len(data), 32 if cls == 1 else 64, "little" if enc == 1 else "big", entry, sections)


@dataclass(frozen=True)
class Symbol:
    """One line of ``go tool nm -size``: address, size in bytes, type letter, name."""

    addr: int
    size: int
    kind: str
    name: str


def symbols(binary, *, toolchain: Toolchain | None = None) -> list[Symbol]:
    """Every defined symbol of a Go binary, from ``go tool nm -size``.

    Raises:
        GoEnvError: go tool nm could not read the file (stripped, not a Go binary).
        ParseError: a line is not ``ADDR SIZE TYPE NAME``.
    """
    res = _tc(toolchain).run_go(["tool", "nm", "-size", str(binary)], timeout=120)
    if res.returncode != 0:
        raise GoEnvError(f"go tool nm could not read {binary}: {res.stderr.strip()}")
    out = []
    for line in res.stdout.splitlines():
        parts = line.split(None, 3)
        if not parts or (len(parts) == 3 and parts[1] == "U"):
            continue  # undefined (imported) symbols have no address
        if len(parts) < 4:
            raise ParseError(f"go tool nm line is not 'ADDR SIZE TYPE NAME': {line!r}")
        try:
            out.append(Symbol(int(parts[0], 16), int(parts[1]), parts[2], parts[3]))
        except ValueError:
            raise ParseError(f"go tool nm line has a bad address or size: {line!r}") from None
    return out


#: Colour and legend text of each kind of package in the size chart.
_GROUPS = {
    "runtime": ("#c62828", "the runtime (runtime, internal/runtime/…)"),
    "main": ("#2e7d32", "your code (package main)"),
    "std": ("#4c72b0", "other standard library packages"),
    "data": ("#9e9e9e", "compiler/linker data, assembly without a package"),
}


def _group(pkg: str) -> str:
    if pkg == "runtime" or pkg.startswith("internal/runtime/"):
        return "runtime"
    if pkg == "main":
        return "main"
    if pkg in ("go:*", "type:*", "(linker)", "(other)"):
        return "data"
    return "std"


def package_table(program=HELLO, *, top: int = 14, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Bytes of the binary's symbols per Go package (``go tool nm -size``), largest first.

    Bss symbols (zeroed at start, no bytes in the file) are left out. Packages
    beyond the ``top`` largest are summed into one row; package ``main`` always
    gets its own row, however small.

    Args:
        program: source, Program or an already built BuildResult (default :data:`HELLO`).
        top: how many packages to list one by one.

    Returns:
        Columns ``package``, ``kind``, ``KiB``, ``share %``; ``attrs`` hold the
        ``runtime_share`` (0..1), ``symbol_bytes``, ``file_bytes``, ``packages``
        and the label.
    """
    tc = _tc(toolchain)
    b = _built(program, "hello", tc)
    sizes: dict[str, int] = {}
    for s in symbols(b.binary, toolchain=tc):
        if s.kind in "Bb":
            continue
        pkg = symbol_package(s.name)
        sizes[pkg] = sizes.get(pkg, 0) + s.size
    total = sum(sizes.values())
    if not total:
        raise GoEnvError(f"{b.binary} has no sized symbols (was it stripped with -ldflags=-s?)")
    ordered = sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ordered[:top]
    if "main" in sizes and all(k != "main" for k, _ in shown):
        shown.append(("main", sizes["main"]))
    rest = [(k, v) for k, v in ordered if k not in dict(shown)]
    rows = [{"package": k, "kind": _GROUPS[_group(k)][1], "KiB": v / 1024, "share %": 100 * v / total}
            for k, v in shown]
    if rest:
        v = sum(x for _, x in rest)
        rows.append({"package": f"{len(rest)} more packages", "kind": "(several kinds)", "KiB": v / 1024,
                     "share %": 100 * v / total})
    df = pd.DataFrame(rows)
    rt = sum(v for k, v in sizes.items() if _group(k) == "runtime")
    df.attrs.update(
        runtime_share=rt / total, symbol_bytes=total, file_bytes=Path(b.binary).stat().st_size,
        formats={"share %": "{:.2f}", "KiB": "{:,.2f}"}, code=["package"],
        packages=len(sizes), group_bytes={g: sum(v for k, v in sizes.items() if _group(k) == g) for g in _GROUPS},
        kind_packages={g: sum(1 for k in sizes if _group(k) == g) for g in _GROUPS},
        caption=(f"Symbol bytes per package in the hello-world binary ({len(sizes)} packages, "
                 f"{total / 1024:,.0f} KiB of code and data in symbols; the file is "
                 f"{Path(b.binary).stat().st_size / 1024:,.0f} KiB). The runtime's share: {100 * rt / total:.1f} %."),
        label=f"{course_label(b)} · go tool nm -size",
    )
    return df


def kind_table(table: pd.DataFrame) -> pd.DataFrame:
    """The symbol bytes of :func:`package_table` summed by kind: runtime, your code, standard library, data."""
    total = table.attrs["symbol_bytes"]
    counts = table.attrs.get("kind_packages", {})
    rows = [{"kind": text, "packages": counts.get(g, 0), "KiB": b / 1024, "share %": 100 * b / total}
            for g, (_, text) in _GROUPS.items() for b in [table.attrs["group_bytes"][g]]]
    df = pd.DataFrame(rows)
    df.attrs.update(caption=table.attrs.get("caption", ""), label=table.attrs.get("label", ""),
                    formats={"share %": "{:.2f}", "KiB": "{:,.2f}"})
    return df


def plot_packages(table: pd.DataFrame) -> "Figure":
    """Horizontal bar chart of :func:`package_table`, coloured by kind of package."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    data = table.iloc[::-1]
    colors = [next((c for c, text in _GROUPS.values() if text == k), "#bdbdbd") for k in data["kind"]]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(data) + 1.6), layout="constrained")
    ax.barh(data["package"], data["KiB"], color=colors)
    for y, (kib, share) in enumerate(zip(data["KiB"], data["share %"])):
        ax.text(kib, y, f" {share:.1f} %" if share >= 0.1 else f" {kib * 1024:.0f} bytes", va="center", fontsize=8)
    ax.set_xlim(0, data["KiB"].max() * 1.15)
    ax.set_xlabel("KiB of symbols in the binary")
    share = table.attrs.get("runtime_share")
    ax.set_title("Where the bytes of hello world go" + (f": {100 * share:.0f} % is the runtime" if share else ""),
                 fontsize=11)
    present = [k for k in _GROUPS if _GROUPS[k][1] in set(table["kind"])]
    ax.legend(handles=[Patch(color=_GROUPS[k][0], label=_GROUPS[k][1]) for k in present], loc="lower right",
              fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _finish(fig, table.attrs.get("label", ""))


#: What each ELF section of a Go binary holds.
SECTION_ROLES = {
    ".text": "machine code: the runtime, the standard library and main",
    ".rodata": "read-only data: constants, string literals",
    ".gopclntab": "function table (names, file:line, stack maps): the runtime reads it for stack traces, "
                  "stack growth and GC",
    ".go.type": "type descriptors: used by the GC, interfaces and reflect",
    ".typelink": "index of type descriptors",
    ".itablink": "index of interface tables",
    ".go.func": "function values referenced from data",
    ".go.buildinfo": "build information (what `go version -m` prints)",
    ".go.fipsinfo": "FIPS 140 module checksum data",
    ".go.module": "module data the runtime uses to find the tables above",
    ".noptrdata": "initialised globals without pointers",
    ".data": "initialised globals with pointers (scanned by the GC)",
    ".bss": "zeroed globals with pointers: no bytes in the file",
    ".noptrbss": "zeroed globals without pointers: no bytes in the file",
    ".symtab": "symbol table (what go tool nm reads); -ldflags=-s drops it",
    ".strtab": "symbol names; -ldflags=-s drops them",
    ".shstrtab": "section names",
}


def section_table(program=HELLO, *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """The binary's bytes by ELF section (DWARF sections summed), with what each section holds.

    Returns:
        Columns ``section``, ``KiB in file``, ``share of file %``, ``holds``; a
        last row for the ELF headers and alignment padding.
    """
    tc = _tc(toolchain)
    b = _built(program, "hello", tc)
    lay = elf_layout(b.binary)
    rows = []
    dwarf = [s for s in lay.sections if s.name.startswith(".debug_")]
    bss = [s for s in lay.sections if s.type == _SHT_NOBITS]
    # Sections under 1 KiB (build IDs, build info, module data, ...) share one row.
    small = [s for s in lay.sections if s not in dwarf and s not in bss and s.file_bytes < 1024]
    for s in lay.sections:
        if s in dwarf or s in bss or s in small:
            continue
        rows.append({"section": s.name, "bytes": s.file_bytes, "holds": SECTION_ROLES.get(s.name, "")})
    if bss:
        rows.append({"section": ", ".join(s.name for s in bss), "bytes": 0,
                     "holds": f"zeroed globals: no bytes in the file, {sum(s.size for s in bss) / 1024:,.0f} KiB "
                              "in memory once loaded"})
    if small:
        rows.append({"section": f"{len(small)} small sections", "bytes": sum(s.file_bytes for s in small),
                     "holds": ", ".join(s.name for s in small)})
    if dwarf:
        compressed = " (compressed)" if any(s.flags & _SHF_COMPRESSED for s in dwarf) else ""
        rows.append({"section": f".debug_* ({len(dwarf)} sections)", "bytes": sum(s.file_bytes for s in dwarf),
                     "holds": f"DWARF debug information for debuggers{compressed}; -ldflags=-w drops it"})
    rows.append({"section": "(headers, padding)", "bytes": lay.size - sum(r["bytes"] for r in rows),
                 "holds": "ELF and program headers, alignment between sections"})
    df = pd.DataFrame(rows)
    df["KiB in file"] = df["bytes"] / 1024
    df["share of file %"] = 100 * df["bytes"] / lay.size
    df = df[["section", "KiB in file", "share of file %", "holds"]]
    df.attrs.update(caption=f"The {lay.size / 1024:,.0f} KiB file by ELF section", label=course_label(b),
                    file_bytes=lay.size, code=["section"])
    return df


def question_runtime_share(program=HELLO, *, toolchain: Toolchain | None = None):
    """Predict the runtime's share of hello world's symbol bytes; the reveal measures it."""
    options = ["under 10 %: a runtime is a small shim", "about a quarter", "around half or more",
               "over 90 %: it is almost all runtime"]

    def reveal() -> tuple[str, str]:
        t = package_table(program, toolchain=toolchain)
        share = 100 * t.attrs["runtime_share"]
        right = options[0] if share < 10 else options[1] if share < 37 else options[2] if share < 90 else options[3]
        return right, (f"runtime and internal/runtime/… hold {share:.0f} % of the {t.attrs['symbol_bytes'] / 1024:,.0f} "
                       "KiB of symbols; main.main is a few dozen bytes. The runtime is a fixed cost: it "
                       "does not grow with your program.")

    return predict("In a hello-world binary, what share of the code and data (symbol bytes) is the Go runtime?",
                   options, reveal)


# ---------------------------------------------------------------------------
# 2. The start-up path, from the binary's own instructions
# ---------------------------------------------------------------------------

#: Calls in rt0_go worth a row, and what each one does.
RT0_STEPS = {
    "runtime.check": "self-checks of the compiler's assumptions (type sizes, atomics)",
    "runtime.args": "saves argc/argv and the auxiliary vector the kernel passed",
    "runtime.osinit": "asks the OS for the number of CPUs and the huge-page size",
    "runtime.schedinit": "sets up the scheduler: memory allocator, GC, GOMAXPROCS Ps, environment, GODEBUG",
    "runtime.newproc": "creates the first goroutine; it will run runtime.mainPC = runtime.main",
    "runtime.mstart": "turns this thread into M0 and starts scheduling: the new goroutine runs",
}
#: Calls in runtime.main worth a row, and what each one does.
MAIN_STEPS = {
    "runtime.doInit1": "runs init functions: the runtime's own first, later every package's, yours included",
    "runtime.gcenable": "starts the background sweeper and scavenger: the GC is on from here",
    "internal/runtime/exithook.Run": "runs exit hooks registered inside the standard library (such as coverage "
                                     "output): no GC, no finalizers, no waiting for goroutines",
    "runtime.exit": "the exit system call: the process ends, and every goroutine with it",
}
_CALL_RE = re.compile(r"^(CALL|BL|BLX|BCLRL|BCTRL|BASR|JAL|JALR)\b")
_JUMP_RE = re.compile(r"^(JMP|B|BR|J)\b")
_TARGET_RE = re.compile(r"([\w./*()\[\]%·-]+?)(?:\.abi0)?\(SB\)")


def _target(inst: Instruction) -> str | None:
    m = _TARGET_RE.search(inst.text)
    return m.group(1) if m else None


@lru_cache(maxsize=64)
def _source_lines(path: str) -> tuple[str, ...]:
    try:
        return tuple(Path(path).read_text(errors="replace").splitlines())
    except OSError:
        return ()


def _source_text(inst: Instruction, tc: Toolchain) -> str:
    candidates = [inst.path] if inst.path else []
    candidates.append(str(tc.goroot / "src" / "runtime" / inst.file))
    for p in candidates:
        lines = _source_lines(p)
        if 0 < inst.line <= len(lines):
            return lines[inst.line - 1].strip()
    return ""


def _row(step: str, fn: str, inst: Instruction, tc: Toolchain, what: str) -> dict:
    line = " ".join(_source_text(inst, tc).split())
    return {
        "step": step,
        "in function": fn,
        "instruction": inst.text,
        "source": f"{inst.file}:{inst.line}" + (f": {line}" if line else ""),
        "what it does": what,
    }


def startup_path(program=HELLO, *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """From the ELF entry point to ``main.main`` and ``exit``, read from the binary's own instructions.

    The walk: the symbol at the ELF entry address; the jumps from there to the
    function that calls ``runtime.schedinit`` (``runtime.rt0_go``); its calls
    in address order; the pointer in ``runtime.mainPC`` that ``newproc`` gets;
    and in ``runtime.main`` the init calls, the indirect call on the line
    ``fn()`` (``fn := main_main``), the exit hooks and ``exit``. Works for every
    ELF GOARCH that ``go tool objdump`` reads.

    Returns:
        Columns ``step``, ``in function`` (hidden by :func:`show`), ``instruction``,
        ``source`` (``file:line: text`` from this toolchain's source) and ``what it does``.

    Raises:
        ValueError: the binary is not ELF.
        GoEnvError: the expected functions are missing (a changed runtime).
    """
    tc = _tc(toolchain)
    b = _built(program, "hello", tc)
    lay = elf_layout(b.binary)
    syms = symbols(b.binary, toolchain=tc)
    by_addr: dict[int, str] = {}
    for s in syms:
        if s.kind in "Tt":
            by_addr.setdefault(s.addr, s.name)
    by_name = {s.name: s for s in syms}
    entry = by_addr.get(lay.entry)
    if entry is None:
        raise GoEnvError(f"no function symbol at the entry address {lay.entry:#x}")
    rows = [{"step": "1. ELF entry point", "in function": entry, "instruction": f"{lay.entry:#x} = {entry}",
             "source": "",
             "what it does": "the kernel starts the process here: no loader, no VM, the first instruction is the runtime's"}]

    # Follow the jumps until the function that calls schedinit (rt0_go).
    fn, rt0 = entry, None
    for _ in range(5):
        insts = disassemble(b.binary, fn, regex=False, toolchain=tc)
        if any(_CALL_RE.match(i.text) and _target(i) == "runtime.schedinit" for i in insts):
            rt0 = (fn, insts)
            break
        # s390x loads the address of rt0_go into a register instead of jumping to a name.
        jump = next((i for i in insts if _JUMP_RE.match(i.text)), None) or next(
            (i for i in insts if _target(i) == "runtime.rt0_go"), None)
        if jump is None:
            break
        nxt = _target(jump)
        addr = re.fullmatch(r"\S+ (0x[0-9a-f]+)", jump.text)
        if nxt is None and addr and int(addr.group(1), 16) in by_addr:
            nxt = by_addr[int(addr.group(1), 16)]  # a direct jump objdump printed as an address (arm)
        if nxt is None:
            # A jump through a register (riscv64 computes the address with AUIPC): objdump cannot
            # name the target, but the start-up code has one name on every architecture.
            nxt = "runtime.rt0_go"
            rows.append(_row(f"2. {fn}", fn, jump, tc, "jumps through a register to the start-up code, runtime.rt0_go"))
        else:
            rows.append(_row(f"2. {fn}", fn, jump, tc, f"jumps to {nxt}"))
        sym = by_name.get(nxt) or by_name.get(nxt + ".abi0")
        if sym is None:
            break
        fn = sym.name
    if rt0 is None:
        raise GoEnvError(f"no function reachable from {entry} calls runtime.schedinit")
    fn, insts = rt0
    short = fn.removesuffix(".abi0")
    for i in insts:
        t = _target(i) if _CALL_RE.match(i.text) else None
        if t in RT0_STEPS:
            rows.append(_row(f"3. {short}", short, i, tc, RT0_STEPS[t]))
        if t == "runtime.newproc":
            break  # mstart comes next; everything after it is error handling
    after = [i for i in insts if _CALL_RE.match(i.text) and _target(i) == "runtime.mstart"]
    if after:
        rows.append(_row(f"3. {short}", short, after[0], tc, RT0_STEPS["runtime.mstart"]))
    # runtime.mainPC: the function value newproc starts, read from the file.
    pc = by_name.get("runtime.mainPC")
    if pc is not None:
        target = by_addr.get(lay.pointer(pc.addr), f"{lay.pointer(pc.addr):#x}")
        rows.insert(len(rows) - 2 if after else len(rows),
                    {"step": f"3. {short}", "in function": short, "instruction": f"runtime.mainPC @ {pc.addr:#x}",
                     "source": "",
                     "what it does": f"the argument of newproc: the pointer stored there is {lay.pointer(pc.addr):#x} = {target}"})

    main_insts = disassemble(b.binary, "runtime.main", regex=False, toolchain=tc)
    seen: set[str] = set()
    for i in main_insts:
        if not _CALL_RE.match(i.text):
            continue
        t = _target(i)
        if t in MAIN_STEPS and t not in seen:
            seen.add(t)
            step = "6. runtime.main, after main.main" if "main.main" in seen else "4. runtime.main"
            rows.append(_row(step, "runtime.main", i, tc, MAIN_STEPS[t]))
            if t == "runtime.exit":
                break
        elif t is None and re.search(r"\bfn\(\)", _source_text(i, tc)) and "main.main" not in seen:
            seen.add("main.main")
            rows.append(_row("5. runtime.main → main.main", "runtime.main", i, tc,
                             "the indirect call fn := main_main; fn(): your main.main runs; when it returns, "
                             "runtime.main goes on below"))
    df = pd.DataFrame(rows)
    df.attrs.update(caption="The start-up path, read from this binary's symbols (go tool nm) and instructions "
                            "(go tool objdump); source lines from this toolchain's runtime",
                    label=f"{course_label(b)} · objdump", code=["instruction", "source"],
                    hide=["in function"], small=True)
    return df


def question_who_calls_main():
    """Multiple choice: who calls main.main?"""
    return choice(
        "Who calls your main.main?",
        ["the operating system's loader, like a C program's main",
         "runtime.rt0_go, directly after schedinit",
         "runtime.main, running as the first goroutine",
         "a Go virtual machine that interprets the program"],
        2,
        "rt0_go only prepares: schedinit, then newproc(runtime.main) creates the first goroutine and mstart "
        "starts scheduling. runtime.main runs the init functions and then calls main.main through a function "
        "value. There is no VM: every step is a machine instruction in your binary.",
    )


# ---------------------------------------------------------------------------
# 3. runtime.MemStats
# ---------------------------------------------------------------------------

#: The MemStats fields the chapter uses.
MEMSTATS_FIELDS = ("HeapAlloc", "NextGC", "NumGC", "TotalAlloc", "PauseTotalNs")


def memstats_docs(fields=MEMSTATS_FIELDS, *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """The documentation of MemStats fields, read from this toolchain's ``runtime/mstats.go``.

    Returns:
        Columns ``field``, ``type``, ``documentation`` (the comment above the
        field, at most its first two paragraphs) and ``line``. A field missing
        from the source has the type "missing".
    """
    tc = _tc(toolchain)
    path = tc.goroot / "src" / "runtime" / "mstats.go"
    lines = list(_source_lines(str(path)))
    start = next((n for n, ln in enumerate(lines) if ln.startswith("type MemStats struct")), None)
    if start is None:
        raise GoEnvError(f"{path} has no `type MemStats struct` (is {tc.version} complete?)")
    end = next((n for n in range(start, len(lines)) if lines[n] == "}"), len(lines))
    rows = []
    for name in fields:
        rx = re.compile(rf"^\s*{name}\s+(\S.*)$")
        hit = next((n for n in range(start, end) if rx.match(lines[n])), None)
        if hit is None:
            rows.append({"field": name, "type": "missing", "documentation": "", "line": 0})
            continue
        comment: list[str] = []
        n = hit - 1
        while n > start and lines[n].strip().startswith("//"):
            comment.insert(0, lines[n].strip()[2:].strip())
            n -= 1
        # Paragraphs are separated by an empty "//" line.
        paras = [" ".join(p.split()) for p in "\n".join(comment).split("\n\n")]
        rows.append({"field": name, "type": rx.match(lines[hit]).group(1).strip(),
                     "documentation": " ".join(p for p in paras[:2] if p), "line": hit + 1})
    df = pd.DataFrame(rows)
    df.attrs.update(caption="runtime.MemStats fields, documented in $GOROOT/src/runtime/mstats.go",
                    label=f"{tc.version} · read from the toolchain's source", code=["field", "type"])
    return df


def _compiler_says(output: str, line_no: int) -> str:
    for line in output.splitlines():
        m = re.match(r"^\.?/?main\.go:(\d+):\d+: (.*)$", line.strip())
        if m and int(m.group(1)) == line_no and "make(" in m.group(2):
            return m.group(2)
    return "(no escape-analysis message for this line)"


def _parse_kv(text: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", text)}


def escape_table(program=ESCAPE, *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Build :data:`ESCAPE` with ``-gcflags=-m`` and run it both ways.

    Returns:
        One row per variant: the source line, what escape analysis said about
        its ``make``, the bytes that reached the heap (TotalAlloc, MiB) and the
        number of GC cycles.
    """
    tc = _tc(toolchain)
    b = _built(program, "escape", tc, gcflags="-m")
    source = _main_source(program)
    rows = []
    for arg, needle in (("drop", "_ = make("), ("sink", "sink = make(")):
        line_no = next((n for n, ln in enumerate(source.splitlines(), 1) if needle in ln), 0)
        r = api.run_binary(b, args=[arg], limits=_limits(), toolchain=tc)
        kv = _parse_kv(r.stdout)
        rows.append({
            "loop body": source.splitlines()[line_no - 1].strip() if line_no else needle,
            "compiler (-gcflags=-m) says": _compiler_says(b.output, line_no),
            "reached the heap (MiB)": _mib(kv["TotalAlloc"]) if "TotalAlloc" in kv else float("nan"),
            "GC cycles": kv.get("NumGC", -1),
        })
    df = pd.DataFrame(rows)
    df.attrs.update(caption="100 000 allocations of 1 KiB each, with and without a use",
                    label=course_label(r), code=["loop body", "compiler (-gcflags=-m) says"])
    return df


def _main_source(program) -> str:
    """The main.go text of a chapter program (source string, Program, or dict of files)."""
    from ..workspace import Program

    p = Program.coerce(program)
    files = dict(p.files)
    data = files.get("main.go") or next(iter(files.values()))
    return data.decode() if isinstance(data, bytes) else data


def question_escape(program=ESCAPE, *, toolchain: Toolchain | None = None):
    """Predict how many GC cycles ``_ = make([]byte, 1024)`` × 100 000 causes; the reveal runs it."""
    options = ["none", "a few (1–5)", "many (more than 5)"]

    def reveal() -> tuple[str, str]:
        t = escape_table(program, toolchain=toolchain)
        n = int(t.iloc[0]["GC cycles"])
        right = options[0] if n == 0 else options[1] if n <= 5 else options[2]
        return right, (f"{n} GC cycles, {t.iloc[0]['reached the heap (MiB)']:.2f} MiB on the heap: the compiler "
                       f"says “{t.iloc[0]['compiler (-gcflags=-m) says']}”, so the slices never reach the heap. "
                       f"Stored in a global, the same loop causes {int(t.iloc[1]['GC cycles'])} cycles.")

    return predict("A loop runs `_ = make([]byte, 1024)` 100 000 times (about 100 MiB in all). "
                   "How many GC cycles does it cause?", options, reveal)


_SAMPLE_FIELDS = ("total_alloc", "heap_alloc", "next_gc", "num_gc", "heap_objects", "pause_total_ns")


def parse_memstats(stdout: str) -> tuple[pd.DataFrame, list[int]]:
    """Parse the ``memstats ...`` and ``pauses_ns ...`` lines :data:`MEMSTATS` prints.

    Other lines are ignored (a learner may add prints).

    Returns:
        (samples, pauses): one row per sample with ``sample``, ``phase`` and the
        byte/count columns; the per-cycle stop-the-world times in ns, oldest first.

    Raises:
        ParseError: a ``memstats`` line lacks a field or has a non-numeric value.
    """
    rows, pauses = [], []
    for line in stdout.splitlines():
        if line.startswith("memstats "):
            kv = dict(re.findall(r"(\w+)=(\S+)", line))
            missing = [f for f in ("phase", *_SAMPLE_FIELDS) if f not in kv]
            if missing:
                raise ParseError(f"memstats line without {', '.join(missing)}: {line!r}")
            try:
                row = {"phase": kv["phase"], **{f: int(kv[f]) for f in _SAMPLE_FIELDS}}
            except ValueError:
                raise ParseError(f"memstats line with a non-numeric value: {line!r}") from None
            rows.append(row)
        elif line.startswith("pauses_ns"):
            try:
                pauses = [int(x) for x in line.split()[1:]]
            except ValueError:
                raise ParseError(f"pauses_ns line with a non-numeric value: {line!r}") from None
    df = pd.DataFrame(rows, columns=["phase", *_SAMPLE_FIELDS])
    df.insert(0, "sample", range(len(df)))
    return df, pauses


@dataclass(frozen=True)
class HeapRun:
    """One run of :data:`MEMSTATS`.

    Attributes:
        samples: one row per ReadMemStats call (see :func:`parse_memstats`).
        pauses_ns: stop-the-world time of each recent GC cycle, oldest first.
        result: the goenv RunResult.
        live_mib, garbage_mib, every_kib: the arguments.
        gogc: the GOGC setting (None: the default, 100).
    """

    samples: pd.DataFrame
    pauses_ns: tuple[int, ...]
    result: RunResult
    live_mib: int
    garbage_mib: int
    every_kib: int
    gogc: int | None = None

    @property
    def label(self) -> str:
        return course_label(self.result) + (f" · GOGC={self.gogc}" if self.gogc is not None else "")

    def phase_end(self, phase: str) -> pd.Series:
        """The last sample of a phase ("start", "live", "garbage", "released")."""
        rows = self.samples[self.samples["phase"] == phase]
        if rows.empty:
            raise KeyError(f"the run has no {phase!r} sample")
        return rows.iloc[-1]


def sample_memstats(program=MEMSTATS, *, live_mib: int = 20, garbage_mib: int = 200, every_kib: int = 512,
                    gogc: int | None = None, toolchain: Toolchain | None = None) -> HeapRun:
    """Run :data:`MEMSTATS` and parse its samples.

    Args:
        live_mib: MiB kept reachable (the live heap).
        garbage_mib: MiB allocated and dropped after that.
        every_kib: a sample every this many KiB allocated.
        gogc: GOGC for the program (None: the default).

    Raises:
        GoEnvError: the program did not build or did not exit normally.
    """
    if min(live_mib, garbage_mib, every_kib) <= 0:
        raise ValueError("live_mib, garbage_mib and every_kib must be positive")
    env = {"GOGC": gogc} if gogc is not None else None
    r = _run(program, "memstats", [live_mib, garbage_mib, every_kib], env=env, toolchain=toolchain)
    if not r.ok:
        raise GoEnvError(f"the memstats program failed: {r.message}\n{r.stderr[-2000:]}")
    samples, pauses = parse_memstats(r.stdout)
    if samples.empty:
        raise GoEnvError("the memstats program printed no `memstats ...` lines")
    return HeapRun(samples, tuple(pauses), r, live_mib, garbage_mib, every_kib, gogc)


_PHASE_COLORS = {"live": "#e8f5e9", "garbage": "#fff3e0"}


def plot_heap(run: HeapRun) -> "Figure":
    """HeapAlloc and NextGC against bytes allocated so far, with NumGC below."""
    import matplotlib.pyplot as plt

    s = run.samples
    x = _mib(s["total_alloc"])
    fig, (ax, ax2) = plt.subplots(2, 1, sharex=True, figsize=(8.5, 5.2), height_ratios=(3, 1),
                                  layout="constrained")
    for phase, color in _PHASE_COLORS.items():
        px = x[s["phase"] == phase]
        if not px.empty:
            for a in (ax, ax2):
                a.axvspan(px.min(), px.max(), color=color, zorder=0)
            ax.text((px.min() + px.max()) / 2, 1.0, f"{phase} phase", transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=8, color="#555")
    ax.plot(x, _mib(s["heap_alloc"]), color="#c62828", lw=1.4, label="HeapAlloc (allocated, not yet freed)")
    ax.step(x, _mib(s["next_gc"]), where="post", color="#1565c0", lw=1.2, ls="--", label="NextGC (goal of the next GC)")
    rel = s[s["phase"] == "released"]
    if not rel.empty:
        ax.plot(_mib(rel["total_alloc"]), _mib(rel["heap_alloc"]), "o", color="#c62828")
        ax.annotate("keep = nil; runtime.GC()", (_mib(rel["total_alloc"].iloc[-1]), _mib(rel["heap_alloc"].iloc[-1])),
                    xytext=(-10, 18), textcoords="offset points", ha="right", fontsize=8,
                    arrowprops={"arrowstyle": "->", "color": "#555"})
    ax.set_ylabel("MiB")
    ax.set_ylim(0, _mib(max(s["next_gc"].max(), s["heap_alloc"].max())) * 1.12)
    ax.legend(loc="lower center", fontsize=8, framealpha=0.9)
    ax.set_title(f"runtime.MemStats while the program allocates ({run.live_mib} MiB kept, "
                 f"{run.garbage_mib} MiB of garbage)", fontsize=11, pad=14)
    ax2.step(x, s["num_gc"], where="post", color="#333")
    ax2.set_ylabel("NumGC")
    ax2.set_xlabel("TotalAlloc: MiB allocated so far")
    for a in (ax, ax2):
        for side in ("top", "right"):
            a.spines[side].set_visible(False)
    return _finish(fig, run.label)


def phase_table(run: HeapRun) -> pd.DataFrame:
    """The last sample of each phase, in MiB, like the errata's four lines but measured now."""
    text = {"start": "start", "live": f"after {run.live_mib} MiB kept", "garbage": f"after {run.garbage_mib} MiB of garbage",
            "released": "after keep = nil; runtime.GC()"}
    rows = []
    for phase, what in text.items():
        try:
            r = run.phase_end(phase)
        except KeyError:
            continue
        rows.append({"when": what, "TotalAlloc (MiB)": _mib(r["total_alloc"]), "HeapAlloc (MiB)": _mib(r["heap_alloc"]),
                     "NextGC (MiB)": _mib(r["next_gc"]), "NumGC": int(r["num_gc"]),
                     "HeapObjects": int(r["heap_objects"])})
    df = pd.DataFrame(rows)
    df.attrs.update(caption="MemStats at the end of each phase", label=run.label)
    return df


def pause_table(run: HeapRun, threshold_ms: float = 1.0) -> pd.DataFrame:
    """Stop-the-world time per GC cycle (MemStats.PauseNs): count, median, max, total."""
    p = [x / 1e6 for x in run.pauses_ns]
    total = int(run.phase_end("released")["pause_total_ns"]) / 1e6 if not run.samples.empty else float("nan")
    row = {"GC cycles": len(p),
           "median pause (ms)": statistics.median(p) if p else float("nan"),
           "longest pause (ms)": max(p) if p else float("nan"),
           f"cycles over {threshold_ms:g} ms": sum(x > threshold_ms for x in p),
           "PauseTotalNs (ms)": total}
    df = pd.DataFrame([row])
    df.attrs.update(caption="Stop-the-world time per GC cycle (MemStats.PauseNs: both pauses of a cycle, summed)",
                    label=run.label, formats={c: "{:.3f}" for c in df.columns if "(ms)" in c})
    return df


def gogc_table(values=(50, 100, 200), *, live_mib: int = 20, garbage_mib: int = 200, program=MEMSTATS,
               toolchain: Toolchain | None = None) -> pd.DataFrame:
    """The same allocation pattern under several GOGC values: GC cycles and the heap goal.

    Returns:
        Columns ``GOGC``, ``GC cycles in the garbage phase``, ``median NextGC (MiB)``,
        ``peak HeapAlloc (MiB)``.
    """
    rows, run = [], None
    for g in values:
        run = sample_memstats(program, live_mib=live_mib, garbage_mib=garbage_mib, every_kib=256, gogc=g,
                              toolchain=toolchain)
        s = run.samples
        garbage = s[s["phase"] == "garbage"]
        before = run.phase_end("live")["num_gc"]
        rows.append({"GOGC": g, "GC cycles in the garbage phase": int(garbage["num_gc"].max() - before),
                     "median NextGC (MiB)": _mib(garbage["next_gc"].median()),
                     "peak HeapAlloc (MiB)": _mib(garbage["heap_alloc"].max())})
    df = pd.DataFrame(rows)
    df.attrs.update(caption=f"{live_mib} MiB kept, then {garbage_mib} MiB of garbage, under each GOGC",
                    label=course_label(run.result) if run else "")
    return df


NEXTGC_OPTIONS = ("about the live heap (≈ 1×)", "about twice the live heap (≈ 2×)",
                  "about all the bytes allocated so far", "always the 4 MiB minimum")


def _nextgc_option(run: HeapRun) -> tuple[str, float]:
    s = run.samples
    goal = _mib(s[s["phase"] == "garbage"]["next_gc"].median())
    ratio = goal / run.live_mib
    if goal <= 4.5:
        return NEXTGC_OPTIONS[3], ratio
    if ratio < 1.5:
        return NEXTGC_OPTIONS[0], ratio
    if ratio < 3:
        return NEXTGC_OPTIONS[1], ratio
    return NEXTGC_OPTIONS[2], ratio


def question_nextgc(program=MEMSTATS, *, live_mib: int = 20, garbage_mib: int = 200,
                    toolchain: Toolchain | None = None):
    """Predict NextGC while a program with a fixed live heap makes garbage (GOGC=100); the reveal runs it."""

    def reveal() -> tuple[str, str]:
        run = sample_memstats(program, live_mib=live_mib, garbage_mib=garbage_mib, toolchain=toolchain)
        right, ratio = _nextgc_option(run)
        return right, (f"median NextGC in the garbage phase: {ratio:.2f} × the {run.live_mib} MiB kept. With "
                       "GOGC=100 the goal is the live heap found by the last GC plus 100 % of it (plus stacks "
                       "and globals), so a steady live heap gives a steady goal.")

    return predict(f"A program keeps {live_mib} MiB reachable and then makes lots of garbage, with the default GOGC=100. "
                   "While it does, what is NextGC?", list(NEXTGC_OPTIONS), reveal)


def myth_memstats(run: HeapRun, docs: pd.DataFrame | None = None, *, show: bool = True) -> MythCheck:
    """Errata 4.1-c: the seed's MemStats fields exist and behave as documented, from a live run."""
    s = run.samples
    live, garbage, released = run.phase_end("live"), run.phase_end("garbage"), run.phase_end("released")
    gcs = int(garbage["num_gc"] - live["num_gc"])
    within = (s["heap_alloc"] <= s["next_gc"]).mean()
    ends_ok = all(r["heap_alloc"] <= r["next_gc"] for r in (live, garbage, released))
    drop = released["heap_alloc"] / garbage["heap_alloc"]
    documented = True
    if docs is not None:
        want = {"HeapAlloc": "HeapAlloc is bytes of allocated heap objects", "NextGC": "NextGC is the target heap size",
                "NumGC": "NumGC is the number of completed GC cycles"}
        for f, text in want.items():
            row = docs[docs["field"] == f]
            documented &= (not row.empty) and text in row.iloc[0]["documentation"]
    holds = documented and gcs > 0 and ends_ok and within >= 0.9 and drop < 0.5
    return myth_check(
        "4.1-c",
        claim="runtime.ReadMemStats fills HeapAlloc (heap memory allocated and not yet freed, reachable objects "
              "included), NextGC (the threshold of the next GC) and NumGC (completed GC cycles); sampled around GC "
              "cycles they show when the GC runs and how memory grows",
        experiment=f"a program kept {run.live_mib} MiB, allocated {run.garbage_mib} MiB of garbage, then dropped "
                   "everything and called runtime.GC(), reading MemStats every "
                   f"{run.every_kib} KiB; the field documentation was read from this toolchain's source",
        holds=holds,
        evidence={
            "fields documented in runtime/mstats.go": "yes" if documented else "no",
            "GC cycles during the garbage phase (NumGC grew by)": gcs,
            "samples with HeapAlloc ≤ NextGC": f"{100 * within:.0f} %",
            "HeapAlloc after the garbage phase": f"{_mib(garbage['heap_alloc']):.1f} MiB",
            "HeapAlloc after keep = nil; runtime.GC()": f"{_mib(released['heap_alloc']):.2f} MiB",
        },
        truth="the fields exist and mean what the documentation says. HeapAlloc includes garbage the GC has not "
              "swept yet. NextGC is the heap size the GC aims to stay under, set from the live heap and GOGC; a "
              "cycle starts a little before it. Only allocations that escape reach the heap at all.",
        label=run.label,
        show=show,
    )


# ---------------------------------------------------------------------------
# 4. When main returns
# ---------------------------------------------------------------------------


def exit_evidence(result: RunResult) -> dict:
    """What a run of :data:`EXIT_DEMO` shows (run it with ``GODEBUG=gctrace=1``).

    Returns:
        ``goroutines_at_return`` (None if the line is missing), ``goroutine_finished``,
        ``finalizer_ran``, ``gc_cycles`` (gctrace lines: with no GC during the run,
        any line would be a GC at exit), ``run_ms``, ``exit_code``, ``waited``
        (the run lasted until the wall-time limit, as it would if the runtime
        waited for the hour-long sleeper).
    """
    m = re.search(r"NumGoroutine = (\d+)", result.stdout)
    return {
        "goroutines_at_return": int(m.group(1)) if m else None,
        "goroutine_finished": "goroutine finished" in result.stdout,
        "finalizer_ran": "finalizer ran" in result.stdout,
        "gc_cycles": len(re.findall(r"^gc \d+ @", result.stderr, re.M)),
        "run_ms": result.run_duration_s * 1000,
        "exit_code": result.exit_code,
        "waited": bool(result.timed_out or result.stopped_by == "wall_time"),
    }


EXIT_OPTIONS = ("both lines: the runtime waits for goroutines and runs finalizers",
                "\"goroutine finished\" only: it waits for goroutines, finalizers may not run",
                "neither: the process ends when main returns")


def _exit_run(program, toolchain) -> RunResult:
    return _run(program, "exit demo", env={"GODEBUG": "gctrace=1"}, toolchain=toolchain)


def question_exit(program=EXIT_DEMO, *, toolchain: Toolchain | None = None):
    """Predict what the exit demo prints after main returns; the reveal runs it."""

    def reveal() -> tuple[str, str]:
        ev = exit_evidence(_exit_run(program, toolchain))
        if ev["goroutine_finished"] and ev["finalizer_ran"]:
            right = EXIT_OPTIONS[0]
        elif ev["goroutine_finished"]:
            right = EXIT_OPTIONS[1]
        else:
            right = EXIT_OPTIONS[2]
        return right, (f"{ev['goroutines_at_return']} goroutines were alive when main returned; the process "
                       f"ended after {ev['run_ms']:.0f} ms in all, with exit status {ev['exit_code']}.")

    return predict("main sets a finalizer on garbage, starts a goroutine that prints \"goroutine finished\" after "
                   "50 ms, and returns. Which lines appear after \"main returning\"?", list(EXIT_OPTIONS), reveal)


def runtime_main_tail(*, toolchain: Toolchain | None = None):
    """The lines of ``runtime.main`` that call main.main and end the process, from this toolchain's source.

    Returns:
        An IPython Markdown object: numbered lines with "…" where lines are left out.
    """
    from IPython.display import Markdown

    tc = _tc(toolchain)
    path = tc.goroot / "src" / "runtime" / "proc.go"
    lines = _source_lines(str(path))
    start = next((n for n, ln in enumerate(lines) if ln.startswith("func main()")), None)
    if start is None:
        return Markdown(f"`$GOROOT/src/runtime/proc.go` of {tc.version} has no `func main()`.")
    end = next((n for n in range(start, len(lines)) if lines[n] == "}"), len(lines) - 1)
    keep = [n for n in range(start, end + 1)
            if re.search(r"fn := main_main|^\s*fn\(\)$|runExitHooks\(0\)$|^\s*exit\(0\)$|^func main", lines[n])]
    out, prev = [], None
    for n in keep:
        if prev is not None and n > prev + 1:
            out.append("        …")
        out.append(f"{n + 1:5d}  {lines[n]}")
        prev = n
    body = "\n".join(out)
    return Markdown(f"`$GOROOT/src/runtime/proc.go` ({tc.version}), the lines of `runtime.main` that run your "
                    f"program and end the process:\n```go\n{body}\n```")


def myth_exit(result: RunResult, *, show: bool = True) -> MythCheck:
    """Errata 4.1-b: after main returns, does the runtime run a final GC, run finalizers and wait for goroutines?"""
    ev = exit_evidence(result)
    if ev["goroutines_at_return"] is None:
        raise GoEnvError("the run has no 'NumGoroutine = N' line: run the exit demo (EXIT_DEMO) unchanged, "
                         f"with GODEBUG=gctrace=1. It said: {result.message}")
    holds = ev["waited"] or ev["goroutine_finished"] or ev["finalizer_ran"] or ev["gc_cycles"] > 0
    return myth_check(
        "4.1-b",
        claim="when the main goroutine exits, the runtime runs a final GC, frees memory and waits for all "
              "non-daemon threads (goroutines) to finish",
        experiment="main set a finalizer on garbage, started three goroutines (one sleeping 50 ms and then "
                   "printing, one sleeping an hour, one busy loop) and returned; run with GODEBUG=gctrace=1",
        holds=holds,
        evidence={
            "goroutines alive when main returned (NumGoroutine)": ev["goroutines_at_return"],
            "\"goroutine finished\" printed": "yes" if ev["goroutine_finished"] else "no",
            "\"finalizer ran\" printed": "yes" if ev["finalizer_ran"] else "no",
            "GC cycles in the gctrace output": ev["gc_cycles"],
            "whole run, process start to exit": f"{ev['run_ms']:.0f} ms (exit status {ev['exit_code']})",
        },
        truth="Go has no daemon/non-daemon distinction. runtime.main calls main.main, runs the exit hooks and "
              "calls exit(0): every other goroutine stops mid-instruction, no final GC runs and finalizers are "
              "not guaranteed to run. Wait explicitly with sync.WaitGroup, and stop goroutines with a context.",
        label=course_label(result) + " · GODEBUG=gctrace=1",
        show=show,
    )


# ---------------------------------------------------------------------------
# 5. The fix: WaitGroup and context
# ---------------------------------------------------------------------------


def shutdown_table(program=SHUTDOWN, *, jobs: int = 12, repeats: int = 3,
                   toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Run :data:`SHUTDOWN` returning at once and with WaitGroup + context, ``repeats`` times each.

    Returns:
        One row per variant: jobs submitted, jobs done (the fewest and most over
        the runs, counted from the output), whether the background task saved
        its state in every run, and the median run time.
    """
    tc = _tc(toolchain)
    b = _built(program, "shutdown", tc)
    rows, last, ranges = [], None, {}
    for mode, what in (("nowait", "main returns right away"), ("wait", "WaitGroup.Wait, then cancel the context")):
        done, saved, ms = [], [], []
        for _ in range(max(1, repeats)):
            r = api.run_binary(b, args=[mode, jobs], limits=_limits(), toolchain=tc)
            if not r.ok:
                raise GoEnvError(f"the shutdown program failed: {r.message}\n{r.stderr[-2000:]}")
            done.append(len(re.findall(r"^job \d+ done", r.stdout, re.M)))
            saved.append("flusher: state saved" in r.stdout)
            ms.append(r.run_duration_s * 1000)
            last = r
        rows.append({"shutdown": what, "runs": len(done), "jobs submitted": jobs,
                     "jobs done": f"{min(done)}" if min(done) == max(done) else f"{min(done)}–{max(done)}",
                     "background state saved": "every run" if all(saved) else
                     "never" if not any(saved) else f"{sum(saved)} of {len(saved)} runs",
                     "median run time (ms)": statistics.median(ms)})
        ranges[mode] = {"done": (min(done), max(done)), "saved": sum(saved), "runs": len(saved)}
    df = pd.DataFrame(rows)
    df.attrs.update(caption="The same workers and background task, two ways to end main",
                    label=course_label(last), runs=ranges)
    return df


def question_shutdown():
    """Multiple choice: the right way to finish goroutine work before exit."""
    return choice(
        "Background goroutines must finish their work before the program exits. What does it reliably?",
        ["time.Sleep(time.Second) at the end of main",
         "runtime.GC() at the end of main, so finalizers flush the work",
         "a sync.WaitGroup that main waits on, plus a context to tell long-running goroutines to stop",
         "nothing: the runtime waits for non-daemon goroutines"],
        2,
        "Only an explicit handshake works: WaitGroup.Wait returns when every worker has called Done, and "
        "cancelling a context asks goroutines that would otherwise run forever to stop. A sleep is a guess, "
        "finalizers are not guaranteed to run, and Go has no daemon goroutines.",
    )


# ---------------------------------------------------------------------------
# 6. A heap profile, read back with go tool pprof -top
# ---------------------------------------------------------------------------

_UNITS = {"B": 1, "kB": 1024, "KB": 1024, "MB": 2**20, "GB": 2**30, "TB": 2**40}
_TOP_ROW = re.compile(r"^\s*(\S+)\s+(\S+)%\s+(\S+)%\s+(\S+)\s+(\S+)%\s+(.+?)\s*$")


def _quantity(text: str) -> float:
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", text)
    if not m:
        raise ParseError(f"pprof quantity {text!r} is not a number with a unit")
    unit = m.group(2)
    if unit and unit not in _UNITS:
        raise ParseError(f"pprof quantity {text!r} has an unknown unit")
    return float(m.group(1)) * _UNITS.get(unit, 1)


def parse_pprof_top(text: str) -> pd.DataFrame:
    """Parse ``go tool pprof -top`` output.

    Memory quantities become bytes (pprof's kB/MB/GB are powers of 1024);
    counts (``inuse_objects``) stay counts.

    Returns:
        Columns ``function``, ``flat``, ``flat %``, ``cum``, ``cum %``; ``attrs``
        hold ``type`` (the sample index) and ``total``.

    Raises:
        ParseError: there is no ``flat flat% sum% cum cum%`` header, or a row does not parse.
    """
    lines = text.splitlines()
    head = next((n for n, ln in enumerate(lines) if re.match(r"^\s*flat\s+flat%\s+sum%\s+cum\s+cum%", ln)), None)
    if head is None:
        raise ParseError("no 'flat flat% sum% cum cum%' header: is this go tool pprof -top output?")
    rows = []
    for ln in lines[head + 1:]:
        if not ln.strip():
            continue
        m = _TOP_ROW.match(ln)
        if not m:
            raise ParseError(f"pprof -top row does not parse: {ln!r}")
        flat, flat_pct, _sum, cum, cum_pct, fn = m.groups()
        rows.append({"function": fn, "flat": _quantity(flat), "flat %": float(flat_pct),
                     "cum": _quantity(cum), "cum %": float(cum_pct)})
    df = pd.DataFrame(rows, columns=["function", "flat", "flat %", "cum", "cum %"])
    t = re.search(r"^Type: (\S+)", text, re.M)
    tot = re.search(r"of (\S+) total", text)
    df.attrs.update(type=t.group(1) if t else "", total=_quantity(tot.group(1)) if tot else float("nan"))
    return df


@dataclass(frozen=True)
class HeapProfile:
    """A heap profile written by :data:`HEAPPROF` and read back with ``go tool pprof -top``.

    Attributes:
        result: the program's run.
        profile_bytes: size of heap.pprof.
        tops: sample index ("inuse_space", "alloc_space") → parsed -top table.
        raw: sample index → pprof's text output.
        heap_alloc: the program's own MemStats.HeapAlloc right after the GC the profile describes.
    """

    result: RunResult
    profile_bytes: int
    tops: dict = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
    heap_alloc: int = 0

    @property
    def label(self) -> str:
        return course_label(self.result) + " · go tool pprof -top, offline"


SAMPLE_INDEXES = ("inuse_space", "alloc_space")


def heap_profile(program=HEAPPROF, *, n: int = 10000, sample_indexes=SAMPLE_INDEXES,
                 toolchain: Toolchain | None = None) -> HeapProfile:
    """Run :data:`HEAPPROF`, then ``go tool pprof -top -sample_index=...`` on the profile it wrote.

    goenv runs every program in a fresh temporary working directory and deletes
    it when the run ends, so the program is given a directory that outlives the
    run as its first argument; it writes ``heap.pprof`` there. pprof reads the
    profile alone: a Go heap profile carries its function names, so neither the
    binary nor the network is needed.

    Raises:
        GoEnvError: the program failed, wrote no profile, or pprof failed.
    """
    tc = _tc(toolchain)
    b = _built(program, "heap profile", tc)
    out = Path(tempfile.mkdtemp(prefix="goenv-ch07-"))
    try:
        r = api.run_binary(b, args=[str(out), n], limits=_limits(), toolchain=tc)
        prof = out / "heap.pprof"
        if not r.ok or not prof.is_file():
            raise GoEnvError(f"the heap-profile program wrote no profile: {r.message}\n{(r.stdout + r.stderr)[-2000:]}")
        tops, raw = {}, {}
        for index in sample_indexes:
            p = tc.run_go(["tool", "pprof", "-top", f"-sample_index={index}", str(prof)], cwd=out, timeout=300)
            if p.returncode != 0:
                raise GoEnvError(f"go tool pprof -sample_index={index} failed: {p.stderr.strip()[-2000:]}")
            raw[index] = p.stdout
            tops[index] = parse_pprof_top(p.stdout)
        kv = _parse_kv(r.stdout)
        return HeapProfile(r, prof.stat().st_size, tops, raw, kv.get("HeapAlloc", 0))
    finally:
        shutil.rmtree(out, ignore_errors=True)


def profile_table(profile: HeapProfile, functions=("main.keepBuffers", "main.churn")) -> pd.DataFrame:
    """One row per function: flat in-use and allocated bytes (MiB) and their shares.

    Functions pprof dropped (below its node fraction) show 0.
    """
    rows = []
    for fn in functions:
        row = {"function": fn}
        for index in ("inuse_space", "alloc_space"):
            t = profile.tops.get(index)
            hit = t[t["function"] == fn] if t is not None else pd.DataFrame()
            what = "in use" if index == "inuse_space" else "allocated"
            row[f"{what}, flat (MiB)"] = _mib(hit.iloc[0]["flat"]) if not hit.empty else 0.0
            row[f"{what}, flat %"] = float(hit.iloc[0]["flat %"]) if not hit.empty else 0.0
        rows.append(row)
    df = pd.DataFrame(rows)
    inuse = profile.tops.get("inuse_space")
    alloc = profile.tops.get("alloc_space")
    df.attrs.update(
        caption=(f"heap.pprof ({profile.profile_bytes:,} bytes), read with go tool pprof -top: "
                 f"{_mib(inuse.attrs['total']) if inuse is not None else float('nan'):.2f} MiB in use, "
                 f"{_mib(alloc.attrs['total']) if alloc is not None else float('nan'):.2f} MiB allocated in all. "
                 f"The program's own MemStats.HeapAlloc, read right after the same GC: "
                 f"{_mib(profile.heap_alloc):.2f} MiB"),
        note="flat: allocated by the function itself; cum (not shown) adds the functions it calls",
        label=profile.label, code=["function"])
    return df


def question_sample_index():
    """Multiple choice: which sample index finds the function that makes the most garbage?"""
    return choice(
        "A service's memory stays flat, but the GC runs constantly. Which pprof view finds the function to fix?",
        ["-sample_index=inuse_space: what is live now", "-sample_index=alloc_space: everything allocated since start",
         "neither: a heap profile only shows leaks"],
        1,
        "GC work follows the allocation rate. inuse_space shows what is still reachable (leaks, big caches); "
        "alloc_space counts every allocation since the start, garbage included: churn shows up there.",
    )


def show(df: pd.DataFrame):
    """A chapter table (:func:`goenv.course.tables.show`), with thousands separators: this chapter counts bytes."""
    return _show(df, float_format="{:,.1f}", int_format="{:,}")
