"""goenv.grading.checks_capstone with the real go command and qemu-user: platinfo-style reports, uname
where a binary runs, `check` exit statuses, per-OS files and their fallback, release flags and stamps."""

from __future__ import annotations

import os

import pytest

from goenv.grading import checks, checks_capstone as cap
from goenv.grading.checks import CheckFailed
from goenv.options import BuildOptions
from goenv.results import BuildResult
from helpers import named  # noqa: F401 (a fixture)

# A small program with platinfo's contract: stamped variables, a key=value report, `check`, and
# platform() in per-OS files (Linux via uname, a fallback for the rest).
MAIN = '''-- main.go --
package main

import (
	"debug/elf"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
)

var (
	version = "dev"
	commit  = "unknown"
)

func main() {
	cgo := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "CGO_ENABLED" {
				cgo = s.Value
			}
		}
	}
	linkage := "unknown"
	if exe, err := os.Executable(); err == nil {
		if f, err := elf.Open(exe); err == nil {
			linkage = "static"
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					linkage = "dynamic"
				}
			}
		}
	}
	machine, note := platform()
	if len(os.Args) > 1 && os.Args[1] == "check" {
		bad := false
		if version == "dev" {
			fmt.Println("problem: version not stamped")
			bad = true
		}
		if commit == "unknown" {
			fmt.Println("problem: commit: not stamped")
			bad = true
		}
		if bad {
			os.Exit(1)
		}
		fmt.Println("ok: ready to ship")
		return
	}
	fmt.Printf("version=%s\\ncommit=%s\\ntarget=%s/%s\\ncgo=%s\\nlinkage=%s\\nmachine=%s\\nnote=%s\\n",
		version, commit, runtime.GOOS, runtime.GOARCH, cgo, linkage, machine, note)
}
-- platform_linux.go --
package main

import "syscall"

func str[T int8 | uint8](f []T) string {
	b := []byte{}
	for _, c := range f {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

func platform() (string, string) {
	var u syscall.Utsname
	syscall.Uname(&u)
	return str(u.Machine[:]), "linux kernel " + str(u.Release[:])
}
'''


def fallback(constraint: str) -> str:
    return (f"-- platform_other.go --\n{constraint}\n\npackage main\n\n"
            'func platform() (string, string) { return "unknown", "other" }\n')


WINDOWS = '-- platform_windows.go --\npackage main\n\nfunc platform() (string, string) { return "?", "windows" }\n'
GOOD = MAIN + fallback("//go:build !linux")
SHARED = ["main.go"]
STAMP = "-X main.version=1.2.3 -X main.commit=abc1234"


def test_build_as_ignores_the_cells_options(named):
    named("p", GOOD, cgo=1, ldflags="-X main.version=cell", tags="foo")
    b = cap.build_as("p", "linux/arm64", ldflags=STAMP)
    assert (b.goos, b.goarch, b.options["cgo"], b.options["ldflags"], b.options["tags"]) == \
        ("linux", "arm64", 0, STAMP, [])
    with pytest.raises(CheckFailed, match="no program named 'nope'"):
        cap.build_as("nope")


def test_report_and_platform_under_qemu(named, capsys):
    named("p", GOOD)
    rep = cap.run_report(cap.build_as("p", "linux/arm64", ldflags=STAMP))
    assert rep.target == "linux/arm64" and rep.result.emulated
    cap.expect_report(rep, version="1.2.3", commit="abc1234", target="linux/arm64", cgo="0", linkage="static")
    machine, release = cap.platform_truth("linux/arm64")
    assert machine == "aarch64" and release  # qemu-aarch64 answers uname for the machine it emulates
    cap.expect_platform(rep)
    with pytest.raises(CheckFailed, match=r"printed `target=linux/arm64`, expected `target=linux/riscv64`.*GOARCH"):
        cap.expect_report(rep, target="linux/riscv64")
    out = capsys.readouterr()
    assert "✓ linux/arm64: version=1.2.3, commit=abc1234" in out.out and out.err == ""


def test_platform_truth_is_the_kernels_word_not_goarch():
    from goenv.runners import runner_for
    from goenv.toolchain import default

    if checks.host_goarch() != "amd64" or runner_for("linux", "386", default()).kind != "native":
        pytest.skip("the 386-on-x86-64 case needs an x86-64 host that runs 386 binaries natively")
    machine, release = cap.platform_truth("linux/386")
    assert (machine, release) == (os.uname().machine, os.uname().release) == ("x86_64", release)


def test_unfinished_parts_and_missing_reports_are_explained(named):
    named("half", '-- main.go --\npackage main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n'
                  '\tfmt.Println("version=?")\n\tfmt.Println("commit=abc")\n'
                  '\tfmt.Fprintln(os.Stderr, "platinfo: identify (task 1): not implemented yet: replace this line")\n'
                  '\tfmt.Fprintln(os.Stderr, "platinfo: platform (task 3): not implemented yet: replace this line")\n'
                  '\tos.Exit(3)\n}\n')
    rep = cap.run_report(cap.build_as("half"))
    assert rep.result.exit_code == 3
    cap.expect_report(rep, commit="abc")
    with pytest.raises(CheckFailed, match=r"(?s)left `version=\?`.*identify \(task 1\): not implemented yet") as exc:
        cap.expect_report(rep, version="1")
    assert "platform (task 3)" not in str(exc.value)  # only the part that fills the field
    with pytest.raises(CheckFailed, match="printed no `target=` line"):
        cap.expect_report(rep, target="linux/amd64")
    named("mute", 'package main\n\nfunc main() { panic("not implemented yet: replace this line") }\n')
    with pytest.raises(CheckFailed, match="not finished yet"):
        cap.run_report(cap.build_as("mute"))
    with pytest.raises(CheckFailed, match=r"unknown report field\(s\) \['colour'\]"):
        cap.expect_report(rep, colour="blue")


def test_check_exit_status_and_named_fields(named, capsys):
    named("p", GOOD)
    ok = cap.expect_check(cap.build_as("p", ldflags=STAMP), problems=[])
    assert ok.exit_code == 0 and ok.problems == ()
    bad = cap.expect_check(cap.build_as("p"), problems=["commit", "version"])
    assert bad.problems == ("version", "commit") and bad.exit_code == 1  # "commit:" is read as commit
    with pytest.raises(CheckFailed, match=r"named the problem field\(s\) commit, version; expected version"):
        cap.expect_check(cap.build_as("p"), problems=["version"])
    with pytest.raises(CheckFailed, match="named the problem field"):
        cap.expect_check(cap.build_as("p", ldflags=STAMP), problems=["cgo"])
    assert capsys.readouterr().err == ""


def test_check_with_a_wrong_exit_status_or_wording(named):
    named("zero", 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("problem: version not stamped") }\n')
    with pytest.raises(CheckFailed, match="exited with status 0; expected 1"):
        cap.expect_check(cap.build_as("zero"), problems=["version"])
    named("vague", 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("problem: not stamped") }\n')
    with pytest.raises(CheckFailed, match="do not start with the field at fault"):
        cap.expect_check(cap.build_as("vague"), problems=["version"])


def test_selection_and_per_os(named, capsys):
    named("p", MAIN + WINDOWS + fallback("//go:build !linux && !windows"))
    sel = cap.selection("p", ["linux/amd64", "windows/amd64", "freebsd/amd64", "plan9/amd64"])
    assert sel["freebsd/amd64"].go_files == ("main.go", "platform_other.go")
    assert cap.expect_per_os(sel, os_files={"linux/amd64": "platform_linux.go", "windows/amd64": "platform_windows.go"},
                             fallback_targets=["freebsd/amd64", "plan9/amd64"], shared=SHARED) == {"platform_other.go"}
    assert "freebsd/amd64: compiles main.go, platform_other.go" in capsys.readouterr().out


def test_per_os_mistakes(named):
    os_files = {"linux/amd64": "platform_linux.go", "windows/amd64": "platform_windows.go"}
    named("none", MAIN + WINDOWS)
    sel = cap.selection("none", ["linux/amd64", "windows/amd64", "freebsd/amd64"], show=False)
    with pytest.raises(CheckFailed, match="for freebsd/amd64 the go command compiles only main.go"):
        cap.expect_per_os(sel, os_files=os_files, fallback_targets=["freebsd/amd64"], shared=SHARED)
    named("overlap", MAIN + WINDOWS + fallback("//go:build !linux"))
    sel = cap.selection("overlap", ["linux/amd64", "windows/amd64", "freebsd/amd64"], show=False)
    with pytest.raises(CheckFailed, match="compiles the fallback platform_other.go next to platform_windows.go"):
        cap.expect_per_os(sel, os_files=os_files, fallback_targets=["freebsd/amd64"], shared=SHARED)
    with pytest.raises(CheckFailed, match="does not compile platform_freebsd.go: there is no such file"):
        cap.expect_per_os(sel, os_files={"freebsd/amd64": "platform_freebsd.go"}, fallback_targets=[], shared=SHARED)
    with pytest.raises(CheckFailed, match="its build constraint excludes windows/amd64"):
        cap.expect_per_os(sel, os_files={"windows/amd64": "platform_linux.go"}, fallback_targets=[], shared=SHARED)
    named("slash", MAIN + fallback("//go:build !linux/amd64"))
    with pytest.raises(CheckFailed, match=r"(?s)rejects the main package.*boolean expression"):
        cap.selection("slash", ["linux/amd64"])


def test_builds_say_why_they_fail(named):
    named("overlap", MAIN + WINDOWS + fallback("//go:build !linux"))
    with pytest.raises(CheckFailed, match=r"(?s)redeclared.*constraints of the files that implement platform\(\) "
                                          r"overlap for windows/amd64"):
        cap.expect_builds("overlap", ["freebsd/amd64", "windows/amd64"])
    named("none", MAIN)
    with pytest.raises(CheckFailed, match=r"(?s)undefined: platform.*freebsd/amd64 needs the fallback"):
        cap.expect_builds("none", ["freebsd/amd64"])


def test_release_options():
    opts = cap.release_options("--cgo 0 --ldflags '-s -w -X main.version=2.1.0 -X main.commit=4f2c9e1' --tags netgo")
    assert (opts.cgo, opts.ldflags, opts.tags, opts.goos) == \
        (0, "-s -w -X main.version=2.1.0 -X main.commit=4f2c9e1", ("netgo",), None)
    assert cap.release_options("") == BuildOptions()
    for flags, message in [("--target linux/arm64", "leave --target"), ("--cgo off", "accepts only 0 or 1"),
                           ("--args x", "not about building: --args"), ("--gomaxprocs 1", "--gomaxprocs"),
                           ("--name x --count 1", r"not about building: --name\.$"),
                           ("--colour red", "not a list of %%go options"), (["--cgo", "0"], "must be a string")]:
        with pytest.raises(CheckFailed, match=message):
            cap.release_options(flags)


def test_ldflags_stamps():
    assert cap.ldflags_stamps("-s -w -X main.version=2.1.0 -X=main.commit=abc --X 'main.note=a b'") == \
        {"main.version": "2.1.0", "main.commit": "abc", "main.note": "a b"}
    assert cap.ldflags_stamps("-s -w") == {} and cap.ldflags_stamps("-X") == {}


def test_expect_matrix(capsys):
    assert cap.expect_matrix(["linux/amd64", " windows/amd64", "linux/amd64"], required=["linux/amd64"]) == \
        ["linux/amd64", "windows/amd64"]
    with pytest.raises(CheckFailed, match="TARGETS lacks darwin/arm64"):
        cap.expect_matrix(["linux/amd64"], required=["linux/amd64", "darwin/arm64"])
    with pytest.raises(CheckFailed, match="did you mean 'darwin'"):
        cap.expect_matrix(["macos/arm64"])
    with pytest.raises(CheckFailed, match="must be a list"):
        cap.expect_matrix("linux/amd64")
    assert capsys.readouterr().err == ""


def test_binary_for_and_stamps(named, capsys):
    named("p", GOOD)
    w = cap.build_release("p", "windows/arm64", f"--cgo 0 --ldflags '{STAMP}'")
    info = cap.expect_binary_for(w)
    assert (info.format, info.machine) == ("PE", "AArch64")
    assert cap.expect_stamped(w, "1.2.3", "abc1234") == {"main.version": "1.2.3", "main.commit": "abc1234"}
    with pytest.raises(CheckFailed, match="sets main.commit='abc1234'; expected -X main.commit=ffff"):
        cap.expect_stamped(w, "1.2.3", "ffff")
    with pytest.raises(CheckFailed, match="records no -ldflags: it was not stamped"):
        cap.expect_stamped(cap.build_release("p", "windows/arm64", "--cgo 0"), "1.2.3", "abc1234")
    with pytest.raises(CheckFailed, match="with -trimpath Go leaves -ldflags out"):
        cap.expect_stamped(cap.build_release("p", "windows/arm64", f"--trimpath --ldflags '{STAMP}'"), "1.2.3", "x")
    # A binary whose headers disagree with the target it claims.
    a = cap.build_as("p", "linux/amd64")
    fake = BuildResult(ok=True, binary=a.binary, goos="linux", goarch="arm64", options=a.options)
    with pytest.raises(CheckFailed, match="say x86-64 .* which is GOARCH=amd64, expected arm64"):
        cap.expect_binary_for(fake)
    assert cap.expected_format("plan9") == "Plan 9 a.out" and cap.expected_format("netbsd") == "ELF"
    assert cap.expect_settings(w, CGO_ENABLED="0").goarch == "arm64"
    with pytest.raises(CheckFailed, match=r"the build information of the linux/amd64 binary says CGO_ENABLED=1; "
                                          r"expected CGO_ENABLED=0\. Cross-compiling turns cgo off"):
        cap.expect_settings(cap.build_as("p", cgo=1), CGO_ENABLED="0")
    assert capsys.readouterr().err == ""


def test_show_release(named, capsys):
    named("p", GOOD)
    rows = cap.show_release("p", ["linux/riscv64", "windows/amd64", "nope/x"], f"--cgo 0 --ldflags '{STAMP}'")
    assert rows[0]["report"].startswith("version=1.2.3 commit=abc1234 target=linux/riscv64 cgo=0 linkage=static")
    assert rows[1]["binary"] == "PE x86-64" and rows[1]["report"] == "(not run here)"
    assert "GOOS 'nope' is not known" in rows[2]["error"]
    assert cap.show_release("p", [], "") == []
    assert cap.show_release("p", ["linux/amd64"], "--cgo on") == []
    out = capsys.readouterr()
    assert "target" in out.out and "TARGETS is empty" in out.out and "✗ BUILD_FLAGS" in out.out
    assert out.err == ""
