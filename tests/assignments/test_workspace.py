"""make and check on a toy project (a package with marked regions and the tests that grade them): the stub earns
nothing, the solution everything, and what goes wrong is reported in plain words."""

import json
import re
import os
import subprocess
import sys
import textwrap

import pytest

from tinyseqkd.assignments import (
    Assignment,
    AssignmentError,
    GradedTest,
    Project,
    check_workspace,
    format_grade,
    make_workspace,
)
from tinyseqkd.assignments import workspace
from tinyseqkd.assignments.catalog import NUMPY_KERNELS
from tinyseqkd.assignments.grading import _check_imported_from
from tinyseqkd.assignments.pytest_plugin import selects

ARITH = '''\
"""Toy arithmetic."""
import os


def double(x):
    """Twice x."""
    # --- assignment doubling: return twice x ---
    y = x + x
    return y
    # --- end assignment doubling ---


def triple(x):
    # --- assignment doubling: return three times x ---
    return 3 * x
    # --- end assignment doubling ---


def kernels():
    # --- assignment kernels: the TINYSEQKD_KERNELS setting ---
    return os.environ.get("TINYSEQKD_KERNELS", "numba")
    # --- end assignment kernels ---
'''

TESTS = '''\
import pytest

from helpers import TWO
from toypkg.arith import double, kernels, triple


def test_double():
    assert double(TWO) == 4


@pytest.mark.parametrize("x", [0, 1, 5])
def test_double_many(x):
    assert double(x) == 2 * x


def test_triple():
    assert triple(TWO) == 6


def test_kernels_are_numpy():
    assert kernels() == "numpy"


def test_not_graded():
    assert False
'''

CATALOG = {
    "doubling": Assignment("doubling", "Doubling and tripling", ("toypkg/arith.py::double", "toypkg/arith.py::triple"),
                           (GradedTest("tests/unit/test_arith.py::test_double", 2),
                            GradedTest("tests/unit/test_arith.py::test_double_many", 3),
                            GradedTest("tests/unit/test_arith.py::test_triple", 1)),
                           "Write `double` and `triple`.\n"),
    "kernels": Assignment("kernels", "The kernel setting", ("toypkg/arith.py::kernels",),
                          (GradedTest("tests/unit/test_arith.py::test_kernels_are_numpy", 4, NUMPY_KERNELS),),
                          "Read the setting.\n"),
    "unmarked": Assignment("unmarked", "Not marked yet", ("toypkg/arith.py::quadruple",),
                           (GradedTest("tests/unit/test_arith.py::test_double", 1),), "Later.\n"),
}


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    (root / "toypkg").mkdir(parents=True)
    (root / "toypkg" / "__init__.py").write_text("")
    (root / "toypkg" / "arith.py").write_text(ARITH)
    (root / "tests" / "unit").mkdir(parents=True)
    (root / "tests" / "conftest.py").write_text("")
    (root / "tests" / "unit" / "helpers.py").write_text("TWO = 2\n")
    (root / "tests" / "unit" / "test_arith.py").write_text(TESTS)
    (root / "tests" / "unit" / "test_other.py").write_text("def test_other():\n    pass\n")
    (root / "tests" / "elsewhere").mkdir()
    (root / "tests" / "elsewhere" / "helpers_elsewhere.py").write_text("")
    (root / "setup.cfg").write_text("[tool:pytest]\nmarkers =\n    toy: a toy marker\n")
    return Project(root, "toypkg")


def make(project, name, dest, **options):
    return make_workspace(name, dest, project=project, catalog=CATALOG, **options)


def run_python(dest, code):
    env = {**os.environ, "PYTHONPATH": str(dest)}
    return subprocess.run([sys.executable, "-c", code], cwd=dest, env=env, capture_output=True, text=True)


def test_the_workspace_stubs_its_assignment_and_keeps_the_rest(project, tmp_path):
    dest = make(project, "doubling", tmp_path / "hw")
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == [
        ".assignment.json", "INSTRUCTIONS.md", "pytest.ini", "tests/conftest.py", "tests/unit/helpers.py",
        "tests/unit/test_arith.py", "toypkg/__init__.py", "toypkg/arith.py"]
    ran = run_python(dest, "import toypkg.arith as a; print(a.__file__); print(a.kernels());\n"
                           "for f in (a.double, a.triple):\n"
                           "    try: f(1)\n"
                           "    except NotImplementedError as e: print(e)")
    assert ran.stdout.splitlines() == [str(dest / "toypkg" / "arith.py"), "numba",
                                       "assignment doubling: return twice x",
                                       "assignment doubling: return three times x"]
    assert "# --- assignment doubling: return twice x ---" in (dest / "toypkg/arith.py").read_text()
    assert "toy: a toy marker" in (dest / "pytest.ini").read_text()
    assert oct(dest.stat().st_mode & 0o777) == oct(0o777 & ~_umask())


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_instructions_point_at_the_stub_lines_and_list_the_points(project, tmp_path):
    dest = make(project, "doubling", tmp_path / "hw")
    text = (dest / "INSTRUCTIONS.md").read_text()
    lines = (dest / "toypkg/arith.py").read_text().splitlines()
    for function, hint in [("double", "return twice x"), ("triple", "return three times x")]:
        line = int(re.search(rf"line (\d+), in `{function}`: {hint}", text)[1])
        assert lines[line - 1].strip().startswith("raise NotImplementedError")
    assert "Write `double` and `triple`." in text and "| **total** | **6** |" in text
    assert "tinyseqkd assignment check hw" in text


def test_check_gives_the_stub_nothing_and_the_solution_everything(project, tmp_path):
    stub = check_workspace(make(project, "doubling", tmp_path / "hw"), catalog=CATALOG)
    assert [(row.test.nodeid.split("::")[1], row.cases, row.passed, row.earned) for row in stub.rows] == [
        ("test_double", 1, 0, 0), ("test_double_many", 3, 0, 0), ("test_triple", 1, 0, 0)]
    assert stub.rows[0].note == "NotImplementedError: assignment doubling: return twice x"
    assert (stub.earned, stub.total) == (0, 6)
    solution = check_workspace(make(project, "doubling", tmp_path / "sol", solution=True), catalog=CATALOG)
    assert [(row.cases, row.passed, row.earned) for row in solution.rows] == [(1, 1, 2), (3, 3, 3), (1, 1, 1)]
    assert (solution.earned, solution.total) == (6, 6)
    table = format_grade(solution)
    assert table.splitlines()[-1].split() == ["total", "6/6"]
    assert "tests/unit/test_arith.py::test_double_many  passed 3/3" in table


def test_a_partly_right_answer_earns_the_tests_it_passes(project, tmp_path):
    dest = make(project, "doubling", tmp_path / "hw")
    source = (dest / "toypkg/arith.py").read_text()
    source = source.replace('raise NotImplementedError("assignment doubling: return twice x")', "return 4")
    (dest / "toypkg/arith.py").write_text(source)
    grade = check_workspace(dest, catalog=CATALOG)
    assert [(row.passed, row.cases, row.earned) for row in grade.rows] == [(1, 1, 2), (0, 3, 0), (0, 1, 0)]
    assert grade.rows[1].note.startswith("assert 4 == (2 * 0)")
    assert "failed 0/3" in format_grade(grade)


def test_graded_tests_run_with_their_environment(project, tmp_path, monkeypatch):
    monkeypatch.delenv("TINYSEQKD_KERNELS", raising=False)
    # the solution returns the environment variable's value, "numba" when unset; the test wants "numpy"
    assert check_workspace(make(project, "kernels", tmp_path / "sol", solution=True), catalog=CATALOG).earned == 4


def test_a_missing_or_broken_test_fails_only_its_own_points(project, tmp_path):
    doubling = CATALOG["doubling"]
    catalog = {"doubling": Assignment("doubling", doubling.title, doubling.regions,
                                      doubling.tests + (GradedTest("tests/unit/test_other.py::test_other", 1),), "")}
    dest = make_workspace("doubling", tmp_path / "sol", solution=True, project=project, catalog=catalog)
    tests = dest / "tests/unit/test_arith.py"
    tests.write_text(tests.read_text().replace("def test_triple", "def test_renamed"))
    grade = check_workspace(dest, catalog=catalog)
    assert [row.earned for row in grade.rows] == [2, 3, 0, 1]
    assert grade.rows[2].note == "no such test in the workspace"
    assert grade.edited_tests == ("tests/unit/test_arith.py",)
    assert "changed after the workspace was made: tests/unit/test_arith.py" in format_grade(grade)
    tests.write_text("import no_such_module\n")
    grade = check_workspace(dest, catalog=catalog)
    assert [row.earned for row in grade.rows] == [0, 0, 0, 1]  # the other file's test still ran
    assert all("No module named 'no_such_module'" in row.note for row in grade.rows[:3])
    tests.unlink()
    assert check_workspace(dest, catalog=catalog).rows[0].note.startswith("the test file tests/unit/test_arith.py")


def test_make_refuses_a_non_empty_destination_and_takes_an_empty_one(project, tmp_path):
    (tmp_path / "hw").mkdir()
    (tmp_path / "hw" / "notes.txt").write_text("mine")
    with pytest.raises(AssignmentError, match="hw already exists and is not an empty directory"):
        make(project, "doubling", tmp_path / "hw")
    assert [p.name for p in (tmp_path / "hw").iterdir()] == ["notes.txt"]
    (tmp_path / "afile").write_text("")
    with pytest.raises(AssignmentError, match="not an empty directory"):
        make(project, "doubling", tmp_path / "afile")
    (tmp_path / "empty").mkdir()
    assert (make(project, "doubling", tmp_path / "empty") / "INSTRUCTIONS.md").is_file()


def test_a_failure_half_way_leaves_no_half_workspace(project, tmp_path, monkeypatch):
    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(workspace, "_write_pytest_ini", fail)
    with pytest.raises(OSError, match="disk full"):
        make(project, "doubling", tmp_path / "hw")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]


def test_unknown_unmarked_and_ungraded_assignments_are_plain_errors(project, tmp_path):
    with pytest.raises(AssignmentError, match="unknown assignment 'nope': choose one of doubling, kernels"):
        make(project, "nope", tmp_path / "a")
    with pytest.raises(AssignmentError, match="'unmarked' cannot be made: not marked yet"):
        make(project, "unmarked", tmp_path / "b")
    broken = {**CATALOG, "doubling": Assignment("doubling", "", CATALOG["doubling"].regions,
                                                (GradedTest("tests/unit/test_gone.py::test_x", 1),), "")}
    with pytest.raises(AssignmentError, match="graded by tests/unit/test_gone.py::test_x, but .* does not exist"):
        make_workspace("doubling", tmp_path / "c", project=project, catalog=broken)
    partial = {**CATALOG, "doubling": Assignment("doubling", "", ("toypkg/arith.py::double",), (), "")}
    with pytest.raises(AssignmentError, match=r"regions not in the catalog: toypkg/arith.py:\d+ \(triple\)"):
        make_workspace("doubling", tmp_path / "d", project=project, catalog=partial)
    with pytest.raises(AssignmentError, match="is not an assignment workspace"):
        check_workspace(tmp_path, catalog=CATALOG)
    (tmp_path / ".assignment.json").write_text(json.dumps({"assignment": "x"}))
    with pytest.raises(AssignmentError, match="not a workspace manifest"):
        check_workspace(tmp_path, catalog=CATALOG)


def test_grading_refuses_results_from_a_package_outside_the_workspace(tmp_path):
    _check_imported_from(tmp_path, "toypkg", str(tmp_path / "toypkg" / "__init__.py"))
    with pytest.raises(AssignmentError, match="imported toypkg from /elsewhere/toypkg/__init__.py, not from"):
        _check_imported_from(tmp_path, "toypkg", "/elsewhere/toypkg/__init__.py")


@pytest.mark.parametrize("prefix, nodeid, expected", [
    ("tests/a.py", "tests/a.py::test_x", True),
    ("tests/a.py::test_x", "tests/a.py::test_x[1-2]", True),
    ("tests/a.py::test_x", "tests/a.py::test_xy", False),
    ("tests/a.py::T", "tests/a.py::T::test_x", True),
    ("tests", "tests/a.py::test_x", True),
    ("tests/a", "tests/a.py::test_x", False),
])
def test_a_node_id_selects_itself_its_cases_and_what_lies_below_it(prefix, nodeid, expected):
    assert selects(prefix, nodeid) is expected


def test_instructions_show_how_to_run_tests_that_need_a_setting(project, tmp_path):
    text = (make(project, "kernels", tmp_path / "hw") / "INSTRUCTIONS.md").read_text()
    assert "TINYSEQKD_KERNELS=numpy python -m pytest -q tests/unit/test_arith.py::test_kernels_are_numpy" in text
    assert textwrap.dedent("""\
        | `tests/unit/test_arith.py::test_kernels_are_numpy` (with `TINYSEQKD_KERNELS=numpy`) | 4 |""") in text
