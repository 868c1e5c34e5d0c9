"""Tests for goenv.buildinfo: build information of real binaries, native and cross-compiled."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from goenv.buildinfo import BuildInfo, Module, NoBuildInfo, parse_modinfo, read_buildinfo
from goenv.buildinfo import _scan  # the wasm/Plan 9 fallback, checked against go version -m
from goenv.errors import GoEnvError
from goenv.toolchain import default

APP = """package main

import (
	"fmt"

	"example.com/lib"
)

var version = "dev"

func main() { fmt.Println(lib.Hi(), version) }
"""


def _write_modules(root: Path) -> Path:
    """An app module requiring example.com/lib v1.2.3, replaced by the sibling ../lib directory."""
    lib = root / "lib"
    lib.mkdir(parents=True)
    (lib / "go.mod").write_text("module example.com/lib\n\ngo 1.22\n")
    (lib / "lib.go").write_text('package lib\n\nfunc Hi() string { return "hi" }\n')
    app = root / "app"
    app.mkdir()
    (app / "go.mod").write_text(
        "module example.com/app\n\ngo 1.22\n\nrequire example.com/lib v1.2.3\n\nreplace example.com/lib => ../lib\n"
    )
    (app / "main.go").write_text(APP)
    return app


class _Builder:
    def __init__(self, root: Path):
        self.tc = default()
        self.root = root
        self.app = _write_modules(root / "src")
        self.cache: dict[tuple, Path] = {}

    def build(self, goos: str = "linux", goarch: str = "amd64", *flags: str, src: Path | None = None) -> Path:
        key = (goos, goarch, flags, src)
        if key not in self.cache:
            out = self.root / "bin" / f"app-{goos}-{goarch}-{len(self.cache)}"
            res = self.tc.run_go(["build", "-o", str(out), *flags, "."], cwd=src or self.app,
                                 env={"GOOS": goos, "GOARCH": goarch, "CGO_ENABLED": "0"})
            assert res.returncode == 0, res.stderr
            self.cache[key] = out
        return self.cache[key]


@pytest.fixture(scope="session")
def builder(tmp_path_factory) -> _Builder:
    return _Builder(tmp_path_factory.mktemp("buildinfo"))


def test_main_module_path_and_go_version(builder):
    """Does the build info name the main package, the main module and the toolchain version?"""
    info = read_buildinfo(builder.build())
    assert info.go_version == builder.tc.version
    assert info.path == "example.com/app"
    assert info.main == Module("example.com/app", "(devel)")
    assert (info.goos, info.goarch, info.cgo_enabled) == ("linux", "amd64", False)
    assert info.buildmode == "exe"
    assert info.source == "go version -m"


def test_ldflags_x_is_recorded(builder):
    """Does `-ldflags "-X main.version=1.4.2"` appear verbatim in the settings?"""
    info = read_buildinfo(builder.build("linux", "amd64", "-ldflags=-X main.version=1.4.2"))
    assert info.settings["-ldflags"] == "-X main.version=1.4.2"
    assert info.ldflags == "-X main.version=1.4.2"


def test_replaced_dependency(builder):
    """Does a `replace example.com/lib => ../lib` dep show version v1.2.3 and the replacement path?"""
    info = read_buildinfo(builder.build())
    dep = info.dep("example.com/lib")
    assert dep is not None and dep.version == "v1.2.3"
    assert dep.replace is not None and dep.replace.path == "../lib"
    assert dep.replace.version == "(devel)"
    assert info.dep("example.com/missing") is None


def test_trimpath_is_recorded_and_hides_ldflags(builder):
    """Does -trimpath show as trimpath=true (and does Go then drop -ldflags, which could hold paths)?"""
    info = read_buildinfo(builder.build("linux", "amd64", "-trimpath", "-ldflags=-X main.version=1.4.2"))
    assert info.trimpath is True
    assert info.ldflags is None
    assert read_buildinfo(builder.build()).trimpath is False


@pytest.mark.parametrize("goos,goarch,source", [
    ("windows", "arm64", "go version -m"),
    ("darwin", "arm64", "go version -m"),
    ("aix", "ppc64", "go version -m"),
    ("js", "wasm", "scan"),
    ("wasip1", "wasm", "scan"),
    ("plan9", "amd64", "scan"),
])
def test_cross_compiled_binaries(builder, goos, goarch, source):
    """Is the build info of PE, Mach-O, XCOFF, wasm and Plan 9 binaries readable, with the right target?"""
    info = read_buildinfo(builder.build(goos, goarch, "-ldflags=-X main.version=1.4.2"))
    assert (info.goos, info.goarch) == (goos, goarch)
    assert info.source == source
    assert info.go_version == builder.tc.version
    assert info.ldflags == "-X main.version=1.4.2"
    assert info.dep("example.com/lib").replace.path == "../lib"


def test_scan_agrees_with_go_version(builder):
    """Does the byte-scanning fallback read exactly what `go version -m -json` reports?"""
    binary = builder.build("linux", "arm64", "-ldflags=-s -w -X main.version=1.4.2")
    official = read_buildinfo(binary)
    scanned = _scan(binary.read_bytes())
    assert scanned is not None
    assert (scanned.go_version, scanned.path, scanned.main, scanned.deps, scanned.settings) == (
        official.go_version, official.path, official.main, official.deps, official.settings)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_vcs_stamps(builder, tmp_path):
    """Does a build inside a git checkout carry vcs=git and the commit in its settings?"""
    src = tmp_path / "repo"
    shutil.copytree(builder.app, src)
    (src / "go.mod").write_text((src / "go.mod").read_text().replace("../lib", str(builder.app.parent / "lib")))
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e"}
    for cmd in (["init", "-q"], ["add", "."], ["commit", "-qm", "init"]):
        subprocess.run(["git", *cmd], cwd=src, env=env, check=True, capture_output=True)
    info = read_buildinfo(builder.build("linux", "amd64", src=src))
    assert info.vcs["vcs"] == "git"
    assert len(info.vcs["vcs.revision"]) == 40
    assert info.vcs["vcs.modified"] == "false"
    assert set(info.vcs) >= {"vcs", "vcs.revision", "vcs.time", "vcs.modified"}


def test_to_dict_round_trips_through_json(builder):
    """Can BuildInfo be serialized, with nested replace modules as dicts?"""
    data = json.loads(json.dumps(read_buildinfo(builder.build()).to_dict()))
    assert data["deps"][0]["replace"]["path"] == "../lib"
    assert data["settings"]["GOOS"] == "linux"


# -- not Go binaries -------------------------------------------------------------


@pytest.mark.parametrize("content,mode", [(b"just text\n", 0o644), (b"#!/bin/sh\necho hi\n", 0o755),
                                          (bytes(range(256)) * 64, 0o755)])
def test_non_go_file_raises_no_buildinfo(tmp_path, content, mode):
    """Does a file that is not a Go binary raise NoBuildInfo (a GoEnvError), never return junk?"""
    f = tmp_path / "f"
    f.write_bytes(content)
    f.chmod(mode)
    with pytest.raises(NoBuildInfo, match="no Go build information"):
        read_buildinfo(f)
    assert issubclass(NoBuildInfo, GoEnvError)


def test_missing_binary(tmp_path):
    """Does a missing path raise FileNotFoundError naming it?"""
    with pytest.raises(FileNotFoundError, match="no binary at"):
        read_buildinfo(tmp_path / "missing")


# -- the text format -------------------------------------------------------------


def test_parse_modinfo_text_format():
    """Are quoted settings and '=>' replacement lines of the modinfo text parsed like Go does?"""
    text = (
        "path\texample.com/app\n"
        "mod\texample.com/app\t(devel)\t\n"
        "dep\texample.com/lib\tv1.2.3\n"
        "=>\t../lib\t(devel)\t\n"
        "dep\tgolang.org/x/sys\tv0.1.0\th1:abc=\n"
        'build\t-ldflags="-X main.version=1.4.2 -s"\n'
        "build\tCGO_ENABLED=0\n"
        'build\t-tags=a,b\n'
    )
    info = parse_modinfo(text, "go1.27.3")
    assert isinstance(info, BuildInfo)
    assert info.main == Module("example.com/app", "(devel)")
    assert info.deps[0] == Module("example.com/lib", "v1.2.3", "", Module("../lib", "(devel)"))
    assert info.deps[1].sum == "h1:abc="
    assert info.ldflags == "-X main.version=1.4.2 -s"
    assert info.cgo_enabled is False
    assert info.tags == ["a", "b"]
