"""Rehearse the Binder build without Docker, then check what a learner would get.

    python binder/rehearse.py [--chapters all|01] [--keep]

Steps, as repo2docker would do them (apt.txt is assumed installed; CI installs qemu-user):

1. a fresh virtual environment and a fresh HOME in a temporary directory;
2. ``pip install -r binder/requirements.txt`` (the pinned environment);
3. ``binder/postBuild`` (installs the package, prewarms the Go build cache);
4. the image size that would result (environment + caches);
5. through ``binder/start``, inside a new network namespace where the OS allows it,
   executes chapter 01 with papermill (FAST=True) and checks from goenv's build log
   that no build took longer than 1 s (the prewarm worked) and that nothing needed
   the network (the run succeeds with no network at all);
6. executes each chapter and records the peak memory of the kernel and its children
   (mybinder.org guarantees 1 GB).

Prints a report and writes it as JSON next to the work directory; exits 1 on failure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from goenv.doctor import dir_size

REPO = Path(__file__).resolve().parent.parent
MAX_BUILD_S = 1.0
# A new network namespace starts with loopback down; the kernel talks to papermill over
# 127.0.0.1, so bring lo up (SIOCSIFFLAGS, IFF_UP|IFF_RUNNING) and exec the command.
LO_UP = ("import fcntl,os,socket,struct,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); "
         "fcntl.ioctl(s,0x8914,struct.pack('16sh22x',b'lo',0x41)); os.execvp(sys.argv[1],sys.argv[1:])")
MEMORY_BUDGET = 1_000_000_000


def sh(cmd, *, env, cwd=REPO, timeout=3600) -> subprocess.CompletedProcess:
    print("+", " ".join(map(str, cmd)), flush=True)
    return subprocess.run(list(map(str, cmd)), env=env, cwd=cwd, timeout=timeout, check=True)


def no_network_prefix() -> list[str]:
    """``unshare --net`` (root) or a user+net namespace, when the kernel allows; [] otherwise."""
    unshare = shutil.which("unshare")
    if not unshare:
        return []
    for cand in ([unshare, "--net"], [unshare, "--user", "--map-current-user", "--net"]):
        if subprocess.run([*cand, "true"], capture_output=True).returncode == 0:
            return cand
    return []


def run_measured(cmd, env) -> tuple[int, float, int]:
    """Run cmd; return (exit code, wall s, peak summed RSS of its process tree)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(list(map(str, cmd)), env=env, cwd=REPO)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        try:
            root = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.is_set():
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            peak = max(peak, total)
            done.wait(0.1)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    rc = proc.wait()
    done.set()
    t.join()
    return rc, time.monotonic() - t0, peak


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chapters", default="all", help="'all' (memory of every chapter) or '01' (only the build check)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--workdir", help="work directory (default: a new temporary one)")
    args = ap.parse_args()

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="binder-rehearsal-"))
    work.mkdir(parents=True, exist_ok=True)
    venv, home, out = work / "venv", work / "home", work / "out"
    home.mkdir(exist_ok=True)
    out.mkdir(exist_ok=True)
    report: dict = {"workdir": str(work), "failures": []}
    try:
        sh([sys.executable, "-m", "venv", venv], env=os.environ.copy())
        env = {
            "HOME": str(home), "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8", "VIRTUAL_ENV": str(venv), "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
        }
        for k in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT", "PIP_FIND_LINKS", "SSL_CERT_FILE"):
            if k in os.environ:
                env[k] = os.environ[k]
        t0 = time.monotonic()
        sh([venv / "bin" / "python", "-m", "pip", "install", "-q", "-r", REPO / "binder" / "requirements.txt"], env=env)
        report["pip_install_s"] = round(time.monotonic() - t0, 1)
        t0 = time.monotonic()
        sh(["bash", REPO / "binder" / "postBuild"], env=env)
        report["postbuild_s"] = round(time.monotonic() - t0, 1)
        report["image_bytes"] = {"environment": dir_size(venv), "caches": dir_size(home)}
        report["image_bytes"]["total"] = sum(report["image_bytes"].values())

        net = no_network_prefix()
        report["network_isolated"] = bool(net)
        if net:
            net = [*net, sys.executable, "-c", LO_UP]
        start = ["bash", REPO / "binder" / "start"]
        py = venv / "bin" / "python"

        # Chapter 01 after the prewarm: every build must come from a warm cache.
        log = out / "builds.jsonl"
        run_env = dict(env, GOENV_BUILD_LOG=str(log))
        nb = REPO / "notebooks" / "01_cross_compiling.ipynb"
        rc, wall, peak = run_measured([*net, *start, py, "-m", "papermill", "--no-progress-bar", "-p", "FAST", "True",
                                       "--cwd", out, nb, out / nb.name], run_env)
        builds = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        prewarmed = str(home / ".cache" / "goenv" / "go-build")
        # Builds that fail on purpose (e.g. cgo for arm64 with the host's gcc) prove nothing about the prewarm.
        warm = [b for b in builds if b["gocache"] == prewarmed and b["ok"]]
        slow = [b for b in warm if b["duration_s"] > MAX_BUILD_S]
        report["chapter01"] = {"exit_code": rc, "wall_s": round(wall, 1), "builds": len(warm),
                               "slowest_build_s": max((b["duration_s"] for b in warm), default=None),
                               "builds_over_1s": slow,
                               "deliberately_cold_builds": len(builds) - len(warm)}
        if rc != 0:
            report["failures"].append(f"chapter 01 failed under binder/start (exit {rc})"
                                      + (" with no network" if net else ""))
        if not warm:
            report["failures"].append("chapter 01 made no build with the prewarmed cache: the build log is empty")
        if slow:
            report["failures"].append(f"{len(slow)} build(s) took longer than {MAX_BUILD_S} s after the prewarm")

        if args.chapters == "all":
            report["memory"] = {}
            for nb in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
                rc, wall, peak = run_measured([*net, *start, py, "-m", "papermill", "--no-progress-bar", "-p", "FAST",
                                               "True", "--cwd", out, nb, out / nb.name], env)
                report["memory"][nb.stem] = {"exit_code": rc, "wall_s": round(wall, 1),
                                             "peak_memory_mb": round(peak / 2**20, 1)}
                if rc != 0:
                    report["failures"].append(f"{nb.stem} failed (exit {rc})")
                if peak >= MEMORY_BUDGET:
                    report["failures"].append(f"{nb.stem} peaked at {peak / 2**20:.0f} MiB (budget 1 GB)")
    except subprocess.CalledProcessError as exc:
        report["failures"].append(f"step failed: {' '.join(map(str, exc.cmd))} (exit {exc.returncode})")
    finally:
        (work.parent / (work.name + "-report.json")).write_text(json.dumps(report, indent=2))
        print(json.dumps(report, indent=2))
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
