"""Frozen results of builds and runs; they serialize to JSON (like the Playground's Response)."""

from __future__ import annotations

import json
import signal as _signal
from dataclasses import asdict, dataclass, field, fields


@dataclass(frozen=True)
class Diagnostic:
    """One compiler (or go command) message, pointing at the learner's own file.

    Attributes:
        file: path relative to the program root ("main.go"), never a temp path.
        line, column: 1-based; column is None when the compiler gives none.
        message: the compiler's text, continuation lines joined with newlines.
        source_line: the learner's line the message points at, when known.
    """

    file: str
    line: int
    column: int | None
    message: str
    source_line: str | None = None

    def __str__(self) -> str:
        col = f":{self.column}" if self.column else ""
        return f"{self.file}:{self.line}{col}: {self.message}"


@dataclass(frozen=True)
class BuildResult:
    """The outcome of one build. ``ok`` is False for a learner's compile error.

    Attributes:
        ok: the binary exists.
        binary: path of the built binary (inside goenv's binary cache), or None.
        goos, goarch: the target.
        options: the normalized build options (see BuildOptions.to_dict).
        diagnostics: structured compile errors.
        output: the go command's output with temp paths stripped.
        duration_s: wall time of the build (0 on a cache hit).
        cached: served from goenv's binary cache, nothing was rebuilt.
        go_version: toolchain version, e.g. "go1.27.3".
        message: one-line summary for people.
        workdir: the temporary directory it was built in (gone now, but panics and
            file names in the binary still mention it; run output is cleaned of it).
    """

    ok: bool
    binary: str | None
    goos: str
    goarch: str
    options: dict
    diagnostics: tuple[Diagnostic, ...] = ()
    output: str = ""
    duration_s: float = 0.0
    cached: bool = False
    go_version: str = ""
    message: str = ""
    workdir: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["diagnostics"] = [asdict(x) for x in self.diagnostics]
        return d

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), **kw)

    @classmethod
    def from_dict(cls, d: dict) -> "BuildResult":
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        d["diagnostics"] = tuple(Diagnostic(**x) for x in d.get("diagnostics", ()))
        return cls(**d)


@dataclass(frozen=True)
class RunResult:
    """The outcome of building and running a program.

    ``exit_code`` is None when the program was killed by a signal (then
    ``signal`` holds its number) or never started (build failed, build-only
    target). ``stopped_by`` names the limit that ended the run, if any:
    "wall_time", "memory", "processes" or "interrupt" (Stop button).
    """

    build: BuildResult
    stdout: str = ""
    stderr: str = ""
    exit_code: int | None = None
    signal: int | None = None
    timed_out: bool = False
    truncated: bool = False
    stopped_by: str | None = None
    run_duration_s: float = 0.0
    peak_memory_bytes: int | None = None
    runner: str = ""
    emulated: bool = False
    network_isolated: bool = False
    started: bool = False
    message: str = ""
    limits: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Built, ran and exited with status 0."""
        return self.build.ok and self.exit_code == 0

    @property
    def build_duration_s(self) -> float:
        return self.build.duration_s

    @property
    def signal_name(self) -> str | None:
        if self.signal is None:
            return None
        try:
            return _signal.Signals(self.signal).name
        except ValueError:
            return f"signal {self.signal}"

    @property
    def output(self) -> str:
        """stdout followed by stderr (each already capped)."""
        return self.stdout + self.stderr

    def to_dict(self) -> dict:
        d = asdict(self)
        d["build"] = self.build.to_dict()
        d["ok"] = self.ok
        d["signal_name"] = self.signal_name
        d["build_duration_s"] = self.build_duration_s
        return d

    def to_json(self, **kw) -> str:
        return json.dumps(self.to_dict(), **kw)
