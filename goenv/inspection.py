"""Identify a compiled binary by reading its headers, the way ``file`` and ``readelf`` do.

The course cross-compiles the same program for many targets and then asks
"what did the linker actually produce?". This module answers from the bytes
alone, in pure Python with :mod:`struct`, so it works for every format Go can
emit without pyelftools, binutils or the target OS:

========== ===========================================================
format      produced by
========== ===========================================================
ELF         linux, android, freebsd, netbsd, openbsd, dragonfly, solaris
PE          windows (also ``-ldflags -H=windowsgui`` for *any* GOOS)
Mach-O      darwin, ios
XCOFF       aix
wasm        js/wasm, wasip1/wasm
Plan 9      plan9 (``a.out``)
========== ===========================================================

Symbol sizes per Go package come from ``go tool nm -size``, because only the
Go toolchain knows how to read Go symbols in all of these formats.

Example::

    info = inspect_binary("hello")
    file_description(info)   # 'ELF 64-bit LSB executable, x86-64, statically linked, not stripped'
    info.size_by_package["runtime"], info.runtime_share
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

LOGGER = logging.getLogger(__name__)

__all__ = [
    "BinaryInfo",
    "inspect_binary",
    "file_description",
    "symbol_package",
    "package_sizes",
]


# -- the result ------------------------------------------------------------


@dataclass(frozen=True)
class BinaryInfo:
    """What the headers of a binary say about it.

    Fields that do not apply to a format (``subsystem`` for ELF,
    ``interpreter`` for PE, ...) are ``None``; fields that could not be read
    because the file is truncated are ``None`` too and ``problems`` says why.

    Attributes:
        path: The file inspected.
        size: File size in bytes.
        format: "ELF", "PE", "Mach-O", "XCOFF", "wasm", "Plan 9 a.out" or "unknown".
        machine: Human name of the instruction set ("x86-64", "AArch64", "RISC-V", ...).
        machine_code: The raw machine field of the header (e_machine, PE Machine,
            Mach-O cputype, XCOFF/Plan 9 magic, wasm binary-format version).
        bits: 32 or 64.
        endianness: "little" or "big" (of the target, not of the header encoding).
        file_type: "executable", "pie executable", "shared object", "DLL", "dylib", ...
        goarch_hint: The GOARCH that produces this machine/bits/endianness.
        goos_hint: The GOOS the format and ABI markers point at. For ELF this is a
            best guess: Go marks FreeBSD/NetBSD/OpenBSD in the OS/ABI byte, other
            systems only through the interpreter path, so a static SYSV ELF reads
            as "linux".
        os_abi: ELF OS/ABI name ("SYSV", "FreeBSD", ...).
        interpreter: ELF PT_INTERP or Mach-O LC_LOAD_DYLINKER path.
        needed: Libraries the loader must bring in: ELF DT_NEEDED, Mach-O
            LC_LOAD_DYLIB, PE import DLLs, XCOFF import files, wasm import modules.
        linkage: "static" or "dynamic" (ELF: dynamic when it has PT_INTERP or
            DT_NEEDED; PE/Mach-O/XCOFF: dynamic when it imports libraries).
        stripped: True when the symbol table is gone (ELF: no .symtab; PE/XCOFF/Plan 9:
            no COFF/a.out symbols; Mach-O: no defined symbols; wasm: no "name" section).
        pe_format: "PE32" or "PE32+".
        subsystem: PE subsystem ("console", "GUI", ...).
        size_by_package: Bytes of symbols per Go package, largest first (see
            :func:`package_sizes`); None when not asked for, stripped, or unsupported.
        runtime_share: Fraction of those bytes in ``runtime`` and ``internal/runtime/...``.
        problems: Parts of the file that could not be read (truncated or malformed).
    """

    path: str
    size: int
    format: str
    machine: str | None = None
    machine_code: int | None = None
    bits: int | None = None
    endianness: str | None = None
    file_type: str | None = None
    goarch_hint: str | None = None
    goos_hint: str | None = None
    os_abi: str | None = None
    interpreter: str | None = None
    needed: tuple[str, ...] = ()
    linkage: str | None = None
    stripped: bool | None = None
    pe_format: str | None = None
    subsystem: str | None = None
    # A dict is unhashable; keeping it out of the hash keeps BinaryInfo usable as a dict key.
    size_by_package: dict[str, int] | None = field(default=None, hash=False)
    runtime_share: float | None = None
    problems: tuple[str, ...] = ()

    @property
    def is_dynamic(self) -> bool:
        """True when the binary needs libraries loaded at run time."""
        return self.linkage == "dynamic"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict (tuples become lists)."""
        out = dataclasses.asdict(self)
        out["needed"] = list(self.needed)
        out["problems"] = list(self.problems)
        return out


# -- machine tables --------------------------------------------------------

# ELF e_machine -> name. Names follow `file` where it is unambiguous, shortened
# where `file` is historical ("UCB RISC-V", "64-bit PowerPC or cisco 7500").
_ELF_MACHINES = {
    2: "SPARC", 3: "Intel 80386", 8: "MIPS", 10: "MIPS", 20: "PowerPC", 21: "PowerPC64",
    22: "S/390", 40: "ARM", 43: "SPARC V9", 50: "IA-64", 62: "x86-64", 183: "AArch64",
    243: "RISC-V", 258: "LoongArch",
}
_PE_MACHINES = {
    0x14C: "Intel 80386", 0x8664: "x86-64", 0xAA64: "AArch64", 0x1C0: "ARM", 0x1C4: "ARM",
    0x5032: "RISC-V", 0x5064: "RISC-V", 0x6264: "LoongArch",
}
_MACHO_ABI64 = 0x01000000
_MACHO_CPUS = {7: "Intel 80386", 7 | _MACHO_ABI64: "x86-64", 12: "ARM", 12 | _MACHO_ABI64: "AArch64",
               18: "PowerPC", 18 | _MACHO_ABI64: "PowerPC64"}

# (machine, bits, endianness) -> GOARCH. None in a key position means "any".
_GOARCH = {
    ("x86-64", None, None): "amd64", ("Intel 80386", None, None): "386",
    ("AArch64", None, None): "arm64", ("ARM", None, None): "arm",
    ("RISC-V", 64, None): "riscv64", ("LoongArch", 64, None): "loong64",
    ("PowerPC64", None, "big"): "ppc64", ("PowerPC64", None, "little"): "ppc64le",
    ("S/390", 64, None): "s390x",
    ("MIPS", 32, "big"): "mips", ("MIPS", 32, "little"): "mipsle",
    ("MIPS", 64, "big"): "mips64", ("MIPS", 64, "little"): "mips64le",
    ("wasm", None, None): "wasm",
}


def _goarch_hint(machine: str | None, bits: int | None, endian: str | None) -> str | None:
    for (m, b, e), goarch in _GOARCH.items():
        if m == machine and b in (None, bits) and e in (None, endian):
            return goarch
    return None


# -- bounds-checked reading ------------------------------------------------


class _Malformed(Exception):
    """A structure points outside the file; the caller records it as a problem."""


class _Bytes:
    """A file's bytes with unpack helpers that fail with :class:`_Malformed`, not IndexError."""

    def __init__(self, data: bytes, order: str = "<"):
        self.data = data
        self.order = order

    def unpack(self, fmt: str, off: int) -> tuple:
        fmt = self.order + fmt
        size = struct.calcsize(fmt)
        if off < 0 or off + size > len(self.data):
            raise _Malformed(f"{size} bytes at offset {off:#x} are past the end of the file")
        return struct.unpack_from(fmt, self.data, off)

    def one(self, fmt: str, off: int) -> int:
        return self.unpack(fmt, off)[0]

    def cstr(self, off: int, limit: int = 4096) -> str:
        if off < 0 or off >= len(self.data):
            raise _Malformed(f"string at offset {off:#x} is past the end of the file")
        end = self.data.find(b"\0", off, off + limit)
        if end < 0:
            end = min(len(self.data), off + limit)
        return self.data[off:end].decode("utf-8", "replace")


# -- ELF ---------------------------------------------------------------------

_ELF_OSABI = {0: "SYSV", 1: "HP-UX", 2: "NetBSD", 3: "GNU/Linux", 6: "Solaris", 7: "AIX", 8: "IRIX",
              9: "FreeBSD", 12: "OpenBSD", 13: "OpenVMS", 97: "ARM", 255: "standalone"}
_OSABI_GOOS = {"NetBSD": "netbsd", "GNU/Linux": "linux", "Solaris": "solaris", "FreeBSD": "freebsd",
               "OpenBSD": "openbsd", "AIX": "aix"}
# Interpreter paths the Go linker writes (cmd/link/internal/*/obj.go) -> GOOS.
_INTERP_GOOS = (
    ("/system/bin/linker", "android"), ("/libexec/ld-elf.so.1", "freebsd"),
    ("/usr/libexec/ld-elf.so.1", "freebsd"), ("/usr/libexec/ld-elf.so.2", "dragonfly"),
    ("/usr/libexec/ld.elf_so", "netbsd"), ("/usr/libexec/ld.so", "openbsd"),
    ("ld.so.1", "solaris"), ("ld-linux", "linux"), ("ld64.so", "linux"), ("ld-musl", "linux"),
    ("/lib/ld.so", "linux"),
)
_PT_LOAD, _PT_DYNAMIC, _PT_INTERP = 1, 2, 3
_SHT_SYMTAB = 2
_DT_NEEDED, _DT_STRTAB, _DT_FLAGS_1 = 1, 5, 0x6FFFFFFB
_DF_1_PIE = 0x08000000


def _parse_elf(b: _Bytes, out: dict) -> None:
    ident = b.data[:16]
    cls, data_enc, osabi = ident[4], ident[5], ident[7]
    out["bits"] = {1: 32, 2: 64}.get(cls)
    out["endianness"] = {1: "little", 2: "big"}.get(data_enc)
    out["os_abi"] = _ELF_OSABI.get(osabi, f"OS/ABI {osabi}")
    if out["bits"] is None or out["endianness"] is None:
        raise _Malformed(f"ELF class {cls} / data encoding {data_enc} are invalid")
    b.order = "<" if data_enc == 1 else ">"
    is64 = cls == 2
    hdr = "HHIQQQIHHHHHH" if is64 else "HHIIIIIHHHHHH"
    (e_type, e_machine, _ver, _entry, phoff, shoff, _flags, _ehsize,
     phentsize, phnum, shentsize, shnum, shstrndx) = b.unpack(hdr, 16)
    out["machine_code"] = e_machine
    out["machine"] = _ELF_MACHINES.get(e_machine, f"machine {e_machine}")

    # Program headers: PT_INTERP names the dynamic loader, PT_DYNAMIC lists the
    # libraries, PT_LOAD maps virtual addresses (DT_STRTAB is one) to file offsets.
    loads: list[tuple[int, int, int]] = []
    interp = None
    dynamic = None
    for i in range(phnum if phoff else 0):
        off = phoff + i * phentsize
        if is64:
            p_type, _pf, p_offset, p_vaddr, _pa, p_filesz, _pm, _al = b.unpack("IIQQQQQQ", off)
        else:
            p_type, p_offset, p_vaddr, _pa, p_filesz, _pm, _pf, _al = b.unpack("IIIIIIII", off)
        if p_type == _PT_LOAD:
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == _PT_INTERP:
            interp = b.cstr(p_offset, max(p_filesz, 1))
        elif p_type == _PT_DYNAMIC:
            dynamic = (p_offset, p_filesz)

    # Section headers: only their names and types are needed (.symtab, notes).
    sections: list[tuple[str, int, int, int]] = []  # name, type, offset, size
    problems = out.setdefault("_problems", [])
    try:
        sections = _elf_sections(b, is64, shoff, shentsize, shnum, shstrndx)
    except _Malformed as exc:
        problems.append(f"section headers: {exc}")

    needed: list[str] = []
    flags_1 = 0
    if dynamic is not None:
        try:
            needed, flags_1 = _elf_dynamic(b, is64, dynamic, loads, sections)
        except _Malformed as exc:
            problems.append(f"dynamic section: {exc}")

    out["interpreter"] = interp
    out["needed"] = tuple(needed)
    out["linkage"] = "dynamic" if interp or needed else "static"
    out["stripped"] = not any(stype == _SHT_SYMTAB for _n, stype, _o, _s in sections)
    out["file_type"] = {1: "relocatable", 2: "executable", 4: "core file"}.get(e_type)
    if e_type == 3:
        # ET_DYN is both a PIE executable and a shared library; the PIE flag or
        # an interpreter (a library has none) tells them apart, as `file` does.
        out["file_type"] = "pie executable" if flags_1 & _DF_1_PIE or interp else "shared object"
    out["goos_hint"] = _elf_goos(out["os_abi"], interp, {name for name, *_ in sections})


def _elf_sections(b: _Bytes, is64: bool, shoff: int, shentsize: int, shnum: int,
                  shstrndx: int) -> list[tuple[str, int, int, int]]:
    if not shoff:
        return []
    fmt = "IIQQQQIIQQ" if is64 else "IIIIIIIIII"

    def header(i: int) -> tuple:
        return b.unpack(fmt, shoff + i * shentsize)

    if shnum == 0:  # extended numbering: the real count lives in section 0's sh_size
        shnum = header(0)[5]
    if shstrndx == 0xFFFF:  # SHN_XINDEX: the real index lives in section 0's sh_link
        shstrndx = header(0)[6]
    if shnum > 65536 * 4:
        raise _Malformed(f"{shnum} section headers is not plausible")
    raw = [header(i) for i in range(shnum)]
    str_off = raw[shstrndx][4] if shstrndx < shnum else None
    sections = []
    for sh_name, sh_type, _fl, _addr, sh_offset, sh_size, *_rest in raw:
        name = b.cstr(str_off + sh_name) if str_off is not None else ""
        sections.append((name, sh_type, sh_offset, sh_size))
    return sections


def _elf_dynamic(b: _Bytes, is64: bool, dynamic: tuple[int, int], loads: list[tuple[int, int, int]],
                 sections: list[tuple[str, int, int, int]]) -> tuple[list[str], int]:
    offset, size = dynamic
    entsize = 16 if is64 else 8
    fmt = "qQ" if is64 else "iI"
    needed_offsets: list[int] = []
    strtab_addr = None
    flags_1 = 0
    for i in range(size // entsize):
        tag, val = b.unpack(fmt, offset + i * entsize)
        if tag == 0:
            break
        if tag == _DT_NEEDED:
            needed_offsets.append(val)
        elif tag == _DT_STRTAB:
            strtab_addr = val
        elif tag == _DT_FLAGS_1:
            flags_1 = val
    # DT_STRTAB is a virtual address: translate it through the PT_LOAD segment
    # that contains it. Fall back to the .dynstr section if no segment does.
    strtab_off = None
    if strtab_addr is not None:
        for vaddr, foff, filesz in loads:
            if vaddr <= strtab_addr < vaddr + filesz:
                strtab_off = strtab_addr - vaddr + foff
                break
    if strtab_off is None:
        strtab_off = next((off for name, _t, off, _s in sections if name == ".dynstr"), None)
    if strtab_off is None:
        if needed_offsets:
            raise _Malformed("DT_NEEDED entries but no string table to resolve them")
        return [], flags_1
    return [b.cstr(strtab_off + o) for o in needed_offsets], flags_1


def _elf_goos(os_abi: str, interp: str | None, section_names: set[str]) -> str | None:
    if os_abi in _OSABI_GOOS:
        return _OSABI_GOOS[os_abi]
    if ".note.netbsd.ident" in section_names:
        return "netbsd"
    if ".note.openbsd.ident" in section_names:
        return "openbsd"
    if interp:
        for marker, goos in _INTERP_GOOS:
            if marker in interp:
                return goos
        return None
    # A SYSV ELF with no interpreter and no BSD note: Go only writes those for
    # linux (android, solaris and dragonfly binaries always have an interpreter).
    return "linux" if os_abi == "SYSV" else None


# -- PE ----------------------------------------------------------------------

_PE_SUBSYSTEMS = {1: "native", 2: "GUI", 3: "console", 5: "OS/2 console", 7: "POSIX console",
                  9: "Windows CE GUI", 10: "EFI application", 11: "EFI boot service driver",
                  12: "EFI runtime driver", 13: "EFI ROM", 14: "Xbox", 16: "boot application"}


def _parse_pe(b: _Bytes, out: dict) -> None:
    pe_off = b.one("I", 0x3C)
    if b.data[pe_off:pe_off + 4] != b"PE\0\0":
        raise _Malformed("MZ header without a PE signature (a DOS program?)")
    machine, nsections, _ts, symptr, nsyms, opt_size, characteristics = b.unpack("HHIIIHH", pe_off + 4)
    out["machine_code"] = machine
    out["machine"] = _PE_MACHINES.get(machine, f"machine {machine:#x}")
    out["endianness"] = "little"
    out["goos_hint"] = "windows"
    out["file_type"] = "DLL" if characteristics & 0x2000 else "executable"
    # The COFF symbol table is what `-ldflags=-s` removes; the header keeps a
    # zero pointer/count when it is gone.
    out["stripped"] = symptr == 0 or nsyms == 0
    opt = pe_off + 24
    magic = b.one("H", opt)
    if magic not in (0x10B, 0x20B):
        raise _Malformed(f"optional header magic {magic:#x} is neither PE32 nor PE32+")
    plus = magic == 0x20B
    out["pe_format"] = "PE32+" if plus else "PE32"
    out["bits"] = 64 if plus else 32
    subsystem = b.one("H", opt + 68)
    out["subsystem"] = _PE_SUBSYSTEMS.get(subsystem, f"subsystem {subsystem}")

    sections = []
    sec_off = opt + opt_size
    for i in range(nsections):
        _name, vsize, vaddr, rawsize, rawptr = b.unpack("8sIIII", sec_off + 40 * i)
        sections.append((vaddr, max(vsize, rawsize), rawptr))

    def rva_to_off(rva: int) -> int:
        for vaddr, size, rawptr in sections:
            if vaddr <= rva < vaddr + size:
                return rva - vaddr + rawptr
        raise _Malformed(f"RVA {rva:#x} is in no section")

    ndirs_off, dirs_off = (opt + 108, opt + 112) if plus else (opt + 92, opt + 96)
    needed: list[str] = []
    if b.one("I", ndirs_off) > 1:
        import_rva, _import_size = b.unpack("II", dirs_off + 8)  # directory 1: imports
        if import_rva:
            desc = rva_to_off(import_rva)
            for _ in range(4096):  # a bound in case the terminating descriptor is missing
                oft, _t, _fc, name_rva, first_thunk = b.unpack("IIIII", desc)
                if not (oft or name_rva or first_thunk):
                    break
                needed.append(b.cstr(rva_to_off(name_rva)))
                desc += 20
    out["needed"] = tuple(needed)
    out["linkage"] = "dynamic" if needed else "static"


# -- Mach-O ------------------------------------------------------------------

_MACHO_MAGICS = {b"\xce\xfa\xed\xfe": ("<", 32), b"\xcf\xfa\xed\xfe": ("<", 64),
                 b"\xfe\xed\xfa\xce": (">", 32), b"\xfe\xed\xfa\xcf": (">", 64)}
_MACHO_FILETYPES = {1: "object", 2: "executable", 3: "fixed VM shared library", 4: "core",
                    5: "preloaded executable", 6: "dylib", 7: "dynamic linker", 8: "bundle",
                    9: "dylib stub", 10: "dSYM companion", 11: "kext bundle"}
_LC_SYMTAB, _LC_DYSYMTAB, _LC_LOAD_DYLINKER, _LC_BUILD_VERSION = 0x2, 0xB, 0xE, 0x32
_LC_DYLIBS = {0xC, 0x80000018, 0x8000001F, 0x20, 0x80000023}  # load, weak, reexport, lazy, upward
_MACHO_PLATFORMS = {1: "darwin", 2: "ios", 3: "tvos", 4: "watchos", 6: "ios", 7: "ios", 11: "visionos"}


def _parse_macho(b: _Bytes, out: dict) -> None:
    order, bits = _MACHO_MAGICS[b.data[:4]]
    b.order = order
    out["bits"] = bits
    out["endianness"] = "little" if order == "<" else "big"
    cputype, _sub, filetype, ncmds, _sizeofcmds, _flags = b.unpack("iiIIII", 4)
    out["machine_code"] = cputype & 0xFFFFFFFF
    out["machine"] = _MACHO_CPUS.get(cputype, f"cputype {cputype:#x}")
    out["file_type"] = _MACHO_FILETYPES.get(filetype, f"filetype {filetype}")
    out["goos_hint"] = "darwin"
    off = 32 if bits == 64 else 28
    dylibs: list[str] = []
    symtab = None
    dysymtab = None
    for _ in range(min(ncmds, 65536)):
        cmd, cmdsize = b.unpack("II", off)
        if cmdsize < 8:
            raise _Malformed(f"load command {cmd:#x} has size {cmdsize}")
        if cmd in _LC_DYLIBS:
            dylibs.append(b.cstr(off + b.one("I", off + 8), cmdsize))
        elif cmd == _LC_LOAD_DYLINKER:
            out["interpreter"] = b.cstr(off + b.one("I", off + 8), cmdsize)
        elif cmd == _LC_SYMTAB:
            symtab = b.unpack("IIII", off + 8)  # symoff, nsyms, stroff, strsize
        elif cmd == _LC_DYSYMTAB:
            dysymtab = b.unpack("IIIIII", off + 8)  # ilocal, nlocal, iextdef, nextdef, iundef, nundef
        elif cmd == _LC_BUILD_VERSION:
            out["goos_hint"] = _MACHO_PLATFORMS.get(b.one("I", off + 8), "darwin")
        off += cmdsize
    out["needed"] = tuple(dylibs)
    out["linkage"] = "dynamic" if dylibs else "static"
    # A stripped Go darwin binary keeps LC_SYMTAB for the symbols it imports
    # from libSystem, so "stripped" means "no local or defined symbols left".
    if symtab is None:
        out["stripped"] = True
    elif dysymtab is not None:
        out["stripped"] = dysymtab[1] + dysymtab[3] == 0
    else:
        out["stripped"] = symtab[1] == 0


def _parse_fat(b: _Bytes, out: dict) -> None:
    b.order = ">"
    nfat = b.one("I", 4)
    out["machine"] = f"universal ({nfat} architectures)"
    out["file_type"] = "universal binary"
    out["goos_hint"] = "darwin"


# -- XCOFF -------------------------------------------------------------------

_STYP_LOADER = 0x1000


def _parse_xcoff(b: _Bytes, out: dict) -> None:
    b.order = ">"
    magic = b.one("H", 0)
    is64 = magic == 0x01F7
    out["machine_code"] = magic
    out["bits"] = 64 if is64 else 32
    out["machine"] = "PowerPC64" if is64 else "PowerPC"
    out["endianness"] = "big"
    out["goos_hint"] = "aix"
    if is64:
        _m, nscns, _ts, symptr, opthdr, flags, nsyms = b.unpack("HHiQHHi", 0)
        sec_off, sec_size = 24 + opthdr, 72
    else:
        _m, nscns, _ts, symptr, nsyms, opthdr, flags = b.unpack("HHiiiHH", 0)
        sec_off, sec_size = 20 + opthdr, 40
    out["stripped"] = symptr == 0 or nsyms == 0
    out["file_type"] = "executable" if flags & 0x0002 else ("shared object" if flags & 0x2000 else "object")
    # Imported libraries are listed in the loader section's import file IDs.
    needed: list[str] = []
    for i in range(nscns):
        base = sec_off + i * sec_size
        if is64:
            _n, _pa, _va, _size, scnptr, _rel, _ln, _nrel, _nln, s_flags = b.unpack("8sQQQQQQIII", base)
        else:
            _n, _pa, _va, _size, scnptr, _rel, _ln, _nrel, _nln, s_flags = b.unpack("8sIIIIIIHHI", base)
        if s_flags & 0xFFFF == _STYP_LOADER:
            needed = _xcoff_imports(b, is64, scnptr)
            break
    out["needed"] = tuple(needed)
    out["linkage"] = "dynamic" if needed else "static"


def _xcoff_imports(b: _Bytes, is64: bool, loader: int) -> list[str]:
    if is64:
        _v, _ns, _nr, istlen, nimpid, _stlen, impoff, _stoff, _so, _ro = b.unpack("iiiIiIQQQQ", loader)
    else:
        _v, _ns, _nr, istlen, nimpid, impoff, _stlen, _stoff = b.unpack("iiiIiIII", loader)
    pos = loader + impoff
    end = pos + istlen
    names: list[str] = []
    for idx in range(min(nimpid, 4096)):
        parts = []
        for _ in range(3):  # path, base name, archive member, each NUL-terminated
            s = b.cstr(pos, max(end - pos, 1))
            parts.append(s)
            pos += len(s.encode("utf-8", "replace")) + 1
        if idx == 0:
            continue  # entry 0 is the default library search path, not a library
        path, base, member = parts
        name = f"{path}/{base}" if path else base
        names.append(f"{name}({member})" if member else name)
    return names


# -- WebAssembly -------------------------------------------------------------

_WASM_IMPORT_GOOS = {"gojs": "js", "go": "js", "wasi_snapshot_preview1": "wasip1", "wasi_unstable": "wasip1"}


def _uleb(b: _Bytes, off: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if off >= len(b.data):
            raise _Malformed("LEB128 number runs past the end of the file")
        byte = b.data[off]
        off += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, off
        shift += 7


def _wasm_name(b: _Bytes, off: int) -> tuple[str, int]:
    n, off = _uleb(b, off)
    return b.data[off:off + n].decode("utf-8", "replace"), off + n


def _parse_wasm(b: _Bytes, out: dict) -> None:
    # wasm has no machine field; its binary-format version stands in for it.
    out.update(machine="wasm", bits=32, endianness="little", file_type="module", machine_code=b.one("I", 4))
    off = 8
    modules: list[str] = []
    has_name = False
    while off < len(b.data):
        sec_id = b.data[off]
        size, body = _uleb(b, off + 1)
        end = body + size
        if end > len(b.data):
            raise _Malformed(f"section {sec_id} runs past the end of the file")
        if sec_id == 0:
            name, _ = _wasm_name(b, body)
            has_name = has_name or name == "name"
        elif sec_id == 2:
            modules = _wasm_import_modules(b, body)
        off = end
    out["needed"] = tuple(modules)
    # Imports are host functions, not libraries a loader links: "dynamic" would mislead.
    out["linkage"] = None
    out["stripped"] = not has_name
    out["goos_hint"] = next((_WASM_IMPORT_GOOS[m] for m in modules if m in _WASM_IMPORT_GOOS), None)


def _wasm_import_modules(b: _Bytes, off: int) -> list[str]:
    count, off = _uleb(b, off)
    modules: list[str] = []
    for _ in range(count):
        module, off = _wasm_name(b, off)
        _field, off = _wasm_name(b, off)
        kind = b.data[off]
        off += 1
        if kind == 0:  # function: type index
            _t, off = _uleb(b, off)
        elif kind in (1, 2):  # table (reftype + limits) or memory (limits)
            if kind == 1:
                off += 1
            flags, off = _uleb(b, off)
            _min, off = _uleb(b, off)
            if flags & 1:
                _max, off = _uleb(b, off)
        elif kind == 3:  # global: value type + mutability
            off += 2
        elif kind == 4:  # tag: attribute + type index
            off += 1
            _t, off = _uleb(b, off)
        else:
            raise _Malformed(f"unknown import kind {kind}")
        if module not in modules:
            modules.append(module)
    return modules


# -- Plan 9 a.out ------------------------------------------------------------

# Plan 9 magics are _MAGIC(f, b) = f | (4*b*b + 7); 64-bit ones set HDR_MAGIC.
_HDR_MAGIC = 0x8000
_PLAN9 = {
    (4 * 11 * 11 + 7): ("Intel 80386", 32, "little"),
    (4 * 20 * 20 + 7): ("ARM", 32, "little"),
    (4 * 21 * 21 + 7): ("PowerPC", 32, "big"),
    (4 * 22 * 22 + 7): ("MIPS", 32, "big"),
    (4 * 24 * 24 + 7): ("MIPS", 32, "little"),
    _HDR_MAGIC | (4 * 26 * 26 + 7): ("x86-64", 64, "little"),
    _HDR_MAGIC | (4 * 27 * 27 + 7): ("PowerPC64", 64, "big"),
    _HDR_MAGIC | (4 * 28 * 28 + 7): ("AArch64", 64, "little"),
}


def _plan9_magic(data: bytes) -> int | None:
    if len(data) < 40:
        return None
    magic, text, dat, _bss, syms = struct.unpack_from(">IIIII", data, 0)
    if magic not in _PLAN9:
        return None
    # The magics are small numbers that random data can start with; the header
    # (32 bytes, +8 for a 64-bit entry) followed back to back by text, data and
    # symbols must also fit in the file.
    header = 40 if magic & _HDR_MAGIC else 32
    return magic if header + text + dat + syms <= len(data) else None


def _parse_plan9(b: _Bytes, out: dict) -> None:
    b.order = ">"
    magic, _text, _data, _bss, syms, _entry, _spsz, _pcsz = b.unpack("IIIIIIII", 0)
    machine, bits, endian = _PLAN9[magic]
    out.update(machine=machine, machine_code=magic, bits=bits, endianness=endian,
               file_type="executable", goos_hint="plan9", linkage="static", stripped=syms == 0)


# -- dispatch ----------------------------------------------------------------


def _detect(data: bytes) -> tuple[str, Callable[[_Bytes, dict], None] | None]:
    if data[:4] == b"\x7fELF":
        return "ELF", _parse_elf
    if data[:2] == b"MZ" and len(data) >= 0x40:
        return "PE", _parse_pe
    if data[:4] in _MACHO_MAGICS:
        return "Mach-O", _parse_macho
    # 0xcafebabe is also a Java class file; those have a version (>= 45) where a
    # universal binary has a small architecture count.
    if data[:4] == b"\xca\xfe\xba\xbe" and len(data) >= 8 and struct.unpack_from(">I", data, 4)[0] < 45:
        return "Mach-O", _parse_fat
    if data[:2] in (b"\x01\xdf", b"\x01\xf7"):
        return "XCOFF", _parse_xcoff
    if data[:4] == b"\0asm":
        return "wasm", _parse_wasm
    if _plan9_magic(data) is not None:
        return "Plan 9 a.out", _parse_plan9
    return "unknown", None


def inspect_binary(path: str | os.PathLike, *, toolchain=None, symbols: bool = True) -> BinaryInfo:
    """Read a binary's headers (and optionally its Go symbols).

    Args:
        path: The file to inspect.
        toolchain: The :class:`~goenv.toolchain.Toolchain` whose ``go tool nm``
            reads the symbols (default: :func:`goenv.toolchain.default`). Only
            used when ``symbols`` is true and the binary has symbols.
        symbols: Also fill ``size_by_package`` and ``runtime_share``.

    Returns:
        A :class:`BinaryInfo`. Files that are not binaries (text, truncated
        downloads, random bytes) come back with ``format="unknown"``; a binary
        whose headers are partly corrupt keeps what could be read and lists the
        rest in ``problems``. Neither raises.

    Raises:
        FileNotFoundError: ``path`` does not exist (usually: the build failed).
        IsADirectoryError: ``path`` is a directory.
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(errno.ENOENT, f"no binary at {p} (did the build succeed?)", str(p))
    if p.is_dir():
        raise IsADirectoryError(errno.EISDIR, f"{p} is a directory, not a binary", str(p))
    data = p.read_bytes()
    fmt, parser = _detect(data)
    fields: dict[str, Any] = {"_problems": []}
    if parser is not None:
        try:
            parser(_Bytes(data), fields)
        except (_Malformed, struct.error, IndexError, KeyError) as exc:
            LOGGER.info("%s: malformed %s: %s", p, fmt, exc)
            fields["_problems"].append(f"{fmt} headers: {exc}")
    problems = tuple(fields.pop("_problems"))
    info = BinaryInfo(path=str(p), size=len(data), format=fmt, problems=problems, **fields)
    info = dataclasses.replace(info, goarch_hint=_goarch_hint(info.machine, info.bits, info.endianness))
    if symbols and fmt != "unknown" and info.stripped is False:
        sizes = _symbol_sizes(p, toolchain)
        if sizes is not None:
            info = dataclasses.replace(info, size_by_package=sizes, runtime_share=_runtime_share(sizes))
    return info


# -- symbols per package -----------------------------------------------------

# Linker-defined boundary symbols (cmd/link). On formats without symbol sizes
# (PE, Mach-O, Plan 9, XCOFF) `go tool nm` sizes a symbol by the gap to the
# next one, so these markers swallow whole tables (runtime.pclntab ~ 500 kB);
# they are reported as "(linker)" and lose ties with real symbols at the same address.
_LINKER_MARKERS = frozenset(
    f"runtime.{name}" for name in (
        "text", "etext", "rodata", "erodata", "types", "etypes", "pclntab", "epclntab",
        "noptrdata", "enoptrdata", "data", "edata", "bss", "ebss", "noptrbss", "enoptrbss",
        "end", "gcdata", "egcdata", "gcbss", "egcbss", "covctrs", "ecovctrs", "typelink",
        "etypelink", "itablink", "eitablink", "findfunctab", "textsectionmap", "firstmoduledata",
        "esymtab", "symtab", "elfdata",
    )
)
# Symbol types in `go tool nm`: U undefined (an import, no bytes here), B/b bss
# (zero-filled at run time, no bytes in the file).
_SKIPPED_KINDS = frozenset("UBb")


def symbol_package(name: str) -> str:
    """The Go package a symbol belongs to, or a pseudo-package.

    Follows ``debug/gosym.Sym.PackageName``: drop generic instantiation
    brackets, then the package is everything before the first "." after the
    last "/". Compiler-generated symbols get pseudo-packages instead.

    Args:
        name: A symbol as printed by ``go tool nm``.

    Returns:
        ``"runtime"`` for ``runtime.mallocgc``, ``"internal/runtime/atomic"``
        for ``internal/runtime/atomic.Load``, ``"fmt"`` for ``fmt.(*pp).doPrintf``,
        ``"slices"`` for ``slices.Sort[...]``; ``"type:*"`` for type descriptors
        and their equality functions, ``"go:*"`` for other compiler/linker data
        (``go:string.*``, ``go:itab.*``, ``go:func.*``, ``go:buildinfo``),
        ``"(linker)"`` for section boundary markers, ``"(other)"`` for C and
        assembly symbols without a package (``_rt0_amd64``, ``cmpbody``, ``x_cgo_init``).
    """
    # Mach-O prefixes C-visible names with "_"; Go keeps its own names as they are.
    if name.startswith(("_go:", "_type:")):
        name = name[1:]
    if name in _LINKER_MARKERS:
        return "(linker)"
    if name.startswith("type:"):
        return "type:*"
    if name.startswith("go:"):
        return "go:*"
    start = name.find("[")
    end = name.rfind("]")
    if start >= 0 and end > start:
        name = name[:start] + name[end + 1:]
    slash = name.rfind("/")
    dot = name.find(".", slash + 1)
    if dot <= 0:
        return "(other)"
    rest = name[dot + 1:]
    if not rest or rest.isdigit():  # C statics such as "completed.0"
        return "(other)"
    # The linker escapes "." in the last path element ("gopkg.in/yaml%2ev3").
    pkg = name[:dot].replace("%2e", ".")
    if pkg in ("go", "type"):  # pre-Go 1.20 spellings: go.itab.*, type..eq.*
        return "go:*" if pkg == "go" else "type:*"
    return pkg


def package_sizes(nm_output: str) -> dict[str, int]:
    """Sum ``go tool nm -size`` output by package (see :func:`symbol_package`).

    Undefined and bss symbols are skipped (they take no bytes in the file). When
    several symbols share an address only one is counted: formats without
    symbol sizes report each of them with the same gap-derived size. Sizes are
    exact for ELF; for PE, Mach-O, XCOFF and Plan 9 they are gaps between
    symbol addresses, so alignment padding and unnamed tables are included and
    totals are only comparable between binaries of the same format.

    Args:
        nm_output: stdout of ``go tool nm -size [-sort size] BINARY``.

    Returns:
        Package -> bytes, largest first.

    Raises:
        ParseError: a line is not ``ADDR SIZE TYPE NAME``.
    """
    from .errors import ParseError

    by_addr: dict[int, tuple[int, str]] = {}
    for line in nm_output.splitlines():
        if not line.strip():
            continue
        # Names may contain spaces (generic shapes: "F[go.shape.struct { X int }]"),
        # so split only the first three fields. Undefined symbols have no address.
        parts = line.split(None, 3)
        if len(parts) == 3 and parts[1] == "U":
            continue
        if len(parts) < 4:
            raise ParseError(f"go tool nm line is not 'ADDR SIZE TYPE NAME': {line!r}")
        addr_s, size_s, kind, name = parts
        if kind in _SKIPPED_KINDS:
            continue
        try:
            addr, size = int(addr_s, 16), int(size_s)
        except ValueError as exc:
            raise ParseError(f"go tool nm line has a bad address or size: {line!r}") from exc
        prev = by_addr.get(addr)
        if prev is None or _better_symbol((size, name), prev):
            by_addr[addr] = (size, name)
    # go tool nm's XCOFF sizes are unreliable (many functions report the same
    # ~7 kB), so no symbol may extend past the next symbol's address. Real
    # symbols never overlap, so this changes nothing for ELF, PE or Mach-O.
    addrs = sorted(by_addr)
    totals: dict[str, int] = {}
    for i, addr in enumerate(addrs):
        size, name = by_addr[addr]
        if i + 1 < len(addrs):
            size = min(size, addrs[i + 1] - addr)
        pkg = symbol_package(name)
        totals[pkg] = totals.get(pkg, 0) + size
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))


def _better_symbol(new: tuple[int, str], old: tuple[int, str]) -> bool:
    new_marker, old_marker = new[1] in _LINKER_MARKERS, old[1] in _LINKER_MARKERS
    if new_marker != old_marker:
        return not new_marker
    return (new[0], old[1]) > (old[0], new[1])  # larger wins; ties go to the smaller name


def _runtime_share(sizes: dict[str, int]) -> float | None:
    total = sum(sizes.values())
    if not total:
        return None
    rt = sum(v for k, v in sizes.items() if k == "runtime" or k.startswith("internal/runtime/"))
    return rt / total


def _symbol_sizes(path: Path, toolchain) -> dict[str, int] | None:
    if toolchain is None:
        from .toolchain import default

        toolchain = default()
    res = toolchain.run_go(["tool", "nm", "-size", "-sort", "size", str(path)], timeout=120)
    if res.returncode != 0:
        # wasm and some stripped-by-other-tools files: nm cannot read them. The
        # header facts are still useful, so this is logged, not raised.
        LOGGER.info("go tool nm %s failed: %s", path, res.stderr.strip())
        return None
    return package_sizes(res.stdout)


# -- one-line summary --------------------------------------------------------


def file_description(info: BinaryInfo) -> str:
    """A one-line summary in the spirit of ``file -b``.

    Example: ``"ELF 64-bit LSB executable, x86-64, statically linked, not stripped"``.
    """
    if info.format == "unknown":
        return "data"
    strip = {True: "stripped", False: "not stripped", None: None}[info.stripped]
    if info.format == "ELF":
        order = {"little": "LSB", "big": "MSB"}.get(info.endianness or "", "")
        parts = [f"ELF {info.bits}-bit {order} {info.file_type or 'file'}", info.machine]
        if info.os_abi not in (None, "SYSV"):
            parts.append(f"({info.os_abi})")
        if info.linkage == "dynamic":
            parts.append("dynamically linked")
            if info.interpreter:
                parts.append(f"interpreter {info.interpreter}")
        else:
            parts.append("statically linked")
    elif info.format == "PE":
        parts = [f"{info.pe_format or 'PE'} {info.file_type or 'executable'} ({info.subsystem}) {info.machine}",
                 "for MS Windows"]
    elif info.format == "Mach-O":
        parts = [f"Mach-O {info.bits}-bit {info.machine} {info.file_type}"]
        if info.needed:
            parts.append("dynamically linked (" + ", ".join(os.path.basename(n) for n in info.needed) + ")")
    elif info.format == "XCOFF":
        parts = [f"{info.bits}-bit XCOFF {info.file_type}", info.machine]
    elif info.format == "wasm":
        parts = [f"WebAssembly (wasm) binary module version {info.machine_code:#x}"]
        if info.needed:
            parts.append("imports " + ", ".join(info.needed))
    else:
        parts = [f"{info.format} {info.file_type}", info.machine]
    parts.append(strip)
    if info.problems:
        parts.append("malformed")
    return ", ".join(p for p in parts if p)
