"""Build options: validation messages and the flags/environment they produce."""

from __future__ import annotations

import pytest

from goenv import BuildOptions, InvalidOption
from goenv.limits import Limits, coerce_limits
from goenv.options import normalize_cgo


@pytest.mark.parametrize("value", ["on", "off", "true", "false", "yes", "2", 2, -1])
def test_cgo_rejects_anything_but_0_and_1(value):
    """Is CGO_ENABLED=on/off/true rejected with the explanation that Go would silently ignore it?"""
    with pytest.raises(InvalidOption) as exc:
        BuildOptions(cgo=value)
    msg = str(exc.value)
    assert "only 0 or 1" in msg and "falls back to its default" in msg and "CGO_ENABLED=off" in msg


@pytest.mark.parametrize("value,expected", [(0, 0), (1, 1), ("0", 0), (" 1 ", 1), (True, 1), (False, 0), (None, None), ("", None)])
def test_cgo_accepts_0_and_1(value, expected):
    """Are 0, 1 (as numbers, strings or booleans) and unset accepted?"""
    assert normalize_cgo(value) == expected


def test_env_and_flags_for_a_cross_build():
    """Do the options become exactly the GOOS/GOARCH/level/CGO variables and go flags?"""
    o = BuildOptions(goos="linux", goarch="arm64", goarm64="v8.1", cgo=0, tags="netgo, osusergo",
                     ldflags="-s -w", trimpath=True)
    assert o.go_env() == {"GOOS": "linux", "GOARCH": "arm64", "GOARM64": "v8.1", "CGO_ENABLED": "0"}
    assert o.go_flags() == ["-tags=netgo,osusergo", "-ldflags=-s -w", "-trimpath"]
    assert o.tags == ("netgo", "osusergo")
    assert "linux/arm64" in o.describe() and "CGO_ENABLED=0" in o.describe()


@pytest.mark.parametrize("kw", [{"goamd64": "v5"}, {"goarm": "8"}, {"goarm64": "8.0"}, {"tags": "a;b"},
                                {"mode": "lib"}, {"goos": ""}, {"env": {"CGO_ENABLED": "1"}}, {"env": {"GOOS": "linux"}}])
def test_invalid_options_are_rejected(kw):
    """Are bad levels, tags, modes and smuggled variables rejected?"""
    with pytest.raises(InvalidOption):
        BuildOptions(**kw)


def test_coerce_merges_dict_and_keywords_and_rejects_unknown():
    """Do keyword options override a dict, and does an unknown option name raise?"""
    o = BuildOptions.coerce({"goos": "linux", "goarch": "amd64"}, goarch="arm64")
    assert (o.goos, o.goarch) == ("linux", "arm64")
    with pytest.raises(InvalidOption, match="unknown build option"):
        BuildOptions.coerce({"gooss": "linux"})


def test_options_are_hashable_and_equal_by_value():
    """Are equal options equal and hashable (they are part of the cache key)?"""
    assert BuildOptions(tags=["a"], env={"X": "1"}) == BuildOptions(tags=("a",), env=(("X", "1"),))
    assert len({BuildOptions(cgo="0"), BuildOptions(cgo=0)}) == 1


def test_limits_overrides_and_validation():
    """Do limit overrides apply by name, and are unknown or non-positive limits rejected?"""
    lim = coerce_limits({"wall_time_s": 2})
    assert lim.wall_time_s == 2 and lim.memory_bytes == Limits().memory_bytes
    assert Limits().with_(output_bytes=10).output_bytes == 10
    with pytest.raises(InvalidOption, match="unknown limit"):
        coerce_limits({"walltime": 2})
    with pytest.raises(InvalidOption):
        Limits(wall_time_s=0)
    with pytest.raises(InvalidOption):
        Limits(network="none")
