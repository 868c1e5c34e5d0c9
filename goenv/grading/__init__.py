"""Grading the course's labs with nbgrader.

* :mod:`goenv.grading.preprocessors` — :class:`ClearGoSolutions`, nbgrader's ClearSolutions made
  Go-aware: a solution region inside a ``%%go`` cell becomes a Go stub that compiles and, when
  run, panics with "not implemented yet" (nbgrader would splice Python's
  ``raise NotImplementedError()`` into the Go source).
* :mod:`goenv.grading.checks` — what the labs' test cells call: build and run the learner's kept
  ``%%go --name`` program and assert on real artefacts (ELF machine, linkage, output). Failures
  raise :class:`~goenv.grading.checks.CheckFailed`, which IPython shows as its message only.

The course itself (``nbgrader_config.py``, source assignments) lives in ``grading/``.
"""

from .checks import CheckFailed

__all__ = ["CheckFailed"]
