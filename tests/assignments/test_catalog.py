"""The real catalog against the real package: every marked region belongs to an assignment, and for every marked
assignment the stub earns no point while the solution earns them all — no assignment can be passed by the stub,
and none is impossible."""

import os
import re
import subprocess
import sys

import pytest

from tinyseqkd.assignments import (
    ASSIGNMENTS,
    Project,
    catalog_status,
    check_workspace,
    find_regions,
    format_grade,
    make_workspace,
    status,
)

PROJECT = Project.of_this_package()

# Assignments whose end-to-end check (the last test) is too slow for every run: their graded tests call a numba
# kernel beside the student's twin, which each fresh workspace compiles again (~20 s per assignment, stub and
# solution together, on 2 cores). `pytest -m slow` runs them; the quick check below covers them in every run.
SLOW = {"lstm-backward", "attention", "beam-step"}


def ready():
    regions = find_regions(PROJECT.package_dir)
    return [a for a in ASSIGNMENTS.values() if status(a, regions) == "ready"]


def test_every_marked_region_belongs_to_an_assignment_that_is_wholly_marked_or_not_at_all():
    statuses, unknown = catalog_status(PROJECT)
    assert [f"{r.path}:{r.start} names {r.name!r}" for r in unknown] == []
    assert {a.name: s for a, s in statuses if s not in ("ready", "not marked yet")} == {}
    assert "pruning" in {a.name for a in ready()}


def test_the_catalog_is_well_formed():
    for name, assignment in ASSIGNMENTS.items():
        assert name == assignment.name and re.fullmatch(r"[a-z0-9][a-z0-9-]*", name)
        assert assignment.title and assignment.instructions.strip() and assignment.points > 0
        assert all(re.fullmatch(r"tinyseqkd/[\w/]+\.py::[\w.]+", region) for region in assignment.regions)
        assert len(set(assignment.regions)) == len(assignment.regions)
        for test in assignment.tests:
            assert test.points > 0 and test.nodeid.startswith("tests/") and test.file.endswith(".py")
        assert len({t.nodeid for t in assignment.tests}) == len(assignment.tests)


def test_every_graded_test_of_a_marked_assignment_exists():
    """The quick check for the assignments in SLOW: a graded node id that selects no test would make the
    assignment impossible."""
    tests = [test for assignment in ready() if assignment.name in SLOW for test in assignment.tests]
    if not tests:
        pytest.skip("every marked assignment runs end to end below, which shows its graded tests exist")
    files = sorted({test.file for test in tests})
    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                                "-o", "addopts=", *files], cwd=PROJECT.root, capture_output=True, text=True)
    nodeids = [line for line in collected.stdout.splitlines() if "::" in line]
    missing = [t.nodeid for t in tests if not any(n == t.nodeid or n.startswith((t.nodeid + "[", t.nodeid + "::"))
                                                   for n in nodeids)]
    assert missing == [], collected.stdout[-2000:]


@pytest.mark.parametrize("name", [pytest.param(name, marks=[pytest.mark.slow] if name in SLOW else [])
                                  for name in ASSIGNMENTS])
def test_the_stub_fails_every_graded_test_and_the_solution_passes_them_all(name, tmp_path):
    assignment = ASSIGNMENTS[name]
    state = status(assignment, find_regions(PROJECT.package_dir))
    if state == "not marked yet":
        pytest.skip(f"the regions of {name!r} are not marked in the package yet")
    stub = check_workspace(make_workspace(name, tmp_path / "stub"))
    assert [(row.test.nodeid, row.cases, row.passed) for row in stub.rows if row.cases == 0 or row.passed] == []
    assert all("NotImplementedError" in row.note for row in stub.rows), format_grade(stub)
    solution = check_workspace(make_workspace(name, tmp_path / "solution", solution=True))
    assert solution.earned == solution.total, format_grade(solution)


def test_make_refuses_to_run_from_a_workspace_whose_regions_are_stubs(tmp_path):
    dest = make_workspace("pruning", tmp_path / "hw")
    code = "from tinyseqkd.assignments import make_workspace; make_workspace('pruning', 'again')"
    ran = subprocess.run([sys.executable, "-c", code], cwd=dest, env={**os.environ, "PYTHONPATH": str(dest)},
                         capture_output=True, text=True)
    assert "AssignmentError: tinyseqkd runs from the workspace" in ran.stderr
    assert not (dest / "again").exists()
