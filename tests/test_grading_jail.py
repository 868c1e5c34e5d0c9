"""The grading kernel's jail: read-only course and HOME, writable Go cache, no escape through the cwd."""

from __future__ import annotations

import subprocess

import nbformat
import pytest
from traitlets.config import Config

from goenv.grading import jail

pytestmark = pytest.mark.skipif(jail.available() is not None, reason=f"no mount namespaces: {jail.available()}")


def _run(script: str, ro, rw=(), cwd=None):
    return subprocess.run(jail.jail_command(["sh", "-c", script], [str(p) for p in ro], [str(p) for p in rw]),
                          capture_output=True, text=True, cwd=cwd, timeout=30)


def test_read_only_except_writable(tmp_path):
    course, cache = tmp_path / "course", tmp_path / "course" / "cache"
    (course / "sub").mkdir(parents=True)
    cache.mkdir()
    proc = _run(f"touch {course}/a; touch {cache}/b; touch ../c; touch {tmp_path}/d", [course], [cache],
                cwd=course / "sub")
    assert "Read-only file system" in proc.stderr
    assert not (course / "a").exists() and not (course / "c").exists()  # absolute and relative to the cwd
    assert (cache / "b").exists() and (tmp_path / "d").exists()        # the exception, and outside


def test_outside_the_jail_nothing_changed(tmp_path):
    """The mounts live in the kernel's private namespace: the caller can still write there."""
    _run("true", [tmp_path])
    (tmp_path / "after").write_text("ok")


def test_missing_paths_are_skipped(tmp_path):
    proc = _run("echo fine", [tmp_path / "nope"])
    assert proc.returncode == 0 and proc.stdout == "fine\n"


def test_jailed_execute_runs_a_notebook_read_only(tmp_path):
    ro = tmp_path / "course"
    ro.mkdir()
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("open('x', 'w').write('pwned')"),
                nbformat.v4.new_code_cell("print('still running')")]
    config = Config()
    config.JailedKernelManager.read_only = [str(ro)]
    jail.JailedExecute(config=config, timeout=60).preprocess(nb, {"metadata": {"path": str(ro)}})
    assert nb.cells[0].outputs[0]["ename"] == "OSError" and "Read-only" in nb.cells[0].outputs[0]["evalue"]
    assert nb.cells[1].outputs[0]["text"] == "still running\n"
    assert not (ro / "x").exists()


def test_the_kernels_scratch_directory_is_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    ro = tmp_path / "course"
    ro.mkdir()
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("import os; print(os.environ['IPYTHONDIR'])")]
    config = Config()
    config.JailedKernelManager.read_only = [str(ro)]
    jail.JailedExecute(config=config, timeout=60).preprocess(nb, {"metadata": {"path": str(ro)}})
    assert nb.cells[0].outputs[0]["text"].startswith(str(tmp_path / "tmp" / "goenv-kernel-"))
    assert not list((tmp_path / "tmp").glob("goenv-kernel-*"))
