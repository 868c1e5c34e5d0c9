"""One program across many targets: a table of what each binary is, and a chart of their sizes.

    from goenv.widgets import target_matrix
    m = target_matrix(src, ["linux/amd64", "linux/arm64", "windows/amd64", "js/wasm"], autorun=True)
    m            # the widget: targets, CGO toggle, "Build all", progress, table, size chart
    m.wait()     # in a script or a papermill run: let the builds finish
    m.frame      # one row per target, for the next cell

The widget is a thin layer: every build goes through :func:`goenv.build`, every
run through :func:`goenv.run_binary`, every header is read by
:func:`goenv.inspection.inspect_binary`, and how a target runs here comes from
:func:`goenv.runners.runner_for`. A target that fails (a compile error, an
unknown GOOS, a missing C cross-compiler with CGO=1) becomes a row with its
error; it never stops the other targets.
"""

from __future__ import annotations

import html
import io
import logging
import threading
from typing import Iterable

import ipywidgets as widgets
import pandas as pd

from .. import api
from ..build import build
from ..display import size_text, table_html
from ..errors import GoEnvError
from ..inspection import inspect_binary
from ..options import BuildOptions
from ..runners import runner_for
from ..targets import list_targets, parse_target
from ._worker import BackgroundJob, JobMixin, spinner_html

LOGGER = logging.getLogger(__name__)

__all__ = ["TargetMatrix", "target_matrix", "DEFAULT_TARGETS", "COLUMNS"]

#: The targets the course compares by default: the runnable Linux ports, then build-only ones.
DEFAULT_TARGETS = (
    "linux/amd64", "linux/arm64", "linux/386", "linux/riscv64", "linux/ppc64le", "linux/s390x",
    "windows/amd64", "windows/arm64", "darwin/arm64", "freebsd/amd64", "js/wasm", "wasip1/wasm",
    "aix/ppc64",
)

#: Columns of :attr:`TargetMatrix.frame`, in order.
COLUMNS = [
    "target", "how", "kind", "ok", "format", "machine", "bits", "endianness", "linkage",
    "size_bytes", "size", "stripped", "output", "error", "cached", "build_ms", "go_version",
]
# The subset shown in the HTML table (the frame keeps everything).
_TABLE_COLUMNS = ["target", "how", "format", "machine", "bits", "endianness", "linkage", "size",
                  "stripped", "output", "error"]

_CGO_CHOICES = (("default", "default"), ("CGO 0", "0"), ("CGO 1", "1"))
# Bar colours per runner kind; build-only targets are grey because nothing ran.
_KIND_COLORS = {"native": "#4c72b0", "emulated": "#dd8452", "build-only": "#9e9e9e"}
_KIND_LABELS = {"native": "native", "emulated": "emulated (qemu-user)", "build-only": "build-only"}
_ERROR_STYLE = ("color: var(--jp-error-color1, #d32f2f); white-space: pre-wrap; margin: 4px 0;"
                "font-family: var(--jp-code-font-family, monospace)")


class TargetMatrix(JobMixin, widgets.VBox):
    """Build one program for many GOOS/GOARCH targets and compare the binaries.

    Attributes:
        frame: A pandas DataFrame with one row per target (columns :data:`COLUMNS`),
            filled in as the builds finish. Empty until the first run.
        builds: Target name -> :class:`~goenv.results.BuildResult`.
        runs: Target name -> :class:`~goenv.results.RunResult`, for targets that ran.
        infos: Target name -> :class:`~goenv.inspection.BinaryInfo`, for targets that built.
        error: The last error message that stopped a whole run (bad options), else None.
        chart_png: PNG bytes of the size chart (also shown in ``chart``), or b"".
        targets_select, cgo_toggle, build_button, stop_button, progress, spinner,
        error_html, table, chart: the widgets, for tests and for custom layouts.
    """

    def __init__(self, program, targets: Iterable[str] | None = None, *, options=None, run: bool = True,
                 limits=None, toolchain=None, autorun: bool = False, **kwargs):
        """Create the widget; nothing is built until ``refresh()`` or the button.

        Args:
            program: Anything :func:`goenv.build` accepts (source, dict of files, txtar, path).
            targets: "goos/goarch" names selected at first (default :data:`DEFAULT_TARGETS`).
            options: Base build options (BuildOptions or dict); each target overrides GOOS/GOARCH,
                and the CGO toggle overrides ``cgo`` unless it is on "default".
            run: Also run the binaries of targets that can run here (natively or under qemu-user)
                and show the first line of their output.
            limits: Limits for each build and run (see :class:`goenv.Limits`).
            toolchain: The toolchain to use (default: goenv's).
            autorun: Start building at once.
            **kwargs: Passed to ``ipywidgets.VBox``.
        """
        self.program = program
        self.options = options
        self.run_programs = run
        self.limits = limits
        self.toolchain = toolchain
        self.frame = pd.DataFrame(columns=COLUMNS)
        self.builds: dict = {}
        self.runs: dict = {}
        self.infos: dict = {}
        self.error: str | None = None
        self.chart_png = b""
        self._job = BackgroundJob("target-matrix")

        wanted = [str(t) for t in (targets if targets is not None else DEFAULT_TARGETS)]
        choices, problem = self._target_choices(wanted)
        self.targets_select = widgets.SelectMultiple(
            options=choices, value=tuple(wanted), rows=min(len(wanted) + 2, 8), description="Targets",
            layout=widgets.Layout(width="420px"),
        )
        self.cgo_toggle = widgets.ToggleButtons(options=_CGO_CHOICES, value="default",
                                                tooltips=["Go's default (0 when cross-compiling)",
                                                          "CGO_ENABLED=0: pure Go, static",
                                                          "CGO_ENABLED=1: needs a C (cross-)compiler"],
                                                style={"button_width": "70px"})
        self.build_button = widgets.Button(description="Build all", icon="play", button_style="primary")
        self.stop_button = widgets.Button(description="Stop", icon="stop", disabled=True)
        self.progress = widgets.IntProgress(value=0, min=0, max=max(len(wanted), 1), description="0/0")
        self.spinner = widgets.HTML("", layout=widgets.Layout(visibility="hidden"))
        self.error_html = widgets.HTML("")
        self.table = widgets.HTML("")
        self.chart = widgets.Image(format="png", layout=widgets.Layout(display="none", max_width="760px"))
        self.build_button.on_click(self._on_build_click)
        self.stop_button.on_click(self._on_stop_click)
        controls = widgets.HBox([self.build_button, self.stop_button, self.progress, self.spinner])
        super().__init__([self.targets_select, self.cgo_toggle, controls, self.error_html, self.table, self.chart],
                         **kwargs)
        if problem:
            self._show_error(problem)
        if autorun:
            self.refresh()

    # -- public API --------------------------------------------------------------

    def refresh(self) -> "TargetMatrix":
        """Build (and run) the selected targets in a background thread; returns at once.

        Does nothing if a run is already in progress. Use :meth:`wait` to block until done.
        """
        # Read the controls here, in the caller's thread, so the worker never touches them.
        targets = list(self.targets_select.value)
        cgo = self.cgo_toggle.value
        self._job.start(self._work_guarded, targets, cgo, with_cancel=True,
                        before=lambda: self._set_busy(True, "starting…"), undo=lambda: self._set_busy(False))
        return self

    run = refresh

    # -- button handlers ---------------------------------------------------------

    def _on_build_click(self, _button=None) -> None:
        self._start_clicked("target matrix", " the builds")

    def _on_stop_click(self, _button=None) -> None:
        self._stop_clicked("target matrix")

    # -- the worker --------------------------------------------------------------

    def _work_guarded(self, targets: list[str], cgo: str, cancel: threading.Event) -> None:
        """Run :meth:`_work`; whatever happens, report it and give the buttons back."""
        try:
            self._work(targets, cgo, cancel)
        except GoEnvError as exc:
            self._show_error(str(exc))
        except Exception as exc:  # noqa: BLE001 - a widget must never get stuck
            LOGGER.exception("target matrix failed")
            self._show_error(f"unexpected error ({type(exc).__name__}: {exc}); details are in the log")
        finally:
            self._set_busy(False)

    def _work(self, targets: list[str], cgo: str, cancel: threading.Event) -> None:
        self.error = None
        self.error_html.value = ""
        # Options that make no sense (cgo="on", unknown keys) are wrong for every target:
        # say so once instead of repeating the same error on every row.
        base = BuildOptions.coerce(self.options)
        cgo_value = None if cgo == "default" else int(cgo)
        self.builds, self.runs, self.infos = {}, {}, {}
        rows: list[dict] = []
        self.frame = pd.DataFrame(columns=COLUMNS)
        self.table.value = ""
        self.progress.max = max(len(targets), 1)
        self.progress.value = 0
        self.progress.description = f"0/{len(targets)}"
        if not targets:
            self._show_error("select at least one target")
            return
        for i, target in enumerate(targets):
            if cancel.is_set():
                self._show_error(f"stopped after {i} of {len(targets)} targets")
                break
            self.spinner.value = spinner_html(f"{target} ({i + 1}/{len(targets)})…")
            rows.append(self._one_target(target, base, cgo_value, cancel))
            # A new frame object per step: a reader in another cell never sees a half-built one.
            self.frame = pd.DataFrame(rows, columns=COLUMNS)
            self.progress.value = i + 1
            self.progress.description = f"{i + 1}/{len(targets)}"
            self.table.value = _table(rows)
            self._draw_chart()

    def _one_target(self, target: str, base: BuildOptions, cgo: int | None, cancel: threading.Event) -> dict:
        """Build, inspect and maybe run one target; any failure becomes the row's ``error``."""
        row = dict.fromkeys(COLUMNS)
        row.update(target=target, ok=False)
        try:
            goos, goarch = parse_target(target)
            tc = self._tc()
            runner = runner_for(goos, goarch, tc)
            will_run = self.run_programs and runner.runnable
            row["how"] = runner.name if will_run else "build-only"
            row["kind"] = ("emulated" if runner.emulated else "native") if will_run else "build-only"
            b = build(self.program, base, goos=goos, goarch=goarch, cgo=cgo, limits=self.limits, toolchain=tc)
            self.builds[target] = b
            row.update(go_version=b.go_version, cached=b.cached, build_ms=round(b.duration_s * 1000))
            if not b.ok:
                row["error"] = b.message
                return row
            info = inspect_binary(b.binary, toolchain=tc, symbols=False)
            self.infos[target] = info
            row.update(format=info.format, machine=info.machine, bits=info.bits, endianness=info.endianness,
                       linkage=info.linkage, size_bytes=info.size, size=size_text(info.size),
                       stripped=info.stripped, ok=True)
            if will_run and not cancel.is_set():
                r = api.run_binary(b, limits=self.limits, cancel=cancel, toolchain=tc)
                self.runs[target] = r
                row["output"] = _first_line(r.stdout) or _first_line(r.stderr)
                if not r.ok:
                    row["ok"] = False
                    row["error"] = r.message
        except GoEnvError as exc:
            row["error"] = str(exc)
        except Exception as exc:  # noqa: BLE001 - one broken target must not hide the others
            LOGGER.exception("target matrix: %s failed", target)
            row["error"] = f"unexpected error ({type(exc).__name__}: {exc})"
        return row

    def _tc(self):
        if self.toolchain is None:
            from ..toolchain import default

            return default()
        return self.toolchain

    # -- rendering ---------------------------------------------------------------

    def _draw_chart(self) -> None:
        png = size_chart_png(self.frame)
        self.chart_png = png
        if png:
            self.chart.value = png  # one trait assignment: atomic for the frontend
            self.chart.layout.display = None
        else:
            self.chart.layout.display = "none"

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.build_button.disabled = busy
        self.targets_select.disabled = busy
        self.cgo_toggle.disabled = busy
        self.stop_button.disabled = not busy
        self.spinner.value = spinner_html(text) if busy else ""
        self.spinner.layout.visibility = "visible" if busy else "hidden"

    def _show_error(self, message: str) -> None:
        self.error = message
        self.error_html.value = f"<div class='goenv-error' style='{_ERROR_STYLE}'>{html.escape(message)}</div>"

    def _target_choices(self, wanted: list[str]) -> tuple[list[tuple[str, str]], str | None]:
        """(label, value) pairs for every target of the toolchain, plus a problem message if any."""
        problem = None
        try:
            tc = self._tc()
            names = [t.name for t in list_targets(tc)]
        except Exception as exc:  # noqa: BLE001 - no toolchain: still show the widget and say why
            LOGGER.warning("target matrix: cannot list targets: %s", exc)
            tc, names, problem = None, [], str(exc)
        # Requested names the toolchain does not know stay selectable: their row will say why.
        names = list(dict.fromkeys([*wanted, *sorted(names)]))
        choices = []
        for name in names:
            label = name
            if tc is not None and "/" in name:
                goos, _, goarch = name.partition("/")
                r = runner_for(goos, goarch, tc)
                label = f"{name} — " + {"native": "native", "qemu": f"via {r.name}"}.get(r.kind, "build-only")
            choices.append((label, name))
        return choices, problem


def size_chart_png(frame: pd.DataFrame) -> bytes:
    """A horizontal bar chart of binary sizes, as PNG bytes (b"" when nothing built).

    Bars are coloured by how the target runs here (native, emulated, build-only),
    and the title names the Go version that built them.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    built = frame[frame["size_bytes"].notna()] if len(frame) else frame
    if built.empty:
        return b""
    versions = sorted({v for v in built["go_version"] if v})
    # A Figure without pyplot: no global figure registry, no double display by the inline backend.
    fig = Figure(figsize=(7.2, 0.42 * len(built) + 1.3), dpi=96, layout="constrained")
    ax = fig.add_subplot()
    targets = list(built["target"])[::-1]  # first target on top
    sizes = [float(s) / 2**20 for s in built["size_bytes"]][::-1]
    kinds = [k or "build-only" for k in built["kind"]][::-1]
    bars = ax.barh(targets, sizes, color=[_KIND_COLORS.get(k, "#9e9e9e") for k in kinds])
    for bar, nbytes in zip(bars, list(built["size_bytes"])[::-1]):
        ax.annotate(size_text(int(nbytes)), (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_xlabel("binary size (MiB)")
    ax.set_xlim(0, max(sizes) * 1.18)
    ax.set_title(f"Binary size per target — {', '.join(versions) or 'Go'}", fontsize=11)
    present = [k for k in _KIND_COLORS if k in kinds]
    # Outside the axes: inside, the legend would cover the longest bars.
    fig.legend(handles=[Patch(color=_KIND_COLORS[k], label=_KIND_LABELS[k]) for k in present],
               loc="outside lower center", ncols=len(present), fontsize=8, frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _table(rows: list[dict]) -> str:
    return f"<div style='overflow-x:auto'>{table_html(rows, _TABLE_COLUMNS)}</div>"


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


def target_matrix(program, targets: Iterable[str] | None = None, *, options=None, run: bool = True,
                  autorun: bool = False, **kwargs) -> TargetMatrix:
    """Compare one program across GOOS/GOARCH targets (see :class:`TargetMatrix`).

    Args:
        program: Source text, dict of files, txtar or path.
        targets: "goos/goarch" names (default :data:`DEFAULT_TARGETS`).
        options: Base build options.
        run: Run the binaries that can run here (natively or under qemu-user).
        autorun: Start building at once (otherwise press "Build all" or call ``.refresh()``).
        **kwargs: ``limits``, ``toolchain`` and ipywidgets layout arguments.

    Returns:
        The widget; after ``.wait()``, ``.frame`` holds the results.
    """
    return TargetMatrix(program, targets, options=options, run=run, autorun=autorun, **kwargs)
