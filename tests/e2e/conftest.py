"""A real JupyterLab server and a real headless Chromium (Debian's, driven by Playwright).

No browser is downloaded: Playwright launches /usr/bin/chromium through
``executable_path``. Screenshots land in ``test-artifacts/`` at the repository root.
One server and one browser serve the whole session; each test gets a fresh page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from labdriver import CHROMIUM, launch_chromium, start_lab_server, watch_console


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    """Start `jupyter lab` (which also serves Notebook 7) on a free local port; yield (base_url, token, root_dir)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    with start_lab_server(tmp_path_factory.mktemp("lab")) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    pg = ctx.new_page()
    yield pg
    ctx.close()


@pytest.fixture()
def console_errors(page):
    """The page's console errors and uncaught exceptions, collected from the start of the test."""
    return watch_console(page)
