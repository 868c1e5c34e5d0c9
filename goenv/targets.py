"""The GOOS/GOARCH pairs the toolchain can build for, and friendly validation.

The list comes from ``go tool dist list -json`` rather than a table in Python,
so it is always the list of the toolchain actually in use (ports come and go
between Go releases). It is read once per toolchain version.

Example::

    validate_target("macos", "arm64")
    # InvalidOption: GOOS 'macos' is not known; did you mean 'darwin'? ...
"""

from __future__ import annotations

import difflib
import json
import logging
import threading
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from .errors import GoEnvError, InvalidOption

if TYPE_CHECKING:
    import pandas as pd

LOGGER = logging.getLogger(__name__)

__all__ = ["Target", "list_targets", "targets_frame", "validate_target", "parse_target"]


@dataclass(frozen=True, order=True)
class Target:
    """One first- or second-class port of Go.

    Attributes:
        goos: Operating system ("linux").
        goarch: Architecture ("arm64").
        cgo_supported: Whether cgo can be used for this target.
        first_class: Whether it is a first-class port (release-blocking builders).
    """

    goos: str
    goarch: str
    cgo_supported: bool = False
    first_class: bool = False

    @property
    def name(self) -> str:
        """``"goos/goarch"``, the spelling ``go tool dist list`` uses."""
        return f"{self.goos}/{self.goarch}"

    def __str__(self) -> str:
        return self.name


# Names people reach for that are not Go's. difflib cannot find these (neither
# "macos" nor "x86_64" is a near-spelling of "darwin" or "amd64").
_GOOS_ALIASES: dict[str, str | tuple[str, ...]] = {
    "macos": "darwin", "mac": "darwin", "osx": "darwin", "macosx": "darwin",
    "win": "windows", "win32": "windows", "win64": "windows", "cygwin": "windows", "mingw": "windows",
    "wasi": "wasip1", "wasm": ("js", "wasip1"), "sunos": "solaris", "iphone": "ios", "iphoneos": "ios",
}
_GOARCH_ALIASES: dict[str, str | tuple[str, ...]] = {
    "x86_64": "amd64", "x86-64": "amd64", "x64": "amd64", "intel64": "amd64",
    "aarch64": "arm64", "armv8": "arm64", "arm64e": "arm64",
    "i386": "386", "i686": "386", "x86": "386", "ia32": "386",
    "armv7": "arm", "armv6": "arm", "armhf": "arm", "armel": "arm",
    "ppc64el": "ppc64le", "powerpc64le": "ppc64le", "powerpc64": "ppc64",
    "riscv": "riscv64", "rv64": "riscv64", "loongarch64": "loong64", "la64": "loong64",
    "mipsel": "mipsle", "mips64el": "mips64le", "s390": "s390x", "wasm32": "wasm",
}

_CACHE: dict[tuple[str, str], tuple[Target, ...]] = {}
_LOCK = threading.Lock()


def list_targets(toolchain=None) -> list[Target]:
    """Every GOOS/GOARCH pair of the toolchain, sorted.

    Args:
        toolchain: The toolchain to ask (default: :func:`goenv.toolchain.default`).

    Returns:
        A new list (callers may modify it); the underlying data is memoized per
        toolchain binary and version.

    Raises:
        GoEnvError: ``go tool dist list`` failed.
    """
    if toolchain is None:
        from .toolchain import default

        toolchain = default()
    key = (str(toolchain.go), toolchain.version)
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is None:
        res = toolchain.run_go(["tool", "dist", "list", "-json"], timeout=60)
        if res.returncode != 0:
            raise GoEnvError(f"`go tool dist list -json` failed: {res.stderr.strip()}")
        cached = tuple(sorted(
            Target(goos=t["GOOS"], goarch=t["GOARCH"], cgo_supported=bool(t.get("CgoSupported")),
                   first_class=bool(t.get("FirstClass")))
            for t in json.loads(res.stdout)
        ))
        LOGGER.debug("%s knows %d targets", toolchain.version, len(cached))
        with _LOCK:
            _CACHE[key] = cached
    return list(cached)


def targets_frame(toolchain=None) -> "pd.DataFrame":
    """:func:`list_targets` as a DataFrame with columns goos, goarch, cgo_supported, first_class, name."""
    import pandas as pd

    targets = list_targets(toolchain)
    frame = pd.DataFrame([asdict(t) for t in targets], columns=["goos", "goarch", "cgo_supported", "first_class"])
    frame["name"] = [t.name for t in targets]
    return frame


def parse_target(spec) -> tuple[str, str]:
    """Normalize ``"linux/arm64"``, ``("linux", "arm64")`` or a :class:`Target` to a pair.

    Raises:
        InvalidOption: the spec has no "/" or too many parts.
    """
    if isinstance(spec, Target):
        return spec.goos, spec.goarch
    if isinstance(spec, str):
        parts = spec.strip().split("/")
        if len(parts) != 2 or not all(parts):
            raise InvalidOption(f"target {spec!r} is not of the form GOOS/GOARCH (e.g. 'linux/arm64')")
        return parts[0], parts[1]
    try:
        goos, goarch = spec
    except (TypeError, ValueError):
        raise InvalidOption(f"target {spec!r} is neither 'GOOS/GOARCH' nor a (goos, goarch) pair") from None
    return str(goos), str(goarch)


def validate_target(goos: str, goarch: str, *, toolchain=None) -> Target:
    """Check a GOOS/GOARCH pair and return its :class:`Target`.

    Args:
        goos: Operating system, e.g. "linux".
        goarch: Architecture, e.g. "arm64".
        toolchain: Whose target list to check against.

    Raises:
        InvalidOption: with a message that suggests the right spelling
            ("GOOS 'macos' is not known; did you mean 'darwin'?") or, for a
            known GOOS, lists the GOARCH values it supports.
    """
    targets = list_targets(toolchain)
    by_pair = {(t.goos, t.goarch): t for t in targets}
    if (goos, goarch) in by_pair:
        return by_pair[(goos, goarch)]
    all_goos = sorted({t.goos for t in targets})
    all_goarch = sorted({t.goarch for t in targets})
    if goos not in all_goos:
        hint = _suggest(goos, all_goos, _GOOS_ALIASES)
        raise InvalidOption(
            f"GOOS {goos!r} is not known{hint or '.'} Known GOOS values: {', '.join(all_goos)}."
        )
    valid = sorted(t.goarch for t in targets if t.goos == goos)
    if goarch in all_goarch:
        others = sorted(t.goos for t in targets if t.goarch == goarch)
        raise InvalidOption(
            f"GOARCH {goarch!r} is not supported for GOOS {goos!r} (it is for {', '.join(others)}). "
            f"Valid GOARCH values for {goos}: {', '.join(valid)}."
        )
    hint = _suggest(goarch, valid or all_goarch, _GOARCH_ALIASES)
    raise InvalidOption(
        f"GOARCH {goarch!r} is not known{hint or '.'} Valid GOARCH values for {goos}: {', '.join(valid)}."
    )


def _suggest(word: str, choices: list[str], aliases: dict[str, str | tuple[str, ...]]) -> str:
    lowered = word.strip().lower()
    if lowered in choices and lowered != word:
        return f"; did you mean {lowered!r}? (Go's names are lower case)"
    alias = aliases.get(lowered, ())
    close = [a for a in ((alias,) if isinstance(alias, str) else alias) if a in choices]
    close = close or difflib.get_close_matches(lowered, choices, n=3, cutoff=0.6)
    if close:
        return "; did you mean " + " or ".join(repr(c) for c in close) + "?"
    return ""
