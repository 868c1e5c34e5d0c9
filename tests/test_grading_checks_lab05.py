"""goenv.grading.checks_lab05 with the real go command: file selection per target, builds for a target
matrix, gofmt's //go:build line and the truth-table comparison of two constraints."""

from __future__ import annotations

import pytest

from goenv.grading import checks, checks_lab05
from goenv.grading.checks import CheckFailed
from helpers import named  # noqa: F401 (a fixture)

MAIN = '''-- main.go --
package main

import (
	"fmt"

	"example.com/prog/p"
)

func main() { fmt.Println(p.Name()) }
-- p/p.go --
package p

const Shared = true
'''
LINUX = '-- p/p_linux.go --\npackage p\n\nfunc Name() string { return "linux" }\n'
DARWIN = '-- p/p_darwin.go --\npackage p\n\nfunc Name() string { return "darwin" }\n'
WINDOWS = '-- p/p_windows.go --\npackage p\n\nfunc Name() string { return "windows" }\n'


def fallback(constraint: str) -> str:
    return f'-- p/p_other.go --\n{constraint}\n\npackage p\n\nfunc Name() string {{ return "other" }}\n'


EDITION = ('-- main.go --\npackage main\n\nimport "fmt"\n\nvar edition = "community"\n\n'
           'func main() { fmt.Println(edition) }\n')
GOOD = MAIN + LINUX + DARWIN + WINDOWS + fallback("//go:build !linux && !darwin && !windows")
OS_FILES = {"linux/amd64": "p_linux.go", "darwin/arm64": "p_darwin.go", "windows/amd64": "p_windows.go"}
TARGETS = [*OS_FILES, "freebsd/amd64"]


def _fallback(name):
    sel = checks_lab05.selection(name, TARGETS, package="./p", show=False)
    return checks_lab05.expect_fallback(sel, os_files=OS_FILES, fallback_targets=["freebsd/amd64"], shared=["p.go"])


def test_extends_the_lab_checks():
    assert checks_lab05.CheckFailed is CheckFailed
    assert checks_lab05.build is checks.build and checks_lab05.run is checks.run
    assert set(checks.__all__) <= set(checks_lab05.__all__)


def test_selection_and_fallback(named, capsys):
    named("good", GOOD)
    sel = checks_lab05.selection("good", TARGETS, package="./p")
    assert sel["linux/amd64"].go_files == ("p.go", "p_linux.go")
    assert set(sel["freebsd/amd64"].ignored) == {"p_linux.go", "p_darwin.go", "p_windows.go"}
    assert checks_lab05.expect_fallback(sel, os_files=OS_FILES, fallback_targets=["freebsd/amd64"],
                                        shared=["p.go"]) == {"p_other.go"}
    results = checks_lab05.expect_builds("good", TARGETS)
    assert [b.goos for b in results.values()] == ["linux", "darwin", "windows", "freebsd"]
    out = capsys.readouterr()
    assert "freebsd/amd64: compiles p.go, p_other.go" in out.out
    assert "✓ fallback p_other.go is compiled for freebsd/amd64" in out.out
    assert out.err == ""


def test_fallback_mistakes_are_explained(named, capsys):
    named("none", MAIN + LINUX + DARWIN + WINDOWS)
    with pytest.raises(CheckFailed, match=r"for freebsd/amd64 the package compiles only p.go: no file provides"):
        _fallback("none")
    with pytest.raises(CheckFailed, match=r"(?s)does not build for freebsd/amd64.*undefined: p.Name.*"
                                          r"needs a fallback.*For freebsd/amd64 the go command compiles: .*p: p.go"):
        checks_lab05.expect_builds("none", TARGETS)

    named("notlinux", MAIN + LINUX + DARWIN + WINDOWS + fallback("//go:build !linux"))
    with pytest.raises(CheckFailed, match=r"for darwin/arm64 the go command compiles the fallback p_other.go "
                                          r"next to p_darwin.go"):
        _fallback("notlinux")
    with pytest.raises(CheckFailed, match=r"(?s)darwin/arm64.*Name redeclared.*must not overlap.*"
                                          r"p: p.go p_darwin.go p_other.go"):
        checks_lab05.expect_builds("notlinux", TARGETS)

    # A darwin file under the wrong name: excluded by its own suffix on darwin.
    named("misnamed", MAIN + LINUX + DARWIN.replace("p_darwin.go", "p_darwn_arm64.go") + WINDOWS
          + fallback("//go:build !linux && !darwin && !windows"))
    with pytest.raises(CheckFailed, match=r"for darwin/arm64 the go command does not compile p_darwin.go"):
        _fallback("misnamed")
    assert capsys.readouterr().err == ""


def test_ignored_file_hint(named):
    named("ignored", MAIN + LINUX + WINDOWS + fallback("//go:build !linux && !windows")
          + '-- p/p_darwin.go --\n//go:build ignore\n\npackage p\n')
    with pytest.raises(CheckFailed, match=r"p_darwin.go exists but its build constraint excludes darwin/arm64"):
        _fallback("ignored")


def test_invalid_constraint_is_reported_with_the_fix(named):
    named("seed", MAIN + LINUX + DARWIN + WINDOWS + fallback("//go:build linux/arm64"))
    with pytest.raises(CheckFailed, match=r"(?s)rejects package p of your program 'seed' for linux/amd64:.*"
                                          r"invalid syntax at /.*`linux && arm64`"):
        checks_lab05.selection("seed", ["linux/amd64"], package="./p")


def test_only_on(named):
    tuned = MAIN + LINUX + DARWIN + WINDOWS + fallback("//go:build !linux && !darwin && !windows")
    named("tuned", tuned + "-- p/fast.go --\n//go:build linux && arm64\n\npackage p\n")
    sel = checks_lab05.selection("tuned", ["linux/arm64", "linux/amd64", "darwin/arm64"], package="./p", show=False)
    assert checks_lab05.expect_only_on(sel, "linux/arm64", what="the tuned code") == {"fast.go"}
    named("arm64", tuned + "-- p/fast.go --\n//go:build arm64\n\npackage p\n")
    sel = checks_lab05.selection("arm64", ["linux/arm64", "linux/amd64", "darwin/arm64"], package="./p", show=False)
    with pytest.raises(CheckFailed, match=r"no file is compiled for linux/arm64 alone: the tuned code .*"
                                          r"fast.go also for darwin/arm64"):
        checks_lab05.expect_only_on(sel, "linux/arm64", what="the tuned code")


def test_tag_file(named):
    base = EDITION
    named("tagged", base + '-- pro.go --\n//go:build pro\n\npackage main\n\nfunc init() { edition = "pro" }\n',
          tags="pro")
    # The cell's own --tags are the default; tags=() lists without any.
    with_tag = checks_lab05.selection("tagged", ["windows/amd64"], show=False)
    without = checks_lab05.selection("tagged", ["windows/amd64"], tags=(), show=False)
    assert checks_lab05.expect_tag_file(with_tag, without, "windows/amd64", "pro") == {"pro.go"}
    assert checks.expect_output(checks.run("tagged", tags=()), equals="community")
    named("byname", base + '-- edition_pro.go --\npackage main\n\nfunc init() { edition = "pro" }\n')
    with_tag = checks_lab05.selection("byname", ["windows/amd64"], tags=("pro",), show=False)
    without = checks_lab05.selection("byname", ["windows/amd64"], tags=(), show=False)
    with pytest.raises(CheckFailed, match=r"`-tags pro` changes nothing .*a file name alone is not a tag"):
        checks_lab05.expect_tag_file(with_tag, without, "windows/amd64", "pro")


def test_build_hints(named):
    """A //go:build line after the package clause, and a per-OS file put outside its package directory."""
    base = EDITION
    named("late", base + '-- pro.go --\npackage main\n\n//go:build pro\n\nfunc init() { edition = "pro" }\n')
    with pytest.raises(CheckFailed, match=r"(?s)misplaced compiler directive.*only before the package clause"):
        checks_lab05.expect_builds("late", ["linux/amd64"])
    named("flat", GOOD.replace("-- p/p_darwin.go --", "-- p_darwin.go --"))
    with pytest.raises(CheckFailed, match=r"(?s)found packages main \(main.go\) and p \(p_darwin.go\).*"
                                          r"same package"):
        checks_lab05.expect_builds("flat", ["darwin/arm64"])


def test_gofmt_go_build():
    old = "// Copyright 2016 Someone.\n\n// +build linux,amd64 darwin\n// +build !cgo\n\npackage p\n"
    assert checks_lab05.gofmt_go_build(old) == "//go:build ((linux && amd64) || darwin) && !cgo"
    with pytest.raises(CheckFailed, match=r"no // \+build line"):
        checks_lab05.gofmt_go_build("package p\n")
    with pytest.raises(CheckFailed, match=r"gofmt rejects the file"):
        checks_lab05.gofmt_go_build("// +build linux\n\npackage p\nfunc {\n")


def test_same_meaning(capsys):
    want = "//go:build (linux || darwin) && !386"
    checks_lab05.expect_same_meaning("//go:build !386 && (darwin || linux)\n", want)
    checks_lab05.expect_same_meaning("//go:build (linux && !386) || (darwin && !386)", want)
    assert "✓ '//go:build !386 && (darwin || linux)' means the same" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match=r"when none of the tags 386, darwin, linux is set, yours is true and "
                                          r"gofmt's is false"):
        checks_lab05.expect_same_meaning("//go:build linux || darwin || !386", want)
    with pytest.raises(CheckFailed, match=r"when darwin is set and 386, linux are not, yours is false and "
                                          r"gofmt's is true"):
        checks_lab05.expect_same_meaning("//go:build linux && !386", "//go:build darwin || linux")
    with pytest.raises(CheckFailed, match=r"not a valid //go:build line: .*not with commas"):
        checks_lab05.expect_same_meaning("//go:build linux,amd64", want)
    with pytest.raises(CheckFailed, match=r"expected a line that starts with `//go:build `, got '// \+build linux'"):
        checks_lab05.expect_same_meaning("// +build linux", want)
    with pytest.raises(CheckFailed, match=r"got nothing"):
        checks_lab05.expect_same_meaning("", want)
    with pytest.raises(CheckFailed, match=r"several lines"):
        checks_lab05.expect_same_meaning(f"{want}\n{want}", want)
    assert capsys.readouterr().err == ""
