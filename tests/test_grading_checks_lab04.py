"""goenv.grading.checks_lab04 with the real toolchain: race-detector runs and naming atomic instructions."""

from __future__ import annotations

import io
from contextlib import redirect_stderr

import pytest

from goenv.grading import checks, checks_lab04
from goenv.grading.checks import CheckFailed
from goenv.results import BuildResult

from helpers import named, needs_qemu  # noqa: F401 (named: a fixture)

COUNTER = '''package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

func main() {
	workers, _ := strconv.Atoi(os.Args[1])
	var wg sync.WaitGroup
	var c uint64
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				INCREMENT
			}
		}()
	}
	wg.Wait()
	fmt.Println("total", atomic.LoadUint64(&c))
}
'''
RACY = COUNTER.replace("INCREMENT", "c++")
ATOMIC = COUNTER.replace("INCREMENT", "atomic.AddUint64(&c, 1)")

STORE = '''package main

import "sync/atomic"

//go:noinline
func publish(p *uint64, v uint64) {
	BODY
}

func main() {
	var x uint64
	publish(&x, 1)
	println(atomic.LoadUint64(&x))
}
'''


def _store(body: str, **opts):
    return checks.build(STORE.replace("BODY", body), goos="linux", **opts)


# -- the race detector -----------------------------------------------------------------------


def test_race_free_program_passes(named, capsys):
    named("counter", ATOMIC)
    r = checks_lab04.run_race("counter", args=["4"])
    assert r.build.options["race"] and r.ok
    checks.expect_output(r, line="total 4000")
    assert "✓ the race detector reported no data race" in capsys.readouterr().out


def test_data_race_is_reported_with_its_location(named):
    named("racy", RACY)
    err = io.StringIO()
    with redirect_stderr(err), pytest.raises(CheckFailed) as info:
        checks_lab04.run_race("racy", args=["4"])
    msg = str(info.value)
    assert "the race detector found" in msg and "(run with the arguments 4)" in msg
    assert "WARNING: DATA RACE" in msg and "main.main.func1()" in msg and "main.go:" in msg
    assert err.getvalue() == ""


def test_race_build_is_forced_and_gorace_cannot_be_overridden(named):
    """The cell's options (no --race) and env (GORACE=exitcode=0, a report-less run) do not count."""
    named("racy", RACY, env={"GORACE": "exitcode=0 report_signal=0"})
    with pytest.raises(CheckFailed, match="data race"):
        checks_lab04.run_race("racy", args=["4"], env={"GORACE": "exitcode=0"})


def test_race_free_but_failing_program_and_stub(named):
    named("crash", 'package main\nimport "os"\nfunc main() { os.Stderr.WriteString("boom\\n"); os.Exit(3) }\n')
    with pytest.raises(CheckFailed, match=r"exited with status 3(.|\n)*boom"):
        checks_lab04.run_race("crash")
    named("stub", 'package main\nfunc main() {\n\tpanic("not implemented yet: replace this line with your solution")\n}\n')
    with pytest.raises(CheckFailed, match="not finished yet"):
        checks_lab04.run_race("stub")


def test_expect_race_free_needs_a_race_build(named):
    named("counter", ATOMIC)
    r = checks.run("counter", args=["2"])
    with pytest.raises(CheckFailed, match="built with the race detector"):
        checks_lab04.expect_race_free(r)
    with pytest.raises(CheckFailed, match="pass its --name"):
        checks_lab04.run_race(r.build)


# -- naming instructions ---------------------------------------------------------------------


@pytest.mark.parametrize("answer, words", [
    ("STLR", ["STLR"]), (" stlr ", ["STLR"]), ("MOV+MFENCE", ["MOV", "MFENCE"]),
    ("ldaxr, stlxr", ["LDAXR", "STLXR"]), ("lock xchg", ["XCHG"]), (["XCHGQ", "xchgq"], ["XCHGQ"]),
])
def test_answer_mnemonics(answer, words):
    assert checks_lab04.answer_mnemonics(answer) == words


@pytest.mark.parametrize("answer, message", [
    (None, "must be a string"), (42, "must be a string"), ([], "must be a string"), ("", "is empty"),
    ("LOCK", "is empty"), ("STLR R1, (R0)", r"'\(R0\)' is not an instruction mnemonic"),
])
def test_bad_answers_are_explained(answer, message):
    with pytest.raises(CheckFailed, match=message):
        checks_lab04.answer_mnemonics(answer, "ARM64_STORE")


def test_expected_instructions_come_from_the_disassembly(capsys):
    """Whatever the operation and target, the answer is what objdump shows in that build."""
    cases = [
        ("atomic.StoreUint64(p, v)", {"goarch": "arm64"}, ["STLR"]),
        ("atomic.StoreUint64(p, v)", {"goarch": "amd64"}, ["XCHGQ"]),
        ("atomic.StoreUint64(p, v)", {"goarch": "riscv64"}, ["AMOSWAPD"]),
        ("atomic.AddUint64(p, v)", {"goarch": "amd64"}, ["XADDQ"]),  # LOCK XADDQ: the prefix is not named
    ]
    for body, opts, want in cases:
        b = _store(body, **opts)
        assert checks_lab04.expect_atomic_mnemonics(b, "main.publish", want[0].lower()) == want
        assert [i.mnemonic for i in checks_lab04.atomic_instructions(b, "main.publish")] == want
    assert "✓ your answer = 'stlr': the atomic instruction(s) of main.publish compiled for linux/arm64" \
        in capsys.readouterr().out


def test_x86_spelling_without_size_suffix_is_accepted():
    b = _store("atomic.StoreUint64(p, v)", goarch="amd64", goamd64="v3")
    assert checks_lab04.expect_atomic_mnemonics(b, "main.publish", "xchg") == ["XCHGQ"]


def test_wrong_answers_do_not_reveal_the_right_one():
    arm = _store("atomic.StoreUint64(p, v)", goarch="arm64")
    amd = _store("atomic.StoreUint64(p, v)", goarch="amd64")
    with pytest.raises(CheckFailed, match=r"AMD64_STORE = 'MOV\+MFENCE', but main.publish compiled for "
                                          r"linux/amd64 has no MOV and no MFENCE instruction. Look!") as info:
        checks_lab04.expect_atomic_mnemonics(amd, "main.publish", "MOV+MFENCE", name="AMD64_STORE", hint="Look!")
    assert "XCHG" not in str(info.value)
    with pytest.raises(CheckFailed, match=r"has no LDAR instruction") as info:
        checks_lab04.expect_atomic_mnemonics(arm, "main.publish", "LDAR")
    assert "STLR" not in str(info.value)
    with pytest.raises(CheckFailed, match=r"RET is in main.publish .* ordinary instruction"):
        checks_lab04.expect_atomic_mnemonics(arm, "main.publish", "STLR+RET")


def test_an_instruction_left_out_is_reported():
    # A swap on ARMv8.0 checks for LSE at run time: SWPALD, or an LDAXR/STLXR loop without LSE.
    b = _store("atomic.SwapUint64(p, v)", goarch="arm64")
    want = checks_lab04.expect_atomic_mnemonics(b, "main.publish", "+".join(
        i.mnemonic for i in checks_lab04.atomic_instructions(b, "main.publish")))
    assert len(want) >= 2
    with pytest.raises(CheckFailed, match=rf"leaves out {len(want) - 1} of the {len(want)} instruction"):
        checks_lab04.expect_atomic_mnemonics(b, "main.publish", want[0])


def test_plain_store_and_inlined_function_are_explained():
    plain = _store("*p = v", goarch="arm64")
    with pytest.raises(CheckFailed, match=r"main.publish compiled for linux/arm64 has no atomic instruction "
                                          r"and no memory barrier(.|\n)*sync/atomic"):
        checks_lab04.expect_atomic_mnemonics(plain, "main.publish", "MOVD")
    inlined = checks.build(STORE.replace("//go:noinline\n", "").replace("BODY", "atomic.StoreUint64(p, v)"),
                           goos="linux", goarch="arm64")
    with pytest.raises(CheckFailed, match=r"no function main.publish in the binary built for linux/arm64(.|\n)*"
                                          r"//go:noinline"):
        checks_lab04.expect_atomic_mnemonics(inlined, "main.publish", "STLR")
    with pytest.raises(CheckFailed, match="the build failed"):
        checks_lab04.atomic_instructions(BuildResult(ok=False, binary=None, goos="linux", goarch="arm64", options={}), "main.publish")


@needs_qemu("arm")
def test_unaligned_64_bit_atomic_panics_on_32_bit_targets():
    """The fact task 3 of lab 04 rests on, on both 32-bit targets the lab runs."""
    src = ('package main\nimport "sync/atomic"\ntype rec struct {\n\ton bool\n\thits uint64\n}\n'
           'func main() { r := new(rec); atomic.AddUint64(&r.hits, 1); println(r.hits) }\n')
    for goarch in ("386", "arm"):
        with pytest.raises(CheckFailed, match="unaligned 64-bit atomic operation"):
            checks.run(src, goos="linux", goarch=goarch)
    checks.run(src, goos="linux", goarch="amd64")
