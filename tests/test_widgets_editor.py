"""GoEditor: the offline CodeMirror bundle and the Python side of the widget."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import traitlets

pytest.importorskip("anywidget")

from goenv.widgets.editor import GoEditor  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "js" / "editor"
STATIC = ROOT / "goenv" / "widgets" / "static"
BUNDLE = STATIC / "editor.js"
SIDECAR = STATIC / "editor.js.sha256"


def sources_hash() -> str:
    """The same digest as sourcesHash() in js/editor/build.mjs."""
    files = [p for p in (JS / "src").rglob("*") if p.is_file()]
    files += [JS / "package-lock.json", JS / "build.mjs"]
    h = hashlib.sha256()
    for rel in sorted(p.relative_to(JS).as_posix() for p in files):
        text = (JS / rel).read_bytes().decode("utf-8").replace("\r\n", "\n")
        h.update((rel + "\0" + text + "\0").encode("utf-8"))
    return h.hexdigest()


@pytest.fixture(scope="module")
def bundle() -> str:
    return BUNDLE.read_text(encoding="utf-8")


# --- the bundle ---------------------------------------------------------------


def test_bundle_is_an_es_module_with_a_default_export(bundle):
    """Is the committed bundle there, and is it an ES module whose default export anywidget can use?"""
    assert len(bundle) > 50_000, "suspiciously small bundle"
    assert re.search(r"export\s*\{[^}]*\bas default\s*\}|export default\b", bundle)
    assert "render" in bundle


def test_bundle_loads_nothing_from_the_network(bundle):
    """Does the bundle avoid every import, fetch or script load at run time (no CDN)?"""
    code = re.sub(r"/\*.*?\*/", "", bundle, count=1, flags=re.S)  # the banner
    for pattern in [
        r"\bimport\s*\(",  # dynamic import
        r"\bimport\s*[\"'{*]",  # static import
        r"\bfrom\s*[\"']",
        r"\bimportScripts\s*\(",
        r"\bfetch\s*\(",
        r"XMLHttpRequest",
        r"new\s+Worker\s*\(",
    ]:
        assert not re.search(pattern, code), pattern
    # The only URLs left are XML namespace names, which are never fetched.
    urls = set(re.findall(r"https?://[^\s\"'`)]+", code))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls


def test_bundle_is_up_to_date_with_its_sources(bundle):
    """Was the bundle rebuilt after the last change to js/editor (src, lock file, build script)?"""
    expected = sources_hash()
    recorded = SIDECAR.read_text().strip()
    assert recorded == expected, "js/editor changed without a rebuild: cd js/editor && npm ci && npm run build"
    assert f"sources-sha256: {expected}" in bundle.split("*/", 1)[0]


@pytest.mark.skipif(
    not (JS / "node_modules" / "esbuild").is_dir() or shutil.which("node") is None,
    reason="needs node and js/editor/node_modules (cd js/editor && npm ci)",
)
def test_rebuild_reproduces_the_committed_files():
    """Does a fresh build from the locked packages give byte for byte the committed bundle?"""
    proc = subprocess.run(["node", "build.mjs", "--check"], cwd=JS, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_npm_dependencies_are_pinned_and_locked():
    """Are the npm dependencies pinned to exact versions and recorded in a committed lock file?"""
    pkg = json.loads((JS / "package.json").read_text())
    deps = {**pkg.get("dependencies", {}), **pkg.get("devDependencies", {})}
    assert {"@codemirror/view", "@codemirror/lang-go", "esbuild"} <= deps.keys()
    for name, version in deps.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
    lock = json.loads((JS / "package-lock.json").read_text())
    for name, version in deps.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert "js/editor/node_modules/" in (ROOT / ".gitignore").read_text().splitlines()


def test_third_party_licenses_are_shipped():
    """Are the MIT notices of the bundled CodeMirror and Lezer packages kept, next to the bundle too?"""
    text = (JS / "THIRD_PARTY_LICENSES.txt").read_text()
    assert (STATIC / "THIRD_PARTY_LICENSES.txt").read_text() == text
    for name in ["@codemirror/view", "@codemirror/state", "@codemirror/lang-go", "@lezer/go", "@lezer/lr"]:
        assert re.search(rf"^{re.escape(name)}@\S+  \(MIT\)$", text, re.M), name
    assert "Permission is hereby granted, free of charge" in text


# --- the widget ---------------------------------------------------------------


def test_editor_has_the_synced_traits():
    """Does GoEditor(value=...) carry value, height, read_only, highlight_lines and placeholder, all synced?"""
    e = GoEditor(value="package main")
    assert e.value == "package main"
    assert e.height == "260px"
    assert e.read_only is False
    assert e.highlight_lines == []
    assert e.placeholder == ""
    assert {"value", "height", "read_only", "highlight_lines", "placeholder", "_esm", "_css"} <= set(e.keys)
    assert GoEditor("package p\n").value == "package p\n"  # positional value too
    e.close()


def test_editor_serves_the_committed_bundle_and_themed_css():
    """Is the front-end code the committed bundle, styled with JupyterLab theme variables?"""
    e = GoEditor()
    assert e._esm == BUNDLE.read_text(encoding="utf-8")
    for var in ["--jp-layout-color1", "--jp-code-font-family", "--jp-error-color1"]:
        assert var in e._css
    data, _ = e._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == e.model_id
    e.close()


def test_on_run_callbacks_fire_on_the_run_message():
    """Do on_run callbacks get the editor when the front-end sends {"event": "run"}, and only then?"""
    e = GoEditor(value="package main\n")
    seen = []

    def cb(editor):
        seen.append(editor.value)

    e.on_run(cb)
    e._handle_custom_msg({"event": "other"}, [])
    e._handle_custom_msg("not a dict", [])
    assert seen == []
    e.value = "package main\n\nfunc main() {}\n"  # the front-end syncs the text before it asks to run
    e._handle_custom_msg({"event": "run"}, [])
    assert seen == ["package main\n\nfunc main() {}\n"]
    e.on_run(cb, remove=True)
    e._handle_custom_msg({"event": "run"}, [])
    assert len(seen) == 1
    e.close()


def test_run_message_carries_the_latest_text(monkeypatch):
    """When the run request brings the text, do callbacks see it, without it being echoed to the browser?"""
    e = GoEditor(value="package main\n")
    seen = []
    e.on_run(lambda ed: seen.append(ed.value))
    sent = []
    monkeypatch.setattr(e, "_send", lambda msg, buffers=None: sent.append(msg))
    changes = []
    e.observe(lambda ch: changes.append(ch["new"]), names="value")
    newest = "package main\n\nfunc main() { println(1) }\n"
    e._handle_custom_msg({"event": "run", "value": newest}, [])
    assert seen == [newest]
    assert e.value == newest
    assert changes == [newest]  # observers of value still hear about it
    assert sent == []  # the browser already has this text: sending it back could clobber newer typing
    e.value = "package other\n"  # ordinary Python-side changes still sync
    assert sent and sent[-1]["state"] == {"value": "package other\n"}
    e.close()


def test_request_run_calls_the_callbacks():
    """Can Python trigger the same run callbacks as the editor's keys (e.g. for a Run button)?"""
    e = GoEditor()
    calls = []
    e.on_run(lambda ed: calls.append(ed))
    e.request_run()
    assert calls == [e]
    e.close()


def test_highlight_lines_validates_line_numbers():
    """Are highlight_lines kept as sorted unique 1-based ints, and is anything else refused?"""
    e = GoEditor()
    e.highlight_lines = [7, 2, 7]
    assert e.highlight_lines == [2, 7]
    for bad in (["3"], [1.5], [True], [0], [-2], [None]):
        with pytest.raises(traitlets.TraitError):
            e.highlight_lines = bad
    assert e.highlight_lines == [2, 7]
    e.close()
