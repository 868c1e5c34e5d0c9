"""Run a binary under limits, streaming its output (the Playground's sandbox, for a notebook).

One call, one fresh temporary directory (cwd, HOME and TMPDIR inside it), a
scrubbed environment, stdin from the given data or /dev/null, rlimits set by
util-linux ``prlimit``, a new network namespace by ``unshare --net`` where the
kernel allows it, and a reader loop in the calling thread that

* streams stdout/stderr line by line to a callback,
* keeps only the head and the tail of a flood (memory stays small),
* watches wall time, resident memory and the number of processes,
* on a limit: SIGINT to the process group, SIGKILL after the grace period,
* afterwards kills anything the program left behind, found through its
  process group, the process tree seen while it ran, and a marker variable
  in the environment that every descendant inherits.

See ``limits.py`` for what each limit does and what is not isolated.
"""

from __future__ import annotations

import codecs
import collections
import logging
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .limits import Limits, MIB

LOGGER = logging.getLogger(__name__)

#: Environment variable carrying the run's marker; descendants inherit it, which is how stragglers are found.
MARKER_VAR = "GOENV_RUN"
SAFE_PATH = "/usr/local/bin:/usr/bin:/bin"
_READ_CHUNK = 65536
#: After the main process exits, how long to keep reading pipes held open by its children.
_DRAIN_S = 0.2
# A memory sample taken just after exec sees the program before its runtime has mapped its heap
# (from tens of KiB up); a Go program that has started (alone or under qemu) is above 1 MiB. When
# nothing larger was seen (it exited before the next sample), the peak is unknown, not tiny: report
# None rather than a misleading figure.
_MIN_MEASURED = 1 << 20

OutputCallback = Callable[[str, str], None]


@dataclass(frozen=True)
class Outcome:
    """What happened to one process run (the sandbox part of a RunResult)."""

    stdout: str
    stderr: str
    exit_code: int | None
    signal: int | None
    timed_out: bool
    truncated: bool
    stopped_by: str | None
    duration_s: float
    peak_memory_bytes: int | None
    network_isolated: bool
    stdout_bytes: int
    stderr_bytes: int


class _Capture:
    """Keep the first and last ``cap // 2`` bytes of a stream and count the rest."""

    def __init__(self, name: str, cap: int, callback: OutputCallback | None):
        self.name = name
        self.head_cap = cap // 2
        self.tail_cap = cap - self.head_cap
        self.head = bytearray()
        self.tail: collections.deque[bytes] = collections.deque()
        self.tail_len = 0
        self.total = 0
        self.callback = callback
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._live = True  # stream lines to the callback until the head is full

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self.head_cap - len(self.head)
        if room > 0:
            part = data[:room]
            self.head += part
            self._stream(part)
            data = data[room:]
        if data:
            if self._live:
                self._live = False
                self._flush_pending()
                self._notify(f"[goenv: more than {_human(self.head_cap)} on {self.name}; "
                             "the end is shown when the program stops]\n")
            self.tail.append(bytes(data))
            self.tail_len += len(data)
            # Drop whole chunks from the left: O(1) per chunk, and memory stays ~tail_cap.
            while self.tail and self.tail_len - len(self.tail[0]) >= self.tail_cap:
                self.tail_len -= len(self.tail.popleft())

    @property
    def truncated(self) -> bool:
        return self.total > self.head_cap + self.tail_cap

    def _tail_bytes(self) -> bytes:
        data = b"".join(self.tail)
        return data[-self.tail_cap:] if len(data) > self.tail_cap else data

    def text(self) -> str:
        if not self.tail:
            return self.head.decode("utf-8", errors="replace")
        tail = self._tail_bytes()
        cut = self.total - len(self.head) - len(tail)
        if cut <= 0:
            return (bytes(self.head) + tail).decode("utf-8", errors="replace")
        return (
            self.head.decode("utf-8", errors="replace")
            + self._cut_notice(cut)
            + tail.decode("utf-8", errors="replace")
        )

    def _cut_notice(self, cut: int) -> str:
        return (f"\n[goenv: {cut:,} bytes of {self.name} cut here (limit: output_bytes); "
                f"showing the first {len(self.head):,} and the last {min(self.tail_len, self.tail_cap):,} bytes]\n")

    def finish(self) -> None:
        """Flush a partial last line and, after a flood, stream the kept tail."""
        if self._live:
            self._pending += self._decoder.decode(b"", final=True)
            self._flush_pending()
            return
        if self.tail:
            tail = self._tail_bytes()
            cut = self.total - len(self.head) - len(tail)
            if cut > 0:
                self._notify(self._cut_notice(cut))
            for line in tail.decode("utf-8", errors="replace").splitlines(keepends=True):
                self._notify(line)

    def _stream(self, data: bytes) -> None:
        if self.callback is None:
            return
        self._pending += self._decoder.decode(data)
        if "\n" in self._pending:
            *lines, self._pending = self._pending.split("\n")
            for line in lines:
                self._notify(line + "\n")

    def _flush_pending(self) -> None:
        if self._pending:
            self._notify(self._pending)
            self._pending = ""

    def _notify(self, text: str) -> None:
        if self.callback is not None:
            try:
                self.callback(self.name, text)
            except Exception:  # a failing display must not leave the program running
                LOGGER.exception("output callback failed")
                self.callback = None


# -- isolation probes (once per process) --------------------------------------
_NET_PREFIX: list[str] | None = None


def network_prefix() -> list[str]:
    """The command prefix that gives a program an empty network namespace, or [] if impossible."""
    global _NET_PREFIX
    if _NET_PREFIX is None:
        _NET_PREFIX = []
        unshare = shutil.which("unshare")
        if unshare:
            uid, gid = os.getuid(), os.getgid()
            candidates = [[unshare, "--net"]] if uid == 0 else []
            candidates += [
                [unshare, "--user", "--map-current-user", "--net"],
                [unshare, "--user", f"--map-user={uid}", f"--map-group={gid}", "--net"],
            ]
            for cand in candidates:
                try:
                    ok = subprocess.run([*cand, "true"], capture_output=True, timeout=10).returncode == 0
                except (OSError, subprocess.SubprocessError):
                    ok = False
                if ok:
                    _NET_PREFIX = cand
                    break
        LOGGER.info("network isolation: %s", " ".join(_NET_PREFIX) if _NET_PREFIX else "not available")
    return list(_NET_PREFIX)


def isolation_report() -> dict:
    """What this machine can isolate (shown by ``python -m goenv doctor``)."""
    net = network_prefix()
    return {
        "network": "new empty network namespace" if net else "NOT isolated (no permission to create a network namespace)",
        "network_isolated": bool(net),
        "rlimits": "prlimit" if shutil.which("prlimit") else "preexec (prlimit not found)",
        "user": "root" if os.getuid() == 0 else "unprivileged",
        "filesystem": "not isolated: the program runs as this user, with cwd and HOME in a fresh temp dir",
    }


def _rlimits(limits: Limits, *, data_limit: bool) -> dict[str, int]:
    lim = {
        "fsize": limits.file_size_bytes,
        "nofile": limits.open_files,
        "core": 0,
    }
    if data_limit:
        lim["data"] = limits.memory_bytes
    if os.getuid() != 0:
        # RLIMIT_NPROC counts every thread of this user (Jupyter's included) and root ignores it,
        # so it is only a backstop against fork bombs for ordinary users.
        lim["nproc"] = _user_tasks() + max(512, limits.max_processes * 16)
    return lim


def _user_tasks() -> int:
    uid = os.getuid()
    n = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    n += len(os.listdir(f"/proc/{pid}/task"))
            except OSError:
                continue
    return n


def _prlimit_prefix(rl: dict[str, int]) -> tuple[list[str], Callable | None]:
    prlimit = shutil.which("prlimit")
    if prlimit:
        return [prlimit, *(f"--{k}={v}" for k, v in rl.items()), "--"], None
    import resource

    names = {"fsize": "RLIMIT_FSIZE", "nofile": "RLIMIT_NOFILE", "core": "RLIMIT_CORE",
             "data": "RLIMIT_DATA", "nproc": "RLIMIT_NPROC"}

    def preexec():  # only async-signal-safe-ish calls: setrlimit
        for k, v in rl.items():
            resource.setrlimit(getattr(resource, names[k]), (v, v))

    return [], preexec


def scrubbed_env(home: Path, tmp: Path, extra: dict | None, marker: str) -> dict[str, str]:
    """The program's whole environment: a known minimum plus what the caller asked for."""
    env = {
        "PATH": SAFE_PATH,
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "USER": os.environ.get("USER", "learner"),
    }
    for k, v in (extra or {}).items():
        if v is None:
            continue
        env[str(k)] = str(v)
    env[MARKER_VAR] = marker
    return env


def execute(
    argv: list[str],
    *,
    limits: Limits,
    stdin: str | bytes | None = None,
    env: dict | None = None,
    on_output: OutputCallback | None = None,
    data_limit: bool = True,
    cancel=None,
    keep_dir: bool = False,
) -> Outcome:
    """Run ``argv`` under ``limits`` and return what happened.

    Args:
        argv: the command (emulator prefix already applied).
        limits: the Limits to enforce.
        stdin: data for standard input; None means /dev/null (immediate EOF).
        env: extra environment variables (GODEBUG, GOMAXPROCS, ...).
        on_output: called as ``on_output(stream, text)`` with "stdout"/"stderr" and whole lines as they arrive.
        data_limit: apply RLIMIT_DATA (False for -race binaries; the watchdog still applies).
        cancel: an object with ``is_set()`` (a threading.Event): set it to stop the program (Stop button).
        keep_dir: keep the run directory for debugging.
    """
    rundir = Path(tempfile.mkdtemp(prefix="goenv-run-"))
    home, tmp = rundir / "home", rundir / "tmp"
    home.mkdir()
    tmp.mkdir()
    marker = uuid.uuid4().hex
    full_env = scrubbed_env(home, tmp, env, marker)
    net = network_prefix() if limits.network == "off" else []
    rl_prefix, preexec = _prlimit_prefix(_rlimits(limits, data_limit=data_limit))
    cmd = [*rl_prefix, *net, *argv]

    stdin_file = None
    if stdin is not None:
        stdin_file = tempfile.TemporaryFile(dir=rundir)
        stdin_file.write(stdin.encode() if isinstance(stdin, str) else bytes(stdin))
        stdin_file.seek(0)

    out_cap = _Capture("stdout", limits.output_bytes, on_output)
    err_cap = _Capture("stderr", limits.output_bytes, on_output)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            cmd, cwd=rundir, env=full_env,
            stdin=stdin_file if stdin_file is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, preexec_fn=preexec,
        )
    except OSError:
        if stdin_file:
            stdin_file.close()
        shutil.rmtree(rundir, ignore_errors=True)
        raise
    try:
        return _supervise(proc, limits, out_cap, err_cap, start, cancel, marker, bool(net),
                          os.path.basename(argv[0])[:15])
    finally:
        if stdin_file:
            stdin_file.close()
        if not keep_dir:
            shutil.rmtree(rundir, ignore_errors=True)


def _supervise(proc, limits: Limits, out_cap: _Capture, err_cap: _Capture, start: float, cancel,
               marker: str, isolated: bool, comm: str) -> Outcome:
    import psutil

    sel = selectors.DefaultSelector()
    for f, cap in ((proc.stdout, out_cap), (proc.stderr, err_cap)):
        os.set_blocking(f.fileno(), False)
        sel.register(f, selectors.EVENT_READ, cap)
    pid = proc.pid
    deadline = start + limits.wall_time_s
    stopped_by = None
    kill_at = None
    status = rusage = None
    # wait4's ru_maxrss is max(our own high-water mark, the program's): see _high_water.
    own_hwm = _vm_status(os.getpid())[1]
    exited_at = None
    seen: dict[int, float] = {}
    peak = 0
    next_watch = start
    try:
        root = psutil.Process(pid)
    except psutil.Error:
        root = None

    while True:
        if sel.get_map():
            wait = min(limits.poll_interval_s, max(0.0, next_watch - time.monotonic()))
            for key, _ in sel.select(timeout=wait):
                try:
                    data = os.read(key.fileobj.fileno(), _READ_CHUNK)
                except BlockingIOError:
                    continue
                if data:
                    key.data.feed(data)
                else:
                    sel.unregister(key.fileobj)
        elif status is None:
            time.sleep(min(limits.poll_interval_s, 0.005))
        now = time.monotonic()
        if status is None:
            wpid, st, ru = os.wait4(pid, os.WNOHANG)
            if wpid == pid:
                status, rusage, exited_at = st, ru, now
                proc.returncode = _returncode(st)  # keep Popen from waiting again
        if status is not None and (not sel.get_map() or now - exited_at > _DRAIN_S):
            break  # main process gone; children holding the pipes are killed below
        if status is None and stopped_by is None:
            if now >= deadline:
                stopped_by = "wall_time"
            elif cancel is not None and cancel.is_set():
                stopped_by = "interrupt"
            elif now >= next_watch and root is not None:
                # Sample densely in the first 50 ms: most course programs are that short.
                next_watch = now + (0.002 if now - start < 0.05 else limits.poll_interval_s)
                rss, nproc = _watch(root, seen)
                peak = max(peak, rss, _high_water(pid, comm))
                if rss > limits.memory_bytes:
                    stopped_by = "memory"
                elif nproc > limits.max_processes:
                    stopped_by = "processes"
            if stopped_by:
                LOGGER.info("stopping pid %d: %s", pid, stopped_by)
                _signal_group(pid, signal.SIGINT if stopped_by in ("wall_time", "interrupt") else signal.SIGKILL)
                kill_at = now + limits.grace_s
        if kill_at is not None and now >= kill_at and status is None:
            _signal_group(pid, signal.SIGKILL)
            kill_at = now + 1.0  # keep trying, in case of an uninterruptible moment

    duration = time.monotonic() - start
    sel.close()
    _cleanup(pid, seen, marker)
    for f in (proc.stdout, proc.stderr):
        try:
            f.close()
        except OSError:
            pass
    out_cap.finish()
    err_cap.finish()
    if rusage is not None and rusage.ru_maxrss * 1024 > own_hwm * 1.02:
        peak = max(peak, rusage.ru_maxrss * 1024)  # above our own mark, so it is the program's
    exit_code = sig = None
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
    else:
        exit_code = os.WEXITSTATUS(status)
    return Outcome(
        stdout=out_cap.text(), stderr=err_cap.text(), exit_code=exit_code, signal=sig,
        timed_out=stopped_by == "wall_time", truncated=out_cap.truncated or err_cap.truncated,
        stopped_by=stopped_by, duration_s=duration, peak_memory_bytes=peak if peak >= _MIN_MEASURED else None,
        network_isolated=isolated, stdout_bytes=out_cap.total, stderr_bytes=err_cap.total,
    )


def _returncode(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _vm_status(pid: int) -> tuple[str | None, int]:
    """(Name, VmHWM in bytes) from /proc/PID/status; (None, 0) when unreadable."""
    try:
        with open(f"/proc/{pid}/status") as f:
            text = f.read()
    except OSError:
        return None, 0
    name, hwm = None, 0
    for line in text.splitlines():
        if line.startswith("Name:"):
            name = line[5:].strip()
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) * 1024
            break
    return name, hwm


def _high_water(pid: int, comm: str) -> int:
    """VmHWM of ``pid`` once it runs the program itself (not yet prlimit/unshare), else 0.

    wait4's ru_maxrss alone cannot be trusted: Linux carries the high-water mark
    of the memory the child had before exec — this (large) Python process's,
    shared through vfork — into the child's rusage, so a hello world would
    "peak" at the kernel's size. VmHWM belongs to the current memory map and
    starts afresh at exec; ru_maxrss is used only when it exceeds our own mark.
    """
    name, hwm = _vm_status(pid)
    return hwm if name == comm else 0


def _watch(root, seen: dict[int, float]) -> tuple[int, int]:
    """Resident memory of the process tree and its number of processes; remember who we saw."""
    import psutil

    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    rss = 0
    for p in procs:
        try:
            rss += p.memory_info().rss
            if p.pid not in seen:
                seen[p.pid] = p.create_time()
        except psutil.Error:
            continue
    return rss, len(procs)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _cleanup(pid: int, seen: dict[int, float], marker: str) -> None:
    """Kill everything the run left behind: its group, the tree we saw, and marked processes."""
    import psutil

    _signal_group(pid, signal.SIGKILL)
    victims = []
    for cpid, ctime in seen.items():
        if cpid == pid:
            continue
        try:
            p = psutil.Process(cpid)
            if abs(p.create_time() - ctime) < 0.01:
                victims.append(p)
        except psutil.Error:
            continue
    victims += _marked_processes(pid, marker)
    for p in victims:
        try:
            p.kill()
        except psutil.Error:
            pass
    if victims:
        psutil.wait_procs(victims, timeout=1.0)


def _marked_processes(after_pid: int, marker: str) -> list:
    """Processes whose environment carries this run's marker (they escaped the group with setsid)."""
    import psutil

    needle = f"{MARKER_VAR}={marker}".encode()
    found = []
    for name in os.listdir("/proc"):
        # Descendants get higher pids (barring pid wrap-around), which keeps this scan short.
        if not name.isdigit() or int(name) <= after_pid:
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                if needle in f.read():
                    found.append(psutil.Process(int(name)))
        except (OSError, psutil.Error):
            continue
    return found


def _human(n: int) -> str:
    return f"{n // MIB} MiB" if n >= MIB and n % MIB == 0 else f"{n // 1024} KiB" if n >= 1024 else f"{n} bytes"
