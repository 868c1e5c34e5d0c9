"""GoEditor: a CodeMirror 6 Go editor as an anywidget, working fully offline.

The front-end is ``static/editor.js``, one ES module bundled from ``js/editor``
(CodeMirror 6 + ``@codemirror/lang-go``); nothing is loaded from a CDN.  Rebuild it
with ``cd js/editor && npm ci && npm run build``.

    >>> from goenv.widgets.editor import GoEditor
    >>> e = GoEditor(value="package main\\n")
    >>> e.on_run(lambda editor: print(len(editor.value)))
    >>> e                                   # displays the editor in the notebook

In the editor, Shift-Enter or Ctrl/Cmd-Enter sends a run request (the text is
synced first), Tab indents, and Escape then Tab moves the focus on.
"""

from __future__ import annotations

import operator
import pathlib
from typing import Any, Callable

import anywidget
import ipywidgets
import traitlets

__all__ = ["GoEditor"]

_STATIC = pathlib.Path(__file__).parent / "static"

_CSS = """
.goenv-editor {
  box-sizing: border-box;
  display: flex;
  flex-direction: column;
  width: 100%;
  min-height: 3em;
  border: var(--jp-border-width, 1px) solid var(--jp-border-color1, #bdbdbd);
  border-radius: 2px;
  background: var(--jp-layout-color1, #fff);
  color: var(--jp-content-font-color1, rgba(0, 0, 0, 0.87));
  overflow: hidden;
}
.goenv-editor:focus-within {
  border-color: var(--jp-brand-color1, #1976d2);
  outline: 1px solid var(--jp-brand-color1, #1976d2);
}
.goenv-editor .cm-editor { flex: 1 1 auto; min-height: 0; height: 100%; }
.goenv-editor.goenv-editor--auto .cm-editor { height: auto; }
.goenv-editor .cm-editor.cm-focused { outline: none; }
.goenv-editor .cm-editor .cm-scroller {
  font-family: var(--jp-code-font-family, Menlo, Consolas, "DejaVu Sans Mono", monospace);
  font-size: var(--jp-code-font-size, 13px);
  line-height: var(--jp-code-line-height, 1.3077);
}
.goenv-editor .cm-editor .cm-content { caret-color: var(--jp-editor-cursor-color, #000); }
.goenv-editor .cm-editor .cm-cursor { border-left-color: var(--jp-editor-cursor-color, #000); }
.goenv-editor .cm-editor .cm-gutters {
  background: var(--jp-cell-editor-background, #f7f7f7);
  color: var(--jp-ui-font-color2, #757575);
  border-right: 1px solid var(--jp-border-color2, #e0e0e0);
}
.goenv-editor .cm-editor .cm-activeLine { background: var(--jp-cell-editor-active-background, rgba(0, 0, 0, 0.04)); }
.goenv-editor .cm-editor .cm-activeLineGutter { background: var(--jp-layout-color2, #eee); }
.goenv-editor .cm-editor .cm-selectionBackground,
.goenv-editor .cm-editor.cm-focused .cm-selectionBackground {
  background: var(--jp-editor-selected-focused-background, #d7d4f0);
}
.goenv-editor .cm-editor .cm-matchingBracket {
  background: transparent;
  outline: 1px solid var(--jp-brand-color2, #64b5f6);
}
.goenv-editor .cm-editor .cm-placeholder { color: var(--jp-ui-font-color3, #9e9e9e); }
.goenv-editor .cm-editor .cm-goenv-highlightLine {
  background: color-mix(in srgb, var(--jp-error-color1, #d32f2f) 18%, transparent);
}
.goenv-editor .cm-editor .cm-goenv-markers .cm-gutterElement {
  color: var(--jp-error-color1, #d32f2f);
  padding: 0 2px;
  font-size: 0.8em;
}
"""


def _line_number(item: Any) -> int:
    if isinstance(item, bool):
        raise TypeError("a line number must be an int, not a bool")
    n = operator.index(item)  # ints and int-like (numpy integers), not floats or strings
    if n < 1:
        raise ValueError(f"line numbers start at 1, got {n}")
    return n


class GoEditor(anywidget.AnyWidget):
    """A Go source editor (CodeMirror 6: highlighting, line numbers, brackets, tabs, undo).

    Synced traits:

    * ``value`` — the Go source; edits in the browser arrive ~150 ms after typing
      stops (and always before a run request); setting it from Python replaces the
      text in every view.
    * ``height`` — a CSS height such as ``"260px"`` or ``"20em"``; ``"auto"`` grows with the text.
    * ``read_only`` — the text can be selected and copied but not changed.
    * ``highlight_lines`` — 1-based line numbers to mark (red-ish background and a
      gutter dot), e.g. the lines of compile errors; kept sorted and unique.  The marks
      stay on those line numbers while the text is edited (set them again after a rebuild).
    * ``placeholder`` — text shown while the editor is empty.

    ``on_run(callback)`` registers ``callback(editor)`` for Shift-Enter / Ctrl-Enter /
    Cmd-Enter in the editor (those keys do not also execute the notebook cell).
    """

    _esm = _STATIC / "editor.js"
    _css = _CSS

    value = traitlets.Unicode("", help="The Go source text.").tag(sync=True)
    height = traitlets.Unicode("260px", help="CSS height of the editor; 'auto' grows with the text.").tag(sync=True)
    read_only = traitlets.Bool(False, help="Whether the text can be edited in the browser.").tag(sync=True)
    # Items are checked by _validate_highlight_lines (ints and numpy integers, no bools).
    highlight_lines = traitlets.List(
        default_value=[], help="1-based line numbers to mark, e.g. compile errors."
    ).tag(sync=True)
    placeholder = traitlets.Unicode("", help="Shown while the editor is empty.").tag(sync=True)

    def __init__(self, value: str | None = None, **kwargs: Any) -> None:
        if value is not None:
            kwargs["value"] = value
        super().__init__(**kwargs)
        self._run_handlers = ipywidgets.CallbackDispatcher()
        self.on_msg(self._handle_frontend_msg)

    @traitlets.validate("highlight_lines")
    def _validate_highlight_lines(self, proposal: dict) -> list[int]:
        try:
            return sorted({_line_number(x) for x in proposal["value"]})
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"highlight_lines: {exc}") from None

    def on_run(self, callback: Callable[[GoEditor], Any], remove: bool = False) -> None:
        """Register (or, with ``remove=True``, unregister) ``callback(editor)`` for run requests.

        A run request is Shift-Enter or Ctrl/Cmd-Enter in the editor; ``editor.value``
        already holds the text the user sees when the callback is called.
        """
        self._run_handlers.register_callback(callback, remove=remove)

    def request_run(self) -> None:
        """Call the ``on_run`` callbacks, as the editor's run keys do."""
        self._run_handlers(self)

    def _handle_frontend_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not (isinstance(content, dict) and content.get("event") == "run"):
            return
        text = content.get("value")
        if isinstance(text, str) and text != self.value:
            # The browser's state update for this text can arrive after the run request
            # (ipywidgets holds updates back while one is in flight; custom messages
            # overtake them), so take the text from the request.  It is the browser's own
            # text: lock it so it is not sent back (that could overwrite newer typing).
            with self._lock_property(value=text), self.hold_trait_notifications():
                self.value = text
        self.request_run()
