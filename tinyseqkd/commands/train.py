"""``tinyseqkd train``: train a model from a config into a run directory, or continue a run (``--resume``).

The work is :class:`tinyseqkd.training.Trainer`'s; this module turns the command line into a config (see
:func:`tinyseqkd.config.load_config`: a shipped config name or a TOML file, plus ``--section.key=value``
overrides) and a run directory.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tinyseqkd.commands.options import add_threads_option
from tinyseqkd.errors import ConfigError

EPILOG = """CONFIG is a shipped config (teacher, student, student-small, toy-reverse, reference) or a TOML file.
Override any key with --section.key=value, e.g. --train.lr=0.5 --model.layers=1 --data.train_size=2000.
Ctrl-C saves latest.npz and stops; continue with: tinyseqkd train --resume RUN_DIR
"""


def add_parser(subparsers) -> None:
    """Register ``tinyseqkd train``."""
    parser = subparsers.add_parser(
        "train", help="train a model from a config", epilog=EPILOG, allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train an attentional encoder-decoder; progress, validations and checkpoints go to RUN_DIR.",
    )
    parser.add_argument("config", nargs="?", help="shipped config name or TOML file")
    parser.add_argument("--out", metavar="RUN_DIR", help="run directory (default: runs/CONFIG-DATE-TIME)")
    parser.add_argument("--resume", metavar="RUN_DIR", help="continue the run in RUN_DIR from its latest.npz")
    add_threads_option(parser)
    parser.set_defaults(run=run, accepts_overrides=True)


def run(args: argparse.Namespace) -> int:
    from tinyseqkd.config import find_config, load_config
    from tinyseqkd.data.prepared import prepare
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
