"""The ``tinyseqkd`` command line: one parser, one subcommand per module of :mod:`tinyseqkd.commands`.

This file is the table of contents: :data:`COMMANDS` lists the subcommands in the order ``tinyseqkd --help``
shows them; each registers its own options (``add_parser``) and does its job (``run``). Every subcommand takes
``--threads``, applied here before the command runs. Errors the user can fix
(:class:`tinyseqkd.errors.TinySeqKDError`) print as one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys

from tinyseqkd import __version__
from tinyseqkd.commands import (assignment, data, distill, evaluate, prune, quickstart, reproduce, train,
                                translate)
from tinyseqkd.errors import TinySeqKDError
from tinyseqkd.threads import set_threads

COMMANDS = [reproduce, quickstart, train, data, distill, translate, evaluate, prune, assignment]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinyseqkd",
        description="Sequence-level knowledge distillation (Kim & Rush, 2016) on two CPU cores.",
    )
    parser.add_argument("--version", action="version", version=f"tinyseqkd {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "accepts_overrides", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.overrides = extra
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 0
    try:
        if "threads" in vars(args):
            set_threads(args.threads)
        return int(args.run(args) or 0)
    except TinySeqKDError as error:
        print(f"tinyseqkd: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tinyseqkd: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output went away (``tinyseqkd reproduce --list | head``): not an
        _silence_stdout()     # error of ours; stop quietly, as the Unix tools do
        return 0


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that flushing it at exit does not raise the same error again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
