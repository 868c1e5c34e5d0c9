"""Helpers shared by the tests: the test programs, qemu skip markers, leftover-process checks.

(A plain module, not conftest.py: tests/e2e has a conftest of its own, and two modules
named ``conftest`` cannot both be imported by name.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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


def needs_qemu(arch: str):
    """Skip marker for tests that need qemu-<arch> (CI installs qemu-user, so they run there)."""
    return pytest.mark.skipif(find_qemu(arch) is None, reason=f"qemu-{arch} not installed (apt-get install qemu-user)")


@pytest.fixture
def named():
    """Keep programs as a ``%%go --name`` cell would: ``named(name, source_or_txtar, env=None, **build options)``.

    The programs kept before the test are restored after it.
    """
    from goenv import magic
    from goenv.options import BuildOptions
    from goenv.workspace import Program

    saved = dict(magic._PROGRAMS)

    def keep(name: str, src: str, env: dict | None = None, **opts) -> None:
        magic._PROGRAMS[name] = magic.NamedProgram(Program.coerce(src, name=name), BuildOptions.coerce(None, **opts),
                                                   env or {})

    yield keep
    magic._PROGRAMS.clear()
    magic._PROGRAMS.update(saved)
