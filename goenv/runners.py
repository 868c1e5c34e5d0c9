"""How a binary built for GOOS/GOARCH can run on this machine.

* The host's own GOOS/GOARCH runs natively.
* linux/386 runs natively on a linux/amd64 host when the kernel has 32-bit
  support (probed once by running a tiny 386 binary), otherwise under qemu-i386.
* Other Linux architectures run under qemu-user, *called explicitly*
  (``qemu-aarch64 ./prog``): binfmt_misc is not available on Binder, and an
  explicit emulator makes it obvious to the learner that this is emulation.
* Every other GOOS (windows, darwin, freebsd, wasip1, js, ...) is build-only.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from .errors import EmulatorMissing, TargetNotRunnable

LOGGER = logging.getLogger(__name__)

#: GOARCH → qemu-user name (the emulator binary is qemu-<name> or qemu-<name>-static).
QEMU_ARCH = {
    "amd64": "x86_64",
    "386": "i386",
    "arm64": "aarch64",
    "arm": "arm",
    "riscv64": "riscv64",
    "ppc64le": "ppc64le",
    "ppc64": "ppc64",
    "s390x": "s390x",
    "loong64": "loongarch64",
    "mips": "mips",
    "mipsle": "mipsel",
    "mips64": "mips64",
    "mips64le": "mips64el",
}
#: The Linux targets the course runs under emulation.
COURSE_EMULATED = ("arm64", "arm", "riscv64", "ppc64le", "s390x", "loong64", "386")
QEMU_INSTALL_HINT = (
    "Install qemu-user: `sudo apt-get install qemu-user` on Debian/Ubuntu "
    "(package `qemu-user-static` also works), or add `qemu-user` to binder/apt.txt on Binder."
)


@dataclass(frozen=True)
class Runner:
    """How to start a binary: ``prefix + [binary, *args]``.

    Attributes:
        kind: "native", "qemu" or "none" (build-only).
        prefix: the emulator command, empty for native.
        name: label shown to learners ("native", "qemu-aarch64").
        reason: why a target cannot run (kind "none"), or a note.
    """

    kind: str
    prefix: tuple[str, ...] = ()
    name: str = ""
    reason: str = ""

    @property
    def emulated(self) -> bool:
        return self.kind == "qemu"

    @property
    def runnable(self) -> bool:
        return self.kind != "none"


def find_qemu(arch: str) -> str | None:
    """Path of ``qemu-<arch>`` or ``qemu-<arch>-static``, or None."""
    return shutil.which(f"qemu-{arch}") or shutil.which(f"qemu-{arch}-static")


_PROBES: dict[tuple[str, str], bool] = {}


def _can_exec_natively(goos: str, goarch: str, toolchain) -> bool:
    """Probe once whether the kernel runs a binary of this target (e.g. 386 on amd64)."""
    key = (goos, goarch)
    if key not in _PROBES:
        from .build import build

        ok = False
        try:
            res = build('package main\nfunc main() {}\n', goos=goos, goarch=goarch, cgo=0, toolchain=toolchain)
            if res.ok:
                with tempfile.TemporaryDirectory(prefix="goenv-probe-") as d:
                    ok = subprocess.run([res.binary], cwd=d, capture_output=True, timeout=20).returncode == 0
        except (OSError, subprocess.SubprocessError) as exc:
            LOGGER.info("native %s/%s probe failed: %s", goos, goarch, exc)
        _PROBES[key] = ok
    return _PROBES[key]


def runner_for(goos: str, goarch: str, toolchain) -> Runner:
    """Choose how to run a binary for goos/goarch on this host (never raises)."""
    host = (toolchain.hostos, toolchain.hostarch)
    if (goos, goarch) == host:
        return Runner("native", (), "native")
    if goos != "linux" or toolchain.hostos != "linux":
        if goos == "wasip1" or goos == "js":
            why = f"{goos}/{goarch} produces WebAssembly; goenv builds it but does not ship a wasm runtime."
        else:
            why = f"{goos}/{goarch} binaries cannot run on this {toolchain.hostos}/{toolchain.hostarch} machine."
        return Runner("none", (), "build-only", why + " It is build-only: inspect the binary instead.")
    if host == ("linux", "amd64") and goarch == "386" and _can_exec_natively(goos, goarch, toolchain):
        return Runner("native", (), "native (32-bit)")
    arch = QEMU_ARCH.get(goarch)
    if arch is None:
        return Runner("none", (), "build-only", f"no qemu-user emulator is known for GOARCH={goarch}.")
    qemu = find_qemu(arch)
    if qemu is None:
        return Runner(
            "none", (), "build-only",
            f"linux/{goarch} runs under qemu-{arch}, which is not installed. {QEMU_INSTALL_HINT}",
        )
    return Runner("qemu", (qemu,), f"qemu-{arch}")


def require_runner(goos: str, goarch: str, toolchain) -> Runner:
    """Like runner_for, but raise when the target cannot run.

    Raises:
        EmulatorMissing: the target needs a qemu-user emulator that is absent.
        TargetNotRunnable: the target is build-only here.
    """
    r = runner_for(goos, goarch, toolchain)
    if r.kind == "none":
        if "not installed" in r.reason:
            raise EmulatorMissing(r.reason)
        raise TargetNotRunnable(r.reason)
    return r


def emulators() -> dict[str, str | None]:
    """GOARCH → emulator path (or None) for the architectures the course runs."""
    return {goarch: find_qemu(QEMU_ARCH[goarch]) for goarch in COURSE_EMULATED}


def qemu_version(path: str) -> str | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.splitlines()[0] if out else None


__all__ = ["Runner", "runner_for", "require_runner", "find_qemu", "emulators", "QEMU_ARCH"]
