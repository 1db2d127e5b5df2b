"""``tinyseqkd train``: train a model from a config into a run directory, or continue a run (``--resume``).

The work is :class:`tinyseqkd.training.Trainer`'s; this module turns the command line into a config (see
:func:`tinyseqkd.config.load_config`: a shipped config name or a TOML file, plus ``--section.key=value``
overrides) and a run directory. The distillation recipes of Kim & Rush's Table 1 are config keys too
(``data.pipeline``, ``data.targets``, ``train.init``, ``[distill]``; see :mod:`tinyseqkd.recipe`), and so is
pruning (``[prune]``). After Ctrl-C the run saves ``latest.npz`` and the command exits with status 130, as an
interrupted command does, so that scripts can tell a stopped run from a finished one.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from tinyseqkd.commands.options import add_threads_option
from tinyseqkd.errors import ConfigError

EPILOG = """CONFIG is a shipped config (teacher, student, student-small, toy-reverse, reference) or a TOML file.
Override any key with --section.key=value, e.g. --train.lr=0.5 --model.layers=1 --data.train_size=2000.
Distillation (Kim & Rush 2016): --data.pipeline=TEACHER (share its vocabularies), --data.targets=DIR (from
tinyseqkd distill: Seq-KD, Seq-Inter), --distill.objective=word_kd --distill.teacher=TEACHER (Word-KD),
--train.init=CHECKPOINT (fine-tune); pruning: --prune.scheme=class-blind --prune.ratio=0.8.
Ctrl-C saves latest.npz and stops (exit status 130); continue with: tinyseqkd train --resume RUN_DIR
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
    """Train (or continue); exit status 130 when Ctrl-C stopped the run after saving ``latest.npz``."""
    from tinyseqkd.config import find_config, load_config
    from tinyseqkd.training import Trainer

    if args.resume:
        if args.config:
            raise ConfigError("train --resume RUN_DIR takes no CONFIG: the run's own config is in its checkpoint")
        trainer = Trainer.resume(args.resume, args.overrides)
    else:
        if not args.config:
            raise ConfigError("train needs a CONFIG (e.g. tinyseqkd train toy-reverse) or --resume RUN_DIR")
        config = load_config(args.config, args.overrides)
        run_dir = Path(args.out or f"runs/{find_config(args.config).stem}-{time.strftime('%Y%m%d-%H%M%S')}")
        if (run_dir / "latest.npz").exists():
            raise ConfigError(f"{run_dir} already holds a run; continue it with --resume {run_dir} "
                              "or choose another --out")
        print(f"preparing data: {config.data.corpus} ...", flush=True)
        trainer = Trainer(config, None, run_dir)  # the data, teacher, targets, init and pruning the config names
    trainer.fit()
    return 130 if trainer.interrupted else 0
