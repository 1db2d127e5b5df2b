"""``tinyseqkd assignment list / make / check`` through the real command line, on the pruning assignment (its graded
tests take seconds): the table of assignments, a workspace and its grade, and one error line for each mistake."""

import re

import pytest

from tinyseqkd.assignments import ASSIGNMENTS
from tinyseqkd.cli import main


def run(capsys, *arguments):
    code = main(["assignment", *map(str, arguments)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list_shows_every_assignment_with_its_points_status_and_title(capsys):
    code, out, err = run(capsys, "list", "--threads", "1")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["name", "points", "status", "title"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert list(rows) == list(ASSIGNMENTS)
    for name, assignment in ASSIGNMENTS.items():
        assert re.fullmatch(rf"{name}\s+{assignment.points}\s+ready\s+{re.escape(assignment.title)}", rows[name])


def test_make_prints_where_to_read_and_check_grades_the_stub_zero(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "make", "pruning", "hw")
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"made a workspace for assignment pruning in {tmp_path / 'hw'}",
                                f"read {'hw/INSTRUCTIONS.md'}"]
    assert "raise NotImplementedError" in (tmp_path / "hw/tinyseqkd/prune/masks.py").read_text()

    code, out, err = run(capsys, "check", "hw", "--timeout", "300")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "assignment pruning" and lines[1].split() == ["test", "result", "points"]
    graded = [line for line in lines if line.startswith("tests/")]
    assert len(graded) == len(ASSIGNMENTS["pruning"].tests)
    assert all(re.search(r"\s+failed 0/\d+\s+0/\d+$", line) for line in graded), out
    assert "NotImplementedError: assignment pruning" in out
    assert lines[-1].split() == ["total", f"0/{ASSIGNMENTS['pruning'].points}"]


def test_make_solution_keeps_the_solutions(capsys, tmp_path):
    code, out, _ = run(capsys, "make", "pruning", tmp_path / "sol", "--solution")
    assert code == 0 and out.startswith(f"made the solution of assignment pruning in {tmp_path / 'sol'}")
    assert "NotImplementedError" not in (tmp_path / "sol/tinyseqkd/prune/masks.py").read_text()


@pytest.mark.parametrize("arguments, message", [
    (["make", "nope", "{tmp}/a"], "unknown assignment 'nope': choose one of gradients, "),
    (["make", "pruning", "{tmp}/full"], "full already exists and is not an empty directory"),
    (["check", "{tmp}/full"], "is not an assignment workspace (it has no .assignment.json)"),
    (["check", "{tmp}/full", "--timeout", "0"], "--timeout must be a positive number of seconds, got 0"),
])
def test_mistakes_are_one_error_line_and_exit_status_2(arguments, message, capsys, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    code, out, err = run(capsys, *[a.format(tmp=tmp_path) for a in arguments])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("tinyseqkd: error: ") and message in err, err


@pytest.fixture
def workspace(tmp_path, capsys):
    assert run(capsys, "make", "pruning", tmp_path / "hw")[0] == 0
    return tmp_path / "hw"


def test_tests_stopped_by_the_timeout_are_one_error_line_naming_it(capsys, workspace):
    code, _, err = run(capsys, "check", workspace, "--timeout", "0.01")
    assert code == 2 and err.count("\n") == 1 and "ran longer than 0.01 s and were stopped" in err, err


def test_tests_that_pytest_cannot_run_are_one_error_line_with_pytest_s_complaint(capsys, workspace):
    (workspace / "pytest.ini").write_text("[pytest]\nminversion = 999\n")
    code, _, err = run(capsys, "check", workspace)
    assert code == 2 and err.count("\n") == 1, err
    assert re.search(r"pytest could not run the tests of .*hw \(exit status \d, usage error\): ERROR: .*999", err)


def test_assignment_alone_prints_its_help(capsys):
    code, out, _ = run(capsys)
    assert code == 0 and out.startswith("usage: tinyseqkd assignment")
    assert re.findall(r"^    (\w+) ", out, re.MULTILINE) == ["list", "make", "check"]
