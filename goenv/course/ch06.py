"""Chapter 06 — build target vs execution context (seed 3.2, 4.2, 4.4).

Every function here runs a real experiment with the course's Go toolchain (and
qemu-user, git, sh where the experiment needs them) and returns something a
notebook cell displays: a DataFrame (through :func:`show`), a matplotlib
figure, a myth-check card or a "check yourself" widget. No figure is quoted
from the seed or the errata.

The chapter has two halves:

* **Where am I running?** ``runtime.GOOS``/``GOARCH`` are constants fixed at
  build time. A probe program asks the kernel (``uname(2)``), ``/proc`` and a
  host binary what machine it runs on, natively and under qemu-user
  (:func:`probe_targets`, myth check 3.2-a). A CI target string such as
  ``linux/arm/v6`` split with ``cut`` loses its variant (:func:`ci_target_table`,
  :func:`arm_variant_table`, seed 4.2).
* **What was I built from?** ``-ldflags -X``, ``debug.ReadBuildInfo`` and
  ``go version -m`` on an app with local ``replace`` modules (one required but
  never imported), VCS stamping in a throwaway git repository, and what
  ReadBuildInfo does not tell you: no indirect flag, Version vs Replace, and it
  allocates on every call, more with more modules (myth check 4.4).

Everything runs offline: dependencies are local directories wired in with
``replace``, as goenv's environment (``GOPROXY=off``, ``GOFLAGS=-mod=mod``)
requires.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import api
from ..build import build, language_version
from ..buildinfo import BuildInfo, parse_modinfo, read_buildinfo
from ..errors import GoEnvError
from ..inspection import inspect_binary
from ..limits import Limits
from ..results import BuildResult, RunResult
from ..runners import QEMU_INSTALL_HINT, runner_for
from ..sandbox import SAFE_PATH, execute
from ..toolchain import Toolchain, default
from ..workspace import Program, remove_dir
from .labels import label as course_label
from .myth import MythCheck, myth_check
from .quiz import predict
from .tables import show, show_go

LOGGER = logging.getLogger(__name__)

#: Wall-time limit for one run of a chapter program (they finish in well under a second).
RUN_TIME_S = 30.0

# ---------------------------------------------------------------------------
# The chapter's programs (the notebook's %%go cells hold the same text; a test keeps them equal)
# ---------------------------------------------------------------------------

#: The probe: what the program was built for, and what the machine it runs on says about itself.
WHEREAMI = '''package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
)

// This line compiles only because GOOS and GOARCH are constants, fixed when
// the program is built: nothing is looked up at run time.
const buildTarget = runtime.GOOS + "/" + runtime.GOARCH

// machine asks the kernel, through the uname system call, what machine this is.
func machine() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return "error: " + err.Error()
	}
	// Machine is [65]int8 on some architectures and [65]uint8 on others.
	var sb strings.Builder
	for _, c := range u.Machine {
		if c == 0 {
			break
		}
		sb.WriteByte(byte(c))
	}
	return sb.String()
}

// run starts another program and returns what it printed.
func run(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "error: " + err.Error()
	}
	return strings.TrimSpace(string(out))
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "error: " + err.Error()
	}
	return strings.TrimSpace(string(b))
}

// cpuModel returns the first line of /proc/cpuinfo that names the processor.
func cpuModel() string {
	text := readFile("/proc/cpuinfo")
	for _, line := range strings.Split(text, "\\n") {
		key, value, ok := strings.Cut(line, ":")
		key = strings.TrimSpace(key)
		// x86 kernels write "model name", arm64 ones "CPU implementer", others "cpu" or "uarch".
		if ok && (key == "model name" || key == "CPU implementer" || key == "cpu" || key == "uarch") {
			return key + ": " + strings.TrimSpace(value)
		}
	}
	return "no processor line"
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-m" {
		// Behave like `uname -m`: print only the machine name.
		fmt.Println(machine())
		return
	}
	self, _ := os.Executable()
	fmt.Println("runtime.GOOS/GOARCH:", buildTarget)
	fmt.Println("uname(2) machine:", machine())
	fmt.Println("host uname -m:", run("uname", "-m"))
	fmt.Println("/proc/sys/kernel/arch:", readFile("/proc/sys/kernel/arch"))
	fmt.Println("/proc/cpuinfo:", cpuModel())
	fmt.Println("starts itself with -m:", run(self, "-m"))
}
'''

#: The app of the build-info sections: one imported module (lib) that imports another (deep),
#: and one module that go.mod requires but no code imports (unused). All are local directories.
APP = {
    "go.mod": '''module example.com/app

go 1.22

require (
	example.com/deep v0.4.0 // indirect
	example.com/lib v1.2.3
	example.com/unused v0.1.0
)

replace (
	example.com/deep => ./deep
	example.com/lib => ./lib
	example.com/unused => ./unused
)
''',
    "main.go": '''package main

import (
	"fmt"
	"os"
	"reflect"
	"runtime/debug"

	"example.com/lib"
)

// version is stamped at link time: go build -ldflags "-X main.version=1.4.2".
var version = "dev"

// listLoadedModules is the seed's "inspection script" (section 4.4), code verbatim.
func listLoadedModules() map[string]string {
    info, ok := debug.ReadBuildInfo()
    if !ok {
        return nil // the seed: "not supported outside -buildmode=exe (e.g. plugin)"
    }
    mods := make(map[string]string)
    for _, m := range info.Deps {
        if m != nil { // the seed: "filter out empty dependencies"
            mods[m.Path] = m.Version
        }
    }
    return mods
}

func main() {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Println("no build info in this binary")
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "-modinfo" {
		fmt.Print(bi.String()) // the text go version -m prints, read from inside
		return
	}
	fmt.Println(lib.Greeting())
	fmt.Println("main.version:", version)
	fmt.Println("module:", bi.Main.Path, bi.Main.Version)
	for _, d := range bi.Deps {
		line := "dep: " + d.Path + " " + d.Version
		if d.Replace != nil {
			line += " => " + d.Replace.Path + " " + d.Replace.Version
		}
		fmt.Println(line)
	}
	var fields []string
	t := reflect.TypeOf(debug.Module{})
	for i := 0; i < t.NumField(); i++ {
		fields = append(fields, t.Field(i).Name)
	}
	fmt.Println("debug.Module fields:", fields)
	fmt.Println("the seed's listLoadedModules():", listLoadedModules())
}
''',
    "lib/go.mod": '''module example.com/lib

go 1.22

require example.com/deep v0.4.0
''',
    "lib/lib.go": '''package lib

import "example.com/deep"

func Greeting() string { return "hello from example.com/lib, " + deep.Word() }
''',
    "deep/go.mod": '''module example.com/deep

go 1.22
''',
    "deep/deep.go": '''package deep

func Word() string { return "with a word from example.com/deep" }
''',
    "unused/go.mod": '''module example.com/unused

go 1.22
''',
    "unused/unused.go": '''package unused

func X() int { return 1 }
''',
}

#: The ldflags of the app's stamped build.
VERSION_LDFLAGS = "-X main.version=1.4.2"


def app_txtar() -> str:
    """The app as a txtar archive: the body of the notebook's ``%%go --name app`` cell."""
    return "".join(f"-- {name} --\n{text}" for name, text in APP.items())


# Measures ReadBuildInfo with N dependency modules; generated per N by scaling_program().
_SCALE_MAIN = '''package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"testing"
	"time"
{imports}
)

// cached calls ReadBuildInfo once; later calls return the same result.
var cached = sync.OnceValues(debug.ReadBuildInfo)

func measure(name string, calls int, f func()) {{
	allocs := testing.AllocsPerRun(calls, f)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < calls; i++ {{
		f()
	}}
	runtime.ReadMemStats(&after)
	bytes := float64(after.TotalAlloc-before.TotalAlloc) / float64(calls)
	// Time: the fastest of five rounds, the round least disturbed by other work on the machine.
	round := max(calls/5, 1)
	best := -1.0
	for r := 0; r < 5; r++ {{
		start := time.Now()
		for i := 0; i < round; i++ {{
			f()
		}}
		ns := float64(time.Since(start).Nanoseconds()) / float64(round)
		if best < 0 || ns < best {{
			best = ns
		}}
	}}
	fmt.Printf("%s allocs=%g bytes=%.0f ns=%.0f\\n", name, allocs, bytes, best)
}}

func main() {{
{uses}
	calls, _ := strconv.Atoi(os.Args[1])
	bi, _ := debug.ReadBuildInfo()
	fmt.Printf("deps=%d settings=%d modinfo=%d\\n", len(bi.Deps), len(bi.Settings), len(bi.String()))
	measure("ReadBuildInfo", calls, func() {{ debug.ReadBuildInfo() }})
	measure("cached", calls, func() {{ cached() }})
}}
'''

# ---------------------------------------------------------------------------
# Presentation
# ---------------------------------------------------------------------------


def _tc(toolchain: Toolchain | None) -> Toolchain:
    return toolchain or default()


def _host_label(tc: Toolchain | None = None, how: str = "built, not run") -> str:
    tc = _tc(tc)
    return f"{tc.version} · {tc.hostos}/{tc.hostarch} · {how}"


def _program(program, default_files, name: str) -> Program:
    if program is None:
        program = default_files
    elif hasattr(program, "program"):  # a goenv.magic.NamedProgram
        program = program.program
    return Program.coerce(program, name=name)


# ---------------------------------------------------------------------------
# 3.2-a  what the machine says about itself
# ---------------------------------------------------------------------------

#: The Linux architectures probed: the host, 32-bit x86 (native on an x86-64 kernel), and emulated ones.
PROBE_GOARCHS = ("amd64", "386", "arm64", "arm", "riscv64", "s390x")

#: GOARCH → the names ``uname -m`` uses for that architecture (the two naming schemes differ).
UNAME_NAMES = {
    "amd64": ("x86_64",), "386": ("i386", "i486", "i586", "i686"), "arm64": ("aarch64", "arm64"),
    "arm": ("armv5tel", "armv5tejl", "armv6l", "armv7l", "armv8l", "arm"), "riscv64": ("riscv64",),
    "ppc64le": ("ppc64le",), "ppc64": ("ppc64",), "s390x": ("s390x",), "loong64": ("loongarch64",),
    "mips64le": ("mips64",), "mips64": ("mips64",), "mipsle": ("mips",), "mips": ("mips",),
}

#: Output line prefix of WHEREAMI → the row name the table uses.
PROBE_ROWS = {
    "runtime.GOOS/GOARCH": "runtime.GOOS/GOARCH (constants)",
    "uname(2) machine": "uname(2) system call, in the program",
    "target uname -m": "uname -m built for the target",
    "host uname -m": "the host's /usr/bin/uname -m, started by the program",
    "/proc/sys/kernel/arch": "/proc/sys/kernel/arch",
    "/proc/cpuinfo": "/proc/cpuinfo",
    "starts itself with -m": "the program starts a copy of itself",
}


def same_arch(goarch: str, machine: str) -> bool:
    """Whether a ``uname -m`` machine name denotes the architecture GOARCH names.

    Go and the kernel spell architectures differently (amd64/x86_64,
    arm64/aarch64, loong64/loongarch64), so the strings cannot be compared directly.

    Args:
        goarch: a GOARCH value ("arm64").
        machine: what ``uname -m`` printed ("aarch64").
    """
    return machine.strip() in UNAME_NAMES.get(goarch, (goarch,))


def parse_probe(stdout: str) -> dict[str, str]:
    """The WHEREAMI program's ``name: value`` lines as a dict keyed by :data:`PROBE_ROWS` keys."""
    out = {}
    for line in stdout.splitlines():
        for key in PROBE_ROWS:
            if line.startswith(key + ":"):
                out[key] = line[len(key) + 1:].strip()
    return out


def _short(value: str) -> str:
    # "error: fork/exec /long/cache/path/prog: exec format error" → "error: exec format error"
    if value.startswith("error: "):
        return "error: " + value.rsplit(": ", 1)[-1]
    return value


def probe_targets(program=None, goarchs=PROBE_GOARCHS, *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Build the probe for each Linux architecture, run it natively or under qemu-user, and collect the answers.

    Each binary also runs once more as its own process with ``-m``: that is
    what a ``uname`` binary built for the target prints, as in a container
    image of that architecture.

    Args:
        program: the probe (default :data:`WHEREAMI`); source, dict, Program or a ``%%go --name`` program.
        goarchs: the architectures to probe; targets that cannot run here get a row that says why.
        toolchain: the Go toolchain (default: the course's).

    Returns:
        One row per target: ``target``, ``runs as``, ``ok``, the :data:`PROBE_ROWS` keys,
        ``network isolated``; ``attrs["label"]`` holds one label per run.
    """
    tc = _tc(toolchain)
    prog = _program(program, WHEREAMI, "whereami")
    rows, labels = [], []
    for goarch in goarchs:
        runner = runner_for("linux", goarch, tc)
        row = {"target": f"linux/{goarch}", "runs as": runner.name, "ok": False}
        if not runner.runnable:
            row["runs as"] = "not run: " + runner.reason.split(". ")[0]
            rows.append(row)
            continue
        LOGGER.info("ch06: probing linux/%s (%s)", goarch, runner.name)
        r = api.run(prog, goos="linux", goarch=goarch, cgo=0, toolchain=tc, limits={"wall_time_s": RUN_TIME_S})
        if not r.started:
            row["runs as"] = f"not run: {r.message}"
            rows.append(row)
            continue
        labels.append(course_label(r))
        row.update({k: _short(v) for k, v in parse_probe(r.stdout).items()})
        own = api.run_binary(r.build, args=["-m"], toolchain=tc, limits={"wall_time_s": RUN_TIME_S})
        row["target uname -m"] = own.stdout.strip() if own.ok else f"error: {own.message}"
        row["ok"] = r.ok and own.ok
        row["network isolated"] = r.network_isolated
        if not r.ok:
            row["runs as"] = f"{runner.name}: {r.message}"
        rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs.update(caption="What a program built for each target learns about the machine it runs on",
                    label=" | ".join(labels) or _host_label(tc))
    return df


def probe_table(probes: pd.DataFrame) -> pd.DataFrame:
    """The probes turned around for reading: one row per question, one column per target.

    Args:
        probes: the DataFrame from :func:`probe_targets`.

    Returns:
        Columns ``asked``, then one per target headed ``linux/arm64 (qemu-aarch64)``.
    """
    table = {"asked": list(PROBE_ROWS.values())}
    notes = ["'uname -m built for the target' is the probe itself, started with -m as its own process."]
    for _, row in probes.iterrows():
        how = str(row["runs as"])
        if how.startswith("not run"):
            notes.append(f"{row['target']} {how}.")  # the reason goes below the caption, not into the header
            how = "not run"
        table[f"{row['target']} ({how})"] = [row.get(key) if isinstance(row.get(key), str) else "—"
                                             for key in PROBE_ROWS]
    df = pd.DataFrame(table)
    df.attrs.update(caption=probes.attrs.get("caption", ""),
                    label=f"{_tc(None).version} · built for each column's target · run natively or under qemu-user",
                    note=" ".join(notes))
    return df


def agreement_table(probes: pd.DataFrame) -> pd.DataFrame:
    """Per target: does each source name the architecture the binary was built for?

    Returns:
        Columns ``target``, ``runs as``, and one yes/no column per source of information.
    """
    sources = ("uname(2) machine", "target uname -m", "host uname -m", "/proc/sys/kernel/arch")
    rows = []
    for _, row in probes.iterrows():
        goarch = row["target"].split("/")[1]
        out = {"target": row["target"], "runs as": row["runs as"]}
        for key in sources:
            value = row.get(key)
            out[PROBE_ROWS[key]] = ("yes" if same_arch(goarch, value) else "no") if isinstance(value, str) else "—"
        rows.append(out)
    df = pd.DataFrame(rows)
    df.attrs.update(caption="Does it name the architecture the binary was built for (runtime.GOARCH)?",
                    label=f"{_tc(None).version} · built for each row's target · run natively or under qemu-user")
    return df


def _probe_row(probes: pd.DataFrame, goarch: str):
    rows = probes[probes["target"] == f"linux/{goarch}"]
    return rows.iloc[0] if len(rows) else None


def myth_uname(probes: pd.DataFrame, *, show: bool = False):
    """Myth check 3.2-a: "in a cross-architecture pod, runtime.GOARCH and ``uname -m`` necessarily disagree".

    Decided from the linux/arm64 probe under qemu-aarch64: the claim fails if
    the uname system call in the program, or a ``uname -m`` built for arm64,
    names aarch64. When qemu-aarch64 is missing nothing can be measured: the
    function then returns a note (an IPython Markdown object) instead of a card,
    because a myth check's verdict must come from a measurement.

    Args:
        probes: the DataFrame from :func:`probe_targets` (must include arm64).
        show: display the card at once (otherwise it displays as the cell's value).

    Returns:
        A MythCheck, or a Markdown note when the emulated run did not happen.
    """
    from IPython.display import Markdown

    row = _probe_row(probes, "arm64")
    if row is None or not row.get("ok") or not isinstance(row.get("uname(2) machine"), str):
        why = row["runs as"] if row is not None else "linux/arm64 was not probed"
        note = Markdown(
            "**Myth check 3.2-a cannot be measured here.** It needs a linux/arm64 program running under "
            f"qemu-aarch64, and that did not happen ({why}). {QEMU_INSTALL_HINT} "
            "The rest of the chapter does not depend on it.")
        if show:
            from IPython.display import display

            display(note)
        return note
    inproc, own = row["uname(2) machine"], row.get("target uname -m", "")
    agrees = same_arch("arm64", inproc) or same_arch("arm64", own)
    evidence = {
        "runtime.GOOS/GOARCH": row.get("runtime.GOOS/GOARCH", "—"),
        "uname(2) in the program": inproc,
        "uname -m built for arm64": own,
        "host /usr/bin/uname -m, started by the program": row.get("host uname -m", "—"),
        "/proc/sys/kernel/arch": row.get("/proc/sys/kernel/arch", "—"),
        "/proc/cpuinfo": row.get("/proc/cpuinfo", "—"),
    }
    return myth_check(
        "3.2-a",
        claim="In a cross-architecture pod (an image of another architecture run through qemu-user), "
              "runtime.GOARCH and uname -m necessarily disagree: uname reports the real execution context.",
        experiment=f"Ran a linux/arm64 program under {row['runs as']} on this {_tc(None).hostarch} machine and asked "
                   "the uname system call, an arm64 uname -m, the host's uname and /proc.",
        holds=not agrees,
        evidence=evidence,
        truth="qemu-user answers uname(2) for the guest, so an arm64 program and an arm64 uname both see aarch64, "
              "matching GOARCH. The host shows through what qemu does not translate: /proc/sys/kernel/arch, "
              "/proc/cpuinfo, and any host binary the program starts. Detecting emulation is a heuristic, "
              "and runtime.GOARCH only ever tells you what the binary was built for.",
        label=course_label(goos="linux", goarch="arm64", emulated=True, runner=row["runs as"]),
        show=show,
    )


def question_uname(program=None, *, toolchain: Toolchain | None = None):
    """Predict what uname(2) reports inside a linux/arm64 program under qemu-user; the reveal runs it."""
    options = ["aarch64, the name of the architecture the program was built for",
               "x86_64, the real processor of this machine",
               "the system call fails under emulation"]

    def reveal():
        tc = _tc(toolchain)
        if runner_for("linux", "arm64", tc).kind != "qemu":
            raise GoEnvError("qemu-aarch64 is not installed, so the arm64 program cannot run here. "
                             + QEMU_INSTALL_HINT)
        probes = probe_targets(program, ["arm64"], toolchain=tc)
        value = probes.iloc[0].get("uname(2) machine")
        if not isinstance(value, str) or value.startswith("error"):
            return options[2], f"uname(2) gave {value!r}."
        right = options[0] if same_arch("arm64", value) else options[1]
        arch = probes.iloc[0].get("/proc/sys/kernel/arch")
        return right, f"uname(2) said {value}; /proc/sys/kernel/arch said {arch}."

    return predict("A linux/arm64 program runs under qemu-aarch64 on an x86-64 machine. "
                   "What machine does the uname system call report inside it?", options, reveal)


def sandbox_table(probes: pd.DataFrame, limits: Limits | None = None) -> pd.DataFrame:
    """What goenv's sandbox gives a program, and what the probe could still see through it.

    Args:
        probes: the DataFrame from :func:`probe_targets` (its host row is used).
        limits: the limits the runs used (default: goenv's defaults, raised wall time).

    Returns:
        Columns ``aspect``, ``in goenv's sandbox``, ``what the probe saw``.
    """
    lim = limits or Limits(wall_time_s=RUN_TIME_S)
    host = _tc(None).hostarch
    row = _probe_row(probes, host)
    saw = (lambda key: row.get(key, "—") if row is not None else "not run")
    isolated = bool(row.get("network isolated")) if row is not None else None
    rows = [
        {"aspect": "working directory and HOME", "in goenv's sandbox": "a fresh temporary directory per run",
         "what the probe saw": "—"},
        {"aspect": "PATH", "in goenv's sandbox": SAFE_PATH,
         "what the probe saw": f"host uname -m: {saw('host uname -m')}"},
        {"aspect": "/proc and the file system", "in goenv's sandbox": "not hidden: the program runs as your user",
         "what the probe saw": f"/proc/sys/kernel/arch: {saw('/proc/sys/kernel/arch')}"},
        {"aspect": "starting other programs", "in goenv's sandbox": f"allowed, up to {lim.max_processes} processes",
         "what the probe saw": f"a copy of itself: {saw('starts itself with -m')}"},
        {"aspect": "network", "in goenv's sandbox": "a new, empty network namespace where the kernel allows it",
         "what the probe saw": ("isolated" if isolated else
                                "not isolated on this machine" if isolated is False else "—")},
        {"aspect": "time and memory", "in goenv's sandbox":
         f"wall time {lim.wall_time_s:g} s, memory {lim.memory_bytes // 2**20} MiB, "
         f"output {lim.output_bytes // 2**20} MiB",
         "what the probe saw": "—"},
    ]
    df = pd.DataFrame(rows)
    df.attrs.update(caption="The sandbox the probe ran in (goenv.limits, goenv.sandbox)",
                    label=_host_label(how="native"))
    return df


# ---------------------------------------------------------------------------
# 4.2  a CI target string → GOOS/GOARCH
# ---------------------------------------------------------------------------

#: Target strings as a CI pipeline or Docker's --platform would pass them.
CI_TARGETS = ("linux/amd64", "linux/arm64", "linux/arm/v6", "windows/amd64")
#: The seed's Dockerfile split (4.2), run by sh exactly as the RUN line does.
SEED_SPLIT = "echo \"$(echo $BUILD_TARGET | cut -d'/' -f1) $(echo $BUILD_TARGET | cut -d'/' -f2)\""

HELLO = '''package main

import (
	"fmt"
	"runtime"
)

func main() {
	fmt.Println("hello from", runtime.GOOS+"/"+runtime.GOARCH)
}
'''

_LEVEL_KEYS = ("GOAMD64", "GOARM64", "GOARM", "GO386")


def split_target(build_target: str) -> tuple[str, str]:
    """GOOS and GOARCH from a target string, split by ``sh`` and ``cut`` as in the seed's Dockerfile.

    Args:
        build_target: e.g. "linux/arm64" or "linux/arm/v6".

    Returns:
        (GOOS, GOARCH) as the shell computed them.

    Raises:
        GoEnvError: no ``sh`` or ``cut`` on this machine, or the shell failed.
    """
    sh = shutil.which("sh")
    if sh is None or shutil.which("cut") is None:
        raise GoEnvError("this machine has no sh or cut, so the seed's shell split cannot run here")
    proc = subprocess.run([sh, "-c", SEED_SPLIT], capture_output=True, text=True, timeout=20,
                          env={"PATH": SAFE_PATH, "BUILD_TARGET": build_target})
    if proc.returncode != 0:
        raise GoEnvError(f"the shell split failed: {proc.stderr.strip()}")
    goos, _, goarch = proc.stdout.strip().partition(" ")
    return goos, goarch


def _level(info: BuildInfo) -> str:
    return ", ".join(f"{k}={info.settings[k]}" for k in _LEVEL_KEYS if k in info.settings) or "—"


def ci_target_table(targets=CI_TARGETS, *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Split each target string the seed's way, build with CGO_ENABLED=0, and read back what was built.

    Returns:
        Columns ``BUILD_TARGET``, ``GOOS (cut -f1)``, ``GOARCH (cut -f2)``, ``dropped``,
        ``build info GOOS/GOARCH``, ``level in build info``, ``header``.
    """
    tc = _tc(toolchain)
    rows = []
    for target in targets:
        goos, goarch = split_target(target)
        dropped = "/".join(target.split("/")[2:]) or "—"
        row = {"BUILD_TARGET": target, "GOOS (cut -f1)": goos, "GOARCH (cut -f2)": goarch, "dropped": dropped}
        b = build(Program.coerce(HELLO, name="hello"), goos=goos, goarch=goarch, cgo=0, toolchain=tc)
        if not b.ok:
            row.update({"build info GOOS/GOARCH": f"not built: {b.message}", "level in build info": "—", "header": "—"})
            rows.append(row)
            continue
        info = read_buildinfo(b.binary, toolchain=tc)
        head = inspect_binary(b.binary, toolchain=tc, symbols=False)
        row.update({"build info GOOS/GOARCH": f"{info.goos}/{info.goarch}", "level in build info": _level(info),
                    "header": f"{head.format} {head.machine}"})
        rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs.update(caption="The seed's Dockerfile split: GOOS=$(… | cut -d'/' -f1) GOARCH=$(… | cut -d'/' -f2)",
                    label=_host_label(tc))
    return df


#: qemu-arm CPU models: an ARMv6 core (as in the Raspberry Pi 1 and Zero) and an ARMv7 one.
ARM_CPUS = (("arm1176", "ARMv6 (ARM1176, as in a Raspberry Pi Zero)"), ("cortex-a7", "ARMv7 (Cortex-A7)"))


def arm_variant_table(goarm: str | None = None, cpus=ARM_CPUS, *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Run one linux/arm binary on emulated ARMv6 and ARMv7 processors (``qemu-arm -cpu MODEL``).

    Args:
        goarm: the GOARM to build with; None is what ``cut`` leaves you: Go's default.
            A GOARM other than the default compiles the standard library first (slow once).
        cpus: (qemu CPU model, description) pairs.

    Returns:
        Columns ``binary``, ``processor``, ``result``; a single row saying why when qemu-arm is missing.
    """
    tc = _tc(toolchain)
    b = build(Program.coerce(HELLO, name="hello"), goos="linux", goarch="arm", goarm=goarm, cgo=0, toolchain=tc)
    if not b.ok:
        raise GoEnvError(f"the linux/arm build failed: {b.message}")
    info = read_buildinfo(b.binary, toolchain=tc)
    name = f"linux/arm, {_level(info)}" + ("" if goarm else " (Go's default)")
    runner = runner_for("linux", "arm", tc)
    rows = []
    if runner.kind != "qemu":
        rows.append({"binary": name, "processor": "—", "result": f"not run: {runner.reason}"})
    for cpu, desc in cpus if runner.kind == "qemu" else ():
        out = execute([*runner.prefix, "-cpu", cpu, b.binary], limits=Limits(wall_time_s=RUN_TIME_S))
        if out.exit_code == 0:
            result = "ran: " + (out.stdout.strip() or "(no output)")
        else:
            err = (out.stderr.strip().splitlines() or [""])[-1].replace(" - core dumped", "")
            how = f"killed by {_signame(out.signal)}" if out.signal else f"exit status {out.exit_code}"
            result = f"{how} ({err})" if err else how
        rows.append({"binary": name, "processor": desc, "result": result})
    df = pd.DataFrame(rows)
    df.attrs.update(caption="The binary `cut` gives you for linux/arm/v6, on two emulated ARM processors",
                    label=f"{tc.version} · linux/arm · emulated ({runner.name} -cpu …)")
    return df


def _signame(sig: int) -> str:
    import signal

    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


# ---------------------------------------------------------------------------
# 4.4  stamping builds; ReadBuildInfo inside vs go version -m outside
# ---------------------------------------------------------------------------


def _app(program) -> Program:
    return _program(program, APP, "app")


def _binary(result: RunResult | BuildResult) -> BuildResult:
    b = result.build if isinstance(result, RunResult) else result
    if not b.ok:
        raise GoEnvError(f"the app did not build: {b.message}")
    return b


def build_app(program=None, *, toolchain: Toolchain | None = None, **options) -> BuildResult:
    """Build the app (default :data:`APP`) stamped with :data:`VERSION_LDFLAGS` and CGO_ENABLED=0.

    Keyword options override those defaults (``trimpath=True``, ``goarch="arm64"``, ...).
    """
    opts = {"cgo": 0, "ldflags": VERSION_LDFLAGS, **options}
    return build(_app(program), toolchain=_tc(toolchain), **opts)


def parse_app_output(stdout: str) -> dict:
    """Read the app's own report: version, module, deps, debug.Module fields, the seed's map.

    Returns:
        ``{"version", "module", "deps": [line...], "fields": [name...], "seed_map"}``
        (missing items are None or empty).
    """
    out: dict = {"version": None, "module": None, "deps": [], "fields": [], "seed_map": None}
    for line in stdout.splitlines():
        if line.startswith("main.version: "):
            out["version"] = line.split(": ", 1)[1]
        elif line.startswith("module: "):
            out["module"] = line.split(": ", 1)[1]
        elif line.startswith("dep: "):
            out["deps"].append(line.split(": ", 1)[1])
        elif line.startswith("debug.Module fields: "):
            out["fields"] = line.split(": ", 1)[1].strip("[]").split()
        elif line.startswith("the seed's listLoadedModules(): "):
            out["seed_map"] = line.split(": ", 1)[1]
    return out


def inside_view(result: RunResult | BuildResult, *, toolchain: Toolchain | None = None) -> tuple[BuildInfo, RunResult]:
    """The build info as the program itself sees it: ``BuildInfo.String()`` printed by the app, parsed.

    Returns:
        (the parsed BuildInfo, the run that printed it).

    Raises:
        GoEnvError: the app did not build or did not run.
    """
    tc = _tc(toolchain)
    b = _binary(result)
    r = api.run_binary(b, args=["-modinfo"], toolchain=tc, limits={"wall_time_s": RUN_TIME_S})
    if not r.ok:
        raise GoEnvError(f"the app did not run: {r.message}")
    return parse_modinfo(r.stdout, b.go_version), r


def _module_text(m) -> str:
    if m is None:
        return "—"
    text = f"{m.path} {m.version}".strip()
    if m.replace is not None:
        text += f" => {m.replace.path} {m.replace.version}".rstrip()
    return text


def views_table(result: RunResult | BuildResult, *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Compare ``debug.ReadBuildInfo`` inside the running program with ``go version -m`` on its file.

    Args:
        result: the app's RunResult or BuildResult (from the ``%%go --name app`` cell or :func:`build_app`).

    Returns:
        Columns ``field``, ``inside (debug.ReadBuildInfo)``, ``outside (go version -m)``, ``same``.
    """
    tc = _tc(toolchain)
    b = _binary(result)
    inside, run = inside_view(b, toolchain=tc)
    outside = read_buildinfo(b.binary, toolchain=tc)
    pairs = [
        ("Go version", inside.go_version, outside.go_version),
        ("path (main package)", inside.path, outside.path),
        ("main module", _module_text(inside.main), _module_text(outside.main)),
        ("dependencies", "; ".join(_module_text(d) for d in inside.deps) or "none",
         "; ".join(_module_text(d) for d in outside.deps) or "none"),
        ("-ldflags", inside.settings.get("-ldflags", "—"), outside.settings.get("-ldflags", "—")),
        ("GOOS/GOARCH", f"{inside.goos}/{inside.goarch}", f"{outside.goos}/{outside.goarch}"),
        ("all settings", f"{len(inside.settings)} key=value pairs", f"{len(outside.settings)} key=value pairs"),
    ]
    rows = [{"field": f, "inside (debug.ReadBuildInfo)": i, "outside (go version -m)": o,
             "same": "yes" if i == o else "no"} for f, i, o in pairs]
    rows[-1]["same"] = "yes" if inside.settings == outside.settings else "no"
    df = pd.DataFrame(rows)
    df.attrs.update(caption="One binary, two ways of reading its build info", label=course_label(run))
    return df


#: The stamped builds compared by :func:`stamp_builds`: key → (label, goenv build options).
STAMP_VARIANTS = {
    "plain": ("go build", {"cgo": None, "ldflags": None}),
    "x": ("CGO_ENABLED=0 -ldflags '-X …'", {}),
    "trimpath": ("… -trimpath", {"trimpath": True}),
    "sw": ("… -ldflags '-s -w -X …'", {"ldflags": "-s -w " + VERSION_LDFLAGS}),
    "trimpath_sw": ("… -trimpath -ldflags '-s -w -X …'", {"trimpath": True, "ldflags": "-s -w " + VERSION_LDFLAGS}),
    "arm64": ("GOARCH=arm64 CGO_ENABLED=0 -ldflags '-X …'", {"goarch": "arm64"}),
}


@dataclass(frozen=True)
class Stamp:
    """One build of the app and what it carries.

    Attributes:
        key, label: which variant (:data:`STAMP_VARIANTS`).
        build: the goenv BuildResult.
        info: the build info read with ``go version -m``.
        size: the binary's size in bytes.
        path_hits: how often the build's temporary directory and GOROOT appear in the binary's bytes.
        printed_version: the ``main.version`` the program printed when run (or why it did not run).
    """

    key: str
    label: str
    build: BuildResult
    info: BuildInfo | None
    size: int = 0
    path_hits: int = 0
    printed_version: str = ""


def _path_hits(binary: str, build_result: BuildResult, tc: Toolchain) -> int:
    data = Path(binary).read_bytes()
    needles = {str(tc.goroot), os.path.realpath(tc.goroot)}
    if build_result.workdir:
        needles |= {build_result.workdir, os.path.realpath(build_result.workdir)}
    return sum(data.count(n.encode()) for n in needles if n)


def stamp_builds(program=None, keys=tuple(STAMP_VARIANTS), *, toolchain: Toolchain | None = None) -> dict[str, Stamp]:
    """Build the app in each way of :data:`STAMP_VARIANTS` and read every binary's build info.

    Returns:
        key → Stamp, in the order of ``keys``.

    Raises:
        KeyError: an unknown key.
        GoEnvError: a build failed.
    """
    tc = _tc(toolchain)
    out = {}
    for key in keys:
        label, options = STAMP_VARIANTS[key]
        b = build_app(program, toolchain=tc, **options)
        if not b.ok:
            raise GoEnvError(f"build {label} failed: {b.message}")
        info = read_buildinfo(b.binary, toolchain=tc)
        out[key] = Stamp(key, label, b, info, os.path.getsize(b.binary), _path_hits(b.binary, b, tc),
                         _printed_version(b, tc))
    return out


def _printed_version(b: BuildResult, tc: Toolchain) -> str:
    """Run a build of the app and return the main.version it prints: what -X really did."""
    if not runner_for(b.goos, b.goarch, tc).runnable:
        return "not run: " + runner_for(b.goos, b.goarch, tc).reason.split(". ")[0]
    r = api.run_binary(b, toolchain=tc, limits={"wall_time_s": RUN_TIME_S})
    return parse_app_output(r.stdout)["version"] or f"not printed ({r.message})"


def _setting_text(value: str | None, width: int = 32) -> str:
    """A setting's value for a table cell: "—" when absent, "(empty)", or a long list shortened."""
    if value is None:
        return "—"
    if value == "":
        return "(empty)"
    if len(value) <= width:
        return value
    parts = value.split(",")
    return f"{parts[0]}, … ({len(parts)} entries)" if len(parts) > 1 else value[:width] + "…"


def settings_table(stamps: dict[str, Stamp]) -> pd.DataFrame:
    """Every build setting of every stamped build, one row per setting key, one column per build.

    Returns:
        Columns ``setting`` then one per build; ``—`` where a build has no such setting.
        Three extra rows: the main.version the program printed, the binary size, and how
        often build paths occur in the binary.
    """
    keys: list[str] = []
    for s in stamps.values():
        keys += [k for k in s.info.settings if k not in keys]
    extra = ["main.version, as the program prints it", "binary size (MiB)", "build paths inside the binary"]
    table = {"setting": keys + extra}
    for s in stamps.values():
        table[s.label] = ([_setting_text(s.info.settings.get(k)) for k in keys]
                          + [s.printed_version, f"{s.size / 2**20:.2f}", str(s.path_hits)])
    df = pd.DataFrame(table)
    first = next(iter(stamps.values()))
    df.attrs.update(caption="What go version -m reads from each build of the app",
                    label=f"{first.build.go_version} · built on {_tc(None).hostos}/{_tc(None).hostarch} · "
                          "run natively (arm64 under qemu-user) for main.version",
                    note="'build paths' counts occurrences of the temporary build directory and of GOROOT "
                         "in the binary's bytes.")
    return df


def size_chart(stamps: dict[str, Stamp]):
    """Horizontal bars: binary size of each stamped build, annotated with the build paths left inside.

    Returns:
        A matplotlib Figure (closed, so Jupyter shows it once).
    """
    import matplotlib.pyplot as plt

    items = list(stamps.values())
    fig, ax = plt.subplots(figsize=(8.5, 0.5 * len(items) + 1.6))
    host = _tc(None).hostarch
    for y, s in enumerate(items):
        mib = s.size / 2**20
        color = "#1565c0" if s.build.goarch == host else "#8e24aa"
        ax.barh(y, mib, color=color)
        ax.text(mib, y, f"  {mib:.2f} MiB, {s.path_hits} build paths", va="center", fontsize=9)
    ax.set_yticks(range(len(items)), [f"{s.label}\n({s.build.goos}/{s.build.goarch})" for s in items], fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, max(s.size for s in items) / 2**20 * 1.5)
    ax.set_xlabel("binary size (MiB)")
    first = items[0].build
    ax.set_title("The app, built six ways\n" + f"{first.go_version} · built on {_tc(None).hostos}/{host} "
                 "(purple: arm64)", fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    plt.close(fig)
    return fig


def question_trimpath(program=None, *, toolchain: Toolchain | None = None):
    """Predict what ``-trimpath`` does to the ``-ldflags`` entry of the build info; the reveal builds both."""
    options = ["It stays as it was", "It disappears from the build info", "Its paths are rewritten, the rest stays"]

    def reveal():
        tc = _tc(toolchain)
        plain = read_buildinfo(build_app(program, toolchain=tc).binary, toolchain=tc)
        trimmed = read_buildinfo(build_app(program, toolchain=tc, trimpath=True).binary, toolchain=tc)
        before, after = plain.settings.get("-ldflags"), trimmed.settings.get("-ldflags")
        if after is None:
            return options[1], (f"without -trimpath: -ldflags={before!r}; with it the key is gone and "
                                f"-trimpath={trimmed.settings.get('-trimpath')} appears instead.")
        if after == before:
            return options[0], f"-ldflags={after!r} in both builds."
        return options[2], f"-ldflags changed from {before!r} to {after!r}."

    return predict("You add -trimpath to go build -ldflags '-X main.version=1.4.2'. "
                   "What happens to the -ldflags entry that go version -m shows?", options, reveal)


# -- 3.2-b  the seed's table command -----------------------------------------------

#: The build command from the seed's table (3.2), verbatim, then the same with two different -o names.
SEED_COMMANDS = (
    ('go build -o foo -ldflags="-s" -trimpath -buildmode=exe -o foo ./main.go',
     ["build", "-o", "foo", "-ldflags=-s", "-trimpath", "-buildmode=exe", "-o", "foo", "./main.go"]),
    ("go build -o first -o second ./main.go", ["build", "-o", "first", "-o", "second", "./main.go"]),
    ("go build -o second .", ["build", "-o", "second", "."]),
)


def seed_command_table(program=None, *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Run the seed's build command (and two variations) with the raw go command in a copy of the app.

    Returns:
        Columns ``command``, ``exit``, ``files written``, ``path``, ``main module``.
    """
    tc = _tc(toolchain)
    prog = _app(program)
    rows = []
    for shown, args in SEED_COMMANDS:
        workdir = prog.materialize(go_version=language_version(tc))
        try:
            before = {p.name for p in workdir.iterdir()}
            proc = tc.run_go(args, cwd=workdir)
            written = sorted({p.name for p in workdir.iterdir()} - before)
            row = {"command": shown, "exit": proc.returncode, "files written": ", ".join(written) or "none"}
            if proc.returncode == 0 and written:
                info = read_buildinfo(workdir / written[-1], toolchain=tc)
                row.update({"path": info.path, "main module": _module_text(info.main) if info.main else "none"})
            else:
                row.update({"path": "—", "main module": (proc.stderr.strip().splitlines() or ["—"])[-1]})
            rows.append(row)
        finally:
            remove_dir(workdir)
    df = pd.DataFrame(rows)
    df.attrs.update(caption="The seed's build command, run as written", label=_host_label(tc))
    return df


# -- VCS stamping ---------------------------------------------------------------------

_VCS_MAIN = '''package main

import (
	"fmt"
	"runtime/debug"
)

func main() {
	bi, _ := debug.ReadBuildInfo()
	revision := "none"
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			revision = s.Value
		}
	}
	fmt.Println(bi.Main.Version, revision)
}
'''


def _git(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess:
    # Own HOME and no system config: the learner's git settings (signing, hooks) stay out of it.
    env = {"PATH": os.environ.get("PATH", SAFE_PATH), "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "Course", "GIT_AUTHOR_EMAIL": "course@example.com",
           "GIT_COMMITTER_NAME": "Course", "GIT_COMMITTER_EMAIL": "course@example.com"}
    return subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=True)


def vcs_table(*, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Stamp a module in a throwaway git repository: tagged, dirty, -buildvcs=false, after a commit, go run.

    Returns:
        Columns ``state``, ``command``, ``module version``, ``vcs.revision``, ``vcs.modified``;
        a single explanatory row when git is not installed.
    """
    tc = _tc(toolchain)
    cols = ["state", "command", "module version", "vcs.revision", "vcs.modified"]
    if shutil.which("git") is None:
        df = pd.DataFrame([{"state": "not run", "command": "—", "module version": "git is not installed here",
                            "vcs.revision": "—", "vcs.modified": "—"}], columns=cols)
        df.attrs.update(caption="VCS stamping", label=_host_label(tc))
        return df
    rows = []
    with tempfile.TemporaryDirectory(prefix="goenv-ch06-vcs-") as tmp:
        repo, home = Path(tmp, "repo"), Path(tmp, "home")
        repo.mkdir()
        home.mkdir()
        (repo / "go.mod").write_text(f"module example.com/app\n\ngo {language_version(tc)}\n")
        (repo / "main.go").write_text(_VCS_MAIN)
        _git(["init", "-q"], repo, home)
        _git(["add", "."], repo, home)
        _git(["commit", "-qm", "first"], repo, home)
        _git(["tag", "v0.3.1"], repo, home)

        def stamp(state: str, args: list[str]):
            out = Path(tmp, f"bin{len(rows)}")
            proc = tc.run_go(["build", "-o", str(out), *args, "."], cwd=repo)
            if proc.returncode != 0:
                rows.append({"state": state, "command": " ".join(["go build", *args, "."]),
                             "module version": "build failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1],
                             "vcs.revision": "—", "vcs.modified": "—"})
                return
            info = read_buildinfo(out, toolchain=tc)
            rows.append({"state": state, "command": " ".join(["go build", *args, "."]),
                         "module version": info.main.version if info.main else "—",
                         "vcs.revision": info.settings.get("vcs.revision", "—")[:12],
                         "vcs.modified": info.settings.get("vcs.modified", "—")})

        stamp("tag v0.3.1 on HEAD, clean tree", [])
        with open(repo / "main.go", "a") as f:
            f.write("\n// an uncommitted edit\n")
        stamp("an uncommitted edit", [])
        stamp("the same edit", ["-buildvcs=false"])
        _git(["commit", "-qam", "second"], repo, home)
        stamp("one commit after the tag", [])
        # go run keeps no binary to read, so the program reports its own build info.
        proc = tc.run_go(["run", "."], cwd=repo)
        version, _, revision = proc.stdout.strip().partition(" ")
        if proc.returncode != 0 or not version:
            version = "go run failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1]
        rows.append({"state": "one commit after the tag", "command": "go run .", "module version": version,
                     "vcs.revision": revision[:12] if revision and revision != "none" else "—",
                     "vcs.modified": "—"})
    df = pd.DataFrame(rows, columns=cols)
    df.attrs.update(caption="A module in a throwaway git repository, built after each change",
                    label=_host_label(tc, "read with go version -m"))
    return df


# -- what ReadBuildInfo does not tell you -----------------------------------------------------


def go_mod_requirements(program=None, *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """The main module's ``require`` and ``replace`` directives, read with ``go mod edit -json``.

    Returns:
        Columns ``module``, ``version``, ``indirect``, ``replaced by``.

    Raises:
        GoEnvError: the program has no go.mod, or go mod edit failed.
    """
    tc = _tc(toolchain)
    text = _app(program).text("go.mod")
    if text is None:
        raise GoEnvError("the program has no go.mod, so it has no requirements to compare")
    with tempfile.TemporaryDirectory(prefix="goenv-ch06-") as d:
        path = Path(d, "go.mod")
        path.write_text(text)
        proc = tc.run_go(["mod", "edit", "-json", str(path)], timeout=60)
    if proc.returncode != 0:
        raise GoEnvError(f"go mod edit -json failed: {proc.stderr.strip()}")
    mod = json.loads(proc.stdout)
    replaces = {r["Old"]["Path"]: f'{r["New"].get("Path", "")} {r["New"].get("Version", "")}'.strip()
                for r in mod.get("Replace") or ()}
    rows = [{"module": r["Path"], "version": r["Version"], "indirect": bool(r.get("Indirect")),
             "replaced by": replaces.get(r["Path"], "—")} for r in mod.get("Require") or ()]
    return pd.DataFrame(rows, columns=["module", "version", "indirect", "replaced by"])


def deps_table(result: RunResult | BuildResult, program=None, *, toolchain: Toolchain | None = None) -> pd.DataFrame:
    """go.mod's requirements next to the binary's ``Deps``: what is listed, with which Version, Replace and Sum.

    Args:
        result: the app's RunResult or BuildResult.
        program: the app's source (default :data:`APP`), for its go.mod.

    Returns:
        Columns ``module``, ``go.mod require``, ``go.mod replace``, ``in BuildInfo.Deps``,
        ``Deps: Version``, ``Deps: Replace``, ``Deps: Sum``.
    """
    tc = _tc(toolchain)
    b = _binary(result)
    info = read_buildinfo(b.binary, toolchain=tc)
    req = go_mod_requirements(program, toolchain=tc)
    rows = []
    for _, r in req.iterrows():
        d = info.dep(r["module"])
        rows.append({
            "module": r["module"],
            "go.mod require": r["version"] + (" // indirect" if r["indirect"] else ""),
            "go.mod replace": r["replaced by"],
            "in BuildInfo.Deps": "yes" if d else "no",
            "Deps: Version": d.version if d else "—",
            "Deps: Replace": _module_text(d.replace) if d and d.replace else "—",
            "Deps: Sum": (d.sum or "(empty)") if d else "—",
        })
    df = pd.DataFrame(rows)
    df.attrs.update(caption="go.mod's requirements vs the Deps recorded in the binary",
                    label=f"{b.go_version} · {b.goos}/{b.goarch} · read with go version -m")
    return df


def question_deps(result_or_program=None, *, toolchain: Toolchain | None = None):
    """Numeric: how many entries the app's BuildInfo.Deps has; the answer is read from the binary when checked."""
    from .quiz import numeric

    def answer() -> float:
        r = result_or_program
        if isinstance(r, (RunResult, BuildResult)):
            b = _binary(r)
        else:
            b = build_app(r, toolchain=toolchain)
        return float(len(read_buildinfo(_binary(b).binary, toolchain=toolchain).deps))

    return numeric("go.mod requires three modules (one of them marked // indirect). How many entries does the "
                   "binary's BuildInfo.Deps list?", answer, unit="entries",
                   explain=lambda n: "Deps lists the modules that contributed packages to the binary: those you "
                                     "import, directly or through another module. A requirement nobody imports "
                                     "leaves no trace, and nothing says which entries were direct.")


#: Options of :func:`question_allocs`, with the upper bound (exclusive) of allocations they cover.
ALLOC_BUCKETS = (("none: it returns a precomputed value", 0.5), ("1 to 5", 5.5), ("6 to 20", 20.5),
                 ("more than 20", float("inf")))


def alloc_bucket(allocs: float) -> str:
    """The :data:`ALLOC_BUCKETS` option an allocation count falls in."""
    return next(text for text, upper in ALLOC_BUCKETS if allocs < upper)


def question_allocs(calls: int = 100, *, toolchain: Toolchain | None = None):
    """Predict how many heap allocations one ReadBuildInfo call makes in a program without dependencies;
    the reveal builds and runs one that counts them with ``testing.AllocsPerRun``."""

    def reveal():
        row = alloc_scaling((0,), calls, toolchain=toolchain).iloc[0]
        allocs = float(row["allocs/call"])
        return alloc_bucket(allocs), (f"testing.AllocsPerRun counted {allocs:g} allocations per call, "
                                      f"{int(row['bytes/call'])} bytes, in a program with no dependency at all.")

    return predict("The seed says debug.ReadBuildInfo() is zero-allocation. How many heap allocations does one "
                   "call make in a program with no dependencies at all?", [t for t, _ in ALLOC_BUCKETS], reveal)


def scaling_program(n: int) -> dict[str, str]:
    """An app with ``n`` local dependency modules, all imported, that measures ReadBuildInfo.

    Args:
        n: number of dependency modules (0–99).

    Raises:
        ValueError: n out of range.
    """
    if not 0 <= n <= 99:
        raise ValueError(f"n must be between 0 and 99, not {n}")
    files: dict[str, str] = {}
    req, rep, imports, uses = [], [], [], []
    for i in range(n):
        name = f"dep{i:02d}"
        path = f"example.com/{name}"
        files[f"{name}/go.mod"] = f"module {path}\n\ngo 1.22\n"
        files[f"{name}/{name}.go"] = f"package {name}\n\nfunc N() int {{ return {i} }}\n"
        req.append(f"\t{path} v1.0.{i}\n")
        rep.append(f"\t{path} => ./{name}\n")
        imports.append(f'\t"{path}"')
        uses.append(f"\t_ = {name}.N()")
    gomod = "module example.com/scale\n\ngo 1.22\n"
    if n:
        gomod += "\nrequire (\n" + "".join(req) + ")\n\nreplace (\n" + "".join(rep) + ")\n"
    files["go.mod"] = gomod
    files["main.go"] = _SCALE_MAIN.format(imports="\n".join(imports), uses="\n".join(uses))
    return files


_MEASURE_RE = re.compile(r"^(?P<name>\S+) allocs=(?P<allocs>[\d.e+]+) bytes=(?P<bytes>\d+) ns=(?P<ns>\d+)$", re.M)
_SHAPE_RE = re.compile(r"^deps=(?P<deps>\d+) settings=(?P<settings>\d+) modinfo=(?P<modinfo>\d+)$", re.M)


def alloc_scaling(dep_counts=(0, 1, 2, 4, 8, 16), calls: int = 2000, *,
                  toolchain: Toolchain | None = None) -> pd.DataFrame:
    """Allocations, bytes and time per ReadBuildInfo call for apps with more and more dependency modules.

    Each app also measures a cached call (``sync.OnceValues(debug.ReadBuildInfo)``).

    Args:
        dep_counts: numbers of dependency modules to build apps with.
        calls: calls per measurement (``testing.AllocsPerRun``, the bytes loop, and the
            timing, which reports the fastest of five rounds of ``calls / 5``).

    Returns:
        Columns ``deps``, ``modinfo bytes``, ``allocs/call``, ``bytes/call``, ``ns/call``,
        ``cached allocs/call``, ``cached ns/call``.

    Raises:
        GoEnvError: an app did not build or run.
    """
    tc = _tc(toolchain)
    rows, last = [], None
    for n in dep_counts:
        r = api.run(Program.coerce(scaling_program(n), name=f"scale{n}"), cgo=0, args=[str(calls)], toolchain=tc,
                    limits={"wall_time_s": RUN_TIME_S * 4})
        if not r.ok:
            raise GoEnvError(f"the app with {n} dependencies failed: {r.message}\n{r.stderr[-500:]}")
        last = r
        shape = _SHAPE_RE.search(r.stdout)
        m = {x.group("name"): x for x in _MEASURE_RE.finditer(r.stdout)}
        if shape is None or "ReadBuildInfo" not in m or "cached" not in m:
            raise GoEnvError(f"unexpected output from the app with {n} dependencies: {r.stdout[:300]!r}")
        rows.append({"deps": int(shape["deps"]), "modinfo bytes": int(shape["modinfo"]),
                     "allocs/call": float(m["ReadBuildInfo"]["allocs"]),
                     "bytes/call": int(m["ReadBuildInfo"]["bytes"]), "ns/call": int(m["ReadBuildInfo"]["ns"]),
                     "cached allocs/call": float(m["cached"]["allocs"]), "cached ns/call": int(m["cached"]["ns"])})
    df = pd.DataFrame(rows)
    df.attrs.update(caption=f"debug.ReadBuildInfo per call, {calls} calls per measurement",
                    label=course_label(last) if last is not None else _host_label(tc, "native"))
    return df


def alloc_chart(scaling: pd.DataFrame):
    """Two panels against the number of dependency modules: allocations per call, and time per call.

    Returns:
        A matplotlib Figure (closed, so Jupyter shows it once).
    """
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8))
    x = scaling["deps"]
    a1.plot(x, scaling["allocs/call"], "o-", color="#c62828", label="debug.ReadBuildInfo()")
    a1.plot(x, scaling["cached allocs/call"], "s--", color="#2e7d32", label="cached (sync.OnceValues)")
    a1.set_ylabel("heap allocations per call")
    a1.set_ylim(bottom=-0.5)
    a2.plot(x, scaling["ns/call"] / 1000, "o-", color="#c62828", label="debug.ReadBuildInfo()")
    a2.plot(x, scaling["cached ns/call"] / 1000, "s--", color="#2e7d32", label="cached (sync.OnceValues)")
    a2.set_ylabel("µs per call (fastest of 5 rounds)")
    a2.set_ylim(bottom=0)
    for ax in (a1, a2):
        ax.set_xlabel("dependency modules in the binary")
        ax.legend(fontsize=8, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.suptitle("Is ReadBuildInfo zero-allocation and constant-time?\n" + scaling.attrs.get("label", ""), fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def myth_buildinfo(result: RunResult, deps: pd.DataFrame, scaling: pd.DataFrame, *, show: bool = False) -> MythCheck:
    """Myth check 4.4: ReadBuildInfo is zero-allocation and constant-time and lists every direct and
    indirect dependency with replace and indirect markers.

    The claim holds only if all parts hold: no allocations, allocations that do
    not grow with the number of modules, every go.mod requirement in Deps, and
    an indirect field in ``debug.Module``. (Time per call is shown, not used:
    one timing on a shared machine decides nothing.)

    Args:
        result: the app's RunResult (its own report of ``debug.Module``'s fields and the seed's map).
        deps: from :func:`deps_table`.
        scaling: from :func:`alloc_scaling`.
    """
    report = parse_app_output(result.stdout)
    allocs = float(scaling["allocs/call"].iloc[0]) if len(scaling) else None
    missing = list(deps.loc[deps["in BuildInfo.Deps"] == "no", "module"])
    indirect_field = any(f.lower() == "indirect" for f in report["fields"])
    grows = len(scaling) > 1 and scaling["allocs/call"].iloc[-1] > scaling["allocs/call"].iloc[0]
    holds = allocs == 0 and not grows and not missing and indirect_field
    lib = deps[deps["module"] == "example.com/lib"]
    evidence = {}
    if len(scaling):
        # Rows of a mixed-type frame come back as float Series: format counts as integers.
        first, last = scaling.iloc[0], scaling.iloc[-1]
        span = f"{int(first['deps'])} → {int(last['deps'])} dependency modules"
        evidence.update({
            f"allocations per call, {span}": f"{first['allocs/call']:g} → {last['allocs/call']:g}",
            f"bytes per call, {span}": f"{int(first['bytes/call'])} → {int(last['bytes/call'])}",
            f"µs per call, {span}": f"{first['ns/call'] / 1000:.3g} → {last['ns/call'] / 1000:.3g}",
        })
    else:
        evidence["allocations per call"] = "not measured"
    evidence.update({
        "required in go.mod": ", ".join(f"{m} ({v})" for m, v in zip(deps["module"], deps["go.mod require"])),
        "required but missing from Deps": ", ".join(missing) or "none",
        "debug.Module fields": ", ".join(report["fields"]) or "not reported",
        "the seed's listLoadedModules()": report["seed_map"] or "not reported",
    })
    if len(lib):
        lib = lib.iloc[0]
        evidence["example.com/lib: Version / Replace"] = f"{lib['Deps: Version']} / {lib['Deps: Replace']}"
    return myth_check(
        "4.4",
        claim="debug.ReadBuildInfo() is zero-allocation and constant-time, fit for high-frequency health checks, "
              "and lists all direct and indirect dependencies, with replace and indirect markers.",
        experiment="Built an app with local replace modules (one required but never imported), read its Deps "
                   "inside and with go version -m, and counted allocations with testing.AllocsPerRun for apps "
                   "with more and more modules.",
        holds=holds,
        evidence=evidence,
        truth="Each call parses the embedded module text again, so it allocates, and more with every module. "
              "Call it once and keep the result. Deps holds only the modules that contributed packages to the "
              "binary, with no direct/indirect flag (debug.Module is Path, Version, Sum, Replace). For a replaced "
              "module, Version is the required version, not the code that was built: look at Replace.",
        label=course_label(result),
        show=show,
    )


__all__ = [
    "WHEREAMI", "APP", "VERSION_LDFLAGS", "HELLO", "app_txtar", "show", "show_go",
    "PROBE_GOARCHS", "UNAME_NAMES", "PROBE_ROWS", "same_arch", "parse_probe", "probe_targets", "probe_table",
    "agreement_table", "myth_uname", "question_uname", "sandbox_table",
    "CI_TARGETS", "SEED_SPLIT", "split_target", "ci_target_table", "ARM_CPUS", "arm_variant_table",
    "build_app", "parse_app_output", "inside_view", "views_table", "STAMP_VARIANTS", "Stamp", "stamp_builds",
    "settings_table", "size_chart", "question_trimpath", "SEED_COMMANDS", "seed_command_table", "vcs_table",
    "go_mod_requirements", "deps_table", "question_deps", "ALLOC_BUCKETS", "alloc_bucket", "question_allocs",
    "scaling_program", "alloc_scaling", "alloc_chart", "myth_buildinfo",
]
