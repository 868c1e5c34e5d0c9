"""End to end: JupyterLab 4 in headless Chromium runs the widgets and the %%go magic."""

from __future__ import annotations

from labdriver import open_and_run_all, save_screenshot, write_notebook

PLAYGROUND_CELLS = [
    "%load_ext goenv",
    "from goenv.widgets import playground\npg = playground('package main\\n\\nfunc main() {}\\n')\npg",
    '%%go\npackage main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("sum:", missing)\n}\n',
]


def test_type_go_into_the_editor_click_run_and_see_the_output(lab_server, page):
    """Can a learner type Go into the playground's editor, click Run, and see the program's output in the widget?"""
    base, token, root = lab_server
    write_notebook(root, "playground.ipynb", PLAYGROUND_CELLS)
    open_and_run_all(page, base, token, "playground.ipynb")
    editor = page.locator(".goenv-playground .cm-content")
    editor.wait_for(timeout=60_000)
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    # Type line by line: CodeMirror auto-indents after a brace, so the program is typed flat.
    for line in ["package main", "", 'import "fmt"', "", "func main() {",
                 'fmt.Println("hello from the browser", 6*7)', "}"]:
        page.keyboard.type(line)
        page.keyboard.press("Enter")
    page.locator(".goenv-playground .goenv-run").click()
    out = page.locator(".goenv-playground .jp-OutputArea-output", has_text="hello from the browser 42")
    out.wait_for(timeout=120_000)
    status = page.locator(".goenv-playground .goenv-status")
    status.wait_for(timeout=30_000)
    assert "exited normally" in status.inner_text()
    save_screenshot(page, "e2e-playground.png")


def test_go_magic_compile_error_shows_the_learners_line(lab_server, page):
    """Does a %%go cell with a compile error show the cell's own line number and source line in the browser?"""
    base, token, root = lab_server
    write_notebook(root, "magic.ipynb", ["%load_ext goenv", PLAYGROUND_CELLS[2]])
    open_and_run_all(page, base, token, "magic.ipynb")
    err = page.locator(".goenv-result.goenv-error")
    err.wait_for(timeout=120_000)
    text = err.inner_text()
    assert "cell line 6, column 22: undefined: missing" in text
    assert 'fmt.Println("sum:", missing)' in text
    save_screenshot(page, "e2e-magic-compile-error.png")


