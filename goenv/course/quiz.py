""""Check yourself" questions with immediate, ungraded feedback.

Each function returns an ipywidgets box: the learner answers, clicks Check and
gets feedback at once. ``predict`` asks for a prediction *before* revealing
the answer by running the experiment (a callable) live. Under papermill (no
browser) the widgets simply render; tests click Check programmatically.
"""

from __future__ import annotations

import html
import logging
from typing import Callable

import ipywidgets as W

LOGGER = logging.getLogger(__name__)
_OK = "var(--jp-success-color1, #388e3c)"
_BAD = "var(--jp-error-color1, #d32f2f)"


def _feedback(ok: bool, text: str) -> str:
    color, mark = (_OK, "✓ Right.") if ok else (_BAD, "✗ Not quite.")
    return f"<div style='border-left:4px solid {color};padding:2px 8px'><b>{mark}</b> {html.escape(text)}</div>"


class _Question(W.VBox):
    def __init__(self, question: str, control: W.Widget, check: Callable[[], tuple[bool, str]], button="Check"):
        self.control = control
        self.button = W.Button(description=button, button_style="info")
        self.feedback = W.HTML()
        self.attempts = 0
        self.correct: bool | None = None
        self._check = check
        self.button.on_click(lambda _: self.check())
        super().__init__([W.HTML(f"<b>Check yourself.</b> {html.escape(question)}"), control,
                          W.HBox([self.button]), self.feedback])
        self.add_class("goenv-quiz")

    def check(self) -> bool:
        """Evaluate the current answer and show feedback (the Check button calls this)."""
        self.attempts += 1
        try:
            ok, text = self._check()
        except Exception as exc:  # an experiment failing must not leave a dead button
            LOGGER.exception("self-check failed")
            ok, text = False, f"the experiment behind this question failed: {exc}"
        self.correct = ok
        self.feedback.value = _feedback(ok, text)
        return ok


def choice(question: str, options: list[str], answer: int | str, explain: str) -> _Question:
    """Multiple choice; ``answer`` is the index or the text of the right option."""
    right = options[answer] if isinstance(answer, int) else answer
    if right not in options:
        raise ValueError(f"answer {answer!r} is not one of the options")
    radio = W.RadioButtons(options=options, value=None, layout=W.Layout(width="max-content"))

    def check():
        if radio.value is None:
            return False, "pick an answer first."
        return radio.value == right, explain

    return _Question(question, radio, check)


def numeric(question: str, answer: float | Callable[[], float], *, tolerance: float = 0.0, unit: str = "",
            explain: str | Callable[[float], str] = "") -> _Question:
    """A number; ``answer`` may be a callable measuring it live. Right within ``tolerance`` (relative if < 1)."""
    box = W.FloatText(value=0.0, description=unit or "answer", layout=W.Layout(width="220px"))

    def check():
        truth = answer() if callable(answer) else answer
        tol = abs(truth) * tolerance if 0 < tolerance < 1 else tolerance
        ok = abs(box.value - truth) <= tol
        why = explain(truth) if callable(explain) else explain
        return ok, f"measured: {truth:g}{(' ' + unit) if unit else ''}. {why}".strip()

    return _Question(question, box, check)


def predict(question: str, options: list[str], reveal: Callable[[], tuple[str, str]]) -> _Question:
    """Ask for a prediction, then run ``reveal()`` — the live experiment — returning (right option, details)."""
    radio = W.RadioButtons(options=options, value=None, layout=W.Layout(width="max-content"))

    def check():
        if radio.value is None:
            return False, "make a prediction first — then the experiment runs."
        right, details = reveal()
        if right not in options:
            raise ValueError(f"the experiment answered {right!r}, which is not an option")
        return radio.value == right, f"the experiment says: {right}. {details}"

    return _Question(question, radio, check, button="Run the experiment")
