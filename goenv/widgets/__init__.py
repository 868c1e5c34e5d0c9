"""Notebook widgets: thin ipywidgets layers over goenv (no build or run logic of their own).

* ``playground()`` — a Go editor with target selector, CGO toggle, GODEBUG/GOMAXPROCS,
  Run / Stop / Build / Disassemble, live output and a status line.
* ``target_matrix()`` — one program across many targets: a table and a bar chart of sizes.
* ``disasm_compare()`` — one function for several GOARCH values, side by side by source line.
* ``trace_plot()`` — a program run with schedtrace/gctrace, plotted live as lines arrive.

This package is the only part of goenv that imports ipywidgets.
"""

from __future__ import annotations

__all__ = ["GoEditor", "Playground", "playground", "TargetMatrix", "target_matrix",
           "DisasmCompare", "disasm_compare", "TracePlot", "trace_plot"]

_LAZY = {
    "GoEditor": ".editor",
    "Playground": ".play", "playground": ".play",
    "TargetMatrix": ".matrix", "target_matrix": ".matrix",
    "DisasmCompare": ".disasm_view", "disasm_compare": ".disasm_view",
    "TracePlot": ".trace", "trace_plot": ".trace",
}


def __getattr__(name: str):
    # Import on first use: a chapter that only needs the trace plot does not load CodeMirror.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(name)
