"""``python -m goenv``: the stable command line, run as a learner or a script would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import PROGRAMS, needs_qemu


def goenv_cli(*args, input=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "goenv", *map(str, args)], capture_output=True, text=True,
                          input=input, timeout=timeout, cwd=Path(__file__).parent.parent)


def test_run_prints_output_and_exits_with_the_programs_code():
    """Does `run` print the program's output and exit with its exit code (3)?"""
    p = goenv_cli("run", PROGRAMS / "exit3.go")
    assert p.returncode == 3 and p.stdout == "about to exit with status 3\n"
    assert "status 3" in p.stderr


def test_run_passes_args_and_stdin(tmp_path):
    """Are arguments after -- and --stdin - passed to the program?"""
    src = tmp_path / "args.go"
    src.write_text('package main\nimport ("fmt";"os")\nfunc main() { fmt.Println(os.Args[1:]) }\n')
    assert goenv_cli("run", src, "--", "a", "-b", "c d").stdout == "[a -b c d]\n"
    p = goenv_cli("run", "--stdin", "-", PROGRAMS / "stdin_echo.go", input="x\ny\n")
    assert p.stdout == "X\nY\nlines: 2\n"


def test_run_timeout_exits_124():
    """Does an infinite loop end with exit code 124 at --timeout?"""
    p = goenv_cli("run", "--timeout", "1", PROGRAMS / "infinite_loop.go")
    assert p.returncode == 124 and "wall-time limit" in p.stderr


def test_compile_error_shows_learner_lines_and_exits_1():
    """Does a compile error print main.go:LINE:COL and exit 1?"""
    p = goenv_cli("run", PROGRAMS / "compile_error.go")
    assert p.returncode == 1
    assert "compile_error.go:6:2: declared and not used: x" in p.stderr and "/tmp/" not in p.stderr
    assert "    6 |     x := 1\n      |     ^\n" in p.stderr


def test_invalid_cgo_value_exits_2_with_the_explanation():
    """Is --cgo on rejected (exit 2) with the reason?"""
    p = goenv_cli("run", "--cgo", "on", PROGRAMS / "hello.go")
    assert p.returncode == 2 and "only 0 or 1" in p.stderr


def test_build_only_target_exits_3():
    """Does running a windows target exit 3 with a build-only message?"""
    p = goenv_cli("run", "--goos", "windows", "--goarch", "amd64", PROGRAMS / "hello.go")
    assert p.returncode == 3 and "build-only" in p.stderr


@needs_qemu("aarch64")
def test_run_json_under_qemu():
    """Does --json give a parseable result for an emulated arm64 run?"""
    p = goenv_cli("run", "--goarch", "arm64", "--json", PROGRAMS / "hello.go")
    d = json.loads(p.stdout)
    assert d["ok"] and d["stdout"] == "hello from linux/arm64\n" and d["runner"] == "qemu-aarch64"


def test_build_then_inspect(tmp_path):
    """Does `build -o` write a binary that `inspect --json` reports as a static ELF for arm64 with build info?"""
    out = tmp_path / "hello-arm64"
    p = goenv_cli("build", "--goarch", "arm64", "--ldflags", "-X main.v=1", "-o", out, PROGRAMS / "hello.go")
    assert p.returncode == 0, p.stderr
    info = json.loads(goenv_cli("inspect", "--json", out).stdout)
    assert info["format"] == "ELF" and info["machine"] == "AArch64" and info["linkage"] == "static"
    assert info["buildinfo"]["settings"]["GOARCH"] == "arm64"
    text = goenv_cli("inspect", out).stdout
    assert text.startswith("ELF 64-bit LSB executable")


def test_disasm_shows_xchg_for_an_atomic_store(tmp_path):
    """Does `disasm` show XCHGQ for atomic.StoreUint64 on amd64 and STLR on arm64?"""
    src = tmp_path / "atom.go"
    src.write_text('package main\nimport "sync/atomic"\nvar x uint64\n//go:noinline\nfunc store() { atomic.StoreUint64(&x, 1) }\nfunc main() { store() }\n')
    amd = goenv_cli("disasm", "--goarch", "amd64", "main.store", src)
    assert amd.returncode == 0, amd.stderr
    assert "XCHGQ" in amd.stdout and "atom.go:5" in amd.stdout
    arm = goenv_cli("disasm", "--goarch", "arm64", "main.store", src)
    assert "STLR" in arm.stdout


def test_targets_and_doctor():
    """Do `targets` list linux/arm64 with how it runs, and `doctor` report Go and the emulators?"""
    t = json.loads(goenv_cli("targets", "--json").stdout)
    row = next(r for r in t if (r["goos"], r["goarch"]) == ("linux", "arm64"))
    assert row["first_class"] and row["runs"] in ("qemu-aarch64", "build-only")
    assert next(r for r in t if r["goos"] == "windows")["runs"] == "build-only"
    d = goenv_cli("doctor")
    assert d.returncode == 0 and d.stdout.startswith("Go:        go1.")
    assert "GOCACHE:" in d.stdout and "linux/arm64" in d.stdout and "Isolation:" in d.stdout


def test_prewarm_rejects_a_bad_target():
    """Is a malformed prewarm target rejected with the expected form?"""
    p = goenv_cli("prewarm", "linux-arm64")
    assert p.returncode == 2 and "linux/arm64" in p.stderr


@pytest.mark.parametrize("args", [["run"], ["bogus"]])
def test_usage_errors(args):
    """Do missing arguments and unknown commands exit 2 with usage?"""
    assert goenv_cli(*args).returncode == 2


def test_env_pairs_reach_the_program_and_bad_pairs_exit_2(tmp_path):
    """Do --env K=V, --godebug and --gomaxprocs reach the program, and does a pair without = exit 2?"""
    src = tmp_path / "env.go"
    src.write_text('package main\nimport ("fmt";"os";"runtime")\n'
                   'func main() { fmt.Println(os.Getenv("X"), os.Getenv("GODEBUG"), runtime.GOMAXPROCS(0)) }\n')
    assert goenv_cli("run", "--env", "X=1", "--godebug", "x=2", "--gomaxprocs", "3", src).stdout == "1 x=2 3\n"
    bad = goenv_cli("run", "--env", "X", src)
    assert bad.returncode == 2 and "--env expects K=V" in bad.stderr
