"""Grade a workspace: run its assignment's tests against the workspace's own code and add up the points.

The tests run in a separate ``python -m pytest`` with the workspace first on ``PYTHONPATH`` (so ``import
tinyseqkd`` finds the student's copy — checked afterwards, not assumed), without pytest's cache
(``-p no:cacheprovider``: a workspace stays as it was made), and with the grading plugin
(:mod:`~tinyseqkd.assignments.pytest_plugin`), which reports every test case by its node id. Tests that need a
setting (``TINYSEQKD_KERNELS=numpy``) run in their own pytest with it. A graded test earns its points when it
selects at least one case and every case passes; a test file that fails to import fails its tests, not the run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tinyseqkd.assignments.catalog import AssignmentError, GradedTest, get_assignment
from tinyseqkd.assignments.pytest_plugin import selects
from tinyseqkd.assignments.workspace import file_sha256, read_manifest

PLUGIN_SOURCE = Path(__file__).with_name("pytest_plugin.py")  # copied for the pytest run, as this module:
PLUGIN_MODULE = "tinyseqkd_grading_plugin"
USAGE_ERRORS = {3: "internal error", 4: "usage error"}


@dataclass(frozen=True)
class GradeRow:
    """One graded test: how many cases it selected, how many passed, and why the first failing one failed."""

    test: GradedTest
    cases: int
    passed: int
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.cases > 0 and self.passed == self.cases

    @property
    def earned(self) -> int:
        return self.test.points if self.ok else 0


@dataclass(frozen=True)
class Grade:
    assignment: str
    rows: tuple[GradeRow, ...]
    edited_tests: tuple[str, ...] = ()  # test files that differ from the ones the workspace was made with

    @property
    def earned(self) -> int:
        return sum(row.earned for row in self.rows)

    @property
    def total(self) -> int:
        return sum(row.test.points for row in self.rows)


def check_workspace(dest, *, catalog=None, timeout: float = 900.0) -> Grade:
    """Run the graded tests of the workspace ``dest`` (made by ``make_workspace``) and return its grade."""
    dest = Path(dest).absolute()
    manifest = read_manifest(dest)
    assignment = get_assignment(manifest["assignment"], catalog)
    rows = {}
    for environment in dict.fromkeys(test.environment for test in assignment.tests):
        group = [test for test in assignment.tests if test.environment == environment]
        report = run_tests(dest, manifest["package"], group, dict(environment), timeout)
        for test in group:
            rows[test] = grade_row(test, report, dest)
    edited = tuple(path for path, digest in manifest["tests"].items()
                   if not (dest / path).is_file() or file_sha256(dest / path) != digest)
    return Grade(assignment.name, tuple(rows[test] for test in assignment.tests), edited)


def grade_row(test: GradedTest, report: dict, dest: Path) -> GradeRow:
    cases = {nodeid: r for nodeid, r in report["results"].items() if selects(test.nodeid, nodeid)}
    passed = sum(r["outcome"] == "passed" for r in cases.values())
    failures = [r["message"] if r["outcome"] == "failed" else f"{r['outcome']}: {r['message']}"
                for r in cases.values() if r["outcome"] != "passed"]
    if cases:
        return GradeRow(test, len(cases), passed, failures[0] if failures else "")
    if not (dest / test.file).is_file():
        return GradeRow(test, 0, 0, f"the test file {test.file} is missing from the workspace")
    errors = [e["message"] for e in report["collect_errors"] if e["nodeid"] in (test.file, "")]
    return GradeRow(test, 0, 0, f"collection failed: {errors[0]}" if errors else "no such test in the workspace")


def run_tests(dest: Path, package: str, tests: list[GradedTest], environment: dict[str, str],
              timeout: float) -> dict:
    """Run ``tests`` in a pytest subprocess inside ``dest``; the plugin's report (results by node id)."""
    files = sorted({test.file for test in tests if (dest / test.file).is_file()})
    if not files:
        return {"results": {}, "collect_errors": []}
    with tempfile.TemporaryDirectory(prefix="tinyseqkd-grading-") as scratch:
        scratch = Path(scratch)
        shutil.copyfile(PLUGIN_SOURCE, scratch / f"{PLUGIN_MODULE}.py")
        (scratch / "select.json").write_text(json.dumps([test.nodeid for test in tests]), encoding="utf-8")
        command = [sys.executable, "-m", "pytest", *files, "-q", "--no-header", "-p", "no:cacheprovider",
                   "-p", PLUGIN_MODULE, "-o", "addopts=", f"--rootdir={dest}", "--continue-on-collection-errors",
                   "--grading-select", str(scratch / "select.json"), "--grading-report", str(scratch / "report.json"),
                   "--grading-package", package]
        if (dest / "pytest.ini").is_file():
            command += ["-c", str(dest / "pytest.ini")]
        inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        env = {key: value for key, value in os.environ.items() if key != "PYTEST_ADDOPTS"}  # the same run for all
        env.update(environment, PYTHONPATH=os.pathsep.join([str(dest), str(scratch), *inherited]))
        try:
            finished = subprocess.run(command, cwd=dest, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssignmentError(f"the tests of {dest} ran longer than {timeout:g} s and were stopped (a loop "
                                  "that never ends?); run them yourself as INSTRUCTIONS.md shows") from None
        report_path = scratch / "report.json"
        if finished.returncode in USAGE_ERRORS or not report_path.is_file():
            raise AssignmentError(f"pytest could not run the tests of {dest} (exit status {finished.returncode}"
                                  f", {USAGE_ERRORS.get(finished.returncode, 'no report')}): "
                                  f"{_last_words(finished.stdout + finished.stderr)}; run them yourself as "
                                  "INSTRUCTIONS.md shows to see pytest's whole message")
        report = json.loads(report_path.read_text(encoding="utf-8"))
    _check_imported_from(dest, package, report.get("package_file"))
    return report


def _last_words(output: str) -> str:
    """pytest's own complaint, on one line: its last line that says ERROR, else its last line."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    return (errors or lines or ["no output"])[-1]


def _check_imported_from(dest: Path, package: str, package_file: str | None) -> None:
    """The tests must have imported the workspace's package, not an installed one."""
    if package_file is not None and not Path(package_file).resolve().is_relative_to(dest.resolve()):
        raise AssignmentError(f"the tests imported {package} from {package_file}, not from the workspace {dest}; "
                              "something put another copy first on the import path (a .pth file?)")


def format_grade(grade: Grade) -> str:
    """The grade as a table: test, result (cases passed), points; the reason under each failed test."""
    width = max([len("test")] + [len(row.test.nodeid) for row in grade.rows])
    lines = [f"assignment {grade.assignment}", f"{'test':<{width}}  {'result':<12}  {'points':>7}"]
    for row in grade.rows:
        result = f"{'passed' if row.ok else 'failed'} {row.passed}/{row.cases}"
        lines.append(f"{row.test.nodeid:<{width}}  {result:<12}  {f'{row.earned}/{row.test.points}':>7}")
        if not row.ok and row.note:
            lines.append(f"    {_shorten(row.note, width + 18)}")
    lines.append(f"{'total':<{width}}  {'':<12}  {f'{grade.earned}/{grade.total}':>7}")
    if grade.edited_tests:
        lines.append("note: these test files were changed after the workspace was made: "
                     + ", ".join(grade.edited_tests))
    return "\n".join(lines)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
