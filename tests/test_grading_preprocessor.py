"""ClearGoSolutions: Go solution regions in %%go cells become a compiling, panicking stub.

Modelled on nbgrader's tests/preprocessors/test_clearsolutions.py.
"""

from __future__ import annotations

from textwrap import dedent

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from goenv.grading.preprocessors import GO_PANIC_MESSAGE, ClearGoSolutions, is_go_cell, replace_go_regions

GO_CELL = dedent("""\
    %%go --name board --goarch arm64
    package main

    import "fmt"

    func answer() int {
    \t// BEGIN SOLUTION
    \treturn 42
    \t// END SOLUTION
    }

    func main() {
    \tfmt.Println(answer())
    }""")


def _cell(source, *, solution=True, grade=False, cell_type="code", gid="c1"):
    cell = new_code_cell(source) if cell_type == "code" else new_markdown_cell(source)
    cell.metadata["nbgrader"] = dict(solution=solution, grade=grade, locked=False, grade_id=gid,
                                     schema_version=3, task=False, **({"points": 1} if grade else {}))
    return cell


@pytest.fixture
def preprocessor():
    return ClearGoSolutions(check_compiles=False)


def _run(pp, *cells):
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    return pp.preprocess(nb, {})[0]


def test_go_region_becomes_indented_panicking_stub(preprocessor):
    nb = _run(preprocessor, _cell(GO_CELL))
    src = nb.cells[0].source
    assert src.splitlines()[0] == "%%go --name board --goarch arm64"
    assert "return 42" not in src and "BEGIN SOLUTION" not in src and "END SOLUTION" not in src
    assert f'\t// YOUR CODE HERE\n\tpanic("{GO_PANIC_MESSAGE}")\n}}' in src
    assert "raise NotImplementedError" not in src


def test_hash_delimiters_accepted_in_go_cells(preprocessor):
    src = GO_CELL.replace("// BEGIN SOLUTION", "### BEGIN SOLUTION").replace("// END SOLUTION", "### END SOLUTION")
    out = _run(preprocessor, _cell(src)).cells[0].source
    assert "return 42" not in out and "panic(" in out and "###" not in out


def test_indentation_of_the_begin_line_is_kept():
    src = "%%go\npackage main\nfunc main() {\n\tif true {\n\t\t// BEGIN SOLUTION\n\t\tprintln(1)\n\t\t// END SOLUTION\n\t}\n}"
    out, replaced = replace_go_regions(src)
    assert replaced
    assert "\t\t// YOUR CODE HERE\n\t\tpanic(" in out


def test_several_regions_in_one_cell():
    src = "%%go\n// BEGIN SOLUTION\na\n// END SOLUTION\nb\n    // BEGIN SOLUTION\nc\n    // END SOLUTION"
    out, _ = replace_go_regions(src)
    assert out.count("panic(") == 2 and "\nb\n" in out and "a" not in out.split("\n")[1]


def test_no_region_is_reported():
    out, replaced = replace_go_regions("%%go\npackage main\nfunc main() {}")
    assert not replaced and out == "%%go\npackage main\nfunc main() {}"


@pytest.mark.parametrize("body", [
    "// BEGIN SOLUTION\nx\n",                                        # no end
    "// BEGIN SOLUTION\n// BEGIN SOLUTION\nx\n// END SOLUTION\n",     # nested
    "x\n// END SOLUTION\n",                                          # end without begin
    "x := 1 // BEGIN SOLUTION\n// END SOLUTION\n",                   # delimiter not on its own line
])
def test_bad_regions_are_errors(preprocessor, body):
    with pytest.raises(RuntimeError):
        _run(preprocessor, _cell("%%go\npackage main\n" + body))


def test_region_in_non_solution_go_cell_is_an_error(preprocessor):
    with pytest.raises(RuntimeError, match="non-solution cell"):
        _run(preprocessor, _cell(GO_CELL, solution=False))


def test_go_solution_cell_without_region_keeps_magic_line(preprocessor):
    out = _run(preprocessor, _cell("%%go --name t --cgo 0\npackage main\nfunc main() { println(1) }")).cells[0].source
    assert out.startswith("%%go --name t --cgo 0\npackage main\n")
    assert "println(1)" not in out and GO_PANIC_MESSAGE in out


def test_python_and_markdown_cells_keep_nbgrader_behaviour(preprocessor):
    py = _cell("x = 1\n### BEGIN SOLUTION\nx = 2\n### END SOLUTION")
    text = _cell("Answer:\n### BEGIN SOLUTION\nforty-two\n### END SOLUTION", cell_type="markdown", gid="c2")
    whole = _cell("y = 3", gid="c3")
    nb = _run(preprocessor, py, text, whole)
    assert nb.cells[0].source == "x = 1\n# YOUR CODE HERE\nraise NotImplementedError()"
    assert nb.cells[1].source == "Answer:\nYOUR ANSWER HERE"
    assert nb.cells[2].source == "# YOUR CODE HERE\nraise NotImplementedError()"


def test_is_go_cell():
    assert is_go_cell(new_code_cell("%%go --name x\npackage main"))
    assert is_go_cell(new_code_cell("\n%%go\npackage main"))
    assert not is_go_cell(new_code_cell("%%gopher\n"))
    assert not is_go_cell(new_code_cell("x = '%%go'"))
    assert not is_go_cell(new_markdown_cell("%%go"))


def test_stub_compiles_and_panics_with_the_message():
    """The released cell builds with the real toolchain, and running it says the task is not done."""
    import goenv

    out = _run(ClearGoSolutions(check_compiles=True), _cell(GO_CELL.replace("--goarch arm64", ""))).cells[0].source
    r = goenv.run(out.split("\n", 1)[1])
    assert r.build.ok and not r.ok
    assert f"panic: {GO_PANIC_MESSAGE}" in r.stderr and "main.answer" in r.stderr


def test_stub_that_does_not_compile_is_refused():
    """An import used only inside the region would be unused after stubbing: generate refuses it."""
    src = "%%go\npackage main\nimport \"os\"\nfunc main() {\n\t// BEGIN SOLUTION\n\tos.Exit(0)\n\t// END SOLUTION\n}"
    with pytest.raises(RuntimeError, match="does not compile"):
        _run(ClearGoSolutions(check_compiles=True), _cell(src))


def test_source_lab_notebooks_release_cleanly():
    """Every %%go solution cell of every source lab stubs into a program that compiles."""
    from pathlib import Path

    sources = sorted((Path(__file__).parents[1] / "grading" / "source").glob("*/*.ipynb"))
    assert sources
    for path in sources:
        nb = nbformat.read(path, as_version=4)
        ClearGoSolutions(check_compiles=True).preprocess(nb, {})
