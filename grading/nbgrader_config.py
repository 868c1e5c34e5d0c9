"""nbgrader configuration of the course "go-platform".

Run nbgrader from this directory (``cd grading && nbgrader generate_assignment lab01``); the
paths below are computed from this file's location, so any working copy works. The course root
is the repository root:

    grading/source/labNN/labNN.ipynb   source assignments: solutions and hidden tests (instructors only)
    labs/labNN/labNN.ipynb             the released labs, generated from the sources, never edited
    grading/{submitted,autograded,feedback}/   per-student work (git-ignored)
    grading/gradebook.db               the gradebook (git-ignored)
"""

import glob
import os
import shutil

from nbgrader.converters import Autograde, GenerateFeedback
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ComputeChecksums,
    Execute,
    IncludeHeaderFooter,
    InstantiateTests,
    LockCells,
    SaveCells,
)

from goenv.grading.jail import JailedExecute
from goenv.grading.preprocessors import ClearGoSolutions, go_files_with_solutions, stub_go_files
from goenv.toolchain import cache_root

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

GRADING = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(GRADING)

c.CourseDirectory.course_id = "go-platform"
c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "grading/source"
RELEASE = "labs"
c.CourseDirectory.release_directory = RELEASE
c.CourseDirectory.submitted_directory = "grading/submitted"
c.CourseDirectory.autograded_directory = "grading/autograded"
c.CourseDirectory.feedback_directory = "grading/feedback"
c.CourseDirectory.solution_directory = "grading/solution"
# timeout: SQLite waits up to 60 s for a lock instead of failing at once, so parallel graders
# (python -m goenv.grading autograde) can share the gradebook.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(GRADING, "gradebook.db") + "?timeout=60"

# generate_assignment: nbgrader 0.9's own pipeline with ClearSolutions replaced by the Go-aware
# ClearGoSolutions (Python cells keep nbgrader's behaviour). Order constraints:
# * ClearGoSolutions comes where ClearSolutions was: after InstantiateTests and LockCells, and
#   BEFORE ClearOutput, CheckCellMetadata, ComputeChecksums and SaveCells. The checksum of a
#   solution cell must be computed on the *stubbed* source, or an untouched release would not
#   be recognised at autograde (determine_grade gives 0 when the checksum is unchanged), and
#   SaveCells must store the stubbed source in the gradebook.
# * ClearHiddenTests comes after ComputeChecksums and SaveCells (the gradebook keeps the hidden
#   tests and restores them at autograde), and ComputeChecksums runs again after it.
c.GenerateAssignment.preprocessors = [
    IncludeHeaderFooter,
    InstantiateTests,
    LockCells,
    ClearGoSolutions,
    ClearOutput,
    CheckCellMetadata,
    ComputeChecksums,
    SaveCells,
    ClearHiddenTests,
    ClearMarkScheme,
    ComputeChecksums,
    CheckCellMetadata,
]
# Build every stubbed %%go cell at generate time: a release whose stub does not compile is refused.
c.ClearGoSolutions.check_compiles = True


# Go files a lab ships next to its notebook (grading/source/labNN/*.go, any depth) may hold
# `// BEGIN SOLUTION` regions too. nbgrader copies such files verbatim, so the release's copies
# get their regions stubbed after generate_assignment, and at autograde the learner's versions
# are kept instead of being replaced by the source's (which hold the solutions).
def _stub_released_go_files(assignment, student, notebooks):
    # `assignment` may be a pattern (`nbgrader generate_assignment "*"`).
    for release in sorted(glob.glob(os.path.join(ROOT, RELEASE, assignment))):
        try:
            stub_go_files(release)
        except Exception as e:  # nbgrader would only log it, and the solutions would stay in the release
            shutil.rmtree(release, ignore_errors=True)
            raise SystemExit(f"generate_assignment: {release} removed, its Go files: {e}")


c.GenerateAssignment.post_convert_hook = _stub_released_go_files
SOURCE = os.path.join(GRADING, "source")
c.Autograde.exclude_overwriting = {
    lab: go_files_with_solutions(os.path.join(SOURCE, lab))
    for lab in sorted(os.listdir(SOURCE)) if os.path.isdir(os.path.join(SOURCE, lab))
}

# Autograde executes whole notebooks; a cold Go build cache makes the first build for a new
# target take tens of seconds (`python -m goenv prewarm` on the grading machine avoids that).
c.Execute.timeout = 180

# autograde: submission code runs in a kernel that sees the course directory and HOME read-only
# (a private mount namespace; see goenv/grading/jail.py): it cannot delete the gradebook, other
# students' work or the grader's files. Go's build cache stays writable so builds stay fast.
# nbgrader's own autograde pipeline, with Execute replaced by JailedExecute.
c.Autograde.autograde_preprocessors = [
    JailedExecute if p is Execute else p
    for p in Autograde().autograde_preprocessors
]
c.JailedKernelManager.read_only = [ROOT, os.path.expanduser("~")]
c.JailedKernelManager.writable = [str(cache_root())]

# generate_feedback: the autograded notebooks hold the hidden tests again (autograde restores
# them to run them); feedback shows their results (the checks' messages) but not their source.
c.GenerateFeedback.preprocessors = [
    q for p in GenerateFeedback().preprocessors
    for q in ([p, ClearHiddenTests] if p.__name__ == "GetGrades" else [p])
]
