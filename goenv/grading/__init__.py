"""Grading the course's labs with nbgrader.

* :mod:`goenv.grading.preprocessors` — :class:`ClearGoSolutions`, nbgrader's ClearSolutions made
  Go-aware: a solution region inside a ``%%go`` cell becomes a Go stub that compiles and, when
  run, panics with "not implemented yet" (nbgrader would splice Python's
  ``raise NotImplementedError()`` into the Go source).
* :mod:`goenv.grading.checks` — what the labs' test cells call: build and run the learner's kept
  ``%%go --name`` program and assert on real artefacts (ELF machine, linkage, output). Failures
  raise :class:`~goenv.grading.checks.CheckFailed`, which IPython shows as its message only.

* ``goenv.grading.checks_labNN`` / ``checks_capstone`` — the checks only one lab needs (race-free
  runs and live disassembly for lab 04, ``go list`` selections for lab 05 and the capstone, builds
  in a throwaway git checkout for lab 06, MemStats/pprof for lab 07, ...), on the same conventions.
* :mod:`goenv.grading.jail` — grading kernels that see the course directory and HOME read-only.
* :mod:`goenv.grading.autograde` — ``python -m goenv.grading autograde LAB``: nbgrader's autograde
  for several submissions at once, with progress.

The course itself (``nbgrader_config.py``, source assignments) lives in ``grading/``; the
instructor workflow is in ``grading/README.md``.
"""

from .checks import CheckFailed

__all__ = ["CheckFailed"]
