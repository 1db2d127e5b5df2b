"""A student's workspace: a copy of the package with one assignment's regions stubbed, its graded tests, and
``INSTRUCTIONS.md``.

Layout of a workspace made by ``make_workspace("pruning", "hw")``::

    hw/INSTRUCTIONS.md        the task, where each region is, how to run the tests, the points
    hw/tinyseqkd/             the whole package; the pruning regions raise NotImplementedError, every other
                              assignment's regions keep their solutions
    hw/tests/                 the graded test files, and every conftest.py and helper module beside them
    hw/pytest.ini             the repository's pytest settings (markers), so pytest runs here as in the repository
    hw/.assignment.json       which assignment this is, and a hash of each test file (check reports edits)

The workspace is used with ``PYTHONPATH`` pointing at it (``cd hw && PYTHONPATH=. python -m pytest tests``): no
installation, and the installed tinyseqkd stays untouched. The workspace is built in a temporary directory beside
``dest`` and renamed into place, so a failure never leaves half a workspace.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tinyseqkd.assignments.catalog import ASSIGNMENTS, Assignment, AssignmentError, get_assignment
from tinyseqkd.assignments.markers import Region, find_regions, stub_regions

MANIFEST = ".assignment.json"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc")


@dataclass(frozen=True)
class Project:
    """A source tree: ``root/package`` holds the marked source, ``root/tests`` the tests that grade it."""

    root: Path
    package: str = "tinyseqkd"

    @property
    def package_dir(self) -> Path:
        return Path(self.root) / self.package

    @property
    def tests_dir(self) -> Path:
        return Path(self.root) / "tests"

    @classmethod
    def of_this_package(cls) -> Project:
        """The repository tinyseqkd runs from; the tests are needed, which only a clone has."""
        root = Path(__file__).resolve().parents[2]
        if (root / MANIFEST).is_file():
            raise AssignmentError(f"tinyseqkd runs from the workspace {root}, whose regions are stubs: make and "
                                  "check assignments with the repository's tinyseqkd (unset PYTHONPATH)")
        if not (root / "tests").is_dir():
            raise AssignmentError(f"assignments are graded by the repository's tests, and {root} has no tests/ "
                                  "folder (an installed package ships without them): use a clone of the "
                                  "repository, e.g. pip install -e path/to/tinyseqkd")
        return cls(root)


def assignment_regions(assignment: Assignment, regions: list[Region]) -> tuple[list[str], list[Region]]:
    """(the catalog's regions not marked in the source, the marked regions of this assignment the catalog does
    not name). Both empty: the assignment is ready."""
    marked = [region for region in regions if region.name == assignment.name]
    missing = Counter(assignment.regions) - Counter(region.location for region in marked)
    expected = Counter(assignment.regions)
    extra = []
    for region in marked:
        if expected[region.location] > 0:
            expected[region.location] -= 1
        else:
            extra.append(region)
    return sorted(missing.elements()), extra


def status(assignment: Assignment, regions: list[Region]) -> str:
    """"ready", "not marked yet", or what is wrong with its markers."""
    missing, extra = assignment_regions(assignment, regions)
    if not missing and not extra:
        return "ready"
    if extra:
        return "regions not in the catalog: " + ", ".join(f"{r.path}:{r.start} ({r.function})" for r in extra)
    if len(missing) == len(assignment.regions):
        return "not marked yet"
    return "partly marked; missing " + ", ".join(missing)


def catalog_status(project: Project | None = None, catalog=None) -> tuple[list[tuple[Assignment, str]], list[Region]]:
    """Each assignment with its :func:`status`, and the marked regions whose name no assignment has."""
    project = project or Project.of_this_package()
    catalog = ASSIGNMENTS if catalog is None else catalog
    regions = find_regions(project.package_dir)
    unknown = [region for region in regions if region.name not in catalog]
    return [(assignment, status(assignment, regions)) for assignment in catalog.values()], unknown


def ready_regions(assignment: Assignment, regions: list[Region]) -> list[Region]:
    """The assignment's marked regions, or an AssignmentError saying what is not marked as the catalog says."""
    state = status(assignment, regions)
    if state != "ready":
        raise AssignmentError(f"assignment {assignment.name!r} cannot be made: {state} (markers "
                              f"'# --- assignment {assignment.name}: hint ---' in the package's source)")
    return [region for region in regions if region.name == assignment.name]


def make_workspace(name: str, dest, *, solution: bool = False, project: Project | None = None,
                   catalog=None) -> Path:
    """Make the workspace of assignment ``name`` in ``dest`` (absent or an empty directory); returns its path.

    ``solution=True`` makes the instructor's copy: the same workspace with the solutions kept, which
    :func:`~tinyseqkd.assignments.grading.check_workspace` must give full points.
    """
    assignment = get_assignment(name, catalog)
    project = project or Project.of_this_package()
    dest = Path(dest).absolute()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise AssignmentError(f"{dest} already exists and is not an empty directory: choose a new directory for "
                              "the workspace (it is never overwritten)")
    regions = ready_regions(assignment, find_regions(project.package_dir))
    for test in assignment.tests:
        if not (project.root / test.file).is_file():
            raise AssignmentError(f"assignment {name!r} is graded by {test.nodeid}, but {project.root / test.file} "
                                  "does not exist: fix the catalog (tinyseqkd/assignments/catalog.py)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        _build(assignment, project, regions, staging, dest.name, stub=not solution)
        _give_umask_modes(staging)
        if dest.exists():
            dest.rmdir()
        os.rename(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dest


def _build(assignment: Assignment, project: Project, regions: list[Region], into: Path, name: str, *,
           stub: bool) -> None:
    shutil.copytree(project.package_dir, into / project.package, ignore=IGNORED)
    by_file: dict[str, list[Region]] = {}
    for region in regions if stub else []:
        by_file.setdefault(region.path, []).append(region)
    for path, in_file in by_file.items():
        source = (project.root / path).read_text(encoding="utf-8")
        (into / path).write_text(stub_regions(source, in_file), encoding="utf-8")
    graded = {test.file for test in assignment.tests}
    copied = _copy_tests(project, into, graded)
    _write_pytest_ini(project.root, into / "pytest.ini")
    (into / "INSTRUCTIONS.md").write_text(instructions(assignment, project.package, regions, name, stubbed=stub),
                                          encoding="utf-8")
    manifest = {"format": 1, "assignment": assignment.name, "package": project.package,
                "tests": {path: file_sha256(into / path) for path in sorted(copied)}}
    (into / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _copy_tests(project: Project, into: Path, graded: set[str]) -> list[str]:
    """Copy the graded test files and the other files beside them and in the folders above them (conftest.py,
    helper modules) into ``into``; return their paths."""
    folders = {parent.as_posix() for path in graded for parent in Path(path).parents}
    copied = []
    for file in sorted(project.tests_dir.rglob("*")):
        relative = file.relative_to(project.root).as_posix()
        if not file.is_file() or file.parent.relative_to(project.root).as_posix() not in folders:
            continue
        if file.suffix in (".pyc", ".nbi", ".nbc") or file.name.startswith("test_") and relative not in graded:
            continue
        (into / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, into / relative)
        copied.append(relative)
    return copied


def _write_pytest_ini(root: Path, path: Path) -> None:
    """The repository's pytest settings (setup.cfg's [tool:pytest] or pytest.ini's [pytest]) as pytest.ini."""
    settings = {"testpaths": "tests"}
    for name, section in (("setup.cfg", "tool:pytest"), ("pytest.ini", "pytest")):
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(root / name, encoding="utf-8")
        if parser.has_section(section):
            settings.update(parser[section])
            break
    lines = ["[pytest]"] + [f"{key} = " + value.replace("\n", "\n    ") for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _give_umask_modes(root: Path) -> None:
    """mkdtemp makes a 0700 directory; give it the mode any other new directory gets (e.g. 0755)."""
    umask = os.umask(0)
    os.umask(umask)
    root.chmod(0o777 & ~umask)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_manifest(workspace: Path) -> dict:
    """The workspace's ``.assignment.json``; a directory without one is not a workspace (a plain error)."""
    path = Path(workspace) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssignmentError(f"{workspace} is not an assignment workspace (it has no {MANIFEST}): make one with "
                              "`tinyseqkd assignment make NAME DIR`") from None
    except (OSError, ValueError) as error:
        raise AssignmentError(f"{path}: unreadable ({error}); make the workspace again") from None
    if not isinstance(manifest, dict) or not {"assignment", "package", "tests"} <= manifest.keys():
        raise AssignmentError(f"{path}: not a workspace manifest (keys assignment, package, tests expected)")
    return manifest


def instructions(assignment: Assignment, package: str, regions: list[Region], directory: str, *,
                 stubbed: bool = True) -> str:
    """INSTRUCTIONS.md: the task, where to write (the lines as in the stubbed copy), how to test, the points."""
    where = [f"- `{r.path}`, line {(stubbed_start(r, regions) if stubbed else r.start) + 1}, in `{r.function}`"
             + (f": {r.hint}" if r.hint else "") for r in regions]
    commands = []
    for environment in dict.fromkeys(test.environment for test in assignment.tests):
        prefix = "".join(f"{key}={value} " for key, value in environment)
        nodeids = [test.nodeid for test in assignment.tests if test.environment == environment]
        commands.append(f"{prefix}python -m pytest -q " + " \\\n    ".join(nodeids))
    table = ["| test | points |", "|---|---:|"]
    table += [f"| `{test.nodeid}`{' (with ' + _env(test) + ')' if test.environment else ''} | {test.points} |"
              for test in assignment.tests]
    return "\n".join([
        f"# Assignment `{assignment.name}`: {assignment.title}", "", assignment.instructions.rstrip(), "",
        "## Where", "",
        f"Each place is marked `# --- assignment {assignment.name}` … `# --- end assignment {assignment.name} ---`; "
        "replace the `raise NotImplementedError(...)` line between the markers with your code. The rest of the "
        "package is complete: read the functions around yours, and call them.", "", *where, "",
        "## Run the tests", "",
        f"This directory holds its own copy of `{package}`. Put it first on the import path (no installation "
        "needed), and check that Python finds this copy:", "",
        "```sh", f"cd {directory}", 'export PYTHONPATH="$PWD"',
        f'python -c "import {package}; print({package}.__file__)"   # a path inside this directory', *commands,
        "```", "",
        "## Grading", "",
        f"A test earns its points when all its cases pass. `tinyseqkd assignment check {directory}` runs them and "
        "prints the grade table.", "", *table, f"| **total** | **{assignment.points}** |", "",
    ])


def stubbed_start(region: Region, regions: list[Region]) -> int:
    """The line of ``region``'s start marker once the regions before it in its file are stubbed (one line each)."""
    removed = sum(r.end - r.start - 2 for r in regions if r.path == region.path and r.start < region.start)
    return region.start - removed


def _env(test) -> str:
    return " ".join(f"`{key}={value}`" for key, value in test.environment)
