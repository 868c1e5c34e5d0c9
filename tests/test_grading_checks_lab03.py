"""goenv.grading.checks_lab03 with real Go builds and runs (and qemu-aarch64, gcc where needed).

The programs are the lab's own (read from grading/source/lab03/lab03.ipynb, so the checks and the
lab cannot drift apart), plus small variants with the mistakes the checks must explain.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from goenv.grading import checks, checks_lab03
from goenv.grading.checks import CheckFailed
from goenv.runners import find_qemu
from helpers import named  # noqa: F401 (a fixture)

SOURCE = Path(__file__).resolve().parents[1] / "grading" / "source" / "lab03" / "lab03.ipynb"

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs a C compiler (gcc) for cgo")
needs_qemu = pytest.mark.skipif(find_qemu("aarch64") is None, reason="needs qemu-aarch64")


def lab_program(grade_id: str) -> str:
    """The Go program of a %%go cell of the lab's source notebook (its magic line removed)."""
    nb = nbformat.read(SOURCE, as_version=4)
    cell = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == grade_id)
    return cell.source.split("\n", 1)[1]


def replace_region(src: str, after: str, body: str) -> str:
    """``src`` with the solution region that follows ``after`` replaced by ``body``."""
    start = src.index("\t// BEGIN SOLUTION\n", src.index(after))
    end = src.index("\t// END SOLUTION\n", start) + len("\t// END SOLUTION\n")
    return src[:start] + body + "\n" + src[end:]


# -- CGO_ENABLED as typed ------------------------------------------------------------------


@needs_gcc
def test_cgo_enabled_off_is_built_as_typed_and_explained(named, capsys):
    named("selfcheck", lab_program("task2_program"), cgo=0)  # the cell's --cgo does not apply
    off = checks_lab03.build_with_cgo_enabled("selfcheck", "off")
    assert checks_lab03.raw_cgo_value(off) == "off"
    assert checks.buildinfo(off).settings["CGO_ENABLED"] == "1"
    assert checks.inspect(off).linkage == "dynamic"
    with pytest.raises(CheckFailed, match=r"built with CGO_ENABLED='off', .* used CGO_ENABLED=1 \(cgo enabled\); "
                                          r"expected CGO_ENABLED=0 \(cgo disabled\)\. .*used its default"):
        checks_lab03.expect_cgo_setting(off, "0")
    zero = checks_lab03.build_with_cgo_enabled("selfcheck", 0)  # an int is taken as its digits
    checks_lab03.expect_cgo_setting(zero, "0")
    checks.expect_static(zero)
    # The same program and value again: served from goenv's binary cache.
    again = checks_lab03.build_with_cgo_enabled("selfcheck", "0")
    assert again.cached and again.binary == zero.binary and checks_lab03.raw_cgo_value(again) == "0"
    out = capsys.readouterr()
    assert "✓ build info: CGO_ENABLED=0 (built with CGO_ENABLED='0')" in out.out and out.err == ""


def test_cgo_enabled_bad_values_and_compile_errors(named):
    named("selfcheck", lab_program("task2_program"))
    for bad in (None, 0.0, True, ["0"]):
        with pytest.raises(CheckFailed, match=r"must be text, as in a Dockerfile's ENV line"):
            checks_lab03.build_with_cgo_enabled("selfcheck", bad)
    named("broken", "package main\nfunc main() { nope() }\n")
    with pytest.raises(CheckFailed, match=r"(?s)does not build with CGO_ENABLED='0' for linux/\w+:\n.*undefined: nope"):
        checks_lab03.build_with_cgo_enabled("broken", "0")


@needs_qemu
def test_cgo_enabled_keeps_the_cells_other_options(named):
    named("selfcheck", lab_program("task2_program"), tags="netgo")
    b = checks_lab03.build_with_cgo_enabled("selfcheck", "0", goos="linux", goarch="arm64")
    info = checks.buildinfo(b)
    assert info.tags == ["netgo"] and info.goarch == "arm64" and info.settings["CGO_ENABLED"] == "0"
    checks_lab03.expect_self_report(checks.run(b), b)


# -- a binary's report of itself ------------------------------------------------------------


@needs_gcc
def test_self_report_is_compared_with_the_binary(named):
    named("selfcheck", lab_program("task2_program"))
    dyn = checks_lab03.build_with_cgo_enabled("selfcheck", "1")
    want = checks_lab03.expect_self_report(checks.run(dyn), dyn)
    assert want["loader"] == f"loader: {checks.inspect(dyn).interpreter}" and "libc.so.6" in want["libraries"]
    typed = replace_region(lab_program("task2_program"), "func cgoSetting(", '\treturn "0"')
    named("typed", typed)
    b = checks_lab03.build_with_cgo_enabled("typed", "1")
    with pytest.raises(CheckFailed, match=r"CGO_ENABLED='1', the binary's own report should have the line "
                                          r"'CGO_ENABLED=1' \(read from its build information\); it printed "
                                          r"'CGO_ENABLED=0'"):
        checks_lab03.expect_self_report(checks.run(b), b)
    no_loader = replace_region(lab_program("task2_program"), "func linkage(", "\treturn \"\", nil, nil")
    named("noloader", no_loader)
    b = checks_lab03.build_with_cgo_enabled("noloader", "1")
    with pytest.raises(CheckFailed, match=r"should have the line 'loader: /.*' \(read from its ELF headers\); "
                                          r"it printed 'loader: none'"):
        checks_lab03.expect_self_report(checks.run(b), b)


# -- host and user lookups ------------------------------------------------------------------


def test_lookups_and_the_go_resolver(named, capsys):
    named("lookup", lab_program("task1_program"), cgo=0)
    b = checks.build("lookup")
    checks_lab03.expect_go_lookups(b)
    r = checks.run(b, args=["192.0.2.7", "no..such", "localhost"], env={"GODEBUG": "netdns=2"})
    assert set(checks_lab03.lookup_lines(r)) == {"192.0.2.7", "no..such", "localhost"}
    assert checks_lab03.expect_resolved(r, "192.0.2.7", addresses=["192.0.2.7"]) == ["192.0.2.7"]
    assert checks_lab03.expect_lookup_error(r, "no..such").endswith("no such host")
    checks_lab03.expect_resolved(r, "localhost", loopback=True)
    assert checks_lab03.expect_go_resolver(r) == "using the Go DNS resolver"
    with pytest.raises(CheckFailed, match=r"`192.0.2.7: 192.0.2.7`: .*loopback"):
        checks_lab03.expect_resolved(r, "192.0.2.7", loopback=True)
    with pytest.raises(CheckFailed, match=r"the lookup of no..such failed"):
        checks_lab03.expect_resolved(r, "no..such")
    with pytest.raises(CheckFailed, match=r"expected the address\(es\) 192.0.2.8"):
        checks_lab03.expect_resolved(r, "192.0.2.7", addresses=["192.0.2.8"])
    with pytest.raises(CheckFailed, match=r"expected `localhost: error: \.\.\.`"):
        checks_lab03.expect_lookup_error(r, "localhost")
    with pytest.raises(CheckFailed,
                       match=r"(?s)expected a line `example.org: ADDRESS \.\.\.`.*printed:\n.*localhost: 127"):
        checks_lab03.expect_resolved(r, "example.org")
    # Without GODEBUG=netdns the runtime says nothing about its resolver.
    quiet = checks.run(b)
    with pytest.raises(CheckFailed, match=r"printed nothing about its DNS resolver"):
        checks_lab03.expect_go_resolver(quiet)
    assert capsys.readouterr().err == ""


def test_lookup_lines_reject_what_is_not_an_address(named):
    named("fake", 'package main\nimport "fmt"\nfunc main() { fmt.Println("localhost: home") }\n')
    r = checks.run("fake")
    with pytest.raises(CheckFailed, match=r"expected IP addresses separated by spaces, but 'home' is not one"):
        checks_lab03.expect_resolved(r, "localhost")


@needs_gcc
def test_cgo_lookups_are_named(named):
    named("lookup", lab_program("task1_program"), cgo=1, tags="netgo")
    b = checks.build("lookup")
    with pytest.raises(CheckFailed, match=r"CGO_ENABLED=1\) and -tags netgo: without osusergo its lookups of users "
                                          r"call the C library"):
        checks_lab03.expect_go_lookups(b)
    named("lookup", lab_program("task1_program"), cgo=1)
    b = checks.build("lookup")
    with pytest.raises(CheckFailed, match=r"without netgo and osusergo its lookups of host names and users"):
        checks_lab03.expect_go_lookups(b)
    r = checks.run(b, env={"GODEBUG": "netdns=2"})
    with pytest.raises(CheckFailed, match=r"the runtime says 'dynamic selection of DNS resolver'; expected "
                                          r"'using the Go DNS resolver'"):
        checks_lab03.expect_go_resolver(r)
    named("lookup", lab_program("task1_program"), cgo=1, tags="netgo,osusergo")
    checks_lab03.expect_go_lookups(checks.build("lookup"))


# -- the raw openat transcript -------------------------------------------------------------


def test_rawopen_lines_quote_like_go():
    assert checks_lab03.rawopen_lines('say "hi"\\\n')[0] == 'note.txt: "say \\"hi\\"\\\\\\n"'
    with pytest.raises(ValueError):
        checks_lab03.rawopen_lines("tab\there")


def test_rawopen_transcript_and_hints(named):
    src = lab_program("task3_program")
    named("rawopen", src)
    note = 'a "quoted" note\n'
    assert checks_lab03.expect_rawopen(checks.run("rawopen", stdin=note), note) == checks_lab03.rawopen_lines(note)
    with pytest.raises(CheckFailed, match=r"expected 'note.txt: \"other\\\\n\"'\n +got 'note.txt: "):
        checks_lab03.expect_rawopen(checks.run("rawopen", stdin=note), "other\n")
    named("cwd0", src.replace("\treturn -100 //", "\treturn 0 //"))
    with pytest.raises(CheckFailed, match=r"Hint: the kernel answered ENOTDIR .*not C's AT_FDCWD value"):
        checks_lab03.expect_rawopen(checks.run("cwd0", stdin=note), note)
    named("nodirfd", src.replace("uintptr(dirfd), uintptr(unsafe.Pointer(p))",
                                 "uintptr(atFDCWD), uintptr(unsafe.Pointer(p))"))
    with pytest.raises(CheckFailed, match=r"Hint: opening inner.txt relative to the descriptor .*must pass dirfd"):
        checks_lab03.expect_rawopen(checks.run("nodirfd", stdin=note), note)
    named("nomode", src.replace("uintptr(flags), uintptr(mode), 0, 0)", "uintptr(flags), 0, 0, 0)"))
    with pytest.raises(CheckFailed, match=r"got 'create new.txt: ok, mode ----------'\n.*Hint: creating new.txt "
                                          r"went wrong: openat must pass flags and mode"):
        checks_lab03.expect_rawopen(checks.run("nomode", stdin=note), note)
    named("osopen", replace_region(src, "func openat(", "\tf, err := os.OpenFile(path, flags, os.FileMode(mode))\n"
                                   "\tif err != nil {\n\t\treturn -1, err\n\t}\n\treturn int(f.Fd()), nil"))
    with pytest.raises(CheckFailed, match=r"Hint: `open NAME: \.\.\.` is how package os reports an error"):
        checks_lab03.expect_rawopen(checks.run("osopen", stdin=note), note)


@needs_qemu
def test_rawopen_with_an_amd64_number_under_qemu(named):
    named("rawopen", lab_program("task3_program").replace("syscall.Syscall6(syscall.SYS_OPENAT, ",
                                                          "syscall.Syscall6(257, "))
    note = "n\n"
    r = checks.run("rawopen", goos="linux", goarch="arm64", stdin=note)
    with pytest.raises(CheckFailed, match=r"on linux/arm64 \(under qemu-aarch64\) .*\n(.*\n)*.*Hint: the kernel "
                                          r"answered ENOSYS .*differ per architecture"):
        checks_lab03.expect_rawopen(r, note)
    # The correct source works there.
    named("rawopen", lab_program("task3_program"))
    checks_lab03.expect_rawopen(checks.run("rawopen", goos="linux", goarch="arm64", stdin=note), note)


# -- crossing the cgo boundary --------------------------------------------------------------


@needs_gcc
def test_cgo_sum_counts_calls(named, capsys):
    src = lab_program("task4_program")
    named("batch", src, cgo=1)
    nums = [2**31 - 1] * 1000 + [-5, 7]
    r = checks.run("batch", stdin=" ".join(map(str, nums)))
    assert checks_lab03.cgo_sum(r) == (sum(nums), 1)
    assert checks_lab03.expect_cgo_sum(r, nums) == (sum(nums), 1)
    with pytest.raises(CheckFailed, match=r"for 1001 numbers your sum is \d+; expected"):
        checks_lab03.expect_cgo_sum(r, nums[:-1])
    empty = checks.run("batch", stdin="")
    assert checks_lab03.expect_cgo_sum(empty, []) == (0, 0)
    named("slow", replace_region(src, "func sumInC(", "\treturn sumPerNumber(xs)"), cgo=1)
    slow = checks.run("slow", stdin=" ".join(map(str, nums)))
    with pytest.raises(CheckFailed, match=r"crossed the cgo boundary 1002 times for 1002 numbers; expected at most 10"):
        checks_lab03.expect_cgo_sum(slow, nums)
    named("inGo", replace_region(src, "func sumInC(", "\tvar s int64\n\tfor _, x := range xs {\n\t\ts += int64(x)\n"
                                 "\t}\n\treturn s"), cgo=1)
    in_go = checks.run("inGo", stdin="1 2 3")
    with pytest.raises(CheckFailed, match=r"made no cgo call"):
        checks_lab03.expect_cgo_sum(in_go, [1, 2, 3])
    named("silent", 'package main\nfunc main() {}\n')
    with pytest.raises(CheckFailed, match=r"expected a line `yours: sum S in K cgo call\(s\)`"):
        checks_lab03.cgo_sum(checks.run("silent"))
    assert capsys.readouterr().err == ""
