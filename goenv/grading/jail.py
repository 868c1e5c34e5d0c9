"""Grading kernels that cannot touch the course: the course directory and HOME are read-only.

nbgrader executes a submission in an ordinary IPython kernel, with the grader's permissions: a
Python cell (or a Go program it runs) could delete the gradebook, other students' submissions or
files in HOME. :class:`JailedKernelManager` starts each kernel in a private mount namespace
(``unshare --mount``, plus ``--user --map-root-user`` when not root) where the configured paths
are bind-mounted read-only, except a few that must stay writable (Go's build cache). Nothing
outside the kernel changes: the nbgrader process that writes the gradebook runs outside the jail.

Set it up in nbgrader_config.py (grading/nbgrader_config.py does): :class:`JailedExecute` in place
of Execute in ``Autograde.autograde_preprocessors``, and::

    c.JailedKernelManager.read_only = [course_root, home]
    c.JailedKernelManager.writable = [goenv_cache_root]

Where mount namespaces are not available (some containers, e.g. Binder), the kernel starts
without the jail and the log says so; ``require = True`` makes that an error instead.
"""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import tempfile

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute
from traitlets import Bool, List, Unicode

# Bind-mount each read-only path onto itself and make that mount read-only, then give the
# writable paths (which may lie inside a read-only one) their own read-write mounts; then run
# the kernel. A mount made read-only in this namespace can be made writable again here (only
# flags inherited from the parent namespace are locked), which is why the order works.
def _script(ro: list[str], rw: list[str]) -> str:
    lines = ["set -e"]
    lines += [f"mount --bind {q} {q}; mount -o remount,bind,ro {q}" for q in map(shlex.quote, ro)]
    lines += [f"mount --bind {q} {q}; mount -o remount,bind,rw {q}" for q in map(shlex.quote, rw)]
    # The working directory was entered before the mounts, so it still points into the old,
    # writable mount: enter it again by name, or relative paths would escape the jail.
    lines.append('cd "$(pwd -P)"')
    return "\n".join([*lines, 'exec "$@"'])


def _unshare_args() -> list[str]:
    args = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        args[1:1] = ["--user", "--map-root-user"]
    return args


def jail_command(cmd: list[str], read_only: list[str], writable: list[str] = ()) -> list[str]:
    """``cmd`` wrapped so that it runs with ``read_only`` paths read-only (``writable`` excepted).

    Paths that do not exist are left out (a mount point must exist).
    """
    ro = [os.path.realpath(p) for p in read_only if os.path.isdir(p)]
    rw = [os.path.realpath(p) for p in writable if os.path.isdir(p)]
    script = _script(ro, rw)
    return [*_unshare_args(), "sh", "-c", script, "goenv-jail", *cmd]


@functools.lru_cache(maxsize=1)
def available() -> str | None:
    """None when the jail works on this machine, else why not (checked once per process)."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return "the unshare/mount commands (util-linux) are missing"
    with tempfile.TemporaryDirectory() as d:
        probe = os.path.join(d, "probe")
        os.mkdir(probe)
        cmd = jail_command(["sh", "-c", f"! touch {shlex.quote(probe)}/x 2>/dev/null"], [probe])
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"unshare failed: {e}"
        if proc.returncode != 0:
            return "mount namespaces are not available here: " + (proc.stderr.strip() or f"exit {proc.returncode}")
    return None


class JailedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels see ``read_only`` as read-only file systems."""

    read_only = List(Unicode(), help="Directories the kernel must not change (course root, HOME).").tag(config=True)
    writable = List(Unicode(), help="Directories inside those that stay writable (Go's build cache).").tag(config=True)
    require = Bool(False, help="Refuse to start a kernel when the jail is not available.").tag(config=True)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        why_not = available() if self.read_only else "nothing to protect (read_only is empty)"
        if why_not is None:
            kernel_cmd = jail_command(list(kernel_cmd), self.read_only, self.writable)
            env = dict(kw.get("env") or os.environ)
            # IPython and matplotlib want writable config dirs; HOME is read-only in here.
            self._scratch = tempfile.mkdtemp(prefix="goenv-kernel-")
            env.setdefault("IPYTHONDIR", os.path.join(self._scratch, "ipython"))
            env.setdefault("MPLCONFIGDIR", os.path.join(self._scratch, "matplotlib"))
            kw["env"] = env
        elif self.require:
            raise RuntimeError(f"cannot isolate the grading kernel: {why_not}")
        else:
            self.log.warning("grading kernel NOT isolated (%s): submission code can write the course "
                             "directory and HOME", why_not)
        await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        scratch = getattr(self, "_scratch", None)
        if scratch and not restart:
            shutil.rmtree(scratch, ignore_errors=True)
            self._scratch = None



class JailedExecute(Execute):
    """nbgrader's Execute with kernels from :class:`JailedKernelManager`.

    (nbgrader's Execute passes ``kernel_manager_class`` as a constructor argument, which beats
    configuration, so the jail needs this subclass; ``Execute.*`` settings still apply.)
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", JailedKernelManager)
        super().__init__(*args, **kwargs)
