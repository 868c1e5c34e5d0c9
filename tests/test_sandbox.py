"""Runs under limits: the adversarial programs of issue #2, with the real toolchain.

Every test here starts real processes; the last test asserts that none of
them is still alive.
"""

from __future__ import annotations

import threading
import time

import psutil
import pytest

import goenv
from goenv import Limits
from goenv.sandbox import _Capture

from helpers import live_marked_processes, program_source


def test_hello_runs_natively(tc):
    """Does hello world run natively with the network isolated where possible?"""
    r = goenv.run(program_source("hello"))
    assert r.ok, r.message
    assert r.stdout == f"hello from {tc.hostos}/{tc.hostarch}\n"
    assert r.runner == "native" and not r.emulated
    # A hello world may exit before the first sample; when it is measured, it is its own few MiB.
    assert r.peak_memory_bytes is None or 500_000 < r.peak_memory_bytes < 20 * 2**20


def test_peak_memory_is_the_programs_not_the_callers():
    """Is peak memory the program's own (~100 MiB held, or a few MiB idle), never this Python process's size?"""
    hold = """package main
import ("os";"time")
var sink []byte
func main() {
	if len(os.Args) > 1 { sink = make([]byte, 100<<20); for i := range sink { sink[i] = 1 } }
	time.Sleep(150 * time.Millisecond)
}"""
    big = goenv.run(hold, args=["alloc"])
    small = goenv.run(hold)
    assert 100 * 2**20 <= big.peak_memory_bytes <= 140 * 2**20
    assert small.peak_memory_bytes < 20 * 2**20 < psutil.Process().memory_info().rss


def test_exit_code_3():
    """Is a non-zero exit status reported as a result with its output?"""
    r = goenv.run(program_source("exit3"))
    assert r.exit_code == 3 and r.signal is None and not r.ok
    assert r.stdout == "about to exit with status 3\n"
    assert "status 3" in r.message


def test_panic_is_a_result():
    """Is a panic a result whose message quotes the panic, with exit status 2?"""
    r = goenv.run(program_source("panic"))
    assert r.exit_code == 2
    assert "panic: assignment to entry in nil map" in r.stderr
    assert r.message.startswith("panic: assignment to entry in nil map")
    assert "goroutine 1 [running]" in r.stderr


def test_infinite_loop_is_stopped_at_the_limit():
    """Is an infinite loop interrupted at the wall-time limit, within the grace period?"""
    t0 = time.monotonic()
    r = goenv.run(program_source("infinite_loop"), limits=Limits(wall_time_s=1.0, grace_s=0.3))
    elapsed = time.monotonic() - t0
    assert r.timed_out and r.stopped_by == "wall_time"
    assert r.exit_code is None and r.signal is not None  # killed by SIGINT (Go re-raises it)
    assert r.stdout == "looping forever\n"  # output before the stop is kept
    assert 1.0 <= r.run_duration_s < 1.0 + 0.3 + 0.5
    assert elapsed < 5
    assert "wall-time limit" in r.message


def test_output_flood_is_capped_and_caller_memory_stays_small():
    """Is a 300 MiB flood cut to head and tail, while this process's memory stays small?"""
    me = psutil.Process()
    before = me.memory_info().rss
    lines = []
    r = goenv.run(program_source("output_flood"), limits={"output_bytes": 256 * 1024, "wall_time_s": 60},
                  on_output=lambda s, t: lines.append(t))
    grown = me.memory_info().rss - before
    assert r.exit_code == 0 and r.truncated
    assert r.stdout.endswith("END-OF-FLOOD\n")  # the tail is kept
    assert r.stdout.startswith("x" * 1023 + "\n")  # and the head
    assert "bytes of stdout cut here" in r.stdout
    cut = int(r.stdout.split("[goenv: ")[1].split(" bytes")[0].replace(",", ""))
    assert cut == 300 * 2**20 + len("END-OF-FLOOD\n") - 256 * 1024
    assert len(r.stdout) < 300 * 1024
    assert grown < 64 * 2**20, f"caller grew by {grown} bytes"
    # The live stream stopped at the head, said so, then delivered the tail at the end.
    assert any("more than 128 KiB on stdout" in t for t in lines)
    assert lines[-1] == "END-OF-FLOOD\n"
    assert sum(len(t) for t in lines) < 600 * 1024


def test_goroutine_storm_completes():
    """Do 100,000 goroutines run to completion within the default limits?"""
    r = goenv.run(program_source("goroutine_storm"), limits={"wall_time_s": 30})
    assert r.ok, r.message + r.stderr[-500:]
    n = int(r.stdout.splitlines()[0].split(":")[1])
    assert n > 50_000
    assert r.stdout.endswith("all done\n")


def test_memory_hog_is_stopped_with_a_clear_message():
    """Is a program that allocates without bound stopped near the memory cap with a clear message?"""
    cap = 256 * 2**20
    r = goenv.run(program_source("memory_hog"), limits={"memory_bytes": cap, "wall_time_s": 30})
    assert not r.ok and not r.timed_out
    assert "memory" in r.message and "256 MiB" in r.message
    assert r.peak_memory_bytes is not None and r.peak_memory_bytes <= cap + 64 * 2**20
    mib = [int(l.split(":")[1]) for l in r.stdout.splitlines() if l.startswith("allocated MiB")]
    assert mib and max(mib) <= 256


def test_memory_cap_applies_to_race_binaries_through_the_watchdog():
    """Is a -race binary (no RLIMIT_DATA possible) still stopped by the resident-memory watchdog?"""
    r = goenv.run(program_source("memory_hog"), race=True, cgo=1,
                  limits={"memory_bytes": 200 * 2**20, "wall_time_s": 60})
    if not r.build.ok:
        pytest.skip("race detector unavailable: " + r.build.message)
    assert r.stopped_by == "memory", r.message
    assert "200 MiB" in r.message


def test_stdin_is_given_or_closed():
    """Does a program read the given stdin, and get immediate EOF when none is given?"""
    r = goenv.run(program_source("stdin_echo"), stdin="hello\nworld\n")
    assert r.stdout == "HELLO\nWORLD\nlines: 2\n"
    r = goenv.run(program_source("stdin_echo"), limits={"wall_time_s": 5})
    assert r.stdout == "lines: 0\n" and not r.timed_out


def test_environment_is_scrubbed_and_home_is_fresh(monkeypatch):
    """Does the program see only the scrubbed environment plus what was asked, with HOME and cwd in a temp dir?"""
    monkeypatch.setenv("SECRET_TOKEN", "do-not-leak")
    src = '''package main
import ("fmt";"os";"sort")
func main() {
	wd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	env := os.Environ(); sort.Strings(env)
	fmt.Println(wd); fmt.Println(home)
	for _, e := range env { fmt.Println(e) }
}'''
    r = goenv.run(src, env={"GODEBUG": "gctrace=0", "GOMAXPROCS": 1})
    lines = r.stdout.splitlines()
    wd, home = lines[0], lines[1]
    assert "goenv-run-" in wd and home == wd + "/home"
    names = {l.split("=", 1)[0] for l in lines[2:]}
    assert names == {"PATH", "HOME", "TMPDIR", "LANG", "USER", "GODEBUG", "GOMAXPROCS", "GOENV_RUN"}
    assert "do-not-leak" not in r.stdout


def test_network_is_isolated_when_the_os_allows_it():
    """Can the program not reach even a local listener when the result says network_isolated?"""
    import socket

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    src = f'''package main
import ("fmt";"net";"time")
func main() {{
	c, err := net.DialTimeout("tcp", "127.0.0.1:{port}", 2*time.Second)
	if err != nil {{ fmt.Println("dial failed:", err); return }}
	c.Close(); fmt.Println("connected")
}}'''
    try:
        r = goenv.run(src)
        if r.network_isolated:
            assert r.stdout.startswith("dial failed"), r.stdout
        else:
            assert r.stdout == "connected\n"
        r2 = goenv.run(src, limits={"network": "host"})
        assert r2.stdout == "connected\n" and not r2.network_isolated
    finally:
        srv.close()


def test_stop_during_a_long_run():
    """Does setting the cancel event (the Stop button) end a long run promptly?"""
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    t0 = time.monotonic()
    r = goenv.run(program_source("infinite_loop"), cancel=cancel, limits={"wall_time_s": 30})
    assert r.stopped_by == "interrupt" and not r.timed_out
    assert time.monotonic() - t0 < 5
    assert r.message == "stopped on request"


def test_children_that_try_to_outlive_the_program_are_killed():
    """Are a setsid child, a double-forked child and an env-less setsid child all gone after the run?"""
    r = goenv.run(program_source("orphans"), args=["linger"], limits={"wall_time_s": 10})
    assert r.stdout.endswith("parent exits\n"), r.stdout + r.stderr
    pids = [int(l.split()[-1]) for l in r.stdout.splitlines() if l.startswith("started pid")]
    assert len(pids) == 3
    time.sleep(0.1)
    for pid in pids:
        assert not _alive(pid), f"child {pid} outlived the run"
    assert not any(p.name() == "sleep" and p.cmdline()[1:] in (["300"], ["301"], ["302"])
                   for p in psutil.process_iter() if _safe(p))


def test_process_cap_stops_a_fork_loop():
    """Is a program that keeps starting processes stopped at the process limit, leaving none behind?"""
    r = goenv.run(program_source("forkbomb"), limits={"max_processes": 16, "wall_time_s": 20})
    assert r.stopped_by == "processes", r.message
    assert "process limit" in r.message
    time.sleep(0.1)
    assert not any(p.name() == "sleep" and p.cmdline()[1:] == ["60"] for p in psutil.process_iter() if _safe(p))


def test_capture_keeps_head_and_tail_exactly():
    """Does the output capture keep exactly the first and last halves of the cap and count the cut?"""
    got = []
    c = _Capture("stdout", 10, lambda s, t: got.append(t))
    for chunk in (b"ab\n", b"cdefgh", b"ijklmnop", b"qrst\n"):
        c.feed(chunk)
    c.finish()
    assert c.total == 22 and c.truncated
    text = c.text()
    assert text.startswith("ab\ncd") and text.endswith("]\nqrst\n")
    assert "12 bytes of stdout cut here" in text
    assert got[0] == "ab\n"


def test_no_process_started_by_the_suite_is_alive():
    """After all the limit tests above, is no sandboxed process still alive?"""
    time.sleep(0.2)
    assert live_marked_processes() == []


def _alive(pid: int) -> bool:
    try:
        p = psutil.Process(pid)
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _safe(p) -> bool:
    try:
        p.cmdline()
        return True
    except psutil.Error:
        return False
