"""Programs: Go sources turned into a module in a fresh temporary directory.

A program is a source string, several files (a dict or a txtar archive), a
``.go`` file or a directory. Whatever the input, it becomes a ``Program``: an
immutable mapping of relative paths to bytes with a content digest, which is
what the binary cache keys on. ``Program.materialize()`` writes it into a new
temporary directory and adds a ``go.mod`` when the learner did not give one.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import InvalidProgram

#: Module path used when the program brings no go.mod.
DEFAULT_MODULE = "example.com/prog"
#: Files larger than this are refused: a course program is small, a 100 MB "program" is a mistake.
MAX_PROGRAM_BYTES = 8 * 1024 * 1024
_SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints", "node_modules"}
_PACKAGE_RE = re.compile(r"^\s*package\s+([A-Za-z_][A-Za-z0-9_]*)", re.M)
_TXTAR_FILE_RE = re.compile(r"^-- (.+?) --$", re.M)


def _strip_comments(src: str) -> str:
    # Enough to find the package clause: remove /* */ blocks and // lines.
    src = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), src, flags=re.S)
    return re.sub(r"//[^\n]*", "", src)


def package_name(src: str) -> str | None:
    """The package clause of a Go source file, or None when it has none."""
    m = _PACKAGE_RE.search(_strip_comments(src))
    return m.group(1) if m else None


def parse_txtar(text: str) -> dict[str, str]:
    """Parse a txtar archive (``-- name --`` headers) into a file dict.

    The leading comment, if any, is ignored, as in golang.org/x/tools/txtar.
    """
    matches = list(_TXTAR_FILE_RE.finditer(text))
    if not matches:
        raise InvalidProgram("not a txtar archive: no '-- name --' file header found")
    files: dict[str, str] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[m.end() + 1 if m.end() < len(text) else m.end():end]
        files[m.group(1).strip()] = body
    return files


def looks_like_txtar(text: str) -> bool:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    return bool(_TXTAR_FILE_RE.match(first))


def _check_relpath(name: str) -> str:
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or not p.parts or name.strip() == "":
        raise InvalidProgram(f"file name {name!r} must be a relative path inside the program")
    return str(p)


@dataclass(frozen=True)
class Program:
    """An immutable set of files that form one Go main module.

    Attributes:
        files: sorted (relative path, content) pairs.
        name: a short label (used for the binary's file name).
    """

    files: tuple[tuple[str, bytes], ...]
    name: str = "prog"

    # -- constructors ----------------------------------------------------
    @classmethod
    def coerce(cls, value, *, name: str | None = None) -> "Program":
        """Accept a Program, source string, txtar string, dict of files, .go file or directory."""
        if isinstance(value, Program):
            return value
        if isinstance(value, dict):
            return cls.from_files(value, name=name)
        if isinstance(value, Path) or (isinstance(value, os.PathLike)):
            return cls.from_path(value, name=name)
        if isinstance(value, bytes):
            value = value.decode("utf-8", errors="replace")
        if isinstance(value, str):
            if looks_like_txtar(value):
                return cls.from_txtar(value, name=name)
            return cls.from_source(value, name=name)
        raise InvalidProgram(
            f"cannot make a Go program from {type(value).__name__}; pass source text, "
            "a dict of files, a txtar string, a .go file or a directory"
        )

    @classmethod
    def from_source(cls, source: str, *, name: str | None = None, filename: str = "main.go") -> "Program":
        """A single-file program."""
        if not source or not source.strip():
            raise InvalidProgram("the program is empty: write a Go program starting with `package main`")
        return cls.from_files({filename: source}, name=name)

    @classmethod
    def from_txtar(cls, text: str, *, name: str | None = None) -> "Program":
        return cls.from_files(parse_txtar(text), name=name)

    @classmethod
    def from_files(cls, files: dict, *, name: str | None = None) -> "Program":
        if not files:
            raise InvalidProgram("the program has no files")
        norm: dict[str, bytes] = {}
        total = 0
        for k, v in files.items():
            data = v.encode("utf-8") if isinstance(v, str) else bytes(v)
            total += len(data)
            norm[_check_relpath(str(k))] = data
        if total > MAX_PROGRAM_BYTES:
            raise InvalidProgram(f"the program is {total} bytes; goenv accepts up to {MAX_PROGRAM_BYTES}")
        if not any(k.endswith(".go") for k in norm):
            raise InvalidProgram(f"the program has no .go file (files: {sorted(norm)})")
        if all(not v.strip() for k, v in norm.items() if k.endswith(".go")):
            raise InvalidProgram("the program is empty: write a Go program starting with `package main`")
        return cls(tuple(sorted(norm.items())), name=_safe_name(name or "prog"))

    @classmethod
    def from_path(cls, path, *, name: str | None = None) -> "Program":
        """A .go file (plus nothing else) or a directory tree (a module or a package)."""
        path = Path(path)
        if not path.exists():
            raise InvalidProgram(f"{path} does not exist")
        if path.is_file():
            return cls.from_files({path.name: path.read_bytes()}, name=name or path.stem)
        files: dict[str, bytes] = {}
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
            for n in names:
                full = Path(root, n)
                if full.is_file() and not n.startswith("."):
                    if _is_binary_file(full):
                        continue  # a previously built executable next to the sources
                    files[full.relative_to(path).as_posix()] = full.read_bytes()
        return cls.from_files(files, name=name or path.resolve().name)

    # -- queries ---------------------------------------------------------
    @property
    def file_map(self) -> dict[str, bytes]:
        return dict(self.files)

    def text(self, relpath: str) -> str | None:
        data = self.file_map.get(relpath)
        return None if data is None else data.decode("utf-8", errors="replace")

    @property
    def has_go_mod(self) -> bool:
        return "go.mod" in self.file_map

    def digest(self) -> str:
        """SHA-256 over names and contents (the program part of the cache key)."""
        h = hashlib.sha256()
        for k, v in self.files:
            h.update(k.encode())
            h.update(b"\0")
            h.update(len(v).to_bytes(8, "little"))
            h.update(v)
        return h.hexdigest()

    def check_main(self) -> None:
        """Refuse, with a clear message, a program whose root package is not ``main``.

        Raises:
            InvalidProgram: no package clause at all, or a package other than main.
        """
        root_go = {k: v for k, v in self.files if "/" not in k and k.endswith(".go") and not k.endswith("_test.go")}
        if not root_go:
            raise InvalidProgram("the program has no .go file at its top level, so there is no main package to build")
        names = {k: package_name(v.decode("utf-8", errors="replace")) for k, v in root_go.items()}
        if "main" in names.values():
            return
        declared = sorted({n for n in names.values() if n})
        if not declared:
            raise InvalidProgram(
                "missing `package main`: a Go program starts with the line `package main` "
                "and has a `func main()`. Add `package main` as the first line."
            )
        raise InvalidProgram(
            f"the program declares `package {declared[0]}`, but only `package main` builds into a "
            "program you can run. Change the first line to `package main` (or build it as a test with mode='test')."
        )

    # -- materialize -----------------------------------------------------
    def materialize(self, directory: str | os.PathLike | None = None, *, go_version: str = "1.22") -> Path:
        """Write the files into ``directory`` (a new temp dir by default) and add go.mod if missing."""
        d = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="goenv-"))
        d.mkdir(parents=True, exist_ok=True)
        for rel, data in self.files:
            p = d / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        if not self.has_go_mod:
            (d / "go.mod").write_text(f"module {DEFAULT_MODULE}\n\ngo {go_version}\n")
        return d


def remove_dir(path: str | os.PathLike) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _safe_name(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "prog"
    return s[:64]


def _is_binary_file(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return True
    return head in (b"\x7fELF", b"MZ\x90\x00", b"\0asm") or head[:2] == b"MZ" or head in (
        b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf",
    )
