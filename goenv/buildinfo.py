"""Read the build information the Go linker embeds in every binary.

Since Go 1.18 each binary carries its main module, its dependencies (with
``replace`` directives) and the build settings (GOOS, GOARCH, CGO_ENABLED,
-ldflags, -trimpath, VCS revision...). ``go version -m -json`` prints them;
this module turns that into a :class:`BuildInfo`.

``go version -m`` cannot read two formats Go itself produces: WebAssembly
("unrecognized file format") and Plan 9 a.out ("not a Go executable"). For
those, the same text is found by scanning the file for the markers the linker
wraps around it (the ``runtime.modinfo`` sentinels), so every target the
course builds has build info.

Example::

    info = read_buildinfo("hello.exe")
    info.goos, info.goarch, info.ldflags, info.dep("example.com/lib").replace.path
"""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import GoEnvError, ParseError

LOGGER = logging.getLogger(__name__)

__all__ = ["Module", "BuildInfo", "NoBuildInfo", "read_buildinfo", "parse_modinfo"]


class NoBuildInfo(GoEnvError):
    """The file has no Go build information: it is not a Go binary (or predates Go 1.18)."""


@dataclass(frozen=True)
class Module:
    """One module in a binary: the main module or a dependency.

    Attributes:
        path: Module path ("example.com/lib").
        version: Version ("v1.2.3", "(devel)" for an unversioned main module).
        sum: go.sum hash ("h1:..."); empty for replaced or local modules.
        replace: The module that replaced this one (``replace`` directive), if any.
    """

    path: str
    version: str = ""
    sum: str = ""
    replace: "Module | None" = None

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "Module":
        """Build from one ``Main``/``Deps`` object of ``go version -m -json``."""
        rep = obj.get("Replace")
        return cls(path=obj.get("Path", ""), version=obj.get("Version", ""), sum=obj.get("Sum", ""),
                   replace=cls.from_json(rep) if rep else None)


@dataclass(frozen=True)
class BuildInfo:
    """Build information of one binary.

    Attributes:
        go_version: Toolchain that built it ("go1.27.3").
        path: Package path of the main package ("example.com/hello").
        main: The main module (None for binaries built from a file list).
        deps: Dependency modules, in the order the linker recorded them.
        settings: Build settings as key -> value ("GOOS", "-ldflags", "vcs.revision", ...).
        source: "go version -m" or "scan" (found by scanning the file, for wasm and Plan 9).
    """

    go_version: str
    path: str
    main: Module | None
    deps: tuple[Module, ...] = ()
    settings: dict[str, str] = field(default_factory=dict, hash=False)
    source: str = "go version -m"

    # -- convenience views of settings --------------------------------------
    @property
    def goos(self) -> str | None:
        """GOOS the binary was built for."""
        return self.settings.get("GOOS")

    @property
    def goarch(self) -> str | None:
        """GOARCH the binary was built for."""
        return self.settings.get("GOARCH")

    @property
    def cgo_enabled(self) -> bool | None:
        """Whether cgo was enabled (None when not recorded)."""
        value = self.settings.get("CGO_ENABLED")
        return None if value is None else value == "1"

    @property
    def ldflags(self) -> str | None:
        """The -ldflags string. Go leaves it out when -trimpath is set (it may hold paths)."""
        return self.settings.get("-ldflags")

    @property
    def trimpath(self) -> bool:
        """Whether the binary was built with -trimpath."""
        return self.settings.get("-trimpath") == "true"

    @property
    def buildmode(self) -> str | None:
        """The -buildmode ("exe", "pie", "c-shared", ...)."""
        return self.settings.get("-buildmode")

    @property
    def tags(self) -> list[str]:
        """Build tags given with -tags."""
        value = self.settings.get("-tags", "")
        return [t for t in value.split(",") if t]

    @property
    def vcs(self) -> dict[str, str]:
        """Version-control stamps: ``vcs`` ("git") and ``vcs.revision``/``time``/``modified``."""
        return {k: v for k, v in self.settings.items() if k == "vcs" or k.startswith("vcs.")}

    def dep(self, path: str) -> Module | None:
        """The dependency with module path ``path``, or None."""
        return next((d for d in self.deps if d.path == path), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict."""
        out = dataclasses.asdict(self)
        out["deps"] = [dataclasses.asdict(d) for d in self.deps]
        return out


def read_buildinfo(path: str | os.PathLike, *, toolchain=None) -> BuildInfo:
    """Read a binary's build information with ``go version -m -json``.

    Args:
        path: A binary for any GOOS/GOARCH (cross-compiled ones included).
        toolchain: The toolchain to run (default: :func:`goenv.toolchain.default`).

    Returns:
        The :class:`BuildInfo`.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        NoBuildInfo: the file is not a Go binary. Raised rather than returning
            None so that a typo in a path cannot pass silently as "no info".
        ParseError: ``go version`` printed JSON this module does not understand.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(errno.ENOENT, f"no binary at {p} (did the build succeed?)", str(p))
    if toolchain is None:
        from .toolchain import default

        toolchain = default()
    res = toolchain.run_go(["version", "-m", "-json", str(p.resolve())], timeout=60)
    if res.returncode == 0 and res.stdout.strip():
        try:
            return _from_json(json.loads(res.stdout))
        except (ValueError, TypeError, AttributeError) as exc:
            raise ParseError(f"unexpected `go version -m -json` output for {p}: {exc}") from exc
    # go version fails for wasm and Plan 9 binaries, and prints nothing at all
    # for a file without the execute bit; the bytes may still hold build info.
    LOGGER.debug("go version -m %s failed (%s); scanning the file", p, res.stderr.strip())
    scanned = _scan(p.read_bytes())
    if scanned is not None:
        return scanned
    reason = res.stderr.strip().rsplit(": ", 1)[-1] if res.stderr.strip() else "no Go build info found"
    raise NoBuildInfo(f"{p} has no Go build information ({reason}); is it a Go binary built with Go >= 1.18?")


def _from_json(obj: dict[str, Any]) -> BuildInfo:
    main = obj.get("Main")
    return BuildInfo(
        go_version=obj.get("GoVersion", ""),
        path=obj.get("Path", ""),
        main=Module.from_json(main) if main and main.get("Path") else None,
        deps=tuple(Module.from_json(d) for d in obj.get("Deps") or ()),
        settings={s["Key"]: s.get("Value", "") for s in obj.get("Settings") or ()},
    )


# -- the textual modinfo format ----------------------------------------------

# runtime/debug wraps the modinfo string in these 16-byte sentinels
# (cmd/go/internal/modload.infoStart/infoEnd) so tools can find it.
_INFO_START = bytes.fromhex("3077af0c9274080241e1c107e6d618e6")
_INFO_END = bytes.fromhex("f932433186182072008242104116d8f2")
_BUILDINFO_MAGIC = b"\xff Go buildinf:"
_GO_VERSION_RE = re.compile(rb"(?<![\w.])go1\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?(?:-[\w.]+)?(?![\w])")


def parse_modinfo(text: str, go_version: str = "") -> BuildInfo:
    """Parse the modinfo text (the ``go version -m`` / ``debug.BuildInfo.String`` format).

    Args:
        text: Lines such as ``path\\texample.com/app``, ``mod\\t...``, ``dep\\t...``,
            ``=>\\t...`` (replaces the previous mod/dep) and ``build\\tKEY=VALUE``.
        go_version: The toolchain version, which is stored outside this text.

    Raises:
        ParseError: a line does not follow the format.
    """
    path = ""
    main: Module | None = None
    deps: list[Module] = []
    settings: dict[str, str] = {}
    last: str | None = None  # "mod" or "dep": what a "=>" line replaces
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        word, _, rest = line.partition("\t")
        cols = rest.split("\t")
        if word == "go":
            go_version = go_version or rest.strip()
        elif word == "path":
            path = rest
        elif word in ("mod", "dep"):
            mod = Module(cols[0], cols[1] if len(cols) > 1 else "", cols[2] if len(cols) > 2 else "")
            if word == "mod":
                main = mod
            else:
                deps.append(mod)
            last = word
        elif word == "=>":
            rep = Module(cols[0], cols[1] if len(cols) > 1 else "", cols[2] if len(cols) > 2 else "")
            if last == "mod" and main is not None:
                main = dataclasses.replace(main, replace=rep)
            elif last == "dep" and deps:
                deps[-1] = dataclasses.replace(deps[-1], replace=rep)
            else:
                raise ParseError(f"modinfo line {lineno}: '=>' without a module to replace: {line!r}")
        elif word == "build":
            key, value = _split_setting(rest, lineno)
            settings[key] = value
        else:
            raise ParseError(f"modinfo line {lineno} starts with unknown word {word!r}: {line!r}")
    return BuildInfo(go_version=go_version, path=path, main=main, deps=tuple(deps), settings=settings)


def _split_setting(rest: str, lineno: int) -> tuple[str, str]:
    # Keys and values containing spaces, tabs, quotes or "=" are Go-quoted
    # (strconv.Quote), e.g. build\t-ldflags="-X main.version=1.4.2".
    if rest.startswith('"'):
        key, end = _unquote_prefix(rest, lineno)
        rest = rest[end:]
        if not rest.startswith("="):
            raise ParseError(f"modinfo line {lineno}: quoted key without '=': {rest!r}")
        value = rest[1:]
    else:
        key, sep, value = rest.partition("=")
        if not sep:
            raise ParseError(f"modinfo line {lineno}: build setting without '=': {rest!r}")
    if value.startswith('"'):
        value, _ = _unquote_prefix(value, lineno)
    return key, value


def _unquote_prefix(s: str, lineno: int) -> tuple[str, int]:
    i = 1
    while i < len(s):
        if s[i] == "\\":
            i += 2
            continue
        if s[i] == '"':
            break
        i += 1
    else:
        raise ParseError(f"modinfo line {lineno}: unterminated quoted string {s!r}")
    quoted = s[: i + 1]
    try:
        return json.loads(quoted), i + 1  # Go and JSON quoting agree for printable text
    except ValueError:
        return quoted[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape"), i + 1


def _scan(data: bytes) -> BuildInfo | None:
    """Find build info in raw bytes (for formats ``go version`` cannot open)."""
    go_version = ""
    # The .go.buildinfo blob (ELF/PE/Mach-O/Plan 9): magic, pointer size, flags,
    # 16 bytes of padding, then varint-prefixed version and modinfo strings.
    at = data.find(_BUILDINFO_MAGIC)
    if at >= 0 and len(data) > at + 32 and data[at + 15] & 0x2:
        version, pos = _varint_string(data, at + 32)
        if version is not None:
            go_version = version.decode("utf-8", "replace")
    # The modinfo string itself is wrapped in sentinels, also in wasm where the
    # blob above does not exist; the version then has to be found by pattern.
    start = data.find(_INFO_START)
    if start < 0:
        return None
    end = data.find(_INFO_END, start)
    if end < 0:
        return None
    text = data[start + len(_INFO_START):end].decode("utf-8", "replace")
    if not go_version:
        m = _GO_VERSION_RE.search(data)
        go_version = m.group(0).decode() if m else ""
    info = parse_modinfo(text, go_version)
    return dataclasses.replace(info, source="scan")


def _varint_string(data: bytes, pos: int) -> tuple[bytes | None, int]:
    n = shift = 0
    while pos < len(data):
        byte = data[pos]
        pos += 1
        n |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
        shift += 7
    if pos + n > len(data):
        return None, pos
    return data[pos:pos + n], pos + n
