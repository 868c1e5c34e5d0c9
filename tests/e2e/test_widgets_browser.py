"""End to end: the widgets in a real browser — Notebook 7, a kernel restart, and every widget rendering."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from labdriver import (cell, cell_output, open_and_run_all, restart_and_run_all, save_screenshot, type_into_editor,
                       wait_for_text, widget_errors, write_notebook)

HELLO_LINES = ["package main", "", 'import "fmt"', "", "func main() {", 'fmt.Println("hello from notebook", 6*7)', "}"]

# The kernel's pid is baked into the program, so output from before and after a restart differ.
RESTART_CELLS = [
    "import os\nfrom goenv.widgets import playground\n"
    "src = 'package main\\n\\nimport \"fmt\"\\n\\nfunc main() { fmt.Println(\"run in kernel\", PID) }\\n'\n"
    "pg = playground(src.replace('PID', str(os.getpid())))\npg",
]

# 64-bit atomics: XCHGQ on amd64, STLR on arm64, AMOSWAPD on riscv64.
ATOMIC_SRC = '''package main

import (
	"fmt"
	"sync/atomic"
)

var ready int64

//go:noinline
func store(v int64) { atomic.StoreInt64(&ready, v) }

func main() {
	store(1)
	fmt.Println(atomic.LoadInt64(&ready))
}
'''

CPU_SRC = '''package main

import (
	"fmt"
	"sync"
)

func spin(n int) (s int) {
	for i := 0; i < n; i++ {
		s += i % 7
	}
	return s
}

func main() {
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() { defer wg.Done(); fmt.Println(spin(150_000_000)) }()
	}
	wg.Wait()
}
'''

WIDGET_CELLS = [
    "from goenv.widgets import target_matrix, disasm_compare, trace_plot\n"
    f"ATOMIC_SRC = {ATOMIC_SRC!r}\nCPU_SRC = {CPU_SRC!r}\n"
    "HELLO = 'package main\\n\\nimport \"fmt\"\\n\\nfunc main() { fmt.Println(\"hello\") }\\n'",
    'm = target_matrix(HELLO, targets=["linux/amd64", "linux/arm64", "windows/amd64", "js/wasm"], autorun=True)\nm',
    'd = disasm_compare(ATOMIC_SRC, "main.store", goarches=("amd64", "arm64", "riscv64"), autorun=True)\nd',
    't = trace_plot(CPU_SRC, godebug="schedtrace=50", gomaxprocs=2)\nt',
    "assert m.wait(120) and d.wait(120) and t.wait(120)\n"
    "print('widgets done:', len(m.frame), 'targets,', len(d.rows), 'arches,', len(t.samples), 'samples')",
]


def assert_no_widget_errors(page, console_errors):
    assert page.get_by_text("Error displaying widget").count() == 0
    assert not widget_errors(console_errors), widget_errors(console_errors)


def test_notebook7_playground_runs_typed_code(lab_server, page, console_errors):
    """Does the playground work in the classic-style Notebook 7 UI, not only in JupyterLab?"""
    base, token, root = lab_server
    write_notebook(root, "nb7.ipynb", ["from goenv.widgets import playground\nplayground('package main\\n')"])
    open_and_run_all(page, base, token, "nb7.ipynb", ui="notebook")
    # The Notebook 7 page, not JupyterLab: its own shell, no JupyterLab launcher.
    assert "/notebooks/nb7.ipynb" in page.url
    assert page.locator(".jp-LabShell").count() == 0
    editor = page.locator(".goenv-playground .cm-content")
    editor.wait_for(timeout=60_000)
    type_into_editor(page, editor, HELLO_LINES)
    page.locator(".goenv-playground .goenv-run").click()
    wait_for_text(page.locator(".goenv-playground .jp-OutputArea-output"), "hello from notebook 42")
    expect(page.locator(".goenv-playground .goenv-status")).to_contain_text("exited normally", timeout=30_000)
    save_screenshot(page, "e2e-notebook7-playground.png")
    assert_no_widget_errors(page, console_errors)


def test_playground_works_after_kernel_restart(lab_server, page, console_errors):
    """After Restart Kernel and Run All, is there one fresh playground whose Run button works?"""
    base, token, root = lab_server
    write_notebook(root, "restart.ipynb", RESTART_CELLS)
    open_and_run_all(page, base, token, "restart.ipynb")
    widget = page.locator(".goenv-playground")
    widget.locator(".cm-content").wait_for(timeout=60_000)
    widget.locator(".goenv-run").click()
    text = wait_for_text(widget.locator(".jp-OutputArea-output"), r"run in kernel \d+")
    old_pid = re.search(r"run in kernel (\d+)", text).group(1)

    restart_and_run_all(page)
    # The new kernel's widget carries the new pid in its editor; the old view is gone with its output.
    fresh = widget.filter(has=page.locator(".cm-content", has_text=re.compile(rf'run in kernel", (?!{old_pid}\b)\d+')))
    fresh.wait_for(timeout=90_000)
    expect(widget).to_have_count(1)
    new_pid = re.search(r"run in kernel\", (\d+)", widget.locator(".cm-content").inner_text()).group(1)
    assert new_pid != old_pid
    expect(widget.locator(".jp-OutputArea-output")).to_have_count(0)  # a fresh widget: no output yet
    widget.locator(".goenv-run").click()
    wait_for_text(widget.locator(".jp-OutputArea-output"), f"run in kernel {new_pid}")
    expect(widget.locator(".goenv-status")).to_contain_text("exited normally", timeout=30_000)
    assert old_pid not in widget.inner_text()
    save_screenshot(page, "e2e-restart-playground.png")
    assert_no_widget_errors(page, console_errors)


def test_every_widget_renders_without_errors(lab_server, page, console_errors):
    """Do the target matrix, the disassembly comparison and the trace plot all render their results?"""
    base, token, root = lab_server
    write_notebook(root, "widgets.ipynb", WIDGET_CELLS)
    open_and_run_all(page, base, token, "widgets.ipynb")
    wait_for_text(cell_output(page, 4), r"widgets done: 4 targets, 3 arches, \d+ samples", timeout=150_000)

    matrix = cell_output(page, 1)
    table = matrix.locator("table")
    for fmt in ("ELF", "PE", "wasm"):
        expect(table.locator("td", has_text=re.compile(rf"^{fmt}$"))).not_to_have_count(0)
    expect(table).to_contain_text("qemu-aarch64")  # linux/arm64 ran under emulation
    expect(matrix.locator("img")).to_be_visible()  # the size chart
    expect(matrix.locator(".widget-button", has_text="Build all")).to_be_enabled()

    disasm = cell_output(page, 2)
    dtable = disasm.locator("table.goenv-disasm")
    expect(dtable).to_be_visible()
    expect(dtable.locator("th")).to_have_text([re.compile("source"), re.compile("amd64"), re.compile("arm64"),
                                               re.compile("riscv64")])
    expect(dtable.locator(".goenv-atomic", has_text="XCHGQ")).to_be_visible()
    expect(dtable.locator(".goenv-atomic", has_text="STLR")).to_be_visible()
    expect(dtable.locator(".goenv-atomic", has_text="AMOSWAP")).to_be_visible()

    trace = cell_output(page, 3)
    img = trace.locator("img")
    expect(img).to_be_visible()
    assert img.evaluate("i => i.complete && i.naturalWidth") > 300  # a decoded plot, not a broken image
    expect(trace).to_contain_text("exited normally")
    expect(trace.locator(".widget-button", has_text="Run")).to_be_enabled()

    for i in range(1, 4):
        # One output each (the widget view): no traceback, no second view.
        expect(cell(page, i).locator(".jp-Cell-outputArea > .jp-OutputArea-child")).to_have_count(1)
    save_screenshot(page, "e2e-widgets.png")
    assert_no_widget_errors(page, console_errors)
