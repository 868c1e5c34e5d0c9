"""Myth checks: what the seed (or folklore) claims, the experiment, and the verdict measured just now.

Each check displays a card for the learner and also publishes a machine-readable
copy under ``MYTH_MIME`` in the cell output, so the notebook tests can assert that
the verdict computed in the notebook matches the errata.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field

MYTH_MIME = "application/vnd.goenv.myth+json"
VERDICTS = ("true", "false", "misleading", "invented figure")
_COLORS = {"true": "var(--jp-success-color1, #388e3c)", "false": "var(--jp-error-color1, #d32f2f)",
           "misleading": "var(--jp-warn-color1, #f57c00)", "invented figure": "var(--jp-error-color1, #d32f2f)"}


@dataclass(frozen=True)
class MythCheck:
    """One myth check and its measured verdict.

    Attributes:
        id: the errata entry (e.g. "2.3-a").
        claim: what the seed or folklore says, in English.
        experiment: what the notebook just ran, in one sentence.
        verdict: one of VERDICTS, computed from ``evidence``.
        evidence: the measured values the verdict rests on.
        truth: what is actually true (the lesson).
        label: Go version, target, native/emulated of the measurement.
    """

    id: str
    claim: str
    experiment: str
    verdict: str
    evidence: dict = field(default_factory=dict)
    truth: str = ""
    label: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    def _ipython_display_(self):
        # myth_check() already displayed the card; a bare call ending a cell must not show it twice.
        if not getattr(self, "_shown", False):
            from IPython.display import display

            display(bundle(self), raw=True)
            object.__setattr__(self, "_shown", True)


def myth_check(id: str, *, claim: str, experiment: str, holds: bool | None = None, verdict: str | None = None,
               evidence: dict | None = None, truth: str = "", label: str = "", show: bool = True) -> MythCheck:
    """Record and display a myth check.

    Args:
        holds: whether the claim held in the experiment; gives verdict "true"/"false" unless
            ``verdict`` is given (e.g. "misleading" when it holds only in part).
        evidence: the measured values (shown as a table, published as JSON).
        show: display the card now.
    """
    if verdict is None:
        if holds is None:
            raise ValueError("give holds=True/False or an explicit verdict")
        verdict = "true" if holds else "false"
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, not {verdict!r}")
    m = MythCheck(id, claim, experiment, verdict, dict(evidence or {}), truth, label)
    if show:
        m._ipython_display_()
    return m


def bundle(m: MythCheck) -> dict:
    """The MIME bundle: HTML card, plain text, and the JSON record."""
    color = _COLORS[m.verdict]
    ev = "".join(f"<tr><td style='text-align:left'>{html.escape(str(k))}</td>"
                 f"<td style='text-align:left'><code>{html.escape(_fmt(v))}</code></td></tr>" for k, v in m.evidence.items())
    card = (
        f"<div class='goenv-myth' style='border-left:6px solid {color};padding:6px 12px;margin:8px 0;"
        f"background:var(--jp-layout-color2,#f5f5f5)'>"
        f"<div><b>Myth check {html.escape(m.id)}</b> — <i>{html.escape(m.claim)}</i></div>"
        f"<div style='margin-top:4px'>Experiment: {html.escape(m.experiment)}</div>"
        + (f"<table style='margin-top:4px'>{ev}</table>" if ev else "")
        + f"<div style='margin-top:4px'>Verdict: <b style='color:{color}'>{html.escape(m.verdict.upper())}</b>"
        + (f" — {html.escape(m.truth)}" if m.truth else "") + "</div>"
        + (f"<div style='font-size:smaller;opacity:.75'>Measured with {html.escape(m.label)}</div>" if m.label else "")
        + "</div>"
    )
    text = (f"Myth check {m.id}: {m.claim}\n  experiment: {m.experiment}\n"
            + "".join(f"  {k}: {_fmt(v)}\n" for k, v in m.evidence.items())
            + f"  verdict: {m.verdict.upper()}" + (f" — {m.truth}" if m.truth else "")
            + (f"\n  measured with {m.label}" if m.label else ""))
    return {"text/plain": text, "text/html": card, MYTH_MIME: json.loads(json.dumps(m.to_dict(), default=str))}


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)
