"""nbgrader preprocessors for Go labs.

:class:`ClearGoSolutions` replaces nbgrader's ``ClearSolutions`` in ``generate_assignment``. In a
code cell whose source starts with ``%%go`` a solution region::

    func describe() string {
        // BEGIN SOLUTION
        return runtime.GOOS + "/" + runtime.GOARCH
        // END SOLUTION
    }

becomes, at the indentation of the ``BEGIN`` line::

    func describe() string {
        // YOUR CODE HERE
        panic("not implemented yet: replace this line with your solution")
    }

so the released cell still compiles, and running it tells the learner which task is not done
(a panic names the function it is in). ``### BEGIN SOLUTION`` / ``### END SOLUTION`` are accepted
in ``%%go`` cells too. A ``%%go`` solution cell *without* a region is replaced by its magic line
and a minimal program that panics the same way. Every other cell (Python code, markdown) gets
nbgrader's own behaviour. Nested or unterminated regions raise ``RuntimeError`` as in nbgrader.

A region must sit inside a function body (a ``panic`` call is not valid at top level) and the
code outside the regions must use every import and variable it declares, or the stub will not
compile; ``check_compiles = True`` (on by default) builds every stubbed ``%%go`` cell with the
real toolchain and refuses to release a lab whose stub does not compile.
"""

from __future__ import annotations

import re

from nbgrader import utils
from nbgrader.preprocessors import ClearSolutions
from traitlets import Bool, Unicode

#: What a stubbed Go region panics with.
GO_PANIC_MESSAGE = "not implemented yet: replace this line with your solution"
GO_STUB = f'// YOUR CODE HERE\npanic("{GO_PANIC_MESSAGE}")'

_GO_BEGIN = re.compile(r"^\s*(//|###)\s*BEGIN SOLUTION\s*$")
_GO_END = re.compile(r"^\s*(//|###)\s*END SOLUTION\s*$")


def is_go_cell(cell) -> bool:
    """A code cell run by the ``%%go`` magic (its first non-blank line starts with ``%%go``)."""
    if cell.cell_type != "code":
        return False
    first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
    return first.lstrip().startswith("%%go") and (len(first.strip()) == 4 or first.strip()[4].isspace())


def replace_go_regions(source: str, stub: str = GO_STUB) -> tuple[str, bool]:
    """Replace every Go solution region of a ``%%go`` cell's source with ``stub``, indented.

    Returns the new source and whether a region was found.

    Raises:
        RuntimeError: nested BEGIN, END without BEGIN, or BEGIN without END (as nbgrader does).
    """
    out: list[str] = []
    in_solution = False
    replaced = False
    for lineno, line in enumerate(source.split("\n"), 1):
        if _GO_BEGIN.match(line):
            if in_solution:
                raise RuntimeError(f"encountered nested begin solution statements (line {lineno})")
            in_solution = replaced = True
            indent = re.match(r"\s*", line).group(0)
            out.extend(indent + s for s in stub.split("\n"))
        elif _GO_END.match(line):
            if not in_solution:
                raise RuntimeError(f"end solution statement without a begin (line {lineno})")
            in_solution = False
        elif "BEGIN SOLUTION" in line or "END SOLUTION" in line:
            raise RuntimeError(f"line {lineno}: a solution delimiter must be a line of its own, "
                               f"'// BEGIN SOLUTION' or '// END SOLUTION': {line.strip()!r}")
        elif not in_solution:
            out.append(line)
    if in_solution:
        raise RuntimeError("no end solution statement found")
    return "\n".join(out), replaced


def whole_cell_stub(source: str, stub: str = GO_STUB) -> str:
    """The stub for a ``%%go`` solution cell that has no region: its magic line and a panicking main."""
    lines = source.split("\n")
    i = next(i for i, ln in enumerate(lines) if ln.strip())
    body = "\n".join("\t" + s for s in stub.split("\n"))
    return "\n".join(lines[: i + 1]) + f"\npackage main\n\nfunc main() {{\n{body}\n}}"


def go_program_text(source: str) -> str:
    """The Go program of a ``%%go`` cell: everything after the magic line."""
    lines = source.split("\n")
    i = next(i for i, ln in enumerate(lines) if ln.strip())
    return "\n".join(lines[i + 1:])


class ClearGoSolutions(ClearSolutions):
    """nbgrader's ClearSolutions, with Go stubs for ``%%go`` cells (see the module docstring)."""

    go_stub = Unicode(GO_STUB, help="The Go code that replaces a solution region in a %%go cell").tag(config=True)

    check_compiles = Bool(
        True,
        help="Build every stubbed %%go cell with the Go toolchain and fail when it does not compile.",
    ).tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        if not is_go_cell(cell):
            return super().preprocess_cell(cell, resources, cell_index)
        original = cell.source
        try:
            cell.source, replaced = replace_go_regions(cell.source, self.go_stub)
        except RuntimeError:
            self.log.error("Bad Go solution region in cell %d. Cell contents are:\n%s", cell_index, original)
            raise
        is_solution = utils.is_solution(cell)
        if replaced and not is_solution and self.enforce_metadata:
            self.log.error("Solution region detected in a non-solution cell; cell contents are:\n%s", original)
            raise RuntimeError("Solution region detected in a non-solution cell; please make sure "
                               "all solution regions are within solution cells.")
        if is_solution and not replaced:
            cell.source = whole_cell_stub(cell.source, self.go_stub)
        if (replaced or is_solution) and self.check_compiles:
            self._check_compiles(cell, cell_index)
        return cell, resources

    def _check_compiles(self, cell, cell_index: int) -> None:
        from ..build import build
        from ..workspace import Program

        text = go_program_text(cell.source)
        prog = Program.coerce(text) if text.lstrip().startswith("-- ") else Program.from_source(text)
        result = build(prog)
        if not result.ok:
            raise RuntimeError(
                f"the released %%go cell {cell_index} does not compile once its solution is stubbed out "
                f"(keep regions inside function bodies, and use every import outside them):\n"
                f"{result.output}\n--- stubbed cell ---\n{cell.source}")


# -- Go files a lab ships ------------------------------------------------------------------------
# nbgrader copies an assignment's other files to the release as they are, solutions included, and
# at autograde copies the source's versions over the learner's. For .go files with solution regions
# the course therefore (1) stubs the regions in the release with a post-convert hook and (2) keeps
# the learner's versions at autograde (Autograde.exclude_overwriting). grading/nbgrader_config.py
# wires both up with the two functions below.


def go_files_with_solutions(assignment_dir) -> list[str]:
    """Paths (relative, POSIX) of the ``.go`` files under ``assignment_dir`` that hold a solution region."""
    from pathlib import Path

    root = Path(assignment_dir)
    found = []
    for path in sorted(root.rglob("*.go")):
        if any(_GO_BEGIN.match(line) for line in path.read_text().splitlines()):
            found.append(path.relative_to(root).as_posix())
    return found


def stub_go_files(release_dir, *, stub: str = GO_STUB, check_compiles: bool = True) -> list[str]:
    """Replace the solution regions of every ``.go`` file under ``release_dir`` with ``stub``, in place.

    With ``check_compiles``, each directory that had a stubbed file is built as a Go program (when
    it is a main package with its own go.mod, or a package main without one) and a stub that does not
    compile raises ``RuntimeError``. Returns the stubbed files (relative paths).

    Raises:
        RuntimeError: a bad region (nested, unterminated) or a stub that does not compile.
    """
    from pathlib import Path

    root = Path(release_dir)
    stubbed = go_files_with_solutions(root)
    for rel in stubbed:
        path = root / rel
        try:
            text, _ = replace_go_regions(path.read_text(), stub)
        except RuntimeError as e:
            raise RuntimeError(f"{rel}: {e}") from e
        path.write_text(text)
    if check_compiles:
        from ..build import build
        from ..workspace import Program

        for d in sorted({(root / rel).parent for rel in stubbed}):
            result = build(Program.coerce(d))
            if not result.ok:
                raise RuntimeError(f"{d.relative_to(root)} does not compile once its solutions are stubbed out:\n"
                                   f"{result.output}")
    return stubbed
