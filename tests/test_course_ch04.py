"""Chapter 04 experiments (goenv.course.ch04), run against the real Go toolchain and qemu-user.

Nothing here asserts on timings. Litmus counts are asserted only where the
hardware and the Go memory model decide them: a sequentially consistent run
never shows its forbidden outcome natively, and x86's store buffer shows the
plain store-buffering outcome given enough rounds. qemu's counts are never
asserted: they depend on the emulator version and the host.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest

from goenv.course import ch04
from goenv.course.myth import MYTH_MIME, MythCheck, bundle
from goenv.disasm import Instruction
from goenv.toolchain import default

from helpers import needs_qemu

matplotlib.use("Agg")

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_atomics.ipynb"
HOST = default().hostarch
x86_host = pytest.mark.skipif(HOST != "amd64", reason="the x86-64 (TSO) expectations need an amd64 host")
needs_cc = pytest.mark.skipif(ch04.c_compiler() is None, reason="-race needs a C compiler (gcc)")


def _go_cells(nb) -> dict[str, str]:
    """``%%go --name NAME`` → the Go source of the cell."""
    out = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("%%go"):
            first, _, body = cell.source.partition("\n")
            out[re.search(r"--name (\S+)", first).group(1)] = body
    return out


def test_notebook_cells_hold_the_module_programs():
    """Do the notebook's %%go cells hold exactly the programs ch04's functions and tests use?"""
    cells = _go_cells(nbformat.read(NOTEBOOK, as_version=4))
    assert cells["atomics"].strip() == ch04.ATOMICS.strip()
    assert cells["litmus"].strip() == ch04.LITMUS.strip()
    assert cells["align"].strip() == ch04.ALIGN.strip()


# -- 2.4-b: instructions per architecture ---------------------------------------------------


@pytest.fixture(scope="module")
def ops():
    """The four operations disassembled for the five architectures of the chapter."""
    return ch04.atomic_ops()


def _cell(ops: pd.DataFrame, goarch: str, op: str) -> str:
    return ops[(ops["GOARCH"] == goarch) & (ops["operation"] == op)]["key instructions"].iloc[0]


def test_atomic_ops_amd64_store_is_xchg_and_load_is_a_plain_mov(ops):
    """On amd64, is the store one XCHGQ and the load a plain MOVQ, with no MFENCE/LFENCE anywhere?"""
    assert _cell(ops, "amd64", "Store") == "XCHGQ"
    assert _cell(ops, "amd64", "Load") == "MOVQ (plain)"
    assert _cell(ops, "amd64", "Add") == "LOCK XADDQ"
    assert _cell(ops, "amd64", "CAS") == "LOCK CMPXCHGQ"
    amd64 = " ".join(ops[ops["GOARCH"] == "amd64"]["all instructions"])
    assert "MFENCE" not in amd64 and "LFENCE" not in amd64


def test_atomic_ops_other_architectures(ops):
    """Are arm64 STLR/LDAR (with LSE and LL/SC paths for Add/CAS), riscv64 AMOs and ppc64le/s390x fences found?"""
    assert _cell(ops, "arm64", "Store") == "STLR" and _cell(ops, "arm64", "Load") == "LDAR"
    assert _cell(ops, "arm64", "Add").split("; ") == ["LDADDALD", "LDAXR", "STLXR"]
    assert _cell(ops, "arm64", "CAS").startswith("CASALD")
    assert _cell(ops, "riscv64", "Store").startswith("AMOSWAP")
    assert "HWSYNC" in _cell(ops, "ppc64le", "Store") and "MOVD (plain)" in _cell(ops, "ppc64le", "Store")
    assert _cell(ops, "s390x", "Store") == "MOVD (plain); SYNC" and _cell(ops, "s390x", "Load") == "MOVD (plain)"
    assert set(ops["GOARCH"]) == set(ch04.GOARCHES) and len(ops) == 4 * len(ch04.GOARCHES)
    assert "go1." in ops.attrs["label"] and "built, not run" in ops.attrs["label"]


def test_ops_table_is_one_row_per_operation_one_column_per_arch(ops):
    """Does ops_table() pivot to operations × architectures, in the chapter's order?"""
    wide = ch04.ops_table(ops)
    assert list(wide.columns) == ["operation", *ch04.GOARCHES]
    assert list(wide["operation"]) == list(ch04.OPS)
    assert wide.attrs["label"] == ops.attrs["label"] and not wide.attrs["note"]
    html = ch04.show(wide).to_html()
    assert "XCHGQ" in html and "STLR" in html


def test_atomic_ops_reports_a_missing_function_and_a_failed_build():
    """Does a program without the four functions, or one that does not compile, give rows that say why?"""
    missing = ch04.atomic_ops("package main\n\nfunc main() {}\n", ("amd64",))
    assert len(missing) == 4 and missing["key instructions"].str.startswith("not found").all()
    broken = ch04.atomic_ops("package main\n\nfunc main() { undefined() }\n", ("amd64",))
    assert len(broken) == 1 and broken.iloc[0]["key instructions"].startswith("not built")
    wide = ch04.ops_table(broken)
    assert "amd64: not built" in wide.attrs["note"]


def _inst(text: str, line: int = 1) -> Instruction:
    return Instruction("main.f", "main.go", None, line, 0x1000 + line, "00", text)


def test_key_instructions_keeps_atomics_fences_arg_accesses_and_atomic_calls():
    """Does key_instructions() keep the access through the pointer argument, and drop LEA, moves and RET?"""
    amd64 = [_inst("MOVQ BX, CX"), _inst("LOCK XADDQ BX, 0(AX)"), _inst("LEAQ 0(CX)(BX*1), AX"), _inst("RET")]
    assert [(i.text, k) for i, k in ch04.key_instructions(amd64, "amd64")] == [("LOCK XADDQ BX, 0(AX)", "atomic")]
    load = ch04.key_instructions([_inst("MOVQ 0(AX), AX"), _inst("RET")], "amd64")
    assert [k for _, k in load] == ["plain"]
    # The feature-flag load on arm64 goes through R27, not the argument register R0.
    arm = [_inst("MOVBU 2827(R27), R2"), _inst("LDAXR (R0), R2"), _inst("STLXR R2, (R0), R27")]
    assert [k for _, k in ch04.key_instructions(arm, "arm64")] == ["atomic", "atomic"]
    # ppc64le: R3 must not match R30.
    assert ch04.key_instructions([_inst("MOVD 0(R30),R4")], "ppc64le") == []
    calls = [_inst("CALL sync/atomic.StoreUint64(SB)"), _inst("CALL runtime.morestack_noctxt(SB)")]
    call = ch04.key_instructions(calls, "386")
    assert [(ch04._opname(i), k) for i, k in call] == [("CALL sync/atomic.StoreUint64", "call")]


def test_myth_instruction_mapping_is_false_because_of_x86(ops):
    """Is 2.4-b false, with the arm64 cells matching and the amd64 cells not?"""
    m = ch04.myth_instruction_mapping(ops)
    assert isinstance(m, MythCheck) and m.verdict == "false"
    assert m.evidence["arm64 Store"].endswith("→ matches") and m.evidence["arm64 Load"].endswith("→ matches")
    assert "does not match" in m.evidence["amd64 Store"] and "XCHGQ" in m.evidence["amd64 Store"]
    assert bundle(m)[MYTH_MIME]["verdict"] == "false"


def test_myth_instruction_mapping_is_computed_from_the_table():
    """Would a disassembly that matched the seed's table give "true" (the verdict is not hard-coded)?"""
    fake = pd.DataFrame([
        {"GOARCH": "amd64", "operation": "Store", "key instructions": "MOVQ (plain); MFENCE"},
        {"GOARCH": "amd64", "operation": "Load", "key instructions": "MOVQ (plain); LFENCE"},
        {"GOARCH": "arm64", "operation": "Store", "key instructions": "STLR"},
        {"GOARCH": "arm64", "operation": "Load", "key instructions": "LDAR"},
    ])
    assert ch04.myth_instruction_mapping(fake).verdict == "true"


def test_question_store_amd64_reveals_xchg():
    """Does the store prediction's experiment answer XCHGQ, showing the live listing?"""
    q = ch04.question_store_amd64()
    q.control.value = ch04.STORE_OPTIONS[0]
    assert q.check() is False and "XCHGQ" in q.feedback.value
    q.control.value = ch04.STORE_OPTIONS[1]
    assert q.check() is True


def test_question_reading_zero_accepts_the_ordered_first_answer():
    """Is "nothing is wrong" the right answer to the reading-zero question?"""
    q = ch04.question_reading_zero()
    q.control.value = q.control.options[0]
    assert q.check() is False
    q.control.value = q.control.options[1]
    assert q.check() is True


# -- litmus tests, natively ------------------------------------------------------------------


def test_parse_litmus_reads_the_outcome_line_and_rejects_others():
    """Does parse_litmus() read all four counts, and return None for output without an outcome line?"""
    out = "noise\nsb plain linux/amd64 rounds=10 (0,0)=1 (0,1)=4 (1,0)=3 (1,1)=2\n"
    p = ch04.parse_litmus(out)
    assert p == {"test": "sb", "access": "plain", "target": "linux/amd64", "rounds": 10,
                 "outcomes": {(0, 0): 1, (0, 1): 4, (1, 0): 3, (1, 1): 2}}
    assert ch04.parse_litmus("panic: boom") is None and ch04.parse_litmus("") is None
    assert ch04.parse_litmus("sb plain linux/amd64 rounds=10 (0,0)=x (0,1)=4 (1,0)=3 (1,1)=2") is None


@pytest.fixture(scope="module")
def native():
    """All four litmus tests natively (enough rounds for the atomic runs to mean something)."""
    return ch04.litmus_table(rounds=200_000)


def test_litmus_table_counts_add_up(native):
    """Does every native run report four counts that add up to its rounds, and the right weak outcome?"""
    assert list(zip(native["test"], native["accesses"])) == [("SB", "plain"), ("SB", "atomic"), ("MP", "plain"),
                                                              ("MP", "atomic")]
    for _, row in native.iterrows():
        assert row["ran"].startswith("native") and row["rounds"] > 0
        assert row["(0,0)"] + row["(0,1)"] + row["(1,0)"] + row["(1,1)"] == row["rounds"]
    assert list(native["weak outcome"]) == ["(0,0)", "(0,0)", "(1,0)", "(1,0)"]
    assert native.attrs["label"].endswith("native")


def test_atomics_never_show_the_forbidden_outcome_natively(native):
    """Do SB and MP with sync/atomic show their weak outcome 0 times natively (the Go memory model)?"""
    atomic = native[native["accesses"] == "atomic"]
    assert (atomic["weak count"] == 0).all(), atomic


@x86_host
def test_x86_never_reorders_mp(native):
    """Does MP show no weak outcome on x86 even with plain accesses (TSO keeps stores and loads in order)?"""
    assert native[native["test"] == "MP"]["weak count"].eq(0).all()


@x86_host
def test_plain_sb_shows_the_store_buffer_natively():
    """Given enough rounds, does plain SB show r0 = r1 = 0 natively on x86 (and the same program with atomics never)?

    The weak outcome needs both threads on a CPU at once, which a busy shared
    machine makes rare: up to three runs of up to a million rounds each.
    """
    weak = 0
    for _ in range(3):
        t = ch04.litmus_table(runs=[("sb", False), ("sb", True)], rounds=1_000_000, seconds=20)
        assert t.iloc[1]["weak count"] == 0
        weak += int(t.iloc[0]["weak count"])
        if weak:
            break
    assert weak > 0


def test_litmus_program_rejects_bad_flags_and_honours_the_time_budget():
    """Does the litmus program refuse an unknown test, and stop at the time budget after one batch?"""
    import goenv

    b = goenv.build(ch04.LITMUS, cgo=0)
    bad = goenv.run_binary(b, args=["-test", "xx"])
    assert bad.exit_code == 2 and "usage: litmus" in bad.stderr
    # A zero budget still runs the first batch, then stops.
    short = goenv.run_binary(b, args=["-test", "sb", "-n", "1000000", "-batch", "1000", "-time", "0s"])
    assert ch04.parse_litmus(short.stdout)["rounds"] == 1000
    t = ch04.litmus_table(runs=[("sb", True)], rounds=1_000_000, seconds=0, batch=1000)
    assert t.iloc[0]["rounds"] == 1000 and "stopped after" in t.attrs["note"]


def test_plots_draw_every_run_with_labels(native):
    """Do the litmus plots draw one labelled row per run, and say so when a run did not happen?"""
    fig = ch04.plot_litmus(native)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        f"{t} {a} · {HOST} native" for t, a in (("SB", "plain"), ("SB", "atomic"), ("MP", "plain"), ("MP", "atomic"))]
    assert "native" in fig.get_supxlabel()
    missing = pd.DataFrame([ch04._litmus_row("sb", True, "arm64", "not run: qemu-aarch64 is not installed")])
    texts = [t.get_text() for t in ch04.plot_litmus(missing).axes[0].texts]
    assert any("not installed" in t for t in texts)
    out = ch04.plot_outcomes(native, "SB", "atomic")
    assert [t.get_text() for t in out.axes[0].get_xticklabels()] == ["(0,0)", "(0,1)", "(1,0)", "(1,1)"]
    assert "not run" in ch04.plot_outcomes(native.iloc[:0], "SB", "atomic").axes[0].texts[0].get_text()


def test_myth_reading_zero_is_false(native):
    """Is 2.4-f false: atomic SB has many legal rounds where a load read 0, and no forbidden one?"""
    m = ch04.myth_reading_zero(native)
    assert m.verdict == "false"
    assert int(m.evidence["one load read 0: (0,1) + (1,0)"].replace(",", "")) > 0
    assert m.evidence["both read 0: (0,0), forbidden for atomics"] == "0"


def test_myth_reading_zero_is_computed_and_needs_a_run(native):
    """Would a run with no zero reads give "true", and does a table without an atomic SB run raise?"""
    fake = native.copy()
    sb = (fake["test"] == "SB") & (fake["accesses"] == "atomic")
    fake.loc[sb, ["(0,1)", "(1,0)"]] = 0
    assert ch04.myth_reading_zero(fake).verdict == "true"
    with pytest.raises(ValueError, match="SB run with atomic"):
        ch04.myth_reading_zero(native[native["test"] == "MP"])


def test_question_plain_sb_reveals_sometimes_or_never():
    """Does the SB prediction run the experiment and report the live count?"""
    q = ch04.question_plain_sb(200_000)
    q.control.value = ch04.SB_OPTIONS[2]
    assert q.check() is False and "appeared in" in q.feedback.value


# -- -race -----------------------------------------------------------------------------------


def test_parse_race_reads_counts_places_and_the_first_report():
    """Does parse_race() count reports and list each racing function once?"""
    text = ("==================\nWARNING: DATA RACE\nWrite at 0x00c000120cc0 by goroutine 9:\n  main.sbPlain()\n"
            "      main.go:24 +0x30\n\nPrevious read at 0x00c000120cc0 by goroutine 8:\n  main.sbPlain()\n"
            "      main.go:24 +0x48\n==================\nFound 1 data race(s)\n")
    r = ch04.parse_race(text)
    assert r["warnings"] == 1 and r["found"] == 1 and r["where"] == ["main.sbPlain (main.go:24)"]
    assert r["first"].startswith("WARNING: DATA RACE")
    assert ch04.parse_race("") == {"warnings": 0, "found": None, "where": [], "first": ""}


@needs_cc
def test_race_table_flags_plain_and_not_atomic():
    """Does -race flag the plain SB (exit 66, in sbPlain) and report nothing for the atomic one?"""
    race = ch04.race_table(rounds=200)
    plain, atomic = race.iloc[0], race.iloc[1]
    assert plain["races reported"] >= 1 and plain["exit status"] == 66 and "main.sbPlain" in plain["racing accesses"]
    assert plain["verdict"] == "data race detected"
    assert atomic["races reported"] == 0 and atomic["exit status"] == 0 and atomic["verdict"] == "no race reported"
    md = ch04.race_report(race).data
    assert "WARNING: DATA RACE" in md and "```" in md
    assert "reported nothing" in ch04.race_report(race, "SB atomic").data


def test_race_table_without_a_c_compiler(monkeypatch):
    """Without a C compiler, does race_table() say why nothing ran instead of failing?"""
    monkeypatch.setattr(ch04, "c_compiler", lambda: None)
    race = ch04.race_table(rounds=10)
    assert race["verdict"].str.contains("no C compiler").all() and race["races reported"].isna().all()


# -- emulation -------------------------------------------------------------------------------


@needs_qemu("aarch64")
def test_emulation_table_runs_arm64_under_qemu_and_reports_counts():
    """Do the arm64 runs go through qemu-aarch64 and report complete counts (whatever they are)?"""
    emu = ch04.emulation_table(rounds=20_000, plan=(("arm64", (("sb", True), ("mp", False))),))
    assert list(emu["ran"]) == ["qemu-aarch64", "qemu-aarch64"]
    for _, row in emu.iterrows():
        assert row["(0,0)"] + row["(0,1)"] + row["(1,0)"] + row["(1,1)"] == row["rounds"] > 0
    assert "emulated (qemu-aarch64)" in emu.attrs["label"]
    note = ch04.emulation_note(emu).data
    assert "qemu-aarch64" in note and "cannot tell you" in note


def test_emulation_note_follows_the_measurement():
    """Does the note say what was measured: forbidden outcomes shown, none shown, or qemu missing?"""
    def frame(ran, weak, mp_weak=0):
        rows = [ch04._litmus_row("sb", True, "arm64", ran), ch04._litmus_row("mp", False, "arm64", ran)]
        if weak is not None:
            rows[0].update({"rounds": 1000, "weak count": weak})
            rows[1].update({"rounds": 1000, "weak count": mp_weak})
        return pd.DataFrame(rows)

    shown = ch04.emulation_note(frame("qemu-aarch64", 7)).data
    assert "showed the forbidden outcome 7 times in 1,000 rounds" in shown and "cannot show it" in shown
    none = ch04.emulation_note(frame("qemu-aarch64", 0, mp_weak=3)).data
    assert "no forbidden outcome" in none and "does not make the emulator trustworthy" in none
    assert "3 times" in none
    missing = ch04.emulation_note(frame("not run: linux/arm64 runs under qemu-aarch64, which is not installed",
                                        None)).data
    assert "did not happen here" in missing and "not installed" in missing
    native = ch04.emulation_note(frame("native", 0)).data
    assert "runs arm64 natively" in native


@needs_qemu("aarch64")
@x86_host
def test_qemu_translation_shows_where_qemu_put_the_fences():
    """Does qemu's own log give host code for STLR and LDAR, each with a fence and its guest memory access?"""
    t = ch04.qemu_translation()
    guest = list(t["guest instruction"])
    assert any(g.startswith("stlr") for g in guest) and any(g.startswith("ldar") for g in guest)
    stlr = t[t["guest instruction"].str.startswith("stlr")]["host code that matters"].iloc[0]
    ldar = t[t["guest instruction"].str.startswith("ldar")]["host code that matters"].iloc[0]
    assert "[guest store]" in stlr and "[barrier]" in stlr
    assert "[guest load]" in ldar and "[barrier]" in ldar
    assert "qemu-aarch64" in t.attrs["label"]


def test_qemu_translation_without_the_emulator(monkeypatch):
    """Without qemu, does qemu_translation() return an empty table with a note instead of failing?"""
    monkeypatch.setattr("goenv.runners.find_qemu", lambda arch: None)
    t = ch04.qemu_translation()
    assert t.empty and "not installed" in t.attrs["note"]


def test_host_kind_classifies_tcg_output():
    """Are lock-prefixed ops fences, and moves through non-env registers guest loads/stores?"""
    assert ch04._host_kind("lock orl $0, (%rsp)") == "barrier"
    assert ch04._host_kind("movq %rbx, (%r12)") == "guest store"
    assert ch04._host_kind("movq (%r12), %rbx") == "guest load"
    assert ch04._host_kind("movq 0x40(%rbp), %rbx") is None  # qemu's CPU state, not guest memory
    assert ch04._host_kind("shlq $8, %r12") is None


def test_question_validate_under_qemu():
    """Is "it runs, nothing about ordering" the right answer?"""
    q = ch04.question_validate_under_qemu()
    q.control.value = q.control.options[1]
    assert q.check() is True


# -- 2.4-c: alignment ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def align():
    return ch04.align_table()


def test_align_table_panics_on_386_not_on_amd64(align):
    """Is the uint64 field at offset 8 and fine on amd64, at 4 and panicking on 386, and atomic.Uint64 fine on both?"""
    amd64 = align[align["target"] == "linux/amd64"].iloc[0]
    i386 = align[align["target"] == "linux/386"].iloc[0]
    assert amd64["offsetof(S.count)"] == 8 and amd64["plain uint64 field"] == "AddUint64 ok"
    assert i386["pointer bits"] == 32 and i386["offsetof(S.count)"] == 4
    assert i386["plain uint64 field"] == "panic: unaligned 64-bit atomic operation"
    assert (align["offsetof(T.count)"] == 8).all() and (align["atomic.Uint64 field"] == "Add ok").all()


@needs_qemu("arm")
def test_align_table_panics_on_arm_under_qemu(align):
    """Does linux/arm (under qemu-arm) panic on the misaligned field too?"""
    arm = align[align["target"] == "linux/arm"].iloc[0]
    assert arm["ran"] == "qemu-arm" and arm["plain uint64 field"] == "panic: unaligned 64-bit atomic operation"


def test_myth_alignment_is_misleading(align):
    """Is 2.4-c misleading: right on 64-bit targets, a panic on 32-bit ones?"""
    m = ch04.myth_alignment(align)
    assert m.verdict == "misleading"
    assert "panic" in m.evidence["linux/386 (native (32-bit))"]


def test_myth_alignment_verdicts_follow_the_evidence(align):
    """Would all-fine runs give "true", a 64-bit panic "false", and no 32-bit run fall back to the doc?"""
    fine = align.copy()
    fine["plain uint64 field"] = "AddUint64 ok"
    assert ch04.myth_alignment(fine).verdict == "true"
    broken = align.copy()
    broken.loc[broken["target"] == "linux/amd64", "plain uint64 field"] = "panic: unaligned 64-bit atomic operation"
    assert ch04.myth_alignment(broken).verdict == "false"
    only64 = align[align["pointer bits"] == 64]
    m = ch04.myth_alignment(only64)
    assert m.verdict == "misleading" and "caller's responsibility" in m.evidence["sync/atomic doc (this toolchain)"]


def test_question_offset_386_measures_the_offset():
    """Does the numeric question accept the live offset (4) and reject 8?"""
    q = ch04.question_offset_386()
    q.control.value = 8
    assert q.check() is False
    q.control.value = 4
    assert q.check() is True and "measured: 4" in q.feedback.value


def test_fix_diff_rewrites_the_counter_to_atomic_uint64():
    """Does go fix -diff propose atomic.Uint64 and methods for the counter, and say so when nothing changes?"""
    md = ch04.fix_diff().data
    assert "+\thits  atomic.Uint64" in md and "c.hits.Add(1)" in md and "/tmp" not in md
    assert "proposes no change" in ch04.fix_diff("package main\n\nfunc main() {}\n").data


# -- 2.4-d: benchmarks ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bench():
    return ch04.atomic_bench(2, "10ms")


def test_atomic_bench_reports_every_operation(bench):
    """Does the native benchmark report each operation with min <= median <= max, and memoize?"""
    assert list(bench["operation"]) == list(ch04.BENCH_NAMES.values())
    assert (bench["min ns"] > 0).all() and (bench["min ns"] <= bench["median ns"]).all()
    assert (bench["median ns"] <= bench["max ns"]).all() and (bench["runs"] == 2).all()
    assert bench.attrs["label"].endswith("native") and not bench.attrs["note"]
    again = ch04.atomic_bench(2, "10ms")
    pd.testing.assert_frame_equal(again, bench)


@needs_qemu("aarch64")
def test_atomic_bench_under_qemu_is_labelled_emulated():
    """Does the arm64 benchmark run under qemu-aarch64 and say that its numbers are not ARM timings?"""
    emu = ch04.atomic_bench(1, "5ms", goarch="arm64")
    assert (emu["ran"] == "qemu-aarch64").all() and len(emu) == len(ch04.BENCH_NAMES)
    assert "not ARM timings" in emu.attrs["caption"] and "emulated" in emu.attrs["label"]
    fig = ch04.bench_chart(ch04.atomic_bench(2, "10ms"), emu)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        f"linux/{HOST} native", "linux/arm64 under qemu-aarch64"]


def test_atomic_bench_without_the_emulator(monkeypatch):
    """Without qemu, is the arm64 table empty with a note, and does the chart still draw the native one?"""
    monkeypatch.setattr("goenv.runners.find_qemu", lambda arch: None)
    emu = ch04.atomic_bench(1, "5ms", goarch="riscv64")
    assert emu.empty and "not installed" in emu.attrs["note"]
    assert ch04.bench_chart(emu).axes[0].texts[0].get_text() == "no benchmark results"


def _bench_frame(load: float, store: float) -> pd.DataFrame:
    rows = [{"operation": op, "GOARCH": "amd64", "ran": "native", "median ns": v, "min ns": v, "max ns": v,
             "runs": 1} for op, v in (("atomic.LoadUint64", load), ("atomic.StoreUint64", store))]
    return pd.DataFrame(rows)


def test_myth_latency_verdict_is_computed():
    """Is the verdict "invented figure" when Load or the Store/Load ratio is far off, "misleading" when both match?"""
    assert ch04.myth_latency(_bench_frame(0.3, 4.5)).verdict == "invented figure"
    assert ch04.myth_latency(_bench_frame(3.5, 4.4)).verdict == "misleading"
    # A busy machine inflates both: Load near 3.8 ns but Store eight times dearer still fails to reproduce.
    assert ch04.myth_latency(_bench_frame(3.0, 25.0)).verdict == "invented figure"
    with pytest.raises(ValueError):
        ch04.myth_latency(_bench_frame(0.3, 4.5).iloc[1:])


def test_myth_latency_on_the_real_benchmark(bench):
    """Does the real measurement give a verdict with the measured figures in the evidence?"""
    m = ch04.myth_latency(bench)
    assert m.verdict in ("invented figure", "misleading")
    assert "ns" in m.evidence[f"measured, {HOST} atomic.LoadUint64 (fastest run)"]
    assert m.label == bench.attrs["label"]


def test_question_load_vs_store_answers_from_the_benchmark():
    """Does the load-vs-store prediction's reveal name one option and quote the live medians?"""
    right, details = ch04.load_store_reveal(2, "10ms")
    assert right in ch04.LOAD_STORE_OPTIONS and "median atomic.LoadUint64" in details


def test_emulation_section_without_qemu(monkeypatch):
    """Without any qemu, do the emulated tables, plot, note and benchmark say so instead of failing?"""
    monkeypatch.setattr("goenv.runners.find_qemu", lambda arch: None)
    emu = ch04.emulation_table(rounds=1000)
    assert len(emu) == 7 and emu["ran"].str.startswith("not run").all() and emu["weak count"].isna().all()
    assert "not installed" in emu.iloc[0]["ran"]
    ch04.show(emu).to_html()
    texts = [t.get_text() for t in ch04.plot_litmus(emu).axes[0].texts]
    assert len(texts) == 7 and all("not installed" in t for t in texts)
    assert "did not happen here" in ch04.emulation_note(emu).data
    bench = ch04.atomic_bench(1, "5ms", goarch="arm64")
    assert bench.empty and "not installed" in bench.attrs["note"]
    ch04.show(bench).to_html()
    arm = ch04.align_table(targets=("linux/arm",)).iloc[0]
    assert arm["ran"].startswith("not run") and pd.isna(arm["offsetof(S.count)"])
