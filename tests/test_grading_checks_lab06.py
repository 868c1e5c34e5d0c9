"""goenv.grading.checks_lab06 with the real toolchain, git and the race detector (no nbgrader)."""

from __future__ import annotations

import shutil

import pytest

from goenv.grading import checks_lab06 as checks
from goenv.grading.checks import CheckFailed
from goenv.runners import find_qemu

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
needs_cc = pytest.mark.skipif(shutil.which("gcc") is None, reason="-race needs cgo and a C compiler")

STAMPED = '''package main

import (
	"fmt"
	"runtime/debug"
)

var version string

func appVersion(bi *debug.BuildInfo) string {
	if version != "" {
		return version
	}
	return bi.Main.Version
}

func main() {
	bi, _ := debug.ReadBuildInfo()
	fmt.Println("version:", appVersion(bi))
}
'''

CONSTANT = STAMPED.replace("var version string", 'const version = "v1.4.2"')

REPORT = '''package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"
)

func main() {
	bi, _ := debug.ReadBuildInfo()
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	goarch := settings["GOARCH"]
	level := "none"
	if key := "GO" + strings.ToUpper(goarch); settings[key] != "" {
		level = key + "=" + settings[key]
	}
	cgo := settings["CGO_ENABLED"]
	if len(os.Args) > 1 && os.Args[1] == "env" {
		cgo = os.Getenv("CGO_ENABLED")
	}
	fmt.Println("path: " + bi.Path)
	fmt.Println("module: " + bi.Main.Path + " " + bi.Main.Version)
	fmt.Println("target: " + settings["GOOS"] + "/" + goarch)
	fmt.Println("level: " + level)
	fmt.Println("cgo: " + cgo)
	fmt.Println("trimpath:", settings["-trimpath"] == "true")
}
'''

COMMIT = '''package main

import (
	"fmt"
	"os"
	"runtime/debug"
)

func main() {
	bi, _ := debug.ReadBuildInfo()
	revision, modified := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	switch {
	case revision == "":
		revision = "unknown"
	case len(os.Args) > 1 && os.Args[1] == "short":
		revision = revision[:7]
	default:
		revision = revision[:12]
	}
	if modified && !(len(os.Args) > 1 && os.Args[1] == "clean") {
		revision += "+dirty"
	}
	fmt.Println("commit:", revision)
}
'''

CACHED = '''package main

import (
	"fmt"
	"runtime/debug"
	"sync"
)

func newBuildInfoCache() func() (*debug.BuildInfo, bool) {
	return sync.OnceValues(debug.ReadBuildInfo)
}

func main() {
	bi, _ := newBuildInfoCache()()
	fmt.Println(bi.Main.Path)
}
'''
UNCACHED = CACHED.replace("return sync.OnceValues(debug.ReadBuildInfo)", "_ = sync.Once{}\n\treturn debug.ReadBuildInfo")
RACY = CACHED.replace("return sync.OnceValues(debug.ReadBuildInfo)", '''var bi *debug.BuildInfo
	var ok, done bool
	_ = sync.Once{}
	return func() (*debug.BuildInfo, bool) {
		if !done {
			bi, ok = debug.ReadBuildInfo()
			done = true
		}
		return bi, ok
	}''')
EAGER = CACHED.replace("return sync.OnceValues(debug.ReadBuildInfo)",
                       "_ = sync.Once{}\n\tbi, ok := debug.ReadBuildInfo()\n\treturn func() (*debug.BuildInfo, bool) { return bi, ok }")


# -- -X ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("flags, expected", [
    ("-X main.version=v1.4.2", {"main.version": "v1.4.2"}),
    ("-s -w -X=main.version=1 --X main.commit=abc", {"main.version": "1", "main.commit": "abc"}),
    ("-X 'main.greeting=hello world'", {"main.greeting": "hello world"}),
    ("-X main.v=1 -X main.v=2", {"main.v": "2"}),
    ("-X main.v=a=b", {"main.v": "a=b"}),
    ("-s -w", {}), ("-X", {}), ("-X novalue", {}), (None, {}), ("", {}),
])
def test_x_assignments(flags, expected):
    assert checks.x_assignments(flags) == expected


def test_stamped_version_read_back(capsys):
    b = checks.build(STAMPED, ldflags="-X main.version=v1.4.2")
    checks.expect_x_stamp(b, "main.version", "v1.4.2")
    assert checks.expect_version(checks.run(b), stamped="v1.4.2") == "v1.4.2"
    assert checks.expect_version(checks.run(STAMPED)) == "(devel)"
    out = capsys.readouterr()
    assert "✓ build info: -ldflags sets main.version=v1.4.2" in out.out and out.err == ""


def test_x_with_the_wrong_name_is_explained(capsys):
    b = checks.build(STAMPED, ldflags="-X main.Version=v1.4.2")
    with pytest.raises(CheckFailed, match=r"-X sets main.Version, not main.version.*case-sensitive.*silently"):
        checks.expect_x_stamp(b, "main.version", "v1.4.2")
    # The linker really ignored it: the variable kept its zero value.
    with pytest.raises(CheckFailed, match=r"printed `version: \(devel\)`; expected `version: v1.4.2`"):
        checks.expect_version(checks.run(b), stamped="v1.4.2")
    assert capsys.readouterr().err == ""


def test_x_missing_or_other_value():
    with pytest.raises(CheckFailed, match="records no -ldflags"):
        checks.expect_x_stamp(checks.build(STAMPED), "main.version", "v1.4.2")
    with pytest.raises(CheckFailed, match="which sets no variable"):
        checks.expect_x_stamp(checks.build(STAMPED, ldflags="-s -w"), "main.version", "v1.4.2")
    with pytest.raises(CheckFailed, match="sets main.version to 'v1.4.3'; expected 'v1.4.2'"):
        checks.expect_x_stamp(checks.build(STAMPED, ldflags="-X main.version=v1.4.3"), "main.version", "v1.4.2")
    # -trimpath keeps -ldflags out of the build information; the message says so.
    with pytest.raises(CheckFailed, match="With -trimpath"):
        checks.expect_x_stamp(checks.build(STAMPED, ldflags="-X main.version=v1.4.2", trimpath=True),
                              "main.version", "v1.4.2")


def test_a_constant_is_not_stamped():
    r = checks.run(CONSTANT, ldflags="-X main.version=v9.8.7")
    with pytest.raises(CheckFailed, match=r"printed `version: v1.4.2`; expected `version: v9.8.7`.*constant"):
        checks.expect_version(r, stamped="v9.8.7")


# -- builds in a git checkout -------------------------------------------------------------------


@needs_git
def test_build_in_git_stamps_the_real_commit():
    b = checks.build_in_git(COMMIT)
    state = checks.checkout(b)
    info = checks.buildinfo(b)
    assert len(state.revision) == 40 and info.settings["vcs.revision"] == state.revision
    assert info.settings["vcs.modified"] == "false" and info.settings["vcs"] == "git"
    assert info.settings["vcs.time"] == checks.GIT_DATE
    # Fixed author and dates: the same program gives the same commit (and a cached binary).
    again = checks.build_in_git(COMMIT)
    assert checks.checkout(again).revision == state.revision and again.binary == b.binary
    # Another program, another commit.
    assert checks.checkout(checks.build_in_git(STAMPED)).revision != state.revision


@needs_git
def test_build_in_git_states():
    dirty = checks.build_in_git(COMMIT, dirty=True)
    assert checks.buildinfo(dirty).settings["vcs.modified"] == "true"
    assert checks.checkout(dirty).modified and "an uncommitted edit" in checks.checkout(dirty).describe()
    later = checks.build_in_git(COMMIT, commits=3)
    assert checks.checkout(later).commits == 3
    assert checks.buildinfo(later).settings["vcs.revision"] == checks.checkout(later).revision
    assert checks.checkout(later).revision != checks.checkout(dirty).revision
    novcs = checks.build_in_git(COMMIT, dirty=True, buildvcs=False)
    assert not checks.buildinfo(novcs).vcs and checks.buildinfo(novcs).main.version == "(devel)"
    # A tag on HEAD becomes the module version; one commit later, a pseudo-version with the commit.
    tagged = checks.build_in_git(STAMPED, tag="v0.3.1")
    assert checks.buildinfo(tagged).main.version == "v0.3.1"
    after = checks.build_in_git(STAMPED, tag="v0.3.1", commits=2)
    version = checks.buildinfo(after).main.version
    assert version.startswith("v0.3.2-0.") and version.endswith(checks.checkout(after).revision[:12])


@needs_git
def test_commit_expectations(capsys):
    assert checks.expect_commit(checks.run(COMMIT)) == "unknown"
    r = checks.run_in_git(COMMIT)
    assert checks.expect_commit(r) == checks.checkout(r).revision[:12]
    r = checks.run_in_git(COMMIT, dirty=True)
    assert checks.expect_commit(r) == checks.checkout(r).revision[:12] + "+dirty"
    r = checks.run_in_git(COMMIT, dirty=True, args=["clean"])
    with pytest.raises(CheckFailed, match=r"vcs.modified=true.*append \"\+dirty\""):
        checks.expect_commit(r)
    r = checks.run_in_git(COMMIT, args=["short"])
    with pytest.raises(CheckFailed, match="first 12 hex digits"):
        checks.expect_commit(r)
    r = checks.run_in_git(COMMIT, buildvcs=False)
    assert checks.expect_commit(r) == "unknown"
    assert capsys.readouterr().err == ""


def test_expected_commit_from_settings():
    info = checks.buildinfo(checks.build(COMMIT))
    assert checks.expected_commit(info) == "unknown"


# -- the build report ---------------------------------------------------------------------------


def test_report_matches_go_version_m(capsys):
    r = checks.run(REPORT, cgo=0)
    lines = checks.expect_report(r)
    host = checks.host_goarch()
    assert lines[2:] == [f"target: linux/{host}", lines[3], "cgo: 0", "trimpath: false"]
    assert lines[3] == f"level: GO{host.upper()}={checks.buildinfo(r).settings['GO' + host.upper()]}"
    r = checks.run(REPORT, cgo=0, trimpath=True)
    assert checks.expect_report(r)[-1] == "trimpath: true"
    assert capsys.readouterr().err == ""


@pytest.mark.skipif(find_qemu("aarch64") is None, reason="needs qemu-aarch64")
def test_report_under_qemu():
    r = checks.run(REPORT, goos="linux", goarch="arm64")
    assert r.emulated
    lines = checks.expect_report(r)
    assert "target: linux/arm64" in lines and "cgo: 0" in lines and lines[3].startswith("level: GOARM64=")


def test_report_from_the_environment_is_caught():
    env = {"CGO_ENABLED": "1"}
    r = checks.run(REPORT, cgo=0, args=["env"], env=env)
    with pytest.raises(CheckFailed, match=r"(?s)CGO_ENABLED=1 in its environment.*expected 'cgo: 0'.*printed 'cgo: 1'"):
        checks.expect_report(r, env=env)


def test_with_module():
    prog = checks.with_module(REPORT, "example.org/ops/reporter")
    info = checks.buildinfo(checks.build(prog, cgo=0))
    assert info.path == "example.org/ops/reporter" and info.main.path == "example.org/ops/reporter"
    assert "path: example.org/ops/reporter" in checks.expect_report(checks.run(prog, cgo=0))
    with pytest.raises(CheckFailed, match="not a module path"):
        checks.with_module(REPORT, "bad path")


# -- the cache ----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [CACHED, EAGER], ids=["OnceValues", "eager"])
def test_cached_passes(source, capsys):
    assert checks.expect_cached(source) == 0
    assert capsys.readouterr().err == ""


def test_uncached_allocates():
    with pytest.raises(CheckFailed, match=r"still allocates [1-9]\d* time\(s\) per call"):
        checks.expect_cached(UNCACHED)


def test_harness_needs_the_signature():
    other = CACHED.replace("func newBuildInfoCache() func() (*debug.BuildInfo, bool)",
                           "func newBuildInfoCache() func() *debug.BuildInfo").replace(
        "return sync.OnceValues(debug.ReadBuildInfo)",
        "return func() *debug.BuildInfo { bi, _ := debug.ReadBuildInfo(); return bi }").replace(
        "bi, _ := newBuildInfoCache()()", "_ = sync.Once{}\n\tbi := newBuildInfoCache()()")
    with pytest.raises(CheckFailed, match="not together with the grader's test"):
        checks.expect_cached(other)


@needs_cc
def test_concurrent_first_calls(capsys):
    checks.expect_cached_concurrently(CACHED)
    checks.expect_cached_concurrently(EAGER)
    with pytest.raises(CheckFailed, match=r"did not all get the same \*debug.BuildInfo"):
        checks.expect_cached_concurrently(UNCACHED)
    assert capsys.readouterr().err == ""


@needs_cc
def test_unsynchronised_lazy_cache_is_a_race_every_time():
    # It passes the allocation test...
    assert checks.expect_cached(RACY) == 0
    # ...but the race detector reports it on every run (the binary is built once).
    for _ in range(5):
        with pytest.raises(CheckFailed, match=r"(?s)at once, and the race detector found.*data race.*`if !done.*sync.Once"):
            checks.expect_cached_concurrently(RACY)
