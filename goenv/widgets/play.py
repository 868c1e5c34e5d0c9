"""The playground widget: edit Go, pick a target, Run / Stop / Build / Disassemble.

A thin layer over goenv: every button calls goenv.run, goenv.build or
goenv.disasm in a worker thread (so the kernel stays responsive and Stop can
reach the running program) and renders the result. Whatever happens — a
compile error, a panic, a timeout, a GoEnvError, a bug — the ``finally``
block puts the controls back, so the widget never stays stuck.
"""

from __future__ import annotations

import html
import logging

import ipywidgets as W

from .. import api
from ..build import build
from ..display import ERROR_COLOR, OK_COLOR, WARN_COLOR, build_failure_text, severity, status_line
from ..errors import GoEnvError
from ..limits import Limits
from ..results import BuildResult, RunResult
from ._worker import BackgroundJob, JobMixin, spinner_html
from .editor import GoEditor

LOGGER = logging.getLogger(__name__)

HELLO = '''package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Println("Hello from", runtime.GOOS+"/"+runtime.GOARCH, runtime.Version())
}
'''
#: Playground runs keep less output than the engine's default: a browser tab is not a log file.
PLAYGROUND_LIMITS = Limits(output_bytes=128 * 1024)
_COURSE_TARGETS = ("linux/amd64", "linux/arm64", "linux/386", "linux/arm", "linux/riscv64", "linux/ppc64le",
                   "linux/s390x", "linux/loong64", "windows/amd64", "windows/arm64", "darwin/amd64",
                   "darwin/arm64", "freebsd/amd64", "js/wasm", "wasip1/wasm", "aix/ppc64")


def target_options(toolchain=None, targets=None) -> list[tuple[str, str]]:
    """(label, "goos/goarch") pairs from the toolchain's target list, marked native / via qemu / build-only.

    The course's targets come first (host first of all), then every other target the toolchain knows.
    """
    from ..runners import runner_for
    from ..targets import list_targets
    from ..toolchain import default

    tc = toolchain or default()
    known = [t.name for t in list_targets(tc)]
    host = f"{tc.hostos}/{tc.hostarch}"
    wanted = list(targets) if targets else [host] + [t for t in _COURSE_TARGETS if t != host] + sorted(
        t for t in known if t not in _COURSE_TARGETS and t != host)
    out = []
    for name in wanted:
        if name not in known:
            continue
        goos, goarch = name.split("/")
        r = runner_for(goos, goarch, tc)
        how = "native" if r.kind == "native" else f"via {r.name}" if r.kind == "qemu" else "build-only"
        out.append((f"{name} — {how}", name))
    return out


class Playground(JobMixin, W.VBox):
    """A Go editor with target selection and Run / Stop / Build / Disassemble."""

    def __init__(self, source: str = HELLO, *, target: str | None = None, targets=None,
                 limits: Limits | dict | None = None, height: str = "260px"):
        self.editor = GoEditor(value=source, height=height)
        opts = target_options(targets=targets)
        self.target = W.Dropdown(options=opts, value=target or opts[0][1], description="Target",
                                 layout=W.Layout(width="320px"))
        self.cgo = W.ToggleButtons(options=[("default", ""), ("0", "0"), ("1", "1")], value="",
                                   style={"button_width": "72px"}, tooltips=["Go's default", "cgo off", "cgo on"])
        self.godebug = W.Text(placeholder="e.g. schedtrace=100,gctrace=1", description="GODEBUG",
                              layout=W.Layout(width="320px"))
        self.gomaxprocs = W.BoundedIntText(value=0, min=0, max=256, description="GOMAXPROCS",
                                           tooltip="0 = the runtime's default", style={"description_width": "initial"},
                                           layout=W.Layout(width="160px"))
        self.func = W.Text(value="main.main", description="Function", layout=W.Layout(width="260px"))
        self.run_button = W.Button(description="Run", icon="play", button_style="success")
        self.stop_button = W.Button(description="Stop", icon="stop", disabled=True)
        self.build_button = W.Button(description="Build", icon="cogs")
        self.disasm_button = W.Button(description="Disassemble", icon="list")
        self.busy_html = W.HTML()
        self.status = W.HTML()
        self.output = W.Output(layout=W.Layout(max_height="320px", overflow="auto",
                                               border="1px solid var(--jp-border-color2, #ccc)"))
        self.limits = limits if limits is not None else PLAYGROUND_LIMITS
        self.result: RunResult | BuildResult | None = None
        self._job = BackgroundJob("playground")

        self.run_button.on_click(lambda _: self.run())
        self.stop_button.on_click(lambda _: self.stop())
        self.build_button.on_click(lambda _: self.build())
        self.disasm_button.on_click(lambda _: self.disassemble())
        self.editor.on_run(lambda *_: self.run())
        for b in (self.run_button, self.stop_button, self.build_button, self.disasm_button):
            b.add_class("goenv-" + b.description.lower())
        super().__init__([
            self.editor,
            W.HBox([self.target, W.Label("CGO_ENABLED", layout=W.Layout(margin="0 4px 0 16px")), self.cgo]),
            W.HBox([self.godebug, self.gomaxprocs, self.func]),
            W.HBox([self.run_button, self.stop_button, self.build_button, self.disasm_button, self.busy_html]),
            self.status,
            self.output,
        ])
        self.add_class("goenv-playground")

    # -- public actions ----------------------------------------------------
    def run(self) -> None:
        """Build (cached) and run the editor's program for the selected target."""
        self._start("run", self._do_run)

    def build(self) -> None:
        """Build for the selected target and report format, linkage and size."""
        self._start("build", self._do_build)

    def disassemble(self) -> None:
        """Build and show the instructions of the function named in the Function field."""
        self._start("disassemble", self._do_disasm)

    # -- plumbing ------------------------------------------------------------
    def _options(self) -> dict:
        goos, goarch = self.target.value.split("/")
        d = {"goos": goos, "goarch": goarch}
        if self.cgo.value != "":
            d["cgo"] = int(self.cgo.value)
        return d

    def _env(self) -> dict:
        env = {}
        if self.godebug.value.strip():
            env["GODEBUG"] = self.godebug.value.strip()
        if self.gomaxprocs.value:
            env["GOMAXPROCS"] = str(self.gomaxprocs.value)
        return env

    def _start(self, what: str, work) -> None:
        def before():
            self._set_busy(True, what)
            self.output.clear_output()
            self.editor.highlight_lines = []

        self._job.start(self._guarded, work, before=before, undo=lambda: self._set_busy(False))

    def _guarded(self, work) -> None:
        try:
            work()
        except GoEnvError as exc:
            self._show_status("error", f"✗ {exc}")
        except Exception as exc:  # never leave the widget stuck on a bug
            LOGGER.exception("playground action failed")
            self._show_status("error", f"✗ internal error: {type(exc).__name__}: {exc}")
        finally:
            self._set_busy(False)

    def _set_busy(self, busy: bool, what: str = "") -> None:
        for b in (self.run_button, self.build_button, self.disasm_button, self.target, self.cgo):
            b.disabled = busy
        self.stop_button.disabled = not busy
        # Red only while there is something to stop: a disabled red button looks like an alarm.
        self.stop_button.button_style = "danger" if busy else ""
        self.busy_html.value = spinner_html(f"{what}…") if busy else ""

    def _event(self, name: str, info: dict) -> None:
        if name == "build_start":
            self.busy_html.value = spinner_html(f"building {info['target']}… (the first build for a target "
                                                "compiles the standard library: a few seconds)")
        elif name == "run_start":
            self.busy_html.value = spinner_html(f"running ({info['runner']})…")

    def _live(self, stream: str, text: str) -> None:
        if stream == "stdout":
            self.output.append_stdout(text)
        else:
            self.output.append_stderr(text)

    def _show_status(self, sev: str, text: str) -> None:
        color = {"ok": OK_COLOR, "warn": WARN_COLOR, "error": ERROR_COLOR}[sev]
        self.status.value = (f"<div class='goenv-status goenv-{sev}' style='border-left:4px solid {color};"
                             f"padding:2px 8px;line-height:1.4;white-space:pre-wrap;font-family:var(--jp-code-font-family,monospace)'>"
                             f"{html.escape(text)}</div>")

    def _show_result(self, result: RunResult | BuildResult) -> None:
        self.result = result
        b = result.build if isinstance(result, RunResult) else result
        text = status_line(result)
        if b.ok:
            text += " · " + _binary_facts(b.binary)
        sev = severity(result)
        self._show_status(sev, {"ok": "✓ ", "warn": "⚠ ", "error": "✗ "}[sev] + text)
        if not b.ok:
            self.output.append_stderr(build_failure_text(b) + "\n")
            self.editor.highlight_lines = sorted({d.line for d in b.diagnostics if d.file == "main.go"})

    def _do_run(self) -> None:
        from ..runners import runner_for
        from ..toolchain import default

        opts = self._options()
        if not runner_for(opts["goos"], opts["goarch"], default()).runnable:
            # Build-only target: build it and say why it cannot run, rather than failing.
            res = build(self.editor.value, opts, on_event=self._event)
            self._show_result(res)
            if res.ok:
                reason = runner_for(opts["goos"], opts["goarch"], default()).reason
                self.output.append_stdout(f"[{reason}]\n")
            return
        res = api.run(self.editor.value, opts, env=self._env(), limits=self.limits, on_output=self._live,
                      on_event=self._event, cancel=self._job.cancel)
        self._show_result(res)

    def _do_build(self) -> None:
        res = build(self.editor.value, self._options(), on_event=self._event)
        self._show_result(res)

    def _do_disasm(self) -> None:
        from ..disasm import classify, disassemble

        res = build(self.editor.value, self._options(), on_event=self._event)
        self._show_result(res)
        if not res.ok:
            return
        rows = disassemble(res.binary, self.func.value.strip() or "main.main")
        lines = []
        for inst in rows:
            kind = classify(inst, res.goarch)
            mark = f"   <- {kind}" if kind else ""
            lines.append(f"{inst.file}:{inst.line:<4} {inst.address:#x}  {inst.decoded or inst.text}{mark}")
        self.output.append_stdout(f"{self.func.value} for {res.goos}/{res.goarch} ({res.go_version}):\n"
                                  + "\n".join(lines) + "\n")


def _binary_facts(path: str | None) -> str:
    """``ELF AArch64 static`` — the file's own facts, read from its headers."""
    from ..inspection import inspect_binary

    try:
        info = inspect_binary(path, symbols=False)
    except (OSError, GoEnvError):
        return ""
    parts = [info.format, info.machine or "", info.linkage or ""]
    return " ".join(p for p in parts if p)


def playground(source: str = HELLO, **kwargs) -> Playground:
    """Create a Playground (see its arguments); the last expression of a cell displays it."""
    return Playground(source, **kwargs)
