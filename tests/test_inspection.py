"""Tests for goenv.inspection: header facts of real cross-compiled Go binaries."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from goenv.inspection import BinaryInfo, file_description, inspect_binary, package_sizes, symbol_package
from goenv.toolchain import default

HELLO = """package main

import "fmt"

func main() { fmt.Println("hello") }
"""

NETUSER = """package main

import (
	"fmt"
	"net"
	"os/user"
)

func main() {
	u, err := user.Current()
	fmt.Println(u, err, net.IPv4len)
}
"""


def _module(root: Path, name: str, source: str) -> Path:
    src = root / name
    src.mkdir(parents=True, exist_ok=True)
    (src / "go.mod").write_text(f"module example.com/{name}\n\ngo 1.22\n")
    (src / "main.go").write_text(source)
    return src


class _Builder:
    """Builds each (program, target, ldflags) once per test session."""

    def __init__(self, root: Path):
        self.tc = default()
        self.root = root
        self.sources = {"hello": _module(root, "hello", HELLO), "netuser": _module(root, "netuser", NETUSER)}
        self.cache: dict[tuple, Path] = {}

    def build(self, goos: str, goarch: str, *, program: str = "hello", ldflags: str | None = None,
              cgo: str = "0") -> Path:
        key = (program, goos, goarch, ldflags, cgo)
        if key not in self.cache:
            out = self.root / "bin" / f"{program}-{goos}-{goarch}-{len(self.cache)}"
            args = ["build", "-o", str(out)]
            if ldflags:
                args.append("-ldflags=" + ldflags)
            res = self.tc.run_go([*args, "."], cwd=self.sources[program],
                                 env={"GOOS": goos, "GOARCH": goarch, "CGO_ENABLED": cgo})
            assert res.returncode == 0, res.stderr
            self.cache[key] = out
        return self.cache[key]


@pytest.fixture(scope="session")
def builder(tmp_path_factory) -> _Builder:
    return _Builder(tmp_path_factory.mktemp("inspection"))


# goos, goarch, format, machine, bits, endianness, goos_hint
TARGETS = [
    ("linux", "amd64", "ELF", "x86-64", 64, "little", "linux"),
    ("linux", "arm64", "ELF", "AArch64", 64, "little", "linux"),
    ("linux", "386", "ELF", "Intel 80386", 32, "little", "linux"),
    ("linux", "s390x", "ELF", "S/390", 64, "big", "linux"),
    ("linux", "riscv64", "ELF", "RISC-V", 64, "little", "linux"),
    ("freebsd", "amd64", "ELF", "x86-64", 64, "little", "freebsd"),
    ("windows", "amd64", "PE", "x86-64", 64, "little", "windows"),
    ("windows", "386", "PE", "Intel 80386", 32, "little", "windows"),
    ("darwin", "arm64", "Mach-O", "AArch64", 64, "little", "darwin"),
    ("aix", "ppc64", "XCOFF", "PowerPC64", 64, "big", "aix"),
    ("js", "wasm", "wasm", "wasm", 32, "little", "js"),
    ("wasip1", "wasm", "wasm", "wasm", 32, "little", "wasip1"),
    ("plan9", "amd64", "Plan 9 a.out", "x86-64", 64, "little", "plan9"),
]


@pytest.mark.parametrize("goos,goarch,fmt,machine,bits,endian,goos_hint", TARGETS,
                         ids=[f"{t[0]}-{t[1]}" for t in TARGETS])
def test_header_facts_per_target(builder, goos, goarch, fmt, machine, bits, endian, goos_hint):
    """Does each target's binary report the format, machine, word size and byte order Go wrote?"""
    info = inspect_binary(builder.build(goos, goarch), symbols=False)
    assert (info.format, info.machine, info.bits, info.endianness) == (fmt, machine, bits, endian)
    assert info.goarch_hint == goarch
    assert info.goos_hint == goos_hint
    assert info.stripped is False
    assert info.problems == ()
    assert info.size == Path(info.path).stat().st_size


def test_linux_binary_is_static_elf_with_file_like_summary(builder):
    """Is a CGO_ENABLED=0 linux/amd64 hello a static, unstripped ELF, described like `file -b`?"""
    info = inspect_binary(builder.build("linux", "amd64"), symbols=False)
    assert info.linkage == "static" and info.interpreter is None and info.needed == ()
    assert info.os_abi == "SYSV" and info.file_type == "executable"
    assert file_description(info) == "ELF 64-bit LSB executable, x86-64, statically linked, not stripped"


def test_s390x_is_big_endian_msb(builder):
    """Is s390x, Go's big-endian port, read with the right byte order (MSB in the summary)?"""
    info = inspect_binary(builder.build("linux", "s390x"), symbols=False)
    assert info.endianness == "big" and info.machine_code == 22
    assert file_description(info).startswith("ELF 64-bit MSB executable, S/390")


def test_freebsd_osabi(builder):
    """Does the FreeBSD OS/ABI byte Go writes show up as os_abi and the GOOS hint?"""
    info = inspect_binary(builder.build("freebsd", "amd64"), symbols=False)
    assert info.os_abi == "FreeBSD" and info.goos_hint == "freebsd"
    assert "(FreeBSD)" in file_description(info)


@pytest.mark.parametrize("goarch,pe_format,machine", [("amd64", "PE32+", "x86-64"), ("386", "PE32", "Intel 80386")])
def test_windows_pe_console(builder, goarch, pe_format, machine):
    """Is a windows build a console PE of the right flavour that imports kernel32.dll?"""
    info = inspect_binary(builder.build("windows", goarch), symbols=False)
    assert (info.pe_format, info.subsystem, info.machine) == (pe_format, "console", machine)
    assert "kernel32.dll" in [n.lower() for n in info.needed]
    assert info.linkage == "dynamic"
    assert file_description(info).startswith(f"{pe_format} executable (console) {machine}")


def test_windowsgui_ldflag_gives_gui_pe_even_for_linux_goos(builder):
    """Does `-ldflags -H=windowsgui` make the linker write a GUI PE, even with GOOS=linux GOARCH=arm64?"""
    info = inspect_binary(builder.build("linux", "arm64", ldflags="-H=windowsgui"), symbols=False)
    assert (info.format, info.pe_format, info.subsystem, info.machine) == ("PE", "PE32+", "GUI", "AArch64")
    # The linux runtime makes raw system calls, so this PE imports no DLL at all.
    assert info.needed == ()


def test_darwin_imports_libsystem(builder):
    """Does a darwin/arm64 Mach-O load libSystem through dyld, making it dynamically linked?"""
    info = inspect_binary(builder.build("darwin", "arm64"), symbols=False)
    assert info.file_type == "executable"
    assert any("libSystem" in lib for lib in info.needed)
    assert info.interpreter == "/usr/lib/dyld"
    assert info.linkage == "dynamic"


def test_aix_xcoff_imports_libc(builder):
    """Does the XCOFF loader section of an aix/ppc64 binary name libc?"""
    info = inspect_binary(builder.build("aix", "ppc64"), symbols=False)
    assert any(lib.startswith("libc.a") for lib in info.needed)


@pytest.mark.parametrize("goos,module", [("js", "gojs"), ("wasip1", "wasi_snapshot_preview1")])
def test_wasm_import_module_names_the_host(builder, goos, module):
    """Do the wasm import modules tell js/wasm (gojs) from wasip1/wasm (WASI)?"""
    info = inspect_binary(builder.build(goos, "wasm"), symbols=False)
    assert info.needed == (module,)
    assert info.linkage is None


@pytest.mark.skipif(shutil.which("gcc") is None, reason="cgo needs gcc")
def test_cgo_net_and_user_are_dynamic_but_static_without_cgo(builder):
    """Does importing net and os/user with cgo on give a dynamic ELF (ld-linux, libc), and a static one with cgo off?"""
    tc = builder.tc
    dyn = inspect_binary(builder.build(tc.hostos, tc.hostarch, program="netuser", cgo="1"), symbols=False)
    static = inspect_binary(builder.build(tc.hostos, tc.hostarch, program="netuser", cgo="0"), symbols=False)
    assert dyn.linkage == "dynamic" and static.linkage == "static"
    assert static.interpreter is None and static.needed == ()
    if tc.host_target == ("linux", "amd64"):
        assert dyn.interpreter == "/lib64/ld-linux-x86-64.so.2"
        assert "libc.so.6" in dyn.needed
        assert "dynamically linked, interpreter /lib64/ld-linux-x86-64.so.2" in file_description(dyn)


@pytest.mark.parametrize("goos,goarch", [("linux", "amd64"), ("windows", "amd64"), ("darwin", "arm64"),
                                         ("aix", "ppc64"), ("js", "wasm"), ("plan9", "amd64")])
def test_s_w_ldflags_strip(builder, goos, goarch):
    """Does `-ldflags=-s -w` read as stripped in every format, with no symbol sizes?"""
    info = inspect_binary(builder.build(goos, goarch, ldflags="-s -w"))
    assert info.stripped is True
    assert info.size_by_package is None and info.runtime_share is None
    assert file_description(info).endswith(", stripped")


def test_size_by_package_of_hello(builder):
    """Is runtime the largest package of a hello binary, with main and internal/runtime/* present?"""
    info = inspect_binary(builder.build("linux", "amd64"))
    sizes = info.size_by_package
    assert sizes is not None
    go_packages = [p for p in sizes if not p.startswith(("(", "go:", "type:"))]
    assert go_packages[0] == "runtime"
    assert "main" in sizes and "fmt" in sizes
    assert any(p.startswith("internal/runtime/") for p in sizes)
    assert list(sizes.values()) == sorted(sizes.values(), reverse=True)
    assert 0.3 < info.runtime_share < 0.9
    assert sum(sizes.values()) < info.size


@pytest.mark.parametrize("goos,goarch", [("windows", "amd64"), ("darwin", "arm64"), ("aix", "ppc64")])
def test_size_by_package_other_formats(builder, goos, goarch):
    """Do PE, Mach-O and XCOFF symbols (sized by address gaps) still attribute code to runtime and main?"""
    info = inspect_binary(builder.build(goos, goarch))
    assert info.size_by_package["runtime"] > 100_000
    assert "main" in info.size_by_package
    # Gap sizes include padding, but never more than the file holds.
    assert sum(info.size_by_package.values()) < info.size


def test_wasm_has_no_symbol_sizes(builder):
    """Does a wasm module (which go tool nm cannot read) come back without sizes instead of failing?"""
    info = inspect_binary(builder.build("js", "wasm"))
    assert info.size_by_package is None


def test_symbols_false_never_runs_go(builder):
    """Does symbols=False read headers only, without touching the toolchain?"""

    class NoGo:
        def run_go(self, *a, **k):  # pragma: no cover - failing is the test
            raise AssertionError("go was run")

    info = inspect_binary(builder.build("linux", "amd64"), toolchain=NoGo(), symbols=False)
    assert info.size_by_package is None


def test_to_dict_is_json_serializable(builder):
    """Can a BinaryInfo be dumped as JSON (for notebooks and graders)?"""
    info = inspect_binary(builder.build("darwin", "arm64"))
    data = json.loads(json.dumps(info.to_dict()))
    assert data["format"] == "Mach-O" and isinstance(data["needed"], list)
    assert hash(info)  # the dict field is kept out of the hash


# -- files that are not Go binaries --------------------------------------------


@pytest.mark.parametrize("content", [b"", b"hello world\n", bytes(range(256)) * 4, b"\x7fELF", b"MZ" + b"\0" * 100,
                                     b"\0asm\x01\0\0\0\x05\xff", b"\xca\xfe\xba\xbe\0\0\0\x34"])
def test_garbage_is_unknown_or_partial_never_a_crash(tmp_path, content):
    """Do empty, text, random and truncated files come back as data instead of raising?"""
    f = tmp_path / "blob"
    f.write_bytes(content)
    info = inspect_binary(f, toolchain=object())
    assert isinstance(info, BinaryInfo)
    assert info.size == len(content)
    if info.format == "unknown":
        assert file_description(info) == "data"
    else:
        assert info.problems  # recognised magic, unreadable body


def test_truncated_real_elf_keeps_what_it_can(builder, tmp_path):
    """Does an ELF cut after its headers still report its class and machine, with a problem noted?"""
    data = builder.build("linux", "arm64").read_bytes()
    f = tmp_path / "cut"
    f.write_bytes(data[:200])
    info = inspect_binary(f)
    assert (info.format, info.machine, info.bits) == ("ELF", "AArch64", 64)
    assert info.problems
    assert "malformed" in file_description(info)


def test_missing_file_raises_clear_error(tmp_path):
    """Does a missing path raise FileNotFoundError that names the path?"""
    with pytest.raises(FileNotFoundError, match="no binary at .*nope"):
        inspect_binary(tmp_path / "nope")


# -- symbol attribution (pure functions) ----------------------------------------


@pytest.mark.parametrize("name,package", [
    ("runtime.mallocgc", "runtime"),
    ("internal/runtime/atomic.Load", "internal/runtime/atomic"),
    ("main.main", "main"),
    ("main.main.func1", "main"),
    ("fmt.(*pp).printValue", "fmt"),
    ("slices.symMergeCmpFunc[go.shape.struct { Key reflect.Value; Value reflect.Value }]", "slices"),
    ("internal/sync.(*HashTrieMap[go.shape.interface {},go.shape.interface {}]).LoadOrStore", "internal/sync"),
    ("internal/strconv..dict.shortFloat[float32]", "internal/strconv"),
    ("gopkg.in/yaml%2ev3.Unmarshal", "gopkg.in/yaml.v3"),
    ("type:.eq.[2]interface {}", "type:*"),
    ("type:*", "type:*"),
    ("_type:*", "type:*"),
    ("go:itab.*os.File,io.Writer", "go:*"),
    ("go:string.*", "go:*"),
    ("_go:funcdesc", "go:*"),
    ("runtime.pclntab", "(linker)"),
    ("runtime.etext", "(linker)"),
    ("_rt0_amd64", "(other)"),
    ("cmpbody", "(other)"),
    ("completed.0", "(other)"),
])
def test_symbol_package(name, package):
    """Which package does each kind of Go symbol name belong to?"""
    assert symbol_package(name) == package


def test_package_sizes_dedupes_and_skips_undefined_and_bss():
    """Are shared-address duplicates counted once, U/B symbols skipped, and sizes capped at the next symbol?"""
    nm = "\n".join([
        "  1000        100 T runtime.text",      # marker sharing an address with a real symbol
        "  1000        100 T main.main",
        "  1064      50000 T fmt.Println",       # bogus size, capped by the next address (0x1064 + 36)
        "  1088         10 T runtime.mallocgc",
        "  2000       4096 B runtime.mheap_",    # bss: no bytes in the file
        "            4294971392 U _write",       # undefined import (Mach-O prints no address)
        "         0          0 U pthread_create",
    ])
    assert package_sizes(nm) == {"main": 100, "fmt": 36, "runtime": 10}
