"""Build options: validated once, normalized, hashable (they are part of the cache key)."""

from __future__ import annotations

import re
import shlex
from dataclasses import asdict, dataclass, field, fields, replace

from .errors import InvalidOption

CGO_EXPLANATION = (
    "CGO_ENABLED accepts only 0 or 1. Go treats any other value (on, off, true, false, yes) "
    "as if the variable were unset and falls back to its default, which is *enabled* for a "
    "native build: CGO_ENABLED=off silently builds a dynamically linked cgo binary. "
    "Use cgo=0 or cgo=1."
)

_LEVELS = {
    "goamd64": re.compile(r"^v[1-4]$"),
    "goarm64": re.compile(r"^v(8|9)\.\d+(,(lse|crypto))*$"),
    "goarm": re.compile(r"^[5-7](,(softfloat|hardfloat))?$"),
    "go386": re.compile(r"^(sse2|softfloat)$"),
}
_TAG_RE = re.compile(r"^[A-Za-z0-9_.]+$")


def normalize_cgo(value) -> int | None:
    """Map a cgo setting to 0, 1 or None (toolchain default).

    Raises:
        InvalidOption: for anything but 0/1 (and Python booleans), with the reason.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, str) and value.strip() in ("0", "1"):
        return int(value.strip())
    raise InvalidOption(f"invalid CGO_ENABLED value {value!r}. {CGO_EXPLANATION}")


@dataclass(frozen=True)
class BuildOptions:
    """How to build a program.

    Attributes:
        goos, goarch: target; None means the host.
        goamd64, goarm64, goarm, go386: sub-architecture levels (e.g. "v3", "v8.1", "7").
        cgo: 0, 1 or None for Go's default (1 natively when a C compiler exists, 0 when cross-compiling).
        tags: build tags (``-tags``).
        ldflags, gcflags: passed verbatim to ``-ldflags`` / ``-gcflags``.
        trimpath: ``-trimpath``.
        race: ``-race`` (needs cgo and a C compiler on Linux).
        mode: "exe" (go build) or "test" (go test -c, for tests and benchmarks).
        env: extra build environment (e.g. GOEXPERIMENT), as sorted (name, value) pairs.
    """

    goos: str | None = None
    goarch: str | None = None
    goamd64: str | None = None
    goarm64: str | None = None
    goarm: str | None = None
    go386: str | None = None
    cgo: int | None = None
    tags: tuple[str, ...] = ()
    ldflags: str | None = None
    gcflags: str | None = None
    trimpath: bool = False
    race: bool = False
    mode: str = "exe"
    env: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cgo", normalize_cgo(self.cgo))
        tags = self.tags
        if isinstance(tags, str):
            tags = tuple(t for t in re.split(r"[,\s]+", tags) if t)
        tags = tuple(tags)
        for t in tags:
            if not _TAG_RE.match(t):
                raise InvalidOption(f"invalid build tag {t!r}: tags are letters, digits, '_' and '.' only")
        object.__setattr__(self, "tags", tags)
        env = self.env
        if isinstance(env, dict):
            env = tuple(sorted((str(k), str(v)) for k, v in env.items()))
        object.__setattr__(self, "env", tuple(env))
        for name, value in self.env:
            if name == "CGO_ENABLED":
                raise InvalidOption("set cgo=0 or cgo=1 instead of CGO_ENABLED in env")
            if name in ("GOOS", "GOARCH", "GOFLAGS", "GOTOOLCHAIN", "GOPROXY"):
                raise InvalidOption(f"{name} cannot be set through env; use the option of that name")
        for name, rx in _LEVELS.items():
            value = getattr(self, name)
            if value is not None and not rx.match(str(value)):
                raise InvalidOption(f"invalid {name.upper()} value {value!r} (expected e.g. {_EXAMPLES[name]})")
        if self.mode not in ("exe", "test"):
            raise InvalidOption(f"mode must be 'exe' or 'test', not {self.mode!r}")
        for name in ("goos", "goarch"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, str) or not v.strip()):
                raise InvalidOption(f"{name.upper()} must be a non-empty string, not {v!r}")

    @classmethod
    def coerce(cls, value: "BuildOptions | dict | None" = None, **kwargs) -> "BuildOptions":
        """Build options from an instance, a dict and/or keyword overrides (unknown keys raise)."""
        base = value if isinstance(value, BuildOptions) else cls()
        changes = dict(value) if isinstance(value, dict) else {}
        changes.update({k: v for k, v in kwargs.items() if v is not None})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise InvalidOption(f"unknown build option(s) {unknown}; known: {sorted(known)}")
        return replace(base, **changes) if changes else base

    def resolved(self, hostos: str, hostarch: str) -> "BuildOptions":
        """Fill GOOS/GOARCH with the host's when unset."""
        return replace(self, goos=self.goos or hostos, goarch=self.goarch or hostarch)

    def go_env(self) -> dict[str, str]:
        """Environment variables for the go command."""
        env = dict(self.env)
        if self.goos:
            env["GOOS"] = self.goos
        if self.goarch:
            env["GOARCH"] = self.goarch
        for name in _LEVELS:
            if getattr(self, name) is not None:
                env[name.upper()] = str(getattr(self, name))
        if self.cgo is not None:
            env["CGO_ENABLED"] = str(self.cgo)
        return env

    def go_flags(self) -> list[str]:
        """Flags for ``go build`` / ``go test -c``."""
        flags: list[str] = []
        if self.tags:
            flags.append("-tags=" + ",".join(self.tags))
        if self.ldflags:
            flags.append("-ldflags=" + self.ldflags)
        if self.gcflags:
            flags.append("-gcflags=" + self.gcflags)
        if self.trimpath:
            flags.append("-trimpath")
        if self.race:
            flags.append("-race")
        return flags

    def describe(self) -> str:
        """Short human description, e.g. ``linux/arm64 cgo=0 -trimpath``."""
        parts = [f"{self.goos or '?'}/{self.goarch or '?'}"]
        for name in _LEVELS:
            if getattr(self, name):
                parts.append(f"{name.upper()}={getattr(self, name)}")
        if self.cgo is not None:
            parts.append(f"CGO_ENABLED={self.cgo}")
        parts += [shlex.quote(f) for f in self.go_flags()]
        if self.mode == "test":
            parts.append("(test binary)")
        return " ".join(parts)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["tags"] = list(self.tags)
        d["env"] = dict(self.env)
        return d


_EXAMPLES = {"goamd64": "v1, v2, v3, v4", "goarm64": "v8.0, v8.1, v9.0", "goarm": "5, 6, 7", "go386": "sse2, softfloat"}
