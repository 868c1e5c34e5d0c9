"""Content-addressed cache of built binaries.

Go's own build cache makes a rebuild cheap, but not free: ``go run`` on an
unchanged program still costs ~60 ms (the go command starts, hashes every
input, and checks the cache), ``go build`` relinks. A notebook re-runs the
same cell constantly, so goenv keys each *binary* by everything that can change
it — the program's files, the normalized build options, the toolchain (version
and GOROOT) and the C compiler setting — and reuses it without invoking Go.

Only successful builds are stored: a compile error or a build timeout must be
retried, never replayed. Entries are written to a temporary directory and
renamed into place, so concurrent kernels (parallel autograding) never see a
half-written binary.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from .options import BuildOptions
from .results import BuildResult
from .toolchain import Toolchain, cache_root
from .workspace import Program

LOGGER = logging.getLogger(__name__)

#: Bump when the layout or the key changes.
CACHE_SCHEMA = "2"
#: Default size above which the least recently used binaries are removed.
DEFAULT_MAX_BYTES = 2 * 1024**3
_RESULT = "result.json"


def cache_key(program: Program, options: BuildOptions, toolchain: Toolchain) -> str:
    """SHA-256 of everything that determines the binary."""
    h = hashlib.sha256()
    parts = {
        "schema": CACHE_SCHEMA,
        "program": program.digest(),
        "name": program.name,
        "options": options.to_dict(),
        "go": toolchain.version,
        "goroot": str(toolchain.goroot),
        "host": [toolchain.hostos, toolchain.hostarch],
        # cgo builds depend on the C compiler, and with cgo unset Go's default depends on
        # whether one is found at all: a binary built with gcc must not be served without it.
        "cc": os.environ.get("CC", ""),
        "cc_found": bool(shutil.which(os.environ.get("CC") or "gcc") or shutil.which("cc")),
    }
    h.update(json.dumps(parts, sort_keys=True).encode())
    return h.hexdigest()


class BinaryCache:
    """A directory of ``<key[:2]>/<key>/{binary, result.json}`` entries."""

    def __init__(self, root: str | os.PathLike | None = None, max_bytes: int = DEFAULT_MAX_BYTES):
        self.root = Path(root) if root else cache_root() / "binaries"
        self.max_bytes = max_bytes

    def _entry(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str) -> BuildResult | None:
        """The cached result for ``key`` (with ``cached=True``), or None."""
        entry = self._entry(key)
        try:
            data = json.loads((entry / _RESULT).read_text())
        except (OSError, ValueError):
            return None
        binary = entry / data.get("binary_name", "")
        if not binary.is_file():
            return None
        try:
            os.utime(entry, None)  # LRU bookkeeping for prune()
        except OSError:
            pass
        res = data["result"]
        res.update(binary=str(binary), cached=True, duration_s=0.0)
        return BuildResult.from_dict(res)

    def put(self, key: str, binary: str | os.PathLike, result: BuildResult) -> BuildResult:
        """Move ``binary`` into the cache and return ``result`` pointing at it."""
        binary = Path(binary)
        self.root.mkdir(parents=True, exist_ok=True)
        entry = self._entry(key)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            target = tmp / binary.name
            shutil.move(str(binary), target)
            (tmp / _RESULT).write_text(json.dumps({"binary_name": binary.name, "result": result.to_dict()}))
            entry.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(tmp, entry)
            except OSError:
                # Another process stored the same key first: same inputs, same binary.
                shutil.rmtree(entry, ignore_errors=True)
                os.rename(tmp, entry)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        final = entry / binary.name
        self.prune()
        d = result.to_dict()
        d["binary"] = str(final)
        return BuildResult.from_dict(d)

    def entries(self) -> list[tuple[Path, int, float]]:
        """(entry dir, size in bytes, last use) for every entry."""
        out = []
        if not self.root.is_dir():
            return out
        for shard in self.root.iterdir():
            if not shard.is_dir() or shard.name.startswith(".tmp-"):
                continue
            for entry in shard.iterdir():
                try:
                    size = sum(f.stat().st_size for f in entry.iterdir())
                    out.append((entry, size, entry.stat().st_mtime))
                except OSError:
                    continue
        return out

    def size_bytes(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def prune(self, max_bytes: int | None = None) -> int:
        """Remove least recently used entries until the cache fits; returns bytes freed."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        entries = self.entries()
        total = sum(s for _, s, _ in entries)
        freed = 0
        for entry, size, _ in sorted(entries, key=lambda e: e[2]):
            if total - freed <= limit:
                break
            shutil.rmtree(entry, ignore_errors=True)
            freed += size
        if freed:
            LOGGER.info("binary cache: removed %d bytes", freed)
        return freed

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


_DEFAULT: BinaryCache | None = None


def default_cache() -> BinaryCache:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = BinaryCache()
    return _DEFAULT

