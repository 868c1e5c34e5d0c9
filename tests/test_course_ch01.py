"""Chapter 01 experiments (goenv.course.ch01), run against the real toolchain and real qemu-user."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from helpers import needs_qemu
from goenv.course import ch01
from goenv.course.myth import MYTH_MIME, bundle
from goenv.runners import Runner
from goenv.toolchain import Toolchain


def _has_cpu_flag(flag: str) -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            return any(flag in line.split() for line in f if line.startswith("flags"))
    except OSError:
        return False


# -- presentation ---------------------------------------------------------------


def test_table_shows_the_label_and_hides_raw_and_empty_columns():
    """Does table() caption a frame with its label and hide byte counts and empty error columns?"""
    frame = pd.DataFrame({"target": ["linux/amd64"], "size_bytes": [123], "error": [""]})
    frame.attrs.update(label="go1.x · linux/amd64 · native", hide=["size_bytes"])
    html = ch01.table(frame).to_html()
    assert "go1.x · linux/amd64 · native" in html and "linux/amd64" in html
    assert "size_bytes" not in html and ">error<" not in html
    frame.loc[0, "error"] = "it broke"
    assert "it broke" in ch01.table(frame).to_html()


# -- targets ----------------------------------------------------------------------


def test_target_count_is_the_live_dist_list(tc):
    """Does target_count() agree with the lines of `go tool dist list`?"""
    lines = [ln for ln in tc.run_go(["tool", "dist", "list"]).stdout.splitlines() if ln.strip()]
    assert ch01.target_count(tc) == len(lines)


def test_targets_by_goos_adds_up_and_marks_first_class_ports(tc):
    """Do the per-GOOS rows add up to every target, with first-class architectures starred?"""
    g = ch01.targets_by_goos(tc)
    assert list(g.columns) == ["GOOS", "targets", "first-class", "cgo-capable", "GOARCH"]
    assert g["targets"].sum() == ch01.target_count(tc)
    assert g["targets"].is_monotonic_decreasing
    linux = g.set_index("GOOS").loc["linux"]
    assert "amd64*" in linux["GOARCH"] and linux["first-class"] >= 1
    assert (g["cgo-capable"] <= g["targets"]).all()
    assert tc.version in g.attrs["label"]


def test_first_class_ports_say_how_they_run_here(tc):
    """Is every first-class port listed with how it runs here, the host one natively?"""
    f = ch01.first_class_ports(tc).set_index("target")
    assert f.loc[f"{tc.hostos}/{tc.hostarch}", "runs here as"] == "native"
    assert f.loc["windows/amd64", "runs here as"] == "build-only"
    assert f["cgo-capable"].dtype == bool


def test_plot_targets_draws_a_bar_per_goos(tc):
    """Does the targets plot have one bar label per GOOS and the measurement label?"""
    g = ch01.targets_by_goos(tc)
    fig = ch01.plot_targets(g)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert {t.get_text() for t in ax.get_yticklabels()} == set(g["GOOS"])
    assert tc.version in fig._supxlabel.get_text()


# -- the binary matrix ------------------------------------------------------------


def test_binary_matrix_reads_every_format_from_the_headers(tc):
    """Does one program give ELF, PE, Mach-O, XCOFF and wasm, with the right bitness and byte order?"""
    m = ch01.binary_matrix(toolchain=tc).set_index("target")
    assert list(m.index) == list(ch01.MATRIX_TARGETS)
    assert (m["error"] == "").all()
    assert set(m["format"]) == {"ELF", "PE", "Mach-O", "XCOFF", "wasm"}
    assert m.loc["linux/s390x", "byte order"] == "big" and m.loc["linux/amd64", "byte order"] == "little"
    assert m.loc["linux/386", "bits"] == 32 and m.loc["linux/arm64", "machine"] == "AArch64"
    assert m.loc["windows/arm64", "format"] == "PE" and m.loc["aix/ppc64", "format"] == "XCOFF"
    assert (m["size_bytes"] > 500_000).all()
    assert m.loc["linux/amd64", "file says"].startswith("ELF 64-bit LSB executable")


def test_binary_matrix_turns_a_bad_target_into_a_row(tc):
    """Is an unknown target a row with a helpful error rather than an exception?"""
    m = ch01.binary_matrix(["linux/amd64", "macos/arm64"], toolchain=tc)
    assert m.loc[0, "error"] == "" and "darwin" in m.loc[1, "error"]
    fig = ch01.plot_sizes(m)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["linux/amd64"]


def test_plot_sizes_has_a_bar_per_target_and_survives_no_builds(tc):
    """Does the size chart draw every built target, and an explanatory empty chart when none built?"""
    m = ch01.binary_matrix(["linux/amd64", "windows/amd64", "js/wasm"], toolchain=tc)
    fig = ch01.plot_sizes(m)
    assert len(fig.axes[0].patches) == 3
    empty = ch01.plot_sizes(ch01.binary_matrix(["nope/nope"], toolchain=tc))
    assert "no target built" in [t.get_text() for t in empty.axes[0].texts]


def test_explore_widget_waits_for_the_learner():
    """Is the explore widget created with the chapter's program and nothing built yet?"""
    w = ch01.explore_widget()
    assert w.frame.empty and not w.busy
    assert w.program == ch01.HELLO


# -- running ------------------------------------------------------------------------


@needs_qemu("s390x")
@needs_qemu("aarch64")
@needs_qemu("riscv64")
@needs_qemu("ppc64le")
def test_run_linux_runs_every_target_and_s390x_says_big_endian(tc):
    """Do all Linux targets run (natively or under qemu) and print a byte order that matches their header?"""
    r = ch01.run_linux(toolchain=tc).set_index("target")
    assert r.attrs["missing"] == []
    assert r.loc["linux/amd64", "runs as"] == "native"
    assert r.loc["linux/arm64", "runs as"] == "qemu-aarch64"
    assert "big-endian" in r.loc["linux/s390x", "the program printed"]
    assert "32-bit" in r.loc["linux/386", "the program printed"]
    assert r["agrees"].all()
    assert "All 6 Linux targets ran" in ch01.run_note(r.reset_index()).data


def test_run_linux_without_an_emulator_says_so_and_continues(tc, monkeypatch):
    """When qemu is missing, is the target reported as not run while the others still run?"""
    real = ch01.runner_for

    def no_qemu(goos, goarch, toolchain):
        runner = real(goos, goarch, toolchain)
        return Runner("none", (), "build-only", "qemu-s390x is not installed") if goarch == "s390x" else runner

    monkeypatch.setattr(ch01, "runner_for", no_qemu)
    r = ch01.run_linux(["linux/amd64", "linux/s390x"], toolchain=tc).set_index("target")
    assert r.attrs["missing"] == ["linux/s390x"]
    assert r.loc["linux/s390x", "runs as"] == "not run" and "not installed" in r.loc["linux/s390x", "note"]
    assert r.loc["linux/s390x", "header byte order"] == "big"
    assert "hello from linux/amd64" in r.loc["linux/amd64", "the program printed"]
    assert "linux/s390x" in r.attrs["label"]
    assert "Not run on this machine: linux/s390x" in ch01.run_note(r.reset_index()).data


# -- cold vs warm -----------------------------------------------------------------------


def test_cold_build_is_slower_than_warm_and_uses_a_throwaway_cache(tc, monkeypatch):
    """Is a build with an empty GOCACHE slower than a rebuild, and is the learner's cache left alone?"""
    monkeypatch.setattr(ch01, "_LAST_COLD_WARM", None)
    caches = []
    real_run_go = Toolchain.run_go

    def spy(self, args, **kw):
        if args[:1] == ["build"]:
            caches.append((kw.get("env") or {}).get("GOCACHE"))
        return real_run_go(self, args, **kw)

    monkeypatch.setattr(Toolchain, "run_go", spy)
    samples = ch01.cold_vs_warm("linux/arm64", cold_samples=2, warm_samples=2, toolchain=tc)
    assert list(samples["phase"]) == ["cold", "cold", "warm", "warm"]
    cold = samples.loc[samples["phase"] == "cold", "seconds"].min()
    assert cold > samples.loc[samples["phase"] == "warm", "seconds"].max()
    assert samples.attrs["std_packages"] > 10 and samples.attrs["cache_mib"] > 1
    # Each cold build had its own fresh cache, the warm ones reused the last; all were thrown away.
    assert len(caches) == 4 and caches[0] != caches[1] and caches[1] == caches[2] == caches[3]
    assert all(c and str(tc.gocache) not in c and not Path(c).exists() for c in caches)
    option, details = ch01.cold_warm_reveal(tc)  # uses this measurement, not a new one
    median = samples.loc[samples["phase"] == "cold", "seconds"].median()
    assert option in ch01.COLD_WARM_OPTIONS and f"cold {median:.2f} s" in details


def test_cold_warm_summary_and_prediction_bins():
    """Are medians, the ratio and the prediction option computed from the samples?"""
    samples = pd.DataFrame({"phase": ["cold", "cold", "warm", "warm", "warm"], "sample": [1, 2, 1, 2, 3],
                            "seconds": [6.0, 4.0, 0.2, 0.3, 0.1]})
    samples.attrs.update(target="linux/arm64", std_packages=50, cache_mib=30.0, label="L")
    s = ch01.cold_warm_summary(samples)
    assert list(s["median (s)"]) == [5.0, 0.2] and s.attrs["ratio"] == pytest.approx(25)
    assert "50 standard-library packages" in s.attrs["label"]
    assert ch01._ratio_option(1.5) == ch01.COLD_WARM_OPTIONS[0]
    assert ch01._ratio_option(25) == ch01.COLD_WARM_OPTIONS[2]
    assert ch01._ratio_option(500) == ch01.COLD_WARM_OPTIONS[3]
    fig = ch01.plot_cold_warm(samples)
    assert len(fig.axes[0].patches) == 2 and "25×" in fig.axes[0].get_title()


# -- levels ---------------------------------------------------------------------------------


@needs_qemu("aarch64")
def test_level_builds_record_the_level_in_the_build_info(tc):
    """Does the build info record GOAMD64/GOARM64, defaults included, and does v4 run only on AVX-512 CPUs?"""
    lv = ch01.level_builds(toolchain=tc)
    rec = dict(zip(lv["target"] + " " + lv["asked for"], lv["build info records"]))
    assert rec["linux/amd64 (default)"] == "GOAMD64=v1" and rec["linux/amd64 GOAMD64=v3"] == "GOAMD64=v3"
    assert rec["linux/arm64 (default)"] == "GOARM64=v8.0" and rec["linux/arm64 GOARM64=v9.0"] == "GOARM64=v9.0"
    v4 = lv[lv["asked for"] == "GOAMD64=v4"].iloc[0]
    if tc.hostarch == "amd64" and not _has_cpu_flag("avx512f"):
        assert "v4 microarchitecture" in v4["result"]
    arm = lv[lv["target"] == "linux/arm64"]
    assert (arm["runs as"] == "qemu-aarch64").all() and arm["result"].str.startswith("hello from linux/arm64").all()


def test_popcount_needs_a_runtime_check_only_below_v2(tc):
    """Does GOAMD64=v1 test for POPCNT at run time while v3 just uses the instruction?"""
    d = ch01.popcount_disasm(toolchain=tc)
    v1, v3 = list(d["GOAMD64=v1"]), [x for x in d["GOAMD64=v3"] if x]
    assert any("x86HasPOPCNT" in x for x in v1)
    assert any(x.startswith("POPCNT") for x in v3) and not any("x86HasPOPCNT" in x for x in v3)
    assert d.attrs["instructions"]["GOAMD64=v3"] < d.attrs["instructions"]["GOAMD64=v1"]


# -- cgo (2.1-a) -------------------------------------------------------------------------------


def test_cgo_is_off_when_cross_compiling_and_the_myth_is_misleading(tc):
    """Is cgo off by default for a cross build, so import "C" is excluded, giving verdict "misleading"?"""
    e = ch01.cgo_evidence("linux/arm64", toolchain=tc)
    assert e.attrs["cross_default"] == "0" and e.attrs["pure_cross_ok"] is True
    assert e.attrs["cgo_cross_default"] == "fails: build constraints exclude all Go files"
    assert e.attrs["cgo_cross_forced"].startswith("fails")
    assert e.attrs["ignored_cross"] == "main.go"
    if shutil.which("gcc"):
        assert e.attrs["native_default"] == "1" and e.attrs["cgo_files_native"] == "main.go"
    m = ch01.cgo_myth(e, show=False)
    assert m.id == "2.1-a" and m.verdict == "misleading"
    assert bundle(m)[MYTH_MIME]["evidence"]["CGO_ENABLED default, linux/arm64"] == "0"
    option, details = ch01.cgo_reveal("linux/arm64", toolchain=tc)
    assert option == ch01.CGO_OPTIONS[1] and "build constraints exclude" in details


@pytest.mark.parametrize("pure_ok, cgo_cross, verdict", [
    (True, "fails: build constraints exclude all Go files", "misleading"),
    (True, "built", "true"),
    (False, "fails: x", "false"),
])
def test_cgo_verdict_follows_the_evidence(pure_ok, cgo_cross, verdict):
    """Is the 2.1-a verdict computed from the evidence, not fixed?"""
    e = pd.DataFrame({"experiment": [], "target": [], "result": []})
    e.attrs.update(native_default="1", cross_default="0", pure_cross_ok=pure_ok, cgo_files_native="main.go",
                   cgo_cross_default=cgo_cross, cgo_cross_forced="fails: y", cross="linux/arm64")
    assert ch01.cgo_myth(e, show=False).verdict == verdict


# -- -H=windowsgui (3.2-c) ----------------------------------------------------------------------


def test_windowsgui_makes_a_windows_gui_pe_and_the_diagram_is_false(tc):
    """Does -H=windowsgui with GOOS=linux GOARCH=arm64 give a PE GUI file for AArch64, so 3.2-c is "false"?"""
    e = ch01.windowsgui_evidence(toolchain=tc).set_index("ldflags")
    assert e.loc["(none)", "format"] == "ELF"
    gui = e.loc["-H=windowsgui"]
    assert (gui["format"], gui["subsystem"], gui["machine"]) == ("PE", "GUI", "AArch64")
    if ch01.runner_for("linux", "arm64", tc).runnable:
        assert e.loc["(none)", "run as Linux program"].startswith("printed: hello from linux/arm64")
        assert gui["run as Linux program"].startswith("printed nothing")
    m = ch01.windowsgui_myth(e.reset_index(), show=False)
    assert m.id == "3.2-c" and m.verdict == "false"
    assert m.evidence["with -H=windowsgui: PE subsystem"] == "GUI"


def test_windowsgui_verdict_would_be_true_for_an_elf():
    """Would 3.2-c be judged "true" if the -H build were a Linux arm64 ELF (i.e. is it computed)?"""
    e = pd.DataFrame([
        {"ldflags": "(none)", "format": "ELF", "subsystem": "", "machine": "AArch64", "run as Linux program": "ok"},
        {"ldflags": "-H=windowsgui", "format": "ELF", "subsystem": "", "machine": "AArch64",
         "run as Linux program": "ok"},
    ])
    assert ch01.windowsgui_myth(e, show=False).verdict == "true"


def test_prewarm_levels_compiles_every_non_default_level(tc):
    """Does prewarm_levels() build the chapter's packages for each non-default level, reporting each one?"""
    p = ch01.prewarm_levels(toolchain=tc)
    assert set(p["level"]) == {f"{var}={v}" for _, var, v in ch01.LEVELS if v}
    assert p["ok"].all() and (p["error"] == "").all()
