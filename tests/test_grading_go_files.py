"""Go files a lab ships next to its notebook: their solution regions are stubbed in the release, and
at autograde the learner's versions are graded (not the source's, which hold the solutions).

A throwaway course with one small assignment, "gofiles": a notebook whose test cell builds and runs
the program in prog/, and prog/main.go with a solution region. Real generate_assignment and autograde.
"""

from __future__ import annotations

import nbformat
import pytest

from labkit import new_course

MAIN_GO = """package main

import "fmt"

func answer() int {
	// BEGIN SOLUTION
	return 42
	// END SOLUTION
}

func main() { fmt.Println(answer()) }
"""


def _meta(grade_id, **kw):
    return {"nbgrader": {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3,
                         "solution": False, "task": False, **kw}}


def _notebook():
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Go files\nComplete `answer` in prog/main.go. Hidden tests: none; "
                                      "the instructor grades.", metadata=_meta("intro")),
        nbformat.v4.new_code_cell("from pathlib import Path\nfrom goenv.grading import checks",
                                  metadata=_meta("setup")),
        nbformat.v4.new_code_cell('r = checks.run(Path("prog"))\nchecks.expect_output(r, line="42")',
                                  metadata=_meta("test", grade=True, points=1)),
    ]
    return nb


def _course(root, main_go=MAIN_GO):
    course = new_course(root)
    src = course.grading / "source" / "gofiles"
    (src / "prog").mkdir(parents=True)
    nbformat.write(_notebook(), src / "gofiles.ipynb")
    (src / "prog" / "main.go").write_text(main_go)
    return course


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = _course(tmp_path_factory.mktemp("gofiles"))
    course.nbgrader("generate_assignment", "gofiles")
    release = course.root / "labs" / "gofiles"
    for student, go in (("solved", MAIN_GO), ("untouched", (release / "prog" / "main.go").read_text())):
        d = course.submit("gofiles", student, nbformat.read(release / "gofiles.ipynb", as_version=4))
        (d / "prog").mkdir()
        (d / "prog" / "main.go").write_text(go)
    course.autograde("gofiles")
    return course


def test_release_has_a_compiling_stub_instead_of_the_solution(graded):
    text = (graded.root / "labs" / "gofiles" / "prog" / "main.go").read_text()
    assert "return 42" not in text and "BEGIN SOLUTION" not in text
    assert 'panic("not implemented yet' in text and "func answer() int {" in text


def test_autograde_grades_the_learners_go_file(graded):
    scores = graded.scores("gofiles", ["solved", "untouched"], {"test"})
    # "untouched" would score 1 if autograde had copied the source's main.go over the learner's.
    assert scores == {"solved": {"test": 1.0}, "untouched": {"test": 0.0}}
    _, shown = graded.error_text("gofiles", "untouched", "test")
    assert "not finished yet" in shown


def test_a_bad_region_refuses_the_release(tmp_path):
    course = _course(tmp_path, MAIN_GO.replace("\t// END SOLUTION\n", ""))
    proc = course.nbgrader("generate_assignment", "gofiles", check=False)
    assert proc.returncode != 0 and "no end solution statement" in proc.stdout + proc.stderr
    assert not (course.root / "labs" / "gofiles").exists()


def test_generating_every_assignment_at_once_stubs_them_too(tmp_path):
    course = _course(tmp_path)
    course.nbgrader("generate_assignment", "*")
    text = (course.root / "labs" / "gofiles" / "prog" / "main.go").read_text()
    assert "return 42" not in text and 'panic("not implemented yet' in text


def test_a_stub_that_does_not_compile_refuses_the_release(tmp_path):
    # The region swallows the function's closing brace: the stub cannot compile.
    bad = MAIN_GO.replace("\treturn 42\n\t// END SOLUTION\n}\n", "\treturn 42\n}\n// END SOLUTION\n")
    course = _course(tmp_path, bad)
    proc = course.nbgrader("generate_assignment", "gofiles", check=False)
    assert proc.returncode != 0 and "does not compile" in proc.stdout + proc.stderr
    assert not (course.root / "labs" / "gofiles").exists()
