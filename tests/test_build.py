"""Builds with the real toolchain: diagnostics, the binary cache, test binaries, every target."""

from __future__ import annotations

import json

import pytest

import goenv
from goenv import InvalidOption
from goenv.build import parse_diagnostics
from goenv.cache import BinaryCache
from goenv.inspection import inspect_binary

from helpers import program_source

HELLO = program_source("hello")


def test_compile_error_points_at_the_learners_lines():
    """Does a compile error come back as a result with the learner's file, line, column and source line?"""
    r = goenv.build(program_source("compile_error"))
    assert not r.ok and r.binary is None
    got = [(d.file, d.line, d.column, d.message) for d in r.diagnostics]
    assert got == [("main.go", 6, 2, "declared and not used: x"), ("main.go", 7, 22, "undefined: y")]
    assert r.diagnostics[1].source_line == '\tfmt.Println("sum:", y)'
    assert "/tmp/" not in r.output and "goenv-" not in r.output
    assert r.message.startswith("compile errors: main.go:6:2: declared and not used: x")


def test_diagnostics_in_a_second_file_and_a_subpackage():
    """Are errors in other files and subpackages reported relative to the program root?"""
    files = {
        "go.mod": "module example.com/two\n\ngo 1.22\n",
        "main.go": "package main\n\nimport \"example.com/two/util\"\n\nfunc main() { util.Hello() }\n",
        "extra.go": "package main\n\nvar bad int = \"text\"\n",
        "util/util.go": "package util\n\nfunc Hello() { return 1 }\n",
    }
    r = goenv.build(files)
    files_lines = {(d.file, d.line) for d in r.diagnostics}
    assert ("util/util.go", 3) in files_lines, r.output
    r2 = goenv.build({**files, "util/util.go": "package util\n\nfunc Hello() {}\n"})
    assert [(d.file, d.line) for d in r2.diagnostics] == [("extra.go", 3)]


def test_parse_diagnostics_joins_continuations_and_strips_the_temp_dir():
    """Are indented continuation lines joined and absolute temp paths made relative?"""
    out = ("# example.com/prog\n/tmp/goenv-abc/main.go:4:9: cannot use x (variable of type int) as string value\n"
           "\thave int\n\twant string\n./main.go:7:1: missing return\n")
    d = parse_diagnostics(out, "/tmp/goenv-abc")
    assert [(x.file, x.line, x.column) for x in d] == [("main.go", 4, 9), ("main.go", 7, 1)]
    assert d[0].message.endswith("\nhave int\nwant string")


def test_importing_a_network_module_explains_that_goenv_is_offline():
    """Does importing a module from the internet fail fast with the offline explanation (and no download)?"""
    r = goenv.build('package main\nimport "github.com/google/uuid"\nfunc main() { _ = uuid.New() }\n')
    assert not r.ok
    assert "builds offline" in r.message and "replace" in r.output
    assert r.duration_s < 30


def test_local_replace_module_builds_offline():
    """Does a program with a local `replace` module build without the network?"""
    files = {
        "go.mod": "module example.com/app\n\ngo 1.22\n\nrequire example.com/lib v1.2.3\n\nreplace example.com/lib => ./lib\n",
        "main.go": 'package main\n\nimport "example.com/lib"\n\nfunc main() { println(lib.Name()) }\n',
        "lib/go.mod": "module example.com/lib\n\ngo 1.22\n",
        "lib/lib.go": 'package lib\n\nfunc Name() string { return "lib" }\n',
    }
    r = goenv.run(files)
    assert r.ok, r.message + r.build.output
    assert r.stderr == "lib\n"


def test_binary_cache_reuses_and_never_caches_failures(tmp_path):
    """Is an unchanged program served from the cache, a changed option rebuilt, and a failure never cached?"""
    cache = BinaryCache(tmp_path)
    a = goenv.build(HELLO, cache=cache)
    b = goenv.build(HELLO, cache=cache)
    assert a.ok and not a.cached and b.cached and b.binary == a.binary and b.duration_s == 0
    c = goenv.build(HELLO, cache=cache, ldflags="-s -w")
    assert not c.cached and c.binary != a.binary
    bad = program_source("compile_error")
    assert not goenv.build(bad, cache=cache).ok
    again = goenv.build(bad, cache=cache)
    assert not again.cached and again.duration_s > 0
    assert len(cache.entries()) == 2
    d = goenv.build(HELLO, cache=cache, use_cache=False)
    assert not d.cached


def test_cache_prune_removes_least_recently_used(tmp_path):
    """Does pruning remove the least recently used binaries first?"""
    cache = BinaryCache(tmp_path)
    old = goenv.build(HELLO, cache=cache, ldflags="-X main.v=1")
    new = goenv.build(HELLO, cache=cache, ldflags="-X main.v=2")
    import os
    from pathlib import Path

    os.utime(Path(old.binary).parent, (1, 1))
    cache.prune(max_bytes=Path(new.binary).stat().st_size + 10_000)
    assert not Path(old.binary).exists() and Path(new.binary).exists()


def test_build_timeout_is_reported_and_not_cached(tmp_path):
    """Is a build that exceeds build_time_s stopped, reported plainly, and not cached?"""
    cache = BinaryCache(tmp_path)
    # A fresh -gcflags forces the main package (and only it) to compile; 0.001 s is never enough.
    r = goenv.build(HELLO, cache=cache, limits={"build_time_s": 0.001}, gcflags="-N -l")
    assert not r.ok and "did not finish in time" in r.message
    assert cache.entries() == []


def test_invalid_targets_are_rejected_with_suggestions():
    """Are an unknown GOOS and an unknown GOARCH rejected before Go runs?"""
    with pytest.raises(InvalidOption, match="darwin"):
        goenv.build(HELLO, goos="macos", goarch="arm64")
    with pytest.raises(InvalidOption, match="arm64"):
        goenv.build(HELLO, goos="linux", goarch="aarch64")
    with pytest.raises(InvalidOption, match="only 0 or 1"):
        goenv.build(HELLO, cgo="on")


def test_test_binary_runs_tests_and_benchmarks():
    """Do go test -c binaries run tests, benchmarks (parsed) and emit go test -json events?"""
    from goenv.parsers import parse_bench

    files = {
        "calc.go": "package calc\n\n//go:noinline\nfunc Add(a, b int) int { return a + b }\n",
        "calc_test.go": (
            'package calc\n\nimport "testing"\n\n'
            "func TestAdd(t *testing.T) { if Add(2, 2) != 4 { t.Fatal(\"bad\") } }\n"
            "func TestSkip(t *testing.T) { t.Skip(\"not today\") }\n"
            "func BenchmarkAdd(b *testing.B) { for i := 0; i < b.N; i++ { Add(i, i) } }\n"
        ),
    }
    r = goenv.test(files, verbose=True)
    assert r.ok and "--- PASS: TestAdd" in r.stdout and "--- SKIP: TestSkip" in r.stdout
    b = goenv.test(files, bench=".", benchtime="1000x", count=2)
    assert b.ok, b.message + b.stdout + b.stderr
    df = parse_bench(b.stdout)
    assert len(df) == 2 and (df["ns/op"] > 0).all() and set(df["iterations"]) == {1000}
    j = goenv.test(files, json=True)
    events = [json.loads(line) for line in j.stdout.splitlines()]
    assert {(e.get("Test"), e["Action"]) for e in events} >= {("TestAdd", "pass"), ("TestSkip", "skip")}


FIRST_CLASS_AND_WASM = [
    ("linux", "amd64", "ELF", 64, "little"), ("linux", "arm64", "ELF", 64, "little"),
    ("linux", "386", "ELF", 32, "little"), ("linux", "arm", "ELF", 32, "little"),
    ("darwin", "amd64", "Mach-O", 64, "little"), ("darwin", "arm64", "Mach-O", 64, "little"),
    ("windows", "amd64", "PE", 64, "little"), ("windows", "386", "PE", 32, "little"),
    ("js", "wasm", "wasm", None, "little"), ("wasip1", "wasm", "wasm", None, "little"),
    ("linux", "s390x", "ELF", 64, "big"), ("aix", "ppc64", "XCOFF", 64, "big"),
]


@pytest.mark.parametrize("goos,goarch,fmt,bits,endian", FIRST_CLASS_AND_WASM)
def test_build_for_every_first_class_target_and_wasm(goos, goarch, fmt, bits, endian):
    """Does a build for each first-class target (and wasm, s390x, aix) report the right format?"""
    r = goenv.build(HELLO, goos=goos, goarch=goarch)
    assert r.ok, r.output
    info = inspect_binary(r.binary)
    assert info.format == fmt
    if bits:
        assert info.bits == bits
    assert info.endianness == endian
    if goos == "windows":
        assert r.binary.endswith(".exe")


def test_format_diagnostics_puts_a_caret_under_the_column():
    """Is each diagnostic followed by its source line and a caret under the column, tabs expanded?"""
    from goenv.display import diagnostics_text
    from goenv.results import Diagnostic

    text = diagnostics_text([Diagnostic("main.go", 7, 22, "undefined: y", '\tfmt.Println("sum:", y)')])
    assert text == ('main.go:7:22: undefined: y\n'
                    '    7 |     fmt.Println("sum:", y)\n'
                    '      |                         ^')


def test_build_log_records_real_builds_only(tmp_path, monkeypatch):
    """Does GOENV_BUILD_LOG get one JSON line per real build, and none for a cache hit?"""
    log = tmp_path / "builds.jsonl"
    monkeypatch.setenv("GOENV_BUILD_LOG", str(log))
    cache = BinaryCache(tmp_path / "bins")
    goenv.build(HELLO, cache=cache, goarch="arm64")
    goenv.build(HELLO, cache=cache, goarch="arm64")
    lines = [json.loads(l) for l in log.read_text().splitlines()]
    assert len(lines) == 1 and lines[0]["target"] == "linux/arm64" and lines[0]["ok"] is True
    assert lines[0]["duration_s"] > 0


def test_cache_key_depends_on_whether_a_c_compiler_exists(tc, monkeypatch):
    """With cgo unset, is a binary built with a C compiler not reused when none is found (Go's default changes)?"""
    from goenv.cache import cache_key
    from goenv.options import BuildOptions
    from goenv.workspace import Program
    import goenv.cache as cache_mod

    prog, opts = Program.coerce(HELLO), BuildOptions(goos="linux", goarch="amd64")
    with_cc = cache_key(prog, opts, tc)
    monkeypatch.setattr(cache_mod.shutil, "which", lambda name: None)
    assert cache_key(prog, opts, tc) != with_cc
