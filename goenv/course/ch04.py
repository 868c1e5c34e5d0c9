"""Chapter 04 — the memory model and atomics on ARM64 vs x86-64 (seed 2.4).

The notebook ``notebooks/04_atomics.ipynb`` calls one function per cell; the
experiments, tables and plots live here. Every figure is measured when the
cell runs: instructions come from ``go tool objdump`` (:mod:`goenv.disasm`),
outcome counts from litmus tests run natively and under qemu-user, timings
from ``go test -bench``. Nothing is quoted from the seed or the errata, except
the seed's *claims*, which the myth checks test.

The chapter's four programs (the notebook's ``%%go`` cells hold the same text):

* :data:`ATOMICS` — ``atomic.StoreUint64``/``Load``/``Add``/``CompareAndSwap``
  in small functions, disassembled for five architectures;
* :data:`LITMUS` — the store-buffering (SB) and message-passing (MP) litmus
  tests, with plain (racy, on purpose) or atomic accesses;
* :data:`ALIGN` — a 64-bit atomic on a struct field that is only 4-byte
  aligned on 32-bit targets, and the typed ``atomic.Uint64`` that fixes it;
* :data:`BENCH` — nanoseconds per operation, plain and atomic.

Example::

    from goenv.course import ch04
    ch04.show(ch04.ops_table(ch04.atomic_ops()))
    native = ch04.litmus_table(rounds=200_000)
    ch04.plot_litmus(native)
"""

from __future__ import annotations

import html
import logging
import os
import re
import tempfile
from typing import Iterable, Sequence

import pandas as pd

from .. import api
from ..build import build
from ..disasm import Instruction, classify, disassemble
from ..errors import GoEnvError
from ..limits import coerce_limits
from ..parsers import parse_bench, summarize_bench
from ..runners import qemu_version, runner_for
from ..sandbox import execute
from ..toolchain import Toolchain, default
from ..workspace import Program
from .ch03 import c_compiler, source_excerpt
from .tables import show, show_go
from .labels import label as course_label
from .myth import MythCheck, myth_check
from .quiz import choice, numeric, predict

LOGGER = logging.getLogger(__name__)

__all__ = [
    "ATOMICS", "LITMUS", "ALIGN", "BENCH", "GOARCHES", "OPS", "ARG_REGISTER", "show", "show_go", "source_excerpt",
    "key_instructions", "atomic_ops", "ops_table", "myth_instruction_mapping", "STORE_OPTIONS", "store_reveal",
    "question_store_amd64", "question_reading_zero", "parse_litmus", "litmus_table", "plot_litmus",
    "plot_outcomes", "SB_OPTIONS", "sb_reveal", "question_plain_sb", "myth_reading_zero", "parse_race",
    "race_table", "race_report", "emulation_table", "emulation_note", "qemu_translation",
    "question_validate_under_qemu", "align_table", "question_offset_386", "myth_alignment", "atomic_bench",
    "bench_chart", "LOAD_STORE_OPTIONS", "load_store_reveal", "question_load_vs_store", "myth_latency",
    "SEED_LATENCY_NS", "COUNTER", "fix_diff",
]

#: Time budget of one litmus run: a million rounds take about a second natively on an idle
#: machine, but the two threads need two CPUs at once, and a busy machine makes rounds slow.
LITMUS_SECONDS = 5.0
#: Wall-time limit for one litmus run (the budget is checked between batches; qemu is slower).
LITMUS_TIME_S = 120.0
#: Wall-time limit for a -race run (ThreadSanitizer slows the spinning barrier down a lot).
RACE_TIME_S = 120.0
#: Wall-time limit for the benchmark binary (count × benchtime × 7 benchmarks, plus calibration).
BENCH_TIME_S = 600.0
#: Wall-time limit for the small programs.
RUN_TIME_S = 30.0

# ---------------------------------------------------------------------------
# The chapter's programs (the notebook's %%go cells hold the same text; a test keeps them equal)
# ---------------------------------------------------------------------------

#: One function per atomic operation, kept out of line so each can be disassembled on its own.
ATOMICS = '''package main

import (
	"fmt"
	"sync/atomic"
)

// go:noinline keeps each operation in a function of its own, so that
// go tool objdump can show exactly what it compiles to.

//go:noinline
func store(p *uint64, v uint64) { atomic.StoreUint64(p, v) }

//go:noinline
func load(p *uint64) uint64 { return atomic.LoadUint64(p) }

//go:noinline
func add(p *uint64, delta uint64) uint64 { return atomic.AddUint64(p, delta) }

//go:noinline
func cas(p *uint64, old, new uint64) bool { return atomic.CompareAndSwapUint64(p, old, new) }

var flag uint64

func main() {
	store(&flag, 1)
	fmt.Println("load:", load(&flag))
	fmt.Println("add 41:", add(&flag, 41))
	fmt.Println("cas 42 -> 7:", cas(&flag, 42, 7), "now", load(&flag))
}
'''

#: Store-buffering and message-passing litmus tests, plain or atomic; prints one outcome line.
LITMUS = '''// Litmus tests: can two threads see each other's writes out of order?
//
//	SB (store buffering)  T0: x=1; r0=y        T1: y=1; r1=x        weak outcome r0=0, r1=0
//	MP (message passing)  T0: data=1; flag=1   T1: r0=flag; r1=data  weak outcome r0=1, r1=0
//
// The plain versions race on purpose: that is what a litmus test probes.
// Never write real code like this.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// stride is in uint64s: 8 x 8 bytes = 64 bytes, so every round's x and y
// sit on cache lines that no earlier round has touched.
const stride = 8

//go:noinline
func sbPlain(x, y *uint64) uint64 { *x = 1; return *y }

//go:noinline
func sbAtomic(x, y *uint64) uint64 { atomic.StoreUint64(x, 1); return atomic.LoadUint64(y) }

//go:noinline
func mpWritePlain(data, flag *uint64) { *data = 1; *flag = 1 }

//go:noinline
func mpReadPlain(data, flag *uint64) (uint64, uint64) { f := *flag; return f, *data }

//go:noinline
func mpWriteAtomic(data, flag *uint64) { atomic.StoreUint64(data, 1); atomic.StoreUint64(flag, 1) }

//go:noinline
func mpReadAtomic(data, flag *uint64) (uint64, uint64) {
	f := atomic.LoadUint64(flag)
	return f, atomic.LoadUint64(data)
}

// barrier starts both threads on a round together: each publishes its
// round number, then spins until the other one has caught up. On a busy
// machine the other thread may be waiting for a CPU: after a while the
// spinner gives its CPU away instead of burning the rest of its time slice.
func barrier(mine, other *atomic.Int64, round int64) {
	mine.Store(round)
	for spins := 0; other.Load() < round; spins++ {
		if spins >= 1000 {
			syscall.Syscall(syscall.SYS_SCHED_YIELD, 0, 0, 0)
		}
	}
}

// batch runs n rounds on fresh memory and adds each outcome (r0, r1) to hist.
func batch(test string, atomicOps bool, n int, hist *[2][2]int) {
	a := make([]uint64, n*stride)
	b := make([]uint64, n*stride)
	r0 := make([]uint64, n)
	r1 := make([]uint64, n)
	var c0, c1 atomic.Int64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // T0
		defer wg.Done()
		for i := 0; i < n; i++ {
			barrier(&c0, &c1, int64(i+1))
			x, y := &a[i*stride], &b[i*stride]
			switch {
			case test == "sb" && atomicOps:
				r0[i] = sbAtomic(x, y)
			case test == "sb":
				r0[i] = sbPlain(x, y)
			case atomicOps:
				mpWriteAtomic(x, y)
			default:
				mpWritePlain(x, y)
			}
		}
	}()
	go func() { // T1
		defer wg.Done()
		for i := 0; i < n; i++ {
			barrier(&c1, &c0, int64(i+1))
			x, y := &a[i*stride], &b[i*stride]
			switch {
			case test == "sb" && atomicOps:
				r1[i] = sbAtomic(y, x)
			case test == "sb":
				r1[i] = sbPlain(y, x)
			case atomicOps:
				r0[i], r1[i] = mpReadAtomic(x, y)
			default:
				r0[i], r1[i] = mpReadPlain(x, y)
			}
		}
	}()
	wg.Wait()
	for i := 0; i < n; i++ {
		hist[r0[i]][r1[i]]++
	}
}

func main() {
	test := flag.String("test", "sb", "sb (store buffering) or mp (message passing)")
	atomicOps := flag.Bool("atomic", false, "use sync/atomic instead of plain loads and stores")
	rounds := flag.Int("n", 100000, "rounds")
	batchSize := flag.Int("batch", 10000, "rounds per batch of fresh memory")
	maxTime := flag.Duration("time", 10*time.Second, "stop early after this long (checked between batches)")
	flag.Parse()
	if *test != "sb" && *test != "mp" || *rounds < 1 || *batchSize < 1 {
		fmt.Fprintln(os.Stderr, "usage: litmus -test sb|mp [-atomic] [-n rounds] [-batch size] [-time 10s]")
		os.Exit(2)
	}
	if runtime.GOMAXPROCS(0) < 2 {
		// Both threads must run at the same time; on one CPU they only take turns.
		fmt.Fprintln(os.Stderr, "litmus needs GOMAXPROCS >= 2 (two threads running at once)")
		os.Exit(3)
	}
	var hist [2][2]int
	start, done := time.Now(), 0
	// On a busy machine the rounds get slow: stop after maxTime with the rounds done so far.
	for done < *rounds && (done == 0 || time.Since(start) < *maxTime) {
		n := min(*batchSize, *rounds-done)
		batch(*test, *atomicOps, n, &hist)
		done += n
	}
	access := "plain"
	if *atomicOps {
		access = "atomic"
	}
	fmt.Printf("%s %s %s/%s rounds=%d", *test, access, runtime.GOOS, runtime.GOARCH, done)
	for r0 := 0; r0 < 2; r0++ {
		for r1 := 0; r1 < 2; r1++ {
			fmt.Printf(" (%d,%d)=%d", r0, r1, hist[r0][r1])
		}
	}
	fmt.Println()
}
'''

#: A 64-bit atomic on a struct field that 32-bit targets place at offset 4, and the typed fix.
ALIGN = '''package main

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// S keeps a counter next to a smaller field, as real structs often do.
type S struct {
	ready uint32
	count uint64 // offset 4 on 32-bit targets: not 64-bit aligned
}

// T is the fix: an atomic.Uint64 is 64-bit aligned on every target.
type T struct {
	ready uint32
	count atomic.Uint64
}

func main() {
	var s S
	var t T
	fmt.Printf("target %s/%s, %d-bit pointers\\n", runtime.GOOS, runtime.GOARCH, 8*unsafe.Sizeof(uintptr(0)))
	fmt.Printf("offsetof(S.count) = %d, offsetof(T.count) = %d\\n", unsafe.Offsetof(s.count), unsafe.Offsetof(t.count))
	t.count.Add(1)
	fmt.Println("atomic.Uint64 field: Add ok")
	atomic.AddUint64(&s.count, 1) // panics if &s.count is not 64-bit aligned
	fmt.Println("uint64 field: atomic.AddUint64 ok")
}
'''

#: Benchmarks: plain and atomic loads and stores, Add, CAS, and Add on a word shared by every P.
BENCH = '''package atombench

import (
	"sync/atomic"
	"testing"
)

// The loops write their results to package variables, so the compiler
// cannot drop the operations as dead code.
var (
	word  uint64
	plain uint64
	sink  uint64
)

func BenchmarkPlainLoad(b *testing.B) {
	var s uint64
	for i := 0; i < b.N; i++ {
		s += plain
	}
	sink = s
}

func BenchmarkPlainStore(b *testing.B) {
	for i := 0; i < b.N; i++ {
		plain = uint64(i)
	}
}

func BenchmarkAtomicLoad(b *testing.B) {
	var s uint64
	for i := 0; i < b.N; i++ {
		s += atomic.LoadUint64(&word)
	}
	sink = s
}

func BenchmarkAtomicStore(b *testing.B) {
	for i := 0; i < b.N; i++ {
		atomic.StoreUint64(&word, uint64(i))
	}
}

func BenchmarkAtomicAdd(b *testing.B) {
	for i := 0; i < b.N; i++ {
		atomic.AddUint64(&word, 1)
	}
}

func BenchmarkAtomicCAS(b *testing.B) {
	for i := 0; i < b.N; i++ {
		atomic.CompareAndSwapUint64(&word, uint64(i), uint64(i+1))
	}
}

// Every P adds to the same word, so its cache line moves between the cores.
func BenchmarkAtomicAddContended(b *testing.B) {
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			atomic.AddUint64(&word, 1)
		}
	})
}
'''

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _tc(toolchain: Toolchain | None) -> Toolchain:
    return toolchain or default()


def _host_label(tc: Toolchain | None = None, how: str = "native") -> str:
    tc = _tc(tc)
    return f"{tc.version} · {tc.hostos}/{tc.hostarch} · {how}"


def _prog(program, default_source: str, name: str) -> Program:
    return Program.coerce(program if program is not None else default_source, name=name)


def _labels(frames: Iterable[pd.DataFrame]) -> str:
    """The distinct labels of several tables, one per line when they would not fit on one."""
    labels = list(dict.fromkeys(part for f in frames for part in f.attrs.get("label", "").split(" | ") if part))
    joined = " | ".join(labels)
    return joined if len(joined) <= 110 else "\n".join(labels)


def _finish(fig, label: str):
    """Put the measurement label under a figure and close it, so Jupyter shows it once."""
    import matplotlib.pyplot as plt

    # supxlabel is laid out by the constrained layout engine, so it never overlaps the axis labels.
    fig.supxlabel(label, x=0.99, ha="right", fontsize=7, alpha=0.7)
    plt.close(fig)
    return fig


# ---------------------------------------------------------------------------
# 1. Instructions per architecture (2.4-b)
# ---------------------------------------------------------------------------

#: The architectures compared: the two of the title, and three more 64-bit Linux ports.
GOARCHES = ("amd64", "arm64", "riscv64", "ppc64le", "s390x")
#: Operation → the function of :data:`ATOMICS` that performs it.
OPS = {"Store": "main.store", "Load": "main.load", "Add": "main.add", "CAS": "main.cas"}
#: The register that holds a function's first integer argument (the pointer) in Go's register ABI.
ARG_REGISTER = {"amd64": "AX", "arm64": "R0", "riscv64": "X10", "ppc64le": "R3", "ppc64": "R3", "s390x": "R2",
                "loong64": "R4"}
_X86_PREFIXES = {"LOCK", "REP", "REPNE", "REPE", "XACQUIRE", "XRELEASE"}


def _opname(inst: Instruction) -> str:
    """The operation without operands: "LOCK XADDQ", "STLR", "CALL sync/atomic.AddUint64"."""
    words = (inst.decoded or inst.text).split()
    if not words:
        return ""
    if words[0].upper() in ("CALL", "BL") and len(words) > 1:
        return f"{words[0]} {words[1].removesuffix('(SB)')}"
    if words[0].upper() in _X86_PREFIXES and len(words) > 1:
        return " ".join(words[:2])
    return words[0]


def _touches_arg(inst: Instruction, goarch: str) -> bool:
    """Does the instruction access memory through the pointer argument's register?"""
    reg = ARG_REGISTER.get(goarch)
    if not reg or inst.mnemonic.startswith("LEA"):  # LEA computes an address; it does not access memory
        return False
    return re.search(r"\(" + re.escape(reg) + r"\)", inst.text) is not None


def key_instructions(instructions: Sequence[Instruction], goarch: str) -> list[tuple[Instruction, str]]:
    """The instructions that make up the memory access of an atomic operation, and their kind.

    Kept: what :func:`goenv.disasm.classify` calls atomic or barrier, plus plain
    accesses through the pointer argument (amd64's ``MOVQ 0(AX), AX`` load is
    one), plus calls into the atomic packages on targets that do not inline
    them (386, arm). Register moves, stack checks and returns are left out.

    Args:
        instructions: the function's instructions, from :func:`goenv.disasm.disassemble`.
        goarch: the architecture they are for.

    Returns:
        (instruction, kind) pairs in address order; kind is "atomic", "barrier", "plain" or "call".
    """
    out = []
    for inst in instructions:
        if inst.is_padding:
            continue
        kind = classify(inst, goarch)
        if kind is None and _touches_arg(inst, goarch):
            kind = "plain"
        words = inst.text.split()
        if kind is None and words and words[0].upper() in ("CALL", "BL") and "atomic" in inst.text:
            kind = "call"
        if kind is not None:
            out.append((inst, kind))
    return out


def _key_text(pairs: list[tuple[Instruction, str]]) -> str:
    parts = []
    for inst, kind in pairs:
        name = _opname(inst)
        parts.append(f"{name} (plain)" if kind == "plain" else name)
    # The same operation on both paths of a branch (rare) is shown once.
    return "; ".join(dict.fromkeys(parts)) or "—"


def atomic_ops(program=None, goarches: Iterable[str] = GOARCHES, *,
               toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Build :data:`ATOMICS` for each linux/GOARCH and disassemble its four functions.

    Args:
        program: the program (default :data:`ATOMICS`); it must define the functions of :data:`OPS`.
        goarches: Linux architectures to build for (build only: nothing runs).
        toolchain: the Go toolchain (default: the course's).

    Returns:
        One row per (GOARCH, operation): ``GOARCH``, ``operation``, ``key instructions``
        (see :func:`key_instructions`; "(plain)" marks an ordinary load or store),
        ``kinds``, ``all instructions`` (the whole function with operands, "; "-joined)
        and ``count``. A GOARCH that fails to build has one row saying why.
    """
    tc = _tc(toolchain)
    prog = _prog(program, ATOMICS, "atomics")
    rows = []
    for goarch in goarches:
        b = build(prog, goos="linux", goarch=goarch, cgo=0, toolchain=tc)
        if not b.ok:
            rows.append({"GOARCH": goarch, "operation": "—", "key instructions": f"not built: {b.message}",
                         "kinds": "", "all instructions": "", "count": 0})
            continue
        # One objdump run per binary for all four functions: objdump reads the whole binary each time.
        pattern = "^(" + "|".join(re.escape(f) for f in OPS.values()) + ")$"
        try:
            listing = disassemble(b.binary, pattern, toolchain=tc, regex=True)
        except GoEnvError as exc:
            listing, error = [], str(exc).replace(str(b.binary), "the binary")
        else:
            error = ""
        for op, func in OPS.items():
            insts = [i for i in listing if i.function == func and not i.is_padding]
            if not insts:
                rows.append({"GOARCH": goarch, "operation": op,
                             "key instructions": f"not found: {error or func + ' is not in the binary'}",
                             "kinds": "", "all instructions": "", "count": 0})
                continue
            pairs = key_instructions(insts, goarch)
            rows.append({
                "GOARCH": goarch, "operation": op, "key instructions": _key_text(pairs),
                "kinds": ", ".join(dict.fromkeys(k for _, k in pairs)),
                "all instructions": "; ".join(i.display for i in insts), "count": len(insts),
            })
    df = pd.DataFrame(rows, columns=["GOARCH", "operation", "key instructions", "kinds", "all instructions",
                                     "count"])
    df.attrs.update(label=f"{tc.version} · linux/{{{', '.join(goarches)}}} · built, not run (go tool objdump)")
    return df


def ops_table(ops: pd.DataFrame) -> pd.DataFrame:
    """The side-by-side view of :func:`atomic_ops`: one row per operation, one column per GOARCH.

    Returns:
        Columns ``operation`` and one per GOARCH, cells holding the key instructions.
    """
    good = ops[ops["operation"] != "—"]
    wide = good.pivot(index="operation", columns="GOARCH", values="key instructions")
    order = [op for op in OPS if op in wide.index]
    arches = [a for a in dict.fromkeys(ops["GOARCH"]) if a in wide.columns]
    wide = wide.reindex(index=order, columns=arches).reset_index()
    wide.columns.name = None
    failed = ops[ops["operation"] == "—"]
    note = "; ".join(f"{r['GOARCH']}: {r['key instructions']}" for _, r in failed.iterrows())
    wide.attrs.update(caption="What each sync/atomic operation compiles to, per architecture "
                              "(atomic and barrier instructions; \"(plain)\" = an ordinary load or store)",
                      label=ops.attrs.get("label", ""), note=note)
    return wide


def _ops_lookup(ops: pd.DataFrame, goarch: str, op: str) -> str:
    hit = ops[(ops["GOARCH"] == goarch) & (ops["operation"] == op)]
    return str(hit.iloc[0]["key instructions"]) if len(hit) else "not measured"


def _mnemonics(text: str) -> set[str]:
    return {w.upper() for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", text)}


#: The seed's instruction table (2.4-b): (GOARCH, operation) → (what it says, mnemonics that must all appear).
SEED_MAPPING = {
    ("amd64", "Store"): ("mov + mfence", {"MOVQ", "MFENCE"}),
    ("amd64", "Load"): ("mov + lfence", {"MOVQ", "LFENCE"}),
    ("arm64", "Store"): ("stlr", {"STLR"}),
    ("arm64", "Load"): ("ldar", {"LDAR"}),
}


def myth_instruction_mapping(ops: pd.DataFrame, *, show: bool = False) -> MythCheck:
    """Myth check 2.4-b: the seed's table of instructions for atomic Store and Load.

    The claim holds only if every one of its four cells matches the live
    disassembly: each claimed instruction appears in the function's key
    instructions.

    Args:
        ops: the frame from :func:`atomic_ops` (with amd64 and arm64).
        show: display the card now (otherwise the returned MythCheck displays itself).
    """
    evidence, matches = {}, []
    for (goarch, op), (claimed, needed) in SEED_MAPPING.items():
        measured = _ops_lookup(ops, goarch, op)
        ok = needed <= _mnemonics(measured)
        matches.append(ok)
        verdict = "matches" if ok else "does not match"
        evidence[f"{goarch} {op}"] = f"seed: {claimed} | compiled: {measured} → {verdict}"
    return myth_check(
        "2.4-b",
        claim="atomic Store compiles to mov+mfence on x86-64 and stlr on ARM64; atomic Load to mov+lfence on "
              "x86-64 and ldar on ARM64.",
        experiment="Built the Store/Load functions for linux/amd64 and linux/arm64 and disassembled them with "
                   "go tool objdump.",
        holds=all(matches),
        evidence=evidence,
        truth="The ARM64 half is right (STLR/LDAR). The x86-64 half is wrong: a sequentially consistent store is "
              "one XCHG with memory (implicitly locked: it drains the store buffer), and a load is a plain MOV, "
              "because x86's TSO already keeps loads in order. No MFENCE, no LFENCE.",
        label=ops.attrs.get("label", ""),
        show=show,
    )


STORE_OPTIONS = [
    "MOVQ followed by MFENCE (a store, then a full fence)",
    "one XCHGQ with memory (an exchange, implicitly locked)",
    "a plain MOVQ, nothing else",
    "LOCK ADDQ $0 on the stack after a MOVQ",
]


def store_reveal(toolchain: Toolchain | None = None) -> tuple[str, str]:
    """The experiment behind :func:`question_store_amd64`: disassemble ``main.store`` for linux/amd64."""
    ops = atomic_ops(ATOMICS, ("amd64",), toolchain=toolchain)
    text = _ops_lookup(ops, "amd64", "Store")
    names = _mnemonics(text)
    if "MFENCE" in names:
        right = STORE_OPTIONS[0]
    elif any(n.startswith("XCHG") for n in names):
        right = STORE_OPTIONS[1]
    elif "LOCK" in names:
        right = STORE_OPTIONS[3]
    else:
        right = STORE_OPTIONS[2]
    full = ops.loc[ops["operation"] == "Store", "all instructions"]
    listing = full.iloc[0] if len(full) else "?"
    return right, f"go tool objdump shows: {listing}."


def question_store_amd64(toolchain: Toolchain | None = None):
    """Predict what ``atomic.StoreUint64`` compiles to on amd64; the reveal disassembles it."""
    return predict("What does atomic.StoreUint64(p, v) compile to on linux/amd64?", STORE_OPTIONS,
                   lambda: store_reveal(toolchain))


def question_reading_zero():
    """Multiple choice: is an atomic load that returns 0 after another goroutine's store a bug?"""
    return choice(
        "Goroutine A runs flag.Store(1). Goroutine B runs v := flag.Load() and gets 0. Nothing else "
        "synchronizes A and B. What does the Go memory model say?",
        ["B's load broke the memory model: atomics must see the latest store",
         "Nothing is wrong: B's load came first in the sequentially consistent order",
         "It depends on GOARCH: legal on ARM64, impossible on x86-64"],
        answer=1,
        explain="Atomics give one total order that every goroutine agrees on, not a promise about wall-clock "
                "time. If B's load is ordered before A's store, it reads 0. The guarantee is the other way round: "
                "if B's load does see 1, everything A did before its store is visible to B too. The model is the "
                "same on every GOARCH.",
    )


# ---------------------------------------------------------------------------
# 2. Litmus tests (2.4-e, 2.4-f)
# ---------------------------------------------------------------------------

_LITMUS_RE = re.compile(
    r"^(?P<test>sb|mp) (?P<access>plain|atomic) (?P<target>\S+) rounds=(?P<rounds>\d+)"
    r" \(0,0\)=(?P<o00>\d+) \(0,1\)=(?P<o01>\d+) \(1,0\)=(?P<o10>\d+) \(1,1\)=(?P<o11>\d+)\s*$", re.M)
#: The outcome (r0, r1) each test forbids for sequentially consistent code.
WEAK = {"sb": (0, 0), "mp": (1, 0)}
#: Default runs: (test, atomic?) pairs.
LITMUS_RUNS = (("sb", False), ("sb", True), ("mp", False), ("mp", True))


def parse_litmus(stdout: str) -> dict | None:
    """Read the outcome line :data:`LITMUS` prints.

    Args:
        stdout: the program's output.

    Returns:
        ``{"test", "access", "target", "rounds", "outcomes": {(r0, r1): count}}``, or None
        when there is no outcome line.
    """
    m = _LITMUS_RE.search(stdout or "")
    if m is None:
        return None
    outcomes = {(0, 0): int(m["o00"]), (0, 1): int(m["o01"]), (1, 0): int(m["o10"]), (1, 1): int(m["o11"])}
    return {"test": m["test"], "access": m["access"], "target": m["target"], "rounds": int(m["rounds"]),
            "outcomes": outcomes}


_LITMUS_COLUMNS = ["test", "accesses", "GOARCH", "ran", "rounds", "(0,0)", "(0,1)", "(1,0)", "(1,1)",
                   "weak outcome", "weak count", "weak %"]


def _litmus_row(test: str, atomic: bool, goarch: str, ran: str) -> dict:
    return {"test": test.upper(), "accesses": "atomic" if atomic else "plain", "GOARCH": goarch, "ran": ran,
            "rounds": 0, "(0,0)": pd.NA, "(0,1)": pd.NA, "(1,0)": pd.NA, "(1,1)": pd.NA,
            "weak outcome": str(WEAK[test]).replace(" ", ""), "weak count": pd.NA, "weak %": float("nan")}


def litmus_table(program=None, runs: Iterable[tuple[str, bool]] = LITMUS_RUNS, *, rounds: int = 200_000,
                 seconds: float = LITMUS_SECONDS, goarch: str | None = None, batch: int = 10_000,
                 toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Run litmus tests for one linux/GOARCH (natively or under qemu-user) and count the outcomes.

    Args:
        program: the program (default :data:`LITMUS`).
        runs: (test, atomic) pairs, test "sb" or "mp".
        rounds: rounds per run.
        seconds: time budget per run: on a busy machine a run stops early, after the batch
            that crosses it, and the table shows the rounds actually done.
        goarch: the architecture (default: this machine's, run natively).
        batch: rounds per batch of fresh memory (bounds the program's memory).
        toolchain: the Go toolchain.

    Returns:
        One row per run: ``test``, ``accesses``, ``GOARCH``, ``ran`` (native, qemu-aarch64,
        or "not run: why"), ``rounds``, one count per outcome ``(r0,r1)``, ``weak outcome``,
        ``weak count`` and ``weak %`` (of the rounds).
    """
    tc = _tc(toolchain)
    goarch = goarch or tc.hostarch
    prog = _prog(program, LITMUS, "litmus")
    runner = runner_for("linux", goarch, tc)
    rows, labels = [], []
    b = None
    if runner.runnable and tc.hostos == "linux":
        b = build(prog, goos="linux", goarch=goarch, cgo=0, toolchain=tc)
    for test, atomic in runs:
        row = _litmus_row(test, atomic, goarch, runner.name)
        if b is None:
            row["ran"] = "not run: " + (runner.reason.split(". ")[0] if not runner.runnable
                                        else "litmus tests need a Linux host")
        elif not b.ok:
            row["ran"] = f"not built: {b.message}"
        else:
            args = ["-test", test, "-n", str(int(rounds)), "-batch", str(int(batch)), "-time", f"{seconds:g}s"]
            args += ["-atomic"] if atomic else []
            r = api.run_binary(b, args=args, limits={"wall_time_s": LITMUS_TIME_S}, toolchain=tc)
            labels.append(course_label(r))
            parsed = parse_litmus(r.stdout)
            if parsed is None:
                why = (r.stderr.strip().splitlines() or [r.message])[-1]
                row["ran"] = f"{runner.name}: failed ({why})"
            else:
                out = parsed["outcomes"]
                weak = out[WEAK[test]]
                row.update({"rounds": parsed["rounds"], "(0,0)": out[(0, 0)], "(0,1)": out[(0, 1)],
                            "(1,0)": out[(1, 0)], "(1,1)": out[(1, 1)], "weak count": weak,
                            "weak %": weak * 100 / parsed["rounds"]})
        rows.append(row)
    df = pd.DataFrame(rows, columns=_LITMUS_COLUMNS)
    for col in ("(0,0)", "(0,1)", "(1,0)", "(1,1)", "weak count"):
        df[col] = df[col].astype("Int64")
    where = "natively" if runner.kind == "native" else f"under {runner.name}" if runner.emulated else "(not run)"
    short = df["rounds"].between(1, int(rounds) - 1).any()
    df.attrs.update(caption=f"Litmus outcomes (r0,r1) for linux/{goarch}, {rounds:,} rounds per run, {where}",
                    note=f"The machine was busy: some runs stopped after {seconds:g} s with fewer rounds." if short
                    else "",
                    label=" | ".join(dict.fromkeys(labels)) or _host_label(tc, "not run"))
    return df


def _run_name(row) -> str:
    how = "native" if str(row["ran"]).startswith("native") else str(row["ran"]).split(":")[0]
    return f"{row['test']} {row['accesses']} · {row['GOARCH']} {how}"


def plot_litmus(*frames: pd.DataFrame):
    """Horizontal bars: how often each run showed its weak outcome, in % of its rounds (log scale).

    Args:
        frames: tables from :func:`litmus_table` / :func:`emulation_table`.

    Returns:
        A matplotlib Figure (closed, so Jupyter shows it once).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_LITMUS_COLUMNS)
    fig, ax = plt.subplots(figsize=(9, 0.42 * max(len(data), 1) + 1.9), layout="constrained")
    measured = data["weak %"].dropna() if len(data) else pd.Series(dtype=float)
    top = max(float(measured.max()) if len(measured) else 1.0, 1e-3)
    low = 1e-4  # one weak outcome in a million rounds: the left edge of the log axis
    for y, (_, row) in enumerate(data.iterrows()):
        if pd.isna(row["weak count"]):
            ax.text(low, y, f" {row['ran']}", va="center", fontsize=8, color="#777")
            continue
        emulated = not str(row["ran"]).startswith("native")
        value = float(row["weak %"])
        if value > 0:  # a log axis has no room for 0: the text says "0 of N"
            ax.barh(y, value, color="#ef6c00" if emulated else "#1565c0", edgecolor="white",
                    hatch="//" if row["accesses"] == "atomic" else None)
        ax.text(max(value, low) * 1.15, y, f"{int(row['weak count']):,} of {int(row['rounds']):,} rounds",
                va="center", fontsize=8, color="#c62828" if row["accesses"] == "atomic" and value > 0 else "black")
    ax.set_yticks(range(len(data)), [_run_name(r) for _, r in data.iterrows()])
    ax.set_ylim(len(data) - 0.4, -0.6)  # top to bottom, with room for the last row's text
    ax.set_xscale("log")
    ax.set_xlim(low, top * 30)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:g}%")
    ax.set_xlabel("weak outcomes in % of the rounds, log scale (SB: r0 = r1 = 0; MP: r0 = 1, r1 = 0)")
    ax.legend(handles=[Patch(color="#1565c0", label="native"), Patch(color="#ef6c00", label="under qemu-user"),
                       Patch(facecolor="#999", hatch="//", edgecolor="white", label="atomic accesses")],
              loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, fontsize=8, frameon=False)
    fig.suptitle("How often did each litmus test show its weak outcome?", fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _finish(fig, _labels(frames))


def plot_outcomes(frame: pd.DataFrame, test: str = "SB", accesses: str = "atomic"):
    """Bars of all four outcomes of one run: the weak one in red, the legal ones in blue.

    Args:
        frame: a table from :func:`litmus_table`.
        test, accesses: which run ("SB"/"MP", "plain"/"atomic").

    Returns:
        A matplotlib Figure (closed).
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
    hit = frame[(frame["test"] == test.upper()) & (frame["accesses"] == accesses)]
    if not len(hit) or pd.isna(hit.iloc[0]["weak count"]):
        ax.text(0.5, 0.5, f"{test} {accesses}: not run", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _finish(fig, frame.attrs.get("label", ""))
    row = hit.iloc[0]
    outcomes = ["(0,0)", "(0,1)", "(1,0)", "(1,1)"]
    weak = row["weak outcome"]
    counts = [int(row[o]) for o in outcomes]
    colors = ["#c62828" if o == weak else "#1565c0" for o in outcomes]
    bars = ax.bar(outcomes, counts, color=colors)
    for bar, c in zip(bars, counts):
        ax.text(bar.get_x() + bar.get_width() / 2, c, f"{c:,}", ha="center", va="bottom", fontsize=8)
    ax.set_xlabel("outcome (r0, r1)")
    ax.set_ylabel("rounds")
    ax.set_ylim(0, max(counts) * 1.18 + 1)
    ax.set_title(f"{row['test']} with {accesses} accesses, {row['GOARCH']} {row['ran']}: "
                 f"red = the weak outcome, blue = legal", fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _finish(fig, frame.attrs.get("label", ""))


SB_OPTIONS = [
    "never: x86-64 keeps every load and store in program order",
    "sometimes: each thread's store can still sit in its store buffer when its load runs",
    "always: the threads cannot see each other's writes without atomics",
]


def sb_reveal(rounds: int = 200_000, seconds: float = LITMUS_SECONDS, *,
              toolchain: Toolchain | None = None) -> tuple[str, str]:
    """The experiment behind :func:`question_plain_sb`: plain SB natively."""
    frame = litmus_table(LITMUS, [("sb", False)], rounds=rounds, seconds=seconds, toolchain=toolchain)
    row = frame.iloc[0]
    if pd.isna(row["weak count"]):
        raise GoEnvError(f"the litmus test did not run: {row['ran']}")
    weak, total = int(row["weak count"]), int(row["rounds"])
    right = SB_OPTIONS[0] if weak == 0 else SB_OPTIONS[2] if weak == total else SB_OPTIONS[1]
    return right, (f"r0 = r1 = 0 appeared in {weak:,} of {total:,} rounds ({frame.attrs['label']}). "
                   "Each store waited in its core's store buffer while the load behind it read memory.")


def question_plain_sb(rounds: int = 200_000, seconds: float = LITMUS_SECONDS, *,
                      toolchain: Toolchain | None = None):
    """Predict whether plain SB shows r0 = r1 = 0 natively; the reveal runs it."""
    return predict("Store buffering with plain accesses on this machine: T0 runs x=1; r0=y and T1 runs y=1; r1=x, "
                   "both starting together. How often do both loads read 0?", SB_OPTIONS,
                   lambda: sb_reveal(rounds, seconds, toolchain=toolchain))


def myth_reading_zero(native: pd.DataFrame, *, show: bool = False) -> MythCheck:
    """Myth check 2.4-f: "if the load does not read 1, the Go memory model is violated".

    The claim fails as soon as a sequentially consistent (atomic) run has a legal
    round in which a load read 0: in SB, the outcomes (0,1) and (1,0).

    Args:
        native: the table from :func:`litmus_table` with an SB atomic row that ran.

    Raises:
        ValueError: the table has no SB atomic run with results.
    """
    hit = native[(native["test"] == "SB") & (native["accesses"] == "atomic") & native["weak count"].notna()]
    if not len(hit):
        raise ValueError("myth 2.4-f needs an SB run with atomic accesses that produced counts")
    row = hit.iloc[0]
    legal_zero = int(row["(0,1)"]) + int(row["(1,0)"])
    forbidden = int(row["(0,0)"])
    return myth_check(
        "2.4-f",
        claim="After the store, the load must read 1; a load that reads 0 violates the Go memory model.",
        experiment=f"SB with atomics ({row['GOARCH']}, {row['ran']}): each thread stores 1 to its variable, then "
                   "loads the other's; every outcome counted.",
        holds=legal_zero == 0,
        evidence={"rounds": f"{int(row['rounds']):,}",
                  "one load read 0: (0,1) + (1,0)": f"{legal_zero:,}",
                  "both loads read 1: (1,1)": f"{int(row['(1,1)']):,}",
                  "both read 0: (0,0), forbidden for atomics": f"{forbidden:,}"},
        truth="Reading 0 is legal whenever the load comes before the other thread's store in the one sequentially "
              "consistent order. The model forbids only outcomes that no such order explains, such as both loads "
              "reading 0. And if a load does see a store, everything written before that store is visible too.",
        label=native.attrs.get("label", ""),
        show=show,
    )


# -- -race ----------------------------------------------------------------------

_RACE_FOUND_RE = re.compile(r"^Found (\d+) data race", re.M)
_RACE_FRAME_RE = re.compile(r"^(?:Read|Write|Previous read|Previous write|Atomic \w+) at \S+ by goroutine \d+:\n"
                            r"\s+(?P<func>\S+)\(\)\n\s+(?P<file>\S+?):(?P<line>\d+)", re.M)


def parse_race(stderr: str) -> dict:
    """Read what the race detector printed.

    Returns:
        ``{"warnings": n of "WARNING: DATA RACE", "found": n from "Found N data race(s)" (or None),
        "where": ["main.sbPlain (main.go:24)", ...] unique accesses, "first": the first report}``.
    """
    stderr = stderr or ""
    found = _RACE_FOUND_RE.search(stderr)
    where = [f"{m['func']} ({os.path.basename(m['file'])}:{m['line']})" for m in _RACE_FRAME_RE.finditer(stderr)]
    blocks = stderr.split("==================")
    first = next((b.strip() for b in blocks if "WARNING: DATA RACE" in b), "")
    return {"warnings": stderr.count("WARNING: DATA RACE"), "found": int(found.group(1)) if found else None,
            "where": list(dict.fromkeys(where)), "first": first}


def race_table(program=None, runs: Iterable[tuple[str, bool]] = (("sb", False), ("sb", True)), *,
               rounds: int = 1000, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Build the litmus program with ``-race`` and run it, plain and atomic.

    ``-race`` needs cgo, hence a C compiler, and a supported target (linux/amd64,
    linux/arm64, ...). Without them the rows say why nothing ran.

    Args:
        program: the program (default :data:`LITMUS`).
        runs: (test, atomic) pairs.
        rounds: rounds per run (the race detector makes each round much slower).

    Returns:
        Columns ``test``, ``accesses``, ``exit status``, ``races reported``, ``racing accesses``,
        ``verdict``; ``attrs["reports"]`` maps "SB plain" to the first report.
    """
    tc = _tc(toolchain)
    prog = _prog(program, LITMUS, "litmus")
    rows, reports, label = [], {}, _host_label(tc, "native, -race")
    b = None
    why = ""
    if c_compiler() is None:
        why = "-race needs cgo, and this machine has no C compiler"
    else:
        b = build(prog, race=True, cgo=1, toolchain=tc)
        if not b.ok:
            why = f"the -race build failed: {b.message}"
    for test, atomic in runs:
        name = f"{test.upper()} {'atomic' if atomic else 'plain'}"
        row = {"test": test.upper(), "accesses": "atomic" if atomic else "plain", "exit status": "—",
               "races reported": pd.NA, "racing accesses": "—", "verdict": f"not run: {why}"}
        if b is not None and b.ok:
            args = ["-test", test, "-n", str(int(rounds))] + (["-atomic"] if atomic else [])
            r = api.run_binary(b, args=args, limits={"wall_time_s": RACE_TIME_S}, toolchain=tc)
            label = course_label(r) + ", -race"
            rep = parse_race(r.stderr)
            n = rep["found"] if rep["found"] is not None else rep["warnings"]
            row.update({"exit status": r.exit_code if r.exit_code is not None else r.message,
                        "races reported": n, "racing accesses": ", ".join(rep["where"]) or "—"})
            if n:
                row["verdict"] = "data race detected"
            elif r.ok:
                row["verdict"] = "no race reported"
            else:
                row["verdict"] = f"did not finish: {r.message}"
            if rep["first"]:
                reports[name] = rep["first"]
        rows.append(row)
    df = pd.DataFrame(rows, columns=["test", "accesses", "exit status", "races reported", "racing accesses",
                                     "verdict"])
    df["races reported"] = df["races reported"].astype("Int64")
    df.attrs.update(caption=f"The litmus program built with -race ({rounds:,} rounds per run)", label=label,
                    reports=reports)
    return df


def race_report(race: pd.DataFrame, name: str = "SB plain", max_lines: int = 16):
    """The first report the race detector printed for one run, as a code block.

    Returns:
        An IPython Markdown object (a note when that run reported nothing).
    """
    from IPython.display import Markdown

    text = race.attrs.get("reports", {}).get(name)
    if not text:
        return Markdown(f"*The race detector reported nothing for {name}.*")
    lines = text.splitlines()
    more = len(lines) - max_lines
    body = "\n".join(lines[:max_lines]) + (f"\n… ({more} more lines)" if more > 0 else "")
    return Markdown(f"The first report for **{html.escape(name)}**:\n```\n{body}\n```")


# ---------------------------------------------------------------------------
# 3. Emulation (2.4-e)
# ---------------------------------------------------------------------------

#: (GOARCH, runs) of the emulation experiment: all four tests on arm64, SB atomic on the others.
EMULATED_RUNS = (("arm64", LITMUS_RUNS), ("riscv64", (("sb", True),)), ("ppc64le", (("sb", True),)),
                 ("s390x", (("sb", True),)))


def emulation_table(program=None, *, rounds: int = 200_000, seconds: float = LITMUS_SECONDS, plan=EMULATED_RUNS,
                    toolchain: Toolchain | None = None) -> pd.DataFrame:
    """The litmus tests for other architectures, under qemu-user (rows say so when qemu is missing).

    Args:
        program: the program (default :data:`LITMUS`).
        rounds: rounds per run.
        seconds: time budget per run (see :func:`litmus_table`).
        plan: (GOARCH, runs) pairs.

    Returns:
        The rows of :func:`litmus_table` for every (GOARCH, run), in plan order.
    """
    frames = [litmus_table(program, runs, rounds=rounds, seconds=seconds, goarch=goarch, toolchain=toolchain)
              for goarch, runs in plan]
    df = pd.concat(frames, ignore_index=True)
    for col in ("(0,0)", "(0,1)", "(1,0)", "(1,1)", "weak count"):
        df[col] = df[col].astype("Int64")
    df.attrs.update(caption=f"The same litmus tests for other architectures, {rounds:,} rounds per run",
                    note=next((f.attrs["note"] for f in frames if f.attrs.get("note")), ""),
                    label=" | ".join(dict.fromkeys(f.attrs["label"] for f in frames
                                                   if "not run" not in f.attrs["label"])) or frames[0].attrs["label"])
    return df


def _row(frame: pd.DataFrame, goarch: str, test: str, accesses: str):
    hit = frame[(frame["GOARCH"] == goarch) & (frame["test"] == test) & (frame["accesses"] == accesses)]
    return hit.iloc[0] if len(hit) else None


def emulation_note(emulated: pd.DataFrame):
    """What the emulated runs showed, in words computed from the table (never a fixed number).

    Returns:
        An IPython Markdown object.
    """
    from IPython.display import Markdown

    sb = _row(emulated, "arm64", "SB", "atomic")
    mp = _row(emulated, "arm64", "MP", "plain")
    parts = []
    if sb is None or pd.isna(sb["weak count"]):
        why = sb["ran"] if sb is not None else "not in the table"
        parts.append(f"**The arm64 runs did not happen here** ({why}). Install qemu-user to repeat them; the "
                     "point of this section stands either way: an emulator is not the hardware it emulates.")
    elif not str(sb["ran"]).startswith("qemu"):
        parts.append(f"**This machine runs arm64 natively** ({sb['ran']}), so the SB atomic count above is real "
                     f"hardware: {int(sb['weak count']):,} forbidden outcomes in {int(sb['rounds']):,} rounds — it "
                     "must be 0.")
    elif int(sb["weak count"]) > 0:
        parts.append(f"**{sb['ran']} showed the forbidden outcome {int(sb['weak count']):,} times in "
                     f"{int(sb['rounds']):,} rounds** of SB with atomics. Real ARM64 hardware never does: `STLR` "
                     "followed by `LDAR` is sequentially consistent on ARMv8. The reordering came from the x86 host "
                     "under the emulator (see the translation below), not from ARM.")
    else:
        parts.append(f"**{sb['ran']} showed no forbidden outcome in this run** of SB with atomics "
                     f"({int(sb['rounds']):,} rounds). That does not make the emulator trustworthy: whether the "
                     "translated code keeps STLR before LDAR depends on the qemu version and the host CPU, and "
                     "the translation below shows whether a fence sits between them on this machine.")
    if mp is not None and not pd.isna(mp["weak count"]) and str(mp["ran"]).startswith("qemu"):
        if int(mp["weak count"]) == 0:
            parts.append("MP with plain accesses showed no weak outcome under emulation. Real ARM64 cores may "
                         "reorder those two stores or those two loads; an x86 host cannot show it, because x86 "
                         "never reorders store-store or load-load.")
        else:
            parts.append(f"MP with plain accesses showed its weak outcome {int(mp['weak count']):,} times under "
                         "emulation: ARM64 allows that for plain accesses.")
    parts.append("Either way: qemu-user tells you whether code *runs* on another architecture. It cannot tell you "
                 "how that architecture orders memory, or how fast it is.")
    return Markdown("\n\n".join(parts))


_TB_GUEST_RE = re.compile(r"^0x(?P<addr>[0-9a-f]+):\s+[0-9a-f]{8}\s+(?P<text>.+?)\s*$")
_TB_HOST_GROUP_RE = re.compile(r"^\s+-- guest addr 0x(?P<addr>[0-9a-f]+)")
_TB_HOST_RE = re.compile(r"^0x[0-9a-f]+:\s+(?:[0-9a-f]{2} )+\s*(?P<text>\S.*?)\s*$")


def _host_kind(text: str) -> str | None:
    """Classify one x86 instruction of qemu's translation (AT&T syntax)."""
    words = text.split()
    if not words:
        return None
    if words[0] in ("lock", "mfence", "sfence", "lfence"):
        return "barrier"
    if words[0].startswith("mov") and "(" in text:
        operands = text.split(None, 1)[1] if len(words) > 1 else ""
        mem = re.findall(r"[-\w]*\([^)]*\)", operands)
        # qemu keeps its CPU state behind %rbp and its own data on the stack: those are not guest memory.
        if mem and not re.search(r"%(rbp|rsp|rip)\b", mem[0]):
            return "guest store" if operands.rstrip().endswith(")") else "guest load"
    return None


def qemu_translation(program=None, func: str = "main.sbAtomic", *, goarch: str = "arm64",
                     args: Sequence[str] = ("-test", "sb", "-atomic", "-n", "200"),
                     toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Ask qemu-user how it translated one function into host code (``-d in_asm,out_asm -dfilter``).

    The litmus program runs a few rounds under ``qemu-<arch> -d in_asm,out_asm``
    restricted to the function's addresses. For each guest instruction the
    table lists the host instructions qemu generated that matter for ordering:
    fences (``lock``-prefixed, ``mfence``) and the guest memory access itself.

    Args:
        program: the program (default :data:`LITMUS`).
        func: the function to look at.
        goarch: the emulated architecture.
        args: program arguments that make it run ``func`` (a few rounds are enough).

    Returns:
        Columns ``guest instruction`` and ``host code that matters`` (``attrs["note"]``
        says why the table is empty when qemu is missing or this is not an x86-64 host).
    """
    tc = _tc(toolchain)
    cols = ["guest instruction", "host code that matters"]
    runner = runner_for("linux", goarch, tc)
    empty = pd.DataFrame(columns=cols)
    empty.attrs.update(caption=f"How qemu translated {func}", label=_host_label(tc, "not run"))
    if not runner.emulated:
        empty.attrs["note"] = ("Not shown: " + (runner.reason.split(". ")[0] if not runner.runnable
                                                else f"linux/{goarch} runs natively here, without translation."))
        return empty
    if tc.hostarch != "amd64":
        empty.attrs["note"] = f"Not shown: the table reads x86-64 host code, and this host is {tc.hostarch}."
        return empty
    prog = _prog(program, LITMUS, "litmus")
    b = build(prog, goos="linux", goarch=goarch, cgo=0, toolchain=tc)
    if not b.ok:
        empty.attrs["note"] = f"Not shown: the build failed: {b.message}"
        return empty
    insts = [i for i in disassemble(b.binary, func, toolchain=tc) if not i.is_padding]
    start, end = insts[0].address, insts[-1].address
    with tempfile.TemporaryDirectory(prefix="goenv-ch04-") as d:
        log = os.path.join(d, "qemu.log")
        argv = [*runner.prefix, "-d", "in_asm,out_asm", "-dfilter", f"{start:#x}..{end:#x}", "-D", log,
                b.binary, *args]
        try:
            # Under goenv's usual limits, like every other run; qemu writes its log to our temp dir.
            execute(argv, limits=coerce_limits({"wall_time_s": RUN_TIME_S}))
            text = open(log, encoding="utf-8", errors="replace").read() if os.path.exists(log) else ""
        except OSError as exc:
            empty.attrs["note"] = f"Not shown: {runner.name} failed: {exc}"
            return empty
    guest: dict[int, str] = {}
    host: dict[int, list[str]] = {}
    section, current = None, None
    for line in text.splitlines():
        if line.startswith("IN:"):
            section = "in"
            continue
        if line.startswith("OUT:"):
            section, current = "out", None
            continue
        if section == "in":
            m = _TB_GUEST_RE.match(line)
            if m:
                guest.setdefault(int(m["addr"], 16), " ".join(m["text"].split()))
        elif section == "out":
            g = _TB_HOST_GROUP_RE.match(line)
            if g:
                current = int(g["addr"], 16)
                # A block translated twice (the log has every translation): keep the first.
                current = current if current not in host else None
                if current is not None:
                    host[current] = []
                continue
            m = _TB_HOST_RE.match(line)
            if m and current is not None:
                kind = _host_kind(m["text"])
                if kind:
                    host[current].append(f"{' '.join(m['text'].split())}  [{kind}]")
    rows = [{"guest instruction": text_, "host code that matters": "; ".join(host.get(addr, [])) or "—"}
            for addr, text_ in sorted(guest.items()) if start <= addr <= end]
    df = pd.DataFrame(rows, columns=cols)
    version = qemu_version(runner.prefix[0])
    df.attrs.update(caption=f"How {runner.name} translated {func} into x86-64 code (qemu's own log)",
                    label=f"{tc.version} · linux/{goarch} · emulated ({version or runner.name})",
                    note="" if rows else f"{runner.name} wrote no translation log for {func} (its -d/-dfilter "
                                         "options may differ in this version).")
    return df


def question_validate_under_qemu():
    """Multiple choice: what a clean run of lock-free code under qemu-user proves."""
    return choice(
        "Your lock-free queue passes a million-round stress test under qemu-aarch64 on your x86 laptop. What does "
        "that tell you about the queue on a real ARM64 server?",
        ["It is correct there: qemu emulates ARM64 exactly",
         "It compiles and runs for arm64 — nothing about memory ordering on ARM hardware",
         "It is correct there, but slower"],
        answer=1,
        explain="qemu-user translates ARM code into host code. The host's memory ordering leaks through: it can show "
                "outcomes ARM64 forbids, and it cannot show reorderings ARM64 allows but x86 does not. Test "
                "on real ARM64 hardware, and run the race detector everywhere.",
    )


# ---------------------------------------------------------------------------
# 4. Alignment (2.4-c)
# ---------------------------------------------------------------------------

#: Targets of the alignment experiment: one 64-bit, two 32-bit.
ALIGN_TARGETS = ("linux/amd64", "linux/386", "linux/arm")
_OFFSET_RE = re.compile(r"offsetof\(S\.count\) = (\d+), offsetof\(T\.count\) = (\d+)")
_BITS_RE = re.compile(r"(\d+)-bit pointers")


def align_table(program=None, targets: Iterable[str] = ALIGN_TARGETS, *,
                toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Run :data:`ALIGN` on a 64-bit and on 32-bit targets (natively where the kernel can, else qemu-user).

    Returns:
        Columns ``target``, ``ran``, ``pointer bits``, ``offsetof(S.count)``, ``offsetof(T.count)``,
        ``atomic.Uint64 field``, ``plain uint64 field``.
    """
    tc = _tc(toolchain)
    prog = _prog(program, ALIGN, "align")
    rows, labels = [], []
    for target in targets:
        goos, goarch = target.split("/")
        runner = runner_for(goos, goarch, tc)
        row = {"target": target, "ran": runner.name, "pointer bits": pd.NA, "offsetof(S.count)": pd.NA,
               "offsetof(T.count)": pd.NA, "atomic.Uint64 field": "—", "plain uint64 field": "—"}
        if not runner.runnable:
            row["ran"] = "not run: " + runner.reason.split(". ")[0]
            rows.append(row)
            continue
        r = api.run(prog, goos=goos, goarch=goarch, cgo=0, toolchain=tc, limits={"wall_time_s": RUN_TIME_S})
        if not r.build.ok:
            row["ran"] = f"not built: {r.message}"
            rows.append(row)
            continue
        labels.append(course_label(r))
        off, bits = _OFFSET_RE.search(r.stdout), _BITS_RE.search(r.stdout)
        if off:
            row["offsetof(S.count)"], row["offsetof(T.count)"] = int(off.group(1)), int(off.group(2))
        if bits:
            row["pointer bits"] = int(bits.group(1))
        panic = re.search(r"^panic: (.*)$", r.stderr, re.M)
        row["atomic.Uint64 field"] = ("Add ok" if "atomic.Uint64 field: Add ok" in r.stdout
                                      else f"panic: {panic.group(1)}" if panic else r.message)
        row["plain uint64 field"] = ("AddUint64 ok" if "uint64 field: atomic.AddUint64 ok" in r.stdout
                                     else f"panic: {panic.group(1)}" if panic else r.message)
        rows.append(row)
    df = pd.DataFrame(rows, columns=["target", "ran", "pointer bits", "offsetof(S.count)", "offsetof(T.count)",
                                     "atomic.Uint64 field", "plain uint64 field"])
    for col in ("pointer bits", "offsetof(S.count)", "offsetof(T.count)"):
        df[col] = df[col].astype("Int64")
    df.attrs.update(caption="atomic.AddUint64 on a uint64 field after a uint32, and on an atomic.Uint64 field",
                    label=" | ".join(labels) or _host_label(tc, "not run"))
    return df


def question_offset_386(program=None, *, toolchain: Toolchain | None = None):
    """Numeric: the offset of the uint64 field after a uint32 on linux/386, measured live."""
    def answer() -> float:
        t = align_table(program, ("linux/386",), toolchain=toolchain)
        v = t.iloc[0]["offsetof(S.count)"]
        if pd.isna(v):
            raise GoEnvError(f"linux/386 did not run here: {t.iloc[0]['ran']}")
        return float(v)

    return numeric("struct { ready uint32; count uint64 }: at which byte offset does count start on linux/386?",
                   answer, tolerance=0, unit="bytes",
                   explain="On 386 (and arm, and 32-bit MIPS) a uint64 needs only 4-byte alignment, so it follows the "
                           "uint32 directly. 64-bit atomics need 8: that is the misalignment that panics.")


def _doc_says_callers_responsibility(tc: Toolchain) -> bool:
    try:
        doc = (tc.goroot / "src" / "sync" / "atomic" / "doc.go").read_text()
    except OSError:
        return False
    return "caller's responsibility to arrange" in doc and "64-bit alignment" in doc


def myth_alignment(align: pd.DataFrame, *, toolchain: Toolchain | None = None, show: bool = False) -> MythCheck:
    """Myth check 2.4-c: "&flag is a 64-bit aligned address, as the hardware requires".

    Verdict: "true" if every target ran the plain-field AddUint64 fine;
    "misleading" if the 64-bit targets did but a 32-bit one panicked (or, when
    no 32-bit target could run here, if this toolchain's sync/atomic doc puts
    alignment on the caller); "false" if a 64-bit target panicked.
    """
    tc = _tc(toolchain)
    ran = align[align["pointer bits"].notna()]
    ran64 = [r for _, r in ran.iterrows() if r["pointer bits"] == 64]
    ran32 = [r for _, r in ran.iterrows() if r["pointer bits"] == 32]

    def fine(r) -> bool:
        return str(r["plain uint64 field"]).endswith("ok")

    evidence = {}
    for _, r in ran.iterrows():
        evidence[f"{r['target']} ({r['ran']})"] = (
            f"offset {r['offsetof(S.count)']} → {r['plain uint64 field']}; "
            f"atomic.Uint64 at {r['offsetof(T.count)']} → {r['atomic.Uint64 field']}")
    if any(not fine(r) for r in ran64):
        verdict = "false"
    elif ran32:
        verdict = "true" if all(fine(r) for r in ran32) else "misleading"
    else:
        documented = _doc_says_callers_responsibility(tc)
        evidence["32-bit targets"] = "none could run here"
        evidence["sync/atomic doc (this toolchain)"] = ("on ARM, 386 and 32-bit MIPS alignment is the caller's "
                                                        "responsibility" if documented else "no such note")
        verdict = "misleading" if documented else "true"
    return myth_check(
        "2.4-c",
        claim="&flag is a 64-bit aligned address, which satisfies the hardware's requirement for 64-bit atomics.",
        experiment="atomic.AddUint64 on a uint64 struct field that follows a uint32, on a 64-bit and on 32-bit "
                   "Linux targets; then the same with an atomic.Uint64 field.",
        verdict=verdict,
        evidence=evidence,
        truth="True on 64-bit targets, where the compiler aligns every uint64 to 8 bytes. On 386, arm and 32-bit "
              "MIPS a uint64 field may sit at a 4-byte boundary and a 64-bit atomic on it panics. Use the typed "
              "atomic.Uint64 / atomic.Int64 (Go 1.19+): they are 64-bit aligned everywhere.",
        label=align.attrs.get("label", ""),
        show=show,
    )


#: A counter written with the function API: what ``go fix``'s atomictypes fixer rewrites.
COUNTER = '''package main

import (
	"fmt"
	"sync/atomic"
)

type Counter struct {
	ready uint32
	hits  uint64 // only ever read and written through sync/atomic
}

func (c *Counter) Hit() { atomic.AddUint64(&c.hits, 1) }

func (c *Counter) Hits() uint64 { return atomic.LoadUint64(&c.hits) }

func main() {
	var c Counter
	c.Hit()
	fmt.Println("hits:", c.Hits())
}
'''


def fix_diff(program=None, *, toolchain: Toolchain | None = None):
    """What ``go fix -diff`` would change in a program (Go 1.27's fixers include one for the typed atomics).

    Args:
        program: the program (default :data:`COUNTER`).

    Returns:
        An IPython Markdown object: the diff, or what go fix said when it proposes nothing.
    """
    from IPython.display import Markdown

    from ..build import language_version
    from ..workspace import remove_dir

    tc = _tc(toolchain)
    prog = _prog(program, COUNTER, "counter")
    workdir = prog.materialize(go_version=language_version(tc))
    try:
        proc = tc.run_go(["fix", "-diff", "./..."], cwd=workdir, timeout=120)
    finally:
        remove_dir(workdir)
    text = (proc.stdout + proc.stderr).replace(str(workdir) + os.sep, "")
    if "+++" in text:
        return Markdown(f"`go fix -diff` ({tc.version}) proposes:\n```diff\n{text.rstrip()}\n```")
    said = text.strip().splitlines()
    return Markdown(f"`go fix -diff` ({tc.version}) proposes no change here (exit status {proc.returncode})"
                    + (f": `{said[0][:200]}`" if said else "."))


# ---------------------------------------------------------------------------
# 5. Benchmarks (2.4-d)
# ---------------------------------------------------------------------------

#: Benchmark function → what the learner sees, in display order.
BENCH_NAMES = {
    "BenchmarkPlainLoad": "plain load",
    "BenchmarkAtomicLoad": "atomic.LoadUint64",
    "BenchmarkPlainStore": "plain store",
    "BenchmarkAtomicStore": "atomic.StoreUint64",
    "BenchmarkAtomicAdd": "atomic.AddUint64",
    "BenchmarkAtomicCAS": "atomic.CompareAndSwapUint64",
    "BenchmarkAtomicAddContended": "atomic.AddUint64, all Ps on one word",
}
#: The seed's latency table (2.4-d), in ns: the claim under test, not a measurement.
SEED_LATENCY_NS = {("amd64", "atomic.StoreUint64"): 4.2, ("amd64", "atomic.LoadUint64"): 3.8,
                   ("arm64", "atomic.StoreUint64"): 5.1, ("arm64", "atomic.LoadUint64"): 4.9}
#: A figure off by at least this factor (either way) is not reproducible here.
FACTOR_NOT_REPRODUCED = 3.0

_BENCH_CACHE: dict[tuple, pd.DataFrame] = {}


def atomic_bench(count: int = 5, benchtime: str = "200ms", *, goarch: str | None = None,
                 toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Run :data:`BENCH` with ``go test -bench`` (natively, or under qemu-user for another GOARCH).

    Results are memoized per (count, benchtime, goarch), so a "check yourself"
    question and the table share one measurement.

    Args:
        count: ``-test.count`` (repetitions of each benchmark).
        benchtime: ``-test.benchtime`` per repetition.
        goarch: a Linux architecture (default: this machine's).

    Returns:
        Columns ``operation``, ``GOARCH``, ``ran``, ``median ns``, ``min ns``, ``max ns``, ``runs``,
        in :data:`BENCH_NAMES` order; ``attrs["note"]`` explains a missing emulator or a failed run.
    """
    tc = _tc(toolchain)
    goarch = goarch or tc.hostarch
    cols = ["operation", "GOARCH", "ran", "median ns", "min ns", "max ns", "runs"]
    runner = runner_for("linux", goarch, tc)
    if not runner.runnable:
        df = pd.DataFrame(columns=cols)
        df.attrs.update(caption=f"linux/{goarch} benchmarks: not run", label=_host_label(tc, "not run"),
                        note="Not run: " + runner.reason.split(". ")[0])
        return df
    # Keyed by the runner too: a result measured under one emulator is not reused for another.
    key = (count, benchtime, goarch, str(tc.go), runner.prefix)
    if key in _BENCH_CACHE:
        return _BENCH_CACHE[key].copy()
    LOGGER.info("ch04: benchmarking atomics on linux/%s (count=%d, benchtime=%s)", goarch, count, benchtime)
    r = api.test({"atom_test.go": BENCH}, bench=".", goos="linux", goarch=goarch, cgo=0, count=count,
                 benchtime=benchtime, limits={"wall_time_s": BENCH_TIME_S}, toolchain=tc)
    summary = summarize_bench(parse_bench(r.stdout))
    rows = []
    for base, name in BENCH_NAMES.items():
        s = summary[summary["base"] == base]
        if len(s):
            s = s.iloc[0]
            rows.append({"operation": name, "GOARCH": goarch, "ran": runner.name, "median ns": float(s["median"]),
                         "min ns": float(s["min"]), "max ns": float(s["max"]), "runs": int(s["runs"])})
    df = pd.DataFrame(rows, columns=cols)
    how = "natively" if not runner.emulated else f"under {runner.name} (emulator overhead, not ARM timings)"
    note = "" if r.ok else f"The benchmark did not finish normally: {r.message}"
    df.attrs.update(caption=f"ns per operation, linux/{goarch} {how} (go test -bench, {count} runs of {benchtime})",
                    label=course_label(r) if r.started else _host_label(tc, "not run"), note=note)
    if r.ok:
        _BENCH_CACHE[key] = df
    return df.copy()


def bench_chart(*frames: pd.DataFrame):
    """Grouped horizontal bars: median ns per operation (min–max whiskers), one colour per run, log axis.

    Returns:
        A matplotlib Figure (closed).
    """
    import matplotlib.pyplot as plt

    frames = [f for f in frames if len(f)]
    names = list(BENCH_NAMES.values())
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(names) * max(len(frames), 1) ** 0.5 + 1.8), layout="constrained")
    if not frames:
        ax.text(0.5, 0.5, "no benchmark results", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _finish(fig, "")
    colors = ["#1565c0", "#ef6c00", "#2e7d32", "#6a1b9a"]
    height = 0.8 / len(frames)
    for k, f in enumerate(frames):
        emulated = not str(f["ran"].iloc[0]).startswith("native")
        tag = f"linux/{f['GOARCH'].iloc[0]} " + (f"under {f['ran'].iloc[0]}" if emulated else "native")
        ys, med, lo, hi = [], [], [], []
        for _, row in f.iterrows():
            if row["operation"] in names:
                ys.append(names.index(row["operation"]) + (k - (len(frames) - 1) / 2) * height)
                med.append(row["median ns"])
                lo.append(row["median ns"] - row["min ns"])
                hi.append(row["max ns"] - row["median ns"])
        ax.barh(ys, med, height=height, color=colors[k % len(colors)], xerr=[lo, hi],
                error_kw={"ecolor": "#333", "capsize": 2, "lw": 0.8}, label=tag)
        for y, m, h in zip(ys, med, hi):
            ax.text((m + h) * 1.1, y, f"{m:.3g} ns", va="center", fontsize=7)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xscale("log")
    right = max(float((f["max ns"]).max()) for f in frames)
    ax.set_xlim(right=right * 3)
    ax.set_xlabel("ns per operation (median; whiskers: fastest and slowest run), log scale")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(frames), fontsize=8, frameon=False)
    fig.suptitle("What an atomic operation costs", fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _finish(fig, _labels(frames))


LOAD_STORE_OPTIONS = [
    "about the same: both are atomic operations",
    "the atomic load is several times cheaper than the atomic store",
    "the atomic store is several times cheaper than the atomic load",
]


def load_store_reveal(count: int = 3, benchtime: str = "50ms", *,
                      toolchain: Toolchain | None = None) -> tuple[str, str]:
    """The experiment behind :func:`question_load_vs_store`: the native benchmark."""
    df = atomic_bench(count, benchtime, toolchain=toolchain)
    med = dict(zip(df["operation"], df["median ns"]))
    load, store = med.get("atomic.LoadUint64"), med.get("atomic.StoreUint64")
    if load is None or store is None:
        raise GoEnvError(f"the benchmark did not report both operations: {df.attrs.get('note') or 'no results'}")
    ratio = store / load
    right = LOAD_STORE_OPTIONS[1] if ratio >= 2 else LOAD_STORE_OPTIONS[2] if ratio <= 0.5 else LOAD_STORE_OPTIONS[0]
    return right, (f"median atomic.LoadUint64 {load:.3g} ns, atomic.StoreUint64 {store:.3g} ns ({df.attrs['label']}). "
                   "The disassembly explains it: on amd64 the load is a plain MOV, the store an XCHG that waits for "
                   "the store buffer to drain.")


def question_load_vs_store(count: int = 3, benchtime: str = "50ms", *, toolchain: Toolchain | None = None):
    """Predict how atomic Load and Store compare natively; the reveal runs the benchmark."""
    return predict("On this machine, how does atomic.LoadUint64 compare with atomic.StoreUint64 in ns per operation?",
                   LOAD_STORE_OPTIONS, lambda: load_store_reveal(count, benchtime, toolchain=toolchain))


def _bench_value(df: pd.DataFrame, op: str, col: str) -> float | None:
    hit = df.loc[df["operation"] == op, col]
    return float(hit.iloc[0]) if len(hit) else None


def myth_latency(native: pd.DataFrame, *, show: bool = False) -> MythCheck:
    """Myth check 2.4-d: the seed's latency table (x86-64 Store ~4.2 ns, Load ~3.8 ns; ARM64 5.1/4.9 ns).

    Two comparisons, both with the fastest native run of each benchmark (noise
    on a shared machine only ever adds time): the Load figure itself, and the
    Store/Load ratio, which a busy machine inflates on both sides alike. If
    either is off by :data:`FACTOR_NOT_REPRODUCED` or more → "invented figure";
    otherwise "misleading" (numbers without CPU, Go version or method, whose
    ARM64 half cannot be checked here).

    Args:
        native: the table from :func:`atomic_bench` for this (x86-64) machine.

    Raises:
        ValueError: the table has no atomic load result.
    """
    load = _bench_value(native, "atomic.LoadUint64", "min ns")
    if load is None or load <= 0:
        raise ValueError("myth 2.4-d needs a native atomic.LoadUint64 result")
    store = _bench_value(native, "atomic.StoreUint64", "min ns")
    claimed_load = SEED_LATENCY_NS[("amd64", "atomic.LoadUint64")]
    claimed_store = SEED_LATENCY_NS[("amd64", "atomic.StoreUint64")]
    factor = max(load, claimed_load) / min(load, claimed_load)
    ratio_factor = 1.0
    if store is not None:
        measured_ratio, claimed_ratio = store / load, claimed_store / claimed_load
        ratio_factor = max(measured_ratio, claimed_ratio) / min(measured_ratio, claimed_ratio)
    reproduced = factor < FACTOR_NOT_REPRODUCED and ratio_factor < FACTOR_NOT_REPRODUCED
    goarch = native["GOARCH"].iloc[0] if len(native) else "?"
    evidence = {
        "seed, x86-64 Load": f"~{claimed_load} ns",
        f"measured, {goarch} atomic.LoadUint64 (fastest run)": f"{load:.3g} ns",
        "off by a factor of": f"{factor:.3g}",
        "seed, x86-64 Store": f"~{claimed_store} ns",
    }
    if store is not None:
        evidence[f"measured, {goarch} atomic.StoreUint64 (fastest run)"] = f"{store:.3g} ns"
        evidence["Store / Load: seed vs measured"] = (f"{claimed_store / claimed_load:.2g} vs {store / load:.2g} "
                                                      f"(off by a factor of {ratio_factor:.3g})")
    evidence["seed, ARM64 Store/Load"] = "5.1 / 4.9 ns: no ARM64 hardware here, not checkable"
    truth = ("The seed gives no CPU, Go version or method, and its x86-64 figures "
             + ("are not reproducible here" if not reproduced else "happen to be near this machine's")
             + ": an atomic load on x86-64 is a plain MOV and costs what a plain load costs, while the store is an "
               "XCHG and costs several times more. ARM64 numbers need ARM64 hardware; timings under qemu measure the "
               "emulator.")
    return myth_check(
        "2.4-d",
        claim="Latency: x86_64 atomic Store ~4.2 ns, Load ~3.8 ns; ARM64 Store ~5.1 ns, Load ~4.9 ns.",
        experiment="go test -bench on this machine, natively: atomic.LoadUint64 and atomic.StoreUint64 in a loop.",
        verdict="misleading" if reproduced else "invented figure",
        evidence=evidence,
        truth=truth,
        label=native.attrs.get("label", ""),
        show=show,
    )
