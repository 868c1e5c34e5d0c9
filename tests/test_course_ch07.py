"""Chapter 07 experiments (goenv.course.ch07), run against the real Go toolchain.

Every test builds and runs the chapter's real programs (goenv's binary cache
keeps repeats cheap); the start-up path is also read from cross-built arm64 and
riscv64 binaries, which only need the toolchain, not an emulator.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest

import goenv
from goenv.course import ch07
from goenv.course.myth import MYTH_MIME, MythCheck, bundle
from goenv.errors import GoEnvError, ParseError
from goenv.inspection import inspect_binary

matplotlib.use("Agg")

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07_runtime_inside.ipynb"


@pytest.fixture(scope="module")
def hello():
    b = goenv.build(ch07.HELLO)
    assert b.ok, b.message
    return b


@pytest.fixture(scope="module")
def heap_run():
    """One MemStats run with a smaller garbage phase (the shape is the same)."""
    return ch07.sample_memstats(live_mib=16, garbage_mib=64, every_kib=256)


def _go_cells(nb) -> dict[str, str]:
    """``%%go`` cell name (from --name) → the Go source of the cell."""
    out = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("%%go"):
            first, _, body = cell.source.partition("\n")
            m = re.search(r"--name (\S+)", first)
            out[m.group(1)] = body
    return out


def test_notebook_programs_are_the_module_programs():
    """Do the notebook's %%go cells hold exactly the programs this module tests?"""
    cells = _go_cells(nbformat.read(NOTEBOOK, as_version=4))
    assert cells == {"hello": ch07.HELLO, "escape": ch07.ESCAPE, "memstats": ch07.MEMSTATS,
                     "exitdemo": ch07.EXIT_DEMO, "shutdown": ch07.SHUTDOWN, "heapprof": ch07.HEAPPROF}


# -- section 1: what is in the binary -----------------------------------------------------


def test_elf_layout_entry_is_the_rt0_symbol(hello, tc):
    """Is the ELF entry address exactly where go tool nm puts _rt0_<arch>_linux, and are the Go sections there?"""
    lay = ch07.elf_layout(hello.binary)
    assert lay.size == Path(hello.binary).stat().st_size and lay.bits == 64 and lay.byteorder == "little"
    at_entry = [s.name for s in ch07.symbols(hello.binary) if s.addr == lay.entry]
    assert f"_rt0_{tc.hostarch}_linux" in at_entry
    names = {s.name for s in lay.sections}
    assert {".text", ".gopclntab", ".go.buildinfo", ".symtab"} <= names


def test_elf_layout_pointer_reads_runtime_mainpc(hello):
    """Does the pointer stored in runtime.mainPC (read from the file) hold runtime.main's address?"""
    syms = {s.name: s for s in ch07.symbols(hello.binary)}
    lay = ch07.elf_layout(hello.binary)
    assert lay.pointer(syms["runtime.mainPC"].addr) == syms["runtime.main"].addr
    with pytest.raises(ValueError, match="not in any section"):
        lay.read(0x10, 8)


def test_elf_layout_rejects_non_elf(tmp_path):
    """Does a Windows binary or a text file get a clear error instead of garbage?"""
    exe = goenv.build(ch07.HELLO, goos="windows", goarch="amd64")
    with pytest.raises(ValueError, match="not an ELF file"):
        ch07.elf_layout(exe.binary)
    short = tmp_path / "short"
    short.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 20)
    with pytest.raises(ValueError, match="truncated"):
        ch07.elf_layout(short)


def test_package_table_agrees_with_inspection(hello):
    """Do the per-package sizes add up, with the runtime largest and its share equal to goenv.inspection's?"""
    t = ch07.package_table(hello)
    assert t.iloc[0]["package"] == "runtime"
    assert t["share %"].sum() == pytest.approx(100, abs=0.01)
    assert "main" in set(t["package"]) and t.set_index("package").loc["main", "KiB"] < 1
    info = inspect_binary(hello.binary)
    assert t.attrs["runtime_share"] == pytest.approx(info.runtime_share, abs=0.02)
    assert 0.2 < t.attrs["runtime_share"] < 0.95
    assert t.attrs["symbol_bytes"] < t.attrs["file_bytes"] == info.size
    assert "built, not run" in t.attrs["label"]


def test_kind_table_sums_the_packages(hello):
    """Do the four kinds add up to every symbol byte, with one package of your code?"""
    t = ch07.package_table(hello)
    k = ch07.kind_table(t).set_index("kind")
    assert k["KiB"].sum() * 1024 == pytest.approx(t.attrs["symbol_bytes"])
    assert k["packages"].sum() == t.attrs["packages"]
    assert k.loc["your code (package main)", "packages"] == 1
    runtime_share = k.loc["the runtime (runtime, internal/runtime/…)", "share %"]
    assert runtime_share == pytest.approx(100 * t.attrs["runtime_share"])


def test_plot_packages_has_one_bar_per_row_and_a_label(hello):
    """Does the chart draw every row, colour the runtime red, and carry the measurement label?"""
    t = ch07.package_table(hello)
    fig = ch07.plot_packages(t)
    ax = fig.axes[0]
    assert len(ax.patches) == len(t)
    runtime_bar = ax.patches[len(t) - 1]  # rows are drawn bottom-up: the first row is the top bar
    assert matplotlib.colors.to_hex(runtime_bar.get_facecolor()) == "#c62828"
    assert t.attrs["label"] in fig.get_supxlabel()
    assert "% is the runtime" in ax.get_title()


def test_section_table_accounts_for_every_byte(hello):
    """Do the section rows add up to the file size, with DWARF and .bss explained?"""
    t = ch07.section_table(hello)
    assert t["KiB in file"].sum() * 1024 == pytest.approx(t.attrs["file_bytes"])
    rows = t.set_index("section")
    assert rows.loc[".gopclntab", "KiB in file"] > 0 and "stack traces" in rows.loc[".gopclntab", "holds"]
    assert any(s.startswith(".debug_*") for s in t["section"])
    bss = next(s for s in t["section"] if ".bss" in s)
    assert rows.loc[bss, "KiB in file"] == 0 and "in memory" in rows.loc[bss, "holds"]


def test_stripped_binary_gives_a_clear_error():
    """Does package_table explain a stripped binary instead of returning an empty table?"""
    b = goenv.build(ch07.HELLO, ldflags="-s -w")
    with pytest.raises(GoEnvError, match="stripped|could not read"):
        ch07.package_table(b)


def test_question_runtime_share_reveals_the_measured_bucket(hello):
    """Does the prediction accept the bucket of the live share and reject another?"""
    q = ch07.question_runtime_share(hello)
    share = 100 * ch07.package_table(hello).attrs["runtime_share"]
    opts = list(q.control.options)
    right = opts[0] if share < 10 else opts[1] if share < 37 else opts[2] if share < 90 else opts[3]
    q.control.value = right
    assert q.check() is True and f"{share:.0f} %" in q.feedback.value
    q.control.value = next(o for o in opts if o != right)
    assert q.check() is False


# -- section 2: the start-up path -----------------------------------------------------------


def _steps(df: pd.DataFrame) -> list[str]:
    out = []
    for ins, what in zip(df["instruction"], df["what it does"]):
        m = re.search(r"(runtime\.\w+|exithook\.Run)", ins)
        out.append(m.group(1) if m else ("main.main" if "main.main runs" in what else ins))
    return out


def test_startup_path_native_order(hello, tc):
    """Is the path entry → rt0_go → args, osinit, schedinit → mainPC → newproc → mstart → runtime.main → main.main → exit?"""
    df = ch07.startup_path(hello)
    steps = _steps(df)
    assert df.iloc[0]["in function"] == f"_rt0_{tc.hostarch}_linux"
    order = ["runtime.args", "runtime.osinit", "runtime.schedinit", "runtime.mainPC", "runtime.newproc",
             "runtime.mstart", "runtime.doInit1", "runtime.gcenable", "main.main", "exithook.Run", "runtime.exit"]
    positions = [next(i for i, s in enumerate(steps) if s == name) for name in order]
    assert positions == sorted(positions), steps
    mainpc = df[df["instruction"].str.startswith("runtime.mainPC")].iloc[0]
    assert mainpc["what it does"].endswith("= runtime.main")
    main_row = df[df["step"] == "5. runtime.main → main.main"].iloc[0]
    assert re.fullmatch(r"proc\.go:\d+: fn\(\)", main_row["source"])
    sched = df[df["instruction"].str.contains("schedinit")].iloc[0]
    assert re.fullmatch(r"asm_\w+\.s:\d+: \w+ runtime·schedinit\(SB\)", sched["source"])  # read from this GOROOT
    assert df.iloc[-1]["step"] == "6. runtime.main, after main.main"
    assert "in function" in df.attrs["hide"] and "in function" not in ch07.show(df).to_html()


@pytest.mark.parametrize("goarch", ["arm64", "riscv64"])
def test_startup_path_cross_built(goarch):
    """Does the same walk work on arm64 and riscv64 binaries (riscv64 jumps through a register)?"""
    b = goenv.build(ch07.HELLO, goarch=goarch)
    df = ch07.startup_path(b)
    steps = _steps(df)
    assert df.iloc[0]["in function"] == f"_rt0_{goarch}_linux"
    for name in ("runtime.schedinit", "runtime.newproc", "main.main", "runtime.exit"):
        assert name in steps, (name, steps)
    assert f"linux/{goarch}" in df.attrs["label"]


def test_question_who_calls_main():
    """Is runtime.main the accepted answer?"""
    q = ch07.question_who_calls_main()
    q.control.value = "runtime.rt0_go, directly after schedinit"
    assert q.check() is False
    q.control.value = "runtime.main, running as the first goroutine"
    assert q.check() is True and "newproc" in q.feedback.value


# -- section 3: MemStats ------------------------------------------------------------------------


def test_memstats_docs_are_read_from_the_source(tc):
    """Does the docs table quote mstats.go for HeapAlloc, NextGC and NumGC, with the right line numbers?"""
    docs = ch07.memstats_docs().set_index("field")
    assert docs.loc["HeapAlloc", "documentation"].startswith("HeapAlloc is bytes of allocated heap objects.")
    assert "not yet freed" in docs.loc["HeapAlloc", "documentation"]
    assert docs.loc["NextGC", "documentation"].startswith("NextGC is the target heap size of the next GC cycle.")
    assert docs.loc["NumGC", "type"] == "uint32"
    lines = (tc.goroot / "src" / "runtime" / "mstats.go").read_text().splitlines()
    assert lines[docs.loc["NumGC", "line"] - 1].strip().startswith("NumGC")
    missing = ch07.memstats_docs(("NoSuchField",))
    assert missing.iloc[0]["type"] == "missing"


def test_escape_table_only_the_sink_reaches_the_heap():
    """With `_ =` does nothing reach the heap (no GC), while `sink =` escapes and makes the GC run?"""
    t = ch07.escape_table()
    drop, sink = t.iloc[0], t.iloc[1]
    assert drop["loop body"] == "_ = make([]byte, 1024)" and "does not escape" in drop["compiler (-gcflags=-m) says"]
    assert sink["loop body"] == "sink = make([]byte, 1024)" and "escapes to heap" in sink["compiler (-gcflags=-m) says"]
    assert drop["GC cycles"] == 0 and drop["reached the heap (MiB)"] < 1
    assert sink["GC cycles"] > 0 and sink["reached the heap (MiB)"] > 90


def test_question_escape_answer_is_none():
    """Does the escape prediction reveal 'none' from the live run?"""
    q = ch07.question_escape()
    q.control.value = "none"
    assert q.check() is True and "does not escape" in q.feedback.value


def test_parse_memstats_reads_samples_and_pauses():
    """Does the parser read memstats and pauses lines and ignore the program's other output?"""
    out = ("hello\n"
           "memstats phase=start total_alloc=10 heap_alloc=10 next_gc=4194304 num_gc=0 heap_objects=3 pause_total_ns=0\n"
           "memstats phase=live total_alloc=20 heap_alloc=15 next_gc=4194304 num_gc=1 heap_objects=4 pause_total_ns=7\n"
           "pauses_ns 7\n")
    df, pauses = ch07.parse_memstats(out)
    assert list(df["phase"]) == ["start", "live"] and list(df["num_gc"]) == [0, 1]
    assert list(df["sample"]) == [0, 1] and pauses == [7]


@pytest.mark.parametrize("line", [
    "memstats phase=live total_alloc=20 heap_alloc=15 num_gc=1 heap_objects=4 pause_total_ns=7",
    "memstats phase=live total_alloc=x heap_alloc=15 next_gc=1 num_gc=1 heap_objects=4 pause_total_ns=7",
    "pauses_ns 7 eight",
])
def test_parse_memstats_rejects_malformed_lines(line):
    """Is a memstats line with a missing or non-numeric field an error, never a silently wrong number?"""
    with pytest.raises(ParseError):
        ch07.parse_memstats(line + "\n")


def test_sample_memstats_behaves_as_documented(heap_run):
    """Does NumGC grow in the garbage phase, NextGC stay above HeapAlloc at phase ends, and HeapAlloc drop after GC?"""
    live, garbage, released = (heap_run.phase_end(p) for p in ("live", "garbage", "released"))
    assert garbage["num_gc"] > live["num_gc"]
    assert released["num_gc"] > garbage["num_gc"]  # the explicit runtime.GC()
    assert released["heap_alloc"] < live["heap_alloc"] / 10
    assert live["heap_alloc"] >= 16 * 2**20
    assert heap_run.samples["total_alloc"].is_monotonic_increasing
    assert len(heap_run.pauses_ns) == released["num_gc"]
    assert "native" in heap_run.label


def test_sample_memstats_rejects_bad_sizes():
    """Are zero or negative sizes refused before anything runs?"""
    with pytest.raises(ValueError, match="positive"):
        ch07.sample_memstats(every_kib=0)


def test_sample_memstats_reports_a_failing_program():
    """Does a program that prints no samples give a clear error instead of an empty plot?"""
    with pytest.raises(GoEnvError, match="no `memstats"):
        ch07.sample_memstats('package main\n\nfunc main() {}\n')


def test_plot_heap_draws_both_series_and_numgc(heap_run):
    """Does the figure plot HeapAlloc and NextGC over TotalAlloc, NumGC below, with the label?"""
    fig = ch07.plot_heap(heap_run)
    top, bottom = fig.axes
    labels = [ln.get_label() for ln in top.get_lines()]
    assert any(lb.startswith("HeapAlloc") for lb in labels) and any(lb.startswith("NextGC") for lb in labels)
    assert bottom.get_ylabel() == "NumGC" and bottom.get_lines()[0].get_ydata()[-1] == heap_run.phase_end("released")["num_gc"]
    assert heap_run.label in fig.get_supxlabel()


def test_phase_and_pause_tables(heap_run):
    """Do the phase table's rows match the samples, and the pause table count every cycle?"""
    p = ch07.phase_table(heap_run)
    assert list(p["when"])[-1] == "after keep = nil; runtime.GC()"
    assert p.iloc[-1]["NumGC"] == heap_run.phase_end("released")["num_gc"]
    s = ch07.pause_table(heap_run)
    assert s.iloc[0]["GC cycles"] == len(heap_run.pauses_ns)
    assert 0 < s.iloc[0]["median pause (ms)"] <= s.iloc[0]["longest pause (ms)"]


def test_gogc_lower_means_more_cycles():
    """Does GOGC=50 cause more GC cycles and a lower goal than GOGC=200 for the same allocations?"""
    t = ch07.gogc_table((50, 200), live_mib=16, garbage_mib=64).set_index("GOGC")
    assert t.loc[50, "GC cycles in the garbage phase"] > t.loc[200, "GC cycles in the garbage phase"]
    assert t.loc[50, "median NextGC (MiB)"] < t.loc[200, "median NextGC (MiB)"]


def test_question_nextgc_reveals_twice_the_live_heap():
    """Does the NextGC prediction come out as about twice the live heap under GOGC=100?"""
    q = ch07.question_nextgc(live_mib=16, garbage_mib=48)
    q.control.value = ch07.NEXTGC_OPTIONS[1]
    assert q.check() is True and "× the 16 MiB kept" in q.feedback.value


def test_myth_memstats_is_true(heap_run):
    """Is myth 4.1-c measured true, with the documentation and the live run as evidence?"""
    m = ch07.myth_memstats(heap_run, ch07.memstats_docs(), show=False)
    assert isinstance(m, MythCheck) and m.id == "4.1-c" and m.verdict == "true"
    assert m.evidence["fields documented in runtime/mstats.go"] == "yes"
    assert m.evidence["GC cycles during the garbage phase (NumGC grew by)"] > 0
    assert bundle(m)[MYTH_MIME]["verdict"] == "true"


def test_myth_memstats_verdict_is_computed(heap_run):
    """Would 4.1-c come out false if NumGC had not grown, or HeapAlloc had not dropped after runtime.GC()?"""
    s = heap_run.samples.copy()
    s["num_gc"] = 0
    frozen = dataclasses.replace(heap_run, samples=s)
    assert ch07.myth_memstats(frozen, show=False).verdict == "false"
    s = heap_run.samples.copy()
    s.loc[s["phase"] == "released", "heap_alloc"] = heap_run.phase_end("garbage")["heap_alloc"]
    assert ch07.myth_memstats(dataclasses.replace(heap_run, samples=s), show=False).verdict == "false"


# -- section 4: when main returns ---------------------------------------------------------------


@pytest.fixture(scope="module")
def exit_run():
    return goenv.run(ch07.EXIT_DEMO, env={"GODEBUG": "gctrace=1"})


def test_exit_evidence_from_the_real_run(exit_run):
    """Does main return with 4 goroutines alive, and the process end at once with no GC, finalizer or late print?"""
    ev = ch07.exit_evidence(exit_run)
    assert ev["goroutines_at_return"] == 4
    assert not ev["goroutine_finished"] and not ev["finalizer_ran"] and ev["gc_cycles"] == 0
    assert ev["exit_code"] == 0 and not ev["waited"]


def test_myth_exit_is_false(exit_run):
    """Is myth 4.1-b (the runtime waits and cleans up at exit) measured false?"""
    m = ch07.myth_exit(exit_run, show=False)
    assert m.id == "4.1-b" and m.verdict == "false"
    assert m.evidence["goroutines alive when main returned (NumGoroutine)"] == 4
    assert m.evidence["\"goroutine finished\" printed"] == "no"


def test_myth_exit_holds_for_a_program_that_waits(exit_run):
    """Would 4.1-b come out true for a run that printed the goroutine's line (the verdict is computed)?"""
    waited = dataclasses.replace(exit_run, stdout=exit_run.stdout + "goroutine finished\n")
    assert ch07.myth_exit(waited, show=False).verdict == "true"
    timed_out = dataclasses.replace(exit_run, timed_out=True, stopped_by="wall_time")
    assert ch07.myth_exit(timed_out, show=False).verdict == "true"


def test_myth_exit_needs_the_demo_output(exit_run):
    """Does a run without the NumGoroutine line get an explanation instead of a wrong verdict?"""
    with pytest.raises(GoEnvError, match="NumGoroutine"):
        ch07.myth_exit(dataclasses.replace(exit_run, stdout="hello\n"), show=False)


def test_question_exit_answer_is_neither():
    """Does the exit prediction reveal that neither line appears?"""
    q = ch07.question_exit()
    q.control.value = ch07.EXIT_OPTIONS[0]
    assert q.check() is False and "goroutines were alive" in q.feedback.value
    q.control.value = ch07.EXIT_OPTIONS[2]
    assert q.check() is True


def test_runtime_main_tail_shows_the_call_and_the_exit(tc):
    """Does the excerpt show fn := main_main, fn(), runExitHooks(0) and exit(0) with this GOROOT's line numbers?"""
    text = ch07.runtime_main_tail().data
    for needle in ("fn := main_main", "fn()", "runExitHooks(0)", "exit(0)", "…"):
        assert needle in text
    lines = (tc.goroot / "src" / "runtime" / "proc.go").read_text().splitlines()
    n = next(i for i, ln in enumerate(lines, 1) if "fn := main_main" in ln)
    assert re.search(rf"^\s*{n}\s+\tfn := main_main", text, re.M)


# -- section 5: the fix ---------------------------------------------------------------------------


def test_shutdown_table_wait_loses_nothing():
    """Does waiting finish every job and save the state, while returning at once loses jobs and state?"""
    t = ch07.shutdown_table(jobs=8, repeats=2)
    runs = t.attrs["runs"]
    assert runs["wait"]["done"] == (8, 8) and runs["wait"]["saved"] == 2
    assert runs["nowait"]["done"][1] < 8 and runs["nowait"]["saved"] == 0
    assert list(t["background state saved"]) == ["never", "every run"]


def test_question_shutdown():
    """Is WaitGroup + context the accepted answer, and sleeping rejected?"""
    q = ch07.question_shutdown()
    q.control.value = "time.Sleep(time.Second) at the end of main"
    assert q.check() is False
    q.control.value = "a sync.WaitGroup that main waits on, plus a context to tell long-running goroutines to stop"
    assert q.check() is True


# -- section 6: heap profile ---------------------------------------------------------------------


PPROF_SAMPLE = """File: prog
Type: inuse_space
Time: 2026-01-01 00:00:00 UTC
Showing nodes accounting for 10.02MB, 99.94% of 10.02MB total
Dropped 12 nodes (cum <= 0.05MB)
      flat  flat%   sum%        cum   cum%
   10.02MB 99.94% 99.94%    10.02MB 99.94%  main.keepBuffers
    512kB  4.99%   100%      512kB  4.99%  main.(*T).grow
         0     0% 99.94%    10.02MB   100%  main.main
"""


def test_parse_pprof_top_units_and_names():
    """Are pprof's MB/kB powers of 1024, zero rows kept, and method names with spaces-free parens read?"""
    df = ch07.parse_pprof_top(PPROF_SAMPLE)
    assert list(df["function"]) == ["main.keepBuffers", "main.(*T).grow", "main.main"]
    assert df.iloc[0]["flat"] == pytest.approx(10.02 * 2**20) and df.iloc[1]["flat"] == 512 * 1024
    assert df.iloc[2]["flat"] == 0 and df.iloc[2]["cum %"] == 100
    assert df.attrs["type"] == "inuse_space" and df.attrs["total"] == pytest.approx(10.02 * 2**20)


@pytest.mark.parametrize("text", ["no header here\n", PPROF_SAMPLE + "   garbage row\n",
                                  PPROF_SAMPLE.replace("512kB  4.99%", "512XB  4.99%")])
def test_parse_pprof_top_rejects_other_text(text):
    """Is text that is not pprof -top output (or has an unknown unit) an error?"""
    with pytest.raises(ParseError):
        ch07.parse_pprof_top(text)


@pytest.fixture(scope="module")
def profile():
    return ch07.heap_profile(n=4000)


def test_heap_profile_inuse_and_alloc(profile):
    """Offline pprof: does keepBuffers hold the in-use heap and churn dominate allocations, at the sizes the program made?"""
    inuse, alloc = profile.tops["inuse_space"], profile.tops["alloc_space"]
    assert inuse.attrs["type"] == "inuse_space" and alloc.attrs["type"] == "alloc_space"
    assert inuse.iloc[0]["function"] == "main.keepBuffers"
    assert alloc.iloc[0]["function"] == "main.churn"
    keep = inuse.iloc[0]["flat"]
    assert 4000 * 1024 <= keep <= 4000 * 1024 * 1.3  # 4000 KiB of buffers plus the slice of slices
    churn = alloc[alloc["function"] == "main.churn"].iloc[0]["flat"]
    assert churn == pytest.approx(4000 * 4096, rel=0.05)
    assert "main.churn" not in set(inuse["function"])  # garbage at the last GC
    # MemStats, read right after the GC the profile describes, agrees with pprof's in-use total.
    assert profile.heap_alloc == pytest.approx(inuse.attrs["total"], rel=0.1)
    assert profile.profile_bytes > 0
    assert "File: prog" in profile.raw["inuse_space"]


def test_profile_table_and_its_caption(profile):
    """Does the summary table put both functions side by side with MiB values and the MemStats totals?"""
    t = ch07.profile_table(profile)
    rows = t.set_index("function")
    assert rows.loc["main.churn", "in use, flat (MiB)"] == 0
    assert rows.loc["main.churn", "allocated, flat %"] > rows.loc["main.keepBuffers", "allocated, flat %"]
    assert "HeapAlloc" in t.attrs["caption"] and "offline" in t.attrs["label"]


def test_heap_profile_reports_a_program_that_writes_nothing():
    """Does a program that writes no heap.pprof give a clear error?"""
    with pytest.raises(GoEnvError, match="wrote no profile"):
        ch07.heap_profile('package main\n\nfunc main() {}\n')


def test_question_sample_index():
    """Is alloc_space the view that finds churn?"""
    q = ch07.question_sample_index()
    q.control.value = q.control.options[1]
    assert q.check() is True
    q.control.value = q.control.options[0]
    assert q.check() is False


def test_show_renders_captions_and_escapes_html(hello):
    """Does show() put the caption and label in the HTML and escape Go source such as <-ctx.Done()?"""
    df = pd.DataFrame({"code": ["case <-ctx.Done():"], "n": [3]})
    df.attrs.update(caption="cap", label="go1.x · linux/amd64 · native")
    out = ch07.show(df).to_html()
    assert "cap" in out and "go1.x · linux/amd64 · native" in out and "&lt;-ctx.Done()" in out
