"""How chapters show tables and Go source: one look across the course.

A chapter function returns a DataFrame whose ``attrs`` carry the presentation (``caption``,
``note``, ``label`` with Go version, target and native/emulated, and optionally ``formats``,
``hide``, ``small``, ``code``); :func:`show` turns it into an HTML table. :func:`show_go`
shows one Go file or several (a dict or a txtar archive) as highlighted code blocks.
"""

from __future__ import annotations

import html
from typing import Iterable

import pandas as pd


def show(df: pd.DataFrame, *, float_format: str = "{:.3g}", int_format: str | None = None):
    """Render a chapter table: no index, a caption, a note and the label of the measurement.

    Args:
        df: ``df.attrs`` may hold ``caption``, ``note``, ``label``, ``formats`` (column → format
            string), ``hide`` (columns not shown), ``small`` (a smaller font for wide tables),
            ``code`` (columns in a monospace font) and ``pre`` (columns whose line breaks are kept).
        float_format, int_format: formats of float and integer columns (integers as they are by default).

    Returns:
        A pandas Styler (Jupyter displays it as an HTML table).
    """
    parts = [html.escape(df.attrs.get("caption", ""))]
    if df.attrs.get("note"):
        parts.append(f"<br><i>{html.escape(df.attrs['note'])}</i>")
    if df.attrs.get("label"):
        parts.append(f"<br><span style='font-size:smaller;opacity:.75'>{html.escape(df.attrs['label'])}</span>")
    # escape="html": cells hold program output and Go source such as "err=<nil>" or "<-ctx.Done()",
    # which a browser would eat as tags.
    styler = df.style.hide(axis="index").set_caption("".join(parts)).format(escape="html", na_rep="—")
    floats = [c for c in df.columns if pd.api.types.is_float_dtype(df[c])]
    styler = styler.format(float_format, subset=floats, na_rep="—")
    if int_format:
        ints = [c for c in df.columns if pd.api.types.is_integer_dtype(df[c])]
        styler = styler.format(int_format, subset=ints)
    for col, fmt in df.attrs.get("formats", {}).items():
        if col in df.columns:
            styler = styler.format(fmt, subset=[col], na_rep="—")
    hidden = [c for c in df.attrs.get("hide", ()) if c in df.columns]
    if hidden:
        styler = styler.hide(subset=hidden, axis="columns")
    if df.attrs.get("small"):  # wide tables: a smaller font keeps them inside the notebook's width
        styler = styler.set_properties(**{"font-size": "0.85em"})
    code = [c for c in df.attrs.get("code", ()) if c in df.columns and c not in hidden]
    if code:
        styler = styler.set_properties(subset=code, **{"font-family": "var(--jp-code-font-family, monospace)"})
    pre = [c for c in df.attrs.get("pre", ()) if c in df.columns and c not in hidden]
    if pre:  # multi-line cells (one changed line per line) keep their line breaks
        styler = styler.set_properties(subset=pre, **{"white-space": "pre-wrap"})
    return styler.set_table_styles([
        {"selector": "caption", "props": "caption-side: top; text-align: left; padding-bottom: 4px;"},
        {"selector": "td, th", "props": "text-align: left; vertical-align: top;"},
    ])


def show_go(files: dict[str, str] | str, only: Iterable[str] | None = None):
    """Show Go sources (and go.mod or other files) as highlighted code blocks, each under its name.

    Args:
        files: one Go source, a txtar archive (``-- name --`` headers) or a dict of name → text.
        only: names to show (default: all), to keep long programs to a screen.

    Returns:
        An IPython Markdown object.

    Raises:
        KeyError: a name in ``only`` is not one of the files.
    """
    from IPython.display import Markdown

    from ..workspace import looks_like_txtar, parse_txtar

    if isinstance(files, str):
        files = parse_txtar(files) if looks_like_txtar(files) else {"main.go": files}
    if only is not None:
        files = {name: files[name] for name in only}
    blocks = []
    for name, text in files.items():
        lang = "go" if name.endswith(".go") else ""
        blocks.append(f"**{html.escape(name)}**\n```{lang}\n{text.rstrip()}\n```")
    return Markdown("\n\n".join(blocks))
