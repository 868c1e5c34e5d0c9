"""What every widget shares: one background job at a time, Stop, wait(), and the busy spinner.

Work runs in a daemon thread so the kernel stays responsive (a Stop click is a
message the kernel must be free to handle) and so ``wait()`` lets papermill or a
test block until the job is done.
"""

from __future__ import annotations

import html
import logging
import threading
from typing import Callable

LOGGER = logging.getLogger(__name__)


def spinner_html(text: str) -> str:
    """The busy indicator: a spinning icon and what is happening."""
    return f"<span class='goenv-busy'><i class='fa fa-spinner fa-spin'></i> {html.escape(text)}</span>"


class BackgroundJob:
    """At most one worker thread; ``cancel`` is a fresh Event for each job (set it to stop the job)."""

    def __init__(self, name: str):
        self.name = name
        self.thread: threading.Thread | None = None
        self.cancel = threading.Event()
        self._lock = threading.Lock()

    @property
    def busy(self) -> bool:
        t = self.thread
        return t is not None and t.is_alive()

    def start(self, target: Callable, *args, before: Callable[[], None] | None = None,
              undo: Callable[[], None] | None = None, with_cancel: bool = False) -> bool:
        """Start ``target(*args)`` unless a job is running; returns whether it started.

        ``before`` runs under the lock first (mark the widget busy); ``undo`` runs if the
        thread cannot be started (so the widget is not left looking busy); with
        ``with_cancel`` the job's cancel Event is passed as the last argument.
        """
        with self._lock:
            if self.busy:
                return False  # a second click while busy is ignored, not queued
            self.cancel = threading.Event()
            if with_cancel:
                args = (*args, self.cancel)
            if before is not None:
                before()
            try:
                self.thread = threading.Thread(target=target, args=args, name=f"goenv-{self.name}", daemon=True)
                self.thread.start()
            except BaseException:
                if undo is not None:
                    undo()
                raise
            return True

    def stop(self) -> None:
        self.cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Join the current job; True when nothing is running any more."""
        t = self.thread
        if t is not None:
            t.join(timeout)
        return not self.busy


class JobMixin:
    """``stop()``, ``wait()`` and ``busy`` for a widget whose background work runs in ``self._job``.

    The click helpers expect the widget to have ``refresh()``, ``_show_error(text)``,
    ``_set_busy(busy)`` and a ``spinner`` HTML widget.
    """

    _job: BackgroundJob

    def _start_clicked(self, name: str, what: str = "") -> None:
        # A handler that raises leaves the button looking dead; show the problem instead.
        try:
            self.refresh()
        except Exception as exc:  # noqa: BLE001 - shown to the learner, logged for us
            LOGGER.exception("%s: could not start", name)
            self._show_error(f"could not start{what} ({type(exc).__name__}: {exc}); see the log")
            self._set_busy(False)

    def _stop_clicked(self, name: str) -> None:
        try:
            self.stop()
            self.spinner.value = spinner_html("stopping…")
        except Exception:  # noqa: BLE001 - Stop must never raise into the frontend
            LOGGER.exception("%s: stop failed", name)

    def stop(self) -> None:
        """Ask the running job to stop (its cancel Event; a running program is interrupted)."""
        self._job.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current job finishes; False if it is still running after ``timeout`` s."""
        return self._job.wait(timeout)

    @property
    def busy(self) -> bool:
        """True while the widget's worker thread is building or running."""
        return self._job.busy
