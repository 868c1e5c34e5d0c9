"""Tests for goenv.disasm: objdump parsing, atomic classification and per-line alignment."""

from __future__ import annotations

from pathlib import Path

import pytest

from goenv.disasm import (
    DisassemblyError,
    FunctionNotFound,
    Instruction,
    align_by_line,
    classify,
    decode_arm64_lse,
    disassemble,
    function_regex,
    instructions_frame,
    mark_atomic,
    parse_objdump,
)
from goenv.errors import InvalidOption
from goenv.toolchain import default

# Line numbers matter: the tests look for the store on line 13 and the load on line 14.
ATOMICS = """package main

import (
	"fmt"
	"sync/atomic"
)

var x uint64
var y uint32

//go:noinline
func f() uint64 {
	atomic.StoreUint64(&x, 1)
	v := atomic.LoadUint64(&x)
	return v
}

//go:noinline
func g() uint64 {
	a := atomic.AddUint64(&x, 2)
	atomic.CompareAndSwapUint64(&x, 3, 4)
	return a + uint64(atomic.SwapUint32(&y, 5))
}

func small() int { return 42 }

func main() { fmt.Println(f(), g(), small()) }
"""
STORE_LINE, LOAD_LINE, ADD_LINE = 13, 14, 20


@pytest.fixture(scope="session")
def binaries(tmp_path_factory) -> dict[str, Path]:
    """The atomics program built for amd64, arm64 and wasm (linux, js)."""
    tc = default()
    src = tmp_path_factory.mktemp("disasm")
    (src / "go.mod").write_text("module example.com/atomics\n\ngo 1.22\n")
    (src / "main.go").write_text(ATOMICS)
    out = {}
    for goos, goarch in [("linux", "amd64"), ("linux", "arm64"), ("js", "wasm")]:
        path = src / f"atomics-{goarch}"
        res = tc.run_go(["build", "-o", str(path), "."], cwd=src,
                        env={"GOOS": goos, "GOARCH": goarch, "CGO_ENABLED": "0"})
        assert res.returncode == 0, res.stderr
        out[goarch] = path
    return out


def _on_line(rows: list[Instruction], line: int) -> list[Instruction]:
    return [r for r in rows if r.line == line]


def test_amd64_store_is_xchg_load_is_plain_mov(binaries):
    """On amd64, is atomic.StoreUint64 an XCHGQ and atomic.LoadUint64 a plain, unmarked MOVQ?"""
    rows = disassemble(binaries["amd64"], "main.f")
    store, load = _on_line(rows, STORE_LINE), _on_line(rows, LOAD_LINE)
    xchg = [r for r in store if r.mnemonic == "XCHGQ"]
    assert len(xchg) == 1 and mark_atomic(xchg[0], "amd64")
    assert [r.mnemonic for r in load] == ["MOVQ"]
    assert not mark_atomic(load[0], "amd64")


def test_arm64_store_is_stlr_load_is_ldar(binaries):
    """On arm64, are the store and the load the release/acquire instructions STLR and LDAR?"""
    rows = disassemble(binaries["arm64"], "main.f")
    assert [r.mnemonic for r in _on_line(rows, STORE_LINE) if mark_atomic(r, "arm64")] == ["STLR"]
    assert [r.mnemonic for r in _on_line(rows, LOAD_LINE) if mark_atomic(r, "arm64")] == ["LDAR"]


def test_rows_carry_function_file_path_address_and_encoding(binaries):
    """Does each row have the function, basename, full path, line, int address and hex opcode?"""
    rows = disassemble(binaries["amd64"], "main.f")
    first = rows[0]
    assert first.function == "main.f"
    assert first.file == "main.go" and first.path == str(binaries["amd64"].parent / "main.go")
    assert isinstance(first.address, int) and first.address > 0
    assert all(int(r.opcode, 16) >= 0 for r in rows)
    assert [r.address for r in rows] == sorted(r.address for r in rows)
    assert rows[-1].mnemonic == "RET"


def test_inlined_rows_get_paths_from_addr2line(binaries):
    """Do rows inlined from another file (fmt.Println into main.main) get that file's full path?"""
    rows = disassemble(binaries["amd64"], "main.main")
    assert all(r.path for r in rows)
    others = [r for r in rows if r.file != "main.go"]
    assert others and all(r.path.endswith("/" + r.file) for r in others)


def test_arm64_lse_atomics_are_decoded(binaries):
    """Are the LSE atomics objdump prints as '?' (atomic.AddUint64's fast path) decoded and flagged?"""
    rows = disassemble(binaries["arm64"], "main.g")
    decoded = {r.decoded for r in rows if r.decoded}
    assert {"LDADDALD", "CASALD", "SWPALW"} <= decoded
    ldadd = next(r for r in rows if r.decoded == "LDADDALD")
    assert ldadd.text == "?" and ldadd.line == ADD_LINE and classify(ldadd, "arm64") == "atomic"
    assert ldadd.display == "LDADDALD (?)"


def test_align_by_line(binaries):
    """Do amd64 and arm64 line up by source line, XCHGQ beside STLR and MOVQ beside LDAR?"""
    rows = {arch: disassemble(binaries[arch], "main.f") for arch in ("amd64", "arm64")}
    table = align_by_line(rows, mark=True)
    assert list(table.columns) == ["file", "line", "amd64", "arm64"]
    assert table["line"].is_unique and list(table["line"]) == sorted(table["line"])
    store = table.set_index("line").loc[STORE_LINE]
    load = table.set_index("line").loc[LOAD_LINE]
    assert "*XCHGQ" in store["amd64"] and "*STLR" in store["arm64"]
    assert "MOVQ main.x(SB), AX" in load["amd64"] and "*" not in load["amd64"]
    assert "*LDAR" in load["arm64"]
    assert "?" not in " ".join(table["arm64"])  # zero padding after RET is left out


def test_regex_matches_several_functions(binaries):
    """Is a regex passed through, returning the rows of every function it matches?"""
    rows = disassemble(binaries["amd64"], r"^main\.(f|g)$")
    assert {r.function for r in rows} == {"main.f", "main.g"}


def test_inlined_function_not_found(binaries):
    """Does asking for a function the compiler inlined away raise FunctionNotFound suggesting //go:noinline?"""
    with pytest.raises(FunctionNotFound, match="go:noinline") as err:
        disassemble(binaries["amd64"], "main.small")
    assert isinstance(err.value, LookupError)


def test_not_found_suggests_similar_names(binaries):
    """Does a misspelt name get close matches from the symbol table?"""
    with pytest.raises(FunctionNotFound, match=r"Similar functions: .*main\.main"):
        disassemble(binaries["amd64"], "main.mian")


def test_wasm_cannot_be_disassembled(binaries):
    """Does a wasm module raise DisassemblyError with an explanation instead of an empty list?"""
    with pytest.raises(DisassemblyError, match="WebAssembly"):
        disassemble(binaries["wasm"], "main.f")


def test_missing_binary(tmp_path):
    """Does a missing binary raise FileNotFoundError?"""
    with pytest.raises(FileNotFoundError):
        disassemble(tmp_path / "nope", "main.f")


def test_instructions_frame(binaries):
    """Does the DataFrame view carry every field plus a kind column?"""
    rows = disassemble(binaries["amd64"], "main.f")
    frame = instructions_frame(rows, "amd64")
    assert {"function", "file", "path", "line", "address", "opcode", "text", "decoded", "kind"} <= set(frame.columns)
    assert (frame["kind"] == "atomic").sum() == 1


# -- pure functions ----------------------------------------------------------------

SAMPLE = (
    "TEXT main.f(SB) /src/main.go\n"
    "  main.go:13\t\t0x499de0\t\tb901000000\t\tMOVL $0x1, CX\t\t\n"
    "  main.go:13\t\t0x499dec\t\t48870a\t\t\tXCHGQ CX, 0(DX)\t\t\n"
    "  atomic.go:20\t\t0x499def\t\t488b05c2930f00\t\tMOVQ main.x(SB), AX\t\n"
    "\n"
    "TEXT slices.F[go.shape.struct { X int }](SB) /go/src/slices/sort.go\n"
    "  sort.go:7\t\t0xa1fe8\t\t\t00000000\t\t?\t\t\n"
)


def test_parse_objdump_sample():
    """Are headers (even with spaces in generic names) and tab-separated rows parsed field by field?"""
    rows = parse_objdump(SAMPLE, goarch="arm64")
    assert [r.function for r in rows] == ["main.f"] * 3 + ["slices.F[go.shape.struct { X int }]"]
    assert rows[1] == Instruction("main.f", "main.go", "/src/main.go", 13, 0x499DEC, "48870a", "XCHGQ CX, 0(DX)")
    assert rows[2].path is None  # another file: only addr2line knows its directory
    assert rows[3].is_padding and rows[3].path == "/go/src/slices/sort.go"


def test_parse_objdump_rejects_garbage():
    """Does an unexpected line raise ParseError rather than being skipped silently?"""
    from goenv.errors import ParseError

    with pytest.raises(ParseError):
        parse_objdump("TEXT main.f(SB) /x.go\nthis is not objdump\n")


@pytest.mark.parametrize("func,regex", [
    ("main.f", r"^main\.f$"),
    ("main.(*T).m", r"^main\.\(\*T\)\.m$"),
    (r"^main\.", r"^main\."),
    ("main.f.*", "main.f.*"),
])
def test_function_regex(func, regex):
    """Are plain names escaped and anchored, and regexes left alone?"""
    assert function_regex(func) == regex


@pytest.mark.parametrize("goarch,text,kind", [
    ("amd64", "XCHGQ CX, 0(DX)", "atomic"),
    ("amd64", "XCHGQ AX, BX", None),
    ("amd64", "LOCK XADDQ CX, 0(DX)", "atomic"),
    ("amd64", "LOCK CMPXCHGQ BX, 0(DX)", "atomic"),
    ("amd64", "MFENCE", "barrier"),
    ("amd64", "MOVQ main.x(SB), AX", None),
    ("386", "LOCK ORL SI, 0(BX)", "atomic"),
    ("arm64", "STLR R1, (R2)", "atomic"),
    ("arm64", "LDARW (R2), R0", "atomic"),
    ("arm64", "LDAXR (R2), R3", "atomic"),
    ("arm64", "STLXRW R1, (R2), R27", "atomic"),
    ("arm64", "CASALD R4, (R2), R27", "atomic"),
    ("arm64", "SWPALW R1, (R2), R4", "atomic"),
    ("arm64", "LDADDALD R1, (R2), R3", "atomic"),
    ("arm64", "DMB $0xb", "barrier"),
    ("arm64", "ISB $15", "barrier"),
    ("arm64", "MOVD (R2), R0", None),
    ("arm64", "CSET EQ, R5", None),
    ("riscv64", "AMOSWAPD X9, (X11), X0", "atomic"),
    ("riscv64", "LRD (X11), X10", "atomic"),
    ("riscv64", "SCD X11, (X10), X31", "atomic"),
    ("riscv64", "FENCE", "barrier"),
    ("riscv64", "SD X9, (X11)", None),
    ("ppc64le", "LWSYNC", "barrier"),
    ("ppc64le", "HWSYNC", "barrier"),
    ("ppc64le", "ISYNC", "barrier"),
    ("ppc64", "SYNC", "barrier"),
    ("ppc64le", "LDAR (R4),R5", "atomic"),
    ("ppc64le", "STDCCC R5,(R4)(R0)", "atomic"),
    ("ppc64le", "MOVD 0(R4),R3", None),
    ("s390x", "SYNC", "barrier"),
    ("s390x", "CSG R0, R2, (R1)", "atomic"),
    ("s390x", "LAAG R2, R2, (R1)", "atomic"),
    ("s390x", "MOVD R0, (R1)", None),
    ("loong64", "DBAR", "barrier"),
    ("loong64", "AMSWAPDBV R5, (R6), R0", "atomic"),
    ("loong64", "LLV 0(R6), R30", "atomic"),
    ("loong64", "ADDV R5, R7", None),
    ("arm", "DMB MB_ISH", "barrier"),
    ("arm", "LDREX (R1), R2", "atomic"),
    ("mips64le", "SYNC", "barrier"),
])
def test_classify(goarch, text, kind):
    """Which instructions count as atomic or barrier on each architecture?"""
    assert classify(text, goarch) == kind


def test_classify_unknown_goarch():
    """Is an unknown GOARCH an InvalidOption, not a silent 'not atomic'?"""
    with pytest.raises(InvalidOption):
        classify("NOP", "vax")


@pytest.mark.parametrize("word,name", [
    (0xF8E10043, "LDADDALD"),
    (0xC8FBFC44, "CASALD"),
    (0xB8E18044, "SWPALW"),
    (0xB8E13045, "LDORALW"),
    (0xF8210043, "LDADDD"),
    (0xC89FFC41, None),  # STLR: objdump decodes it, it is not an LSE op
    (0x00000000, None),
])
def test_decode_arm64_lse(word, name):
    """Are ARMv8.1 LSE encodings named in Go's spelling (operation + ordering + size)?"""
    assert decode_arm64_lse(word) == name
