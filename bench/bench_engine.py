"""Engine benchmark: goenv vs the plain go command, measured side by side in one run.

    python bench/bench_engine.py [--repeat N] [--cold-repeat N]

Prints medians and ratios (these machines are noisy, so there are no absolute
thresholds; each pair is interleaved so both sides see the same noise):

  (a) unchanged hello world: goenv.run (binary cache hit) vs `go run .` on the same directory.
      Target: goenv at least 5x faster.
  (b) edit, then run: goenv.run of an edited program vs `go build -o prog . && ./prog`.
      Target: goenv's overhead at most 15 %.
  (c) first linux/arm64 build with an empty Go build cache vs the same build after
      `goenv prewarm linux/arm64` (each in its own fresh GOCACHE).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import goenv  # noqa: E402
from goenv.cache import BinaryCache  # noqa: E402
from goenv.prewarm import prewarm  # noqa: E402
from goenv.toolchain import Toolchain, default  # noqa: E402

HELLO = 'package main\n\nimport "fmt"\n\nconst msg = "hello %d"\n\nfunc main() { fmt.Println(fmt.Sprintf(msg, 0)) }\n'


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def med(xs) -> float:
    return statistics.median(xs)


def bench_unchanged(tc: Toolchain, repeat: int) -> tuple[list[float], list[float]]:
    d = Path(tempfile.mkdtemp(prefix="bench-a-"))
    (d / "go.mod").write_text("module example.com/bench\n\ngo 1.22\n")
    (d / "main.go").write_text(HELLO)
    env = tc.env()

    def go_run():
        p = subprocess.run([str(tc.go), "run", "."], cwd=d, env=env, capture_output=True)
        assert p.returncode == 0 and p.stdout == b"hello 0\n", p.stderr

    def ge_run():
        r = goenv.run(d)
        assert r.ok and r.stdout == "hello 0\n", r.message

    go_run(), ge_run()  # warm both: go's run cache, goenv's binary cache
    a, b = [], []
    for _ in range(repeat):
        b.append(timed(go_run))
        a.append(timed(ge_run))
    shutil.rmtree(d, ignore_errors=True)
    return a, b


def bench_edit(tc: Toolchain, repeat: int) -> tuple[list[float], list[float]]:
    d = Path(tempfile.mkdtemp(prefix="bench-b-"))
    (d / "go.mod").write_text("module example.com/bench\n\ngo 1.22\n")
    env = tc.env()
    counter = iter(range(1, 10**6))

    def plain():
        i = next(counter)
        (d / "main.go").write_text(HELLO.replace("0))", f"{i}))"))
        p = subprocess.run([str(tc.go), "build", "-o", "prog", "."], cwd=d, env=env, capture_output=True)
        assert p.returncode == 0, p.stderr
        out = subprocess.run([str(d / "prog")], capture_output=True)
        assert out.stdout == f"hello {i}\n".encode()

    def ge():
        i = next(counter)
        r = goenv.run(HELLO.replace("0))", f"{i}))"))
        assert r.ok and r.stdout == f"hello {i}\n", r.message

    plain(), ge()
    a, b = [], []
    for _ in range(repeat):
        b.append(timed(plain))
        a.append(timed(ge))
    shutil.rmtree(d, ignore_errors=True)
    return a, b


def bench_cold(tc: Toolchain, repeat: int) -> tuple[list[float], list[float], list[float]]:
    cold, warm, pre = [], [], []
    saved = os.environ.get("GOCACHE")
    try:
        for i in range(repeat):
            for kind in ("cold", "warm"):
                gocache = Path(tempfile.mkdtemp(prefix=f"bench-c-{kind}-"))
                os.environ["GOCACHE"] = str(gocache)
                fresh = Toolchain.find(tc.go)
                if kind == "warm":
                    pre.append(timed(lambda: prewarm(["linux/arm64"], toolchain=fresh)))
                bins = BinaryCache(gocache / "bins")
                r_time = timed(lambda: _must(goenv.build(HELLO, goarch="arm64", toolchain=fresh, cache=bins)))
                (cold if kind == "cold" else warm).append(r_time)
                shutil.rmtree(gocache, ignore_errors=True)
    finally:
        if saved is None:
            os.environ.pop("GOCACHE", None)
        else:
            os.environ["GOCACHE"] = saved
    return cold, warm, pre


def _must(r):
    assert r.ok, r.output
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=21, help="samples for (a) and (b)")
    ap.add_argument("--cold-repeat", type=int, default=2, help="samples for (c); each costs two cold builds")
    args = ap.parse_args()
    tc = default()
    print(f"{tc.version} {tc.hostos}/{tc.hostarch}, {os.cpu_count()} CPUs, repeat={args.repeat}")

    a_ge, a_go = bench_unchanged(tc, args.repeat)
    ratio_a = med(a_go) / med(a_ge)
    print(f"(a) unchanged hello: go run . {med(a_go) * 1000:7.1f} ms | goenv.run {med(a_ge) * 1000:6.1f} ms "
          f"| goenv is {ratio_a:.1f}x faster (target >= 5x: {'PASS' if ratio_a >= 5 else 'FAIL'})")

    b_ge, b_go = bench_edit(tc, args.repeat)
    over = med(b_ge) / med(b_go) - 1
    print(f"(b) edit then run:   go build && ./prog {med(b_go) * 1000:6.1f} ms | goenv.run {med(b_ge) * 1000:6.1f} ms "
          f"| overhead {over * 100:+.1f} % (target <= 15 %: {'PASS' if over <= 0.15 else 'FAIL'})")

    cold, warm, pre = bench_cold(tc, args.cold_repeat)
    print(f"(c) first linux/arm64 build: cold cache {med(cold):.2f} s | after prewarm {med(warm):.3f} s "
          f"| {med(cold) / med(warm):.0f}x faster (prewarm itself took {med(pre):.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
