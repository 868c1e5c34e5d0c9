"""The %%go cell magic in a real IPython shell: options, streaming, errors and stored results."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from goenv import magic as gomagic
from goenv.results import BuildResult, RunResult

from helpers import needs_qemu, program_source


@pytest.fixture(scope="module")
def shell():
    sh = InteractiveShell.instance()
    sh.run_line_magic("load_ext", "goenv")
    return sh


def run_cell(shell, line, cell):
    with capture_output() as cap:
        shell.run_cell_magic("go", line, cell)
    return cap, shell.user_ns.get("_go")


def summary(cap) -> str:
    return "\n".join(o.data.get("text/plain", "") for o in cap.outputs)


def test_hello_streams_output_and_stores_the_result(shell):
    """Does a hello cell print its output, show a ✓ summary, and leave the RunResult in _go?"""
    cap, res = run_cell(shell, "", program_source("hello"))
    assert cap.stdout.startswith("hello from linux/")
    assert isinstance(res, RunResult) and res.ok
    assert summary(cap).startswith("✓ exited normally")
    assert "native" in summary(cap) and res.build.go_version in summary(cap)


def test_compile_error_shows_cell_line_numbers_and_the_line(shell):
    """Does a compile error name the cell's own line and column, with the offending source line?"""
    cap, res = run_cell(shell, "", program_source("compile_error"))
    text = summary(cap)
    assert "cell line 6, column 2: declared and not used: x" in text
    assert "    7 |     fmt.Println(\"sum:\", y)" in text
    assert isinstance(res, RunResult) and not res.build.ok
    assert "<div class=\"goenv-result goenv-error\"" in cap.outputs[0].data["text/html"]


@pytest.mark.parametrize("prog,expect", [
    ("panic", "panic: assignment to entry in nil map"),
    ("exit3", "exited with status 3"),
])
def test_failures_are_shown_plainly(shell, prog, expect):
    """Are a panic and a non-zero exit shown as a ⚠ summary, with the program's stderr kept?"""
    cap, res = run_cell(shell, "", program_source(prog))
    assert summary(cap).startswith("⚠ ") and expect in summary(cap)


def test_timeout_and_truncation_are_shown(shell):
    """Are a timeout and a truncated flood reported in the summary line?"""
    cap, res = run_cell(shell, "--timeout 0.5", program_source("infinite_loop"))
    assert res.timed_out and "wall-time limit" in summary(cap)
    cap, res = run_cell(shell, "--memory 256", program_source("output_flood"))
    assert res.truncated and "output was cut" in summary(cap)


@needs_qemu("aarch64")
def test_target_godebug_args_stdin_and_out(shell):
    """Do --target, --godebug, --gomaxprocs, --args, --stdin and --out all reach the program and the namespace?"""
    src = '''package main
import ("bufio";"fmt";"os";"runtime")
func main() {
	in, _ := bufio.NewReader(os.Stdin).ReadString('\\n')
	fmt.Println(runtime.GOARCH, runtime.GOMAXPROCS(0), len(os.Args)-1, os.Args[1:], in == "hi\\n", os.Getenv("GODEBUG"))
}'''
    cap, res = run_cell(shell, "--target linux/arm64 --gomaxprocs 3 --godebug x=1 --args 'a b' --stdin 'hi\\n' --out r1", src)
    assert cap.stdout == "arm64 3 2 [a b] true x=1\n", cap.stdout + cap.stderr
    assert shell.user_ns["r1"] is res and res.emulated
    assert "emulated: qemu-aarch64" in summary(cap)


def test_stdin_var_and_cgo_validation(shell):
    """Does --stdin-var read a Python variable, and is --cgo on rejected with the explanation (no traceback)?"""
    shell.user_ns["data"] = "x\ny\n"
    cap, res = run_cell(shell, "--stdin-var data", program_source("stdin_echo"))
    assert cap.stdout == "X\nY\nlines: 2\n"
    cap, _ = run_cell(shell, "--cgo on", program_source("hello"))
    assert summary(cap).startswith("✗ invalid CGO_ENABLED value 'on'")


def test_name_keeps_the_program_for_later_cells(shell):
    """Does --name keep the program, its options and its last result?"""
    run_cell(shell, "--name greeter --ldflags '-X main.who=course'", program_source("hello"))
    kept = gomagic.program("greeter")
    assert kept.options.ldflags == "-X main.who=course" and kept.result.ok
    assert "main.go" in kept.program.file_map
    with pytest.raises(KeyError, match="greeter"):
        gomagic.program("nope")


def test_disasm_shows_instructions_instead_of_running(shell):
    """Does --disasm show the function's instructions (XCHGQ for an atomic store on amd64) without running?"""
    src = 'package main\nimport "sync/atomic"\nvar x uint64\n//go:noinline\nfunc store() { atomic.StoreUint64(&x, 1) }\nfunc main() { store(); println("ran") }\n'
    cap, res = run_cell(shell, "--goarch amd64 --disasm main.store", src)
    html = "".join(o.data.get("text/html", "") for o in cap.outputs)
    assert "XCHGQ" in html and "atomic" in html
    assert isinstance(res, BuildResult) and "ran" not in cap.stderr


def test_bench_runs_the_cell_as_a_test_file(shell):
    """Does --bench run the cell's benchmarks and print benchmark lines?"""
    src = 'package main\nimport "testing"\nfunc BenchmarkNop(b *testing.B) { for i := 0; i < b.N; i++ {} }\n'
    cap, res = run_cell(shell, "--bench . --benchtime 100x", src)
    assert "BenchmarkNop" in cap.stdout and res.ok


def test_build_only_target_is_a_clear_message_not_a_traceback(shell):
    """Does running a windows target show a build-only message, while --build-only builds it?"""
    cap, _ = run_cell(shell, "--target windows/amd64", program_source("hello"))
    assert "build-only" in summary(cap)
    cap, res = run_cell(shell, "--target windows/amd64 --build-only", program_source("hello"))
    assert res.ok and summary(cap).startswith("✓ built")


def test_raise_flag_and_usage_errors(shell):
    """Does --raise turn a failure into an exception, and a bad --target into a UsageError?"""
    with pytest.raises(gomagic.GoCellFailed):
        shell.run_cell_magic("go", "--raise", program_source("exit3"))
    with pytest.raises(UsageError):
        shell.run_cell_magic("go", "--target linux-arm64", program_source("hello"))


def test_env_pairs_must_have_an_equals_sign(shell):
    """Is a malformed --env a usage error naming the pair, as for any other bad magic line?"""
    with pytest.raises(UsageError, match="--env expects K=V, not 'NOEQUALS'"):
        shell.run_cell_magic("go", "--env NOEQUALS", program_source("hello"))
