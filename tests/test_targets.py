"""Tests for goenv.targets: the toolchain's port list and friendly validation."""

from __future__ import annotations

import pytest

from goenv.errors import InvalidOption
from goenv.targets import Target, list_targets, parse_target, targets_frame, validate_target
from goenv.toolchain import default


class _CountingToolchain:
    """Delegates to the real toolchain and counts `go` invocations."""

    def __init__(self, version_suffix: str = ""):
        self.real = default()
        self.go = self.real.go
        self.version = self.real.version + version_suffix
        self.calls = 0

    def run_go(self, args, **kwargs):
        self.calls += 1
        return self.real.run_go(args, **kwargs)


def test_lists_first_class_and_wasm_ports():
    """Does the list hold the first-class ports with cgo support, and both wasm ports?"""
    targets = list_targets()
    by_name = {t.name: t for t in targets}
    assert len(targets) > 30
    assert by_name["linux/amd64"] == Target("linux", "amd64", cgo_supported=True, first_class=True)
    assert by_name["windows/amd64"].first_class and by_name["darwin/arm64"].first_class
    assert {"js/wasm", "wasip1/wasm", "linux/s390x", "aix/ppc64", "plan9/amd64"} <= set(by_name)
    assert by_name["js/wasm"].cgo_supported is False
    assert targets == sorted(targets)


def test_memoized_per_toolchain_version():
    """Is `go tool dist list` run once per toolchain version, however often it is asked?"""
    tc = _CountingToolchain(version_suffix="-memo-test")
    first = list_targets(tc)
    first.clear()  # callers get a copy; mutating it must not affect the cache
    again = list_targets(tc)
    assert tc.calls == 1
    assert len(again) > 30
    other = _CountingToolchain(version_suffix="-other-version")
    list_targets(other)
    assert other.calls == 1


def test_targets_frame():
    """Does the DataFrame have one row per target and the documented columns?"""
    frame = targets_frame()
    assert list(frame.columns) == ["goos", "goarch", "cgo_supported", "first_class", "name"]
    assert len(frame) == len(list_targets())
    assert frame.loc[frame.name == "linux/arm64", "first_class"].item()


def test_valid_target_returns_it():
    """Does a valid pair come back as its Target?"""
    assert validate_target("linux", "arm64").name == "linux/arm64"


@pytest.mark.parametrize("goos,goarch,expected", [
    ("macos", "arm64", "GOOS 'macos' is not known; did you mean 'darwin'?"),
    ("osx", "amd64", "did you mean 'darwin'?"),
    ("win", "amd64", "did you mean 'windows'?"),
    ("linx", "amd64", "did you mean 'linux'?"),
    ("Linux", "amd64", "did you mean 'linux'? (Go's names are lower case)"),
    ("wasm", "wasm", "did you mean 'js' or 'wasip1'?"),
])
def test_unknown_goos_suggests(goos, goarch, expected):
    """Does an unknown GOOS get the nearest real name, and the list of known ones?"""
    with pytest.raises(InvalidOption) as err:
        validate_target(goos, goarch)
    assert expected in str(err.value)
    assert "Known GOOS values:" in str(err.value) and "darwin" in str(err.value)


def test_unknown_goarch_lists_valid_ones_for_goos():
    """Does linux/x86_64 suggest amd64 and list every GOARCH linux supports?"""
    with pytest.raises(InvalidOption) as err:
        validate_target("linux", "x86_64")
    msg = str(err.value)
    assert "did you mean 'amd64'?" in msg
    valid = sorted(t.goarch for t in list_targets() if t.goos == "linux")
    assert f"Valid GOARCH values for linux: {', '.join(valid)}." in msg


def test_goarch_of_another_goos():
    """Does linux/wasm explain that wasm exists, but only for js and wasip1?"""
    with pytest.raises(InvalidOption, match=r"not supported for GOOS 'linux' \(it is for js, wasip1\)"):
        validate_target("linux", "wasm")


def test_darwin_aarch64():
    """Does the Linux spelling 'aarch64' map to Go's 'arm64' among darwin's architectures?"""
    with pytest.raises(InvalidOption, match="did you mean 'arm64'.*Valid GOARCH values for darwin: amd64, arm64"):
        validate_target("darwin", "aarch64")


def test_invalid_option_is_a_value_error():
    """Can callers catch a bad target as a plain ValueError?"""
    with pytest.raises(ValueError):
        validate_target("nope", "nope")


@pytest.mark.parametrize("spec,pair", [("linux/arm64", ("linux", "arm64")), (("js", "wasm"), ("js", "wasm")),
                                       (Target("aix", "ppc64"), ("aix", "ppc64")), (" plan9/386 ", ("plan9", "386"))])
def test_parse_target(spec, pair):
    """Are the accepted target spellings normalized to (goos, goarch)?"""
    assert parse_target(spec) == pair


@pytest.mark.parametrize("spec", ["linux", "linux/arm64/v8", "/arm64", 42])
def test_parse_target_rejects(spec):
    """Are malformed target specs rejected with InvalidOption?"""
    with pytest.raises(InvalidOption):
        parse_target(spec)
