"""The trace checks of goenv.grading.checks (lab 02): schedtrace/gctrace runs and their expectations."""

from __future__ import annotations

import pytest

from goenv.grading import checks
from goenv.grading.checks import CheckFailed

SPIN = '''package main

import (
	"os"
	"strconv"
	"sync"
	"time"
)

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	deadline := time.Now().Add(300 * time.Millisecond)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
			}
		}()
	}
	wg.Wait()
}
'''

GARBAGE = '''package main

import "fmt"

var sink []byte

func main() {
	for i := 0; i < 1000; i++ {
		sink = make([]byte, 64<<10)
	}
	fmt.Println("done")
}
'''


def test_schedtrace_busy_and_threads(capsys):
    tr = checks.schedtrace(SPIN, period_ms=20, gomaxprocs=2, args=["2"])
    assert len(tr.samples) >= 5 and tr.result.ok
    assert checks.expect_busy_ps(tr, at_least=0.5) >= 0.5
    most = checks.expect_threads(tr, at_least=2, at_most=20)
    out = capsys.readouterr()
    assert "✓ every P busy" in out.out and out.err == ""
    with pytest.raises(CheckFailed, match=r"at least 500"):
        checks.expect_threads(tr, at_least=500)
    with pytest.raises(CheckFailed, match=rf"up to {most} threads.*at most 0"):
        checks.expect_threads(tr, at_most=0)
    with pytest.raises(CheckFailed, match=r"global run queue.*at most \d+ goroutines.*at least 1000000"):
        checks.expect_global_runqueue(tr, at_least=1_000_000)


def test_detailed_trace_counts_running_goroutines(capsys):
    """Every P runs a goroutine with two spinners on two Ps; with one spinner never (a spinning M
    holding the second P often makes idleprocs=0, which is why the check reads the G states)."""
    tr = checks.schedtrace(SPIN, period_ms=20, gomaxprocs=2, detail=True, args=["2"])
    assert len(tr.gs) and checks.expect_busy_ps(tr, at_least=0.5) >= 0.5
    tr = checks.schedtrace(SPIN, period_ms=20, gomaxprocs=2, detail=True, args=["1"])
    with pytest.raises(CheckFailed, match=r"running a goroutine in only 0 of .*GOMAXPROCS=2, keep at least 2"):
        checks.expect_busy_ps(tr, at_least=0.1)


def test_too_short_a_run_has_no_trace():
    with pytest.raises(CheckFailed, match=r"SCHED sample"):
        checks.schedtrace('package main\nfunc main() {}\n', period_ms=1000)


def test_gctrace_counts_cycles():
    g = checks.gctrace(GARBAGE)
    assert len(g.cycles) >= 1 and g.result.stdout == "done\n"
    g = checks.gctrace(GARBAGE, env={"GOGC": "off"})
    assert len(g.cycles) == 0
