"""Course helpers for the chapter notebooks: myth checks, self-checks, labels, chapter experiments.

Notebook cells stay thin: a cell calls one function from here (or from goenv)
and displays what it returns. Chapter-specific experiments live in
``goenv.course.chNN`` modules, each tested in ``tests/test_course_chNN.py``.
"""

from __future__ import annotations

from .labels import environment_summary, label, show_environment
from .myth import MYTH_MIME, MythCheck, myth_check
from .quiz import choice, numeric, predict

__all__ = [
    "MYTH_MIME", "MythCheck", "myth_check", "choice", "numeric", "predict",
    "label", "environment_summary", "show_environment",
]
