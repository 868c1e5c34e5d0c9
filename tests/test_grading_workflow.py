"""The instructor workflow end to end with the real nbgrader commands, in a throwaway course.

release_assignment → (students) fetch_assignment → work → submit → collect → autograde (in
parallel, python -m goenv.grading autograde; and serially with nbgrader's own autograde on a copy,
for comparison) → generate_feedback → release_feedback → (students) fetch_feedback → export CSV.

Besides two honest students, the class has adversaries, each starting from a full solution and
adding one attack: an infinite loop in Go and one in Python, output floods, a Go program and a
Python cell that try to delete HOME, the gradebook and other students' work, and a notebook with
edited test cells and deleted cells. After grading, every honest result, the gradebook and every
file outside the graders' output must be intact, and each adversary gets exactly the points its
attack did not cost it.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from labkit import REPO, Course, cell_by_id, copy_nb, edit, new_course

LAB = "lab01"
FULL = {"task1_tests": 2, "task1_hidden": 1, "task2_tests": 2, "task2_hidden": 1,
        "task3_tests": 1, "task3_hidden": 1, "task4_tests": 1, "task4_hidden": 1}
CELL_TIMEOUT = 20  # s per cell at autograde (the course default, 180 s, is for cold Go caches)

# A Go program that looks for the grader through /proc (the kernel's working directory and
# environment) and tries to delete the course's grading directory and the grader's HOME. It only
# touches paths under this test's temp dir ("adversarial" in the path), should the jail fail.
VANDAL_GO = '''
func vandalise() {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd")
		if err != nil || !strings.Contains(cwd, "adversarial") {
			continue
		}
		if i := strings.Index(cwd, "/grading/"); i >= 0 {
			grading := cwd[:i+len("/grading")]
			os.WriteFile(grading+"/gradebook.db", []byte("pwned"), 0o644)
			os.RemoveAll(grading + "/submitted")
			os.RemoveAll(grading)
		}
		env, _ := os.ReadFile("/proc/" + e.Name() + "/environ")
		for _, kv := range strings.Split(string(env), "\\x00") {
			if home, ok := strings.CutPrefix(kv, "HOME="); ok && strings.Contains(home, "adversarial") {
				os.RemoveAll(home)
			}
		}
	}
}
'''

VANDAL_PY = '''import os, shutil
for attempt in (lambda: shutil.rmtree(os.path.expanduser("~")),
                lambda: open("../../../gradebook.db", "w").write("pwned"),
                lambda: shutil.rmtree("../../../submitted"),
                lambda: shutil.rmtree("../../bob")):
    try:
        attempt()
    except OSError as e:
        print("blocked:", type(e).__name__)
'''


def solve(release, source, tasks=("task1", "task2", "task3", "task4")):
    """The fetched release with the solution cells of ``tasks`` filled in from the source (a student's work)."""
    nb = copy_nb(release)
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta["grade_id"].startswith(tasks):
            cell_by_id(nb, meta["grade_id"]).source = cell.source
    return nb


def _go_loop(nb):
    edit(nb, "task1_program", "func main() {\n", "func main() {\n\tfor {\n\t}\n")


def _py_loop(nb):
    cell = cell_by_id(nb, "task1_target")
    cell.source = "while True:\n    pass\n" + cell.source


def _floods(nb):
    cell = cell_by_id(nb, "task4_flags")
    cell.source = "for i in range(300_000):\n    print('flood', i)\n" + cell.source
    edit(nb, "task3_program", "func main() {\n",
         "func main() {\n\tfor i := 0; i < 3_000_000; i++ {\n\t\tfmt.Fprintln(os.Stderr, \"flood\", i)\n\t}\n")


def _vandal_go(nb):
    edit(nb, "task4_program", "func main() {\n", "func main() {\n\tvandalise()\n")
    cell = cell_by_id(nb, "task4_program")
    cell.source = cell.source.replace("import (\n", 'import (\n\t"strings"\n', 1) + VANDAL_GO


def _vandal_py(nb):
    cell = cell_by_id(nb, "task4_flags")
    cell.source = VANDAL_PY + cell.source


def _edited_and_deleted(nb):
    # Test cells "fixed" to pass; task 3's program and task 2's visible test deleted.
    for gid in ("task1_tests", "task4_tests"):
        cell_by_id(nb, gid).source = "pass"
    nb.cells = [c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") not in ("task3_program", "task2_tests")]


HONEST = {"alice": ("task1", "task2", "task3", "task4"), "bob": ("task1", "task3")}
ADVERSARIES = {
    "mallory_goloop": _go_loop, "mallory_pyloop": _py_loop, "mallory_floods": _floods,
    "mallory_vandal_go": _vandal_go, "mallory_vandal_py": _vandal_py, "mallory_cells": _edited_and_deleted,
}
T1, T3 = {"task1_tests": 0, "task1_hidden": 0}, {"task3_tests": 0, "task3_hidden": 0}
EXPECTED = {
    "alice": FULL,
    "bob": {k: (v if k.startswith(("task1", "task3")) else 0) for k, v in FULL.items()},
    "mallory_goloop": {**FULL, **T1},
    "mallory_pyloop": {**FULL, **T1},
    "mallory_floods": {**FULL, **T3},  # a 3-million-line stderr flood: output capped, run ends in time
    "mallory_vandal_go": FULL,
    "mallory_vandal_py": FULL,
    # the edited test cells are restored from the gradebook (and pass: the solutions are there);
    # a deleted test cell scores 0, and so do task 3's tests without task 3's program.
    "mallory_cells": {**FULL, **T3, "task2_tests": 0},
}


def _student(root: Path, course: Course, name: str, *args: str, check=True) -> subprocess.CompletedProcess:
    """An nbgrader command run by student ``name`` in their own directory, with their own HOME."""
    home = root / "students" / name
    home.mkdir(parents=True, exist_ok=True)
    env = {**course.env, "HOME": str(home)}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--course", "go-platform",
                           f"--Exchange.root={root / 'exchange'}", "--student", name],
                          cwd=home, env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, f"{name}: nbgrader {' '.join(args)}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    root = tmp_path_factory.mktemp("adversarial")
    (root / "exchange").mkdir()
    course = new_course(root / "course")
    exchange = f"--Exchange.root={root / 'exchange'}"
    course.nbgrader("generate_assignment", LAB)
    course.nbgrader("release_assignment", LAB, exchange)

    source = course.source(LAB)
    students = [*HONEST, *ADVERSARIES]
    for name in students:
        _student(root, course, name, "fetch_assignment", LAB)
        path = root / "students" / name / LAB / f"{LAB}.ipynb"
        release = nbformat.read(path, as_version=4)
        if name in HONEST:
            nb = solve(release, source, HONEST[name])
        else:
            nb = solve(release, source)
            ADVERSARIES[name](nb)
        nbformat.write(nb, path)
        _student(root, course, name, "submit", LAB)
    course.nbgrader("collect", LAB, exchange)

    # Canaries the vandals go for; none of them is the graders' to change.
    canaries = {Path(course.env["HOME"]) / "notes.txt": "instructor's notes",
                course.grading / "source" / "canary.txt": "course file"}
    for path, text in canaries.items():
        path.write_text(text)
    submitted_before = {p: p.read_bytes() for p in (course.grading / "submitted").rglob("*") if p.is_file()}

    # The serial reference: nbgrader's own autograde, on a copy of the course made before grading.
    serial = Course(root / "serial", {**course.env, "HOME": str(root / "serial" / "home")})
    shutil.copytree(course.root, serial.root, symlinks=True)
    serial.nbgrader("autograde", LAB, f"--Execute.timeout={CELL_TIMEOUT}")

    proc = subprocess.run([sys.executable, "-m", "goenv.grading", "autograde", LAB, "-j", "2",
                           "--timeout", str(CELL_TIMEOUT)], cwd=course.grading, env=course.env,
                          capture_output=True, text=True, timeout=1800)

    course.nbgrader("generate_feedback", LAB)
    course.nbgrader("release_feedback", LAB, exchange)
    for name in ("alice", "bob"):
        _student(root, course, name, "fetch_feedback", LAB)
    course.nbgrader("export", "--to", str(root / "grades.csv"))
    return dict(root=root, course=course, serial=serial, proc=proc, students=students, canaries=canaries,
                submitted_before=submitted_before)


def test_parallel_autograde_succeeds_with_progress(workflow):
    proc, students = workflow["proc"], workflow["students"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("[")]
    assert len(lines) == len(students)
    assert lines[-1].startswith(f"[{len(students)}/{len(students)}]")
    assert any(ln.startswith("[") and "alice: 10/10" in ln for ln in lines), proc.stdout


@pytest.mark.parametrize("student", list(EXPECTED))
def test_grades(workflow, student):
    got = workflow["course"].scores(LAB, [student], FULL)[student]
    assert got == pytest.approx(EXPECTED[student]), student


def test_parallel_grades_equal_serial_grades(workflow):
    students = workflow["students"]
    parallel = workflow["course"].scores(LAB, students, FULL)
    serial = workflow["serial"].scores(LAB, students, FULL)
    assert parallel == serial


def test_nothing_outside_the_graders_output_changed(workflow):
    for path, text in workflow["canaries"].items():
        assert path.read_text() == text, path
    for path, data in workflow["submitted_before"].items():
        assert path.read_bytes() == data, f"{path} changed"
    course = workflow["course"]
    with sqlite3.connect(course.grading / "gradebook.db") as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
        assert db.execute("select count(*) from submitted_assignment").fetchone() == (len(workflow["students"]),)


def test_vandals_were_blocked(workflow):
    out = "\n".join(o.get("text", "") for o in cell_by_id(
        workflow["course"].autograded(LAB, "mallory_vandal_py"), "task4_flags").outputs)
    # HOME, the gradebook and the submissions are on read-only mounts in the grading kernel.
    assert out.count("blocked: OSError") + out.count("blocked: PermissionError") >= 3, out


def test_floods_are_cut(workflow):
    nb = workflow["course"].autograded(LAB, "mallory_floods")
    text = "".join(o.get("text", "") for o in cell_by_id(nb, "task4_flags").outputs)
    assert 0 < text.count("\n") <= 1000  # nbgrader's LimitOutput


def test_students_get_feedback_without_hidden_test_source(workflow):
    for name in ("alice", "bob"):
        pages = list((workflow["root"] / "students" / name / LAB / "feedback").rglob(f"{LAB}.html"))
        assert len(pages) == 1, name
        html = pages[0].read_text()
        assert "Score:" in html or "score" in html.lower()
        assert "BEGIN HIDDEN TESTS" not in html and 'goarch="riscv64"' not in html, name


def test_csv_export(workflow):
    with open(workflow["root"] / "grades.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f) if r["assignment"] == LAB}
    assert set(rows) == set(workflow["students"])
    for student, cells in EXPECTED.items():
        assert float(rows[student]["raw_score"]) == pytest.approx(sum(cells.values())), student
        assert float(rows[student]["max_score"]) == 10


# -- every lab and the capstone through the exchange ---------------------------------------------
# The same nbgrader code as the commands above (NbGraderAPI, the formgrader's engine, and the
# exchange classes behind fetch_assignment/submit), in this process: 8 assignments x 2 students
# would otherwise cost ~60 command start-ups of seconds each. Autograding is the parallel grader,
# for all assignments at once.

ALL_LABS = sorted(p.name for p in (REPO / "grading" / "source").iterdir() if (p / f"{p.name}.ipynb").is_file())


def _api(config):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def _ok(result, what):
    assert result["success"], f"{what}:\n{result.get('error')}\n{result.get('log')}"


def _exchange_as_student(home: Path, student: str, lab: str, exchange: Path, op: str) -> None:
    from nbgrader.utils import capture_log
    from traitlets.config import Config

    api = _api(Config({"Exchange": {"root": str(exchange), "assignment_dir": str(home)},
                       "CourseDirectory": {"course_id": "go-platform", "root": str(home)}}))
    api.coursedir.assignment_id, api.coursedir.student_id = lab, student
    app = getattr(api.exchange, op)(coursedir=api.coursedir, authenticator=api.authenticator, parent=api)
    _ok(capture_log(app), f"{student}: {op} {lab}")


@pytest.fixture(scope="module")
def every_lab(tmp_path_factory):
    from goenv.grading.autograde import load_config

    root = tmp_path_factory.mktemp("every-lab")
    exchange = root / "exchange"
    exchange.mkdir()
    course = new_course(root / "course")
    course.nbgrader("generate_assignment", "*")
    instructor = _api(load_config(course.grading, {"Exchange.root": str(exchange)}))
    for lab in ALL_LABS:
        _ok(instructor.release_assignment(lab), f"release {lab}")
    for student in ("alice", "bob"):
        home = root / "students" / student
        home.mkdir(parents=True)
        for lab in ALL_LABS:
            _exchange_as_student(home, student, lab, exchange, "FetchAssignment")
            path = home / lab / f"{lab}.ipynb"
            if student == "alice":  # solves everything; bob submits what he fetched
                nbformat.write(solve(nbformat.read(path, as_version=4), course.source(lab), ("",)), path)
            _exchange_as_student(home, student, lab, exchange, "Submit")
    for lab in ALL_LABS:
        _ok(instructor.collect(lab), f"collect {lab}")
    proc = course.autograde(*ALL_LABS)
    course.nbgrader("generate_feedback", "*")
    for lab in ALL_LABS:
        _ok(instructor.release_feedback(lab), f"release_feedback {lab}")
    for lab in ALL_LABS:
        _exchange_as_student(root / "students" / "alice", "alice", lab, exchange, "FetchFeedback")
    course.nbgrader("export", "--to", str(root / "grades.csv"))
    return dict(root=root, course=course, proc=proc)


def test_every_lab_through_the_exchange_and_the_parallel_grader(every_lab):
    proc = every_lab["proc"]
    n = 2 * len(ALL_LABS)
    assert f"[{n}/{n}]" in proc.stdout and f"{n} graded, 0 failed" in proc.stdout, proc.stdout
    with open(every_lab["root"] / "grades.csv", newline="") as f:
        rows = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(f)}
    for lab in ALL_LABS:
        alice, bob = rows[lab, "alice"], rows[lab, "bob"]
        assert float(alice["max_score"]) > 0 and float(alice["raw_score"]) == float(alice["max_score"]), lab
        assert float(bob["raw_score"]) == 0, lab
        pages = list((every_lab["root"] / "students" / "alice" / lab / "feedback").rglob(f"{lab}.html"))
        assert pages, lab
        assert all("BEGIN HIDDEN TESTS" not in page.read_text() for page in pages), lab
