"""A throwaway nbgrader course for the lab tests: generate, submit, autograde, read the gradebook.

Every lab test (tests/test_grading_labNN.py) follows one pattern: copy grading/ into a temp dir
(HOME redirected, Go's build cache shared so builds stay warm), run the real
`nbgrader generate_assignment`, compare the release with the committed labs/, write the
submissions (the reference solution, the untouched release, realistic wrong ones), autograde them
with nbgrader through the parallel grader (`python -m goenv.grading autograde`; the serial
`nbgrader autograde` is compared with it in test_grading_workflow.py), and compare per-cell scores
with the expected ones.
(A plain module, not conftest.py, for the reason given in helpers.py.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from goenv.toolchain import cache_root

REPO = Path(__file__).resolve().parents[1]
COURSE_ID = "go-platform"


def edit(nb, grade_id: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the cell with this nbgrader grade_id (``old`` must be there)."""
    cell = cell_by_id(nb, grade_id)
    assert old in cell.source, (grade_id, old)
    cell.source = cell.source.replace(old, new)


def cell_by_id(nb, grade_id: str):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def copy_nb(nb):
    return nbformat.from_dict(json.loads(json.dumps(nb)))


def comparable(nb) -> dict:
    """A notebook without what legitimately differs between two generate runs."""
    d = json.loads(json.dumps(nb))
    d["metadata"].pop("language_info", None)  # the kernel's version, not the lab's
    for cell in d["cells"]:
        cell.pop("execution_count", None)
        cell.get("metadata", {}).pop("execution", None)
    return d


def course_env(home: Path) -> dict:
    """The environment nbgrader runs in: this venv first on PATH, HOME redirected, Go cache warm."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON", "XDG_"))}
    env.update(HOME=str(home), GOENV_CACHE_DIR=str(cache_root()),
               PATH=os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", ""))
    return env


def nbgrader(grading_dir: Path, env: dict, *args: str, check: bool = True,
             timeout: float = 1800) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=grading_dir, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if check:
        assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@dataclass
class Course:
    root: Path
    env: dict

    @property
    def grading(self) -> Path:
        return self.root / "grading"

    def nbgrader(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return nbgrader(self.grading, self.env, *args, **kw)

    def autograde(self, lab: str, *args: str) -> subprocess.CompletedProcess:
        """Every submission of ``lab`` through the parallel grader (nbgrader's autograde, N at a time)."""
        proc = subprocess.run([sys.executable, "-m", "goenv.grading", "autograde", lab, *args],
                              cwd=self.grading, env=self.env, capture_output=True, text=True, timeout=1800)
        assert proc.returncode == 0, f"autograde {lab} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc

    def source(self, lab: str):
        return nbformat.read(REPO / "grading" / "source" / lab / f"{lab}.ipynb", as_version=4)

    def release(self, lab: str):
        return nbformat.read(self.root / "labs" / lab / f"{lab}.ipynb", as_version=4)

    def submit(self, lab: str, student: str, nb, extra_files: dict[str, str] | None = None) -> Path:
        d = self.grading / "submitted" / student / lab
        d.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, d / f"{lab}.ipynb")
        for name, text in (extra_files or {}).items():
            (d / name).write_text(text)
        return d

    def autograded(self, lab: str, student: str):
        return nbformat.read(self.grading / "autograded" / student / lab / f"{lab}.ipynb", as_version=4)

    def scores(self, lab: str, students, grade_ids) -> dict[str, dict[str, float]]:
        from nbgrader.api import Gradebook

        out = {}
        with Gradebook("sqlite:///" + str(self.grading / "gradebook.db"), COURSE_ID) as gb:
            for student in students:
                sub = gb.find_submission_notebook(lab, lab, student)
                out[student] = {g.name: g.score for g in sub.grades if g.name in grade_ids}
        return out

    def error_text(self, lab: str, student: str, grade_id: str) -> tuple[str, str]:
        """(ename, traceback text) of the first error in an autograded cell ("", "" if it passed)."""
        cell = cell_by_id(self.autograded(lab, student), grade_id)
        errors = [o for o in cell.outputs if o.output_type == "error"]
        if not errors:
            return "", ""
        return errors[0].ename, "\n".join(errors[0].traceback)


def new_course(root: Path) -> Course:
    """A copy of grading/ under ``root`` (no gradebook, no student work) with HOME=root/home."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "grading", root / "grading",
                    ignore=shutil.ignore_patterns("gradebook.db", "submitted", "autograded", "feedback",
                                                  "solution", ".ipynb_checkpoints", "__pycache__"))
    return Course(root, course_env(home))


def graded_course(root: Path, lab: str, wrong: dict[str, Callable]) -> Course:
    """generate_assignment + reference/untouched/wrong submissions + one parallel autograde.

    ``wrong`` maps a student name to a function that edits a copy of the source notebook in place.
    """
    course = new_course(root)
    course.nbgrader("generate_assignment", lab)
    source = course.source(lab)
    subs = {"reference": source, "untouched": course.release(lab)}
    for name, fn in wrong.items():
        nb = copy_nb(source)
        fn(nb)
        subs[name] = nb
    for student, nb in subs.items():
        course.submit(lab, student, nb)
    course.autograde(lab)
    return course


def assert_release_matches(course: Course, lab: str) -> None:
    """labs/<lab> is what `nbgrader generate_assignment <lab>` makes of grading/source/<lab>."""
    rel = Path("labs") / lab / f"{lab}.ipynb"
    committed = REPO / rel
    assert committed.exists(), f"{rel} is missing: run `cd grading && nbgrader generate_assignment {lab}`"
    a, b = (comparable(nbformat.read(p, as_version=4)) for p in (course.root / rel, committed))
    assert a == b, (f"{rel} is out of date with grading/source: run "
                    f"`cd grading && nbgrader generate_assignment {lab} --force`")


def assert_release_clean(course: Course, lab: str, secrets=()) -> None:
    """No solution, hidden test or output in the release; the header says hidden tests exist."""
    nb = course.release(lab)
    text = json.dumps(nb)
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", *secrets):
        assert secret not in text, secret
    for other in (course.root / "labs" / lab).rglob("*"):  # files the lab ships next to the notebook
        if other.is_file() and other.suffix != ".ipynb":
            assert "BEGIN SOLUTION" not in other.read_text(errors="replace"), other
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert "hidden tests" in nb.cells[0].source.lower() and "instructor" in nb.cells[0].source.lower()


def lab_module(lab: str, *, full: dict, wrong: dict[str, Callable], expected: dict, totals: dict,
               secrets=()) -> dict:
    """The fixture and the tests every lab's test module has, for ``globals().update(...)``.

    ``course`` (module scope): the lab generated and autograded for the reference solution, the
    untouched release and the ``wrong`` submissions (name → function editing a copy of the source).
    Tests: the release matches labs/ and is clean (no solution, hidden test or ``secrets``), every
    submission's per-cell scores are ``expected`` (student → grade_id → points; ``full`` lists the
    graded cells) and the totals are ``totals``.
    """
    import pytest

    @pytest.fixture(scope="module")
    def course(tmp_path_factory):
        return graded_course(tmp_path_factory.mktemp("course"), lab, wrong)

    def test_release_is_up_to_date_with_source(course):
        assert_release_matches(course, lab)

    def test_release_is_clean(course):
        assert_release_clean(course, lab, secrets)

    @pytest.mark.parametrize("student", list(expected))
    def test_autograde_scores(course, student):
        assert course.scores(lab, [student], full)[student] == pytest.approx(expected[student]), student

    def test_total_points(course):
        got = course.scores(lab, list(expected), full)
        assert {s: sum(v.values()) for s, v in got.items()} == totals

    return {f.__name__: f for f in (course, test_release_is_up_to_date_with_source, test_release_is_clean,
                                    test_autograde_scores, test_total_points)}
