"""Take the README's screenshots of the course widgets, in JupyterLab in headless Chromium.

    /work/venv/bin/python docs/make_screenshots.py [--out docs/screenshots] [--keep-notebook]

Starts a private JupyterLab server (the same way as the e2e tests: tests/e2e/labdriver.py),
opens one notebook with every widget at a 1280-pixel-wide viewport, runs it, clicks the
playground's Run button, waits for every build and run to finish, and saves one element
screenshot per widget (not the whole page):

* ``playground.png``          the playground after a Run (output and status line)
* ``target-matrix.png``       one program for several targets: table and size chart
* ``disassembly.png``         an atomic store/load for amd64, arm64 and riscv64, highlighted
* ``trace.png``               the schedtrace plot of a CPU-bound program, after the run
* ``magic-compile-error.png`` a ``%%go`` cell whose compile error names the cell's line
* ``editor.png``              the Go editor with a highlighted line (re-taken only if it exists)

Uses Debian's /usr/bin/chromium through Playwright's ``executable_path`` (never
``playwright install``) and needs the Go toolchain that goenv uses; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from labdriver import (cell, launch_chromium, open_and_run_all, start_lab_server, wait_for_text,  # noqa: E402
                       watch_console, widget_errors, write_notebook)

VIEWPORT = {"width": 1280, "height": 1800}

EDITOR_SRC = '''package main

import "fmt"

func main() {
	counts := map[string]int{}
	for _, w := range []string{"go", "gopher", "go"} {
		counts[w]++
	}
	fmt.Println(count)
}
'''

PLAYGROUND_SRC = '''package main

import (
	"fmt"
	"runtime"
	"sync"
)

func main() {
	fmt.Println("Hello from", runtime.GOOS+"/"+runtime.GOARCH, runtime.Version())
	var wg sync.WaitGroup
	results := make([]int, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = i * i
		}()
	}
	wg.Wait()
	fmt.Println("squares:", results, "on", runtime.NumCPU(), "CPUs")
}
'''

MATRIX_SRC = '''package main

import (
	"fmt"
	"runtime"
)

func main() { fmt.Println("hello from", runtime.GOOS+"/"+runtime.GOARCH) }
'''
MATRIX_TARGETS = ["linux/amd64", "linux/arm64", "linux/riscv64", "windows/amd64", "darwin/arm64", "js/wasm",
                  "wasip1/wasm"]

ATOMIC_SRC = '''package main

import (
	"fmt"
	"sync/atomic"
)

var x int64

//go:noinline
func publish() int64 {
	atomic.StoreInt64(&x, 1)
	return atomic.LoadInt64(&x)
}

func main() { fmt.Println(publish()) }
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
		go func() { defer wg.Done(); fmt.Println(spin(100_000_000)) }()
	}
	wg.Wait()
}
'''

MAGIC_CELL = '''%%go
package main

import "fmt"

func main() {
	total := 0
	for i := 1; i <= 10; i++ {
		total += i
	}
	fmt.Println("sum:", totl)
}
'''

# Cell index -> what it shows.
CELLS = [
    "%load_ext goenv\n"
    "from goenv.widgets import GoEditor, playground, target_matrix, disasm_compare, trace_plot\n"
    f"EDITOR_SRC = {EDITOR_SRC!r}\nPLAYGROUND_SRC = {PLAYGROUND_SRC!r}\nMATRIX_SRC = {MATRIX_SRC!r}\n"
    f"ATOMIC_SRC = {ATOMIC_SRC!r}\nCPU_SRC = {CPU_SRC!r}",
    "GoEditor(EDITOR_SRC, height='auto', highlight_lines=[10])",                                  # 1 editor
    "pg = playground(PLAYGROUND_SRC, target='linux/arm64', height='auto')\npg",                    # 2 playground
    f"m = target_matrix(MATRIX_SRC, targets={MATRIX_TARGETS!r}, autorun=True)\nm",                 # 3 matrix
    'd = disasm_compare(ATOMIC_SRC, "publish", goarches=("amd64", "arm64", "riscv64"), autorun=True)\nd',  # 4
    't = trace_plot(CPU_SRC, godebug="schedtrace=50", gomaxprocs=2)\nt',                           # 5 trace
    MAGIC_CELL,                                                                                   # 6 %%go error
    "assert m.wait(300) and d.wait(300) and t.wait(300)\nprint('all widgets done')",             # 7
]
EDITOR, PLAYGROUND, MATRIX, DISASM, TRACE, MAGIC, DONE = range(1, 8)


def widget_view(page, index: int):
    """The output of cell ``index`` that holds its widget (the outer one, not a nested Output's)."""
    return cell(page, index).locator(".jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output")


# How much wider than its output area the widget's content is (1.0: it fits). Only the output
# and the widget's own box count: a button that shortens its label with an ellipsis is not
# something zooming should hide.
_OVERFLOW = """e => Math.max(1, ...[e, ...e.children].map(x => x.clientWidth > 0 ? x.scrollWidth / x.clientWidth : 1))"""


def _set_zoom(page, zoom: float) -> None:
    page.evaluate("z => { document.documentElement.style.zoom = String(z); window.dispatchEvent(new Event('resize')); }",
                  zoom)
    page.wait_for_timeout(500)


# The right edge of what a widget draws: its text, images and form controls (block boxes
# span the whole output area even when their content is narrow).
_CONTENT_RIGHT = """e => {
    let right = 0;
    const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!n.textContent.trim()) continue;
        const r = document.createRange();
        r.selectNodeContents(n);
        right = Math.max(right, r.getBoundingClientRect().right);
    }
    for (const x of e.querySelectorAll('img, input, select, button, textarea, canvas, svg, .progress')) {
        right = Math.max(right, x.getBoundingClientRect().right);
    }
    return right;
}"""


def shoot(page, locator, path: Path, *, crop: bool = False) -> None:
    """An element screenshot, with the mouse out of the way and nothing focused.

    A widget wider than its output area (the disassembly table of three architectures
    needs about 1230 px) would be cut off at the right: the page is zoomed out just
    enough for it to fit, as a reader with a slightly wider window would see it. The
    script reports the zoom it used. With ``crop``, the empty right part of a widget
    that does not use the whole width is left out.
    """
    page.mouse.move(0, 0)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    zoom = 1.0
    for _ in range(4):
        over = locator.evaluate(_OVERFLOW)
        if over <= 1.002:
            break
        zoom = int(zoom / over * 100 - 1) / 100
        _set_zoom(page, zoom)
    locator.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # let images and layout settle after scrolling
    if crop:
        box = locator.bounding_box()
        right = locator.evaluate(_CONTENT_RIGHT)
        clip = dict(box, width=min(box["width"], right - box["x"] + 16))
        page.screenshot(path=str(path), clip=clip, animations="disabled")
    else:
        locator.screenshot(path=str(path), animations="disabled")
    name = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    print(f"  {name}" + (f"  (page zoomed to {zoom:.0%} so that the widget fits)" if zoom < 1 else ""))
    if zoom < 1:
        _set_zoom(page, 1)


def take(out: Path, keep_notebook: bool) -> None:
    from playwright.sync_api import expect, sync_playwright

    work = Path(tempfile.mkdtemp(prefix="goenv-screenshots-"))
    write_notebook(work, "course.ipynb", CELLS)
    with start_lab_server(work) as (base, token, _root), sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport=VIEWPORT)
        errors = watch_console(page)
        open_and_run_all(page, base, token, "course.ipynb")
        # The widgets get the whole width: no file browser, no property inspector, and no activity
        # bars beside them (View > Appearance in the menu).
        page.evaluate("""() => {
            const app = window.jupyterapp;
            app.shell.collapseLeft();
            app.shell.collapseRight();
            app.commands.execute('application:toggle-side-tabbar', {side: 'left'});
            app.commands.execute('application:toggle-side-tabbar', {side: 'right'});
        }""")

        pg = widget_view(page, PLAYGROUND)
        pg.locator(".goenv-run").wait_for(timeout=60_000)
        pg.locator(".goenv-run").click()
        wait_for_text(cell(page, DONE).locator(".jp-OutputArea-output"), "all widgets done", timeout=400_000)
        expect(pg.locator(".goenv-status")).to_contain_text("exited normally", timeout=120_000)
        expect(widget_view(page, MATRIX).locator("img")).to_be_visible()
        expect(widget_view(page, TRACE).locator("img")).to_be_visible()
        expect(cell(page, MAGIC).locator(".goenv-error")).to_contain_text("cell line 10", timeout=60_000)
        # Select the first cell so no widget cell carries the active-cell marker.
        page.evaluate("() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 0; }")
        page.wait_for_timeout(500)

        if page.get_by_text("Error displaying widget").count():
            raise SystemExit("a widget failed to display")
        out.mkdir(parents=True, exist_ok=True)
        shots = {
            "playground.png": widget_view(page, PLAYGROUND),
            "target-matrix.png": widget_view(page, MATRIX),
            "disassembly.png": widget_view(page, DISASM),
            "trace.png": widget_view(page, TRACE),
            # The whole cell: the learner's source with its line numbers, then the error.
            "magic-compile-error.png": cell(page, MAGIC),
        }
        if (out / "editor.png").exists():
            shots["editor.png"] = widget_view(page, EDITOR)
        for name, locator in shots.items():
            # The target matrix is narrow (table and chart, no full-width boxes): leave out its empty right side.
            shoot(page, locator, out / name, crop=name == "target-matrix.png")
        bad = widget_errors(errors)
        browser.close()
    if keep_notebook:
        print(f"notebook and server log kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    if bad:
        raise SystemExit("widget errors in the browser console:\n" + "\n".join(bad))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    ap.add_argument("--keep-notebook", action="store_true", help="keep the temporary notebook and server log")
    args = ap.parse_args()
    t0 = time.monotonic()
    take(args.out.resolve(), args.keep_notebook)
    print(f"done in {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
