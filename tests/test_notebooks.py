"""The chapter notebooks, executed top to bottom in a fresh kernel with papermill (FAST=True).

For each notebook: no cell errors; every myth check's verdict, computed live in
the notebook, matches the errata; wall time and the peak memory of the kernel
plus its children stay under 1 GB (mybinder.org guarantees 1 GB). The figures
are written to test-artifacts/notebook-metrics.json and printed.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from goenv.course.myth import MYTH_MIME

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ARTIFACTS = ROOT / "test-artifacts"
MEMORY_BUDGET = 1_000_000_000  # bytes: mybinder.org's guarantee

#: Errata entry → verdict, per chapter (../shared/seed_errata.md). Each must be measured in the notebook.
EXPECTED_MYTHS = {
    "00": {"1-d": "misleading", "4.1-a": "misleading"},
    "01": {"2.1-a": "misleading", "3.2-c": "false"},
    "02": {"2.2-b": "false", "1-b": "misleading"},
    "03": {"2.3-a": "false", "2.3-b": "false", "2.3-d": "false"},
    "04": {"2.4-b": "false", "2.4-c": "misleading", "2.4-d": "invented figure", "2.4-f": "false"},
    "05": {"4.3-a": "false", "4.3-b": "false"},
    "06": {"3.2-a": "false", "4.4": "false"},
    "07": {"4.1-b": "false", "4.1-c": "true"},
}


class PeakMemory:
    """Samples the summed RSS of the descendants started inside the ``with`` block.

    That is the notebook's kernel and whatever it runs (Go programs, qemu); processes
    this test session started before (another test's Jupyter server, a browser) do not count.
    """

    def __init__(self, interval: float = 0.1):
        self.interval, self.peak = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._before: set[int] = set()

    def _run(self):
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in me.children(recursive=True):
                if p.pid in self._before:
                    continue
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._before = {p.pid for p in psutil.Process().children(recursive=True)}
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def myth_verdicts(nb) -> dict[str, str]:
    out = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if MYTH_MIME in data:
                rec = data[MYTH_MIME]
                out[rec["id"]] = rec["verdict"]
    return out


def record(name: str, metrics: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "notebook-metrics.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = metrics
    path.write_text(json.dumps(data, indent=2, sort_keys=True))


def test_there_are_chapters():
    """Are the chapter notebooks there to test?"""
    assert NOTEBOOKS, "no notebooks/NN_*.ipynb found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_with_verdicts_matching_the_errata(path, tmp_path):
    """Does the chapter run top to bottom (FAST) with no error, errata-conform myth verdicts, and < 1 GB?"""
    import papermill as pm

    out = tmp_path / path.name
    t0 = time.monotonic()
    with PeakMemory() as mem:
        pm.execute_notebook(str(path), str(out), parameters={"FAST": True}, cwd=str(tmp_path),
                            kernel_name="python3", progress_bar=False, execution_timeout=600)
    wall = time.monotonic() - t0
    nb = nbformat.read(out, as_version=4)
    metrics = {"wall_s": round(wall, 1), "peak_memory_mb": round(mem.peak / 2**20, 1)}
    record(path.stem, metrics)
    print(f"\n{path.stem}: {metrics}")
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors[0].get("evalue")
    got = myth_verdicts(nb)
    expected = EXPECTED_MYTHS.get(path.stem[:2], {})
    for myth, verdict in expected.items():
        assert got.get(myth) == verdict, f"myth {myth}: notebook measured {got.get(myth)!r}, errata says {verdict!r}"
    assert mem.peak < MEMORY_BUDGET, f"peak memory {mem.peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_clean(path):
    """Is the committed notebook free of outputs, execution counts and stray metadata?"""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs"
            assert cell.execution_count is None, f"cell {i} has an execution count"
        extra = set(cell.metadata) - {"tags", "jupyter", "editable", "deletable"}
        assert not extra, f"cell {i} metadata {extra}"
    assert set(nb.metadata) <= {"kernelspec", "language_info"}, nb.metadata.keys()
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), "no papermill parameters cell"
