"""Checks for lab 05 (build constraints): which files each target compiles, and what gofmt says.

Import this module *as* ``checks`` in the lab's setup cell::

    from goenv.grading import checks_lab05 as checks

It re-exports everything of :mod:`goenv.grading.checks` (``build``, ``run``, ``expect_output``...)
and adds:

* :func:`selection` — ``go list`` per target for a learner's ``%%go --name`` program: the files
  each target compiles and ignores (the go command decides, nothing is re-implemented here);
* :func:`expect_compiled`, :func:`expect_fallback`, :func:`expect_only_on`,
  :func:`expect_tag_file` — expectations on that selection;
* :func:`expect_builds` — build for several targets; a failure quotes the compiler and the files
  the target compiled, and says what the usual cause is (no file or two files define a name);
* :func:`gofmt_go_build` and :func:`expect_same_meaning` — the ``//go:build`` line gofmt writes
  for a ``// +build`` file, and a comparison of two constraints by truth table, both with the
  real toolchain (gofmt, and a small Go program using ``go/build/constraint``).

Same conventions as :mod:`goenv.grading.checks`: passing checks print ``✓ ...`` on stdout,
failures raise :class:`CheckFailed` with a message for the learner, nothing goes to stderr.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .checks import *  # noqa: F401,F403 (this module extends the lab checks)
from .checks import __all__ as _BASE_ALL
from .checks import CheckFailed, _guarded, _resolve, _tail, build, expect, passed

__all__ = [*_BASE_ALL, "Selection", "selection", "expect_compiled", "expect_fallback", "expect_only_on",
           "expect_tag_file", "expect_builds", "gofmt_go_build", "expect_same_meaning"]


@dataclass(frozen=True)
class Selection:
    """What ``go list`` says about one package for one target.

    Attributes:
        target: ``goos/goarch``.
        go_files: the files the target compiles (GoFiles).
        ignored: the files its build constraints exclude (IgnoredGoFiles).
        invalid: files the go command could not read (e.g. a malformed ``//go:build`` line).
        error: the go command's error for the package, if any.
    """

    target: str
    go_files: tuple[str, ...]
    ignored: tuple[str, ...]
    invalid: tuple[str, ...]
    error: str | None

    def describe(self) -> str:
        if self.error:
            return f"{self.target}: error: {self.error.strip().splitlines()[0]}"
        return f"{self.target}: compiles {', '.join(self.go_files) or '(nothing)'}"


def _package_label(package: str) -> str:
    return "the main package" if package in (".", "./") else f"package {package.removeprefix('./')}"


@_guarded
def selection(target, targets, *, package: str = ".", tags=None, show: bool = True) -> dict[str, Selection]:
    """``go list`` for one package of the learner's program, once per target.

    Args:
        target: a ``%%go --name`` (or what :func:`goenv.grading.checks.build` accepts).
        targets: ``"goos/goarch"`` strings.
        package: the package inside the program, e.g. ``"./paths"`` (default: the main package).
        tags: build tags (default: the ``%%go`` cell's own ``--tags``); ``()`` for none.
        show: print one line per target (the files it compiles).

    Returns:
        ``{target: Selection}`` in the order of ``targets``.

    Raises:
        CheckFailed: the go command rejects the package for a target (a malformed ``//go:build``
            line, no file left for the target, a file of another package...).
    """
    from concurrent.futures import ThreadPoolExecutor

    from ..build import language_version
    from ..golist import MAX_WORKERS, list_packages
    from ..targets import parse_target, validate_target
    from ..toolchain import default
    from ..workspace import remove_dir

    prog, opts, _env, label = _resolve(target)
    tags = opts.tags if tags is None else tuple(tags)
    targets = list(targets)
    tc = default()
    pairs = [parse_target(t) for t in targets]
    for goos, goarch in pairs:
        validate_target(goos, goarch, toolchain=tc)
    workdir = prog.materialize(go_version=language_version(tc))
    # golist.list_packages, not files_per_target: the same `go list -e -json` per target, without
    # building a DataFrame (importing pandas costs a learner's first test run a second or more).
    try:
        with ThreadPoolExecutor(max_workers=MAX_WORKERS) as pool:
            listed = list(pool.map(lambda pair: list_packages(workdir, *pair, package=package, toolchain=tc,
                                                              tags=tags), pairs))
    finally:
        remove_dir(workdir)
    out: dict[str, Selection] = {}
    for t, packages in zip(targets, listed):
        if len(packages) > 1:
            raise CheckFailed(f"selection() looks at one package; `go list {package}` matched {len(packages)}")
        if packages:
            pkg = packages[0]
            out[t] = Selection(t, tuple(pkg.get("GoFiles") or ()), tuple(pkg.get("IgnoredGoFiles") or ()),
                               tuple(pkg.get("InvalidGoFiles") or ()), (pkg.get("Error") or {}).get("Err") or None)
    with_tags = f" with -tags {','.join(tags)}" if tags else ""
    for t in targets:
        sel = out.get(t)
        if sel is None:
            raise CheckFailed(f"`go list {package}` printed nothing for {t}: "
                              f"does {label} have {_package_label(package)}?")
        if sel.error:
            raise CheckFailed(f"the go command rejects {_package_label(package)} of {label} for {t}{with_tags}:\n"
                              f"{_tail(_strip_dir(sel.error))}\n" + _error_hint(sel.error))
    if show:
        passed(f"go list {package}{with_tags}:\n" + "\n".join("    " + out[t].describe() for t in targets))
    return out


def _strip_dir(text: str) -> str:
    # go list names files relative to the package directory, but some messages carry the temp dir.
    import re

    return re.sub(r"/\S*/goenv-[A-Za-z0-9_]+/", "", text)


def _error_hint(error: str) -> str:
    if "parsing //go:build line" in error:
        return ("A //go:build line is a boolean expression of tags joined with &&, || and ! (and parentheses), "
                "e.g. `linux && arm64`: not `linux/arm64` (how a target is written on the command line) and not "
                "`linux,arm64` (the old // +build syntax). A file name can say it too: name_linux_arm64.go.")
    if "misplaced compiler directive" in error:
        return ("A //go:build line counts only before the package clause (preceded only by blank lines and "
                "other comments), followed by a blank line.")
    if "build constraints exclude all Go files" in error:
        return ("Every file of the package is excluded for this target. Each target needs at least the files "
                "that define what the rest of the program uses.")
    if "found packages" in error:
        return "All files of one directory must declare the same package."
    return ""


def _sel(sel: dict[str, Selection], target: str) -> Selection:
    try:
        return sel[target]
    except KeyError:
        raise CheckFailed(f"no go list result for {target} (targets listed: {', '.join(sel)})") from None


def expect_compiled(sel: dict[str, Selection], target: str, *files: str) -> None:
    """``target`` compiles each of ``files`` (file names as go list prints them)."""
    s = _sel(sel, target)
    missing = [f for f in files if f not in s.go_files]
    expect(not missing,
           f"for {target} the go command does not compile {', '.join(missing)} (it compiles "
           f"{', '.join(s.go_files) or 'nothing'}; ignored: {', '.join(s.ignored) or 'nothing'}). "
           + _missing_hint(missing, s))
    passed(f"{target} compiles {', '.join(files)}")


def _missing_hint(missing: list[str], s: Selection) -> str:
    ignored = [f for f in missing if f in s.ignored]
    if ignored:
        return (f"{', '.join(ignored)} exists but its build constraint excludes {s.target}: check its name's "
                f"_GOOS/_GOARCH suffix and its //go:build line.")
    return "Is the file there, in the right directory, with exactly this name?"


def expect_fallback(sel: dict[str, Selection], *, os_files: dict[str, str], fallback_targets, shared=()) -> set[str]:
    """Every ``fallback_targets`` target compiles a fallback, and no ``os_files`` target compiles it.

    Args:
        sel: from :func:`selection`, with every target of ``os_files`` and ``fallback_targets``.
        os_files: ``{target: file}``: the per-OS file each of these targets must compile.
        fallback_targets: targets that have no file of their own and need the fallback.
        shared: files every target compiles (not part of any implementation).

    Returns:
        The fallback files (compiled by a fallback target, beyond the shared files).
    """
    for target, file in os_files.items():
        expect_compiled(sel, target, file)
    shared = set(shared)
    own = set(os_files.values())
    found: set[str] = set()
    for target in fallback_targets:
        s = _sel(sel, target)
        extra = [f for f in s.go_files if f not in shared]
        expect(extra, f"for {target} the package compiles only {', '.join(s.go_files) or 'nothing'}: no file "
                      f"provides the implementation there. {target} is none of the operating systems you wrote a "
                      f"file for, so it needs the fallback: a file whose //go:build line excludes exactly those "
                      f"systems (ignored for {target}: {', '.join(s.ignored) or 'nothing'}).")
        wrong = [f for f in extra if f in own]
        expect(not wrong, f"for {target} the go command compiles {', '.join(wrong)}, a file meant for another system.")
        found.update(extra)
    for target in os_files:
        s = _sel(sel, target)
        both = sorted(found & set(s.go_files))
        expect(not both,
               f"for {target} the go command compiles the fallback {', '.join(both)} next to {os_files[target]}, so "
               f"both implementations are in that build. The fallback's //go:build line must exclude every "
               f"operating system that has a file of its own.")
    passed(f"fallback {', '.join(sorted(found))} is compiled for {', '.join(fallback_targets)} "
           f"and for none of {', '.join(os_files)}")
    return found


def expect_only_on(sel: dict[str, Selection], target: str, *, what: str) -> set[str]:
    """Some file is compiled for ``target`` and for no other target of ``sel``. Returns those files.

    ``what`` says what such a file is for, for the message (e.g. "the arm64 Linux implementation").
    """
    s = _sel(sel, target)
    others = [o for o in sel.values() if o.target != target]
    only = {f for f in s.go_files if not any(f in o.go_files for o in others)}
    if not only:
        shared_with = {f: [o.target for o in others if f in o.go_files] for f in s.go_files}
        detail = "; ".join(f"{f} also for {', '.join(ts)}" for f, ts in shared_with.items() if ts)
        raise CheckFailed(
            f"no file is compiled for {target} alone: {what} must be in a file that the go command selects for "
            f"{target} and not for {', '.join(o.target for o in others)} ({detail or 'no files'}). "
            f"A runtime test of runtime.GOOS/GOARCH does not count: the point is that other targets never "
            f"compile this code.")
    passed(f"{', '.join(sorted(only))}: compiled for {target} only (not for {', '.join(o.target for o in others)})")
    return only


def expect_tag_file(with_tag: dict[str, Selection], without: dict[str, Selection], target: str, tag: str) -> set[str]:
    """Some file is compiled for ``target`` with ``-tags tag`` and ignored without it. Returns those files."""
    a, b = _sel(with_tag, target), _sel(without, target)
    extra = {f for f in a.go_files if f not in b.go_files}
    expect(extra, f"for {target}, `-tags {tag}` changes nothing in the files the go command compiles (with and "
                  f"without it: {', '.join(a.go_files)}). The feature must live in a file that only a build with "
                  f"-tags {tag} compiles: its //go:build line, before the package clause, names the tag (a file "
                  f"name alone is not a tag: only _GOOS and _GOARCH suffixes are constraints).")
    passed(f"-tags {tag} adds {', '.join(sorted(extra))} to the build for {target}")
    return extra


# -- builds for a target matrix ----------------------------------------------------------------


def expect_builds(target, targets, **options) -> dict:
    """Build the learner's program for every target of ``targets``; returns ``{target: BuildResult}``.

    Options are those of :func:`goenv.grading.checks.build` (e.g. ``tags=("pro",)``). A failure
    says why the usual way: a name no file defines for that target, or defines twice, with the
    files that target compiled.
    """
    results = {}
    for t in targets:
        goos, _, goarch = t.partition("/")
        try:
            results[t] = build(target, goos=goos, goarch=goarch, **options)
        except CheckFailed as exc:
            raise CheckFailed(f"{exc}\n{_build_hint(str(exc), target, t, options)}") from None
    passed(f"builds for {', '.join(targets)}")
    return results


def _build_hint(message: str, target, t: str, options: dict) -> str:
    if "redeclared" in message:
        why = ("Two files compiled for this target define the same name: only one implementation may be in "
               "each build, so the constraints of the files that define it must not overlap.")
    elif "undefined:" in message:
        why = ("No file compiled for this target defines that name: a target that none of your per-OS files "
               "covers needs a fallback file.")
    else:
        return _error_hint(message)
    files = _compiled_by_package(target, t, options)
    return why + (f"\n  For {t} the go command compiles: {files}" if files else "")


def _compiled_by_package(target, t: str, options: dict) -> str:
    """``pkg: a.go b.go; pkg2: ...`` for every package of the program, for one target (best effort)."""
    from ..build import language_version
    from ..golist import list_packages
    from ..toolchain import default
    from ..workspace import remove_dir

    try:
        prog, opts, _env, _label = _resolve(target)
        tags = options.get("tags", opts.tags)
        tags = (tags,) if isinstance(tags, str) else tuple(tags or ())
        workdir = prog.materialize(go_version=language_version(default()))
        try:
            goos, _, goarch = t.partition("/")
            pkgs = list_packages(workdir, goos, goarch, package="./...", tags=tags)
        finally:
            remove_dir(workdir)
    except Exception:  # a hint must never hide the real failure
        return ""
    parts = []
    for p in pkgs:
        path = p.get("ImportPath", "").removeprefix("example.com/prog").lstrip("/") or "main"
        parts.append(f"{path}: {' '.join(p.get('GoFiles') or []) or '(nothing)'}")
    return "; ".join(parts)


# -- // +build and gofmt -----------------------------------------------------------------------


@_guarded
def gofmt_go_build(source: str) -> str:
    """The ``//go:build`` line gofmt writes for this Go file (it adds one to a file with only ``// +build``).

    Raises:
        CheckFailed: gofmt rejects the file, or the file has no build constraint at all.
    """
    from ..toolchain import default

    tc = default()
    gofmt = Path(tc.goroot) / "bin" / "gofmt"
    proc = subprocess.run([str(gofmt)], input=source, capture_output=True, text=True, timeout=60, env=tc.env())
    if proc.returncode != 0:
        raise CheckFailed(f"gofmt rejects the file:\n{_tail(proc.stderr)}")
    for line in proc.stdout.splitlines():
        if line.startswith("//go:build "):
            return line
    raise CheckFailed("gofmt wrote no //go:build line for the file: it has no // +build line in its header.")


#: Compares two build constraints by truth table (stdin: two lines; stdout: one JSON object).
JUDGE = r'''package main

import (
	"bufio"
	"encoding/json"
	"os"
	"sort"

	"go/build/constraint"
)

type verdict struct {
	Verdict string   `json:"verdict"` // same, differ, not-go-build, invalid
	Detail  string   `json:"detail,omitempty"`
	On      []string `json:"on,omitempty"`
	Off     []string `json:"off,omitempty"`
	Got     bool     `json:"got"`
	Want    bool     `json:"want"`
}

func collect(x constraint.Expr, into map[string]bool) {
	switch x := x.(type) {
	case *constraint.TagExpr:
		into[x.Tag] = true
	case *constraint.NotExpr:
		collect(x.X, into)
	case *constraint.AndExpr:
		collect(x.X, into)
		collect(x.Y, into)
	case *constraint.OrExpr:
		collect(x.X, into)
		collect(x.Y, into)
	}
}

func main() {
	out := json.NewEncoder(os.Stdout)
	sc := bufio.NewScanner(os.Stdin)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	got, want := lines[0], lines[1]
	if !constraint.IsGoBuild(got) {
		out.Encode(verdict{Verdict: "not-go-build"})
		return
	}
	g, err := constraint.Parse(got)
	if err != nil {
		out.Encode(verdict{Verdict: "invalid", Detail: err.Error()})
		return
	}
	w, err := constraint.Parse(want)
	if err != nil {
		panic("the reference constraint does not parse: " + err.Error())
	}
	seen := map[string]bool{}
	collect(g, seen)
	collect(w, seen)
	var tags []string
	for t := range seen {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	if len(tags) > 20 {
		panic("too many tags to compare")
	}
	for mask := 0; mask < 1<<len(tags); mask++ {
		on := map[string]bool{}
		for i, t := range tags {
			on[t] = mask&(1<<i) != 0
		}
		has := func(tag string) bool { return on[tag] }
		if g.Eval(has) != w.Eval(has) {
			v := verdict{Verdict: "differ", Got: g.Eval(has), Want: w.Eval(has)}
			for _, t := range tags {
				if on[t] {
					v.On = append(v.On, t)
				} else {
					v.Off = append(v.Off, t)
				}
			}
			out.Encode(v)
			return
		}
	}
	out.Encode(verdict{Verdict: "same"})
}
'''


@_guarded
def expect_same_meaning(got: str, want: str) -> None:
    """``got`` is a ``//go:build`` line that is true for exactly the same tag sets as ``want``.

    Both lines are parsed with ``go/build/constraint`` and compared over every combination of
    the tags they mention (a small Go program, built once and cached).
    """
    from .. import api

    got = (got or "").strip()
    shown = repr(got) if got else "nothing"
    expect("\n" not in got, f"expected one //go:build line, got several lines: {shown}")
    r = api.run(JUDGE, stdin=f"{got}\n{want}\n")
    if not r.ok:
        raise CheckFailed(f"the constraint comparison failed: {r.message}\n{_tail(r.stderr)}")
    v = json.loads(r.stdout)
    if v["verdict"] == "not-go-build":
        raise CheckFailed(f"expected a line that starts with `//go:build `, got {shown}.")
    if v["verdict"] == "invalid":
        raise CheckFailed(f"{shown} is not a valid //go:build line: {v['detail']}. In //go:build lines tags are "
                          f"joined with && and ||, not with commas and spaces as in // +build lines.")
    if v["verdict"] == "differ":
        on, off = v.get("on") or [], v.get("off") or []
        if not on:
            when = f"when none of the tags {', '.join(off)} is set"
        else:
            when = f"when {', '.join(on)} {'is' if len(on) == 1 else 'are'} set" + (
                f" and {', '.join(off)} {'is' if len(off) == 1 else 'are'} not" if off else "")
        raise CheckFailed(
            f"{got!r} does not mean the same as gofmt's {want!r}: {when}, yours is "
            f"{str(v['got']).lower()} and gofmt's is {str(v['want']).lower()}. In // +build lines a space means "
            f"OR, a comma means AND, ! means NOT, and several lines must all hold (AND).")
    passed(f"{got!r} means the same as gofmt's {want!r}")
