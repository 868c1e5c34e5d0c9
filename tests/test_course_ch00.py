"""Chapter 00 experiments (goenv.course.ch00), run against the real toolchain."""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from goenv import course
from goenv.course import ch00

# A trimmed `go run -x` log as Go 1.27 prints it after an edit (paths made up, structure real).
RECORDED_LOG = """WORK=/tmp/go-build123
mkdir -p $WORK/b001/
cat >/tmp/go-build123/b001/importcfg << 'EOF' # internal
# import config
packagefile fmt=/cache/ef/efb97225890f490e10576186f1fe19094c0bcfbfc5b8d293abb6d6240771784a-d
packagefile runtime=/cache/2c/2cbdc26e510f5cfa1828131a4c05283e752a396e8f152d7a2263e309d1b4dcba-d
EOF
cd /tmp/mod
/goroot/pkg/tool/linux_amd64/compile -o $WORK/b001/_pkg_.a -trimpath "$WORK/b001=>" -p main -lang=go1.27 -complete -pack ./main.go
go tool buildid -w $WORK/b001/_pkg_.a # internal
cp $WORK/b001/_pkg_.a /cache/a0/a0c3950007925f578ac0b55fc5d6472e2270cb37e1c03be876a8520ac80f9079-d # internal
cat >/tmp/go-build123/b001/importcfg.link << 'EOF' # internal
packagefile example.com/hello=/tmp/go-build123/b001/_pkg_.a
packagefile fmt=/cache/ef/efb97225890f490e10576186f1fe19094c0bcfbfc5b8d293abb6d6240771784a-d
packagefile runtime=/cache/2c/2cbdc26e510f5cfa1828131a4c05283e752a396e8f152d7a2263e309d1b4dcba-d
modinfo "0w\\xaf\\f\\x92t"
EOF
mkdir -p $WORK/b001/exe/
cd .
GOROOT='/goroot' /goroot/pkg/tool/linux_amd64/link -o $WORK/b001/exe/hello -importcfg $WORK/b001/importcfg.link -s -w $WORK/b001/_pkg_.a
go tool buildid -w $WORK/b001/exe/hello # internal
cp $WORK/b001/exe/hello /cache/92/92da86bfe21b80ac7d49fec0f64fae4b730994ac2bf85e7b2969232f9f7f8e4e-d/hello # internal
$WORK/b001/exe/hello
"""


@pytest.fixture(scope="module")
def trace():
    return ch00.go_run_trace()


@pytest.fixture(scope="module")
def rt():
    return ch00.runtime_inside()


def test_go_version_names_the_toolchain(tc):
    """Does go_version() print the line `go version` prints, with this toolchain's version and host?"""
    assert ch00.go_version() == f"go version {tc.version} {tc.hostos}/{tc.hostarch}"


def test_go_env_table_shows_the_offline_settings(tc):
    """Does the go env table show the host target and that goenv pins GOTOOLCHAIN=local and GOPROXY=off?"""
    df = ch00.go_env_table()
    assert list(df.columns) == ["variable", "value", "meaning", "set by"]
    env = dict(zip(df["variable"], df["value"]))
    by = dict(zip(df["variable"], df["set by"]))
    assert env["GOOS"] == tc.hostos and env["GOARCH"] == tc.hostarch
    assert env["GOTOOLCHAIN"] == "local" and env["GOPROXY"] == "off"
    assert by["GOTOOLCHAIN"] == by["GOPROXY"] == by["GOCACHE"] == "goenv"
    assert by["GOOS"] == "go's default" and by["GOVERSION"] == "the toolchain itself"
    assert env["GOCACHE"] == str(tc.gocache) and env["CGO_ENABLED"] in ("0", "1")
    assert all(df["meaning"] != "")
    assert tc.version in df.attrs["caption"]


def test_show_renders_caption_without_index():
    """Does show() render a table with its caption and label, and without the index column?"""
    df = ch00.go_env_table()
    html = ch00.show(df).to_html()
    assert "go env" in html and "<caption" in html and "GOTOOLCHAIN" in html
    assert "row_heading" not in html  # the 0..n index is hidden
    assert "Other title" in ch00.show(df, "Other title").to_html()


def test_parse_go_run_x_folds_a_recorded_log():
    """Does the -x parser keep compile, link, cache copies and the run, count linked packages and shorten paths?"""
    steps = ch00.parse_go_run_x(RECORDED_LOG, gocache="/cache", goroot="/goroot")
    assert [s["tool"] for s in steps] == ["compile", "cp", "link", "cp", "(your program)"]
    compile_, save_pkg, link, save_exe, run = steps
    assert compile_["output"] == "$WORK/b001/_pkg_.a" and "main.go" in compile_["step"]
    assert compile_["lives in"].startswith("temporary")
    assert save_pkg["output"] == "$GOCACHE/a0/a0c39500…-d" and save_pkg["lives in"].startswith("build cache")
    # The modinfo line of the heredoc is not a package; runtime is among the three.
    assert link["step"] == "link 3 compiled packages (runtime included) into an executable"
    assert save_exe["step"] == "save the executable in the build cache"
    assert save_exe["path"].startswith("/cache/92/") and save_exe["path"].endswith("/hello")
    assert run["path"] == "/tmp/go-build123/b001/exe/hello"


def test_parse_go_run_x_of_a_cached_rerun_is_just_the_run():
    """Is an unchanged rerun (WORK= plus the cached executable) parsed as one run step from the cache?"""
    log = "WORK=/tmp/go-build9\n/cache/92/92da86bfe21b80ac7d49fec0f64fae4b730994ac2bf85e7b2969232f9f7f8e4e-d/hello\n"
    (step,) = ch00.parse_go_run_x(log, gocache="/cache")
    assert step["tool"] == "(your program)" and step["lives in"] == "build cache (kept)"
    assert step["output"] == "$GOCACHE/92/92da86bf…-d/hello"


def test_go_run_trace_compiles_after_an_edit_and_reuses_the_cache(trace, tc):
    """After an edit, does go run compile and link, keep the executable in GOCACHE, and skip both when rerun?"""
    assert trace.compile_steps >= 1 and trace.link_steps == 1
    assert trace.rerun_compile_steps == 0 and trace.rerun_from_cache
    assert trace.cached_executable_exists
    assert trace.cached_executable.startswith(str(tc.gocache))
    assert trace.program_output[0] == trace.program_output[1] and "(edit " in trace.program_output[0]
    runs = trace.steps.groupby("run")["tool"].apply(list).to_dict()
    assert runs["unchanged"] == ["(your program)"]
    assert "compile" in runs["after an edit"] and "link" in runs["after an edit"]
    ev = trace.evidence()
    assert ev["that file still exists after go run"] is True
    assert ev["executable kept in the build cache"].startswith("$GOCACHE/")
    assert all(s > 0 for s in trace.seconds) and "native" in trace.label


def test_edited_hello_changes_the_program_not_just_a_comment():
    """Does each edit change the printed string (so the compiled package really changes)?"""
    a, b = ch00.edited_hello("aaa"), ch00.edited_hello("bbb")
    assert a != b and '"Hello, Go platform! (edit aaa)"' in a and ch00.edited_hello() != ch00.edited_hello()


def test_time_go_run_and_its_plot():
    """Does time_go_run() time both situations each round, and does the plot carry the measurement label?"""
    times = ch00.time_go_run(2)
    assert list(times.columns) == ["round", "situation", "seconds"]
    assert sorted(times["situation"].value_counts().to_dict().items()) == [("after an edit", 2), ("unchanged", 2)]
    assert (times["seconds"] > 0).all()
    fig = ch00.plot_go_run_times(times)
    ax = fig.axes[0]
    assert course.label() in ax.get_title()
    assert len(ax.collections) == 2  # one dot series per situation


def test_main_package_vs_module_separates_the_two_ideas():
    """Do both package clauses share one main module, while only package main runs and builds an executable?"""
    df = ch00.main_package_vs_module().set_index("first line")
    assert set(df["main module (go list -m)"]) == {ch00.MODULE}
    assert df.loc["package main", "go build ."] == "writes the executable hello"
    assert df.loc["package main", "go run ."] == "prints 'Hello, Go platform!'"
    assert df.loc["package foo", "go build ."].startswith("succeeds, writes nothing")
    assert "is not a main package" in df.loc["package foo", "go run ."]


@pytest.mark.parametrize("package, kind", [
    ("runtime", "runtime"), ("internal/runtime/maps", "runtime"), ("main", "your code"),
    ("go:*", "compiler-generated data"), ("type:*", "compiler-generated data"),
    ("(linker)", "linker / assembly"), ("fmt", "standard library"), ("internal/runtimex", "standard library"),
])
def test_package_kind(package, kind):
    """Is each package classified into the right colour group of the size chart?"""
    assert ch00.package_kind(package) == kind


def test_runtime_inside_hello_world(rt, tc):
    """Is hello world a static ELF that starts in the runtime's own code, with the runtime dominating its symbols?"""
    assert rt.static and rt.interpreter is None and rt.needed == ()
    assert rt.description.startswith("ELF 64-bit") and "statically linked" in rt.description
    assert rt.entry_symbol == f"_rt0_{tc.hostarch}_{tc.hostos}" and rt.entry_is_runtime
    assert 0.3 < rt.runtime_share < 0.95
    assert rt.sizes.iloc[0]["package"] == "runtime"
    assert abs(rt.sizes["share"].sum() - 1) < 1e-9
    assert 0 < rt.main_bytes < rt.sizes.iloc[0]["bytes"] / 100
    ev = rt.evidence()
    assert ev["dynamic loader (interpreter)"] == "none" and ev["runtime share of symbol bytes"].endswith("%")


def test_runtime_inside_refuses_a_broken_program():
    """Does runtime_inside() say clearly when the program does not build?"""
    with pytest.raises(RuntimeError, match="did not build"):
        ch00.runtime_inside("package main\n\nfunc main() { undefined() }\n")


def test_entry_symbol_is_none_for_non_elf(tmp_path):
    """Does entry_symbol() answer None for a file that is not ELF?"""
    p = tmp_path / "x.exe"
    p.write_bytes(b"MZ" + bytes(100))
    assert ch00.entry_symbol(p) is None


def test_plot_package_sizes_always_shows_main(rt):
    """Does the size chart show the top packages plus the tiny main package, labelled with the measurement?"""
    fig = ch00.plot_package_sizes(rt, top=5)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 6 and labels[-1] == "runtime" and "main" in labels
    assert rt.label in ax.get_title() and ax.get_legend() is not None


def test_runtime_share_percent_matches_the_measurement(rt):
    """Is the numeric self-check's answer the measured runtime share in percent?"""
    assert ch00.runtime_share_percent() == round(100 * rt.runtime_share)


def test_static_with_net_follows_cgo(tc):
    """Is a net + os/user program dynamic exactly when cgo is on by default, and does predict() reveal that?"""
    right, why = ch00.static_with_net()
    cgo = tc.go_env()["CGO_ENABLED"]
    assert right == (ch00.DYNAMIC if cgo == "1" else ch00.STATIC)
    assert f"CGO_ENABLED defaults to {cgo}" in why
    if cgo == "1":
        assert "libc" in why and "With CGO_ENABLED=0 the same program is statically linked" in why
    q = course.predict("?", [ch00.STATIC, ch00.DYNAMIC], ch00.static_with_net)
    q.control.value = right
    assert q.check() is True


def test_magic_options_come_from_the_magic_parser():
    """Does the options cheat sheet use the %%go parser's own help texts (and flag unknown options)?"""
    df = ch00.magic_options()
    assert list(df["option"]) == list(ch00.MAGIC_EXAMPLES)
    helps = dict(zip(df["option"], df["what it does"]))
    assert "GOOS/GOARCH" in helps["--target"] and "0 or 1" in helps["--cgo"]
    assert ch00.magic_options(("--nope",))["what it does"][0].startswith("(not an option")


def test_container_memory_limit_and_binder_detection(monkeypatch):
    """Is the memory limit a positive size or None, and is Binder recognised by its BINDER_* variables?"""
    mem = ch00.container_memory_limit()
    assert mem is None or mem > 0
    for k in [k for k in os.environ if k.startswith("BINDER_")]:
        monkeypatch.delenv(k)
    assert ch00.on_binder() is False
    monkeypatch.setenv("BINDER_LAUNCH_HOST", "https://mybinder.org/")
    assert ch00.on_binder() is True


def test_doctor_table_reports_this_machine(tc):
    """Does the doctor table show the toolchain, emulators, C compiler and isolation of this session?"""
    df = ch00.doctor_table()
    rows = dict(zip(df["check"], df["this session"]))
    assert rows["Go toolchain"].startswith(tc.version)
    assert rows["C compiler (cgo)"] == (shutil.which("gcc") or shutil.which("cc") or rows["C compiler (cgo)"])
    if shutil.which("qemu-aarch64"):
        assert "arm64" in rows["qemu-user emulators"]
    assert rows["Limits per program run"].endswith("MiB memory")


def test_doctor_table_without_go_or_tools():
    """Does the doctor table still render, naming the problem, when Go is missing?"""
    df = ch00.doctor_table({"go": None, "problems": ["No Go toolchain found."]})
    rows = dict(zip(df["check"], df["this session"]))
    assert rows["Go toolchain"].startswith("not found") and rows["Problems"] == "No Go toolchain found."
    assert isinstance(df, pd.DataFrame)


def test_static_with_net_without_a_c_compiler(monkeypatch, tmp_path):
    """With no C compiler on PATH, does the reveal say cgo is off and the default build static?"""
    from goenv.toolchain import Toolchain

    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no gcc, no cc
    monkeypatch.delenv("CC", raising=False)
    bare = Toolchain.find()
    assert bare.go_env()["CGO_ENABLED"] == "0"
    right, why = ch00.static_with_net(toolchain=bare)
    assert right == ch00.STATIC
    assert "no C compiler was found" in why and "would be dynamic" in why
