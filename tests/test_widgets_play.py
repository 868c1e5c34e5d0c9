"""The playground widget driven programmatically: Run, Stop, Build, Disassemble, errors."""

from __future__ import annotations

import time


from goenv.widgets.play import Playground, target_options

from helpers import needs_qemu, program_source


def out_text(pg: Playground, name: str | None = None) -> str:
    return "".join(o.get("text", "") for o in pg.output.outputs if name is None or o.get("name") == name)


def finish(pg: Playground, timeout: float = 120) -> None:
    assert pg.wait(timeout), "the widget is still busy"
    assert not pg.run_button.disabled and pg.stop_button.disabled and pg.busy_html.value == ""


def test_target_list_marks_native_qemu_and_build_only(tc):
    """Does the target selector mark the host native, linux/arm64 via qemu and windows build-only?"""
    labels = dict((v, k) for k, v in target_options())
    assert labels[f"{tc.hostos}/{tc.hostarch}"].endswith("native")
    assert labels["windows/amd64"].endswith("build-only")
    assert labels["linux/arm64"].endswith(("via qemu-aarch64", "build-only"))
    assert len(labels) >= 40  # the toolchain's whole list, not just the course's


def test_run_shows_output_and_status():
    """Does clicking Run show the program's output and a ✓ status with timings and the binary's facts?"""
    pg = Playground(program_source("hello"))
    pg.run_button.click()
    finish(pg)
    assert out_text(pg, "stdout").startswith("hello from linux/")
    assert "✓ exited normally" in pg.status.value and "ELF" in pg.status.value
    assert pg.result.ok


def test_compile_error_highlights_lines_and_leaves_the_widget_usable():
    """Does a compile error show main.go:LINE with the source line, highlight it, and re-enable Run?"""
    pg = Playground(program_source("compile_error"))
    pg.run_button.click()
    finish(pg)
    assert "main.go:6:2: declared and not used: x" in out_text(pg, "stderr")
    assert pg.editor.highlight_lines == [6, 7]
    assert "goenv-error" in pg.status.value
    pg.editor.value = program_source("hello")
    pg.run_button.click()
    finish(pg)
    assert pg.result.ok and pg.editor.highlight_lines == []


def test_stop_ends_a_long_run():
    """Does Stop end an infinite loop promptly and restore the controls?"""
    pg = Playground(program_source("infinite_loop"), limits={"wall_time_s": 60})
    pg.run_button.click()
    deadline = time.monotonic() + 30
    while "looping forever" not in out_text(pg) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pg.run_button.disabled and pg.busy
    pg.stop_button.click()
    finish(pg, 10)
    assert pg.result.stopped_by == "interrupt" and "stopped on request" in pg.status.value


def test_timeout_is_shown():
    """Is the wall-time limit reported in the status line?"""
    pg = Playground(program_source("infinite_loop"), limits={"wall_time_s": 0.5})
    pg.run()
    finish(pg)
    assert pg.result.timed_out and "wall-time limit" in pg.status.value


def test_build_only_target_builds_and_explains():
    """Does Run on windows/amd64 build a PE file and explain that it cannot run here?"""
    pg = Playground(program_source("hello"), target="windows/amd64")
    pg.run()
    finish(pg)
    assert "PE" in pg.status.value and "build-only" in out_text(pg)


def test_goenv_errors_are_shown_not_raised():
    """Does an empty program show the InvalidProgram message and keep the widget usable?"""
    pg = Playground("   ")
    pg.run()
    finish(pg)
    assert "the program is empty" in pg.status.value and "goenv-error" in pg.status.value


@needs_qemu("aarch64")
def test_disassemble_for_arm64():
    """Does Disassemble show STLR for an atomic store on arm64, marked atomic?"""
    src = 'package main\nimport "sync/atomic"\nvar x uint64\n//go:noinline\nfunc store() { atomic.StoreUint64(&x, 1) }\nfunc main() { store() }\n'
    pg = Playground(src, target="linux/arm64")
    pg.func.value = "main.store"
    pg.disasm_button.click()
    finish(pg)
    text = out_text(pg)
    assert "STLR" in text and "<- atomic" in text


def test_godebug_and_gomaxprocs_fields_reach_the_program():
    """Do the GODEBUG and GOMAXPROCS fields reach the runtime?"""
    # The first SCHED line comes from sysmon shortly after start: give it time before exiting.
    pg = Playground('package main\nimport ("fmt";"runtime";"time")\n'
                    'func main() { time.Sleep(100 * time.Millisecond); fmt.Println(runtime.GOMAXPROCS(0)) }\n')
    pg.godebug.value = "schedtrace=1000"
    pg.gomaxprocs.value = 3
    pg.run()
    finish(pg)
    assert out_text(pg, "stdout") == "3\n" and "SCHED 0ms: gomaxprocs=3" in out_text(pg, "stderr")


def test_double_click_does_not_start_two_runs():
    """Is a second Run while busy ignored rather than queued?"""
    pg = Playground(program_source("infinite_loop"), limits={"wall_time_s": 1})
    pg.run()
    first = pg._job.thread
    pg.run()
    assert pg._job.thread is first
    finish(pg)
