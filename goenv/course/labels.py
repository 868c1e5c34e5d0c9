"""Every figure the course shows is labelled: Go version, GOOS/GOARCH, native or emulated."""

from __future__ import annotations

import html

from ..results import BuildResult, RunResult
from ..toolchain import default


def label(result: RunResult | BuildResult | None = None, *, goos: str | None = None, goarch: str | None = None,
          emulated: bool | None = None, runner: str = "") -> str:
    """``go1.27.3 · linux/arm64 · emulated (qemu-aarch64)`` for a result, or for explicit values."""
    tc = default()
    if isinstance(result, RunResult):
        b = result.build
        how = f"emulated ({result.runner})" if result.emulated else "native"
        return f"{b.go_version} · {b.goos}/{b.goarch} · {how}"
    if isinstance(result, BuildResult):
        return f"{result.go_version} · {result.goos}/{result.goarch} · built, not run"
    goos, goarch = goos or tc.hostos, goarch or tc.hostarch
    if emulated is None:
        emulated = (goos, goarch) != (tc.hostos, tc.hostarch)
    how = f"emulated ({runner})" if emulated and runner else "emulated" if emulated else "native"
    return f"{tc.version} · {goos}/{goarch} · {how}"


def environment_summary() -> dict:
    """What this machine is: Go version, host target, CPUs, emulators, C compiler, isolation."""
    import os
    import platform
    import shutil

    from ..runners import emulators
    from ..sandbox import network_prefix

    tc = default()
    return {
        "go": tc.version,
        "host": f"{tc.hostos}/{tc.hostarch}",
        "cpus": os.cpu_count(),
        "kernel": platform.release(),
        "emulators": sorted(a for a, p in emulators().items() if p),
        "c_compiler": bool(shutil.which("gcc") or shutil.which("cc")),
        "network_isolated": bool(network_prefix()),
    }


def show_environment() -> None:
    """Display the environment summary as a small table (chapter headers use it)."""
    from IPython.display import HTML, display

    env = environment_summary()
    emu = ", ".join(env["emulators"]) or "none (install qemu-user to run foreign architectures)"
    rows = [
        ("Go toolchain", env["go"]), ("This machine", f"{env['host']}, {env['cpus']} CPUs, Linux {env['kernel']}"),
        ("Emulated via qemu-user", emu), ("C compiler (cgo)", "yes" if env["c_compiler"] else "no — cgo experiments are skipped"),
    ]
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>{html.escape(str(v))}</td></tr>"
                   for k, v in rows)
    display(HTML(f"<table class='goenv-env'>{body}</table>"))
