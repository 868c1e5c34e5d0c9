"""Autograde every submission of one or more labs in parallel: ``python -m goenv.grading autograde LAB...``.

nbgrader's own ``nbgrader autograde LAB`` grades one submission after the other. This runs the
same nbgrader code (``NbGraderAPI.autograde``, the engine behind the formgrader's Autograde
button) for several students at once, in worker processes that each load nbgrader once, and
prints a line per finished submission. Grades land in the same gradebook, exactly as nbgrader
computes them: the gradebook is SQLite, opened with a busy timeout (``?timeout=`` in the
course's ``db_url``) so the workers' short write transactions wait for each other.

A submission that cannot be graded (nbgrader reports an error, or its worker dies) is reported
with nbgrader's log and does not stop the others; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

_API = None  # the worker's NbGraderAPI, made once per process by _init_worker


@dataclass
class Outcome:
    """How grading one submission went."""

    student: str
    ok: bool
    seconds: float
    score: float | None = None
    max_score: float | None = None
    error: str = ""
    log: str = ""
    lab: str = ""


@dataclass
class Report:
    labs: list[str]
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def load_config(grading_dir: Path, overrides: dict | None = None):
    """The course's nbgrader_config.py as a traitlets Config (plus ``{"Class.trait": value}`` overrides)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(grading_dir)).load_config()
    for key, value in (overrides or {}).items():
        cls, trait = key.split(".", 1)
        config.merge(Config({cls: {trait: value}}))
    return config


def _init_worker(grading_dir: str, overrides: dict) -> None:
    global _API
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    os.chdir(grading_dir)
    config = load_config(Path(grading_dir), overrides)
    _API = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def _ready() -> bool:
    return _API is not None


def default_jobs() -> int:
    """Workers by default: one more than the CPUs, since a worker waits while its kernel starts."""
    return (os.cpu_count() or 1) + 1


def _grade(lab: str, student: str) -> Outcome:
    t0 = time.monotonic()
    result = _API.autograde(lab, student, force=True, create=True)
    return Outcome(student, bool(result.get("success")), time.monotonic() - t0,
                   error=result.get("error") or "", log=result.get("log") or "", lab=lab)


def submissions(grading_dir: Path, lab: str, config=None) -> list[str]:
    """Students with a submission of ``lab`` (directories submitted/<student>/<lab>), sorted."""
    submitted = _course_path(grading_dir, "submitted_directory", config)
    return sorted(p.parent.name for p in submitted.glob(f"*/{lab}") if p.is_dir())


def _course_path(grading_dir: Path, trait: str, config) -> Path:
    from nbgrader.coursedir import CourseDirectory

    cd = CourseDirectory(config=config or load_config(grading_dir))
    return Path(cd.root) / getattr(cd, trait)


def _score(config, lab: str, student: str) -> tuple[float | None, float | None]:
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.coursedir import CourseDirectory

    cd = CourseDirectory(config=config)
    with Gradebook(cd.db_url, cd.course_id) as gb:
        try:
            sub = gb.find_submission(lab, student)
        except MissingEntry:
            return None, None
        return sub.score, sub.max_score


def autograde(grading_dir: Path | str, labs: str | list[str], *, students: list[str] | None = None,
              jobs: int | None = None, overrides: dict | None = None, echo=print) -> Report:
    """Autograde ``labs`` (one name or several) for ``students`` (default: every submission) with
    ``jobs`` workers (default: :func:`default_jobs`), all labs' submissions in one pool.

    ``overrides`` are extra config values, e.g. ``{"Execute.timeout": 60}``. ``echo`` gets one
    progress line per finished submission (None: silent).
    """
    t0 = time.monotonic()
    grading_dir = Path(grading_dir).resolve()
    overrides = dict(overrides or {})
    jobs = max(1, jobs or default_jobs())
    say = echo or (lambda *_: None)
    labs = [labs] if isinstance(labs, str) else list(labs)
    done: dict[tuple[str, str], Outcome] = {}
    todo: list[tuple[str, str]] | None = None  # (lab, student)
    config = None
    attempts = 0
    report = Report(labs)
    while attempts < 2 and (todo is None or len(done) < len(todo)):
        attempts += 1
        ctx = get_context("spawn")  # a clean interpreter: nbgrader, zmq and asyncio do not survive fork
        try:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                                     initargs=(str(grading_dir), overrides)) as pool:
                if todo is None:
                    # The workers start (and load nbgrader, seconds) while this process reads the course.
                    for _ in range(jobs):
                        pool.submit(_ready)
                    config = load_config(grading_dir, overrides)
                    todo = [(lab, s) for lab in labs
                            for s in (students if students is not None else submissions(grading_dir, lab, config))]
                    say(f"autograding {', '.join(labs)}: {len(todo)} submission(s), {jobs} worker(s)")
                pending = [key for key in todo if key not in done]
                futures = {pool.submit(_grade, *key): key for key in pending}
                for fut in as_completed(futures):
                    lab, student = key = futures[fut]
                    try:
                        outcome = fut.result()
                    except BrokenProcessPool:
                        raise
                    except Exception as e:  # noqa: BLE001 - one submission's failure must not stop the rest
                        outcome = Outcome(student, False, 0.0, error=f"{type(e).__name__}: {e}", lab=lab)
                    if outcome.ok:
                        outcome.score, outcome.max_score = _score(config, lab, student)
                    done[key] = outcome
                    say(_line(len(done), len(todo), outcome, len(labs) > 1))
        except BrokenProcessPool:
            say("a grading worker died; retrying the submissions it had not finished")
    if todo is None:
        raise RuntimeError(f"the grading workers could not start nbgrader for {grading_dir} (twice)")
    for lab, student in todo:
        if (lab, student) not in done:
            done[lab, student] = Outcome(student, False, 0.0, error="its grading worker died twice", lab=lab)
            say(_line(len(done), len(todo), done[lab, student], len(labs) > 1))
    report.outcomes = [done[key] for key in todo]
    report.seconds = time.monotonic() - t0
    say(f"done in {report.seconds:.1f} s: {len(todo) - len(report.failed)} graded, {len(report.failed)} failed")
    return report


def _line(k: int, n: int, o: Outcome, with_lab: bool = False) -> str:
    who = f"{o.lab}/{o.student}" if with_lab else o.student
    if o.ok:
        score = f"{o.score:g}/{o.max_score:g}" if o.score is not None else "graded"
        return f"[{k}/{n}] {who}: {score} ({o.seconds:.1f} s)"
    return f"[{k}/{n}] {who}: FAILED ({o.error.strip().splitlines()[-1] if o.error.strip() else 'see log'})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m goenv.grading autograde",
                                     description="Autograde every submission of one or more labs in parallel (nbgrader).")
    parser.add_argument("labs", nargs="+", metavar="LAB", help="assignment name(s), e.g. lab01")
    parser.add_argument("--student", action="append", help="only this student (repeatable)")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="workers (default: CPU count + 1)")
    parser.add_argument("--timeout", type=float, default=None, help="per-cell timeout in seconds (Execute.timeout)")
    parser.add_argument("--course", default=".", help="the directory of nbgrader_config.py (default: .)")
    args = parser.parse_args(argv)
    overrides = {"Execute.timeout": args.timeout} if args.timeout else {}
    report = autograde(args.course, args.labs, students=args.student, jobs=args.jobs, overrides=overrides)
    for o in report.failed:
        print(f"\n--- {o.lab}/{o.student}: nbgrader could not grade this submission\n{o.error}\n{o.log}",
              file=sys.stderr)
    return 1 if report.failed else 0
