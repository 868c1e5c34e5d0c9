"""Disassemble Go functions and spot the instructions that make them atomic.

``go tool objdump -s REGEX BINARY`` prints, for every function whose symbol
matches REGEX, a header and one tab-separated row per instruction::

    TEXT main.f(SB) /tmp/prog/main.go
      main.go:13		0x499dec		48870a			XCHGQ CX, 0(DX)

(basename:line, address, encoding, Go assembler syntax). This module parses
those rows into :class:`Instruction` objects, classifies the atomic and
barrier instructions of each architecture (the point of the memory-model
chapter: ``atomic.StoreUint64`` is ``XCHGQ`` on amd64 but ``STLR`` on arm64,
and ``atomic.LoadUint64`` is a plain ``MOVQ`` on amd64), and lines several
architectures up by source line.

Two quirks of the real tool are handled here:

* objdump prints only the file's basename per row; the full path is that of
  the ``TEXT`` header when the basenames agree, otherwise (inlined code from
  another file) it is looked up with ``go tool addr2line``.
* Go's arm64 disassembler does not decode the ARMv8.1 LSE atomics
  (``LDADDAL``, ``CASAL``, ``SWPAL``, ``LDSETAL``) that the compiler emits
  behind a CPU-feature check: it prints ``?``. :func:`decode_arm64_lse` decodes
  them from the encoding and stores the Go mnemonic in ``Instruction.decoded``.

Example::

    rows = {arch: disassemble(binaries[arch], "main.f") for arch in ("amd64", "arm64")}
    align_by_line(rows)
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .errors import GoEnvError, ParseError

if TYPE_CHECKING:
    import pandas as pd

LOGGER = logging.getLogger(__name__)

__all__ = [
    "Instruction",
    "DisassemblyError",
    "FunctionNotFound",
    "disassemble",
    "parse_objdump",
    "function_regex",
    "classify",
    "mark_atomic",
    "decode_arm64_lse",
    "instructions_frame",
    "align_by_line",
]

#: Architectures `go tool objdump` can disassemble (cmd/internal/disasm).
OBJDUMP_ARCHES = ("386", "amd64", "arm", "arm64", "loong64", "ppc64", "ppc64le", "riscv64", "s390x")


class DisassemblyError(GoEnvError):
    """``go tool objdump`` could not disassemble the binary."""


class FunctionNotFound(DisassemblyError, LookupError):
    """No function in the binary matches the requested name or regex."""


@dataclass(frozen=True)
class Instruction:
    """One machine instruction of a disassembled function.

    Attributes:
        function: Symbol of the function it belongs to ("main.f").
        file: Source file basename, as objdump prints it ("main.go").
        path: Full source path, or None when it could not be determined.
        line: Source line.
        address: Virtual address.
        opcode: The encoding in hex as objdump prints it: bytes for x86, 32-bit
            words (space-separated if several) for fixed-width architectures.
        text: The instruction in Go assembler syntax; ``"?"`` when objdump
            cannot decode it.
        decoded: goenv's decoding of an instruction objdump printed as ``"?"``
            (arm64 LSE atomics), else None.
    """

    function: str
    file: str
    path: str | None
    line: int
    address: int
    opcode: str
    text: str
    decoded: str | None = None

    @property
    def display(self) -> str:
        """The text to show: objdump's, or goenv's decoding marked with "?"."""
        return f"{self.decoded} (?)" if self.decoded else self.text

    @property
    def mnemonic(self) -> str:
        """Upper-case operation without x86 prefixes ("LOCK XADDQ CX, 0(DX)" -> "XADDQ")."""
        words = (self.decoded or self.text).split()
        if not words:
            return ""
        if words[0].upper() in _X86_PREFIXES and len(words) > 1:
            return words[1].upper()
        return words[0].upper()

    @property
    def is_padding(self) -> bool:
        """True for the zero words objdump shows (as ``?``) after a function's last RET."""
        return self.text == "?" and not self.decoded and set(self.opcode.replace(" ", "")) <= {"0"}

    def to_dict(self) -> dict[str, Any]:
        """A plain dict of the fields."""
        return dataclasses.asdict(self)


# -- running objdump ---------------------------------------------------------

_REGEX_CHARS = set("^$[]|+?\\{}")


def function_regex(func: str) -> str:
    """The ``-s`` regex for a function name.

    A plain symbol (``main.f``, ``main.(*T).m``) is escaped and anchored so that
    ``main.f`` does not also match ``main.f2`` or ``main.f.func1``; a string
    that already uses regex syntax (``^``, ``$``, ``\\``, ``|``, ``.*``, ...) is
    passed through unchanged.
    """
    if ".*" in func or set(func) & _REGEX_CHARS:
        return func
    return "^" + re.escape(func) + "$"


def disassemble(binary: str | os.PathLike, func: str, *, toolchain=None,
                regex: bool | None = None, resolve_paths: bool = True) -> list[Instruction]:
    """Disassemble the functions of ``binary`` matching ``func``.

    Args:
        binary: A Go binary for any GOARCH objdump supports (see ``OBJDUMP_ARCHES``).
        func: A symbol such as ``"main.f"`` or ``"main.(*T).m"``, or a regex
            such as ``r"^main\\."`` (see :func:`function_regex`).
        toolchain: The toolchain to run (default: :func:`goenv.toolchain.default`).
        regex: Force ``func`` to be used as a regex (True) or as a literal name
            (False) instead of guessing.
        resolve_paths: Look up full paths of rows from other files (inlined code)
            with ``go tool addr2line``; otherwise their ``path`` is None.

    Returns:
        The instructions, in address order, of every matching function.

    Raises:
        FileNotFoundError: ``binary`` does not exist.
        FunctionNotFound: nothing matches; the message suggests similar names and
            ``//go:noinline`` (an inlined function has no symbol of its own).
        DisassemblyError: objdump cannot read the binary (wasm, mips, not Go).
    """
    path = Path(binary)
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, f"no binary at {path} (did the build succeed?)", str(path))
    if toolchain is None:
        from .toolchain import default

        toolchain = default()
    if regex is None:
        pattern = function_regex(func)
    else:
        pattern = func if regex else "^" + re.escape(func) + "$"
    res = toolchain.run_go(["tool", "objdump", "-s", pattern, str(path)], timeout=120)
    if res.returncode != 0:
        raise DisassemblyError(_objdump_failure(path, res.stderr))
    goarch = _goarch_of(path)
    rows = parse_objdump(res.stdout, goarch=goarch)
    if not rows:
        raise FunctionNotFound(_not_found_message(path, func, pattern, toolchain))
    if resolve_paths and any(r.path is None for r in rows):
        rows = _resolve_paths(rows, path, toolchain)
    return rows


def _goarch_of(path: Path) -> str | None:
    from .inspection import inspect_binary

    return inspect_binary(path, symbols=False).goarch_hint


def _objdump_failure(path: Path, stderr: str) -> str:
    err = stderr.strip()
    if "unsupported architecture" in err:
        return (f"go tool objdump cannot disassemble {path}: {err}. It supports "
                f"{', '.join(OBJDUMP_ARCHES)} (not mips* or wasm).")
    if "unrecognized object file" in err:
        return (f"go tool objdump cannot read {path} ({err}). WebAssembly modules are not "
                "supported (wasm2wat or wasm-objdump can show them); other files may not be Go binaries.")
    return f"go tool objdump failed on {path}: {err or 'no error message'}"


def _not_found_message(path: Path, func: str, pattern: str, toolchain) -> str:
    import difflib

    hint = ""
    res = toolchain.run_go(["tool", "nm", str(path)], timeout=120)
    if res.returncode == 0:
        names = [p[2] for p in (line.split(None, 2) for line in res.stdout.splitlines())
                 if len(p) == 3 and p[1] in ("T", "t")]
        close = difflib.get_close_matches(func, names, n=4, cutoff=0.6)
        if close:
            hint = " Similar functions: " + ", ".join(close) + "."
    return (f"no function matching {pattern!r} in {path}.{hint} If {func} is in the source, the "
            "compiler probably inlined it into its callers, so it has no code of its own: put "
            "//go:noinline on the line above `func`, or build with -gcflags=-l.")


def _resolve_paths(rows: list[Instruction], binary: Path, toolchain) -> list[Instruction]:
    # run_go has no stdin, and addr2line reads addresses from stdin.
    missing = sorted({r.address for r in rows if r.path is None})
    try:
        res = subprocess.run(
            [str(toolchain.go), "tool", "addr2line", str(binary)],
            input="".join(f"{a:#x}\n" for a in missing), capture_output=True, text=True,
            env=toolchain.env(), timeout=120,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        LOGGER.info("go tool addr2line failed: %s", exc)
        return rows
    lines = res.stdout.splitlines()
    if res.returncode != 0 or len(lines) < 2 * len(missing):
        LOGGER.info("go tool addr2line gave no answer: %s", res.stderr.strip())
        return rows
    found: dict[int, str] = {}
    for i, addr in enumerate(missing):
        file_line = lines[2 * i + 1]
        full = file_line.rsplit(":", 1)[0]
        if full and full != "?":
            found[addr] = full
    return [dataclasses.replace(r, path=found.get(r.address)) if r.path is None else r for r in rows]


# -- parsing -----------------------------------------------------------------

_HEADER_RE = re.compile(r"^TEXT (?P<func>.+?)\(SB\)(?: (?P<path>.*))?$")
_ROW_RE = re.compile(
    r"^\s+(?P<file>\S.*?):(?P<line>\d+)\t+(?P<addr>0x[0-9a-fA-F]+)\t+(?P<code>[0-9a-fA-F][0-9a-fA-F ]*?)\t+(?P<text>.*)$"
)


def _base(path: str) -> str:
    return re.split(r"[\\/]", path)[-1]


def parse_objdump(output: str, *, goarch: str | None = None) -> list[Instruction]:
    """Parse ``go tool objdump`` output (without ``-S``/``-gnu``).

    Args:
        output: objdump's stdout.
        goarch: The binary's GOARCH; for "arm64" rows printed as ``?`` are
            decoded with :func:`decode_arm64_lse`.

    Raises:
        ParseError: a non-empty line is neither a ``TEXT`` header nor an instruction row.
    """
    rows: list[Instruction] = []
    function = ""
    header_path: str | None = None
    for n, raw in enumerate(output.splitlines(), 1):
        if not raw.strip():
            continue
        header = _HEADER_RE.match(raw)
        if header:
            function = header["func"]
            header_path = (header["path"] or "").strip() or None
            continue
        m = _ROW_RE.match(raw)
        if not m:
            raise ParseError(f"objdump line {n} is neither 'TEXT ...' nor an instruction: {raw!r}")
        file = m["file"]
        # Relocations (object files only) are appended after another tab.
        text = re.sub(r"\t+", " ", m["text"]).strip()
        decoded = None
        if text == "?" and goarch == "arm64" and re.fullmatch(r"[0-9a-fA-F]{8}", m["code"]):
            decoded = decode_arm64_lse(int(m["code"], 16))
        full = header_path if header_path and _base(header_path) == file else None
        rows.append(Instruction(function=function, file=file, path=full, line=int(m["line"]),
                                address=int(m["addr"], 16), opcode=m["code"].strip(), text=text,
                                decoded=decoded))
    return rows


# -- arm64 LSE decoding ------------------------------------------------------

_LSE_OPS = ("LDADD", "LDCLR", "LDEOR", "LDOR", "LDSMAX", "LDSMIN", "LDUMAX", "LDUMIN")
_ORDER = {(0, 0): "", (1, 0): "A", (0, 1): "L", (1, 1): "AL"}  # (acquire, release)


def decode_arm64_lse(word: int) -> str | None:
    """Name an ARMv8.1 LSE atomic from its 32-bit encoding, in Go's spelling.

    Go's assembler spells them operation + ordering + size: ``LDADDALD``
    (64-bit add, acquire-release), ``CASALD``, ``SWPALW``, ``LDORALW`` (Go's
    name for LDSET). Returns None for anything else.
    """
    size = "BHWD"[(word >> 30) & 3]
    # LD<op>/SWP: size 111 0 00 A R 1 Rs o3 opc 00 Rn Rt
    if word & 0x3F200C00 == 0x38200000:
        acquire, release = (word >> 23) & 1, (word >> 22) & 1
        o3, opc = (word >> 15) & 1, (word >> 12) & 7
        if o3 == 0:
            op = _LSE_OPS[opc]
        elif opc == 0:
            op = "SWP"
        else:
            return None
        return f"{op}{_ORDER[(acquire, release)]}{size}"
    # CAS: size 001000 1 L 1 Rs o0 11111 Rn Rt
    if word & 0x3FA07C00 == 0x08A07C00:
        acquire, release = (word >> 22) & 1, (word >> 15) & 1
        return f"CAS{_ORDER[(acquire, release)]}{size}"
    return None


# -- classification ----------------------------------------------------------

_X86_PREFIXES = {"LOCK", "REP", "REPNE", "REPE", "XACQUIRE", "XRELEASE"}
# Per architecture family: (atomic mnemonics, atomic prefixes, barrier mnemonics, barrier prefixes).
_RULES: dict[str, tuple[frozenset[str], tuple[str, ...], frozenset[str], tuple[str, ...]]] = {
    "x86": (frozenset(), ("CMPXCHG",), frozenset({"MFENCE", "LFENCE", "SFENCE"}), ()),
    "arm64": (
        frozenset(),
        ("LDAR", "STLR", "LDAXR", "STLXR", "LDXR", "STXR", "LDAXP", "STLXP", "LDXP", "STXP", "LDAPR",
         "CAS", "SWP", "LDADD", "LDCLR", "LDEOR", "LDOR", "LDSET", "LDSMAX", "LDSMIN", "LDUMAX", "LDUMIN"),
        frozenset({"DMB", "DSB", "ISB"}), (),
    ),
    "arm": (frozenset(), ("LDREX", "STREX", "LDA", "STL"), frozenset({"DMB", "DSB", "ISB"}), ()),
    "riscv64": (frozenset({"LRW", "LRD", "SCW", "SCD"}), ("AMO",), frozenset(), ("FENCE",)),
    "ppc64": (
        frozenset({"LBAR", "LHAR", "LWAR", "LDAR", "LQAR", "STBCCC", "STHCCC", "STWCCC", "STDCCC", "STQCCC"}),
        (), frozenset({"SYNC", "HWSYNC", "LWSYNC", "ISYNC", "PTESYNC", "EIEIO"}), (),
    ),
    "s390x": (
        frozenset({"CS", "CSY", "CSG", "CDS", "CDSY", "CDSG", "LAA", "LAAG", "LAAL", "LAALG",
                   "LAN", "LANG", "LAO", "LAOG", "LAX", "LAXG"}),
        (), frozenset({"SYNC"}), (),
    ),
    "loong64": (frozenset({"LL", "LLV", "SC", "SCV"}), ("AM",), frozenset({"DBAR"}), ()),
    "mips": (frozenset({"LL", "LLV", "SC", "SCV"}), (), frozenset({"SYNC"}), ()),
}
_FAMILY = {"386": "x86", "amd64": "x86", "arm64": "arm64", "arm": "arm", "riscv64": "riscv64",
           "ppc64": "ppc64", "ppc64le": "ppc64", "s390x": "s390x", "loong64": "loong64",
           "mips": "mips", "mipsle": "mips", "mips64": "mips", "mips64le": "mips"}


def classify(inst: Instruction | str, goarch: str) -> str | None:
    """Whether an instruction is an atomic read-modify-write/ordered access or a barrier.

    Args:
        inst: An :class:`Instruction` or its Go-syntax text ("XCHGQ CX, 0(DX)").
        goarch: The architecture the instruction is for.

    Returns:
        ``"atomic"`` (amd64 LOCK-prefixed ops, XCHG with memory, CMPXCHG; arm64
        LDAR/STLR, exclusive pairs and LSE ops; riscv64 AMO*/LR/SC; ppc64
        LxAR/STxCCC; s390x CS*/LAA*...; loong64 AM*/LL/SC), ``"barrier"``
        (MFENCE, DMB, FENCE, SYNC/LWSYNC/ISYNC, DBAR...) or None.

    Raises:
        InvalidOption: ``goarch`` is unknown.
    """
    family = _FAMILY.get(goarch)
    if family is None:
        from .errors import InvalidOption

        raise InvalidOption(f"no atomic-instruction rules for GOARCH {goarch!r}; known: {', '.join(_FAMILY)}")
    text = (inst.decoded or inst.text) if isinstance(inst, Instruction) else inst
    words = text.upper().split()
    if not words:
        return None
    if family == "x86":
        if words[0] == "LOCK":
            return "atomic"
        # XCHG with a memory operand is implicitly locked; XCHG between registers is not.
        if words[0].startswith("XCHG") and "(" in text:
            return "atomic"
    mnemonic = words[1] if words[0] in _X86_PREFIXES and len(words) > 1 else words[0]
    atomic_exact, atomic_prefixes, barrier_exact, barrier_prefixes = _RULES[family]
    if mnemonic in barrier_exact or mnemonic.startswith(barrier_prefixes or ("\0",)):
        return "barrier"
    if mnemonic in atomic_exact or mnemonic.startswith(atomic_prefixes or ("\0",)):
        return "atomic"
    return None


def mark_atomic(inst: Instruction | str, goarch: str) -> bool:
    """True when :func:`classify` flags the instruction as atomic or as a barrier."""
    return classify(inst, goarch) is not None


# -- tables ------------------------------------------------------------------


def instructions_frame(instructions: Sequence[Instruction], goarch: str | None = None) -> "pd.DataFrame":
    """Instructions as a DataFrame; with ``goarch`` a ``kind`` column from :func:`classify`."""
    import pandas as pd

    frame = pd.DataFrame([i.to_dict() for i in instructions],
                         columns=[f.name for f in dataclasses.fields(Instruction)])
    if goarch is not None:
        frame["kind"] = [classify(i, goarch) for i in instructions]
    return frame


def align_by_line(rows: Mapping[str, Sequence[Instruction]], *, sep: str = "; ", mark: bool = False,
                  skip_padding: bool = True) -> "pd.DataFrame":
    """Line up the same function compiled for several architectures, by source line.

    Args:
        rows: GOARCH -> instructions (from :func:`disassemble` of each binary).
        sep: Joins the instructions of one line.
        mark: Prefix atomic and barrier instructions with ``*`` (uses the
            GOARCH keys of ``rows``, which must then be real GOARCH names).
        skip_padding: Leave out the zero padding after a function's last RET.

    Returns:
        One row per (file, line), ordered by file (first appearance) then line,
        with columns ``file``, ``line`` and one column per architecture holding
        that line's instructions ("" where an architecture has none, e.g. a
        stack check that only one of them emits).
    """
    import pandas as pd

    cells: dict[tuple[str, int], dict[str, list[str]]] = {}
    file_order: dict[str, int] = {}
    for arch, insts in rows.items():
        for inst in insts:
            if skip_padding and inst.is_padding:
                continue
            file_order.setdefault(inst.file, len(file_order))
            text = inst.display
            if mark and mark_atomic(inst, arch):
                text = "*" + text
            cells.setdefault((inst.file, inst.line), {}).setdefault(arch, []).append(text)
    keys = sorted(cells, key=lambda k: (file_order[k[0]], k[1]))
    records = [
        {"file": f, "line": line, **{arch: sep.join(cells[(f, line)].get(arch, [])) for arch in rows}}
        for f, line in keys
    ]
    return pd.DataFrame(records, columns=["file", "line", *rows])
