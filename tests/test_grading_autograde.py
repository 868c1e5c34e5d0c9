"""goenv.grading.autograde: one submission nbgrader cannot grade does not stop the others."""

from __future__ import annotations

import subprocess
import sys

from goenv.grading.autograde import default_jobs
from labkit import new_course


def test_a_broken_submission_is_reported_and_the_others_are_graded(tmp_path):
    course = new_course(tmp_path / "course")
    course.nbgrader("generate_assignment", "lab01")
    course.submit("lab01", "alice", course.source("lab01"))
    broken = course.grading / "submitted" / "zed" / "lab01"
    broken.mkdir(parents=True)
    (broken / "lab01.ipynb").write_text("{ this is not a notebook")
    proc = subprocess.run([sys.executable, "-m", "goenv.grading", "autograde", "lab01", "-j", "2"],
                          cwd=course.grading, env=course.env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "alice: 10/10" in proc.stdout and "zed: FAILED" in proc.stdout
    assert "done in" in proc.stdout and "1 graded, 1 failed" in proc.stdout
    assert "lab01/zed: nbgrader could not grade this submission" in proc.stderr
    assert course.scores("lab01", ["alice"], {"task1_tests"}) == {"alice": {"task1_tests": 2}}


def test_usage_and_defaults():
    proc = subprocess.run([sys.executable, "-m", "goenv.grading"], capture_output=True, text=True)
    assert proc.returncode != 0 and "usage: python -m goenv.grading autograde LAB" in proc.stderr
    assert default_jobs() >= 2
