"""End to end: a self-paced learner clicks nbgrader's Validate in a lab notebook (JupyterLab, headless Chromium).

The visible tests are what a learner alone on Binder has: Validate runs the lab top to bottom and
says which test cells fail. A lab solved in the learner's cells passes; the untouched release does not.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat

from labdriver import open_notebook, save_screenshot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from labkit import REPO, cell_by_id, copy_nb  # noqa: E402

LAB = "lab01"


def _solved(release, source):
    nb = copy_nb(release)
    for cell in source.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell_by_id(nb, cell.metadata["nbgrader"]["grade_id"]).source = cell.source
    return nb


def _validate(page, base, token, root, name, nb) -> str:
    (root / "labs").mkdir(exist_ok=True)
    nbformat.write(nb, root / "labs" / name)
    open_notebook(page, base, token, f"labs/{name}")
    page.get_by_role("button", name="Validate").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=300_000)
    page.wait_for_function("() => !document.querySelector('.jp-Dialog').innerText.includes('Validating')",
                           timeout=300_000)
    return dialog.inner_text()


def test_validate_a_solved_lab_succeeds(lab_server, page):
    base, token, root = lab_server
    release = nbformat.read(REPO / "labs" / LAB / f"{LAB}.ipynb", as_version=4)
    source = nbformat.read(REPO / "grading" / "source" / LAB / f"{LAB}.ipynb", as_version=4)
    text = _validate(page, base, token, root, "solved.ipynb", _solved(release, source))
    save_screenshot(page, "e2e-validate-solved.png")
    assert "Success! Your notebook passes all the tests." in text, text


def test_validate_the_untouched_release_names_the_failing_tests(lab_server, page):
    base, token, root = lab_server
    release = nbformat.read(REPO / "labs" / LAB / f"{LAB}.ipynb", as_version=4)
    text = _validate(page, base, token, root, "untouched.ipynb", release)
    save_screenshot(page, "e2e-validate-untouched.png")
    assert "failed" in text.lower() and "not finished yet" in text, text
    assert "BEGIN HIDDEN TESTS" not in json.dumps(text)
