"""Checks for lab 03 (the cgo boundary and CGO-free static builds).

Same conventions as :mod:`goenv.grading.checks` (to be merged into it): every check prints a
``✓ ...`` line to stdout when it passes and raises :class:`~goenv.grading.checks.CheckFailed`
with a message for the learner when it fails; nothing reaches the cell's stderr.

What ``checks`` cannot do yet:

* **A raw CGO_ENABLED value.** goenv's build options accept only ``cgo=0`` or ``1`` (anything
  else is refused, because Go would silently ignore it). A Dockerfile or a shell passes the text
  as typed, ``CGO_ENABLED=off`` included. :func:`build_with_cgo_enabled` builds exactly like
  ``CGO_ENABLED=<value> go build`` so that the lab grades the consequence of the learner's value,
  not goenv's refusal.
* **Where a name or a user came from.** :func:`expect_go_resolver` reads the runtime's own
  ``GODEBUG=netdns=2`` report; :func:`expect_go_lookups` reads the build information, which says
  whether ``os/user`` and ``net`` were built as Go code (``CGO_ENABLED=0`` or the ``osusergo`` /
  ``netgo`` tags).
* Parsers and expectations for the lab's program outputs: host lookups, a binary's report of its
  own linkage, the raw ``openat`` transcript and the cgo call count of a batched sum.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import replace

from ..build import binary_name, language_version
from ..cache import cache_key, default_cache
from ..options import BuildOptions
from ..results import BuildResult, RunResult
from ..toolchain import default
from ..workspace import remove_dir
from .checks import (CheckFailed, _binary_of, _guarded, _resolve, _tail, buildinfo, expect, inspect,
                     passed)

__all__ = ["build_with_cgo_enabled", "raw_cgo_value", "expect_cgo_setting", "expect_go_lookups",
           "lookup_lines", "expect_resolved", "expect_lookup_error", "expect_go_resolver",
           "expect_self_report", "rawopen_lines", "expect_rawopen", "cgo_sum", "expect_cgo_sum"]


# -- CGO_ENABLED as typed ------------------------------------------------------------------

#: binary path -> the raw CGO_ENABLED text it was built with (for the messages).
_RAW_VALUES: dict[str, str] = {}


def _raw_text(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise CheckFailed(f"the CGO_ENABLED value must be text, as in a Dockerfile's ENV line (e.g. \"1\"), "
                          f"not {type(value).__name__} {value!r}.")
    return str(value)


@_guarded
def build_with_cgo_enabled(target, value, **options) -> BuildResult:
    """Build like ``CGO_ENABLED=<value> go build``: the value reaches the go command as typed.

    The program's other ``%%go`` options (tags, ldflags, target) apply; its ``--cgo`` does not.
    Binaries are kept in goenv's binary cache under a key that includes the raw value.

    Args:
        target: a ``--name``, a NamedProgram or a program, as for :func:`checks.build`.
        value: the text of CGO_ENABLED ("0", "1", "off", ...); an int is taken as its digits.
        options: BuildOptions fields that override the cell's (e.g. ``goarch="arm64"``).

    Raises:
        CheckFailed: the value is not text, or the program does not build.
    """
    text = _raw_text(value)
    prog, opts, _env, label = _resolve(target)
    opts = BuildOptions.coerce(replace(opts, cgo=None), **options)
    tc = default()
    opts = opts.resolved(tc.hostos, tc.hostarch)
    key = hashlib.sha256(f"{cache_key(prog, opts, tc)}\0CGO_ENABLED={text!r}".encode()).hexdigest()
    store = default_cache()
    hit = store.get(key)
    if hit is not None:
        _RAW_VALUES[hit.binary] = text
        return hit
    workdir = prog.materialize(go_version=language_version(tc))
    try:
        out = workdir / ".goenv-out" / binary_name(prog, opts)
        env = {**opts.go_env(), "CGO_ENABLED": text}
        proc = tc.run_go(["build", "-o", str(out), *opts.go_flags(), "."], cwd=workdir, env=env)
        output = (proc.stdout + proc.stderr).replace(str(workdir) + "/", "")
        shown = f"CGO_ENABLED={text!r} for {opts.goos}/{opts.goarch}"
        if proc.returncode != 0 or not out.is_file():
            raise CheckFailed(f"{label} does not build with {shown}:\n{_tail(output)}")
        result = BuildResult(ok=True, binary=str(out), goos=opts.goos, goarch=opts.goarch, options=opts.to_dict(),
                             output=output, go_version=tc.version, message=f"built with {shown}",
                             workdir=str(workdir))
        result = store.put(key, out, result)
    finally:
        remove_dir(workdir)
    _RAW_VALUES[result.binary] = text
    return result


def raw_cgo_value(result) -> str | None:
    """The CGO_ENABLED text a build from :func:`build_with_cgo_enabled` was made with (else None)."""
    return _RAW_VALUES.get(_binary_of(result).binary)


def expect_cgo_setting(result, expected: str = "0"):
    """The build information says the go command used ``CGO_ENABLED=expected``. Returns the BuildInfo."""
    info = buildinfo(result)
    got = info.settings.get("CGO_ENABLED")
    raw = raw_cgo_value(result)
    if got != expected:
        how = f"built with CGO_ENABLED={raw!r}, " if raw is not None else ""
        meaning = {"0": "cgo disabled", "1": "cgo enabled"}
        raise CheckFailed(
            f"{how}the binary's build information says the go command used CGO_ENABLED={got or '(not recorded)'}"
            + (f" ({meaning[got]})" if got in meaning else "") + f"; expected CGO_ENABLED={expected}"
            + (f" ({meaning[expected]})" if expected in meaning else "") + "."
            + (" The go command did not take your value to mean that: it used its default instead."
               if raw is not None and raw != got else ""))
    passed(f"build info: CGO_ENABLED={got}" + (f" (built with CGO_ENABLED={raw!r})" if raw is not None else ""))
    return info


def expect_go_lookups(result):
    """Name and user lookups were built as Go code: ``CGO_ENABLED=0``, or the ``netgo`` and ``osusergo`` tags.

    Reads the binary's build information (``-tags`` and ``CGO_ENABLED``). Returns the BuildInfo.
    """
    info = buildinfo(result)
    if info.settings.get("CGO_ENABLED") == "0":
        passed("build info: CGO_ENABLED=0, so net and os/user are Go code")
        return info
    missing = [t for t in ("netgo", "osusergo") if t not in info.tags]
    expect(not missing,
           f"the binary was built with cgo enabled (CGO_ENABLED={info.settings.get('CGO_ENABLED', '?')}) and "
           f"-tags {','.join(info.tags) or '(none)'}: without " + " and ".join(missing)
           + " its lookups of " + " and ".join({"netgo": "host names", "osusergo": "users"}[t] for t in missing)
           + " call the C library (glibc and its NSS modules must then be present where it runs).")
    passed("build info: built with the netgo and osusergo tags, so net and os/user are Go code")
    return info


# -- task 1: host and user lookups ---------------------------------------------------------


def lookup_lines(result: RunResult) -> dict[str, str]:
    """``HOST: rest`` lines of the lookup program's stdout, as host -> rest (first line per host)."""
    out: dict[str, str] = {}
    for line in result.stdout.splitlines():
        host, sep, rest = line.strip().partition(": ")
        if sep and host and host != "user":
            out.setdefault(host, rest.strip())
    return out


def _shown(result: RunResult) -> str:
    return _tail(result.stdout) if result.stdout.strip() else "    (nothing)"


def expect_resolved(result: RunResult, host: str, *, loopback: bool = False,
                    addresses: list[str] | None = None) -> list[str]:
    """The program printed ``HOST: ADDR ...`` with valid IP addresses. Returns the addresses.

    Args:
        loopback: every address must be a loopback address (127.0.0.0/8 or ::1).
        addresses: the exact set of addresses expected.
    """
    lines = lookup_lines(result)
    expect(host in lines, f"expected a line `{host}: ADDRESS ...` (the addresses of {host}); the program "
                          f"printed:\n{_shown(result)}")
    rest = lines[host]
    expect(not rest.startswith("error"), f"the lookup of {host} failed: `{host}: {rest}`; expected its addresses.")
    addrs = rest.split()
    bad = []
    for a in addrs:
        try:
            ipaddress.ip_address(a)
        except ValueError:
            bad.append(a)
    expect(addrs and not bad, f"`{host}: {rest}`: expected IP addresses separated by spaces"
                              + (f", but {bad[0]!r} is not one" if bad else ", found none") + ".")
    if loopback:
        expect(all(ipaddress.ip_address(a).is_loopback for a in addrs),
               f"`{host}: {rest}`: {host} should resolve to loopback addresses (127.0.0.1 or ::1) only.")
    if addresses is not None:
        expect(sorted(addrs) == sorted(addresses),
               f"`{host}: {rest}`: expected the address(es) {' '.join(addresses)}.")
    passed(f"{host} resolved to {' '.join(addrs)}")
    return addrs


def expect_lookup_error(result: RunResult, host: str) -> str:
    """The program printed ``HOST: error: ...`` for a host that cannot be resolved. Returns the error text."""
    lines = lookup_lines(result)
    expect(host in lines, f"expected a line `{host}: error: ...` (its lookup fails, and the program goes on with "
                          f"the next host); the program printed:\n{_shown(result)}")
    rest = lines[host]
    expect(rest.startswith("error: "), f"`{host}: {rest}`: the lookup of {host} cannot succeed, expected "
                                       f"`{host}: error: ...`.")
    passed(f"{host}: the failed lookup is reported")
    return rest[len("error: "):]


_NETDNS_RE = re.compile(r"^go package net: (.*)$", re.M)


def expect_go_resolver(result: RunResult) -> str:
    """A run with ``GODEBUG=netdns=2`` reports Go's own DNS resolver. Returns the runtime's sentence."""
    said = [m.strip() for m in _NETDNS_RE.findall(result.stderr)]
    choice = next((s for s in said if "resolver" in s), None)
    expect(choice is not None, "with GODEBUG=netdns=2 the runtime printed nothing about its DNS resolver: the "
                               "program did not look up any host name.")
    expect("using the Go DNS resolver" in choice,
           f"with GODEBUG=netdns=2 the runtime says {choice!r}; expected 'using the Go DNS resolver'. This binary can "
           f"hand lookups to the C library's resolver (cgo), which needs glibc's NSS modules at run time.")
    passed("GODEBUG=netdns=2: using the Go DNS resolver")
    return choice


# -- task 2: a binary's report of itself ---------------------------------------------------


def expect_self_report(result: RunResult, build: BuildResult | None = None) -> dict[str, str]:
    """The program's ``CGO_ENABLED=``, ``loader:`` and ``libraries:`` lines match its binary.

    The expected values are read from the binary that ran (build information and ELF headers).
    Returns them.
    """
    b = build if build is not None else _binary_of(result)
    info, bi = inspect(b), buildinfo(b)
    want = {
        "CGO_ENABLED": f"CGO_ENABLED={bi.settings.get('CGO_ENABLED', 'unknown')}",
        "loader": f"loader: {info.interpreter or 'none'}",
        "libraries": f"libraries: {' '.join(info.needed) or 'none'}",
    }
    got = [ln.strip() for ln in result.stdout.splitlines()]
    target = f"{b.goos}/{b.goarch}" + (f", CGO_ENABLED={raw_cgo_value(b)!r}" if raw_cgo_value(b) is not None else "")
    for what, line in want.items():
        prefix = line.split("=" if what == "CGO_ENABLED" else ":", 1)[0]
        seen = next((g for g in got if g.startswith(prefix)), None)
        expect(line in got,
               f"built for {target}, the binary's own report should have the line {line!r} (read from its "
               + ("build information" if what == "CGO_ENABLED" else "ELF headers") + "); "
               + (f"it printed {seen!r}." if seen else f"it printed:\n{_shown(result)}"))
    passed("the binary reports its own " + ", ".join(want.values()))
    return want


# -- task 3: the raw openat transcript ------------------------------------------------------


def _go_quote(text: str) -> str:
    """Go's %q of printable ASCII text with newlines (what the lab's transcript uses)."""
    if any(not (c == "\n" or " " <= c <= "~") for c in text):
        raise ValueError("the note must be printable ASCII (and newlines)")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def rawopen_lines(note: str) -> list[str]:
    """What the lab's raw-openat program prints when its standard input is ``note``."""
    return [
        f"note.txt: {_go_quote(note)}",
        "missing.txt: error: no such file or directory",
        'inner.txt in sub: "inner\\n"',
        "create new.txt: ok, mode -rw-------",
        "create new.txt: error: file exists",
    ]


_RAWOPEN_HINTS = (
    ("function not implemented",
     "the kernel answered ENOSYS (function not implemented): it has no system call with the number your program "
     "passed on {target}. System call numbers differ per architecture: use the syscall package's constant, which is "
     "generated for each target."),
    ("bad file descriptor",
     "the kernel answered EBADF (bad file descriptor) for a path relative to the current directory: the dirfd you "
     "passed is neither an open descriptor nor C's AT_FDCWD value."),
    ("not a directory",
     "the kernel answered ENOTDIR for a path relative to the current directory: the dirfd you passed is an open "
     "descriptor (of a file that is not a directory), not C's AT_FDCWD value."),
)


def expect_rawopen(result: RunResult, note: str) -> list[str]:
    """The raw-openat program printed the expected transcript for standard input ``note``. Returns the lines."""
    want = rawopen_lines(note)
    got = [ln.strip() for ln in result.stdout.splitlines() if ln.strip()]
    if got == want:
        passed(f"openat works on {result.build.goos}/{result.build.goarch}: read, relative to a directory, "
               f"ENOENT, O_CREAT|O_EXCL with mode 0600")
        return got
    target = f"{result.build.goos}/{result.build.goarch}" + (f" (under {result.runner})" if result.emulated else "")
    diffs = []
    for i in range(max(len(want), len(got))):
        w = want[i] if i < len(want) else "(nothing)"
        g = got[i] if i < len(got) else "(nothing)"
        if w != g:
            diffs.append(f"    expected {w!r}\n         got {g!r}")
    msg = f"on {target} the program's output differs from the expected transcript:\n" + "\n".join(diffs[:6])
    text = result.stdout.lower()
    for needle, hint in _RAWOPEN_HINTS:
        if needle in text:
            msg += "\n  Hint: " + hint.format(target=target)
            break
    else:
        if re.search(r"error: open \S+: ", result.stdout):
            msg += ("\n  Hint: `open NAME: ...` is how package os reports an error (*PathError): openat must make the "
                    "system call itself, with syscall.Syscall6, and return the kernel's syscall.Errno.")
        elif len(got) >= 3 and got[:2] == want[:2] and got[2] != want[2]:
            msg += ("\n  Hint: opening inner.txt relative to the descriptor of the directory sub went wrong: "
                    "openat must pass dirfd to the kernel.")
        elif len(got) >= 4 and got[:3] == want[:3]:
            msg += "\n  Hint: creating new.txt went wrong: openat must pass flags and mode to the kernel unchanged."
    raise CheckFailed(msg)


# -- task 4: crossing the cgo boundary ----------------------------------------------------

_SUM_RE = re.compile(r"^yours: sum (-?\d+) in (\d+) cgo call", re.M)


def cgo_sum(result: RunResult) -> tuple[int, int]:
    """(sum, cgo calls) from the ``yours: sum S in K cgo call(s)`` line of the batching program."""
    m = _SUM_RE.search(result.stdout)
    if not m:
        raise CheckFailed(f"expected a line `yours: sum S in K cgo call(s)`; the program printed:\n{_shown(result)}")
    return int(m.group(1)), int(m.group(2))


def expect_cgo_sum(result: RunResult, numbers, *, max_calls: int = 10) -> tuple[int, int]:
    """``sumInC`` returned the sum of ``numbers`` and crossed into C at least once (for a non-empty input)
    and at most ``max_calls`` times. Returns (sum, calls)."""
    numbers = list(numbers)
    total, calls = cgo_sum(result)
    expect(total == sum(numbers), f"for {len(numbers)} numbers your sum is {total}; expected {sum(numbers)}.")
    expect(calls <= max_calls,
           f"your sumInC crossed the cgo boundary {calls} times for {len(numbers)} numbers; expected at most "
           f"{max_calls}. Every crossing costs a stack switch and a scheduler handshake: hand C the whole slice "
           f"in one call.")
    if numbers:
        expect(calls >= 1, "your sumInC made no cgo call: the sum must be computed by the C code (C.sum).")
    passed(f"sum of {len(numbers)} numbers correct, {calls} cgo call(s)")
    return total, calls
