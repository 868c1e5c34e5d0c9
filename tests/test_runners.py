"""Choosing native, qemu-user or build-only for a target."""

from __future__ import annotations

import pytest

from goenv import EmulatorMissing, TargetNotRunnable
from goenv import runners
from goenv.runners import require_runner, runner_for


def test_host_is_native(tc):
    """Is the host's own target run natively with no prefix?"""
    r = runner_for(tc.hostos, tc.hostarch, tc)
    assert (r.kind, r.prefix, r.emulated) == ("native", (), False)


def test_foreign_linux_uses_explicit_qemu(tc, monkeypatch):
    """Is linux/riscv64 run as `qemu-riscv64 BINARY`, preferring qemu-riscv64 over -static?"""
    monkeypatch.setattr(runners.shutil, "which", lambda name: f"/opt/{name}" if name.startswith("qemu-") else None)
    r = runner_for("linux", "riscv64", tc)
    assert r.kind == "qemu" and r.prefix == ("/opt/qemu-riscv64",) and r.name == "qemu-riscv64"


def test_missing_qemu_says_what_to_install(tc, monkeypatch):
    """Does a missing emulator give an EmulatorMissing error with the apt-get command?"""
    monkeypatch.setattr(runners.shutil, "which", lambda name: None)
    r = runner_for("linux", "s390x", tc)
    assert r.kind == "none" and "apt-get install qemu-user" in r.reason
    with pytest.raises(EmulatorMissing, match="qemu-s390x"):
        require_runner("linux", "s390x", tc)


@pytest.mark.parametrize("goos,goarch", [("windows", "amd64"), ("darwin", "arm64"), ("js", "wasm"), ("plan9", "386")])
def test_other_goos_is_build_only(tc, goos, goarch):
    """Are non-Linux targets build-only with a reason?"""
    with pytest.raises(TargetNotRunnable, match="build-only"):
        require_runner(goos, goarch, tc)


def test_every_course_goarch_has_a_qemu_name():
    """Does every architecture the course emulates map to a qemu-user binary name?"""
    assert all(runners.QEMU_ARCH[a] for a in runners.COURSE_EMULATED)
    assert runners.QEMU_ARCH["arm64"] == "aarch64" and runners.QEMU_ARCH["loong64"] == "loongarch64"
