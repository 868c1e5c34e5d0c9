"""Checks for the capstone: one platform-aware CLI, ``platinfo``, shipped for a target matrix.

The capstone's test cells use these next to :mod:`goenv.grading.checks`::

    from goenv.grading import checks, checks_capstone as cap
    b = cap.build_as("platinfo", "linux/arm64", ldflags="-X main.version=1.0.0 -X main.commit=abc1234")
    rep = cap.run_report(b)                       # natively or under qemu-user
    cap.expect_report(rep, version="1.0.0", target="linux/arm64")
    cap.expect_platform(rep)                      # machine and kernel as uname(2) says there

What is here that :mod:`~goenv.grading.checks` cannot do yet:

* :func:`build_as` builds the learner's program with exactly the options a test names, not the
  options of its ``%%go`` cell, so each task is graded on its own, whatever flags the learner was
  trying out.
* :func:`run_report` / :func:`expect_report` read platinfo's ``key=value`` report; a field a
  panicking (unfinished) part left as ``?`` is explained with the panic, not reported as a
  wrong value.
* :func:`platform_truth` is what ``uname(2)`` answers a program of a given target, run the way the
  learner's program runs (natively or under qemu-user), measured with a small reference probe
  at grading time: the expected ``machine`` and kernel release, never a table.
* :func:`run_check` / :func:`expect_check` grade ``platinfo check`` by its exit status and by the
  fields its ``problem:`` lines name.
* :func:`selection` / :func:`expect_per_os` ask ``go list`` which files each target compiles
  (per-OS files and their fallback); :func:`expect_builds` builds a list of targets and says why a
  build failed (a name defined twice or not at all).
* :func:`release_options` turns ``BUILD_FLAGS`` (``%%go`` options) into build options;
  :func:`expect_matrix`, :func:`expect_binary_for` and :func:`expect_stamped` check the target
  matrix, each binary's headers and the ``-X`` stamps in its build information;
  :func:`show_release` is the learners' preview of their release.

Same conventions as :mod:`goenv.grading.checks` (to be merged into it): a passing check prints a
``✓ ...`` line on stdout, a failing one raises :class:`~goenv.grading.checks.CheckFailed` with a
message for the learner, and nothing reaches the cell's stderr.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from ..build import build as _build
from ..errors import GoEnvError
from ..options import BuildOptions
from ..results import BuildResult, RunResult
from .checks import (CheckFailed, _guarded, _resolve, _tail, buildinfo, expect, inspect, passed, run)

__all__ = [
    "REPORT_FIELDS", "PROBLEM_FIELDS", "Report", "build_as", "runnable", "run_report", "expect_report",
    "platform_truth", "expect_platform", "CheckOutcome", "run_check", "expect_check",
    "selection", "expect_per_os", "expect_builds", "release_options", "build_release", "expect_matrix",
    "expected_format", "expect_binary_for", "expect_settings", "ldflags_stamps", "expect_stamped", "show_release",
]

#: The fields of platinfo's report, in the order it prints them.
REPORT_FIELDS = ("version", "commit", "go", "target", "cgo", "linkage", "machine", "note", "user")
#: The fields ``platinfo check`` may name in its problem lines.
PROBLEM_FIELDS = ("version", "commit", "cgo", "linkage")

#: Why a field can be wrong, for the messages.
_STAMP_HINT = ("Version and commit are the package-level string variables main.version and main.commit, which "
               "`-ldflags -X` sets at link time; unstamped, they keep their defaults \"dev\" and \"unknown\".")
_HINTS = {
    "version": _STAMP_HINT,
    "commit": _STAMP_HINT,
    "target": "Target is what the binary was built for: runtime.GOOS/runtime.GOARCH, constants of the build. "
              "It is not what the machine or the kernel says.",
    "cgo": "Cgo is the CGO_ENABLED setting recorded in the binary's build information "
           "(runtime/debug.ReadBuildInfo), \"unknown\" when there is none.",
    "linkage": "An ELF binary is dynamic when it has a PT_INTERP program header (a dynamic loader) or DT_NEEDED "
               "entries (shared libraries), static otherwise.",
    "machine": "Machine is what the kernel says the program runs on (the machine field of uname(2)), which is not "
               "runtime.GOARCH: a linux/386 program on an x86-64 kernel runs on \"x86_64\", and the kernel spells "
               "arm64 \"aarch64\".",
    "note": "On Linux the note is \"linux kernel \" followed by the release field of uname(2).",
}
#: The part of platinfo (as its panic messages name it) that fills each field.
_PARTS = {"version": "identify", "commit": "identify", "target": "identify", "cgo": "identify",
          "linkage": "linkage", "machine": "platform", "note": "platform"}


def _options_of(b: BuildResult) -> str:
    return BuildOptions.coerce(b.options).describe()


def _built_as(b: BuildResult) -> str:
    return f"built as {_options_of(b)}"


# -- building and running the learner's program ----------------------------------------------


@_guarded
def build_as(name, target: str | None = None, *, cgo=0, ldflags: str = "", tags=(), **options) -> BuildResult:
    """Build the learner's ``%%go --name`` program with exactly these options.

    The options of the ``%%go`` cell are *not* used (unlike :func:`goenv.grading.checks.build`):
    each test decides how the program is built.

    Args:
        name: the ``--name`` of the learner's cell (or a program goenv accepts).
        target: ``"goos/goarch"``; None for this machine.
        cgo, ldflags, tags, options: :class:`~goenv.options.BuildOptions` fields.

    Raises:
        CheckFailed: no such program, or it does not build (the message quotes the compiler).
    """
    goos, goarch = (target.split("/", 1) if target else (None, None))
    tags = tuple(t for t in re.split(r"[,\s]+", tags) if t) if isinstance(tags, str) else tuple(tags)
    opts = BuildOptions.coerce(None, goos=goos, goarch=goarch, cgo=cgo, ldflags=ldflags or None, tags=tags,
                               **options)
    return _build_with(name, opts)


def _build_with(name, opts: BuildOptions) -> BuildResult:
    prog, _opts, _env, label = _resolve(name)
    result = _build(prog, opts)
    if not result.ok:
        detail = "\n".join(f"    {d}" for d in result.diagnostics[:12]) or _tail(result.output)
        raise CheckFailed(f"{label} does not build for {result.goos}/{result.goarch} "
                          f"(built with {_options_of(result)}):\n{detail}")
    return result


def runnable(b: BuildResult) -> bool:
    """Whether this machine runs the build (natively, or under a qemu-user that is installed)."""
    from ..runners import runner_for
    from ..toolchain import default

    return runner_for(b.goos, b.goarch, default()).runnable


@dataclass(frozen=True)
class Report:
    """platinfo's report from one run: its ``key=value`` fields and the run itself."""

    fields: dict
    result: RunResult

    @property
    def build(self) -> BuildResult:
        return self.result.build

    @property
    def target(self) -> str:
        return f"{self.build.goos}/{self.build.goarch}"

    def __getitem__(self, key: str) -> str:
        return self.fields[key]


def _parse_fields(text: str) -> dict:
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key in REPORT_FIELDS and key not in fields:
            fields[key] = value.strip()
    return fields


def _unfinished(result: RunResult) -> bool:
    return "not implemented yet" in result.stderr


@_guarded
def run_report(target, *, args=(), env=None) -> Report:
    """Run platinfo (a BuildResult from :func:`build_as`) and read its report.

    The program may exit with a non-zero status (an unfinished part makes it exit with 3): the
    fields it printed are still read, and :func:`expect_report` explains the ``?`` ones.

    Raises:
        CheckFailed: the target cannot run here, or the program printed no report at all.
    """
    result = run(target, args=args, env=env, expect_success=False)
    fields = _parse_fields(result.stdout)
    if not fields:
        where = _built_as(result.build)
        if _unfinished(result):
            raise CheckFailed(f"platinfo ({where}) is not finished yet: it panics with \"not implemented yet\" "
                              f"before printing its report:\n{_tail(result.stderr)}")
        msg = f"platinfo ({where}) printed no report (no key=value lines): {result.message}."
        if result.stderr.strip():
            msg += f"\n  its standard error ends with:\n{_tail(result.stderr)}"
        raise CheckFailed(msg)
    return Report(fields, result)


def _panic_lines(result: RunResult, field: str | None = None) -> str:
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("platinfo: ") or "panic" in ln]
    part = _PARTS.get(field or "")
    own = [ln for ln in lines if part and ln.startswith(f"platinfo: {part}")]
    return _tail("\n".join(own or lines) or result.stderr)


@_guarded
def expect_report(rep: Report, **expected) -> Report:
    """Each ``field=value`` of ``expected`` is in the report (e.g. ``version="1.0.0"``)."""
    unknown = sorted(set(expected) - set(REPORT_FIELDS))
    if unknown:
        raise ValueError(f"unknown report field(s) {unknown}")
    how = _built_as(rep.build)
    for key, want in expected.items():
        got = rep.fields.get(key)
        if got is None:
            raise CheckFailed(f"platinfo ({how}) printed no `{key}=` line; it printed:\n{_tail(rep.result.stdout)}")
        if got == "?":
            raise CheckFailed(f"platinfo ({how}) left `{key}=?`: the part of the program that fills it panicked "
                              f"(an unfinished task?). Its standard error:\n{_panic_lines(rep.result, key)}")
        expect(got == str(want), f"platinfo ({how}) printed `{key}={got}`, expected `{key}={want}`. "
                                 + _HINTS.get(key, ""))
    passed(f"{rep.target}: " + ", ".join(f"{k}={v}" for k, v in expected.items()))
    return rep


# -- what the kernel says, measured -------------------------------------------------------------

#: The grader's reference probe: what uname(2) answers a program of this target, where it runs.
PROBE = '''package main

import (
	"fmt"
	"os"
	"syscall"
)

func str[T int8 | uint8](field []T) string {
	b := make([]byte, 0, len(field))
	for _, c := range field {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

func main() {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		fmt.Fprintln(os.Stderr, "uname:", err)
		os.Exit(1)
	}
	fmt.Printf("machine=%s\\nrelease=%s\\n", str(u.Machine[:]), str(u.Release[:]))
}
'''

_TRUTH: dict[str, tuple[str, str]] = {}


@_guarded
def platform_truth(target: str) -> tuple[str, str]:
    """``(machine, release)`` that uname(2) gives a ``linux/GOARCH`` program run here (natively or
    under qemu-user), from the grader's own probe (built once, then cached)."""
    if target in _TRUTH:
        return _TRUTH[target]
    from .. import api

    goos, _, goarch = target.partition("/")
    b = _build(PROBE, BuildOptions(goos=goos, goarch=goarch, cgo=0))
    r = api.run_binary(b) if b.ok else None
    fields = {}
    if r is not None and r.ok:
        fields = dict(ln.split("=", 1) for ln in r.stdout.splitlines() if "=" in ln)
    if not fields.get("machine"):
        why = b.output if not b.ok else (r.message + "\n" + r.stderr)
        raise CheckFailed(f"the grader's uname probe failed for {target} (a problem of the grading machine, "
                          f"not of your program):\n{_tail(why)}")
    _TRUTH[target] = (fields["machine"], fields.get("release", ""))
    return _TRUTH[target]


def expect_platform(rep: Report) -> Report:
    """The report's ``machine`` and ``note`` say what uname(2) says where the program ran (Linux)."""
    expect(rep.build.goos == "linux", f"expect_platform needs a run of a Linux build, not {rep.target}")
    machine, release = platform_truth(rep.target)
    expect_report(rep, machine=machine, note=f"linux kernel {release}")
    return rep


# -- platinfo check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckOutcome:
    """What ``platinfo check`` did: its exit status, the fields its problem lines name, the run."""

    exit_code: int | None
    problems: tuple[str, ...]
    lines: tuple[str, ...]
    result: RunResult


def run_check(b: BuildResult) -> CheckOutcome:
    """Run ``platinfo check`` and read its ``problem: FIELD ...`` lines."""
    result = run(b, args=["check"], expect_success=False)
    lines = tuple(ln.strip() for ln in result.stdout.splitlines() if ln.strip().startswith("problem:"))
    named = []
    for ln in lines:
        words = ln.removeprefix("problem:").split()
        named.append(re.sub(r"\W+$", "", words[0]).lower() if words else "")
    return CheckOutcome(result.exit_code, tuple(named), lines, result)


@_guarded
def expect_check(b: BuildResult, problems=()) -> CheckOutcome:
    """``platinfo check`` on this build names exactly ``problems`` (fields) and exits with 1, or, when
    ``problems`` is empty, prints no problem and exits with 0."""
    out = run_check(b)
    how = _built_as(b)
    want = sorted(set(problems))
    if _unfinished(out.result) and not out.lines:
        raise CheckFailed(f"`platinfo check` ({how}) is not finished yet: it panics with \"not implemented "
                          f"yet\":\n{_panic_lines(out.result)}")
    said = "\n".join("    " + ln for ln in out.lines) or "    (no problem line)"
    bad = [p for p in out.problems if p not in PROBLEM_FIELDS]
    expect(not bad, f"`platinfo check` ({how}) printed problem lines that do not start with the field at fault "
                    f"({', '.join(PROBLEM_FIELDS)}):\n{said}")
    got = sorted(set(out.problems))
    if got != want:
        report = _parse_fields(run(b, expect_success=False).stdout)  # what check judged, for the message
        raise CheckFailed(f"`platinfo check` ({how}) named the problem field(s) {', '.join(got) or 'none'}; "
                          f"expected {', '.join(want) or 'none'}. It printed:\n{said}\nThe binary's report: "
                          + " ".join(f"{k}={v}" for k, v in report.items() if k in PROBLEM_FIELDS))
    if want:
        expect(out.exit_code == 1, f"`platinfo check` ({how}) found problems but exited with status "
                                   f"{out.exit_code}; expected 1. {_stderr_note(out.result)}")
        passed(f"`platinfo check` on {b.goos}/{b.goarch}: problems {', '.join(want)}, exit status 1")
    else:
        expect(out.exit_code == 0, f"`platinfo check` ({how}) found no problem but exited with status "
                                   f"{out.exit_code}; expected 0. {_stderr_note(out.result)}")
        passed(f"`platinfo check` on {b.goos}/{b.goarch}: no problem, exit status 0")
    return out


def _stderr_note(result: RunResult) -> str:
    return f"Its standard error:\n{_tail(result.stderr)}" if result.stderr.strip() else ""


# -- which files each target compiles -----------------------------------------------------------


def selection(name, targets, *, show: bool = True) -> dict:
    """``go list`` of the main package of the learner's program, once per target, with no build tags
    (:func:`goenv.grading.checks_lab05.selection`). Returns ``{target: Selection}``."""
    from .checks_lab05 import selection as _selection

    return _selection(name, targets, tags=(), show=show)


def expect_per_os(sel: dict, *, os_files: dict, fallback_targets, shared=()) -> set:
    """Each OS target compiles its own file, every other target a fallback that no OS target compiles.

    Args:
        sel: from :func:`selection`, covering ``os_files`` and ``fallback_targets``.
        os_files: ``{target: file}``, e.g. ``{"windows/amd64": "platform_windows.go"}``.
        fallback_targets: targets whose OS has no file of its own.
        shared: the files every target compiles (not part of any platform's code).

    Returns:
        The fallback file(s).
    """
    def of(t):
        try:
            return sel[t]
        except KeyError:
            raise CheckFailed(f"no go list result for {t} (listed: {', '.join(sel)})") from None

    for t, f in os_files.items():
        s = of(t)
        if f not in s.go_files:
            where = ("its build constraint excludes " + t) if f in s.ignored else \
                "there is no such file (check its name and the `-- name --` line above it)"
            raise CheckFailed(f"for {t} the go command does not compile {f}: {where}. {t} compiles "
                              f"{', '.join(s.go_files) or 'nothing'}.")
    own = set(os_files.values())
    shared = set(shared)
    found: set = set()
    for t in fallback_targets:
        s = of(t)
        extra = [f for f in s.go_files if f not in shared]
        expect(extra, f"for {t} the go command compiles only {', '.join(s.go_files) or 'nothing'}: no file gives "
                      f"this system a platform(). {t} is none of the systems with a file of their own, so it needs "
                      f"the fallback: a file whose //go:build line selects every other system "
                      f"(excluded for {t}: {', '.join(s.ignored) or 'nothing'}).")
        wrong = [f for f in extra if f in own]
        expect(not wrong, f"for {t} the go command compiles {', '.join(wrong)}, a file meant for another system.")
        found.update(extra)
    for t, f in os_files.items():
        both = sorted(found & set(of(t).go_files))
        expect(not both, f"for {t} the go command compiles the fallback {', '.join(both)} next to {f}: both define "
                         f"platform(), and the build fails with `platform redeclared`. The fallback's //go:build "
                         f"line must exclude every system that has a file of its own.")
    passed(f"per-OS files for {', '.join(os_files)}; fallback {', '.join(sorted(found))} for "
           f"{', '.join(fallback_targets)} and for none of the others")
    return found


@_guarded
def build_release(name, target: str, flags) -> BuildResult:
    """Build the learner's program for ``target`` with the release flags (a ``%%go`` options string,
    as :func:`release_options` reads it, or BuildOptions)."""
    opts = flags if isinstance(flags, BuildOptions) else release_options(flags)
    goos, _, goarch = target.partition("/")
    return _build_with(name, BuildOptions.coerce(opts, goos=goos, goarch=goarch))


def expect_builds(name, targets, **options) -> dict:
    """:func:`build_as` for every target; a failure says why (a name defined twice, or nowhere).

    Returns ``{target: BuildResult}``.
    """
    results = {}
    for t in targets:
        try:
            results[t] = build_as(name, t, **options)
        except CheckFailed as exc:
            text = str(exc)
            if "redeclared" in text:
                text += ("\nTwo files compiled for this target define the same name: the constraints of the "
                         "files that implement platform() overlap for " + t + ".")
            elif "undefined: platform" in text:
                text += ("\nNo file compiled for this target defines platform(): " + t + " needs the fallback.")
            raise CheckFailed(text) from None
    passed(f"builds for {', '.join(targets)}")
    return results


# -- the release: flags, matrix, headers, stamps -----------------------------------------------

_NOT_BUILD = ("godebug", "gomaxprocs", "env", "args", "stdin", "stdin_var", "timeout", "memory", "bench",
              "benchtime", "count", "test", "disasm", "build_only", "name", "out", "quiet", "raise_")


@_guarded
def release_options(flags) -> BuildOptions:
    """The build options of a ``%%go`` options string such as ``"--cgo 0 --ldflags '-s -w'"``.

    Raises:
        CheckFailed: not a string, not valid ``%%go`` options, a target option (the matrix chooses
            the targets), an option that is not about building, or an invalid value.
    """
    from IPython.core.error import UsageError
    from IPython.core.magic_arguments import parse_argstring

    from ..magic import GoMagics, _options, _unquote_all

    if not isinstance(flags, str):
        raise CheckFailed(f"BUILD_FLAGS must be a string of %%go options, such as \"--cgo 0\"; it is {flags!r}.")
    try:
        args = _unquote_all(parse_argstring(GoMagics.go, flags))
    except (UsageError, SystemExit, ValueError) as exc:
        raise CheckFailed(f"BUILD_FLAGS = {flags!r} is not a list of %%go options: {exc}. Quote a value that "
                          f"has spaces: --ldflags '-s -w'.") from None
    if args.target or args.goos or args.goarch:
        raise CheckFailed(f"BUILD_FLAGS = {flags!r} chooses a target; leave --target, --goos and --goarch out: "
                          f"the release is built for every target of TARGETS with the same flags.")
    defaults = parse_argstring(GoMagics.go, "")
    extra = [n for n in _NOT_BUILD if getattr(args, n, None) != getattr(defaults, n, None)]
    if extra:
        raise CheckFailed(f"BUILD_FLAGS = {flags!r} has option(s) that are not about building: "
                          f"{', '.join('--' + n.rstrip('_').replace('_', '-') for n in extra)}.")
    try:
        return _options(args)
    except (UsageError, GoEnvError) as exc:
        raise CheckFailed(f"BUILD_FLAGS = {flags!r}: {exc}") from None


@_guarded
def expect_matrix(targets, required=()) -> list:
    """``targets`` is a list of valid ``"GOOS/GOARCH"`` strings that includes ``required``.

    Returns the targets, without duplicates, in their order.
    """
    from ..targets import parse_target, validate_target

    expect(isinstance(targets, (list, tuple)) and all(isinstance(t, str) for t in targets),
           f"TARGETS must be a list of \"GOOS/GOARCH\" strings; it is {targets!r}.")
    out = []
    for t in targets:
        try:
            goos, goarch = parse_target(t)
            validate_target(goos, goarch)
        except GoEnvError as exc:
            raise CheckFailed(f"TARGETS has {t!r}: {exc}") from None
        if f"{goos}/{goarch}" not in out:
            out.append(f"{goos}/{goarch}")
    missing = [t for t in required if t not in out]
    expect(not missing, f"TARGETS lacks {', '.join(missing)}: the release must cover at least "
                        f"{', '.join(required)}.")
    passed(f"target matrix of {len(out)}: {', '.join(out)}")
    return out


_FORMATS = {"windows": "PE", "darwin": "Mach-O", "ios": "Mach-O", "plan9": "Plan 9 a.out", "aix": "XCOFF",
            "js": "wasm", "wasip1": "wasm"}


def expected_format(goos: str) -> str:
    """The executable format the Go linker writes for ``goos`` (ELF for the Unix-like rest)."""
    return _FORMATS.get(goos, "ELF")


def expect_binary_for(b: BuildResult):
    """The binary's headers say the format and architecture of its target. Returns its BinaryInfo."""
    info = inspect(b)
    fmt = expected_format(b.goos)
    t = f"{b.goos}/{b.goarch}"
    expect(info.format == fmt, f"the binary built for {t} is {info.format}, expected {fmt}.")
    expect(info.goarch_hint == b.goarch,
           f"the headers of the binary built for {t} say {info.machine} ({info.bits}-bit, {info.endianness}-endian),"
           f" which is GOARCH={info.goarch_hint}, expected {b.goarch}.")
    passed(f"{t}: {fmt} for {info.machine}" + (f", {info.linkage}" if info.linkage else ""))
    return info


def expect_settings(b: BuildResult, **settings):
    """The build information of ``b`` records its target's GOOS and GOARCH and ``settings`` (e.g.
    ``CGO_ENABLED="0"``); the message names the target. Returns the BuildInfo."""
    info = buildinfo(b)
    t = f"{b.goos}/{b.goarch}"
    wanted = {"GOOS": b.goos, "GOARCH": b.goarch, **{k: str(v) for k, v in settings.items()}}
    wrong = {k: info.settings.get(k) for k, v in wanted.items() if info.settings.get(k) != v}
    if wrong:
        msg = (f"the build information of the {t} binary says "
               + ", ".join(f"{k}={v if v is not None else '(not set)'}" for k, v in wrong.items())
               + "; expected " + ", ".join(f"{k}={wanted[k]}" for k in wrong) + ".")
        if "CGO_ENABLED" in wrong:
            msg += (" Cross-compiling turns cgo off by itself, but a build for the machine it is built on keeps "
                    "cgo on when a C compiler is installed: set CGO_ENABLED=0 (--cgo 0) for every target.")
        raise CheckFailed(msg)
    passed(f"{t}: build information " + ", ".join(f"{k}={v}" for k, v in wanted.items()))
    return info


def ldflags_stamps(ldflags: str) -> dict:
    """The ``-X importpath.name=value`` assignments of an ``-ldflags`` string, as ``{name: value}``."""
    try:
        words = shlex.split(ldflags)
    except ValueError:
        words = ldflags.split()
    out = {}
    it = iter(words)
    for w in it:
        if w in ("-X", "--X"):
            w = next(it, "")
        elif w.startswith(("-X=", "--X=")):
            w = w.split("=", 1)[1]
        else:
            continue
        name, sep, value = w.partition("=")
        if sep:
            out[name] = value
    return out


def expect_stamped(b: BuildResult, version: str, commit: str) -> dict:
    """The build information of ``b`` records ``-ldflags`` with ``-X main.version=VERSION`` and
    ``-X main.commit=COMMIT``, so that ``go version -m`` shows how the binary was stamped."""
    info = buildinfo(b)
    t = f"{b.goos}/{b.goarch}"
    ld = info.settings.get("-ldflags")
    if ld is None:
        if info.trimpath:
            raise CheckFailed(f"the build information of the {t} binary has no -ldflags: with -trimpath Go leaves "
                              f"-ldflags out (chapter 06), so `go version -m` cannot show how the release was "
                              f"stamped. Build the release without -trimpath.")
        raise CheckFailed(f"the build information of the {t} binary records no -ldflags: it was not stamped at "
                          f"build time. The release sets main.version and main.commit with -ldflags -X; a "
                          f"version typed into the source is the same for every build, whatever it was built from.")
    stamps = ldflags_stamps(ld)
    want = {"main.version": version, "main.commit": commit}
    wrong = {k: stamps.get(k) for k, v in want.items() if stamps.get(k) != v}
    expect(not wrong, f"the {t} binary was built with -ldflags {ld!r}, which sets "
                      + ", ".join(f"{k}={v!r}" if v is not None else f"no {k}" for k, v in wrong.items())
                      + "; expected " + ", ".join(f"-X {k}={want[k]}" for k in wrong) + ".")
    passed(f"{t}: stamped -X main.version={version} -X main.commit={commit} (build information)")
    return stamps


def show_release(name, targets, flags) -> list:
    """Build the learner's program for every target with ``flags`` and print what came out.

    For learners: the headers, cgo, stamps and, for Linux targets, the report of a run. Nothing
    is graded here and a failure is shown in its row. Returns the rows (dicts).
    """
    from .checks import _quiet

    rows = []
    with _quiet():
        try:
            opts = release_options(flags)
        except CheckFailed as exc:
            print(f"✗ {exc}")
            return rows
        for t in targets if isinstance(targets, (list, tuple)) else []:
            row = {"target": t}
            try:
                b = build_release(name, t, opts)
                info, bi = inspect(b), buildinfo(b)
                stamps = ldflags_stamps(bi.settings.get("-ldflags", ""))
                row.update(binary=f"{info.format} {info.machine}", linkage=info.linkage or "-",
                           CGO_ENABLED=bi.settings.get("CGO_ENABLED", "-"),
                           stamps=" ".join(f"{k}={v}" for k, v in stamps.items()) or "-")
                if b.goos == "linux" and runnable(b):
                    rep = run_report(b)
                    row["report"] = " ".join(f"{k}={rep.fields.get(k, '')}"
                                             for k in ("version", "commit", "target", "cgo", "linkage"))
                else:
                    row["report"] = "(not run here)"
            except CheckFailed as exc:
                row["error"] = str(exc).splitlines()[0]
            rows.append(row)
    if not rows:
        print("TARGETS is empty: there is nothing to build yet.")
        return rows
    cols = ["target", "binary", "linkage", "CGO_ENABLED", "stamps", "report", "error"]
    cols = [c for c in cols if any(c in r for r in rows)]
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in cols}
    print("  ".join(c.ljust(widths[c]) for c in cols))
    for r in rows:
        print("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in cols))
    return rows
