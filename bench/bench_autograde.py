"""Autograde benchmark: parallel (python -m goenv.grading autograde) vs nbgrader's serial autograde.

    python bench/bench_autograde.py [--lab lab01] [--submissions 30] [--jobs N]

Makes a throwaway course (temp dir, HOME redirected, Go's build cache shared and warm), writes
N synthetic submissions of one lab — copies of the reference solution, the untouched release
and the wrong submissions from the lab's test, in turn — into two identical copies of the course,
then grades one copy with `nbgrader autograde LAB` and the other with the parallel grader, one
after the other in the same run. Prints both wall times, the ratio, and whether every grade of
every cell is identical. Target on 2 cores: at least 1.6x faster, identical grades.
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from goenv.grading.autograde import default_jobs  # noqa: E402
from labkit import Course, copy_nb, new_course  # noqa: E402


def _kinds(lab: str, course: Course):
    """(name, notebook) of every kind of submission the lab's test knows, in turn."""
    source, release = course.source(lab), course.release(lab)
    kinds = [("reference", source), ("untouched", release)]
    test = importlib.import_module(f"test_grading_{lab}")
    for name, fn in vars(test).items():
        if name.startswith("_wrong") and callable(fn):
            nb = copy_nb(source)
            fn(nb)
            kinds.append((name.lstrip("_"), nb))
    return kinds


def _scores(course: Course, lab: str, students) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(course.grading / "gradebook.db"), "go-platform") as gb:
        return {s: {g.name: g.score for g in gb.find_submission_notebook(lab, lab, s).grades} for s in students}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="lab01")
    parser.add_argument("--submissions", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=None, help="parallel workers (default: CPU count + 1)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        tmp = Path(tmp)
        serial = new_course(tmp / "serial")
        serial.nbgrader("generate_assignment", args.lab)
        students = []
        for i, (kind, nb) in zip(range(args.submissions), itertools.cycle(_kinds(args.lab, serial))):
            student = f"s{i:02d}_{kind}"
            serial.submit(args.lab, student, nb)
            students.append(student)
        parallel = Course(tmp / "parallel", {**serial.env, "HOME": str(tmp / "parallel" / "home")})
        shutil.copytree(serial.root, parallel.root, symlinks=True)

        t0 = time.perf_counter()
        serial.nbgrader("autograde", args.lab)
        t_serial = time.perf_counter() - t0

        jobs = ["-j", str(args.jobs)] if args.jobs else []
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "goenv.grading", "autograde", args.lab, *jobs],
                              cwd=parallel.grading, env=parallel.env, capture_output=True, text=True)
        t_parallel = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, sep="\n")
            return 1

        same = _scores(serial, args.lab, students) == _scores(parallel, args.lab, students)
        print(f"{args.lab}: {len(students)} submissions, {os.cpu_count()} CPUs, "
              f"parallel workers: {args.jobs or default_jobs()}")
        print(f"  nbgrader autograde (serial):        {t_serial:7.1f} s")
        print(f"  python -m goenv.grading autograde:  {t_parallel:7.1f} s")
        print(f"  speed-up: {t_serial / t_parallel:.2f}x   identical grades: {same}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
