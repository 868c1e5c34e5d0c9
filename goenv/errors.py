"""Exceptions raised by goenv.

The split follows the Go Playground: a learner's mistake (a compile error, a
panic, a timeout) is a *result*, never an exception. Exceptions are for
problems the learner did not cause or options that make no sense, and their
message always says what to do next.
"""

from __future__ import annotations


class GoEnvError(Exception):
    """Base class of every error goenv raises."""


class ToolchainNotFound(GoEnvError):
    """No usable Go toolchain was found."""


class ToolchainTooOld(GoEnvError):
    """The Go toolchain found is older than the course supports."""


class InvalidOption(GoEnvError, ValueError):
    """A build or run option is invalid (unknown GOOS, CGO_ENABLED=on, ...)."""


class InvalidProgram(GoEnvError, ValueError):
    """The program cannot be turned into a module (empty source, no package main, ...)."""


class TargetNotRunnable(GoEnvError):
    """The binary was built for a target this machine cannot run."""


class EmulatorMissing(TargetNotRunnable):
    """The target needs a qemu-user emulator that is not installed."""


class ParseError(GoEnvError, ValueError):
    """A line of runtime or toolchain output could not be parsed."""
