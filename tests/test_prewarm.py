"""Prewarming the Go build cache for the course's targets."""

from __future__ import annotations

import pytest

from goenv import InvalidOption
from goenv.prewarm import COURSE_TARGETS, PrewarmSpec, default_specs, prewarm
from goenv.toolchain import Toolchain


@pytest.mark.parametrize("text,spec", [
    ("linux/arm64", PrewarmSpec("linux", "arm64")),
    ("linux/amd64:nocgo", PrewarmSpec("linux", "amd64", cgo=0)),
    ("linux/amd64:race", PrewarmSpec("linux", "amd64", cgo=1, race=True)),
])
def test_parse_specs(text, spec):
    """Are target specs with :cgo/:nocgo/:race parsed and printed back?"""
    assert PrewarmSpec.parse(text) == spec and str(spec) == text


@pytest.mark.parametrize("bad", ["linux", "linux/", "linux/arm64:fast"])
def test_bad_specs(bad):
    """Are malformed specs rejected?"""
    with pytest.raises(InvalidOption):
        PrewarmSpec.parse(bad)


def test_defaults_cover_every_course_target_and_native_variants(tc):
    """Do the defaults include every course target, plus native cgo off and -race?"""
    specs = [str(s) for s in default_specs(tc)]
    host = f"{tc.hostos}/{tc.hostarch}"
    assert {s.split(":")[0] for s in specs} == set(COURSE_TARGETS)
    assert host + ":nocgo" in specs


def test_prewarm_fills_an_empty_build_cache(tmp_path, monkeypatch, tc):
    """Does prewarm compile packages into an empty GOCACHE, so the next build of them compiles nothing?"""
    monkeypatch.setenv("GOCACHE", str(tmp_path / "gocache"))
    cold = Toolchain.find(tc.go)
    reports = prewarm(["linux/riscv64"], toolchain=cold, packages=("errors", "internal/bytealg"))
    assert reports[0]["ok"] and reports[0]["target"] == "linux/riscv64"
    assert any((tmp_path / "gocache").rglob("*-d"))
    again = cold.run_go(["build", "-x", "errors"], env={"GOOS": "linux", "GOARCH": "riscv64"})
    assert again.returncode == 0 and "/compile " not in again.stderr


def test_prewarm_builds_and_caches_go_tools(tmp_path, monkeypatch, tc):
    """A tool prewarm built is not built again: `go tool -n` shows no build step, just the cached binary."""
    monkeypatch.setenv("GOCACHE", str(tmp_path / "gocache"))
    cold = Toolchain.find(tc.go)
    reports = prewarm(["linux/amd64"], toolchain=cold, packages=("errors",), tools=("addr2line",))
    assert [r["target"] for r in reports] == ["go tool addr2line", "linux/amd64"]
    assert all(r["ok"] for r in reports), reports
    again = cold.run_go(["tool", "-n", "addr2line"])
    assert again.returncode == 0 and "/compile " not in again.stderr + again.stdout
