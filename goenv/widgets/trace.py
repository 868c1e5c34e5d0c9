"""A program run with ``GODEBUG=schedtrace``/``gctrace``, plotted live as the runtime reports.

    from goenv.widgets import trace_plot
    t = trace_plot(src, godebug="schedtrace=50", gomaxprocs=2)
    t.wait()          # in a script or a papermill run
    t.samples         # one row per SCHED line (goenv.parsers.parse_schedtrace)
    t.gctrace.cycles  # with godebug="gctrace=1": one row per GC cycle

While the program runs, its stderr is re-parsed (with :mod:`goenv.parsers`)
and the figure redrawn at most every ``update_interval_s``; Stop interrupts
the program through the ``cancel`` event of :func:`goenv.run_binary`. The
program's own stdout goes to a collapsible output area.

The widget is a thin layer: :func:`goenv.build`, then :func:`goenv.run_binary`
with ``on_output``/``cancel``, then the parsers and matplotlib. Figures are
``matplotlib.figure.Figure`` objects (no pyplot: no global figure registry, no
second copy shown by the inline backend) rendered to PNG bytes for an
``ipywidgets.Image``, whose ``value`` is replaced in one trait assignment.
"""

from __future__ import annotations

import html
import io
import logging
import threading
import time

import ipywidgets as widgets
import pandas as pd
# Imported with the module, not at the first frame: the import takes about a second,
# which would otherwise delay the first live plot of every session.
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import api
from ..build import build
from ..display import result_bundle, status_line, target_label
from ..errors import GoEnvError, InvalidOption
from ..limits import coerce_limits
from ..options import BuildOptions
from ..parsers import GCTrace, SchedTrace, parse_gctrace, parse_schedtrace
from ..results import RunResult
from ..runners import runner_for
from ._worker import BackgroundJob, JobMixin, spinner_html

LOGGER = logging.getLogger(__name__)

__all__ = ["TracePlot", "trace_plot", "TraceFigure", "trace_figure_png", "godebug_traces"]

_ERROR_STYLE = ("color: var(--jp-error-color1, #d32f2f); white-space: pre-wrap; margin: 4px 0;"
                "font-family: var(--jp-code-font-family, monospace)")
_NO_TRACE = ("<div style='font-family: var(--jp-code-font-family, monospace); font-size: 12px; margin: 4px 0;'>"
             "GODEBUG turns on neither schedtrace nor gctrace: there is nothing to plot, the program just runs."
             "</div>")


class TracePlot(JobMixin, widgets.VBox):
    """Run a program with scheduler and/or GC tracing and plot the trace as it arrives.

    Attributes:
        result: The :class:`~goenv.results.RunResult` of the last run (None before the first).
        build_result: The :class:`~goenv.results.BuildResult` of the last run.
        schedtrace: :class:`~goenv.parsers.SchedTrace` of the last run, or None without schedtrace.
        gctrace: :class:`~goenv.parsers.GCTrace` of the last run, or None without gctrace.
        samples: ``schedtrace.samples`` (an empty DataFrame without schedtrace).
        png: The PNG bytes last shown.
        plot_updates: How many times the figure was redrawn (all runs).
        live_updates: How many of those happened while the program was running (last run).
        phase: "idle", "building", "running" or "done".
        error: The message of the last error that stopped a run, else None.
        godebug_text, gomaxprocs_text, run_button, stop_button, spinner, status_html,
        error_html, image, output, output_box: the widgets.
    """

    def __init__(self, program, *, godebug: str = "schedtrace=50", gomaxprocs: int | None = None,
                 env: dict | None = None, options=None, limits=None, args=(), update_interval_s: float = 0.25,
                 toolchain=None, autorun: bool = False, **kwargs):
        """Create the widget.

        Args:
            program: Anything :func:`goenv.build` accepts.
            godebug: The GODEBUG setting, e.g. "schedtrace=50", "gctrace=1",
                "schedtrace=100,scheddetail=1" (editable in the widget).
            gomaxprocs: GOMAXPROCS for the program (None: the runtime's default).
            env: Extra environment for the program; its GODEBUG, if any, is combined with ``godebug``.
            options: Build options (BuildOptions or dict), e.g. ``{"goarch": "arm64"}`` to trace under qemu.
            limits: Limits for the build and the run (``{"wall_time_s": 30}`` for long runs).
            args: Command-line arguments for the program.
            update_interval_s: Minimum time between two redraws while the program runs.
            toolchain: The toolchain to use (default: goenv's).
            autorun: Start the run at once.
            **kwargs: Passed to ``ipywidgets.VBox``.
        """
        self.program = program
        self.env = dict(env or {})
        self.options = options
        self.limits = limits
        self.args = tuple(args)
        self.update_interval_s = float(update_interval_s)
        self.toolchain = toolchain
        self.result: RunResult | None = None
        self.build_result = None
        self.schedtrace: SchedTrace | None = None
        self.gctrace: GCTrace | None = None
        self.samples = pd.DataFrame()
        self.png = b""
        self.plot_updates = 0
        self.live_updates = 0
        self.phase = "idle"
        self.error: str | None = None
        self.status_text = ""
        self._job = BackgroundJob("trace-plot")

        self.godebug_text = widgets.Text(value=godebug, description="GODEBUG", placeholder="schedtrace=50",
                                         layout=widgets.Layout(width="300px"))
        self.gomaxprocs_text = widgets.Text(value="" if gomaxprocs is None else str(gomaxprocs),
                                            description="GOMAXPROCS", placeholder="default",
                                            style={"description_width": "initial"},
                                            layout=widgets.Layout(width="200px"))
        self.run_button = widgets.Button(description="Run", icon="play", button_style="primary")
        self.stop_button = widgets.Button(description="Stop", icon="stop", disabled=True)
        self.spinner = widgets.HTML("", layout=widgets.Layout(visibility="hidden"))
        self.status_html = widgets.HTML("")
        self.error_html = widgets.HTML("")
        self.image = widgets.Image(format="png", layout=widgets.Layout(display="none", max_width="820px"))
        self.output = widgets.Output(layout=widgets.Layout(max_height="240px", overflow="auto"))
        # Collapsed by default: the plot is the point, the program's prints are a detail.
        self.output_box = widgets.Accordion(children=[self.output], titles=("program output",), selected_index=None)
        self.run_button.on_click(self._on_run_click)
        self.stop_button.on_click(self._on_stop_click)
        super().__init__([
            widgets.HBox([self.godebug_text, self.gomaxprocs_text]),
            widgets.HBox([self.run_button, self.stop_button, self.spinner]),
            self.status_html, self.error_html, self.image, self.output_box,
        ], **kwargs)
        if autorun:
            self.refresh()

    # -- public API --------------------------------------------------------------

    def refresh(self) -> "TracePlot":
        """Build and run the program in a background thread (no-op while a run is in progress)."""
        # Read the controls in the caller's thread; the worker only writes to widgets.
        godebug = self.godebug_text.value.strip()
        gomaxprocs = self.gomaxprocs_text.value.strip()
        self._job.start(self._work_guarded, godebug, gomaxprocs, with_cancel=True,
                        before=lambda: self._set_busy(True, "building…"), undo=lambda: self._set_busy(False))
        return self

    run = refresh

    # -- handlers ----------------------------------------------------------------

    def _on_run_click(self, _button=None) -> None:
        self._start_clicked("trace plot")

    def _on_stop_click(self, _button=None) -> None:
        self._stop_clicked("trace plot")

    # -- worker ------------------------------------------------------------------

    def _work_guarded(self, godebug: str, gomaxprocs: str, cancel: threading.Event) -> None:
        try:
            self._work(godebug, gomaxprocs, cancel)
        except GoEnvError as exc:
            self._show_error(str(exc))
        except Exception as exc:  # noqa: BLE001 - a widget must never get stuck
            LOGGER.exception("trace plot failed")
            self._show_error(f"unexpected error ({type(exc).__name__}: {exc}); details are in the log")
        finally:
            self.phase = "done"
            self._set_busy(False)

    def _work(self, godebug: str, gomaxprocs_text: str, cancel: threading.Event) -> None:
        self._show_error(None)
        self.status_html.value = ""
        self.output.outputs = ()  # a trait assignment, unlike clear_output(), needs no `with output:`
        self.result = self.build_result = self.schedtrace = self.gctrace = None
        self.samples = pd.DataFrame()
        self.live_updates = 0
        env = dict(self.env)
        godebug = ",".join(filter(None, [str(env.pop("GODEBUG", "") or ""), godebug]))
        if godebug:
            env["GODEBUG"] = godebug
        gomaxprocs = _gomaxprocs(gomaxprocs_text)
        if gomaxprocs is not None:
            env["GOMAXPROCS"] = gomaxprocs
        want_sched, want_gc = godebug_traces(godebug)
        # Validate options and limits before the build so a typo is one clear message.
        opts = BuildOptions.coerce(self.options)
        lim = coerce_limits(self.limits)
        tc = self._tc()

        self.phase = "building"
        b = build(self.program, opts, limits=lim, toolchain=tc)
        self.build_result = b
        if not b.ok:
            self._finish(RunResult(build=b, message=b.message, limits=lim.to_dict()), None, godebug, gomaxprocs)
            return
        if cancel.is_set():
            self._finish(RunResult(build=b, stopped_by="interrupt", message="stopped before the program started",
                                   limits=lim.to_dict()), None, godebug, gomaxprocs)
            return
        runner = runner_for(b.goos, b.goarch, tc)
        title = _title(target_label(b, runner.name, runner.emulated), godebug, gomaxprocs, running=True)
        if not (want_sched or want_gc):
            self.status_html.value = _NO_TRACE
        live = _LiveOutput()
        done = threading.Event()
        figure = TraceFigure(want_sched, want_gc) if (want_sched or want_gc) else None
        refresher = threading.Thread(target=self._refresh_loop, args=(live, done, figure, title),
                                     name="goenv-trace-plot-refresh", daemon=True)
        self.phase = "running"
        self.spinner.value = spinner_html(f"running {b.goos}/{b.goarch}"
                                           + (f" under {runner.name}" if runner.emulated else "") + "…")
        refresher.start()
        try:
            result = api.run_binary(b, args=self.args, env=env, limits=lim, on_output=live.add, cancel=cancel,
                                    toolchain=tc)
        finally:
            done.set()
            live.changed.set()  # wake the redraw thread so it sees `done` at once
            refresher.join()
        self._flush_stdout(live)
        self._finish(result, figure, godebug, gomaxprocs)

    def _refresh_loop(self, live: "_LiveOutput", done: threading.Event, figure: "TraceFigure | None",
                      title: str) -> None:
        """Redraw as trace lines arrive, at most once per ``update_interval_s``.

        This runs in its own thread so that drawing (0.1-0.3 s per frame) never
        delays the sandbox's reader loop, which also enforces the limits and Stop.
        It wakes on the first new line rather than on a fixed clock, so the first
        frame follows the first SCHED line instead of a whole interval later.
        """
        seen = 0
        next_at = 0.0
        while not done.is_set():
            live.changed.wait(self.update_interval_s)
            delay = next_at - time.monotonic()
            if (delay > 0 and done.wait(delay)) or done.is_set():
                break
            live.changed.clear()  # before reading, so a line arriving meanwhile wakes the next round
            next_at = time.monotonic() + self.update_interval_s
            try:
                self._flush_stdout(live)
                version, text = live.stderr()
                if version == seen or figure is None:
                    continue
                seen = version
                sched = parse_schedtrace(text) if figure.sched_axes is not None else None
                gc = parse_gctrace(text) if figure.gc_axes is not None else None
                # Expose the partial trace too: a cell run meanwhile sees data, not None.
                self.schedtrace, self.gctrace = sched, gc
                self.samples = sched.samples if sched is not None else pd.DataFrame()
                self._show_png(figure.update(sched, gc, title), live=True)
            except Exception:  # noqa: BLE001 - a bad frame must not end the run
                LOGGER.exception("trace plot: live redraw failed")

    def _finish(self, result: RunResult, figure: "TraceFigure | None", godebug: str, gomaxprocs) -> None:
        """Parse the whole stderr once more (the authoritative copy) and draw the final figure."""
        self.result = result
        want_sched, want_gc = godebug_traces(godebug)
        sched = parse_schedtrace(result.stderr) if want_sched else None
        gc = parse_gctrace(result.stderr) if want_gc else None
        self.schedtrace, self.gctrace = sched, gc
        self.samples = sched.samples if sched is not None else pd.DataFrame()
        self._show_other_stderr(result.stderr, sched, gc)
        self.status_html.value = result_bundle(result)["text/html"] + ("" if want_sched or want_gc else _NO_TRACE)
        self.status_text = status_line(result)
        if result.started and figure is not None:
            label = target_label(result.build, result.runner, result.emulated)
            self._show_png(figure.update(sched, gc, _title(label, godebug, gomaxprocs)), live=False)
        elif not (want_sched or want_gc):
            self.image.layout.display = "none"  # a previous run's plot would describe other settings

    def _show_other_stderr(self, stderr: str, sched: SchedTrace | None, gc: GCTrace | None) -> None:
        """Put stderr lines that are not trace output (a panic, the program's own logs) under stdout."""
        skipped = [s.skipped for s in (sched, gc) if s is not None]
        if skipped:
            common = set.intersection(*({n for n, _ in lines} for lines in skipped))
            other = "".join(text + "\n" for n, text in skipped[0] if n in common)
        else:
            other = stderr  # no trace asked for: all of stderr is the program's own
        if other.strip():
            self.output.append_stderr(other)

    def _flush_stdout(self, live: "_LiveOutput") -> None:
        # One append per redraw interval, not per line: each append resends the whole
        # output to the frontend, so per-line appends would be quadratic for chatty programs.
        chunk = live.take_stdout()
        if chunk:
            self.output.append_stdout(chunk)

    def _tc(self):
        if self.toolchain is None:
            from ..toolchain import default

            return default()
        return self.toolchain

    # -- UI state ----------------------------------------------------------------

    def _show_png(self, png: bytes, *, live: bool) -> None:
        self.png = png
        self.image.value = png  # one trait assignment: atomic for the frontend
        self.image.layout.display = None
        self.plot_updates += 1
        if live:
            self.live_updates += 1

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.run_button.disabled = busy
        self.godebug_text.disabled = busy
        self.gomaxprocs_text.disabled = busy
        self.stop_button.disabled = not busy
        self.stop_button.button_style = "danger" if busy else ""
        self.spinner.value = spinner_html(text) if busy else ""
        self.spinner.layout.visibility = "visible" if busy else "hidden"

    def _show_error(self, message: str | None) -> None:
        self.error = message
        self.error_html.value = ("" if message is None else
                                 f"<div class='goenv-error' style='{_ERROR_STYLE}'>{html.escape(message)}</div>")


class _LiveOutput:
    """The program's output as it arrives, shared by the run thread and the redraw thread."""

    def __init__(self):
        self._lock = threading.Lock()
        #: Set whenever output arrives; the redraw thread sleeps on it.
        self.changed = threading.Event()
        self._stderr: list[str] = []
        self._stdout: list[str] = []
        self._version = 0

    def add(self, stream: str, text: str) -> None:
        """The ``on_output`` callback of :func:`goenv.run_binary` (whole lines)."""
        with self._lock:
            if stream == "stderr":
                self._stderr.append(text)
                self._version += 1
            else:
                self._stdout.append(text)
        self.changed.set()

    def stderr(self) -> tuple[int, str]:
        """(version, all stderr so far); the version changes whenever a line arrives."""
        with self._lock:
            return self._version, "".join(self._stderr)

    def take_stdout(self) -> str:
        """The stdout that arrived since the last call."""
        with self._lock:
            chunk = "".join(self._stdout)
            self._stdout.clear()
            return chunk


def godebug_traces(godebug: str) -> tuple[bool, bool]:
    """Whether a GODEBUG value turns on (schedtrace, gctrace).

    >>> godebug_traces("schedtrace=50,gctrace=1")
    (True, True)
    >>> godebug_traces("gctrace=0")
    (False, False)
    """
    values = {}
    for part in (godebug or "").split(","):
        key, _, value = part.strip().partition("=")
        values[key] = value
    # The runtime ignores a value it cannot parse as a number, so only positive numbers count.
    on = {k for k, v in values.items() if v.strip().isdigit() and int(v) > 0}
    return "schedtrace" in on, "gctrace" in on


def _gomaxprocs(text: str) -> str | None:
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise InvalidOption(f"GOMAXPROCS must be a whole number of at least 1 (or empty for the default), not {text!r}")
    return str(int(text))


def _title(label: str, godebug: str, gomaxprocs: str | None, *, running: bool = False) -> str:
    procs = f"GOMAXPROCS={gomaxprocs}" if gomaxprocs else "GOMAXPROCS=default"
    return f"{label}\nGODEBUG={godebug} · {procs}" + (" · running…" if running else "")


def _numeric(frame: pd.DataFrame, col: str) -> pd.Series | None:
    if col not in frame.columns:
        return None
    return pd.to_numeric(frame[col], errors="coerce").astype("float64")


_SCHED_SERIES = (("threads", "threads"), ("idleprocs", "idle Ps"), ("runqueue", "global run queue"),
                 ("local_runqueue_total", "local run queues (sum)"))
_GC_SERIES = (("heap_start_mb", "heap at GC start", "o-"), ("heap_live_mb", "live heap after GC", "s-"),
              ("goal_mb", "heap goal", "--"))


# Legends right of the axes: inside, they would hide the very lines they explain.
_LEGEND = {"fontsize": 8, "loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0}


class TraceFigure:
    """A schedtrace and/or gctrace figure that is redrawn with new data, without pyplot.

    Creating axes is a good part of the cost of a frame, so a live plot builds
    the figure once and only replaces the data of its lines. Not thread-safe:
    one thread at a time draws (the widget hands it from the redraw thread to
    the worker only after joining the former).

    Panels: for schedtrace, threads, idle Ps, the global run queue and the sum
    of the local run queues over time, then each P's local run queue; for
    gctrace, heap at GC start, live heap and heap goal per cycle, then the
    stop-the-world pause per cycle.
    """

    def __init__(self, sched: bool, gc: bool, *, dpi: int = 96):
        """Lay out the panels for the traces that are on (at least one must be)."""
        panels = (2 if sched else 0) + (2 if gc else 0)
        if not panels:
            raise ValueError("TraceFigure needs schedtrace and/or gctrace")
        height = 2.1 * panels + 0.9
        self.fig = Figure(figsize=(9.5, height), dpi=dpi)
        # Fixed margins in inches: constrained layout would double the cost of every frame.
        self.fig.subplots_adjust(left=0.07, right=0.77, top=1 - 0.75 / height, bottom=0.5 / height, hspace=0.45)
        axes = list(self.fig.subplots(panels, 1, squeeze=False)[:, 0])
        self._title = self.fig.suptitle("", fontsize=10)
        self.sched_axes = self.gc_axes = None
        if sched:
            ax, ax_p = axes.pop(0), axes.pop(0)
            ax_p.sharex(ax)
            self.sched_axes = (ax, ax_p)
            self._sched_lines = {col: ax.plot([], [], drawstyle="steps-post", marker=".", label=label)[0]
                                 for col, label in _SCHED_SERIES}
            self._per_p: dict[str, object] = {}
            self._legend_size = 0
            ax.legend(**_LEGEND)
            ax.set_ylabel("count")
            ax.set_title("scheduler (schedtrace)", fontsize=9, loc="left")
            ax_p.set_ylabel("local run queue")
            ax_p.set_xlabel("time since the first SCHED line (ms)")
            self._sched_wait = ax.text(0.5, 0.5, "no SCHED line (yet)", ha="center", va="center",
                                       transform=ax.transAxes)
            for a in (ax, ax_p):
                a.yaxis.set_major_locator(MaxNLocator(integer=True))
                a.grid(alpha=0.3)
                # Until data arrives: counts from 0, not matplotlib's ±0.05 around nothing.
                # auto=None keeps autoscaling on for when it does.
                a.set_ylim(0, 1, auto=None)
        if gc:
            ax_h, ax_s = axes.pop(0), axes.pop(0)
            self.gc_axes = (ax_h, ax_s)
            self._gc_lines = {col: ax_h.plot([], [], style, markersize=3, label=label)[0]
                              for col, label, style in _GC_SERIES}
            self._bars = None
            ax_h.legend(**_LEGEND)
            ax_h.set_ylabel("MB")
            ax_h.set_title("garbage collector (gctrace)", fontsize=9, loc="left")
            ax_s.set_ylabel("STW pause (ms)")
            ax_s.set_xlabel("GC cycle")
            self._gc_wait = ax_h.text(0.5, 0.5, "no GC cycle (yet)", ha="center", va="center",
                                      transform=ax_h.transAxes)
            for a in (ax_h, ax_s):
                a.xaxis.set_major_locator(MaxNLocator(integer=True))
                a.grid(alpha=0.3)
                a.set_xlim(0.5, 3.5, auto=None)
                a.set_ylim(0, 1, auto=None)

    def update(self, sched: SchedTrace | None, gc: GCTrace | None, title: str = "") -> bytes:
        """Replace the data (traces that are None are left as they are) and return PNG bytes."""
        self._title.set_text(title)
        if sched is not None and self.sched_axes is not None:
            self._update_sched(sched.samples)
        if gc is not None and self.gc_axes is not None:
            self._update_gc(gc.cycles)
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png")
        return buf.getvalue()

    def _update_sched(self, s: pd.DataFrame) -> None:
        ax, ax_p = self.sched_axes
        self._sched_wait.set_visible(s.empty)
        if s.empty:
            return
        t = _numeric(s, "t_ms")
        for col, line in self._sched_lines.items():
            y = _numeric(s, col)
            line.set_data(t, y) if y is not None else line.set_data([], [])
        per_p = sorted((c for c in s.columns if c.startswith("runq_p") and c[6:].isdigit()), key=lambda c: int(c[6:]))
        for col in per_p:
            if col not in self._per_p:
                self._per_p[col] = ax_p.plot([], [], drawstyle="steps-post", marker=".", label=f"P{col[6:]}")[0]
            self._per_p[col].set_data(t, _numeric(s, col))
        if len(self._per_p) != self._legend_size:  # a new P appeared (or the first ones)
            ax_p.legend(**_LEGEND, ncols=1 + (len(self._per_p) - 1) // 8)
            self._legend_size = len(self._per_p)
        for a in (ax, ax_p):
            _rescale(a)

    def _update_gc(self, c: pd.DataFrame) -> None:
        ax_h, ax_s = self.gc_axes
        self._gc_wait.set_visible(c.empty)
        if c.empty:
            return
        n = _numeric(c, "gc")
        for col, line in self._gc_lines.items():
            line.set_data(n, _numeric(c, col))
        # Bars cannot take new data; replacing them is cheap next to drawing.
        if self._bars is not None:
            self._bars.remove()
        self._bars = ax_s.bar(n, _numeric(c, "stw_ms"), color="#c44e52")
        for a in (ax_h, ax_s):
            _rescale(a)


def _rescale(ax) -> None:
    """Fit the axes to the data, keeping 0 at the bottom (all plotted values are counts or sizes)."""
    ax.relim()
    ax.autoscale_view()
    ax.set_ylim(0, max(ax.get_ylim()[1], 1), auto=None)


def trace_figure_png(sched: SchedTrace | None, gc: GCTrace | None, title: str = "", *, dpi: int = 96) -> bytes:
    """Draw a schedtrace and/or gctrace once, as PNG bytes (b"" when both are None)."""
    if sched is None and gc is None:
        return b""
    return TraceFigure(sched is not None, gc is not None, dpi=dpi).update(sched, gc, title)


def trace_plot(program, *, godebug: str = "schedtrace=50", gomaxprocs: int | None = None, env: dict | None = None,
               options=None, limits=None, args=(), autorun: bool = True, update_interval_s: float = 0.25,
               **kwargs) -> TracePlot:
    """Run ``program`` with GODEBUG tracing and plot the trace live (see :class:`TracePlot`).

    Args:
        program: Source text, dict of files, txtar or path.
        godebug: "schedtrace=N" and/or "gctrace=1" (plus anything else GODEBUG takes).
        gomaxprocs: GOMAXPROCS for the program (None: the runtime's default).
        env: Extra environment for the program.
        options: Build options, e.g. ``{"goarch": "arm64"}`` (runs under qemu-user).
        limits: Limits for the build and the run.
        args: Command-line arguments.
        autorun: Start at once (otherwise press Run or call ``.refresh()``).
        update_interval_s: Minimum time between redraws while the program runs.
        **kwargs: ``toolchain`` and ipywidgets layout arguments.

    Returns:
        The widget; after ``.wait()``, ``.result``, ``.samples``, ``.schedtrace`` and ``.gctrace``.
    """
    return TracePlot(program, godebug=godebug, gomaxprocs=gomaxprocs, env=env, options=options, limits=limits,
                     args=args, update_interval_s=update_interval_s, autorun=autorun, **kwargs)
