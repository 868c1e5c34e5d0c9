"""Checks for lab 06 (build target vs execution context): stamping a binary and reading it back.

Import this module *as* ``checks`` in the lab's setup cell::

    from goenv.grading import checks_lab06 as checks

It re-exports everything of :mod:`goenv.grading.checks` and adds what that module cannot do yet:

* **-X stamps.** :func:`x_assignments` parses the ``-X importpath.name=value`` assignments of an
  ``-ldflags`` string; :func:`expect_x_stamp` checks the one recorded in a binary's build
  information, and :func:`expect_version` what the program printed, with the binary's own build
  information as the expected value when nothing was stamped.
* **Builds in a git checkout.** goenv builds every program in a fresh directory that is not under
  version control, so the go command stamps no ``vcs.*`` settings. :func:`build_in_git` commits
  the learner's program in a throwaway git repository (fixed author and dates, optionally tagged,
  with later commits or an uncommitted edit) and runs ``go build`` there; :func:`checkout` returns
  what git itself says about that checkout (``git rev-parse HEAD``).
* **A build report.** :func:`report_lines` computes, from ``go version -m``, the report the lab's
  program must print from ``debug.ReadBuildInfo``; :func:`expect_report` compares them.
* **A cached ReadBuildInfo.** :func:`cache_harness` adds the grader's own test file to the
  learner's program; :func:`expect_cached` measures allocations per call with
  ``testing.AllocsPerRun`` and :func:`expect_cached_concurrently` calls a fresh cache from several
  goroutines at once under the race detector.

Same conventions as :mod:`goenv.grading.checks`: passing checks print ``✓ ...`` on stdout,
failures raise :class:`CheckFailed` with a message for the learner, nothing goes to stderr.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ..build import binary_name, language_version
from ..cache import cache_key, default_cache
from ..options import BuildOptions
from ..results import BuildResult, RunResult
from ..toolchain import default
from ..workspace import Program, remove_dir
from .checks import *  # noqa: F401,F403 (this module extends the lab checks)
from .checks import __all__ as _BASE_ALL
from .checks import (CheckFailed, _binary_of, _guarded, _resolve, _tail, build, buildinfo, expect, expect_ok,
                     passed, run)

__all__ = [*_BASE_ALL, "x_assignments", "expect_x_stamp", "expect_version", "Checkout", "build_in_git",
           "run_in_git", "checkout", "with_module", "report_lines", "expect_report", "expected_commit",
           "expect_commit", "cache_harness", "expect_cached", "expect_cached_concurrently"]


def _shown(result: RunResult) -> str:
    return _tail(result.stdout) if result.stdout.strip() else "    (nothing)"


def _line_value(result: RunResult, prefix: str) -> str | None:
    """The rest of the first stdout line that starts with ``prefix`` (stripped), or None."""
    prefix = prefix.strip()
    for line in result.stdout.splitlines():
        line = line.strip()
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    return None


def _how_built(b: BuildResult) -> str:
    return BuildOptions.coerce(b.options).describe()


# -- task 1: -X stamps ------------------------------------------------------------------------


def x_assignments(ldflags: str | None) -> dict[str, str]:
    """The ``-X importpath.name=value`` assignments of an ``-ldflags`` string, as name -> value.

    Accepts the spellings the linker accepts (``-X a.b=v``, ``-X=a.b=v``, ``--X a.b=v``); the
    string is split like the go command splits it (spaces, with single or double quotes). A later
    assignment of the same name wins. An ``-X`` argument without ``=`` is left out.
    """
    try:
        words = shlex.split(ldflags or "")
    except ValueError:
        words = (ldflags or "").split()
    out: dict[str, str] = {}
    i = 0
    while i < len(words):
        w = words[i]
        arg = None
        if w in ("-X", "--X"):
            arg = words[i + 1] if i + 1 < len(words) else None
            i += 1
        elif w.startswith(("-X=", "--X=")):
            arg = w.split("=", 1)[1]
        if arg is not None and "=" in arg:
            name, value = arg.split("=", 1)
            out[name] = value
        i += 1
    return out


def expect_x_stamp(result, symbol: str, value: str):
    """The binary's build information records ``-ldflags`` with ``-X symbol=value``. Returns the BuildInfo."""
    info = buildinfo(result)
    b = _binary_of(result)
    flags = info.settings.get("-ldflags")
    if flags is None:
        why = (" With -trimpath the go command leaves -ldflags out of the build information, so build "
               "without it." if info.trimpath else "")
        raise CheckFailed(f"the binary's build information records no -ldflags: it was built without linker flags "
                          f"({_how_built(b)}). Set the -ldflags text so that -X sets {symbol} to {value!r}.{why}")
    xs = x_assignments(flags)
    if symbol not in xs:
        if not xs:
            raise CheckFailed(f"the binary was built with -ldflags={flags!r}, which sets no variable: -X "
                              f"importpath.name=value sets one, e.g. -X {symbol}=...")
        near = [n for n in xs if n.lower() == symbol.lower() or n.rpartition(".")[2] == symbol.rpartition(".")[2]]
        hint = (f" {near[0]} is not {symbol}: the name is case-sensitive and must include the import path of the "
                f"package that declares the variable (main for package main)." if near else "")
        raise CheckFailed(f"the binary was built with -ldflags={flags!r}: -X sets {', '.join(xs)}, not {symbol}."
                          f"{hint} The linker silently ignores -X for a name that does not exist, so the build "
                          f"succeeds and the variable keeps its value.")
    expect(xs[symbol] == value, f"the binary was built with -ldflags={flags!r}: -X sets {symbol} to {xs[symbol]!r}; "
                                f"expected {value!r}.")
    passed(f"build info: -ldflags sets {symbol}={value}")
    return info


def expect_version(result: RunResult, stamped: str | None = None) -> str:
    """The program printed ``version: V``: the ``-X`` value ``stamped``, or, when nothing was stamped
    (``stamped=None``), the main module's version read from the binary. Returns V."""
    b = result.build
    info = buildinfo(b)
    state = checkout(b)
    where = f"built for {_how_built(b)}" + (f" in a git checkout ({state.describe()})" if state else "")
    got = _line_value(result, "version:")
    if stamped is not None:
        want = stamped
        why = (f"-X stamped main.version={stamped!r}, so the program must print that value. A constant, or a "
               f"variable initialized by a function call, is not changed by -X: only a string variable that is "
               f"uninitialized or initialized to a constant string is.")
    else:
        want = info.main.version if info.main else "unknown"
        why = (f"nothing was stamped with -X, so main.version is empty and the program must fall back to the "
               f"main module's version in its build information, which is {want!r} for this binary.")
    expect(got is not None, f"{where}, the program printed no line `version: ...`; it printed:\n{_shown(result)}")
    expect(got == want, f"{where}, the program printed `version: {got}`; expected `version: {want}`: {why}")
    passed(f"version: {want} ({'stamped with -X' if stamped is not None else 'the module version, nothing stamped'})")
    return got


# -- builds in a git checkout ---------------------------------------------------------------

#: Author and committer of every commit; with fixed dates a program's commits are reproducible.
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Lab 06", "GIT_AUTHOR_EMAIL": "lab06@example.com",
                "GIT_COMMITTER_NAME": "Lab 06", "GIT_COMMITTER_EMAIL": "lab06@example.com"}
#: Commit time of the first commit (later commits follow one minute apart).
GIT_DATE = "2026-03-14T15:09:26Z"
#: The file a later commit changes, and the file an uncommitted edit changes.
NOTES_FILE = "NOTES.txt"


@dataclass(frozen=True)
class Checkout:
    """What git says about the checkout a binary was built in.

    Attributes:
        revision: ``git rev-parse HEAD``.
        modified: whether the working tree had an uncommitted change.
        tag: the tag on the first commit, if any.
        commits: number of commits.
        buildvcs: False when built with ``-buildvcs=false``.
    """

    revision: str
    modified: bool
    tag: str | None
    commits: int
    buildvcs: bool = True

    def describe(self) -> str:
        parts = [f"HEAD {self.revision[:12]}", f"{self.commits} commit{'s' if self.commits > 1 else ''}"]
        if self.tag:
            parts.append(f"tag {self.tag} on the first")
        parts.append("an uncommitted edit" if self.modified else "clean tree")
        if not self.buildvcs:
            parts.append("-buildvcs=false")
        return ", ".join(parts)


#: binary path -> the checkout it was built in (for the messages and expectations).
_CHECKOUTS: dict[str, Checkout] = {}


def checkout(result) -> Checkout | None:
    """The :class:`Checkout` a build from :func:`build_in_git` was made in (None for any other build)."""
    return _CHECKOUTS.get(_binary_of(result).binary)


def _git(args: list[str], repo: Path, home: Path, date: str | None = None) -> str:
    # Own HOME, no system or global config: the machine's git settings (signing, hooks) stay out.
    env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, **GIT_IDENTITY}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    try:
        proc = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false",
                               "-c", "tag.gpgsign=false", *args],
                              cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise CheckFailed("git is not installed on this machine: the test builds your program in a git checkout.") \
            from None
    if proc.returncode != 0:
        raise CheckFailed(f"git {' '.join(args[:2])} failed while preparing the test's checkout:\n{_tail(proc.stderr)}")
    return proc.stdout.strip()


def _minute(i: int) -> str:
    from datetime import datetime, timedelta, timezone

    base = datetime.strptime(GIT_DATE, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return (base + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _main_file(prog: Program) -> str:
    top = sorted(k for k, _ in prog.files if "/" not in k and k.endswith(".go") and not k.endswith("_test.go"))
    return "main.go" if "main.go" in top else (top[0] if top else "main.go")


@_guarded
def build_in_git(target, *, tag: str | None = None, commits: int = 1, dirty: bool = False, buildvcs: bool = True,
                 **options) -> BuildResult:
    """Commit the learner's program in a throwaway git repository and ``go build`` it there.

    Args:
        target: a ``--name``, a NamedProgram or a program, as for :func:`checks.build`.
        tag: a tag (e.g. ``"v0.3.1"``) on the first commit.
        commits: how many commits; each one after the first changes ``NOTES.txt``.
        dirty: leave an uncommitted edit (a comment appended to ``main.go``) in the working tree.
        buildvcs: False builds with ``-buildvcs=false``.
        options: BuildOptions fields that override the cell's (``ldflags=""`` for no linker flags).

    The repository has a fixed author and fixed commit dates, so the same program gives the same
    commits; the tag is part of the first commit's message, so a tagged and an untagged checkout
    never share a revision (the go command caches what it learns about a revision). Binaries are
    kept in goenv's binary cache under a key that includes the revision and the tree's state.

    Raises:
        CheckFailed: git is missing or fails, or the program does not build there.
    """
    if commits < 1:
        raise CheckFailed("build_in_git needs at least one commit")
    prog, opts, _env, label = _resolve(target)
    opts = BuildOptions.coerce(opts, **options)
    tc = default()
    opts = opts.resolved(tc.hostos, tc.hostarch)
    tmp = Path(tempfile.mkdtemp(prefix="goenv-lab06-git-"))
    try:
        repo, home, outdir = tmp / "repo", tmp / "home", tmp / "out"
        home.mkdir()
        outdir.mkdir()
        prog.materialize(repo, go_version=language_version(tc))
        _git(["init", "-q"], repo, home)
        _git(["add", "-A"], repo, home)
        _git(["commit", "-qm", f"release {tag}" if tag else "first commit"], repo, home, _minute(0))
        if tag:
            _git(["tag", tag], repo, home)
        for i in range(1, commits):
            with open(repo / NOTES_FILE, "a") as f:
                f.write(f"change {i}\n")
            _git(["add", NOTES_FILE], repo, home)
            _git(["commit", "-qm", f"change {i}"], repo, home, _minute(i))
        if dirty:
            with open(repo / _main_file(prog), "a") as f:
                f.write("\n// an uncommitted edit\n")
        state = Checkout(revision=_git(["rev-parse", "HEAD"], repo, home), modified=dirty, tag=tag, commits=commits,
                         buildvcs=buildvcs)
        extra = [] if buildvcs else ["-buildvcs=false"]
        key = hashlib.sha256(f"{cache_key(prog, opts, tc)}\0lab06-git\0{json.dumps(asdict(state), sort_keys=True)}"
                             .encode()).hexdigest()
        store = default_cache()
        result = store.get(key)
        if result is None:
            out = outdir / binary_name(prog, opts)
            # The go command runs git itself: the same clean configuration as above.
            env = {**opts.go_env(), "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
            proc = tc.run_go(["build", "-o", str(out), *opts.go_flags(), *extra, "."], cwd=repo, env=env)
            output = (proc.stdout + proc.stderr).replace(str(repo) + "/", "")
            if proc.returncode != 0 or not out.is_file():
                raise CheckFailed(f"{label} does not build in a git checkout ({state.describe()}, "
                                  f"{opts.describe()}):\n{_tail(output)}")
            result = BuildResult(ok=True, binary=str(out), goos=opts.goos, goarch=opts.goarch, options=opts.to_dict(),
                                 output=output, go_version=tc.version, message="built in a git checkout",
                                 workdir=str(repo))
            result = store.put(key, out, result)
    finally:
        remove_dir(tmp)
    _CHECKOUTS[result.binary] = state
    return result


def run_in_git(target, *, tag: str | None = None, commits: int = 1, dirty: bool = False, buildvcs: bool = True,
               args=(), env=None, **options) -> RunResult:
    """:func:`build_in_git`, then run the binary (it must exit with status 0)."""
    b = build_in_git(target, tag=tag, commits=commits, dirty=dirty, buildvcs=buildvcs, **options)
    _p, _o, named_env, _label = _resolve(target)
    return run(b, args=args, env={**named_env, **(env or {})})


# -- task 2: the build report ----------------------------------------------------------------


def with_module(target, module: str) -> Program:
    """The learner's program as a module with another path (its go.mod written or rewritten)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._~/-]*", module):
        raise CheckFailed(f"not a module path: {module!r}")
    prog, _opts, _env, _label = _resolve(target)
    files = {k: v for k, v in prog.files}
    gomod = files.get("go.mod")
    if gomod is None:
        text = f"module {module}\n\ngo {language_version(default())}\n"
    else:
        text = re.sub(r"(?m)^module\s+\S+", f"module {module}", gomod.decode("utf-8", errors="replace"), count=1)
    files["go.mod"] = text.encode()
    return Program.from_files(files, name=prog.name)


def report_lines(info) -> list[str]:
    """The report the lab's program prints, computed from a binary's build information (``go version -m``).

    The level setting is the one named ``GO`` + GOARCH in upper case (GOAMD64, GOARM64, ...).
    """
    s = info.settings
    goarch = s.get("GOARCH", "")
    key = "GO" + goarch.upper()
    return [
        f"path: {info.path}",
        f"module: {info.main.path} {info.main.version}" if info.main else "module: none",
        f"target: {s.get('GOOS', '')}/{goarch}",
        f"level: {key}={s[key]}" if key in s else "level: none",
        f"cgo: {s.get('CGO_ENABLED', 'unknown')}",
        f"trimpath: {'true' if s.get('-trimpath') == 'true' else 'false'}",
    ]


_REPORT_HINTS = {
    "path": "the import path of the main package (BuildInfo.Path)",
    "module": "the main module's path and version (BuildInfo.Main), separated by a space",
    "target": "the GOOS and GOARCH settings of the build",
    "level": "the setting named GO + GOARCH in upper case, as KEY=VALUE, or none",
    "cgo": "the CGO_ENABLED setting of the build, not the environment the program runs in",
    "trimpath": "true when the build settings have -trimpath=true, else false",
}


def expect_report(result: RunResult, env: dict | None = None) -> list[str]:
    """The program's report equals :func:`report_lines` of the binary that ran. Returns the expected lines.

    ``env`` (the run's environment, if the test set one) is named in the message.
    """
    b = result.build
    want = report_lines(buildinfo(b))
    got = [ln.strip() for ln in result.stdout.splitlines() if ln.strip()]
    if got == want:
        passed("the report matches the binary's build information: " + "; ".join(want[2:]))
        return want
    ran = f" under {result.runner}" if result.emulated else ""
    context = f"built for {_how_built(b)}, run{ran}" + (
        " with " + " ".join(f"{k}={v}" for k, v in env.items()) + " in its environment" if env else "")
    problems = []
    for i, line in enumerate(want):
        field = line.split(":", 1)[0]
        seen = next((g for g in got if g.split(":", 1)[0] == field), None)
        if seen != line:
            problems.append(f"    expected {line!r} ({_REPORT_HINTS[field]}); "
                            + (f"it printed {seen!r}" if seen is not None else "it printed no such line"))
    if not problems:
        problems.append(f"    the right lines, but not exactly these {len(want)} in this order: {want}")
    raise CheckFailed(f"{context}, the program's report does not match the binary's build information "
                      f"(read with go version -m):\n" + "\n".join(problems[:6]))


# -- task 3: the commit --------------------------------------------------------------------


def expected_commit(info) -> str:
    """``commit(bi)`` of the lab: 12 hex digits of vcs.revision, ``+dirty`` when vcs.modified, or unknown."""
    revision = info.settings.get("vcs.revision", "")
    if not revision:
        return "unknown"
    return revision[:12] + ("+dirty" if info.settings.get("vcs.modified") == "true" else "")


def expect_commit(result: RunResult) -> str:
    """The program printed ``commit: C`` with C from the binary's vcs settings (and, for a build in a
    git checkout, the revision git itself reports). Returns C."""
    b = result.build
    info = buildinfo(b)
    state = checkout(b)
    want = expected_commit(info)
    if state is not None:
        # The expectation comes from the binary; git must agree with it, or the test itself is wrong.
        stamped = info.settings.get("vcs.revision")
        if state.buildvcs and stamped != state.revision:
            raise CheckFailed(f"grader problem: the binary records vcs.revision={stamped!r}, git says HEAD is "
                              f"{state.revision}; please tell your instructor.")
        where = f"built in a git checkout ({state.describe()})"
    else:
        where = "built outside any git checkout"
    got = _line_value(result, "commit:")
    expect(got is not None, f"{where}, the program printed no line `commit: ...`; it printed:\n{_shown(result)}")
    if got != want:
        modified = info.settings.get("vcs.modified")
        if want == "unknown":
            why = "the build information has no vcs.revision setting, so commit must return \"unknown\"."
        elif got and want.startswith(got.removesuffix("+dirty")[:7]) and len(got.removesuffix("+dirty")) != 12:
            why = f"the revision must be cut to its first 12 hex digits ({len(got.removesuffix('+dirty'))} printed)."
        elif modified == "true" and not got.endswith("+dirty"):
            why = "the build settings say vcs.modified=true (the tree had an uncommitted change): append \"+dirty\"."
        elif modified != "true" and got.endswith("+dirty"):
            why = f"the build settings say vcs.modified={modified}: \"+dirty\" only when it is true."
        else:
            why = "the revision comes from the vcs.revision build setting of this binary."
        raise CheckFailed(f"{where}, the program printed `commit: {got}`; expected `commit: {want}`: {why}")
    passed(f"commit: {want}, {where}")
    return got


# -- task 4: a cached ReadBuildInfo ----------------------------------------------------------

#: The grader's test file, added to the learner's package main. It measures newBuildInfoCache
#: itself: allocations per call after the first (testing.AllocsPerRun), the same result on every
#: call, the same content as debug.ReadBuildInfo, and a fresh cache used by goroutines at once.
HARNESS_FILE = "zz_lab06_grader_test.go"
CONCURRENT_CALLERS = 8
_HARNESS = '''package main

import (
	"fmt"
	"runtime/debug"
	"sync"
	"testing"
)

var lab06SinkInfo *debug.BuildInfo
var lab06SinkOK bool

func TestLab06Cache(t *testing.T) {
	want, wantOK := debug.ReadBuildInfo()
	get := newBuildInfoCache()
	first, ok := get()
	same := true
	allocs := testing.AllocsPerRun(RUNS, func() {
		info, ok2 := get()
		if info != first || ok2 != ok {
			same = false
		}
		lab06SinkInfo, lab06SinkOK = info, ok2
	})
	match := ok == wantOK && (first == nil) == (want == nil) && (first == nil || first.String() == want.String())
	fmt.Printf("lab06-cache: allocs=%v same=%v match=%v ok=%v\\n", allocs, same, match, ok)
}

func TestLab06Concurrent(t *testing.T) {
	get := newBuildInfoCache()
	start := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]*debug.BuildInfo, CALLERS)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start // all callers start together: the first calls overlap
			results[i], _ = get()
		}(i)
	}
	close(start)
	wg.Wait()
	same := true
	for _, r := range results {
		if r == nil || r != results[0] {
			same = false
		}
	}
	fmt.Printf("lab06-concurrent: callers=%d same=%v\\n", len(results), same)
}
'''
_CACHE_RE = re.compile(r"^lab06-cache: allocs=(?P<allocs>[\d.e+-]+) same=(?P<same>\w+) match=(?P<match>\w+) "
                       r"ok=(?P<ok>\w+)$", re.M)
_CONCURRENT_RE = re.compile(r"^lab06-concurrent: callers=(?P<callers>\d+) same=(?P<same>\w+)$", re.M)
_SIGNATURE = "func newBuildInfoCache() func() (*debug.BuildInfo, bool)"


def cache_harness(target, runs: int = 1000) -> Program:
    """The learner's program plus the grader's test file (package main), to build with ``mode="test"``."""
    prog, _opts, _env, _label = _resolve(target)
    files = {k: v for k, v in prog.files}
    files[HARNESS_FILE] = _HARNESS.replace("RUNS", str(int(runs))).replace("CALLERS", str(CONCURRENT_CALLERS))
    return Program.from_files(files, name=prog.name)


def _build_harness(target, **options) -> BuildResult:
    build(target, **{k: v for k, v in options.items() if k != "race"})  # the learner's own errors first
    prog, opts, _env, label = _resolve(target)
    harness = cache_harness(target)
    try:
        return build(harness, **{**opts.to_dict(), "mode": "test", **options})
    except CheckFailed as exc:
        raise CheckFailed(f"{label} builds, but not together with the grader's test, which calls "
                          f"`{_SIGNATURE}` and takes the function it returns. Keep that signature "
                          f"(and do not name anything lab06...).\n{exc}") from None


def expect_cached(target, **options) -> float:
    """``newBuildInfoCache()`` returns a function that gives ReadBuildInfo's result, the same value on
    every call, and allocates nothing after its first call. Returns the allocations per call."""
    b = _build_harness(target, **options)
    r = run(b, args=["-test.run=^TestLab06Cache$"], timeout=60)
    m = _CACHE_RE.search(r.stdout)
    expect(m is not None, f"the grader's test printed no measurement; its output:\n{_shown(r)}")
    allocs = float(m["allocs"])
    expect(m["ok"] == "true", "the function newBuildInfoCache returns says ok=false, but this binary has build "
                              "information: return what debug.ReadBuildInfo returns.")
    expect(m["match"] == "true", "the function newBuildInfoCache returns gives other build information than "
                                 "debug.ReadBuildInfo (BuildInfo.String() differs): return what ReadBuildInfo returns.")
    expect(allocs == 0,
           f"after its first call, the function newBuildInfoCache returns still allocates {allocs:g} time(s) per call "
           f"(testing.AllocsPerRun): debug.ReadBuildInfo parses the embedded text on every call. Call it once and "
           f"keep its result.")
    expect(m["same"] == "true", "the function newBuildInfoCache returns gives a different *debug.BuildInfo on a later "
                                "call: return the same value every time.")
    passed("the cached build information: the same value on every call, 0 allocations per call after the first")
    return allocs


def expect_cached_concurrently(target) -> RunResult:
    """A fresh cache called by several goroutines at once, built with ``-race``: no data race, and all
    callers get the same value. Returns the run."""
    from .checks_lab04 import GORACE, expect_race_free

    b = _build_harness(target, race=True)
    r = run(b, args=["-test.run=^TestLab06Concurrent$"], env={"GORACE": GORACE}, timeout=120,
            expect_success=False)
    if "not implemented yet" not in r.stderr:
        try:
            expect_race_free(r)
        except CheckFailed as exc:
            raise CheckFailed(f"{CONCURRENT_CALLERS} goroutines called a fresh cache for the first time at once, "
                              f"and {exc}\nA plain `if !done {{ ... }}` check is such a race: use sync.Once, "
                              f"sync.OnceValues or a mutex.") from None
    expect_ok(r)
    m = _CONCURRENT_RE.search(r.stdout)
    expect(m is not None, f"the grader's test printed no result; its output:\n{_shown(r)}")
    expect(m["same"] == "true", f"{m['callers']} goroutines called a fresh cache at once and did not all get the same "
                                f"*debug.BuildInfo: the build information must be read once, by one caller.")
    passed(f"{m['callers']} goroutines at once, with the race detector: no data race, one value for all")
    return r
