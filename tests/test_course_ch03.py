"""Chapter 03 experiments (goenv.course.ch03), run against the real Go toolchain, gcc and qemu.

Tests that need a C compiler skip without one; the no-compiler path is tested
by hiding gcc from PATH, which is what a learner's machine without it looks like.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest

import goenv
from goenv.course import ch03
from goenv.course.myth import MYTH_MIME, MythCheck, bundle
from goenv.inspection import inspect_binary
from goenv.sandbox import network_prefix

from helpers import needs_qemu

matplotlib.use("Agg")

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "03_cgo_static.ipynb"
needs_cc = pytest.mark.skipif(ch03.c_compiler() is None, reason="no C compiler (gcc) on this machine")


@pytest.fixture(scope="module")
def variants():
    """All five builds of the chapter program (Go's build cache keeps this quick after the first run)."""
    return ch03.build_variants(None, ["cgo1", "cgo0", "off", "netgo", "external"])


@pytest.fixture
def no_c_compiler(tmp_path, monkeypatch):
    """A PATH without gcc (or ldd): what a learner's machine without a C compiler looks like to Go."""
    network_prefix()  # memoized: find unshare while it is still on PATH
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("CC", raising=False)
    assert ch03.c_compiler() is None
    return empty


def _go_cells(nb) -> dict[str, str]:
    """``%%go`` cell name (from --name/--out) → the Go source of the cell."""
    out = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("%%go"):
            first, _, body = cell.source.partition("\n")
            m = re.search(r"--(?:name|out) (\S+)", first)
            out[m.group(1)] = body
    return out


def test_notebook_cells_hold_the_module_programs():
    """Do the notebook's %%go cells hold exactly the programs ch03's functions and tests use?"""
    cells = _go_cells(nbformat.read(NOTEBOOK, as_version=4))
    assert cells["netdemo"].strip() == ch03.NETDEMO.strip()
    assert cells["seed_openat"].strip() == ch03.SEED_OPENAT.strip()
    assert cells["openat"].strip() == ch03.FIXED_OPENAT.strip()
    assert cells["syncdemo"].strip() == ch03.SYNC_DEMO.strip()


# -- helpers -------------------------------------------------------------------------


def test_c_compiler_follows_cc_then_gcc(monkeypatch):
    """Does c_compiler() honour $CC (its first word) before gcc, as the go command does on Linux?"""
    sh = shutil.which("sh")
    monkeypatch.setenv("CC", f"{sh} -x")
    assert ch03.c_compiler() == sh
    monkeypatch.setenv("CC", "/nonexistent/cc")
    assert ch03.c_compiler() is None
    monkeypatch.delenv("CC")
    assert ch03.c_compiler() == shutil.which("gcc")


def test_show_renders_caption_label_and_escapes_program_output():
    """Does show() put caption, note and label above the table, format floats and keep '<nil>' visible?"""
    df = pd.DataFrame({"answer": ["err=<nil>"], "ns": [12.3456]})
    df.attrs.update(caption="Cap", label="go1.x · linux/amd64 · native", note="a note")
    out = ch03.show(df).to_html()
    assert "err=&lt;nil&gt;" in out and "12.3" in out and "12.3456" not in out
    assert "Cap" in out and "a note" in out and "go1.x · linux/amd64 · native" in out


def test_show_go_renders_each_file_as_a_go_block():
    """Does show_go() give one highlighted block per file, headed by its name?"""
    md = ch03.show_go(ch03.CGO_BENCH).data
    assert md.count("```go") == len(ch03.CGO_BENCH) and "**cfunc.go**" in md
    assert "```go\npackage main" in ch03.show_go(ch03.SYNC_DEMO).data
    two = ch03.show_go(ch03.CGO_BENCH, only=["gofunc.go", "cfunc.go"]).data
    assert two.count("```go") == 2 and "cgo_test.go" not in two
    with pytest.raises(KeyError):
        ch03.show_go(ch03.CGO_BENCH, only=["nope.go"])


@needs_cc
def test_ldd_summary_names_libc_for_dynamic_and_static_for_static(variants):
    """Does ldd_summary() list libc for the cgo build and 'not a dynamic executable' for the static one?"""
    assert "libc.so.6 →" in ch03.ldd_summary(variants["cgo1"].binary)
    assert ch03.ldd_summary(variants["cgo0"].binary) == "not a dynamic executable"


def test_ldd_summary_without_ldd(no_c_compiler):
    """Does ldd_summary() say plainly that ldd is missing instead of failing?"""
    b = goenv.build(ch03.NETDEMO, cgo=0)
    assert ch03.ldd_summary(b.binary) == "ldd not installed"


def test_effective_cgo_ignores_anything_but_0_and_1():
    """Does the go command treat CGO_ENABLED=off (and on, false) exactly like an unset variable?"""
    unset = ch03.effective_cgo(None)
    assert ch03.effective_cgo("0") == "0" and ch03.effective_cgo("1") == "1"
    assert ch03.effective_cgo("off") == ch03.effective_cgo("on") == ch03.effective_cgo("false") == unset


# -- section 1 and 4: variants, linkage, size ------------------------------------------------


@needs_cc
def test_build_variants_linkage_per_way_of_building(variants):
    """Are the cgo and 'off' builds glibc-linked, and CGO_ENABLED=0, the tags and the external link static?"""
    assert list(variants) == ["cgo1", "cgo0", "off", "netgo", "external"]
    for key in ("cgo1", "off"):
        v = variants[key]
        assert v.ok and v.info.linkage == "dynamic" and "libc.so.6" in v.info.needed
        assert v.info.interpreter and v.cgo_effective == "1"
    for key in ("cgo0", "netgo", "external"):
        v = variants[key]
        assert v.ok and v.info.linkage == "static" and not v.info.needed and v.info.interpreter is None
    assert variants["cgo0"].cgo_effective == "0"
    assert variants["off"].build is None and variants["off"].binary is None  # raw go build, temp dir gone
    assert variants["cgo1"].binary and os.path.isfile(variants["cgo1"].binary)


def test_build_variants_without_a_c_compiler(no_c_compiler):
    """Without gcc, are the cgo-only builds skipped with a reason while CGO_ENABLED=0, off and the tags still build?"""
    vs = ch03.build_variants(None, ["cgo1", "cgo0", "off", "netgo", "external"])
    assert not vs["cgo1"].ok and "C compiler" in vs["cgo1"].skipped
    assert not vs["external"].ok and "C compiler" in vs["external"].skipped
    for key in ("cgo0", "off", "netgo"):
        assert vs[key].ok and vs[key].info.linkage == "static", key
    assert vs["off"].cgo_effective == "0"  # Go's default without a compiler
    table = ch03.linkage_table(vs)
    assert table.loc[0, "linkage"].startswith("not built: needs a C compiler")
    assert pd.isna(table.loc[0, "size (MiB)"])
    fig = ch03.size_chart(vs)
    assert any("not built" in t.get_text() for t in fig.axes[0].texts)


def test_build_variants_rejects_unknown_keys():
    """Does an unknown variant name fail loudly instead of building nothing?"""
    with pytest.raises(KeyError):
        ch03.build_variants(None, ["cgo2"])


@needs_cc
def test_linkage_table_and_size_chart(variants):
    """Does the linkage table have one labelled row per build, and the chart one bar per built variant?"""
    t = ch03.linkage_table(variants)
    assert list(t["build"]) == [v.label for v in variants.values()]
    assert list(t.columns) == ["build", "command", "go env CGO_ENABLED", "linkage", "loader (PT_INTERP)",
                               "needs (DT_NEEDED)", "size (MiB)", "ldd"]
    assert t.attrs["label"].startswith(goenv.Toolchain.find().version)
    off = t[t["build"] == "CGO_ENABLED=off"].iloc[0]
    assert off["linkage"] == "dynamic" and off["go env CGO_ENABLED"] == "1"
    fig = ch03.size_chart(variants)
    ax = fig.axes[0]
    assert len(ax.patches) == 5 and "MiB" in ax.get_xlabel() and "linux/" in ax.get_title()


# -- section 2: CGO_ENABLED=off ---------------------------------------------------------


def test_cgo_setting_table_shows_invalid_values_fall_back():
    """Does the settings table show on/off/false falling back to Go's default, and 0/1 used as given?"""
    t = ch03.cgo_setting_table()
    assert list(t["CGO_ENABLED="]) == ["(unset)", "'1'", "'0'", "'on'", "'off'", "'false'"]
    default = t.iloc[0]["go env CGO_ENABLED"]
    for _, row in t.iloc[3:].iterrows():
        assert row["go env CGO_ENABLED"] == default and "ignored" in row["what Go did"]
    assert t.iloc[2]["go env CGO_ENABLED"] == "0"


def test_source_excerpt_shows_the_switch_in_go_build():
    """Does source_excerpt() show go/build's switch on "1" and "0" with line numbers, and cope with misses?"""
    md = ch03.source_excerpt("go/build/build.go", r'env := os.Getenv\("CGO_ENABLED"\)', after=14).data
    assert 'case "1":' in md and 'case "0":' in md and "default:" in md
    assert re.search(r"^\s*\d+  ", md, re.M)
    assert "No line" in ch03.source_excerpt("go/build/build.go", r"no such line here").data
    assert "not part of" in ch03.source_excerpt("no/such/file.go", r"x").data


def test_goenv_refusal_explains_off():
    """Does goenv refuse cgo='off' with the explanation, and accept 0?"""
    msg = ch03.goenv_refusal("off")
    assert "only 0 or 1" in msg and "silently" in msg
    assert ch03.goenv_refusal(0) == "accepted"


def test_question_cgo_off_reveals_that_go_ignores_off():
    """Does the prediction's experiment answer 'Go ignores off' after building with the raw go command?"""
    q = ch03.question_cgo_off()
    q.control.value = "Go reads off as 0: cgo is disabled"
    assert q.check() is False
    assert "Go ignores off" in q.feedback.value and "go env CGO_ENABLED says" in q.feedback.value
    q.control.value = "Go ignores off and uses its default"
    assert q.check() is True


def test_question_cgo_off_without_a_c_compiler(no_c_compiler):
    """Without gcc, is 'Go ignores off' still the answer, with the reason the binary is static anyway?"""
    q = ch03.question_cgo_off()
    q.control.value = "Go ignores off and uses its default"
    assert q.check() is True and "no C compiler" in q.feedback.value


@needs_cc
def test_myth_cgo_off_is_false(variants):
    """Is myth 2.3-a ("CGO_ENABLED=off disables cgo") measured false, with the dynamic binary as evidence?"""
    m = ch03.myth_cgo_off(variants)
    assert isinstance(m, MythCheck) and m.id == "2.3-a" and m.verdict == "false"
    assert m.evidence["go env CGO_ENABLED, CGO_ENABLED=off"] == "1"
    assert m.evidence["CGO_ENABLED=off binary"].startswith("dynamic")
    assert bundle(m)[MYTH_MIME]["verdict"] == "false"


def test_myth_cgo_off_is_false_without_a_c_compiler(no_c_compiler):
    """Without gcc (default 0), is 2.3-a still false, because off behaves exactly like unset?"""
    vs = ch03.build_variants(None, ["off"])
    m = ch03.myth_cgo_off(vs)
    assert m.verdict == "false" and m.evidence["go env CGO_ENABLED, unset"] == "0"
    assert m.evidence["C compiler"].startswith("none")


# -- section 3: DNS, loader, NSS ------------------------------------------------------------


def test_parse_netdns_reads_resolver_order_and_answers():
    """Does parse_netdns() pick the resolver line, the per-name order and the program's answers?"""
    stderr = ("go package net: confVal.netCgo = false  netGo = true\n"
              "go package net: using the Go DNS resolver\n"
              "go package net: hostLookupOrder(localhost) = files,dns\n"
              "go package net: hostLookupOrder(a.local) = cgo\n")
    stdout = "LookupHost(localhost): [127.0.0.1 ::1] err=<nil>\nLookupHost(a.local): [] err=lookup a.local: boom\n"
    p = ch03.parse_netdns(stdout, stderr)
    assert p["resolver"] == "using the Go DNS resolver"
    assert p["order"] == {"localhost": "files,dns", "a.local": "cgo"}
    assert p["lookups"]["localhost"] == (["127.0.0.1", "::1"], None)
    assert p["lookups"]["a.local"] == ([], "lookup a.local: boom")


@needs_cc
def test_resolver_table_static_build_uses_go_resolver(variants):
    """Does the static build, run with netdns=go+2, say it uses Go's resolver and answer localhost from files?"""
    t = ch03.resolver_table(variants)
    row = t[(t["build"] == "CGO_ENABLED=0") & (t["name"] == "localhost")].iloc[0]
    assert "Go DNS resolver" in row["resolver"] and row["hostLookupOrder"] == "files,dns"
    assert "127.0.0.1" in row["answer"] or "::1" in row["answer"]
    cgo = t[(t["build"] == "CGO_ENABLED=1") & (t["name"] == "localhost")].iloc[0]
    assert cgo["GODEBUG"] == "netdns=2" and cgo["resolver"] != "—"
    assert "native" in t.attrs["label"]


@needs_cc
def test_with_missing_loader_rewrites_pt_interp(variants, tmp_path):
    """Does the patched copy name a loader path that does not exist, and refuse static binaries?"""
    copy, missing = ch03.with_missing_loader(variants["cgo1"].binary, tmp_path)
    info = inspect_binary(copy, symbols=False)
    assert info.interpreter == missing and not os.path.exists(missing)
    assert info.needed == variants["cgo1"].info.needed
    with pytest.raises(ValueError, match="statically linked"):
        ch03.with_missing_loader(variants["cgo0"].binary, tmp_path / "x")


@needs_cc
def test_missing_loader_table_shows_enoent_for_the_cgo_build(variants):
    """Once its loader is missing, does the cgo build fail with ENOENT while the static build runs?"""
    t = ch03.missing_loader_table(variants)
    assert list(t["binary"]) == ["CGO_ENABLED=0 build", "CGO_ENABLED=1 build", "CGO_ENABLED=1 build, loader missing"]
    assert t.iloc[0]["exit status"] == 0 and t.iloc[1]["exit status"] == 0
    assert t.iloc[2]["loader exists here"] == "no"
    assert "No such file or directory" in t.iloc[2]["what happened"]


def test_dns_tables_without_a_c_compiler(no_c_compiler):
    """Without gcc, do the DNS and loader tables run the static build and say why the cgo one is missing?"""
    vs = ch03.build_variants(None, ["cgo1", "cgo0"])
    dns = ch03.resolver_table(vs, names=("localhost",))
    assert "Go DNS resolver" in dns.iloc[0]["resolver"]
    assert dns.iloc[1]["resolver"].startswith("not run: needs a C compiler")
    loader = ch03.missing_loader_table(vs)
    assert loader.iloc[0]["exit status"] == 0 and "not run" in loader.iloc[1]["what happened"]
    m = ch03.myth_static_dns(vs, dns, loader)
    assert m.verdict == "false" and "not run" in m.evidence["cgo build, its loader missing"]


@needs_cc
def test_myth_static_dns_is_false(variants):
    """Is myth 2.3-b (static binaries can't resolve DNS on Alpine) measured false from the live runs?"""
    dns = ch03.resolver_table(variants)
    loader = ch03.missing_loader_table(variants)
    m = ch03.myth_static_dns(variants, dns, loader)
    assert m.id == "2.3-b" and m.verdict == "false"
    assert m.evidence["CGO_ENABLED=0 binary"] == "static, needs no shared library"
    assert "exit 127" in m.evidence["cgo build, its loader missing"]


def test_myth_static_dns_holds_when_the_static_build_cannot_resolve(variants):
    """Would 2.3-b come out true if the static binary had failed to resolve (the verdict is computed)?"""
    dns = pd.DataFrame([{"build": "CGO_ENABLED=0", "GODEBUG": "netdns=go+2", "name": "localhost",
                         "resolver": "using the Go DNS resolver", "hostLookupOrder": "files,dns",
                         "answer": "error: no such host"}])
    loader = pd.DataFrame(columns=["binary", "exit status", "what happened"])
    assert ch03.myth_static_dns(variants, dns, loader).verdict == "true"


def test_nss_hosts_table_classifies_sources(tmp_path):
    """Does the NSS table mark files/dns as Go's, ldap/mdns as libc-only, and handle a missing file like Alpine?"""
    conf = tmp_path / "nsswitch.conf"
    conf.write_text("passwd: files\nhosts: files ldap [NOTFOUND=return] mdns4_minimal dns myhostname\n")
    t = ch03.nss_hosts_table(conf)
    assert list(t["source"]) == ["files", "ldap", "mdns4_minimal", "dns", "myhostname"]
    assert t.iloc[1]["criteria"] == "[NOTFOUND=return]"
    assert t.iloc[0]["CGO_ENABLED=0 (Go resolver)"].startswith("yes")
    assert t.iloc[1]["CGO_ENABLED=0 (Go resolver)"].startswith("no")
    assert t.iloc[1]["cgo build"] == "libc, for every lookup"
    assert ".local" in t.iloc[2]["cgo build"]
    missing = ch03.nss_hosts_table(tmp_path / "absent.conf")
    assert len(missing) == 1 and "not found" in missing.attrs["caption"]
    assert len(ch03.nss_hosts_table()) >= 1  # this machine's own file (or its absence)


# -- section 4: external static link warnings ----------------------------------------------


@needs_cc
def test_static_link_warnings_from_the_real_external_link(variants):
    """Does the external static link report glibc's NSS warnings, parsed per function?"""
    t = ch03.static_link_warnings(variants["external"])
    assert {"getaddrinfo", "getpwuid_r"} <= set(t["glibc function"])
    assert "statically linked applications" in t.attrs["caption"]
    assert not any(w.startswith("/") for w in t["called from"])  # no temp or GOROOT paths


def test_static_link_warnings_when_not_built():
    """Does the warnings table explain an external link that was skipped or failed, instead of showing nothing?"""
    skipped = ch03.Variant("external", "x", "cmd", "1", skipped="needs a C compiler (gcc)")
    t = ch03.static_link_warnings(skipped)
    assert t.empty and "not built" in t.attrs["caption"]
    failed = ch03.Variant("external", "x", "cmd", "1", output="/usr/bin/ld: cannot find -lc\n")
    assert "failed" in ch03.static_link_warnings(failed).attrs["caption"]


# -- section 5: cost of a cgo call ---------------------------------------------------------


@needs_cc
def test_cgo_call_cost_measures_every_call_and_memoizes():
    """Does the benchmark give Go, cgo and syscall rows with ratios, and reuse the measurement on a second call?"""
    cost = ch03.cgo_call_cost(2, "5ms")
    assert list(cost["call"]) == list(ch03.BENCH_NAMES.values())
    assert (cost["runs"] == 2).all() and (cost["min ns"] <= cost["median ns"]).all()
    assert cost.iloc[0]["× Go call"] == pytest.approx(1.0)
    noop = cost[cost["call"] == "cgo call: C.c_noop()"].iloc[0]
    assert noop["× Go call"] > 1  # a cgo call is never cheaper than a plain Go call
    again = ch03.cgo_call_cost(2, "5ms")
    pd.testing.assert_frame_equal(cost, again)
    fig = ch03.cost_chart(cost)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and len(ax.patches) == 4 and "native" in ax.get_title()


def test_cgo_call_cost_without_a_c_compiler(no_c_compiler):
    """Without gcc, are the Go call and the system call still measured, with a note about the cgo rows?"""
    ch03._COST_CACHE.clear()
    cost = ch03.cgo_call_cost(1, "5ms")
    assert list(cost["call"]) == ["Go call: goAdd(a, b)", "system call: syscall.Getpid()"]
    assert "No C compiler" in cost.attrs["note"]
    q = ch03.question_cgo_cost(1, "5ms")
    q.control.value = q.control.options[0]
    assert q.check() is False and "no C compiler" in q.feedback.value
    ch03._COST_CACHE.clear()


def test_cost_bucket_edges():
    """Does each ratio land in the right answer option?"""
    texts = [t for t, _ in ch03.COST_BUCKETS]
    assert ch03.cost_bucket(1.2) == texts[0]
    assert ch03.cost_bucket(2) == texts[1]
    assert ch03.cost_bucket(44) == texts[2]
    assert ch03.cost_bucket(500) == texts[3]


@needs_cc
def test_question_cgo_cost_reveals_the_measured_bucket():
    """Does the cost prediction compare with the live ratio and report it?"""
    q = ch03.question_cgo_cost(2, "5ms")
    cost = ch03.cgo_call_cost(2, "5ms")
    ratio = cost[cost["call"] == "cgo call: C.c_noop()"]["× Go call"].iloc[0]
    q.control.value = ch03.cost_bucket(ratio)
    assert q.check() is True and "× the Go call" in q.feedback.value


def test_cost_chart_with_no_results():
    """Does an empty benchmark table still give a readable figure?"""
    fig = ch03.cost_chart(pd.DataFrame(columns=["call", "median ns", "min ns", "max ns", "runs", "× Go call"]))
    assert any("no benchmark results" in t.get_text() for t in fig.axes[0].texts)


# -- section 6: raw system calls --------------------------------------------------------


def test_diagnostics_table_maps_the_seed_errors_to_lines_and_fixes():
    """Does the seed's Syscall6 example fail with exactly the two errata errors, each with its line and a fix?"""
    b = goenv.build(ch03.SEED_OPENAT, cgo=0)
    t = ch03.diagnostics_table(b)
    assert len(t) == 2
    assert "cannot use flags (variable of type uint64) as uintptr value" in t.iloc[0]["compiler says"]
    assert "flags" in t.iloc[0]["your line"] and "uintptr(flags)" in t.iloc[0]["fix"]
    assert t.iloc[1]["compiler says"] == "undefined: syscall.AT_FDCWD" and "-100" in t.iloc[1]["fix"]
    ok = goenv.build(ch03.FIXED_OPENAT, cgo=0)
    assert ch03.diagnostics_table(ok).empty


def test_openat_table_native(tc):
    """Does the corrected raw openat run natively: reads back its file and reports ENOENT for a missing one?"""
    t = ch03.openat_table(goarchs=(tc.hostarch,))
    row = t.iloc[0]
    assert row["ran"] == "native" and row["read"] == '"hello\\n"'
    assert row["openat(note.txt)"].endswith("<nil>") and "ENOENT: true" in row["openat(missing.txt)"]
    assert row["SYS_OPENAT"].isdigit()


@needs_qemu("aarch64")
def test_openat_table_under_qemu_has_arm64_syscall_number():
    """Under qemu-aarch64, does the same source use arm64's openat number (56) and work?"""
    t = ch03.openat_table(goarchs=("amd64", "arm64"))
    arm = t[t["GOARCH"] == "arm64"].iloc[0]
    assert arm["ran"] == "qemu-aarch64" and arm["SYS_OPENAT"] == "56" and arm["read"] == '"hello\\n"'
    assert "emulated (qemu-aarch64)" in t.attrs["label"]


def test_openat_table_without_an_emulator(monkeypatch):
    """Without qemu, does the arm64 row say why it did not run instead of failing?"""
    monkeypatch.setattr("goenv.runners.find_qemu", lambda arch: None)
    t = ch03.openat_table(goarchs=("arm64",))
    assert t.iloc[0]["ran"].startswith("not run: linux/arm64 runs under qemu-aarch64")


def test_myth_syscall6_is_false(tc):
    """Is myth 2.3-d measured false from the seed build, with the corrected version's runs as evidence?"""
    b = goenv.build(ch03.SEED_OPENAT, cgo=0)
    fixed = ch03.openat_table(goarchs=(tc.hostarch,))
    m = ch03.myth_syscall6(b, fixed)
    assert m.id == "2.3-d" and m.verdict == "false"
    assert m.evidence["seed example builds"] == "no"
    assert any("undefined: syscall.AT_FDCWD" == v for v in m.evidence.values())
    assert m.evidence["corrected version ran on"] == f"{tc.hostarch} (native)"


# -- sections 7 and 8: imports per OS, os.File.Sync ------------------------------------------


def test_imports_table_darwin_imports_libsystem_with_cgo_off():
    """With CGO_ENABLED=0, does darwin/arm64 still import libSystem, windows kernel32, and linux nothing?"""
    t = ch03.imports_table().set_index("target")
    assert t.loc["linux/amd64", "imports"] == "nothing" and t.loc["linux/amd64", "linkage"] == "static"
    assert "/usr/lib/libSystem.B.dylib" in t.loc["darwin/arm64", "imports"]
    assert t.loc["darwin/arm64", "format"] == "Mach-O" and t.loc["darwin/arm64", "loader"] == "/usr/lib/dyld"
    assert "kernel32.dll" in t.loc["windows/amd64", "imports"].lower()


def test_fsync_source_table_quotes_full_fsync_and_flushfilebuffers():
    """Does the source table show F_FULLFSYNC for darwin, fsync for Unix, FlushFileBuffers for Windows?"""
    t = ch03.fsync_source_table()
    by_os = t.groupby("OS")["code"].apply(" ".join)
    assert "F_FULLFSYNC" in by_os["darwin"] and "ENOTSUP" in by_os["darwin"]
    assert 'libc_fsync fsync "/usr/lib/libSystem.B.dylib"' in by_os["darwin"]
    assert "linux" in by_os["linux and other Unixes"] and "syscall.Fsync" in by_os["linux and other Unixes"]
    assert "FlushFileBuffers" in by_os["windows"]
    assert (t["line"] > 0).all()


def test_question_fsync_accepts_full_fsync():
    """Does the fsync question accept F_FULLFSYNC and explain FlushFileBuffers is Windows?"""
    q = ch03.question_fsync()
    q.control.value = "fsync(2), as on Linux"
    assert q.check() is False
    q.control.value = "fcntl(fd, F_FULLFSYNC), falling back to fsync(2) only on ENOTSUP"
    assert q.check() is True and "Windows" in q.feedback.value
