"""Limits applied to every program goenv runs.

The defaults follow the Go Playground's sandbox constants (maxRunTime,
maxOutputSize, memoryLimitBytes) scaled for a course machine: mybinder.org
guarantees 1 GB for the whole container, so one learner program gets half.
Every field can be overridden per call: ``goenv.run(src, limits=Limits(wall_time_s=30))``
or ``goenv.run(src, limits={"wall_time_s": 30})``.

How each limit is enforced on Linux (see ``sandbox.py``):

=================  =====================================================================
limit              mechanism
=================  =====================================================================
wall_time_s        deadline in the reader loop; SIGINT to the process group, then
                   SIGKILL to the group after ``grace_s``; stragglers found by a marker
                   in their environment are killed too.
output_bytes       per stream: the first and last ``output_bytes // 2`` bytes are kept,
                   the middle is counted and replaced by a notice. The program keeps
                   running (it is stopped by the wall-time limit, not by its output).
memory_bytes       RLIMIT_DATA (the Go heap and qemu's guest memory both count; the
                   program dies with "fatal error: runtime: out of memory") plus a
                   watchdog on the resident memory of the whole process tree, which is
                   the only mechanism for ``-race`` binaries (ThreadSanitizer reserves
                   terabytes of shadow memory, so RLIMIT_DATA cannot apply).
max_processes      watchdog on the number of processes in the tree (threads are not
                   processes); for non-root users also RLIMIT_NPROC as a backstop.
file_size_bytes    RLIMIT_FSIZE: a program cannot fill the disk.
open_files         RLIMIT_NOFILE.
network            "off": a new, empty network namespace (``unshare --net``) when the
                   kernel allows it (root, or unprivileged user namespaces); otherwise
                   the run is not isolated and the result says so.
=================  =====================================================================

What is *not* isolated: the file system (the program runs as the learner's own
user with cwd and HOME in a fresh temporary directory, but can read and write
anything that user can), and CPU time beyond the wall-time limit. On Binder the
container itself is the security boundary; on a grading machine run the
autograder as a dedicated user (see grading/README.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from .errors import InvalidOption

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class Limits:
    """Resource limits for one run. All sizes are bytes, all times seconds."""

    #: Wall-clock time the program may run before it is interrupted.
    wall_time_s: float = 10.0
    #: Time between the interrupt (SIGINT) and SIGKILL to the whole process group.
    grace_s: float = 0.5
    #: Output kept per stream (half from the start, half from the end).
    output_bytes: int = 1 * MIB
    #: Memory cap (RLIMIT_DATA and resident-memory watchdog).
    memory_bytes: int = 512 * MIB
    #: Maximum number of processes in the program's process tree.
    max_processes: int = 32
    #: Largest file the program may write.
    file_size_bytes: int = 64 * MIB
    #: Maximum number of open file descriptors.
    open_files: int = 1024
    #: "off" isolates the program from the network where the OS allows it; "host" does not try.
    network: str = "off"
    #: Wall-clock time a build may take (the first build for a new target compiles the standard library).
    build_time_s: float = 300.0
    #: How often the watchdog samples memory and processes.
    poll_interval_s: float = 0.02

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "network":
                if value not in ("off", "host"):
                    raise InvalidOption(f"Limits.network must be 'off' or 'host', not {value!r}")
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise InvalidOption(f"Limits.{f.name} must be a positive number, not {value!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    def with_(self, **changes) -> "Limits":
        """A copy with some fields changed (unknown names raise InvalidOption)."""
        return coerce_limits(changes, base=self)


DEFAULT_LIMITS = Limits()


def coerce_limits(value: "Limits | dict | None", base: Limits = DEFAULT_LIMITS) -> Limits:
    """Accept a Limits, a dict of overrides, or None (defaults)."""
    if value is None:
        return base
    if isinstance(value, Limits):
        return value
    if isinstance(value, dict):
        known = {f.name for f in fields(Limits)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise InvalidOption(f"unknown limit(s) {unknown}; known limits: {sorted(known)}")
        return replace(base, **value)
    raise InvalidOption(f"limits must be a goenv.Limits or a dict, not {type(value).__name__}")
