"""Programs from source strings, file dicts, txtar archives and directories."""

from __future__ import annotations

import pytest

from goenv import InvalidProgram, Program
from goenv.workspace import package_name, parse_txtar


def test_source_becomes_main_go_and_gets_a_go_mod(tmp_path):
    """Does a source string become main.go in a module with a generated go.mod?"""
    p = Program.coerce("package main\nfunc main() {}\n")
    d = p.materialize(tmp_path / "m", go_version="1.27")
    assert (d / "main.go").read_text().startswith("package main")
    assert (d / "go.mod").read_text() == "module example.com/prog\n\ngo 1.27\n"


def test_txtar_is_detected_and_split():
    """Is a txtar string split into files, ignoring its leading comment?"""
    text = "comment\n-- go.mod --\nmodule x\n\ngo 1.22\n-- main.go --\npackage main\nfunc main() {}\n-- lib/lib.go --\npackage lib\n"
    assert parse_txtar(text)["lib/lib.go"] == "package lib\n"
    p = Program.coerce("-- main.go --\npackage main\nfunc main() {}\n")
    assert p.file_map == {"main.go": b"package main\nfunc main() {}\n"}
    p = Program.coerce(text.split("\n", 1)[1])
    assert sorted(p.file_map) == ["go.mod", "lib/lib.go", "main.go"] and p.has_go_mod


def test_directory_skips_hidden_dirs_and_built_binaries(tmp_path):
    """Does a directory program skip .git, checkpoints and a previously built ELF binary?"""
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("x")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "a.go").write_text("x")
    (tmp_path / "main.go").write_text("package main\nfunc main() {}\n")
    (tmp_path / "prog").write_bytes(b"\x7fELF" + b"\0" * 100)
    assert sorted(Program.from_path(tmp_path).file_map) == ["main.go"]


def test_digest_changes_with_content_and_names():
    """Does the digest change when a byte or a file name changes, and only then?"""
    a = Program.from_files({"main.go": "package main"})
    assert a.digest() == Program.from_files({"main.go": "package main"}).digest()
    assert a.digest() != Program.from_files({"main.go": "package main "}).digest()
    assert a.digest() != Program.from_files({"x.go": "package main"}).digest()


@pytest.mark.parametrize("src,match", [
    ("", "empty"), ("   \n\t", "empty"),
    ("func main() {}", "missing `package main`"),
    ("// package main\nfunc main() {}", "missing `package main`"),
    ("package foo\nfunc main() {}", "declares `package foo`"),
])
def test_bad_programs_are_refused_with_a_clear_message(src, match):
    """Are empty sources and programs without package main refused with a message that says what to do?"""
    with pytest.raises(InvalidProgram, match=match):
        Program.coerce(src).check_main()


@pytest.mark.parametrize("name", ["../evil.go", "/etc/passwd", ""])
def test_file_names_must_stay_inside_the_program(name):
    """Are absolute paths and .. in file names refused?"""
    with pytest.raises(InvalidProgram):
        Program.from_files({name: "package main"})


def test_package_name_ignores_comments():
    """Is the package clause found after comments and a build constraint?"""
    assert package_name("// Copyright\n/* block\npackage no */\n//go:build linux\n\npackage main\n") == "main"
    assert package_name("func f() {}") is None
