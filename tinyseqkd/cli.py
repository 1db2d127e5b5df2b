"""The ``tinyseqkd`` command line: one parser, one subcommand per job.

Each subcommand registers itself from the module that does the work (``add_parser(subparsers)``), so this file
stays a table of contents. Every subcommand takes ``--threads`` (see :func:`add_common_options`). Errors the user
can fix (:class:`tinyseqkd.errors.TinySeqKDError`) print as one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys

from tinyseqkd import __version__
from tinyseqkd.errors import TinySeqKDError


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """Options every subcommand understands."""
    parser.add_argument(
        "--threads", type=int, default=None, metavar="N",
        help="CPU threads for matrix products and numba kernels (default: all cores)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinyseqkd",
        description="Sequence-level knowledge distillation (Kim & Rush, 2016) on two CPU cores.",
    )
    parser.add_argument("--version", action="version", version=f"tinyseqkd {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in _subcommand_registrars():
        register(subparsers)
    return parser


def _subcommand_registrars():
    """The ``add_parser`` functions of every subcommand, in the order ``--help`` lists them."""
    from tinyseqkd.data.commands import add_parser as add_data_parser

    return [add_data_parser]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 0
    try:
        if "threads" in vars(args):
            from tinyseqkd.threads import set_threads

            set_threads(args.threads)
        return int(args.run(args) or 0)
    except TinySeqKDError as error:
        print(f"tinyseqkd: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("tinyseqkd: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
