"""The ``tinyseqkd`` command line: one parser, one subcommand per job.

Each subcommand registers itself from the module that does the work (``add_parser(subparsers)``), so this file
stays a table of contents. Every subcommand takes ``--threads`` (see :func:`add_common_options`). Errors the user
can fix (:class:`tinyseqkd.errors.TinySeqKDError`) print as one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tinyseqkd import __version__
from tinyseqkd.errors import TinySeqKDError


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """Options every subcommand understands."""
    parser.add_argument(
        "--threads", type=int, default=None, metavar="N",
        help="CPU threads for matrix products and numba kernels (default: the cores not busy with other work)",
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
    from tinyseqkd.evaluate import add_parser as add_evaluate_parser
    from tinyseqkd.quickstart import add_parser as add_quickstart_parser
    from tinyseqkd.translate import add_parser as add_translate_parser

    return [add_quickstart_parser, add_train_parser, add_data_parser, add_translate_parser, add_evaluate_parser]


# ---------------------------------------------------------------------------------------------- train
TRAIN_EPILOG = """CONFIG is a shipped config (teacher, student, student-small, toy-reverse, reference) or a TOML file.
Override any key with --section.key=value, e.g. --train.lr=0.5 --model.layers=1 --data.train_size=2000.
Ctrl-C saves latest.npz and stops; continue with: tinyseqkd train --resume RUN_DIR
"""


def add_train_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train a model from a config", epilog=TRAIN_EPILOG, allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train an attentional encoder-decoder; progress, validations and checkpoints go to RUN_DIR.",
    )
    parser.add_argument("config", nargs="?", help="shipped config name or TOML file")
    parser.add_argument("--out", metavar="RUN_DIR", help="run directory (default: runs/CONFIG-DATE-TIME)")
    parser.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its latest.npz")
    add_common_options(parser)
    parser.set_defaults(run=run_train, accepts_overrides=True)


def run_train(args) -> int:
    from tinyseqkd.config import find_config, load_config
    from tinyseqkd.data.prepared import prepare
    from tinyseqkd.errors import ConfigError
    from tinyseqkd.training import Trainer

    if args.resume:
        if args.config:
            raise ConfigError("train --resume RUN_DIR takes no CONFIG: the run's own config is in its checkpoint")
        Trainer.resume(args.resume, args.overrides).fit()
        return 0
    if not args.config:
        raise ConfigError("train needs a CONFIG (e.g. tinyseqkd train toy-reverse) or --resume RUN_DIR")
    config = load_config(args.config, args.overrides)
    run_dir = Path(args.out or f"runs/{find_config(args.config).stem}-{time.strftime('%Y%m%d-%H%M%S')}")
    if (run_dir / "latest.npz").exists():
        raise ConfigError(f"{run_dir} already holds a run; continue it with --resume {run_dir} "
                          "or choose another --out")
    print(f"preparing data: {config.data.corpus} ...", flush=True)
    dataset = prepare(config.data, config.train.seed)
    Trainer(config, dataset, run_dir).fit()
    return 0


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
