"""Tests for goenv.golist: files compiled and ignored per GOOS/GOARCH, errors as rows."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import pytest

from goenv.errors import InvalidOption
from goenv.golist import COLUMNS, files_per_target, list_packages

TARGETS = ["linux/amd64", "linux/arm64", "windows/amd64", "freebsd/amd64"]

FILES = {
    "p/iface.go": "package p\n\ntype IO interface{ Read() string }\n",
    "p/io_posix.go": "//go:build linux || darwin\n\npackage p\n\nfunc Name() string { return \"posix\" }\n",
    "p/io_windows.go": "package p\n\nfunc Name() string { return \"windows\" }\n",
    "p/net_linux_arm64.go": "package p\n\nconst Special = true\n",
    "p/extra_foo.go": "//go:build foo\n\npackage p\n\nconst Foo = 1\n",
    "bad/bad.go": "//go:build linux/arm64\n\npackage bad\n",
    "winonly/w.go": "//go:build windows\n\npackage winonly\n",
}


@pytest.fixture(scope="session")
def module(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("golist")
    (root / "go.mod").write_text("module example.com/gl\n\ngo 1.22\n")
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    # Files older than a few seconds are read through the go command's module
    # index, which is where InvalidGoFiles used to get lost: age them.
    old = time.time() - 3600
    for path in root.rglob("*.go"):
        os.utime(path, (old, old))
    return root


@pytest.fixture(scope="session")
def table(module) -> pd.DataFrame:
    return files_per_target(module, TARGETS)


def _row(table: pd.DataFrame, target: str, pkg: str) -> pd.Series:
    rows = table[(table.target == target) & (table.import_path == f"example.com/gl/{pkg}")]
    assert len(rows) == 1, rows
    return rows.iloc[0]


@pytest.mark.parametrize("target,compiled,ignored", [
    ("linux/amd64", ["iface.go", "io_posix.go"], ["extra_foo.go", "io_windows.go", "net_linux_arm64.go"]),
    ("linux/arm64", ["iface.go", "io_posix.go", "net_linux_arm64.go"], ["extra_foo.go", "io_windows.go"]),
    ("windows/amd64", ["iface.go", "io_windows.go"], ["extra_foo.go", "io_posix.go", "net_linux_arm64.go"]),
    ("freebsd/amd64", ["iface.go"], ["extra_foo.go", "io_posix.go", "io_windows.go", "net_linux_arm64.go"]),
])
def test_files_per_target(table, target, compiled, ignored):
    """Which files does each target compile, by //go:build line and by _GOOS_GOARCH file name?"""
    row = _row(table, target, "p")
    assert row.status == "ok" and pd.isna(row.error)
    assert row.go_files == compiled
    assert sorted(row.ignored_go_files) == ignored
    assert row["name"] == "p"


def test_table_shape_and_order(table):
    """Is there one row per (target, package), ordered by target as given, with the documented columns?"""
    assert list(table.columns) == COLUMNS
    assert list(dict.fromkeys(table.target)) == TARGETS
    assert len(table) == len(TARGETS) * 3


@pytest.mark.parametrize("target", TARGETS)
def test_malformed_build_line_is_an_error_row(table, target):
    """Is `//go:build linux/arm64` reported as an invalid-syntax error row (with the file) on every target?"""
    row = _row(table, target, "bad")
    assert row.status == "error"
    assert "invalid syntax" in row.error and "bad.go" in row.error
    assert row.invalid_go_files == ["bad.go"]


def test_wildcard_skips_fully_excluded_package(table):
    """Does a windows-only package get an 'excluded' row on linux, where ./... silently skips it?"""
    assert _row(table, "windows/amd64", "winonly").go_files == ["w.go"]
    row = _row(table, "linux/amd64", "winonly")
    assert row.status == "excluded"
    assert "build constraints exclude all Go files" in row.error


def test_explicit_package_excluded_is_go_error(module):
    """Does naming the package explicitly give the go command's own 'build constraints exclude' error?"""
    table = files_per_target(module, ["linux/amd64", "windows/amd64"], package="./winonly")
    linux = table[table.goos == "linux"].iloc[0]
    assert linux.status == "error"
    assert linux.error.startswith("build constraints exclude all Go files in")
    assert linux.ignored_go_files == ["w.go"]
    assert table[table.goos == "windows"].iloc[0].status == "ok"


def test_tags(module):
    """Does tags=["foo"] bring the //go:build foo file in?"""
    table = files_per_target(module, [("linux", "amd64")], package=["./p"], tags=["foo"])
    assert "extra_foo.go" in table.iloc[0].go_files


def test_no_module_is_an_error_row(tmp_path):
    """Is a directory without go.mod an error row rather than an exception?"""
    table = files_per_target(tmp_path, ["linux/amd64"])
    assert len(table) == 1
    row = table.iloc[0]
    # go list -e reports it as a pseudo-package: "pattern ./...: directory prefix .
    # does not contain main module ..." (or "go.mod file not found" for a plain path).
    assert row.status == "error" and ("main module" in row.error or "go.mod" in row.error)


def test_bad_target_is_invalid_option(module):
    """Is a misspelt target rejected up front, with a suggestion?"""
    with pytest.raises(InvalidOption, match="did you mean 'amd64'"):
        files_per_target(module, ["linux/x86_64"])


def test_missing_directory(tmp_path):
    """Is a missing module directory a FileNotFoundError?"""
    with pytest.raises(FileNotFoundError):
        files_per_target(tmp_path / "nope", ["linux/amd64"])


def test_list_packages_returns_raw_objects(module):
    """Does list_packages hand back the go command's JSON objects for one target?"""
    pkgs = list_packages(module, "linux", "arm64", package="./p")
    assert [p["ImportPath"] for p in pkgs] == ["example.com/gl/p"]
    assert "net_linux_arm64.go" in pkgs[0]["GoFiles"]
