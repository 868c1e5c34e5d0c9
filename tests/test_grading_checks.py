"""goenv.grading.checks: messages that say what was wrong, nothing on stderr, no test source shown."""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from goenv.grading import checks
from goenv.grading.checks import CheckFailed
from helpers import named  # noqa: F401 (a fixture)

HELLO = 'package main\nimport ("fmt"; "runtime")\nfunc main() { fmt.Println(runtime.GOOS + "/" + runtime.GOARCH) }\n'


def test_missing_program_says_which_cell_to_run():
    with pytest.raises(CheckFailed, match=r"--name nosuchtask") as info:
        checks.program("nosuchtask")
    assert isinstance(info.value, AssertionError)


def test_build_run_and_artefacts(named, capsys):
    named("hello", HELLO, goos="linux", goarch="arm64")
    b = checks.build("hello")
    assert checks.expect_elf_machine(b, "AArch64").bits == 64
    checks.expect_static(b)
    checks.expect_target(b, goos="linux", goarch="arm64")
    r = checks.run(b)
    assert checks.expect_output(r, line="linux/arm64") == "linux/arm64\n"
    # options override the cell's: the same source for another target
    r2 = checks.run("hello", goarch="riscv64")
    checks.expect_output(r2, equals="linux/riscv64")
    out = capsys.readouterr()
    assert "✓ ELF machine AArch64" in out.out and out.err == ""


def test_failures_say_what_was_expected(named):
    named("hello", HELLO, goos="linux", goarch="amd64")
    b = checks.build("hello")
    with pytest.raises(CheckFailed, match=r"machine is 'x86-64'.*expected 'AArch64'.*linux/amd64"):
        checks.expect_elf_machine(b, "AArch64")
    with pytest.raises(CheckFailed, match=r"big-endian"):
        checks.expect_endianness(b, "big")
    r = checks.run(b)
    with pytest.raises(CheckFailed, match=r"expected a line 'linux/arm64'.*\n.*linux/amd64"):
        checks.expect_output(r, line="linux/arm64")
    with pytest.raises(CheckFailed, match=r"missing 1 line"):
        checks.expect_output(r, lines=["linux/amd64", "extra"])
    with pytest.raises(CheckFailed, match=r"GOARCH=amd64; expected GOARCH=arm64"):
        checks.expect_target(b, goarch="arm64")


def test_compile_error_and_panics_are_explained(named):
    named("broken", "package main\nfunc main() { undefinedThing() }\n")
    with pytest.raises(CheckFailed, match=r"does not build.*\n.*undefined: undefinedThing"):
        checks.build("broken")
    named("stub", 'package main\nfunc main() {\n\tpanic("not implemented yet: replace this line with your solution")\n}\n')
    with pytest.raises(CheckFailed, match=r"not finished yet"):
        checks.run("stub")
    named("crash", 'package main\nimport "os"\nfunc main() { os.Stderr.WriteString("boom\\n"); os.Exit(3) }\n')
    with pytest.raises(CheckFailed, match=r"exited with status 3.*\n.*\n *boom"):
        checks.run("crash")
    r = checks.run("crash", expect_success=False)
    assert r.exit_code == 3 and r.stderr == "boom\n"


def test_dynamic_binary_fails_expect_static(named):
    named("user", 'package main\nimport ("fmt"; "os/user")\nfunc main() { u, _ := user.Current(); fmt.Println(u.Uid) }\n', cgo=1)
    with pytest.raises(CheckFailed, match=r"dynamically linked.*interpreter"):
        checks.expect_static(checks.build("user"))
    checks.expect_static(checks.build("user", cgo=0))


def test_checks_write_nothing_to_stderr(named):
    """Go's stderr is captured on the result; Python warnings and log records are swallowed."""
    import logging
    import warnings

    named("noisy", 'package main\nimport "os"\nfunc main() { os.Stderr.WriteString("go says hi\\n") }\n')
    err = io.StringIO()
    with redirect_stderr(err):
        r = checks.run("noisy")
        with pytest.raises(CheckFailed):
            checks.expect_output(r, contains="nope")
        with checks._quiet():
            logging.getLogger("goenv").error("a log record")
            warnings.warn("a warning")
            print("a print", file=sys.stderr)
    assert err.getvalue() == "" and r.stderr == "go says hi\n"


def test_cgo_first_class_reference():
    got = checks.cgo_first_class_targets()
    assert "linux/amd64" in got and "linux/arm64" in got and got == sorted(got)
    assert "js/wasm" not in got


def test_render_traceback_is_the_message_only():
    exc = CheckFailed("the binary is dynamically linked\n  expected static")
    assert exc._render_traceback_() == ["✗ the binary is dynamically linked", "  expected static"]


def test_kernel_shows_no_test_source():
    """Through a real kernel: a failing check's error output holds the message, not the cell source."""
    from nbclient import NotebookClient

    nb = new_notebook(cells=[
        new_code_cell("from goenv.grading import checks"),
        new_code_cell("SECRET_HIDDEN_MARKER = 1\nchecks.expect(False, 'your program printed nothing; expected a line')"),
        new_code_cell("import sys; print('ok')"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="python3").execute()
    errors = [o for o in nb.cells[1].outputs if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "CheckFailed"
    shown = "\n".join(errors[0].traceback) + errors[0].evalue
    assert "your program printed nothing" in shown
    assert "SECRET_HIDDEN_MARKER" not in shown and "checks.expect" not in shown
    assert not [o for o in nb.cells[1].outputs if o.output_type == "stream" and o.name == "stderr"]
