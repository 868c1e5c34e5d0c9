"""Tests for goenv.widgets.matrix: one program built (and run) for many targets, by clicking."""

from __future__ import annotations

import pytest

from helpers import needs_qemu, program_source
from goenv.widgets import TargetMatrix, target_matrix
from goenv.widgets.matrix import COLUMNS, size_chart_png

TARGETS = ["linux/amd64", "linux/arm64", "windows/amd64", "js/wasm"]
PNG = b"\x89PNG\r\n\x1a\n"


def assert_usable(m: TargetMatrix) -> None:
    """The widget is idle and ready for the next click."""
    assert not m.busy
    assert not m.build_button.disabled
    assert m.stop_button.disabled
    assert not m.targets_select.disabled
    assert m.spinner.layout.visibility == "hidden"


@needs_qemu("aarch64")
def test_hello_world_across_four_targets():
    """Does "Build all" give ELF/ELF/PE/wasm, the Linux programs' output, and a size chart?"""
    m = target_matrix(program_source("hello"), TARGETS)
    assert isinstance(m, TargetMatrix) and m.frame.empty  # nothing happens before the click
    m.build_button.click()
    assert m.wait(timeout=120)
    assert_usable(m)
    assert m.error is None
    f = m.frame.set_index("target")
    assert list(m.frame.columns) == COLUMNS
    assert list(f.index) == TARGETS
    assert list(f["format"]) == ["ELF", "ELF", "PE", "wasm"]
    assert list(f["how"]) == ["native", "qemu-aarch64", "build-only", "build-only"]
    assert list(f["kind"]) == ["native", "emulated", "build-only", "build-only"]
    assert f.loc["linux/amd64", "output"] == "hello from linux/amd64"
    assert f.loc["linux/arm64", "output"] == "hello from linux/arm64"
    assert f.loc["linux/arm64", "machine"] == "AArch64"
    assert f["ok"].all() and (f["size_bytes"] > 100_000).all()
    assert f.loc["linux/amd64", "bits"] == 64 and f.loc["linux/amd64", "endianness"] == "little"
    assert set(m.builds) == set(TARGETS) and set(m.runs) == {"linux/amd64", "linux/arm64"}
    assert m.progress.value == 4 and m.progress.description == "4/4"
    # The table and the chart are rendered, not just computed.
    assert "hello from linux/arm64" in m.table.value and ">PE</td>" in m.table.value
    assert bytes(m.chart.value).startswith(PNG) and m.chart_png == m.chart.value
    assert m.chart.layout.display is None


def test_compile_error_is_a_row_per_target_and_the_widget_is_not_stuck():
    """Does a compile error show on every row, without an exception, and leave the button enabled?"""
    m = target_matrix(program_source("compile_error"), ["linux/amd64", "windows/amd64", "js/wasm"], autorun=True)
    assert m.wait(timeout=120)
    assert_usable(m)
    assert m.error is None  # a learner's mistake is a result, not a widget error
    assert len(m.frame) == 3
    assert not m.frame["ok"].any()
    # Each row carries the build's one-line summary: the first diagnostic and how many more.
    assert all(e.startswith("compile errors: main.go:6:2: declared and not used: x") for e in m.frame["error"])
    assert m.table.value.count("declared and not used: x (and 1 more)") == 3
    assert all(len(b.diagnostics) == 2 for b in m.builds.values())
    assert m.chart_png == b"" and m.chart.layout.display == "none"  # nothing built, nothing to chart


def test_invalid_options_show_their_message_and_the_widget_stays_usable():
    """Does a GoEnvError (cgo='on') show its own message once, and does the next click work?"""
    m = target_matrix(program_source("hello"), ["linux/amd64"], options={"cgo": "on"})
    m.build_button.click()
    assert m.wait(timeout=60)
    assert_usable(m)
    assert "CGO_ENABLED" in m.error and "cgo=0 or cgo=1" in m.error
    assert "CGO_ENABLED" in m.error_html.value
    assert m.frame.empty
    m.options = {"cgo": 0}
    m.build_button.click()
    assert m.wait(timeout=60)
    assert m.error is None and m.error_html.value == ""
    assert list(m.frame["output"]) == ["hello from linux/amd64"]


def test_unknown_target_and_build_only_choice():
    """Is an unknown target a row with a suggestion, and does run=False build without running?"""
    m = TargetMatrix(program_source("hello"), ["linux/amd64", "macos/arm64"], run=False)
    labels = dict((v, k) for k, v in m.targets_select.options)
    assert labels["linux/amd64"] == "linux/amd64 — native"
    assert labels["windows/amd64"] == "windows/amd64 — build-only"
    m.refresh()
    assert m.wait(timeout=60)
    f = m.frame.set_index("target")
    assert f.loc["linux/amd64", "how"] == "build-only" and f.loc["linux/amd64", "format"] == "ELF"
    assert m.runs == {}
    assert "darwin" in f.loc["macos/arm64", "error"]


def test_cgo_toggle_applies_to_every_target():
    """Does the CGO toggle reach the builds (CGO_ENABLED=0 in each build's options)?"""
    m = target_matrix(program_source("hello"), ["linux/amd64", "windows/amd64"], run=False)
    m.cgo_toggle.value = "0"
    m.run()
    assert m.wait(timeout=60)
    assert [b.options["cgo"] for b in m.builds.values()] == [0, 0]
    assert (m.frame["linkage"] == ["static", "dynamic"]).all()  # Windows binaries always import DLLs


@pytest.mark.parametrize("rows", [[], [{"target": "x", "size_bytes": None, "kind": None, "go_version": "go1"}]])
def test_size_chart_without_binaries_is_empty(rows):
    """Is there no chart (rather than an empty or broken one) when nothing built?"""
    import pandas as pd

    assert size_chart_png(pd.DataFrame(rows, columns=COLUMNS)) == b""
