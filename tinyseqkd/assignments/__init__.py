"""Assignments graded by the package's own tests (for instructors and students).

Solution regions are marked in the package's source with comment markers that leave it readable
(:mod:`~tinyseqkd.assignments.markers`)::

    # --- assignment pruning: the ratio·N smallest |w| of all classes together go ---
    ...the solution...
    # --- end assignment pruning ---

:mod:`~tinyseqkd.assignments.catalog` says, for each assignment, which regions it blanks, what the student is told
and which tests grade it for how many points. Then::

    make_workspace("pruning", "hw")    # hw/: the package with the pruning regions stubbed, its tests, INSTRUCTIONS.md
    grade = check_workspace("hw")      # runs the graded tests against hw/tinyseqkd
    print(format_grade(grade))         # test, passed/failed, points, total

The stubs raise ``NotImplementedError``; every other assignment's regions keep their solutions. A workspace is
used with ``PYTHONPATH`` pointing at it (INSTRUCTIONS.md shows how), never installed over the real package.
"""

from tinyseqkd.assignments.catalog import ASSIGNMENTS, Assignment, AssignmentError, GradedTest, get_assignment
from tinyseqkd.assignments.grading import Grade, GradeRow, check_workspace, format_grade
from tinyseqkd.assignments.markers import MarkerError, Region, find_regions, parse_regions, stub_regions
from tinyseqkd.assignments.workspace import Project, catalog_status, make_workspace, status

__all__ = [
    "ASSIGNMENTS", "Assignment", "AssignmentError", "Grade", "GradeRow", "GradedTest", "MarkerError", "Project",
    "Region", "catalog_status", "check_workspace", "find_regions", "format_grade", "get_assignment",
    "make_workspace", "parse_regions", "status", "stub_regions",
]
