"""goenv: the Go engine of the Go platform course.

Build, cross-compile, run (natively or under qemu-user) and inspect Go
programs from Python, with limits on every run and nothing fetched from the
network. The notebook layers (the ``%%go`` magic and the widgets) and the
graders are thin wrappers around these functions::

    import goenv
    r = goenv.run('package main\nfunc main() { println("hi") }', goarch="arm64")
    r.stderr, r.runner, r.emulated          # "hi\n", "qemu-aarch64", True
"""

from .api import run, run_binary, test
from .build import build
from .errors import (
    EmulatorMissing,
    GoEnvError,
    InvalidOption,
    InvalidProgram,
    ParseError,
    TargetNotRunnable,
    ToolchainNotFound,
    ToolchainTooOld,
)
from .limits import DEFAULT_LIMITS, Limits
from .options import BuildOptions
from .results import BuildResult, Diagnostic, RunResult
from .toolchain import Toolchain
from .workspace import Program

__all__ = [
    "run", "run_binary", "test", "build", "Program", "BuildOptions", "Limits", "DEFAULT_LIMITS",
    "BuildResult", "RunResult", "Diagnostic", "Toolchain", "GoEnvError", "InvalidOption",
    "InvalidProgram", "TargetNotRunnable", "EmulatorMissing", "ToolchainNotFound",
    "ToolchainTooOld", "ParseError",
]


def load_ipython_extension(ipython) -> None:
    """``%load_ext goenv`` registers the ``%%go`` cell magic."""
    from .magic import load_ipython_extension as _load

    _load(ipython)
