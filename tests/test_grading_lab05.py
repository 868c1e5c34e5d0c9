"""Lab 05 through the real nbgrader commands, in a throwaway course (temp dir, HOME redirected).

One module-scoped course (tests/labkit.py): generate_assignment (compared with the committed labs/),
then one parallel autograde (nbgrader, tests/labkit.py) over five submissions: the reference
solution, the untouched release and three realistic wrong submissions, each with its expected score
per graded cell.
"""

from __future__ import annotations


from labkit import cell_by_id, edit, lab_module

LAB = "lab05"

# grade_id -> points of a fully correct submission
FULL = {"task1_tests": 2, "task1_hidden": 1, "task2_tests": 2, "task2_hidden": 1,
        "task3_tests": 1, "task3_hidden": 1, "task4_tests": 1, "task4_hidden": 1}

FALLBACK = "//go:build !linux && !darwin && !windows"


def _wrong_not_linux(nb):
    """Fallback for "not Linux" (so Windows and macOS get two ConfigDir), and a pro file that relies
    on its name: `_pro.go` is not a constraint, so every build is the pro edition."""
    edit(nb, "task1_program", FALLBACK, "//go:build !linux")
    edit(nb, "task3_program", "-- pro.go --\n//go:build pro\n\npackage main", "-- edition_pro.go --\npackage main")


def _wrong_seed_syntax(nb):
    """The seed's `linux/arm64`, a fallback that lists the BSDs it thought of, and // +build lines
    joined with OR."""
    edit(nb, "task2_program", "//go:build linux && arm64", "//go:build linux/arm64")
    edit(nb, "task1_program", FALLBACK, "//go:build freebsd || openbsd || netbsd || dragonfly")
    edit(nb, "task4_program", "&constraint.AndExpr{", "&constraint.OrExpr{")


_MANUAL_MODERNIZE = '''	var terms []string
	for _, line := range plusBuild {
		fields := strings.Fields(strings.TrimPrefix(line, "// +build"))
		terms = append(terms, "("+strings.Join(fields, " || ")+")")
	}
	return "//go:build " + strings.Join(terms, " && "), nil
'''


def _wrong_details(nb):
    """Right on the visible tests, wrong in the details: a fallback for Unix only, a pairwise sum that
    drops the last of an odd count, JSON written by hand (no escaping), and // +build lines translated
    by hand without commas (AND)."""
    edit(nb, "task1_program", FALLBACK, "//go:build unix && !linux && !darwin")
    edit(nb, "task2_program", "\tif i < len(xs) {\n\t\ta += xs[i]\n\t}\n", "")
    edit(nb, "task3_program", 'import "encoding/json"', 'import "strings"')
    edit(nb, "task3_program",
         "\t\tb, err := json.Marshal(rows)\n\t\tif err != nil {\n\t\t\tpanic(err) // a []string always marshals\n"
         "\t\t}\n\t\treturn string(b)\n",
         '\t\treturn `["` + strings.Join(rows, `","`) + `"]`\n')
    cell = cell_by_id(nb, "task4_program")
    start = cell.source.index("\t// BEGIN SOLUTION\n") + len("\t// BEGIN SOLUTION\n")
    end = cell.source.index("\t// END SOLUTION\n")
    cell.source = cell.source[:start] + _MANUAL_MODERNIZE + cell.source[end:]


EXPECTED = {
    "reference": FULL,
    "untouched": {k: 0 for k in FULL},
    "wrong_not_linux": {**FULL, "task1_tests": 0, "task1_hidden": 0, "task3_tests": 0, "task3_hidden": 0},
    "wrong_seed_syntax": {**FULL, "task1_hidden": 0, "task2_tests": 0, "task2_hidden": 0,
                          "task4_tests": 0, "task4_hidden": 0},
    "wrong_details": {**FULL, "task1_hidden": 0, "task2_hidden": 0, "task3_hidden": 0, "task4_hidden": 0},
}


# The fixture `course` and the tests every lab has (tests/labkit.py).
globals().update(lab_module(
    LAB, full=FULL, expected=EXPECTED,
    wrong={
        "wrong_not_linux": _wrong_not_linux, "wrong_seed_syntax": _wrong_seed_syntax,
        "wrong_details": _wrong_details
    },
    totals={"reference": 10, "untouched": 0, "wrong_not_linux": 5, "wrong_seed_syntax": 4, "wrong_details": 6},
    secrets=(FALLBACK, "pairwise", "json.Marshal", "AndExpr", "plan9/amd64", "/srv/config", "O'Brien", "go1.18")))


def test_release_keeps_the_given_files(course):
    """Only the learner's files are cut: the given ones stay, and a placeholder marks where to write."""
    release = course.release(LAB)
    t1 = cell_by_id(release, "task1_program").source
    assert "-- paths/paths_linux.go --" in t1 and "-- paths/paths.go --" in t1
    assert "-- paths/paths_darwin.go --" not in t1 and "-- paths/paths_windows.go --" not in t1
    for grade_id in ("task1_program", "task2_program", "task3_program"):
        placeholder = cell_by_id(release, grade_id).source.split("\n-- TODO.txt --\n")[1]
        assert "// YOUR CODE HERE" in placeholder and "\n-- " not in placeholder, grade_id


def test_failures_say_what_went_wrong(course):
    """The learner's feedback names the cause, in the go command's terms."""
    ename, shown = course.error_text(LAB, "untouched", "task1_tests")
    assert ename == "CheckFailed" and "does not compile paths_darwin.go" in shown
    ename, shown = course.error_text(LAB, "untouched", "task4_tests")
    assert ename == "CheckFailed" and "not finished yet" in shown
    ename, shown = course.error_text(LAB, "wrong_not_linux", "task1_tests")
    assert ename == "CheckFailed" and "fallback paths_other.go next to paths_darwin.go" in shown
    ename, shown = course.error_text(LAB, "wrong_not_linux", "task3_tests")
    assert "`-tags pro` changes nothing" in shown and "edition_pro.go" in shown
    ename, shown = course.error_text(LAB, "wrong_seed_syntax", "task2_tests")
    assert "invalid syntax at /" in shown and "linux && arm64" in shown
    ename, shown = course.error_text(LAB, "wrong_seed_syntax", "task4_tests")
    assert "does not mean the same as gofmt's" in shown


def test_feedback_outputs_hide_test_source(course):
    """Failing hidden tests show the checks' message in the autograded notebook, not their source."""
    ename, shown = course.error_text(LAB, "wrong_details", "task1_hidden")
    assert ename == "CheckFailed"
    assert "for plan9/amd64 the package compiles only paths.go" in shown
    assert "checks." not in shown and "HIDDEN" not in shown and "fallback_targets" not in shown
    ename, shown = course.error_text(LAB, "wrong_details", "task4_hidden")
    assert ename == "CheckFailed" and "is not a valid //go:build line" in shown
