"""Compile the standard library for the course's targets into the Go build cache.

The first build for a new GOOS/GOARCH compiles every standard-library
package the program needs: about 5 s on 2 cores, which a learner feels on
every first click. Prewarming builds the packages the course uses for every
target it builds or runs, so later builds only compile the learner's package
and link. (Binder runs this in postBuild; CI runs it once for the suite.)
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from .errors import InvalidOption
from .options import BuildOptions
from .toolchain import Toolchain, default

LOGGER = logging.getLogger(__name__)

#: Packages the course's programs import (chapters and labs), compiled per target.
COURSE_PACKAGES = (
    "fmt", "os", "os/exec", "os/signal", "runtime", "runtime/debug", "runtime/pprof", "runtime/metrics",
    "sync", "sync/atomic", "time", "strings", "strconv", "bufio", "bytes", "errors", "flag", "sort",
    "encoding/binary", "encoding/json", "math", "math/rand/v2", "net", "os/user", "syscall", "unsafe",
    "context", "io", "log", "testing", "path/filepath", "slices", "maps", "debug/buildinfo", "debug/elf",
)
#: Every target the course builds: runnable Linux ones, then build-only ones.
COURSE_TARGETS = (
    "linux/amd64", "linux/arm64", "linux/386", "linux/arm", "linux/riscv64", "linux/ppc64le",
    "linux/s390x", "linux/loong64", "windows/amd64", "windows/arm64", "windows/386",
    "darwin/amd64", "darwin/arm64", "freebsd/amd64", "js/wasm", "wasip1/wasm", "aix/ppc64",
    # build-only targets of the build-constraint lab and the capstone's hidden tests
    "openbsd/amd64", "netbsd/arm64", "plan9/amd64", "android/arm64",
)

#: Go tools the course runs (`go tool NAME`). The distribution ships only the compiler's tools
#: prebuilt; `go tool objdump|nm|pprof` builds the tool on first use (10–30 s) and caches it.
COURSE_TOOLS = ("objdump", "nm", "pprof", "addr2line")


@dataclass(frozen=True)
class PrewarmSpec:
    """One build configuration to prewarm: a target plus the flags that change compiled code."""

    goos: str
    goarch: str
    cgo: int | None = None
    race: bool = False

    @classmethod
    def parse(cls, text: str) -> "PrewarmSpec":
        """``linux/amd64``, ``linux/amd64:cgo``, ``linux/amd64:nocgo``, ``linux/amd64:race``."""
        target, _, flag = text.partition(":")
        goos, sep, goarch = target.partition("/")
        if not sep or not goos or not goarch:
            raise InvalidOption(f"prewarm target {text!r} must look like linux/arm64 (optionally :cgo, :nocgo or :race)")
        if flag not in ("", "cgo", "nocgo", "race"):
            raise InvalidOption(f"unknown prewarm flag {flag!r} in {text!r}: use :cgo, :nocgo or :race")
        return cls(goos, goarch, cgo={"cgo": 1, "nocgo": 0, "race": 1}.get(flag), race=flag == "race")

    def __str__(self) -> str:
        flag = ":race" if self.race else {1: ":cgo", 0: ":nocgo"}.get(self.cgo, "")
        return f"{self.goos}/{self.goarch}{flag}"


def default_specs(toolchain: Toolchain) -> list[PrewarmSpec]:
    """The course's targets; the native one also with cgo off and with -race (chapters 03 and 04)."""
    host = f"{toolchain.hostos}/{toolchain.hostarch}"
    specs = [PrewarmSpec.parse(t) for t in COURSE_TARGETS if t != host]
    native = [PrewarmSpec.parse(host), PrewarmSpec.parse(host + ":nocgo")]
    if toolchain.hostos == "linux" and toolchain.hostarch in ("amd64", "arm64"):
        native.append(PrewarmSpec.parse(host + ":race"))
    return native + specs


def prewarm(targets=None, *, toolchain: Toolchain | None = None, packages=COURSE_PACKAGES, tools=None,
            on_progress=None) -> list[dict]:
    """Build ``packages`` for each target so later builds hit the build cache (and, for the
    default targets, build the Go tools the course runs, :data:`COURSE_TOOLS`).

    Args:
        targets: iterable of "goos/goarch[:cgo|:nocgo|:race]" strings or PrewarmSpec; default: the course's.
        tools: Go tools to build and cache; default: :data:`COURSE_TOOLS` when ``targets`` is
            the default, none otherwise.
        on_progress: called with each report dict as a target finishes.

    Returns:
        One dict per target: target, ok, seconds, and the error text when it failed (a target
        that cannot build, e.g. -race without a C compiler, is reported, not raised).
    """
    from .targets import validate_target

    tc = toolchain or default()
    specs = default_specs(tc) if not targets else [t if isinstance(t, PrewarmSpec) else PrewarmSpec.parse(t) for t in targets]
    reports = []
    for tool in (COURSE_TOOLS if tools is None and not targets else tools or ()):
        t0 = time.perf_counter()
        # No arguments: the tool prints its usage and exits 2, after `go tool` built and cached it.
        proc = tc.run_go(["tool", tool], timeout=1800)
        built = "usage" in (proc.stderr + proc.stdout).lower()
        report = {"target": f"go tool {tool}", "ok": built, "seconds": round(time.perf_counter() - t0, 2)}
        if not built:
            report["error"] = (proc.stderr or proc.stdout).strip()[-2000:]
        reports.append(report)
        if on_progress:
            on_progress(report)
    for spec in specs:
        validate_target(spec.goos, spec.goarch, toolchain=tc)
        opts = BuildOptions(goos=spec.goos, goarch=spec.goarch, cgo=spec.cgo, race=spec.race)
        t0 = time.perf_counter()
        proc = tc.run_go(["build", *opts.go_flags(), *packages], env=opts.go_env(), timeout=1800)
        report = {"target": str(spec), "ok": proc.returncode == 0, "seconds": round(time.perf_counter() - t0, 2)}
        if proc.returncode != 0:
            report["error"] = (proc.stderr or proc.stdout).strip()[-2000:]
        LOGGER.info("prewarm %s: %s in %.1f s", spec, "ok" if report["ok"] else "FAILED", report["seconds"])
        reports.append(report)
        if on_progress:
            on_progress(report)
    return reports

