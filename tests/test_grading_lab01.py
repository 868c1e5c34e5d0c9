"""Lab 01 through the real nbgrader commands, in a throwaway course (temp dir, HOME redirected).

One module-scoped course: generate_assignment (compared with the committed labs/), then one
`nbgrader autograde` over four submissions: the reference solution, the untouched release and two
realistic wrong submissions, each with its expected score per graded cell.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from goenv.toolchain import cache_root

REPO = Path(__file__).resolve().parents[1]
LAB = "lab01"

# grade_id -> points of a fully correct submission
FULL = {"task1_tests": 2, "task1_hidden": 1, "task2_tests": 2, "task2_hidden": 1,
        "task3_tests": 1, "task3_hidden": 1, "task4_tests": 1, "task4_hidden": 1}


def _edit(nb, grade_id: str, old: str, new: str) -> None:
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    assert old in cell.source, (grade_id, old)
    cell.source = cell.source.replace(old, new)


def _wrong_target(nb):
    """Forgot the board (built natively) and typed in the answer list of task 2."""
    _edit(nb, "task1_target", 'BOARD_TARGET = "linux/arm64"', 'BOARD_TARGET = "linux/amd64"')
    _edit(nb, "task2_program", "\tvar out []string\n", "\treturn []string{\"darwin/amd64\", \"darwin/arm64\", "
          "\"linux/386\", \"linux/amd64\", \"linux/arm\", \"linux/arm64\", \"windows/386\", \"windows/amd64\"}\n"
          "\tvar out []string\n")


def _wrong_shortcuts(nb):
    """Typed in linux/arm64 and "big", ignored FirstClass, and left the static build dynamic."""
    _edit(nb, "task1_program", 'fmt.Println(runtime.GOOS + "/" + runtime.GOARCH)', 'fmt.Println("linux/arm64")')
    _edit(nb, "task2_program", "p.FirstClass && p.CgoSupported", "p.CgoSupported")
    _edit(nb, "task3_program", "\tif mem[0] == 0x01 {\n\t\treturn \"big\"\n\t}\n\treturn \"little\"", '\treturn "big"')
    _edit(nb, "task4_flags", 'STATIC_FLAGS = "--cgo 0"', 'STATIC_FLAGS = ""')


EXPECTED = {
    "reference": FULL,
    "untouched": {k: 0 for k in FULL},
    "wrong_target": {**FULL, "task1_tests": 0, "task1_hidden": 0, "task2_hidden": 0},
    "wrong_shortcuts": {**FULL, "task1_hidden": 0, "task2_tests": 0, "task2_hidden": 0, "task3_hidden": 0,
                        "task4_tests": 0, "task4_hidden": 0},
}


def _nbgrader(course: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course / "grading", env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    home = root / "home"
    home.mkdir()
    shutil.copytree(REPO / "grading", root / "grading",
                    ignore=shutil.ignore_patterns("gradebook.db", "submitted", "autograded", "feedback",
                                                  ".ipynb_checkpoints", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON", "XDG_"))}
    env.update(HOME=str(home), GOENV_CACHE_DIR=str(cache_root()),  # keep Go's build cache warm
               PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""))
    _nbgrader(root, env, "generate_assignment", LAB)

    source = nbformat.read(REPO / "grading" / "source" / LAB / f"{LAB}.ipynb", as_version=4)
    release = nbformat.read(root / "labs" / LAB / f"{LAB}.ipynb", as_version=4)
    subs = {"reference": source, "untouched": release}
    for name, edit in (("wrong_target", _wrong_target), ("wrong_shortcuts", _wrong_shortcuts)):
        nb = nbformat.from_dict(json.loads(json.dumps(source)))
        edit(nb)
        subs[name] = nb
    for student, nb in subs.items():
        d = root / "grading" / "submitted" / student / LAB
        d.mkdir(parents=True)
        nbformat.write(nb, d / f"{LAB}.ipynb")
    proc = _nbgrader(root, env, "autograde", LAB)
    return root, proc


def test_labs_are_up_to_date_with_sources(course):
    """labs/ is what `nbgrader generate_assignment` makes of grading/source (regenerate if not)."""
    root, _ = course
    for fresh in sorted((root / "labs").glob("*/*.ipynb")):
        rel = fresh.relative_to(root)
        committed = REPO / rel
        assert committed.exists(), f"{rel} is missing: run `cd grading && nbgrader generate_assignment {fresh.parent.name}`"
        a, b = (_comparable(nbformat.read(p, as_version=4)) for p in (fresh, committed))
        assert a == b, (f"{rel} is out of date with grading/source: run "
                        f"`cd grading && nbgrader generate_assignment {fresh.parent.name} --force`")


def _comparable(nb) -> dict:
    d = json.loads(json.dumps(nb))
    d["metadata"].pop("language_info", None)  # the kernel's version, not the lab's
    for cell in d["cells"]:
        cell.pop("execution_count", None)
        cell.get("metadata", {}).pop("execution", None)
    return d


def test_release_is_clean(course):
    root, _ = course
    nb = nbformat.read(root / "labs" / LAB / f"{LAB}.ipynb", as_version=4)
    text = json.dumps(nb)
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "linux/riscv64", "plan10/quantum", '"linux/s390x"'):
        assert secret not in text
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert "hidden tests" in nb.cells[0].source.lower() and "instructor" in nb.cells[0].source.lower()


def _scores(root: Path) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook("sqlite:///" + str(root / "grading" / "gradebook.db"), "go-platform") as gb:
        for student in EXPECTED:
            sub = gb.find_submission_notebook(LAB, LAB, student)
            out[student] = {g.name: g.score for g in sub.grades if g.name in FULL}
    return out


@pytest.mark.parametrize("student", list(EXPECTED))
def test_autograde_scores(course, student):
    root, _ = course
    got = _scores(root)[student]
    assert got == pytest.approx(EXPECTED[student]), student


def test_total_points(course):
    root, _ = course
    totals = {s: sum(v.values()) for s, v in _scores(root).items()}
    assert totals == {"reference": 10, "untouched": 0, "wrong_target": 6, "wrong_shortcuts": 3}


def test_feedback_outputs_hide_test_source(course):
    """Failing hidden tests show the checks' message in the autograded notebook, not their source."""
    root, _ = course
    nb = nbformat.read(root / "grading" / "autograded" / "wrong_shortcuts" / LAB / f"{LAB}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "task1_hidden")
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "CheckFailed"
    shown = "\n".join(errors[0].traceback)
    assert "expected a line 'linux/riscv64'" in shown
    assert "checks." not in shown and "HIDDEN" not in shown and 'goarch="riscv64"' not in shown
