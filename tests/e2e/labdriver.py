"""Helpers for driving JupyterLab (and Notebook 7) in headless Chromium.

Used by the e2e tests (tests/e2e/conftest.py) and by docs/make_screenshots.py.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple

CHROMIUM = os.environ.get("GOENV_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Without the background-networking flags Chromium keeps dialing Google's hosts, which this
# offline machine refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
#: Console messages that mean a widget broke (matched case-insensitively).
WIDGET_ERROR_WORDS = ("anywidget", "ipywidgets", "jupyter-widgets", "goenv")


class LabServer(NamedTuple):
    """A running Jupyter server; unpacks as ``base, token, root``."""

    base: str
    token: str
    root: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def start_lab_server(root: Path, *, startup_timeout: float = 90.0) -> Iterator[LabServer]:
    """Run `jupyter lab` on a free loopback port with ``root`` as its root directory.

    The same server also serves the Notebook 7 UI (``/notebooks/NAME``). Both UIs expose
    ``window.jupyterapp``. Settings, config and runtime files live in hidden directories
    of ``root``; the server log is ``root/server.log``. The whole process group is
    stopped on exit.
    """
    root = Path(root)
    port, token = free_port(), secrets.token_hex(16)
    settings = root / ".lab-settings"
    # Answer JupyterLab's "get notified about news?" question up front: it would cover the widgets.
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True, exist_ok=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".jupyter"), JUPYTER_RUNTIME_DIR=str(root / ".runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(root / ".lab-workspaces"))
    log_path = root / "server.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         "--ServerApp.port_retries=0", f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
         "--ServerApp.allow_root=True", "--LabApp.expose_app_in_browser=True",
         # Notebook 7 is a server extension of its own, with its own switch for window.jupyterapp.
         "--JupyterNotebookApp.expose_app_in_browser=True",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    json.load(r)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("jupyter lab did not start:\n" + log_path.read_text()[-3000:])
                time.sleep(0.5)
        yield LabServer(base, token, root)
    finally:
        try:
            os.killpg(proc.pid, 15)
            proc.wait(15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(5)
        log.close()


def launch_chromium(playwright):
    """Debian's headless Chromium through Playwright (never a downloaded browser)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def save_screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


def watch_console(page) -> list[str]:
    """Collect the page's console errors and uncaught exceptions into the returned (live) list."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


def widget_errors(errors: list[str]) -> list[str]:
    """The collected errors that come from the widget machinery (see WIDGET_ERROR_WORDS)."""
    return [e for e in errors if any(w in e.lower() for w in WIDGET_ERROR_WORDS)]


def write_notebook(root: Path, name: str, cells: list[str]) -> Path:
    """A notebook of code cells, in the server's root directory."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = root / name
    nbformat.write(nb, path)
    return path


_KERNEL = "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"


def open_notebook(page, base: str, token: str, name: str, *, ui: str = "lab") -> None:
    """Open a notebook in JupyterLab (``ui="lab"``) or Notebook 7 (``ui="notebook"``) and wait for its kernel."""
    # A workspace of its own: the default one would bring back the tabs of earlier pages,
    # and one of those could be the current notebook when the commands run.
    path = {"lab": f"/lab/workspaces/w{secrets.token_hex(4)}/tree/{name}", "notebook": f"/notebooks/{name}"}[ui]
    page.goto(f"{base}{path}?token={token}")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_function("name => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.context "
                           "&& window.jupyterapp.shell.currentWidget.context.path === name "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session "
                           f"&& {_KERNEL}", arg=name, timeout=60_000)
    wait_kernel_idle(page)


def wait_kernel_idle(page, timeout: float = 60_000) -> None:
    page.wait_for_function(f"() => {_KERNEL} && {_KERNEL}.status === 'idle'", timeout=timeout)


def run_command(page, command: str, args: dict | None = None) -> None:
    """Start a JupyterLab/Notebook 7 command; does not wait for it (it may open a dialog)."""
    page.evaluate("([c, a]) => { window.jupyterapp.commands.execute(c, a); }", [command, args or {}])


def open_and_run_all(page, base: str, token: str, name: str, *, ui: str = "lab") -> None:
    """Open a notebook, wait for its kernel, run all cells (returns once they are queued)."""
    open_notebook(page, base, token, name, ui=ui)
    run_command(page, "notebook:run-all-cells")


def restart_and_run_all(page) -> None:
    """Restart the kernel and run all cells, accepting JupyterLab's confirmation dialog."""
    run_command(page, "notebook:restart-run-all")
    accept = page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept")
    accept.wait_for(timeout=30_000)
    accept.click()
    accept.wait_for(state="detached", timeout=30_000)


def cell(page, index: int):
    """The index-th cell of the open notebook (a Playwright locator)."""
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def cell_output(page, index: int):
    """The first output of the index-th cell."""
    return cell(page, index).locator(".jp-OutputArea-output").first


def wait_for_text(locator, pattern: str | re.Pattern, timeout: float = 120_000) -> str:
    """Wait until the locator's text matches ``pattern`` (a regex); return the text."""
    from playwright.sync_api import expect

    rx = re.compile(pattern) if isinstance(pattern, str) else pattern
    expect(locator).to_contain_text(rx, timeout=timeout)
    return locator.inner_text()


def type_into_editor(page, editor, lines: list[str]) -> None:
    """Replace a CodeMirror editor's text by typing ``lines`` (typed flat: CodeMirror auto-indents)."""
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    for i, line in enumerate(lines):
        page.keyboard.type(line)
        if i < len(lines) - 1:
            page.keyboard.press("Enter")
