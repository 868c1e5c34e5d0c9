"""One-off browser smoke check of GoEditor in JupyterLab 4 or Notebook 7 (not part of the test suite).

    /work/venv/bin/python js/editor/smoke_browser.py [--ui lab|notebook] [--screenshot docs/screenshots/editor.png]

Starts a private Jupyter server on a free loopback port (token, temp root dir, no
browser), opens a notebook in Debian's headless Chromium through Playwright (never
`playwright install`: the browser is /usr/bin/chromium), runs a cell that shows a
GoEditor, types Go into it, and checks that:

* the text reaches Python (`e.value`, printed by a second cell);
* Shift-Enter in the editor calls on_run with the latest text and does not execute
  the notebook cell (its execution count stays the same);
* Tab inserts a tab, Ctrl-Z undoes it (the editor's undo, not the notebook's), Ctrl-S
  still saves the notebook, and Escape then Tab moves the focus out of the editor;
* `e.value = ...` and `e.highlight_lines = [...]` from Python update the editor
  (cursor kept, red-ish line and gutter marker);
* no request leaves the machine (every request goes to 127.0.0.1).

Exits non-zero on the first failed check and leaves a screenshot.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

CELLS = [
    # 0: the editor
    "from goenv.widgets.editor import GoEditor\n"
    "runs = []\n"
    "e = GoEditor(value='package main\\n', placeholder='Go code here')\n"
    "e.on_run(lambda ed: runs.append(ed.value))\n"
    "e",
    # 1: what Python sees
    "print(json.dumps({'value': e.value, 'runs': runs}))",
    # 2: Python -> browser
    "e.value = e.value.replace('hello', 'hello, gopher')\n"
    "e.highlight_lines = [7]",
    # 3: more traits from Python, and a second, empty editor
    "e.read_only = True\n"
    "e.height = 'auto'\n"
    "e2 = GoEditor(placeholder='Go code here')\n"
    "e2",
]

TYPED = 'import "fmt"\n\nfunc main() {\nx := 42 // the answer\nfmt.Println("hello", x)\n}'
EXPECTED = 'package main\n\nimport "fmt"\n\nfunc main() {\n\tx := 42 // the answer\n\tfmt.Println("hello", x)\n}'


# The document text, read through CodeMirror's (internal) DOM back-pointer: fine for a smoke check.
DOC_TEXT = """() => {
  const c = document.querySelector('[data-testid=goenv-editor] .cm-content');
  const t = c.cmTile || c.cmView;
  return (t.root || t.rootView).view.state.doc.toString();
}"""


def saved_at(base: str, token: str) -> str:
    with urllib.request.urlopen(f"{base}/api/contents/smoke.ipynb?content=0&token={token}", timeout=10) as r:
        return json.load(r)["last_modified"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notebook_json() -> dict:
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": "import json"}]
    cells[0]["source"] = "import json\n" + CELLS[0]
    cells += [
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": src} for src in CELLS[1:]
    ]
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def check(cond: bool, what: str) -> None:
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        raise SystemExit(f"smoke check failed: {what}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ui", choices=["lab", "notebook"], default="lab")
    ap.add_argument("--screenshot", default=str(REPO / "docs" / "screenshots" / "editor.png"))
    ap.add_argument("--dark", action="store_true", help="use the JupyterLab Dark theme")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="goenv-editor-smoke-"))
    (tmp / "root").mkdir()
    (tmp / "root" / "smoke.ipynb").write_text(json.dumps(notebook_json()))
    # No "official Jupyter news?" toast over the page.
    notif = tmp / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notif.parent.mkdir(parents=True)
    notif.write_text(json.dumps({"fetchNews": "false"}))
    if args.dark:
        (notif.parent / "themes.jupyterlab-settings").write_text(json.dumps({"theme": "JupyterLab Dark"}))
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "JUPYTER_CONFIG_DIR": str(tmp / "config"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
    }
    app = "lab" if args.ui == "lab" else "notebook"
    server = subprocess.Popen(
        [
            str(VENV_BIN / "jupyter"), app, "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            f"--ServerApp.token={token}", f"--ServerApp.root_dir={tmp / 'root'}",
            "--ServerApp.port_retries=0", "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env, stdout=open(tmp / "server.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("jupyter server did not start; log: " + (tmp / "server.log").read_text()[-2000:])
        run_browser(args, base, token)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def run_browser(args, base: str, token: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1100, "height": 820})
        errors: list[str] = []
        try:
            drive(page, args, base, token, errors)
        except BaseException:
            shot = Path(tempfile.gettempdir()) / "goenv-editor-smoke-failure.png"
            page.screenshot(path=str(shot))
            print(f"failure screenshot: {shot}\nconsole errors: {errors[-10:]}", file=sys.stderr)
            raise
        finally:
            browser.close()


def drive(page, args, base: str, token: str, errors: list[str]) -> None:
    path = "/lab/tree/smoke.ipynb" if args.ui == "lab" else "/notebooks/smoke.ipynb"
    if True:
        foreign = []
        page.on("request", lambda r: None if r.url.startswith(base) or r.url.startswith(("data:", "blob:"))
                else foreign.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}{path}?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
        cells = page.locator(".jp-Notebook .jp-Cell")

        def run_cell(i: int) -> None:
            prompt = cells.nth(i).locator(".jp-InputArea-prompt")
            before = prompt.inner_text().strip()
            for _ in range(5):  # a run sent while the kernel connection settles can be lost
                cells.nth(i).locator(".jp-InputArea-editor").click()
                page.keyboard.press("Shift+Enter")
                for _ in range(20):
                    now = prompt.inner_text().strip()
                    if now != before and re.fullmatch(r"\[(\*|\d+)\]:?", now):
                        return
                    page.wait_for_timeout(250)
            raise SystemExit(f"cell {i} did not start")

        def wait_prompt(i: int) -> str:
            prompt = cells.nth(i).locator(".jp-InputArea-prompt")
            expect(prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=60_000)
            return prompt.inner_text()

        # --- show the editor ----------------------------------------------------
        run_cell(0)
        editor = page.locator("[data-testid='goenv-editor']").first
        content = editor.locator(".cm-content")
        content.wait_for(timeout=60_000)
        prompt0 = wait_prompt(0)
        check(content.get_attribute("contenteditable") == "true", ".cm-content is contenteditable")
        check(editor.locator(".cm-lineNumbers").count() == 1, "line numbers shown")

        # --- type Go ------------------------------------------------------------
        content.click()
        page.keyboard.press("Control+End")
        page.keyboard.type("\n" + TYPED, delay=5)
        text = page.evaluate(DOC_TEXT)
        check(text == EXPECTED, f"typed text auto-indented with tabs: {text!r}")
        spans = editor.locator(".cm-line span")
        check(spans.count() >= 8, f"syntax highlighting spans present ({spans.count()})")

        # --- Shift-Enter in the editor runs the widget action, not the cell -----
        page.keyboard.press("Shift+Enter")
        page.wait_for_timeout(1500)
        check(wait_prompt(0) == prompt0, "Shift-Enter in the editor did not re-execute the cell")
        focused_in_editor = page.evaluate(
            "() => !!document.activeElement.closest('[data-testid=goenv-editor]')")
        check(focused_in_editor, "focus stays in the editor after Shift-Enter")
        page.keyboard.press("Control+Enter")
        page.wait_for_timeout(800)
        check(wait_prompt(0) == prompt0, "Ctrl-Enter in the editor did not re-execute the cell")

        # --- Python sees the text and the run requests ---------------------------
        run_cell(1)
        wait_prompt(1)
        out = cells.nth(1).locator(".jp-OutputArea-output").first
        out.wait_for(timeout=60_000)
        seen = json.loads(out.inner_text())
        check(seen["value"] == EXPECTED, "e.value in Python equals the typed text")
        check(seen["runs"] == [EXPECTED, EXPECTED], f"on_run fired twice with the latest text: {seen['runs']!r}")

        # --- Tab indents; Escape then Tab leaves ---------------------------------
        content.click()
        page.keyboard.press("Control+Home")
        page.keyboard.press("Tab")
        text = page.evaluate(DOC_TEXT)
        check(text.startswith("\tpackage main"), "Tab inserts a tab")
        page.keyboard.press("Control+z")
        check(page.evaluate(DOC_TEXT) == EXPECTED, "Ctrl-Z undoes in the editor (not a notebook-level undo)")

        # --- keys the editor does not use still reach Jupyter: Ctrl-S saves -------
        before = saved_at(base, token)
        page.keyboard.press("Control+s")
        for _ in range(40):
            if saved_at(base, token) != before:
                break
            page.wait_for_timeout(250)
        check(saved_at(base, token) != before, "Ctrl-S in the editor saves the notebook")
        check(page.evaluate("() => !!document.activeElement.closest('[data-testid=goenv-editor]')"),
              "focus still in the editor")

        page.keyboard.press("Escape")
        page.keyboard.press("Tab")
        left = page.evaluate("() => !document.activeElement.closest('[data-testid=goenv-editor]')")
        check(left, "Escape then Tab moves the focus out of the editor")

        # --- Python -> browser: value and highlight_lines -------------------------
        run_cell(2)
        wait_prompt(2)
        expect(editor.locator(".cm-goenv-highlightLine")).to_have_count(1, timeout=10_000)
        text = page.evaluate(DOC_TEXT)
        check('"hello, gopher"' in text and "\tpackage" not in text, "e.value from Python replaced the text")
        check(editor.locator(".cm-goenv-markers .cm-goenv-marker").filter(visible=True).count() == 1, "gutter marker on the highlighted line")

        page.wait_for_timeout(500)
        box = editor.bounding_box()
        check(box is not None and abs(box["height"] - 260) <= 1, f"editor is 260px high (height trait): {box}")

        page.locator(".jp-Notebook").first.evaluate("el => el.scrollTop = 0")
        Path(args.screenshot).parent.mkdir(parents=True, exist_ok=True)
        cells.nth(0).scroll_into_view_if_needed()
        page.screenshot(path=args.screenshot)
        print(f"screenshot: {args.screenshot}")

        # --- read_only, height 'auto', placeholder ----------------------------------
        run_cell(3)
        wait_prompt(3)
        second = page.locator("[data-testid='goenv-editor']").nth(1)
        second.locator(".cm-content").wait_for(timeout=60_000)
        check(second.locator(".cm-placeholder").inner_text() == "Go code here", "placeholder shown in an empty editor")
        expect(editor.locator(".cm-content")).to_have_attribute("aria-readonly", "true", timeout=10_000)
        editor.locator(".cm-content").click()
        page.keyboard.type("zzz")
        page.wait_for_timeout(300)
        check("zzz" not in page.evaluate(DOC_TEXT), "read_only: typing does not change the text")
        box = editor.bounding_box()
        check(box is not None and box["height"] < 220, f"height 'auto' fits the 8 lines: {box}")

        # --- nothing from outside -------------------------------------------------
        check(not foreign, f"no request left 127.0.0.1: {foreign[:5]}")
        bad = [e for e in errors if "anywidget" in e.lower() or "editor" in e.lower()]
        check(not bad, f"no widget errors in the console: {bad[:3]}")

if __name__ == "__main__":
    main()
