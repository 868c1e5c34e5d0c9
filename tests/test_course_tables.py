"""goenv.course.tables: how chapters render tables and Go source."""

from __future__ import annotations

import pandas as pd
import pytest

from goenv.course.tables import show, show_go


def test_show_renders_caption_note_label_and_escapes_cells():
    df = pd.DataFrame({"program": ["err=<nil>"], "seconds": [0.123456], "bytes": [1234567], "raw": ["x"]})
    df.attrs.update(caption="Runs <1>", note="a note", label="go1.27 · linux/amd64 · native", hide=["raw"],
                    code=["program"], pre=["program"])
    html = show(df, int_format="{:,}").to_html()
    assert "Runs &lt;1&gt;" in html and "<i>a note</i>" in html and "linux/amd64 · native" in html
    assert "err=&lt;nil&gt;" in html and "0.123" in html and "1,234,567" in html
    assert ">raw<" not in html and "pre-wrap" in html and "monospace" in html


def test_show_keeps_integers_by_default_and_applies_column_formats():
    df = pd.DataFrame({"year": [2026], "ratio": [0.5]})
    df.attrs["formats"] = {"ratio": "{:.0%}"}
    html = show(df).to_html()
    assert "2026" in html and "50%" in html


def test_show_go_takes_a_source_a_dict_or_a_txtar_archive():
    assert "**main.go**\n```go\npackage main" in show_go("package main\n").data
    txtar = "-- go.mod --\nmodule m\n-- a/a.go --\npackage a\n"
    md = show_go(txtar).data
    assert "**go.mod**\n```\nmodule m" in md and "**a/a.go**\n```go\npackage a" in md
    assert "go.mod" not in show_go(txtar, only=["a/a.go"]).data
    with pytest.raises(KeyError):
        show_go({"x.go": "package x"}, only=["y.go"])
