"""Render results for people: plain text for terminals, HTML for notebooks.

Shared by the ``%%go`` magic and the widgets so that a compile error, a panic,
a timeout or a flood looks the same everywhere.
"""

from __future__ import annotations

import html

from .results import BuildResult, Diagnostic, RunResult

_STYLE = (
    "font-family: var(--jp-code-font-family, monospace); font-size: var(--jp-code-font-size, 13px);"
    "border-left: 4px solid {color}; padding: 4px 8px; margin: 4px 0; white-space: pre-wrap;"
    "background: var(--jp-layout-color2, #f5f5f5); color: var(--jp-content-font-color1, #222);"
)
OK_COLOR = "var(--jp-success-color1, #388e3c)"
WARN_COLOR = "var(--jp-warn-color1, #f57c00)"
ERROR_COLOR = "var(--jp-error-color1, #d32f2f)"


def size_text(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def target_label(build: BuildResult, runner: str = "", emulated: bool = False) -> str:
    """``go1.27.3 linux/arm64 (emulated: qemu-aarch64)`` — how every measured figure is labelled."""
    label = f"{build.go_version} {build.goos}/{build.goarch}"
    if not runner:
        return label  # built, not run: there is no "native or emulated" to state
    return f"{label} ({'emulated: ' + runner if emulated else 'native'})"


def status_line(result: RunResult | BuildResult) -> str:
    """One line: what happened, timings, target, size."""
    build = result.build if isinstance(result, RunResult) else result
    parts = []
    if isinstance(result, RunResult) and result.started:
        parts.append(result.message)
    elif not build.ok:
        parts.append(build.message)
    else:
        parts.append("built")
    if build.ok:
        parts.append("build cached" if build.cached else f"built in {build.duration_s * 1000:.0f} ms")
        try:
            import os

            parts.append(size_text(os.path.getsize(build.binary)))
        except (OSError, TypeError):
            pass
    if isinstance(result, RunResult) and result.started:
        parts.append(target_label(build, result.runner, result.emulated))
        if result.peak_memory_bytes:
            parts.append(f"peak memory {size_text(result.peak_memory_bytes)}")
    else:
        parts.append(target_label(build))
    return " · ".join(parts)


def severity(result: RunResult | BuildResult) -> str:
    """"ok", "warn" (ran but exited non-zero, was stopped or truncated) or "error" (did not build)."""
    build = result.build if isinstance(result, RunResult) else result
    if not build.ok:
        return "error"
    if isinstance(result, RunResult):
        if result.exit_code != 0 or result.truncated or result.stopped_by:
            return "warn" if result.started else "error"
    return "ok"


def diagnostics_text(diags: tuple[Diagnostic, ...] | list[Diagnostic], *, label: str | None = None,
                     tab: int = 4) -> str:
    """Diagnostics with the offending line and a caret; ``label`` replaces the file name (e.g. "cell")."""
    out = []
    for d in diags:
        where = f"{label} line {d.line}" if label else f"{d.file}:{d.line}"
        col = f", column {d.column}" if label and d.column else (f":{d.column}" if d.column else "")
        out.append(f"{where}{col}: {d.message}")
        if d.source_line is not None:
            out.append(f"{d.line:>5} | {d.source_line.expandtabs(tab)}")
            if d.column:
                prefix = d.source_line.encode()[: d.column - 1].decode("utf-8", errors="ignore")
                out.append(f"{'':>5} | {' ' * len(prefix.expandtabs(tab))}^")
    return "\n".join(out)


def build_failure_text(build: BuildResult, *, label: str | None = None) -> str:
    if build.diagnostics:
        return diagnostics_text(build.diagnostics, label=label)
    return build.output.strip() or build.message


def result_bundle(result: RunResult | BuildResult, *, label: str | None = None) -> dict:
    """A MIME bundle (text/plain + text/html) summarizing a result, for IPython.display."""
    build = result.build if isinstance(result, RunResult) else result
    sev = severity(result)
    color = {"ok": OK_COLOR, "warn": WARN_COLOR, "error": ERROR_COLOR}[sev]
    icon = {"ok": "✓", "warn": "⚠", "error": "✗"}[sev]
    lines = [f"{icon} {status_line(result)}"]
    if not build.ok:
        lines.append(build_failure_text(build, label=label))
    text = "\n".join(lines)
    body = html.escape(text)
    return {
        "text/plain": text,
        "text/html": f'<div class="goenv-result goenv-{sev}" style="{_STYLE.format(color=color)}">{body}</div>',
    }


def table_html(rows: list[dict], columns: list[str] | None = None) -> str:
    """A small HTML table (the course shows tables, never raw dicts)."""
    if not rows:
        return "<p><em>no rows</em></p>"
    cols = columns or list(rows[0])
    cell = "text-align:left;padding:2px 8px;border-bottom:1px solid var(--jp-border-color2,#e0e0e0)"
    head = "".join(f"<th style='{cell}'>{html.escape(str(c))}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td style='{cell}'>{html.escape(_fmt(r.get(c)))}</td>" for c in cols) + "</tr>"
        for r in rows
    )
    return f"<table class='goenv-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v))
    return str(v)
