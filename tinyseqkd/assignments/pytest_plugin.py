"""A pytest plugin for grading: run only the selected tests and write each one's outcome to a JSON file.

Loaded by :mod:`~tinyseqkd.assignments.grading` into the pytest it starts (``-p``, from a copy of this file, so it
imports nothing from the workspace under test). It records node ids exactly as pytest prints them, which the
JUnit XML format does not keep (it splits them into a dotted class name and a test name). The test files are given
to pytest and the selection is made here at collection, so a graded test that does not exist (deleted, renamed)
is simply absent from the report, instead of pytest refusing to run the others ("not found").
"""

from __future__ import annotations

import json
import sys

_results: dict[str, dict] = {}
_collect_errors: list[dict] = []


def selects(prefix: str, nodeid: str) -> bool:
    """Whether the node id ``prefix`` (a folder, a file, a test, a class, one parametrized case) selects
    ``nodeid``."""
    return nodeid == prefix or nodeid.startswith((prefix + "::", prefix + "[", prefix.rstrip("/") + "/"))


def pytest_addoption(parser):
    group = parser.getgroup("grading", "tinyseqkd assignment grading")
    group.addoption("--grading-select", help="JSON file: a list of node ids to run")
    group.addoption("--grading-report", help="JSON file to write the outcome of each test to")
    group.addoption("--grading-package", help="the package whose imported location to record")


def pytest_collection_modifyitems(session, config, items):
    path = config.getoption("grading_select")
    if not path:
        return
    with open(path, encoding="utf-8") as file:
        prefixes = json.load(file)
    kept, dropped = [], []
    for item in items:
        (kept if any(selects(prefix, item.nodeid) for prefix in prefixes) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _message(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message.strip().splitlines()[0] if crash.message.strip() else "failed"
    text = str(report.longrepr).strip()
    return text.splitlines()[-1] if text else report.outcome


def pytest_collectreport(report):
    if report.failed:
        _collect_errors.append({"nodeid": report.nodeid, "message": _message(report)})


def pytest_runtest_logreport(report):
    """A test passes when its call passes and its setup and teardown do not fail."""
    entry = _results.setdefault(report.nodeid, {"outcome": "passed", "message": ""})
    if entry["outcome"] == "failed":
        return
    if report.failed:
        entry.update(outcome="failed", message=f"{report.when}: {_message(report)}" if report.when != "call"
                     else _message(report))
    elif report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else "skipped"
        entry.update(outcome="skipped", message=str(reason))


def pytest_sessionfinish(session, exitstatus):
    path = session.config.getoption("grading_report")
    if not path:
        return
    package = session.config.getoption("grading_package")
    module = sys.modules.get(package) if package else None
    report = {"results": _results, "collect_errors": _collect_errors, "exitstatus": int(exitstatus),
              "package_file": getattr(module, "__file__", None)}
    with open(path, "w", encoding="utf-8") as file:
        json.dump(report, file, indent=1)
