"""Tests for goenv.widgets.disasm_view: one function for several GOARCH values, side by side."""

from __future__ import annotations

import re

from goenv.disasm import Instruction
from goenv.widgets import DisasmCompare, disasm_compare
from goenv.widgets.disasm_view import GOARCHES, render_html, symbol_name

# The store is on line 12; the tests look for its source text in the first column.
STORE = """package main

import (
	"fmt"
	"sync/atomic"
)

var x uint64

//go:noinline
func store(v uint64) {
	atomic.StoreUint64(&x, v)
}

func main() {
	store(42)
	fmt.Println(atomic.LoadUint64(&x))
}
"""


def assert_usable(d: DisasmCompare) -> None:
    """The widget is idle and ready for the next click."""
    assert not d.busy
    assert not d.button.disabled and not d.func_text.disabled
    assert not any(box.disabled for box in d.arch_boxes.values())
    assert d.spinner.layout.visibility == "hidden"


def highlighted(html: str, kind: str) -> list[str]:
    """The instruction texts the table highlights as ``kind``."""
    return re.findall(rf"<span class='goenv-insn goenv-{kind}'[^>]*>([^<]*)</span>", html)


def test_store_uint64_is_xchg_on_amd64_and_stlr_on_arm64():
    """Does the table show XCHGQ (amd64) and STLR (arm64) for atomic.StoreUint64, highlighted as atomic?"""
    d = disasm_compare(STORE, "store", autorun=False)
    assert d.frame.empty
    d.button.click()
    assert d.wait(timeout=120)
    assert_usable(d)
    assert d.error is None
    assert list(d.frame.columns) == ["file", "line", "amd64", "arm64"]
    assert set(d.rows) == {"amd64", "arm64"} and all(isinstance(i, Instruction) for i in d.rows["amd64"])
    line = d.frame.set_index("line").loc[12]
    assert "XCHGQ" in line["amd64"] and "STLR" in line["arm64"]
    atomic = highlighted(d.table.value, "atomic")
    assert any(t.startswith("XCHGQ") for t in atomic) and any(t.startswith("STLR") for t in atomic)
    assert "style='background: #ffe0b2" in d.table.value  # inline style too, not only a class
    # The source line is shown next to its instructions, from the program's own file.
    assert "main.go:12</span>  atomic.StoreUint64(&amp;x, v)" in d.table.value
    assert "amd64<br><span" in d.table.value and "arm64<br><span" in d.table.value


def test_more_architectures_from_the_check_boxes():
    """Do ticked boxes add columns, with riscv64's AMOSWAPD atomic and ppc64le's HWSYNC barrier?"""
    d = DisasmCompare(STORE, "main.store", ("amd64",))
    d.arch_boxes["riscv64"].value = True
    d.arch_boxes["ppc64le"].value = True
    d.run()
    assert d.wait(timeout=120)
    assert list(d.frame.columns) == ["file", "line", "amd64", "riscv64", "ppc64le"]
    assert any(t.startswith("AMOSWAPD") for t in highlighted(d.table.value, "atomic"))
    assert "HWSYNC" in highlighted(d.table.value, "barrier")


def test_missing_function_suggests_noinline_and_leaves_the_button_enabled():
    """Does asking for a function that is not in the binary explain //go:noinline, without getting stuck?"""
    d = disasm_compare(STORE, "nothere", autorun=False)
    d.button.click()
    assert d.wait(timeout=120)
    assert_usable(d)
    assert "//go:noinline" in d.error and "//go:noinline" in d.error_html.value
    assert "main.store" in d.error  # the similar name the binary does have
    assert d.error.startswith("amd64, arm64: ")  # one message for both architectures, not two
    assert set(d.errors) == {"amd64", "arm64"}
    assert d.frame.empty and d.rows == {} and d.table.value == ""
    # Fixing the name and clicking again works.
    d.func_text.value = "store"
    d.button.click()
    assert d.wait(timeout=120)
    assert d.error is None and not d.frame.empty


def test_invalid_options_show_their_message():
    """Does a GoEnvError (cgo='on') appear as its own message, leaving the widget usable?"""
    d = disasm_compare(STORE, "store", options={"cgo": "on"})
    assert d.wait(timeout=60)
    assert_usable(d)
    assert "CGO_ENABLED" in d.error and d.rows == {}


def test_compile_error_and_empty_inputs_are_messages():
    """Are a compile error, an empty function name and no GOARCH all messages rather than exceptions?"""
    d = disasm_compare("package main\nfunc main() { undefined() }\n", "main.main")
    assert d.wait(timeout=60)
    assert "undefined: undefined" in d.error
    d.func_text.value = "  "
    d.button.click()
    assert d.wait(timeout=10)
    assert "name of a function" in d.error
    d.func_text.value = "main"
    for box in d.arch_boxes.values():
        box.value = False
    d.button.click()
    assert d.wait(timeout=10)
    assert "at least one GOARCH" in d.error
    assert_usable(d)


def test_symbol_names_and_offered_arches():
    """Is a bare name taken as main.<name>, and are qualified names and regexes left alone?"""
    assert symbol_name(" f ") == "main.f"
    assert symbol_name("main.(*T).m") == "main.(*T).m"
    assert symbol_name("^main\\.") == "^main\\."
    assert symbol_name("") == ""
    assert GOARCHES == ("amd64", "arm64", "riscv64", "ppc64le", "s390x", "loong64", "386", "arm")
    assert render_html({"amd64": []}).count("<tr class='goenv-disasm-line'>") == 0
