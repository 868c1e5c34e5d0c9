"""Which files of a package each target compiles: ``go list -json`` per GOOS/GOARCH.

Build constraints are decided by the go command, so rather than re-implement
``//go:build`` and the ``_GOOS_GOARCH.go`` filename rules, this module asks
``go list -e -json`` once per target and tabulates GoFiles (compiled),
IgnoredGoFiles (excluded by constraints) and errors.

Errors are results, not exceptions: a malformed ``//go:build linux/arm64``
line or "build constraints exclude all Go files" becomes a row whose
``status`` is "error" and whose ``error`` holds the go command's text.

Two behaviours of the real go command shape the table:

* ``InvalidGoFiles`` (files with a malformed ``//go:build`` line) is only
  reported while the files are younger than a couple of seconds: after that
  the go command reads packages through its module index, which leaves the
  field out. ``GODEBUG=goindex=0`` turns the index off so the answer does
  not depend on file age.
* A ``./...`` pattern silently skips a package whose files are all excluded
  for a target (no error at all); such packages get an "excluded" row for
  that target when another target did list them.

Example::

    files_per_target("mod", ["linux/amd64", "windows/amd64"], package="./p")
"""

from __future__ import annotations

import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .errors import ParseError
from .targets import Target, parse_target, validate_target

if TYPE_CHECKING:
    import pandas as pd

LOGGER = logging.getLogger(__name__)

__all__ = ["files_per_target", "list_packages", "COLUMNS"]

#: Columns of the DataFrame :func:`files_per_target` returns.
COLUMNS = [
    "target", "goos", "goarch", "import_path", "name", "dir", "status", "go_files",
    "ignored_go_files", "invalid_go_files", "cgo_files", "error", "deps_errors",
]
#: The machine has two cores; more parallel `go list` runs only contend.
MAX_WORKERS = 2


def list_packages(module_dir: str | os.PathLike, goos: str, goarch: str, *,
                  package: str | Sequence[str] = "./...", toolchain=None,
                  tags: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Run ``go list -e -json`` for one target and return the package objects.

    Args:
        module_dir: Directory to run in (a module root or below).
        goos, goarch: The target.
        package: Package pattern(s).
        toolchain: The toolchain to run (default: :func:`goenv.toolchain.default`).
        tags: Build tags for ``-tags``.

    Returns:
        One dict per package, as the go command prints it. When the go command
        fails without printing packages (no go.mod, a timeout), a single
        pseudo-package ``{"ImportPath": <pattern>, "Error": {"Err": stderr}}``.

    Raises:
        ParseError: stdout is not a stream of JSON objects.
    """
    if toolchain is None:
        from .toolchain import default

        toolchain = default()
    patterns = [package] if isinstance(package, str) else list(package)
    args = ["list", "-e", "-json"]
    tags = list(tags or ())
    if tags:
        args.append("-tags=" + ",".join(tags))
    # goindex=0: see the module docstring (InvalidGoFiles vanishes with the index).
    env = {"GOOS": goos, "GOARCH": goarch, "GODEBUG": "goindex=0"}
    # cgo needs a C cross-compiler for foreign targets, which the course does
    # not have; with it off, cgo files show up as ignored instead of failing.
    if (goos, goarch) != (toolchain.hostos, toolchain.hostarch):
        env["CGO_ENABLED"] = "0"
    res = toolchain.run_go(args + ["--", *patterns], cwd=module_dir, env=env, timeout=120)
    packages = _json_stream(res.stdout)
    if not packages and (res.returncode != 0 or res.stderr.strip()):
        packages = [{"ImportPath": " ".join(patterns), "Incomplete": True,
                     "Error": {"Err": res.stderr.strip() or f"go list exited with {res.returncode}"}}]
    return packages


def _json_stream(text: str) -> list[dict[str, Any]]:
    # go list prints one JSON object per package, back to back, not an array.
    decoder = json.JSONDecoder()
    objects: list[dict[str, Any]] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return objects
        try:
            obj, pos = decoder.raw_decode(text, pos)
        except ValueError as exc:
            raise ParseError(f"go list printed something that is not JSON at offset {pos}: {exc}") from exc
        objects.append(obj)


def files_per_target(module_dir: str | os.PathLike, targets: Iterable[str | tuple[str, str] | Target], *,
                     package: str | Sequence[str] = "./...", toolchain=None,
                     tags: Iterable[str] | None = None) -> "pd.DataFrame":
    """Tabulate, per target, the files each package compiles and ignores.

    Args:
        module_dir: Directory to run ``go list`` in.
        targets: "goos/goarch" strings, (goos, goarch) pairs or :class:`Target` s.
        package: Package pattern(s), default ``./...``.
        toolchain: The toolchain to run (default: :func:`goenv.toolchain.default`).
        tags: Build tags applied to every target.

    Returns:
        A DataFrame with :data:`COLUMNS`, one row per (target, package), in the
        order of ``targets`` then import path. ``status`` is "ok", "error"
        (``error`` holds the go command's message) or "excluded" (``./...``
        skipped the package for this target). File columns hold lists.

    Raises:
        FileNotFoundError: ``module_dir`` does not exist.
        InvalidOption: a target is malformed or unknown (with a suggestion).
    """
    import pandas as pd

    directory = Path(module_dir)
    if not directory.is_dir():
        raise FileNotFoundError(f"module directory {directory} does not exist")
    if toolchain is None:
        from .toolchain import default

        toolchain = default()
    pairs = [parse_target(t) for t in targets]
    for goos, goarch in pairs:
        validate_target(goos, goarch, toolchain=toolchain)
    tags = list(tags or ())

    def one(pair: tuple[str, str]) -> list[dict[str, Any]]:
        return list_packages(directory, *pair, package=package, toolchain=toolchain, tags=tags)

    # Threads are enough: the work happens in the go subprocesses.
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, max(len(pairs), 1))) as pool:
        results = list(pool.map(one, pairs))

    rows: list[dict[str, Any]] = []
    for (goos, goarch), packages in zip(pairs, results):
        for pkg in sorted(packages, key=lambda p: p.get("ImportPath", "")):
            rows.append(_row(goos, goarch, pkg))
    rows.extend(_excluded_rows(pairs, rows, package))
    order = {pair: i for i, pair in enumerate(pairs)}
    rows.sort(key=lambda r: (order[(r["goos"], r["goarch"])], r["import_path"]))
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(goos: str, goarch: str, pkg: dict[str, Any]) -> dict[str, Any]:
    error = (pkg.get("Error") or {}).get("Err")
    return {
        "target": f"{goos}/{goarch}", "goos": goos, "goarch": goarch,
        "import_path": pkg.get("ImportPath", ""), "name": pkg.get("Name"), "dir": pkg.get("Dir"),
        "status": "error" if error else "ok",
        "go_files": list(pkg.get("GoFiles") or []),
        "ignored_go_files": list(pkg.get("IgnoredGoFiles") or []),
        "invalid_go_files": list(pkg.get("InvalidGoFiles") or []),
        "cgo_files": list(pkg.get("CgoFiles") or []),
        "error": error,
        "deps_errors": [e.get("Err", "") for e in pkg.get("DepsErrors") or []],
    }


def _excluded_rows(pairs: list[tuple[str, str]], rows: list[dict[str, Any]],
                   package: str | Sequence[str]) -> list[dict[str, Any]]:
    patterns = [package] if isinstance(package, str) else list(package)
    if not any("..." in p for p in patterns):
        return []  # explicit packages always get a row (with an error if excluded)
    seen: dict[str, dict[str, Any]] = {}
    present: set[tuple[str, str, str]] = set()
    for r in rows:
        if r["dir"]:  # real packages only, not the go command's pseudo-packages for bad patterns
            seen.setdefault(r["import_path"], r)
        present.add((r["goos"], r["goarch"], r["import_path"]))
    extra = []
    for goos, goarch in pairs:
        for path, example in seen.items():
            if (goos, goarch, path) in present:
                continue
            extra.append({
                "target": f"{goos}/{goarch}", "goos": goos, "goarch": goarch, "import_path": path,
                "name": None, "dir": example["dir"], "status": "excluded", "go_files": [],
                "ignored_go_files": [], "invalid_go_files": [], "cgo_files": [],
                "error": "build constraints exclude all Go files (the ... pattern skipped the package)",
                "deps_errors": [],
            })
    return extra
