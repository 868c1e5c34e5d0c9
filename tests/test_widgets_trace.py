"""Tests for goenv.widgets.trace: schedtrace/gctrace runs plotted live, Stop, and errors."""

from __future__ import annotations

import time

from helpers import live_marked_processes, program_source
from goenv.widgets import TracePlot, trace_plot
from goenv.widgets.trace import godebug_traces, trace_figure_png

PNG = b"\x89PNG\r\n\x1a\n"

# Eight goroutines spin for ~600 ms of wall time on two Ps: the run queues fill up.
CPU_BOUND = """package main

import (
	"fmt"
	"sync"
	"time"
)

func spin(d time.Duration) int {
	n := 0
	for start := time.Now(); time.Since(start) < d; n++ {
	}
	return n
}

func main() {
	var wg sync.WaitGroup
	counts := make([]int, 8)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i] = spin(600 * time.Millisecond)
		}()
	}
	wg.Wait()
	fmt.Println("spun", len(counts), "goroutines")
}
"""

ALLOCATING = """package main

import "fmt"

var sink [][]byte

func main() {
	for i := 0; i < 300; i++ {
		sink = append(sink, make([]byte, 1<<20))
		if len(sink) > 16 {
			sink = sink[1:]
		}
	}
	fmt.Println("kept", len(sink), "MiB")
}
"""


def assert_usable(t: TracePlot) -> None:
    """The widget is idle and ready for the next click."""
    assert not t.busy
    assert not t.run_button.disabled
    assert t.stop_button.disabled
    assert t.spinner.layout.visibility == "hidden"
    assert t.phase == "done"


def test_schedtrace_of_a_cpu_bound_program_is_plotted_live():
    """Does a schedtrace=50 run with GOMAXPROCS=2 give samples, and is the plot redrawn while it runs?"""
    t = trace_plot(CPU_BOUND, godebug="schedtrace=50", gomaxprocs=2, update_interval_s=0.1, autorun=False)
    assert t.result is None and t.plot_updates == 0
    t.run_button.click()
    assert t.wait(timeout=60)
    assert_usable(t)
    assert t.error is None
    r = t.result
    assert r.ok and r.runner == "native"
    assert len(t.samples) >= 5
    assert (t.samples["gomaxprocs"] == 2).all()
    assert t.samples["local_runqueue_total"].max() + t.samples["runqueue"].max() > 0  # 8 goroutines, 2 Ps
    assert t.schedtrace is not None and t.gctrace is None
    assert t.live_updates >= 2, "the image should change more than once while the program runs"
    assert t.plot_updates == t.live_updates + 1  # plus the final frame
    assert bytes(t.image.value).startswith(PNG) and t.image.value == t.png
    assert "go1.27" in t.status_text and "linux/amd64 (native)" in t.status_text
    assert "exited normally" in t.status_html.value
    assert t.output.outputs == ({"output_type": "stream", "name": "stdout", "text": "spun 8 goroutines\n"},)


def test_stop_ends_a_long_run_promptly():
    """Does Stop end an endless program quickly, with stopped_by "interrupt" and the buttons re-enabled?"""
    t = trace_plot(program_source("infinite_loop"), godebug="schedtrace=100", limits={"wall_time_s": 30},
                   update_interval_s=0.1)
    deadline = time.monotonic() + 30
    while (t.phase != "running" or len(t.samples) < 2) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert t.phase == "running" and not t.stop_button.disabled and t.run_button.disabled
    stopped_at = time.monotonic()
    t.stop_button.click()
    assert t.wait(timeout=10)
    assert time.monotonic() - stopped_at < 3
    assert_usable(t)
    assert t.result.stopped_by == "interrupt"
    assert "stopped on request" in t.status_text
    assert len(t.samples) >= 2  # what arrived before Stop stays available
    assert not live_marked_processes()


def test_gctrace_of_an_allocating_program():
    """Does gctrace=1 give GC cycles (heap sizes, pauses) and a plot?"""
    t = trace_plot(ALLOCATING, godebug="gctrace=1")
    assert t.wait(timeout=60)
    assert_usable(t)
    cycles = t.gctrace.cycles
    assert len(cycles) >= 3
    assert (cycles["goal_mb"] > 0).any() and cycles["stw_ms"].notna().all()
    assert t.schedtrace is None and t.samples.empty
    assert bytes(t.image.value).startswith(PNG)
    assert t.output.outputs[0]["text"] == "kept 16 MiB\n"


def test_goenv_error_is_shown_and_the_widget_stays_usable():
    """Does a GoEnvError (cgo='on') show its message, and does a later run work?"""
    t = trace_plot(program_source("hello"), options={"cgo": "on"})
    assert t.wait(timeout=60)
    assert_usable(t)
    assert "CGO_ENABLED" in t.error and "CGO_ENABLED" in t.error_html.value
    assert t.result is None
    t.options = None
    t.gomaxprocs_text.value = "two"
    t.run_button.click()
    assert t.wait(timeout=60)
    assert "GOMAXPROCS must be a whole number" in t.error
    t.gomaxprocs_text.value = "1"
    t.run_button.click()
    assert t.wait(timeout=60)
    assert t.error is None and t.error_html.value == ""
    assert t.result.ok and (t.samples["gomaxprocs"] == 1).all()


def test_compile_error_and_panic_are_results():
    """Are a compile error and a panic shown in the status line (not as widget errors), with the panic text kept?"""
    t = trace_plot(program_source("compile_error"))
    assert t.wait(timeout=60)
    assert t.error is None and not t.result.started
    assert "undefined: y" in t.status_html.value
    t = trace_plot(program_source("panic"))
    assert t.wait(timeout=60)
    assert t.error is None and t.result.exit_code == 2
    assert "panic: assignment to entry in nil map" in t.status_text
    assert any("panic: assignment" in o["text"] for o in t.output.outputs if o["name"] == "stderr")


def test_godebug_parsing_and_empty_figure():
    """Which GODEBUG values turn the plots on, and is there no figure without a trace?"""
    assert godebug_traces("schedtrace=50") == (True, False)
    assert godebug_traces("schedtrace=100,scheddetail=1,gctrace=1") == (True, True)
    assert godebug_traces("gctrace=0,madvdontneed=1") == (False, False)
    assert godebug_traces("") == (False, False)
    assert trace_figure_png(None, None) == b""
