"""One Go function compiled for several GOARCH values, side by side by source line.

    from goenv.widgets import disasm_compare
    d = disasm_compare(src, "store", ("amd64", "arm64"))
    d.wait()
    d.frame          # file, line, amd64, arm64: the instructions of each source line
    d.rows["arm64"]  # the goenv.disasm.Instruction list of one architecture

The point of the memory-model chapter is visible at a glance: atomic and
barrier instructions (``XCHGQ`` on amd64, ``STLR``/``LDAR`` on arm64,
``AMOSWAP`` on riscv64, ``SYNC`` on ppc64le, ...) are highlighted, as
:func:`goenv.disasm.classify` names them.

The widget is a thin layer: :func:`goenv.build` (GOOS=linux) for each
architecture, :func:`goenv.disasm.disassemble` for the function,
:func:`goenv.disasm.align_by_line` to line them up.
"""

from __future__ import annotations

import html
import logging
import os
from pathlib import PurePosixPath
from typing import Iterable

import ipywidgets as widgets
import pandas as pd

from ..build import build
from ..disasm import align_by_line, classify, disassemble
from ..errors import GoEnvError
from ..options import BuildOptions
from ..workspace import Program
from ._worker import BackgroundJob, JobMixin, spinner_html

LOGGER = logging.getLogger(__name__)

__all__ = ["DisasmCompare", "disasm_compare", "GOARCHES"]

#: The architectures offered (all are Linux ports that ``go tool objdump`` can read).
GOARCHES = ("amd64", "arm64", "riscv64", "ppc64le", "s390x", "loong64", "386", "arm")

# Highlight colours, with a class name so a notebook's CSS can restyle them.
_KIND_STYLE = {
    "atomic": "background: #ffe0b2; color: #6d3200; font-weight: bold; border-radius: 2px;",
    "barrier": "background: #e1bee7; color: #4a148c; font-weight: bold; border-radius: 2px;",
}
# Inherited properties go on the table once; only the rest is repeated per cell.
_TABLE = ("border-collapse: collapse; text-align: left; white-space: pre; "
          "font-family: var(--jp-code-font-family, monospace); font-size: 12px;")
_CELL = "text-align: left; vertical-align: top; padding: 2px 8px;"
_ERROR_STYLE = ("color: var(--jp-error-color1, #d32f2f); white-space: pre-wrap; margin: 4px 0;"
                "font-family: var(--jp-code-font-family, monospace)")
_REGEX_CHARS = set("^$[]|+?\\{}*")


class DisasmCompare(JobMixin, widgets.VBox):
    """Disassemble one function for several architectures and align them by source line.

    Attributes:
        frame: The aligned DataFrame from :func:`goenv.disasm.align_by_line`: ``file``,
            ``line`` and one column per GOARCH (instructions joined with "; ").
        rows: GOARCH -> list of :class:`goenv.disasm.Instruction`, for the architectures
            that built and disassembled.
        builds: GOARCH -> :class:`~goenv.results.BuildResult`.
        errors: GOARCH -> message, for the architectures that failed.
        error: All failure messages as one text (None when every architecture worked).
        html: The rendered comparison table.
        func_text, arch_boxes, button, spinner, error_html, table: the widgets.
    """

    def __init__(self, program, func: str = "", goarches: Iterable[str] = ("amd64", "arm64"), *, options=None,
                 limits=None, toolchain=None, autorun: bool = False, **kwargs):
        """Create the widget.

        Args:
            program: Anything :func:`goenv.build` accepts.
            func: The function: ``"f"`` (taken as ``main.f``), ``"main.(*T).m"``, or a regex
                such as ``"^main\\."``.
            goarches: The architectures ticked at first (others can be ticked in the widget).
            options: Base build options (BuildOptions or dict); GOOS is always linux and
                GOARCH comes from the check boxes.
            limits: Limits for the builds.
            toolchain: The toolchain to use (default: goenv's).
            autorun: Disassemble at once.
            **kwargs: Passed to ``ipywidgets.VBox``.
        """
        self.program = program
        self.options = options
        self.limits = limits
        self.toolchain = toolchain
        self.frame = pd.DataFrame(columns=["file", "line"])
        self.rows: dict = {}
        self.builds: dict = {}
        self.errors: dict[str, str] = {}
        self.error: str | None = None
        self.html = ""
        self._job = BackgroundJob("disasm-compare")

        wanted = [str(a) for a in goarches]
        self.func_text = widgets.Text(value=func, description="Function", placeholder="main.f",
                                      continuous_update=False, layout=widgets.Layout(width="320px"))
        self.arch_boxes = {
            arch: widgets.Checkbox(value=arch in wanted, description=arch, indent=False,
                                   layout=widgets.Layout(width="auto", margin="0 12px 0 0"))
            for arch in dict.fromkeys([*GOARCHES, *wanted])
        }
        self.button = widgets.Button(description="Disassemble", icon="cogs", button_style="primary")
        self.spinner = widgets.HTML("", layout=widgets.Layout(visibility="hidden"))
        self.error_html = widgets.HTML("")
        # The table scrolls inside the widget instead of pushing the controls sideways.
        self.table = widgets.HTML("", layout=widgets.Layout(width="100%", overflow="auto"))
        self.button.on_click(self._on_click)
        super().__init__([
            widgets.HBox([self.func_text, self.button, self.spinner]),
            widgets.HBox(list(self.arch_boxes.values())),
            self.error_html, self.table,
        ], **kwargs)
        if autorun:
            self.refresh()

    # -- public API --------------------------------------------------------------

    def refresh(self) -> "DisasmCompare":
        """Build and disassemble in a background thread (no-op while one is running)."""
        # Read the controls in the caller's thread; the worker only writes.
        func = self.func_text.value
        arches = [a for a, box in self.arch_boxes.items() if box.value]
        self._job.start(self._work_guarded, func, arches,
                        before=lambda: self._set_busy(True, "building…"), undo=lambda: self._set_busy(False))
        return self

    run = refresh

    # -- worker ------------------------------------------------------------------

    def _on_click(self, _button=None) -> None:
        self._start_clicked("disasm compare")

    def _work_guarded(self, func: str, arches: list[str]) -> None:
        try:
            self._work(func, arches)
        except GoEnvError as exc:
            self._show_error(str(exc))
        except Exception as exc:  # noqa: BLE001 - a widget must never get stuck
            LOGGER.exception("disasm compare failed")
            self._show_error(f"unexpected error ({type(exc).__name__}: {exc}); details are in the log")
        finally:
            self._set_busy(False)

    def _work(self, func: str, arches: list[str]) -> None:
        self._show_error(None)
        self.rows, self.builds, self.errors = {}, {}, {}
        symbol = symbol_name(func)
        if not symbol:
            raise GoEnvError("enter the name of a function, e.g. main.f (or just f)")
        if not arches:
            raise GoEnvError("tick at least one GOARCH")
        # Bad options are wrong for every architecture: one message, not one per column.
        base = BuildOptions.coerce(self.options)
        prog = Program.coerce(self.program)
        tc = self._tc()
        for arch in arches:
            self.spinner.value = spinner_html(f"linux/{arch}…")
            try:
                b = build(prog, base, goos="linux", goarch=arch, limits=self.limits, toolchain=tc)
                self.builds[arch] = b
                if not b.ok:
                    self.errors[arch] = b.message
                    continue
                try:
                    self.rows[arch] = disassemble(b.binary, symbol, toolchain=tc)
                except GoEnvError as exc:
                    # The cache path of the binary means nothing to a learner, and without
                    # it the messages of the architectures agree and can be shown once.
                    self.errors[arch] = str(exc).replace(str(b.binary), "the build")
            except GoEnvError as exc:
                self.errors[arch] = str(exc)
            except Exception as exc:  # noqa: BLE001 - one architecture must not hide the others
                LOGGER.exception("disasm compare: %s failed", arch)
                self.errors[arch] = f"unexpected error ({type(exc).__name__}: {exc})"
        if self.errors:
            self._show_error(_group_errors(self.errors))
        self.frame = align_by_line(self.rows) if self.rows else pd.DataFrame(columns=["file", "line"])
        self.html = render_html(self.rows, prog) if self.rows else ""
        self.table.value = self.html

    def _tc(self):
        if self.toolchain is None:
            from ..toolchain import default

            return default()
        return self.toolchain

    # -- UI state ----------------------------------------------------------------

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.button.disabled = busy
        self.func_text.disabled = busy
        for box in self.arch_boxes.values():
            box.disabled = busy
        self.spinner.value = spinner_html(text) if busy else ""
        self.spinner.layout.visibility = "visible" if busy else "hidden"

    def _show_error(self, message: str | None) -> None:
        self.error = message
        self.error_html.value = ("" if message is None else
                                 f"<div class='goenv-error' style='{_ERROR_STYLE}'>{html.escape(message)}</div>")


def _group_errors(errors: dict[str, str]) -> str:
    """``"amd64, arm64: msg"``: one line per distinct message, not one per architecture."""
    by_message: dict[str, list[str]] = {}
    for arch, msg in errors.items():
        by_message.setdefault(msg, []).append(arch)
    return "\n".join(f"{', '.join(arches)}: {msg}" for msg, arches in by_message.items())


def symbol_name(func: str) -> str:
    """The symbol to look for: ``"f"`` -> ``"main.f"``; qualified names and regexes unchanged."""
    func = (func or "").strip()
    if func and "." not in func and not set(func) & _REGEX_CHARS:
        return "main." + func
    return func


def render_html(rows: dict, program: Program | None = None) -> str:
    """The side-by-side table: source line first, then one column per GOARCH.

    Args:
        rows: GOARCH -> instructions (from :func:`goenv.disasm.disassemble`).
        program: The program, to show the text of its source lines.
    """
    # One instruction per line inside a cell, so each can carry its own highlight.
    aligned = align_by_line(rows, sep="\n")
    sources = _SourceLines(program, rows)
    arches = list(rows)
    head = f"<th style='{_CELL}'>source</th>" + "".join(
        f"<th style='{_CELL}'>{html.escape(a)}<br><span style='font-weight:normal'>"
        f"({_count(rows[a], a)})</span></th>" for a in arches)
    body = []
    for rec in aligned.to_dict("records"):
        src = sources.get(rec["file"], int(rec["line"]))
        where = f"{rec['file']}:{rec['line']}"
        first = (f"<td style='{_CELL}'><span style='opacity:0.6'>{html.escape(where)}</span>"
                 f"{'  ' + html.escape(src.strip()) if src else ''}</td>")
        cells = "".join(f"<td style='{_CELL}'>{_cell_html(rec[a], a)}</td>" for a in arches)
        body.append(f"<tr class='goenv-disasm-line'>{first}{cells}</tr>")
    legend = ("<div style='margin:4px 0'>"
              f"<span class='goenv-atomic' style='{_KIND_STYLE['atomic']}'>&nbsp;atomic&nbsp;</span> "
              f"<span class='goenv-barrier' style='{_KIND_STYLE['barrier']}'>&nbsp;barrier&nbsp;</span></div>")
    return (f"{legend}<div style='overflow-x:auto'><table class='goenv-disasm' style='{_TABLE}'>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")


def _count(insts, arch: str) -> str:
    kinds = [classify(i, arch) for i in insts if not i.is_padding]
    n_atomic = sum(k is not None for k in kinds)
    return f"{len(kinds)} instructions" + (f", {n_atomic} atomic/barrier" if n_atomic else "")


def _cell_html(cell: str, arch: str) -> str:
    out = []
    for text in filter(None, (cell or "").split("\n")):
        kind = classify(text, arch)
        if kind:
            out.append(f"<span class='goenv-insn goenv-{kind}' style='{_KIND_STYLE[kind]}' "
                       f"title='{kind}'>{html.escape(text)}</span>")
        else:
            out.append(f"<span class='goenv-insn'>{html.escape(text)}</span>")
    return "<br>".join(out)


class _SourceLines:
    """Source text by (basename, line): the program's own files first, then files on disk.

    objdump prints basenames; the program's files are matched by basename, and
    code inlined from the standard library is read from its GOROOT path.
    """

    def __init__(self, program: Program | None, rows: dict):
        self._lines: dict[str, list[str] | None] = {}
        if program is not None:
            for rel, data in program.files:
                if rel.endswith(".go"):
                    name = PurePosixPath(rel).name
                    self._lines.setdefault(name, data.decode("utf-8", errors="replace").splitlines())
        self._paths = {i.file: i.path for insts in rows.values() for i in insts if i.path}

    def get(self, file: str, line: int) -> str | None:
        if file not in self._lines:
            self._lines[file] = self._read(self._paths.get(file))
        lines = self._lines[file]
        return lines[line - 1] if lines and 1 <= line <= len(lines) else None

    @staticmethod
    def _read(path: str | None) -> list[str] | None:
        if not path or not os.path.isfile(path):
            return None
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return f.read().splitlines()
        except OSError:
            return None


def disasm_compare(program, func: str, goarches: Iterable[str] = ("amd64", "arm64"), *, options=None,
                   autorun: bool = True, **kwargs) -> DisasmCompare:
    """Show ``func`` compiled for each GOARCH side by side (see :class:`DisasmCompare`).

    Args:
        program: Source text, dict of files, txtar or path.
        func: ``"f"`` (main.f), a qualified symbol, or a regex.
        goarches: Architectures to compare (GOOS is linux).
        options: Base build options.
        autorun: Disassemble at once (the function is known, so there is nothing to wait for).
        **kwargs: ``limits``, ``toolchain`` and ipywidgets layout arguments.

    Returns:
        The widget; after ``.wait()``, ``.frame`` and ``.rows`` hold the results.
    """
    return DisasmCompare(program, func, goarches, options=options, autorun=autorun, **kwargs)
