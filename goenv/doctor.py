"""``python -m goenv doctor``: what this machine has, and exactly what to install for what is missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .cache import default_cache
from .errors import GoEnvError
from .limits import DEFAULT_LIMITS
from .runners import QEMU_ARCH, QEMU_INSTALL_HINT, emulators, qemu_version
from .sandbox import isolation_report
from .toolchain import INSTALL_HINT, Toolchain


def dir_size(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def report(toolchain: Toolchain | None = None) -> dict:
    """Everything doctor prints, as data (tests and the welcome notebook use it)."""
    out: dict = {"problems": []}
    try:
        tc = toolchain or Toolchain.find()
    except GoEnvError as exc:
        out["go"] = None
        out["problems"].append(str(exc))
        return out
    out["go"] = {"version": tc.version, "goroot": str(tc.goroot), "binary": str(tc.go), "source": tc.source,
                 "host": f"{tc.hostos}/{tc.hostarch}"}
    out["caches"] = {
        "GOCACHE": {"path": str(tc.gocache), "bytes": dir_size(tc.gocache)},
        "GOMODCACHE": {"path": str(tc.gomodcache), "bytes": dir_size(tc.gomodcache)},
        "binaries": {"path": str(default_cache().root), "bytes": default_cache().size_bytes()},
    }
    emus = emulators()
    out["emulators"] = {
        goarch: {"path": path, "version": qemu_version(path) if path else None}
        for goarch, path in emus.items()
    }
    missing = [f"qemu-{QEMU_ARCH[a]}" for a, p in emus.items() if p is None and not (a == "386" and tc.hostarch == "amd64")]
    if missing:
        out["problems"].append(f"missing emulators {', '.join(missing)}: {QEMU_INSTALL_HINT}")
    cc = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
    out["c_compiler"] = cc
    if not cc:
        out["problems"].append(
            "no C compiler: cgo (CGO_ENABLED=1) and -race builds will fail. "
            "Install one with `sudo apt-get install gcc` (chapter 03 and lab 04 use it)."
        )
    out["isolation"] = isolation_report()
    out["limits"] = DEFAULT_LIMITS.to_dict()
    return out


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def format_report(rep: dict) -> str:
    lines = []
    go = rep.get("go")
    if go is None:
        lines += ["Go:        NOT FOUND", "", INSTALL_HINT]
    else:
        lines += [f"Go:        {go['version']} ({go['host']}) from {go['source']}",
                  f"GOROOT:    {go['goroot']}"]
        for name, c in rep["caches"].items():
            lines.append(f"{name + ':':<11}{c['path']} ({_size(c['bytes'])})")
        lines.append("Emulators (qemu-user, called explicitly):")
        for goarch, e in rep["emulators"].items():
            state = e["version"] or e["path"] if e["path"] else "missing"
            lines.append(f"  linux/{goarch:<8} {state}")
        lines.append(f"C compiler: {rep['c_compiler'] or 'missing'}")
        iso = rep["isolation"]
        lines.append(f"Isolation: network: {iso['network']}; rlimits via {iso['rlimits']}; user: {iso['user']}")
        lines.append(f"           file system: {iso['filesystem']}")
        lim = rep["limits"]
        lines.append(
            f"Default limits: wall {lim['wall_time_s']} s (+{lim['grace_s']} s grace), memory "
            f"{lim['memory_bytes'] // 2**20} MiB, output {lim['output_bytes'] // 1024} KiB per stream, "
            f"{lim['max_processes']} processes, files up to {lim['file_size_bytes'] // 2**20} MiB"
        )
    if rep["problems"]:
        lines += ["", "To fix:"] + [f"  - {p}" for p in rep["problems"]]
    else:
        lines += ["", "Everything the course needs is here."]
    return "\n".join(lines)
