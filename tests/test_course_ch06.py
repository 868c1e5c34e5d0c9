"""Chapter 06 experiments (goenv.course.ch06), run against the real Go toolchain, qemu-user and git.

Tests that need an emulator are marked with ``needs_qemu``; the "no emulator" path is
tested by making the runner report the emulator as missing, which is what a machine
without qemu-user looks like to goenv.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest

import goenv
from goenv.course import ch06
from goenv.course.myth import MYTH_MIME, MythCheck, bundle
from goenv.errors import GoEnvError
from goenv.runners import Runner

from helpers import needs_qemu

matplotlib.use("Agg")

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "06_target_vs_context.ipynb"


@pytest.fixture(scope="module")
def host(tc):
    return tc.hostarch


@pytest.fixture(scope="module")
def app_run():
    """The app built as the notebook's %%go cell builds it (CGO_ENABLED=0, -X main.version=1.4.2), and run."""
    r = goenv.run(ch06.app_txtar(), cgo=0, ldflags=ch06.VERSION_LDFLAGS)
    assert r.ok, r.message + r.stderr
    return r


@pytest.fixture(scope="module")
def stamps():
    return ch06.stamp_builds()


def _go_cells(nb) -> dict[str, str]:
    """``%%go --name NAME`` → the cell's body."""
    out = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("%%go"):
            first, _, body = cell.source.partition("\n")
            out[re.search(r"--name (\S+)", first).group(1)] = (first, body)
    return out


def _no_qemu_for(goarch: str, monkeypatch):
    """Make ch06 see no emulator for ``goarch`` (as on a machine without qemu-user)."""
    real = ch06.runner_for

    def runner_for(goos, arch, toolchain):
        if arch == goarch:
            why = f"linux/{arch} runs under qemu-x, which is not installed. Install it."
            return Runner("none", (), "build-only", why)
        return real(goos, arch, toolchain)

    monkeypatch.setattr(ch06, "runner_for", runner_for)


# -- the notebook and the module agree ----------------------------------------------------


def test_notebook_cells_hold_the_module_programs():
    """Do the notebook's %%go cells hold exactly the programs (and flags) ch06's functions and tests use?"""
    cells = _go_cells(nbformat.read(NOTEBOOK, as_version=4))
    assert cells["whereami"][1].strip() == ch06.WHEREAMI.strip()
    first, body = cells["app"]
    assert body.strip() == ch06.app_txtar().strip()
    assert "--cgo 0" in first and f"--ldflags '{ch06.VERSION_LDFLAGS}'" in first


def test_app_txtar_round_trips_to_the_files():
    """Is the txtar of the app exactly the APP files (what goenv will write to disk)?"""
    assert goenv.Program.coerce(ch06.app_txtar()).file_map == goenv.Program.coerce(ch06.APP).file_map


# -- presentation ----------------------------------------------------------------------------


def test_show_renders_caption_note_label_and_escapes():
    """Does show() put caption, note and label above the table and keep '<nil>' and 'map[..]' visible?"""
    df = pd.DataFrame({"a": ["err=<nil>"], "x": [1.23456]})
    df.attrs.update(caption="Cap", note="a note", label="go1.x · linux/amd64 · native")
    out = ch06.show(df).to_html()
    assert "err=&lt;nil&gt;" in out and "1.23" in out and "1.23456" not in out
    assert "Cap" in out and "a note" in out and "linux/amd64 · native" in out


def test_show_go_labels_languages():
    """Are .go files highlighted as Go and go.mod files shown as plain blocks, one per file?"""
    md = ch06.show_go(ch06.APP, only=["go.mod", "main.go"]).data
    assert "**go.mod**\n```\nmodule example.com/app" in md and "**main.go**\n```go\npackage main" in md
    with pytest.raises(KeyError):
        ch06.show_go(ch06.APP, only=["nope.go"])


# -- section 1-2: the probe, 3.2-a ---------------------------------------------------------------


@pytest.mark.parametrize("goarch, machine, same", [
    ("amd64", "x86_64", True), ("arm64", "aarch64", True), ("arm", "armv7l", True), ("386", "i686", True),
    ("386", "x86_64", False), ("arm64", "x86_64", False), ("loong64", "loongarch64", True),
    ("riscv64", "riscv64\n", True), ("amd64", "aarch64", False),
])
def test_same_arch_maps_go_names_to_kernel_names(goarch, machine, same):
    """Does same_arch() see through Go's and the kernel's different spellings of one architecture?"""
    assert ch06.same_arch(goarch, machine) is same


def test_parse_probe_reads_known_lines_only():
    """Does parse_probe() pick the probe's own lines and ignore anything else?"""
    out = ch06.parse_probe("runtime.GOOS/GOARCH: linux/arm64\nnoise: x\nuname(2) machine: aarch64\n"
                           "/proc/cpuinfo: model name: Some CPU\n")
    assert out == {"runtime.GOOS/GOARCH": "linux/arm64", "uname(2) machine": "aarch64",
                   "/proc/cpuinfo": "model name: Some CPU"}


def test_probe_natively_every_source_names_the_host(tc, host):
    """Run natively, do the constants, uname(2), a target uname, the host uname and /proc all name the host?"""
    p = ch06.probe_targets(goarchs=[host])
    row = p.iloc[0]
    assert row["ok"] and row["runs as"] == "native"
    assert row["runtime.GOOS/GOARCH"] == f"linux/{host}"
    for key in ("uname(2) machine", "target uname -m", "host uname -m", "/proc/sys/kernel/arch",
                "starts itself with -m"):
        assert ch06.same_arch(host, row[key]), (key, row[key])
    assert not row["/proc/cpuinfo"].startswith("error")
    assert p.attrs["label"].endswith("native")


@needs_qemu("aarch64")
def test_probe_under_qemu_uname_follows_the_guest_and_proc_leaks_the_host(tc, host):
    """Under qemu-aarch64: uname(2) says aarch64, /proc and the host's uname name the host, exec of arm64 fails?"""
    row = ch06.probe_targets(goarchs=["arm64"]).iloc[0]
    assert row["runs as"] == "qemu-aarch64" and row["ok"]
    assert row["runtime.GOOS/GOARCH"] == "linux/arm64"
    assert row["uname(2) machine"] == "aarch64" and row["target uname -m"] == "aarch64"
    assert ch06.same_arch(host, row["host uname -m"]) and ch06.same_arch(host, row["/proc/sys/kernel/arch"])
    # No binfmt_misc here: the kernel cannot start an arm64 binary the emulated program execs.
    assert row["starts itself with -m"] == "error: exec format error"


@needs_qemu("aarch64")
def test_myth_uname_is_measured_false(tc):
    """Is myth 3.2-a measured false from the emulated run, with the leaking /proc as evidence?"""
    probes = ch06.probe_targets(goarchs=[tc.hostarch, "arm64"])
    m = ch06.myth_uname(probes)
    assert isinstance(m, MythCheck) and m.id == "3.2-a" and m.verdict == "false"
    assert m.evidence["uname(2) in the program"] == "aarch64"
    assert ch06.same_arch(tc.hostarch, m.evidence["/proc/sys/kernel/arch"])
    assert "emulated (qemu-aarch64)" in m.label
    assert bundle(m)[MYTH_MIME]["verdict"] == "false"


def test_myth_uname_would_hold_if_uname_named_the_host():
    """Is the verdict computed: with a uname that names the host in both probes, does the claim hold (true)?"""
    probes = pd.DataFrame([{"target": "linux/arm64", "runs as": "qemu-aarch64", "ok": True,
                            "runtime.GOOS/GOARCH": "linux/arm64", "uname(2) machine": "x86_64",
                            "target uname -m": "x86_64"}])
    assert ch06.myth_uname(probes).verdict == "true"


def test_without_qemu_the_probe_says_so_and_the_myth_becomes_a_note(tc, monkeypatch):
    """Without qemu-aarch64: is the arm64 row 'not run', the myth a note (no card), and the question honest?"""
    _no_qemu_for("arm64", monkeypatch)
    probes = ch06.probe_targets(goarchs=[tc.hostarch, "arm64"])
    arm = probes[probes["target"] == "linux/arm64"].iloc[0]
    assert arm["runs as"].startswith("not run") and "not installed" in arm["runs as"] and not arm["ok"]
    assert probes.iloc[0]["ok"]  # the host still ran
    note = ch06.myth_uname(probes)
    assert not isinstance(note, MythCheck)
    assert "cannot be measured" in note.data and "qemu-aarch64" in note.data
    q = ch06.question_uname()
    q.control.value = q.control.options[0]
    assert q.check() is False and "qemu-aarch64 is not installed" in q.feedback.value
    table = ch06.probe_table(probes)
    assert table.columns[2] == "linux/arm64 (not run)" and set(table[table.columns[2]]) == {"—"}
    assert "linux/arm64 not run: " in table.attrs["note"] and "not installed" in table.attrs["note"]


@needs_qemu("aarch64")
def test_question_uname_reveals_aarch64():
    """Does the prediction's experiment answer 'aarch64' after running the arm64 probe under qemu?"""
    q = ch06.question_uname()
    q.control.value = q.control.options[1]
    assert q.check() is False and "uname(2) said aarch64" in q.feedback.value
    q.control.value = q.control.options[0]
    assert q.check() is True


def test_386_disagrees_with_uname_without_emulation(tc):
    """Natively, on an x86-64 kernel, does a linux/386 program see uname(2) say x86_64 (no emulator involved)?"""
    if tc.hostarch != "amd64" or ch06.runner_for("linux", "386", tc).kind != "native":
        pytest.skip("needs an x86-64 Linux kernel that runs 32-bit programs")
    row = ch06.probe_targets(goarchs=["386"]).iloc[0]
    assert row["runtime.GOOS/GOARCH"] == "linux/386" and row["uname(2) machine"] == "x86_64"
    assert ch06.agreement_table(pd.DataFrame([row]))["uname(2) system call, in the program"].iloc[0] == "no"


def test_probe_and_agreement_tables_have_one_column_or_row_per_target(tc):
    """Is the probe table one row per question and one column per target, and the agreement table the reverse?"""
    probes = ch06.probe_targets(goarchs=[tc.hostarch])
    t = ch06.probe_table(probes)
    assert list(t["asked"]) == list(ch06.PROBE_ROWS.values())
    assert list(t.columns) == ["asked", f"linux/{tc.hostarch} (native)"]
    a = ch06.agreement_table(probes)
    assert len(a) == 1 and set(a.iloc[0][2:]) == {"yes"}


def test_sandbox_table_reports_the_limits_and_what_was_visible(tc):
    """Does the sandbox table show goenv's PATH and limits next to what the native probe saw?"""
    probes = ch06.probe_targets(goarchs=[tc.hostarch])
    t = ch06.sandbox_table(probes, goenv.Limits(wall_time_s=7, max_processes=9))
    by = dict(zip(t["aspect"], t["in goenv's sandbox"]))
    assert by["PATH"] == "/usr/local/bin:/usr/bin:/bin"
    assert "up to 9 processes" in by["starting other programs"] and "wall time 7 s" in by["time and memory"]
    saw = dict(zip(t["aspect"], t["what the probe saw"]))
    assert saw["network"] in ("isolated", "not isolated on this machine")
    assert saw["/proc and the file system"].startswith("/proc/sys/kernel/arch: ")


# -- section 3: the CI target string -----------------------------------------------------------------


def test_split_target_is_the_seeds_cut():
    """Does the seed's sh/cut split give GOOS and GOARCH, and drop a platform variant?"""
    assert ch06.split_target("linux/arm64") == ("linux", "arm64")
    assert ch06.split_target("linux/arm/v6") == ("linux", "arm")
    assert ch06.split_target("windows/amd64") == ("windows", "amd64")


def test_split_target_without_a_shell(monkeypatch):
    """Without sh or cut, does split_target say so instead of failing obscurely?"""
    monkeypatch.setattr(ch06.shutil, "which", lambda name: None)
    with pytest.raises(GoEnvError, match="no sh or cut"):
        ch06.split_target("linux/arm64")


def test_ci_target_table_confirms_targets_and_shows_the_lost_variant():
    """Does each build record its target, and does linux/arm/v6 come out with Go's default GOARM instead of 6?"""
    t = ch06.ci_target_table().set_index("BUILD_TARGET")
    assert t.loc["linux/arm64", "build info GOOS/GOARCH"] == "linux/arm64"
    assert t.loc["linux/arm64", "header"] == "ELF AArch64"
    assert t.loc["windows/amd64", "header"].startswith("PE ")
    v6 = t.loc["linux/arm/v6"]
    assert v6["dropped"] == "v6" and v6["GOARCH (cut -f2)"] == "arm"
    assert v6["level in build info"].startswith("GOARM=") and v6["level in build info"] != "GOARM=6"


@needs_qemu("arm")
def test_default_goarm_dies_on_armv6_and_runs_on_armv7():
    """Does the binary built at Go's default GOARM die with SIGILL on an emulated ARMv6 core and run on ARMv7?"""
    t = ch06.arm_variant_table()
    v6, v7 = t.iloc[0], t.iloc[1]
    assert "ARMv6" in v6["processor"] and v6["result"].startswith("killed by SIGILL")
    assert "ARMv7" in v7["processor"] and v7["result"] == "ran: hello from linux/arm"
    assert "(Go's default)" in v6["binary"]


def test_arm_variant_table_without_qemu_arm(monkeypatch):
    """Without qemu-arm, is there one row saying why, instead of an error?"""
    _no_qemu_for("arm", monkeypatch)
    t = ch06.arm_variant_table()
    assert len(t) == 1 and t.iloc[0]["result"].startswith("not run")


# -- section 4-5: stamping, the two views -------------------------------------------------------------


def test_app_reports_stamp_deps_fields_and_the_seed_map(app_run):
    """Does the app print the -X version, only the linked modules, debug.Module's fields and the seed's map?"""
    out = ch06.parse_app_output(app_run.stdout)
    assert out["version"] == "1.4.2"
    assert out["module"] == "example.com/app (devel)"
    assert out["deps"] == ["example.com/deep v0.4.0 => ./deep (devel)", "example.com/lib v1.2.3 => ./lib (devel)"]
    assert out["fields"] == ["Path", "Version", "Sum", "Replace"]
    assert out["seed_map"] == "map[example.com/deep:v0.4.0 example.com/lib:v1.2.3]"


def test_inside_and_outside_views_agree(app_run):
    """Do ReadBuildInfo inside the program and go version -m on the file report the same build info?"""
    t = ch06.views_table(app_run)
    assert set(t["same"]) == {"yes"}, t
    row = dict(zip(t["field"], t["outside (go version -m)"]))
    assert row["-ldflags"] == ch06.VERSION_LDFLAGS and row["path (main package)"] == "example.com/app"
    assert t.attrs["label"].endswith("native")


def test_views_table_of_a_failed_build_says_so():
    """Is a broken app reported with the build's message, not a confusing error later on?"""
    broken = dict(ch06.APP, **{"main.go": "package main\n\nfunc main() { undefined() }\n"})
    b = ch06.build_app(broken)
    assert not b.ok
    with pytest.raises(GoEnvError, match="did not build"):
        ch06.views_table(b)


def test_stamp_builds_record_flags_target_cgo_and_paths(stamps, tc):
    """Does each build's info record what it was built with, and does -trimpath remove paths and the -ldflags key?"""
    x, trim, sw = stamps["x"].info.settings, stamps["trimpath"].info.settings, stamps["sw"].info.settings
    assert x["-ldflags"] == ch06.VERSION_LDFLAGS and x["CGO_ENABLED"] == "0" and "-trimpath" not in x
    assert "-ldflags" not in trim and trim["-trimpath"] == "true"
    assert sw["-ldflags"].startswith("-s -w")
    assert stamps["plain"].info.settings["CGO_ENABLED"] == ch06_effective_cgo(tc)
    arm = stamps["arm64"].info.settings
    assert arm["GOARCH"] == "arm64" and "GOARM64" in arm and "GOAMD64" not in arm
    assert stamps["x"].path_hits > 0 and stamps["trimpath"].path_hits == 0 and stamps["trimpath_sw"].path_hits == 0
    assert stamps["sw"].size < stamps["x"].size
    # -X worked with -trimpath although the flag is not recorded; without -X the default stays.
    assert stamps["trimpath"].printed_version == "1.4.2" and stamps["plain"].printed_version == "dev"


def ch06_effective_cgo(tc) -> str:
    return tc.run_go(["env", "CGO_ENABLED"]).stdout.strip()


def test_settings_table_and_size_chart(stamps):
    """Is there one column per build, a row per setting plus version/size/paths, and one bar per build?"""
    t = ch06.settings_table(stamps)
    assert list(t.columns) == ["setting"] + [s.label for s in stamps.values()]
    assert {"GOOS", "GOARCH", "CGO_ENABLED", "-ldflags", "-trimpath"} <= set(t["setting"])
    assert list(t["setting"][-3:]) == ["main.version, as the program prints it", "binary size (MiB)",
                                       "build paths inside the binary"]
    assert all(len(v) < 60 for v in t.iloc[:, 1:].to_numpy().ravel())  # long values are shortened
    fig = ch06.size_chart(stamps)
    ax = fig.axes[0]
    assert len(ax.patches) == len(stamps) and "MiB" in ax.get_xlabel() and "linux/" in ax.get_title()


def test_setting_text_shortens_and_marks_empty():
    """Are absent, empty and long comma lists shown compactly?"""
    assert ch06._setting_text(None) == "—" and ch06._setting_text("") == "(empty)"
    assert ch06._setting_text("a=1," * 20 + "z=2") == "a=1, … (21 entries)"
    assert ch06._setting_text("v1") == "v1"


def test_question_trimpath_reveals_that_ldflags_disappears():
    """Does the prediction's experiment answer 'it disappears' after building with and without -trimpath?"""
    q = ch06.question_trimpath()
    q.control.value = "It stays as it was"
    assert q.check() is False and "-trimpath=true" in q.feedback.value
    q.control.value = "It disappears from the build info"
    assert q.check() is True


def test_seed_command_builds_a_file_list_and_the_last_o_wins():
    """Does the seed's command work, write only the last -o, and record command-line-arguments and no module?"""
    t = ch06.seed_command_table()
    seed, twice, pkg = t.iloc[0], t.iloc[1], t.iloc[2]
    assert seed["exit"] == 0 and seed["files written"] == "foo" and seed["path"] == "command-line-arguments"
    assert seed["main module"] == "none"
    assert twice["files written"] == "second"
    assert pkg["path"] == "example.com/app" and pkg["main module"] == "example.com/app (devel)"


# -- section 6: VCS ----------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_vcs_table_tag_dirty_buildvcs_pseudo_and_go_run():
    """Does a tag give the version, an edit +dirty, -buildvcs=false (devel), a later commit a pseudo-version?"""
    t = ch06.vcs_table()
    versions = list(t["module version"])
    assert versions[0] == "v0.3.1" and t.iloc[0]["vcs.modified"] == "false"
    assert versions[1] == "v0.3.1+dirty" and t.iloc[1]["vcs.modified"] == "true"
    assert versions[2] == "(devel)" and t.iloc[2]["vcs.revision"] == "—"
    assert re.fullmatch(r"v0\.3\.2-0\.\d{14}-[0-9a-f]{12}", versions[3]), versions[3]
    assert versions[3].endswith(t.iloc[3]["vcs.revision"])
    assert t.iloc[4]["command"] == "go run ." and versions[4] == "(devel)" and t.iloc[4]["vcs.revision"] == "—"


def test_vcs_table_without_git(monkeypatch):
    """Without git, is there one row saying so?"""
    real = shutil.which
    monkeypatch.setattr(ch06.shutil, "which", lambda name: None if name == "git" else real(name))
    t = ch06.vcs_table()
    assert len(t) == 1 and "git is not installed" in t.iloc[0]["module version"]


# -- section 7: what ReadBuildInfo does not tell you, 4.4 -----------------------------------------------


def test_go_mod_requirements_read_indirect_and_replace():
    """Does go mod edit -json give each requirement with its indirect mark and its replacement?"""
    r = ch06.go_mod_requirements().set_index("module")
    assert bool(r.loc["example.com/deep", "indirect"]) and not bool(r.loc["example.com/lib", "indirect"])
    assert r.loc["example.com/unused", "replaced by"] == "./unused"
    with pytest.raises(GoEnvError, match="no go.mod"):
        ch06.go_mod_requirements({"main.go": "package main\nfunc main() {}\n"})


def test_deps_table_lists_only_linked_modules_with_required_version(app_run):
    """Is the unused requirement missing from Deps, and does lib record v1.2.3 with Replace ./lib and no Sum?"""
    t = ch06.deps_table(app_run).set_index("module")
    assert t.loc["example.com/unused", "in BuildInfo.Deps"] == "no"
    assert t.loc["example.com/deep", "in BuildInfo.Deps"] == "yes"
    assert t.loc["example.com/deep", "go.mod require"] == "v0.4.0 // indirect"
    lib = t.loc["example.com/lib"]
    assert lib["Deps: Version"] == "v1.2.3" and lib["Deps: Replace"] == "./lib (devel)"
    assert lib["Deps: Sum"] == "(empty)"


def test_question_deps_answer_is_read_from_the_binary(app_run):
    """Is 2 right and 3 wrong for 'how many Deps entries', computed from the binary?"""
    q = ch06.question_deps(app_run)
    q.control.value = 3
    assert q.check() is False and "measured: 2" in q.feedback.value
    q.control.value = 2
    assert q.check() is True


def test_scaling_program_rejects_bad_sizes():
    """Does scaling_program refuse a negative or huge number of modules with a clear message?"""
    with pytest.raises(ValueError, match="between 0 and 99"):
        ch06.scaling_program(-1)
    files = ch06.scaling_program(3)
    assert {"dep00/go.mod", "dep02/dep02.go", "go.mod", "main.go"} <= set(files)


def test_alloc_scaling_grows_with_modules_and_cache_is_free():
    """Does every ReadBuildInfo call allocate, more with more modules, while the cached call allocates nothing?"""
    s = ch06.alloc_scaling((0, 4), calls=50)
    assert list(s["deps"]) == [0, 4]
    assert s["allocs/call"].iloc[0] > 0 and s["allocs/call"].iloc[1] > s["allocs/call"].iloc[0]
    assert s["bytes/call"].iloc[1] > s["bytes/call"].iloc[0] and s["modinfo bytes"].iloc[1] > s["modinfo bytes"].iloc[0]
    assert (s["cached allocs/call"] == 0).all()
    fig = ch06.alloc_chart(s)
    assert len(fig.axes) == 2 and all(len(ax.lines) == 2 for ax in fig.axes)
    assert "linux/" in fig._suptitle.get_text()


def test_question_allocs_reveals_the_measured_bucket():
    """Does the allocation prediction's experiment pick the bucket of the count it just measured (never 'none')?"""
    q = ch06.question_allocs(calls=20)
    q.control.value = ch06.ALLOC_BUCKETS[0][0]
    assert q.check() is False
    m = re.search(r"counted (\d+) allocations per call, (\d+) bytes", q.feedback.value)
    measured = float(m.group(1))
    q.control.value = ch06.alloc_bucket(measured)
    assert q.check() is True


@pytest.mark.parametrize("allocs, bucket", [(0, 0), (1, 1), (5, 1), (6, 2), (20, 2), (21, 3), (500, 3)])
def test_alloc_bucket_edges(allocs, bucket):
    """Does each allocation count land in the intended answer option?"""
    assert ch06.alloc_bucket(allocs) == ch06.ALLOC_BUCKETS[bucket][0]


def test_myth_buildinfo_is_measured_false(app_run):
    """Is myth 4.4 false, with the missing requirement, the field list and growing allocations as evidence?"""
    deps = ch06.deps_table(app_run)
    s = ch06.alloc_scaling((0, 2), calls=30)
    m = ch06.myth_buildinfo(app_run, deps, s)
    assert m.id == "4.4" and m.verdict == "false"
    assert m.evidence["required but missing from Deps"] == "example.com/unused"
    assert m.evidence["debug.Module fields"] == "Path, Version, Sum, Replace"
    assert m.evidence["example.com/lib: Version / Replace"] == "v1.2.3 / ./lib (devel)"
    grow = m.evidence["allocations per call, 0 → 2 dependency modules"]
    assert re.fullmatch(r"\d+ → \d+", grow) and int(grow.split()[0]) < int(grow.split()[-1])
    assert re.fullmatch(r"\d+ → \d+", m.evidence["bytes per call, 0 → 2 dependency modules"])
    assert bundle(m)[MYTH_MIME]["verdict"] == "false"


def test_myth_buildinfo_verdict_follows_the_evidence():
    """Would the claim be judged true if nothing allocated, everything was listed and an Indirect field existed?"""
    result = goenv.RunResult(build=goenv.BuildResult(ok=True, binary="x", goos="linux", goarch="amd64", options={},
                                                     go_version="go1.x"),
                             stdout="debug.Module fields: [Path Version Sum Replace Indirect]\n", exit_code=0)
    deps = pd.DataFrame([{"module": "m", "go.mod require": "v1", "in BuildInfo.Deps": "yes",
                          "Deps: Version": "v1", "Deps: Replace": "—"}])
    flat = pd.DataFrame([{"deps": 0, "allocs/call": 0.0, "bytes/call": 0, "ns/call": 5},
                         {"deps": 8, "allocs/call": 0.0, "bytes/call": 0, "ns/call": 5}])
    assert ch06.myth_buildinfo(result, deps, flat).verdict == "true"
    grows = flat.assign(**{"allocs/call": [0.0, 3.0]})
    assert ch06.myth_buildinfo(result, deps, grows).verdict == "false"


def test_stamped_arm64_build_without_qemu_says_it_did_not_run(stamps, monkeypatch, tc):
    """Without qemu-aarch64, does the arm64 build's main.version cell say why it was not run?"""
    _no_qemu_for("arm64", monkeypatch)
    assert ch06._printed_version(stamps["arm64"].build, tc).startswith("not run: ")
