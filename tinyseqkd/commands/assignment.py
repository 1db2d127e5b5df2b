"""The ``tinyseqkd assignment`` commands — ``list``, ``make``, ``check`` — for instructors and students.

An assignment blanks a few marked regions of the package's own source and is graded by the package's own tests
(:mod:`tinyseqkd.assignments`)::

    tinyseqkd assignment list                          # name, points, status, title
    tinyseqkd assignment make pruning hw               # hw/: the package with the pruning regions stubbed
    tinyseqkd assignment make pruning hw-solution --solution    # the same workspace with the solutions kept
    tinyseqkd assignment check hw                      # run the graded tests on hw/'s code: the grade table

They need a clone of the repository (the tests grade the assignments; an installed package has none).
"""

from __future__ import annotations

import argparse
import os

from tinyseqkd.commands.options import add_threads_option
from tinyseqkd.errors import ConfigError


def add_parser(subparsers) -> None:
    """Register ``tinyseqkd assignment {list,make,check}``."""
    assignment = subparsers.add_parser(
        "assignment", help="make student workspaces and grade them with the package's own tests",
        description="Assignments: marked regions of tinyseqkd's source that a student writes, graded by the "
                    "package's own tests. Needs a clone of the repository.")
    assignment.set_defaults(run=lambda args: assignment.print_help())
    commands = assignment.add_subparsers(dest="assignment_command", metavar="SUBCOMMAND")

    listing = commands.add_parser("list", help="every assignment: name, points, status, title")
    listing.set_defaults(run=run_list)

    make = commands.add_parser("make", help="a student workspace: the package with one assignment's regions "
                                            "stubbed, its tests and INSTRUCTIONS.md")
    make.add_argument("name", metavar="NAME", help="the assignment (tinyseqkd assignment list shows them)")
    make.add_argument("directory", metavar="DIR", help="where to make the workspace (new, or an empty directory)")
    make.add_argument("--solution", action="store_true",
                      help="keep the solutions (the instructor's copy, which check gives full points)")
    make.set_defaults(run=run_make)

    check = commands.add_parser("check", help="run a workspace's graded tests on its code and print the grade")
    check.add_argument("directory", metavar="DIR", help="a workspace made by `tinyseqkd assignment make`")
    check.add_argument("--timeout", type=float, default=900.0, metavar="SECONDS",
                       help="stop the tests after this long (default 900): a stuck solution is an error")
    check.set_defaults(run=run_check)

    for command in (listing, make, check):
        add_threads_option(command)


def run_list(args: argparse.Namespace) -> int:
    from tinyseqkd.assignments import catalog_status

    statuses, unknown = catalog_status()
    print(format_list(statuses))
    for region in unknown:
        print(f"note: {region.path}:{region.start} marks a region of {region.name!r}, which no assignment has")
    return 0


def format_list(statuses) -> str:
    """(assignment, status) pairs as an aligned table: name, points, status, title."""
    rows = [("name", "points", "status", "title")]
    rows += [(a.name, str(a.points), state, a.title) for a, state in statuses]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{name:<{widths[0]}}  {points:>{widths[1]}}  {state:<{widths[2]}}  {title}"
                     for name, points, state, title in rows)


def run_make(args: argparse.Namespace) -> int:
    from tinyseqkd.assignments import make_workspace

    dest = make_workspace(args.name, args.directory, solution=args.solution)
    kind = "the solution of" if args.solution else "a workspace for"
    print(f"made {kind} assignment {args.name} in {dest}")
    print(f"read {os.path.join(args.directory, 'INSTRUCTIONS.md')}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from tinyseqkd.assignments import check_workspace, format_grade

    if not args.timeout > 0:
        raise ConfigError(f"--timeout must be a positive number of seconds, got {args.timeout:g}")
    print(format_grade(check_workspace(args.directory, timeout=args.timeout)))
    return 0
