"""Chapter 05 experiments (goenv.course.ch05), run against the real Go toolchain: go list, go build,
gofmt, go fix and go vet on real files. Nothing here re-implements the go command's rules: the
expectations are the rules of `go help buildconstraint`, checked against what the go command does."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest

from goenv.course import ch05
from goenv.course.myth import MYTH_MIME, MythCheck, bundle

matplotlib.use("Agg")

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_build_constraints.ipynb"


@pytest.fixture(scope="module")
def selection():
    """The chapter's file matrix for every target, plus the -tags pro column."""
    return ch05.file_selection(ch05.PLATFORM, ch05.MATRIX_TARGETS)


def _row(frame: pd.DataFrame, target: str) -> pd.Series:
    return frame[frame["target"] == target].iloc[0]


# -- the notebook and the module agree ------------------------------------------------


def test_notebook_cells_hold_the_module_programs():
    """Does the notebook's %%go cell hold exactly ch05.EDITION, built with --tags pro?"""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code" and c.source.startswith("%%go")]
    assert len(cells) == 1
    first, _, body = cells[0].partition("\n")
    assert "--name edition" in first and "--tags pro" in first
    assert body.strip() == ch05.EDITION.strip()


# -- presentation ---------------------------------------------------------------------


def test_table_escapes_cells_hides_raw_columns_and_keeps_line_breaks():
    """Does table() escape go output, hide the raw columns, show caption/label and keep multi-line cells?"""
    frame = pd.DataFrame({"a": ["<nil>"], "raw": [["x.go"]], "lines": ["one\ntwo"]})
    frame.attrs.update(caption="cap", label="go1.x · linux/amd64 · native", hide=["raw"], pre=["lines"],
                       note="a note")
    html = ch05.table(frame).to_html()
    assert "&lt;nil&gt;" in html and "<nil>" not in html
    assert "raw" not in html and "x.go" not in html
    assert "cap" in html and "go1.x · linux/amd64 · native" in html and "a note" in html
    assert "pre-wrap" in html


def test_show_go_accepts_txtar_and_a_selection():
    """Does show_go() split a txtar program into files and refuse an unknown file name?"""
    md = ch05.show_go(ch05.EDITION, only=["edition_pro.go"]).data
    assert "**edition_pro.go**" in md and "//go:build pro" in md and "edition_free.go" not in md
    with pytest.raises(KeyError):
        ch05.show_go(ch05.PLATFORM, only=["nope.go"])


# -- section 1: file names and the matrix -----------------------------------------------


@pytest.mark.parametrize("name, kind", [
    ("io_windows.go", "GOOS"), ("cpu_arm64.go", "GOARCH"), ("net_linux_arm64.go", "GOOS_GOARCH"),
    ("x_linux_arm64_test.go", "GOOS_GOARCH"), ("y_darwin_test.go", "GOOS"), ("linux.go", None),
    ("fs_unix.go", None), ("arm64_x.go", None), ("z_nacl.go", "GOOS"), ("w_mips64p32le.go", "GOARCH"),
    ("dir/io_windows.go", "GOOS"),
])
def test_suffix_of_follows_go_build_rules(name, kind):
    """Does suffix_of() apply go/build's rule: only after the first underscore, _test dropped, known names only?"""
    assert ch05.suffix_of(name) == kind


def test_suffix_of_agrees_with_go_list():
    """For every file of the platform package with a suffix, does the suffix predict go list's choice exactly?"""
    sel = ch05.file_selection(ch05.PLATFORM, ["linux/amd64", "windows/arm64"], tagged=None)
    for target in ("linux/amd64", "windows/arm64"):
        goos, goarch = target.split("/")
        row = _row(sel, target)
        for f in row["go_files"] + row["ignored_go_files"]:
            kind = ch05.suffix_of(f)
            stem = f.removesuffix(".go").split("_")
            if kind == "GOOS_GOARCH":
                assert (f in row["go_files"]) == (stem[-2:] == [goos, goarch]), (target, f)
            elif kind == "GOOS":
                assert (f in row["go_files"]) == (stem[-1] == goos), (target, f)
            elif kind == "GOARCH":
                assert (f in row["go_files"]) == (stem[-1] == goarch), (target, f)


def test_files_overview_names_each_files_constraint():
    """Does the overview show each platform file's //go:build line and suffix kind?"""
    o = ch05.files_overview().set_index("file")
    assert set(o.index) == {p.split("/")[1] for p in ch05.PLATFORM if p.startswith("platform/")}
    assert o.loc["io_posix.go", "//go:build line"] == "//go:build linux || darwin"
    assert o.loc["net_linux_arm64.go", "file-name suffix"] == "_linux_arm64 (GOOS_GOARCH)"
    assert o.loc["cpu_arm64.go", "file-name suffix"] == "_arm64 (GOARCH)"
    assert o.loc["io_windows.go", "file-name suffix"] == "_windows (GOOS)"
    assert o.loc["linux.go", "file-name suffix"] == "—" and o.loc["linux.go", "//go:build line"] == "—"
    assert o.loc["fs_unix.go", "file-name suffix"] == "—"


def test_file_selection_is_what_go_list_f_prints(tc, tmp_path):
    """Is the GoFiles/IgnoredGoFiles text exactly what `go list -f '{{.GoFiles}} {{.IgnoredGoFiles}}'` prints?"""
    from goenv.workspace import Program

    root = Program.coerce(ch05.PLATFORM).materialize(tmp_path / "m")
    sel = ch05.file_selection(ch05.PLATFORM, ["linux/arm64", "freebsd/amd64"], tagged=None)
    for target in ("linux/arm64", "freebsd/amd64"):
        goos, goarch = target.split("/")
        p = tc.run_go(["list", "-f", "{{.GoFiles}} {{.IgnoredGoFiles}}", "./platform"], cwd=root,
                      env={"GOOS": goos, "GOARCH": goarch, "CGO_ENABLED": "0"})
        assert p.returncode == 0, p.stderr
        row = _row(sel, target)
        assert p.stdout.strip() == f"{row['GoFiles']} {row['IgnoredGoFiles']}"


def test_file_selection_follows_the_constraints(selection):
    """Across the matrix, does each file appear exactly where its constraint says (unix, suffixes, -tags)?"""
    assert len(selection) == len(ch05.MATRIX_TARGETS) + 1
    unix = {"linux", "darwin", "freebsd"}
    for target in ch05.MATRIX_TARGETS:
        goos, goarch = target.split("/")
        files = set(_row(selection, target)["go_files"])
        assert {"iface.go", "linux.go"} <= files  # no constraint, whatever the name suggests
        assert ("fs_unix.go" in files) == (goos in unix)
        assert ("io_posix.go" in files) == (goos in ("linux", "darwin"))
        assert ("io_windows.go" in files) == (goos == "windows")
        assert ("cpu_arm64.go" in files) == (goarch == "arm64")
        assert ("net_linux_arm64.go" in files) == (target == "linux/arm64")
        assert "pro.go" not in files
    tagged = _row(selection, "linux/amd64 -tags pro")
    assert "pro.go" in tagged["go_files"] and "pro.go" not in tagged["ignored_go_files"]
    assert "error" in selection.attrs["hide"]  # no target failed, so the empty column is hidden
    assert selection.attrs["label"].startswith(ch05.course_label())


def test_file_selection_reports_errors_without_temp_paths():
    """Does a package whose files are all excluded give an error row, free of the temporary directory?"""
    files = {"main.go": "package main\n\nfunc main() {}\n", "p/p_windows.go": "package p\n"}
    sel = ch05.file_selection(files, ["linux/amd64", "windows/amd64"], package="./p", tagged=None)
    err = _row(sel, "linux/amd64")["error"]
    assert "build constraints exclude all Go files" in err and "goenv-ch05-" not in err
    assert _row(sel, "windows/amd64")["error"] == ""
    assert "error" not in sel.attrs["hide"]


def test_heatmap_cells_are_the_go_list_answer(selection):
    """Does every heat-map cell say compiled exactly when go list put the file in GoFiles?"""
    fig = ch05.heatmap(selection)
    ax = fig.axes[0]
    grid = ax.images[0].get_array()
    files = [t.get_text() for t in ax.get_yticklabels()]
    targets = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
    assert targets == list(selection["target"])
    assert set(files) == {p.split("/")[1] for p in ch05.PLATFORM if p.startswith("platform/")}
    for j, target in enumerate(targets):
        compiled = set(_row(selection, target)["go_files"])
        for i, f in enumerate(files):
            assert (grid[i, j] == 1) == (f in compiled), (f, target)
    assert "go1." in fig.get_supxlabel()


def test_heatmap_marks_a_failed_listing():
    """Does a target whose go list failed show as an error column with its own legend entry?"""
    sel = ch05.file_selection({"main.go": "package main\n\nfunc main() {}\n", "a.go": "//go:build linux/arm64\n\n"
                               "package main\n"}, ["linux/amd64"], package=".", tagged=None)
    fig = ch05.heatmap(sel)
    assert (fig.axes[0].images[0].get_array() == 2).all()
    assert any("error" in t.get_text() for t in fig.legends[0].get_texts())


def test_question_freebsd_reveals_go_lists_answer():
    """Does the freebsd prediction accept the set go list reports, and reject a wrong one?"""
    q = ch05.question_freebsd()
    q.control.value = "iface.go io_posix.go"
    assert q.check() is False
    q.control.value = "iface.go fs_unix.go linux.go"
    assert q.check() is True and "[fs_unix.go iface.go linux.go]" in q.feedback.value


# -- section 2: the standard library ---------------------------------------------------------


def test_header_lines_stop_at_the_package_clause():
    """Are only the comments before the package clause a file's header (block comments skipped)?"""
    text = "// Copyright\n\n/* block\n// +build nope\n*/\n//go:build linux\n\npackage x\n// +build late\n"
    assert ch05._header_lines(text) == ["// Copyright", "", "//go:build linux", ""]


def test_scan_counts_header_constraints_only(tc, tmp_path):
    """Does the scan count //go:build and // +build only in headers, suffixes by name, and list body-only files?"""
    files = {
        "a_linux.go": "//go:build amd64\n\npackage a\n",
        "b.go": "// +build linux\n\npackage a\n",
        "c_arm64.go": "package a\n\nvar s = `\n// +build linux\n`\n",
        "d.go": "package a\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    counts = ch05._scan(sorted(tmp_path.glob("*.go")), tc, tmp_path.parent)
    assert counts["go"] == 4 and counts["gobuild"] == 1 and counts["plusbuild"] == 1
    assert counts["goos"] == 1 and counts["goarch"] == 1 and counts["none"] == 2 and counts["either"] == 2
    assert counts["body_only"] == [f"{tmp_path.name}/c_arm64.go"]


def test_stdlib_constraints_adds_up(tc):
    """Do the standard-library counts add up, match a plain count of the runtime's files, and grow by scope?"""
    t = ch05.stdlib_constraints()
    assert len(t) == 3
    runtime = t.iloc[0]
    assert runtime[".go files"] == len(list((tc.goroot / "src" / "runtime").glob("*.go")))
    grep = sum(1 for p in (tc.goroot / "src" / "runtime").glob("*.go")
               if re.search(r"^//go:build ", p.read_text(), re.M))
    assert runtime["//go:build line"] == grep
    for col in (".go files", "//go:build line", "GOOS in the name", "no constraint"):
        assert t[col].is_monotonic_increasing
    assert (t["no constraint"] + t["//go:build line"] <= t[".go files"] + t["GOOS in the name"]
            + t["GOARCH-only name"]).all()
    assert all(f.endswith(".go") for f in t.attrs["body_only"])
    assert tc.version in t.attrs["label"]


def test_runtime_selection_accounts_for_every_non_test_file(tc):
    """Does compiled + excluded equal the runtime's non-test .go files for each target, and plot as bars?"""
    r = ch05.runtime_selection(["linux/amd64", "windows/amd64", "js/wasm"])
    total = sum(1 for p in (tc.goroot / "src" / "runtime").glob("*.go") if not p.name.endswith("_test.go"))
    assert ((r["compiled"] + r["excluded"]) == total).all()
    assert (r["compiled"] > 0).all() and r["compiled"].nunique() > 1
    fig = ch05.plot_runtime(r)
    assert len(fig.axes[0].patches) == 2 * len(r)


# -- section 3: myth 4.3-a -------------------------------------------------------------------


@pytest.fixture(scope="module")
def builds():
    return ch05.fallback_builds(["linux/amd64", "windows/amd64", "freebsd/amd64"])


@pytest.fixture(scope="module")
def syntax():
    return ch05.constraint_syntax()


def test_fallback_builds_freebsd_needs_the_fallback(builds):
    """Does freebsd fail with 'undefined: platform.NewIOManager' without io_other.go, and every target build with it?"""
    ok = builds.attrs["ok"]
    assert ok[("linux/amd64", "seed")] and ok[("windows/amd64", "seed")]
    assert not ok[("freebsd/amd64", "seed")]
    assert "undefined: platform.NewIOManager" in _row(builds, "freebsd/amd64")["seed's files (no fallback)"]
    assert all(ok[(t, "fixed")] for t in builds["target"])
    assert list(builds.columns) == ["target", "seed's files (no fallback)", "+ io_other.go fallback"]


def test_fallback_builds_with_a_fallback_that_collides():
    """A fallback that forgets to exclude windows: does the windows build report the redeclaration?"""
    bad = {"platform/io_other.go": ch05.FALLBACK["platform/io_other.go"].replace(" && !windows", "")}
    b = ch05.fallback_builds(["windows/amd64"], fallback=bad)
    assert not b.attrs["ok"][("windows/amd64", "fixed")]
    assert "redeclared" in b.iloc[0]["+ io_other.go fallback"]


def test_constraint_syntax_rejects_the_slash(syntax):
    """Is //go:build linux/arm64 a syntax error for go list and go build, while && and the suffix pick arm64 only?"""
    s = syntax.set_index("constraint")
    slash = s.loc["//go:build linux/arm64"]
    assert "invalid syntax at /" in slash["go list, linux/arm64"]
    assert slash["go build, linux/arm64"].startswith("✗") and "invalid syntax" in slash["go build, linux/arm64"]
    for good in ("//go:build linux && arm64", "file name arm_linux_arm64.go"):
        assert s.loc[good, "go list, linux/arm64"] == "selected"
        assert s.loc[good, "go list, linux/amd64"] == "excluded"
        assert s.loc[good, "go build, linux/arm64"] == "✓ builds"
    assert syntax.attrs["accepted"] == {"//go:build linux/arm64": False, "//go:build linux && arm64": True,
                                        "file name arm_linux_arm64.go": True}


def test_myth_fallback_is_false(builds, syntax):
    """Is myth 4.3-a measured false, with the freebsd error and the slash error as evidence?"""
    m = ch05.myth_fallback(builds, syntax, show=False)
    assert isinstance(m, MythCheck) and m.id == "4.3-a" and m.verdict == "false"
    assert m.evidence["seed's package fails for"] == "freebsd/amd64"
    assert "undefined: platform.NewIOManager" in m.evidence["first error (freebsd/amd64)"]
    assert "invalid syntax" in m.evidence["//go:build linux/arm64, go list"]
    assert bundle(m)[MYTH_MIME]["verdict"] == "false"


def test_myth_fallback_verdict_is_computed(builds, syntax):
    """Would 4.3-a come out true if every target built and the slash were accepted?"""
    complete = ch05.fallback_builds(["linux/amd64", "freebsd/amd64"], files={**ch05.PLATFORM, **ch05.FALLBACK})
    assert ch05.myth_fallback(complete, syntax, show=False).verdict == "false"  # the slash still fails
    lenient = syntax.copy()
    lenient.attrs = {**syntax.attrs, "accepted": {**syntax.attrs["accepted"], "//go:build linux/arm64": True}}
    assert ch05.myth_fallback(complete, lenient, show=False).verdict == "true"
    assert ch05.myth_fallback(builds, lenient, show=False).verdict == "false"


def test_question_syntax_accepts_and():
    """Does the syntax question accept linux && arm64 and reject the slash?"""
    q = ch05.question_syntax()
    q.control.value = "//go:build linux/arm64"
    assert q.check() is False
    q.control.value = "//go:build linux && arm64"
    assert q.check() is True


def test_question_syntax_distractors_are_really_wrong():
    """Are the comma and the slash options rejected by go list, so the question's explanation is true?"""
    for line in ("//go:build linux, arm64", "//go:build linux/arm64"):
        files = {"main.go": "package main\n\nfunc main() {}\n", "a.go": f"{line}\n\npackage main\n"}
        sel = ch05.file_selection(files, ["linux/arm64"], package=".", tagged=None)
        assert "invalid syntax" in sel.iloc[0]["error"], line


# -- section 4: custom tags -------------------------------------------------------------------


def test_tags_table_selects_runs_and_records_the_tags():
    """Does -tags pro select the pro file and run the pro edition, while the typo Pro silently builds free?"""
    t = ch05.tags_table().set_index("-tags")
    assert t.loc["(none)", "GoFiles"] == "[edition_free.go main.go]"
    assert t.loc["pro", "GoFiles"] == "[edition_pro.go main.go]"
    assert t.loc["pro", "the program prints"] == "edition: pro features: [core audit sso]"
    assert t.loc["Pro", "the program prints"].startswith("edition: free")
    assert t.loc["pro", "build info: -tags"] == "pro" and t.loc["Pro", "build info: -tags"] == "Pro"
    assert t.loc["(none)", "build info: -tags"] == "(none)"
    assert "native" in t.attrs["label"]


def test_tags_table_reports_a_build_failure():
    """With a tag set that leaves two definitions, does the row carry the build message instead of failing?"""
    both = ch05.EDITION.replace("//go:build !pro", "//go:build !pro || extra")
    t = ch05.tags_table(both, [("pro", "extra")])
    assert "redeclared" in t.iloc[0]["the program prints"] and t.iloc[0]["build info: -tags"] == "—"


# -- section 5: myth 4.3-b -------------------------------------------------------------------


@pytest.fixture(scope="module")
def plus():
    return ch05.plusbuild_selection()


@pytest.fixture(scope="module")
def tools():
    return ch05.tool_checks()


def test_plusbuild_selection_go_build_wins(plus):
    """Is each one-file package compiled on linux only, even the one whose // +build says windows?"""
    p = plus.set_index("package")
    assert list(p.index) == ["gobuild_only", "plusbuild_only", "both", "mismatch"]
    assert (p["linux/amd64"] == "compiled").all() and (p["windows/amd64"] == "excluded").all()
    assert p.loc["mismatch", "header"] == "//go:build linux + // +build windows"


def test_question_mismatch_reveals_linux_only():
    """Does the mismatch prediction answer 'on linux only' from go list?"""
    q = ch05.question_mismatch()
    q.control.value = "on windows only"
    assert q.check() is False
    q.control.value = "on linux only"
    assert q.check() is True and "linux/amd64 compiled" in q.feedback.value


def test_tool_checks_gofmt_fix_and_vet(tools):
    """Do gofmt add //go:build, go fix remove +build per GOOS (non-zero exit with -diff), and vet flag the mismatch?"""
    t = tools.set_index("command")
    assert t.loc["gofmt -d plusbuild_only/a.go", "what it reports"] == "plusbuild_only/a.go: + //go:build linux"
    assert t.loc["gofmt -d both/a.go", "what it reports"] == "no change"
    linux = t.loc["go fix -diff ./...", "what it reports"].splitlines()
    assert "both/a.go: - // +build linux" in linux and "seed/io_posix.go: - // +build linux darwin" in linux
    assert not any("io_windows.go" in c for c in linux) and not any("plusbuild_only" in c for c in linux)
    assert t.loc["GOOS=windows go fix -diff ./...", "what it reports"] == "seed/io_windows.go: - // +build windows"
    assert t.loc["go fix -diff ./...", "exit status"] != 0
    vet = t.loc["go vet ./...", "what it reports"]
    assert "mismatch/a.go:2:1: +build lines do not match //go:build condition" in vet
    assert "goenv-ch05-" not in vet and "plusbuild_only" not in vet


def test_diff_changes_parses_gofmt_and_go_fix_headers(tmp_path):
    """Does the diff summary name files from both header styles (gofmt's .orig, go fix's (new))?"""
    gofmt = "diff a.go.orig a.go\n--- a.go.orig\n+++ a.go\n@@ -1,3 +1,4 @@\n+//go:build linux\n // +build linux\n"
    fix = f"--- {tmp_path}/p/b.go (old)\n+++ {tmp_path}/p/b.go (new)\n@@ -1,5 +1,4 @@\n //go:build x\n-// +build x\n"
    assert ch05._diff_changes(gofmt, tmp_path) == ["a.go: + //go:build linux"]
    assert ch05._diff_changes(fix, tmp_path) == ["p/b.go: - // +build x"]


def test_help_excerpt_is_the_old_syntax_paragraph():
    """Is the quoted help the paragraph on Go 1.16 and earlier and gofmt, from this toolchain?"""
    text = ch05.help_excerpt()
    assert "1.16" in text and "+build" in text and "gofmt" in text and "\n" not in text


def test_myth_plusbuild_is_false(plus, tools):
    """Is myth 4.3-b measured false, with gofmt, go fix and vet results as evidence?"""
    m = ch05.myth_plusbuild(plus, tools, show=False)
    assert m.id == "4.3-b" and m.verdict == "false"
    assert m.evidence["only //go:build linux"] == "linux: compiled, windows: excluded"
    assert "+ //go:build linux" in m.evidence["gofmt -d on a // +build-only file"]
    assert "seed/io_windows.go (GOOS=windows)" in m.evidence["go fix -diff removes // +build from"]
    assert "do not match" in m.evidence["go vet on the mismatched file"]


def test_myth_plusbuild_verdict_is_computed(plus, tools):
    """Would 4.3-b come out true if a //go:build-only file were compiled where it should not be?"""
    broken = plus.copy()
    broken.loc[broken["package"] == "gobuild_only", "windows/amd64"] = "compiled"
    assert ch05.myth_plusbuild(broken, tools, show=False).verdict == "true"
