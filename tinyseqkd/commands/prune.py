"""``tinyseqkd prune``: a trained model pruned by magnitude, retrained with the mask fixed, and a sweep over schemes
and ratios measured (Kim & Rush Sec. 5.2; the schemes of See, Luong & Manning, CoNLL 2016).

Three uses, the library doing the work (:mod:`tinyseqkd.prune`, :class:`tinyseqkd.training.Trainer`,
:mod:`tinyseqkd.evaluate`)::

    tinyseqkd prune -m CKPT --scheme class-blind --ratio 0.8 --out DIR
        DIR/pruned.npz: the model pruned (no retraining), stored sparse; prints the per-class sparsity report
    tinyseqkd prune -m CKPT --scheme class-blind --ratio 0.8 --out DIR --retrain [--train.KEY=VALUE ...]
        a training run in DIR, the same as
        tinyseqkd train <CKPT's config> --out DIR --train.init=CKPT --data.pipeline=CKPT \\
                        --prune.scheme=class-blind --prune.ratio=0.8 [--train.KEY=VALUE ...]
        (``tinyseqkd train --resume DIR`` continues it, masks included)
    tinyseqkd prune -m CKPT --scheme class-blind,class-uniform --ratio 0.5,0.8 --out DIR [--retrain] [--teacher T]
        a sweep: one of the above per (scheme, ratio) in DIR/SCHEME-RATIO/, then the unpruned model and each pruned
        one evaluated (:mod:`tinyseqkd.commands.prune_sweep`)

Running the same command again continues a retraining run that is already in its directory (after a Ctrl-C, say)
instead of starting over; a directory holding a run of another experiment is refused.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tinyseqkd.commands.options import add_threads_option, check_positive
from tinyseqkd.errors import ConfigError

EPILOG = """Examples:
  tinyseqkd prune -m runs/student/best.npz --scheme class-blind --ratio 0.8 --out runs/pruned
  tinyseqkd prune -m runs/student/best.npz --scheme class-blind --ratio 0.8 --out runs/pruned-80 --retrain \\
      --train.lr=0.0005 --train.max_epochs=2
  tinyseqkd prune -m runs/student/best.npz --scheme class-blind --ratio 0.5,0.8,0.9 --out runs/sweep --retrain \\
      --teacher runs/teacher/best.npz --train.max_epochs=2
"""


def add_parser(subparsers) -> None:
    """Register ``tinyseqkd prune``."""
    parser = subparsers.add_parser(
        "prune", help="prune a trained model by magnitude, retrain it with the mask fixed, sweep ratios",
        epilog=EPILOG, allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Magnitude pruning (Kim & Rush 2016, Sec. 5.2; See, Luong & Manning 2016). Several --scheme "
                    "or --ratio values make a sweep: one run each, then each evaluated into DIR/sweep.tsv and .md.")
    parser.add_argument("-m", "--model", required=True, metavar="CHECKPOINT", help="the trained model's checkpoint")
    parser.add_argument("--scheme", default="class-blind", metavar="S[,S...]",
                        help="class-blind (default), class-uniform or class-distribution; comma-separated for a "
                             "sweep")
    parser.add_argument("--ratio", required=True, metavar="R[,R...]",
                        help="the fraction of the weights to prune, in [0, 1), e.g. 0.8; comma-separated for a sweep")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument("--keep-embeddings", action="store_true",
                        help="leave the source and target embeddings unpruned (the ratio is then of the rest)")
    parser.add_argument("--retrain", action="store_true",
                        help="retrain with the mask fixed: a training run of the model's own config in DIR; "
                             "--train.KEY=VALUE options change its [train] keys (e.g. --train.max_epochs=2)")
    group = parser.add_argument_group("sweep evaluation (with several schemes or ratios)")
    group.add_argument("--teacher", metavar="CHECKPOINT", help="report how many times fewer non-zero parameters "
                                                              "each model has than this one")
    group.add_argument("--split", default=None, choices=("train", "valid", "test"), help="default: test")
    group.add_argument("--beam", type=int, default=None, metavar="K", help="beam size (default 5)")
    group.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N sentences")
    group.add_argument("--batch-size", type=int, default=None, metavar="B", help="sentences per batch (default 64)")
    add_threads_option(parser)
    parser.set_defaults(run=run, accepts_overrides=True)


def run(args: argparse.Namespace) -> int:
    from tinyseqkd.prune import check_pruning

    check_positive(args, "beam", "limit", "batch_size")
    schemes, ratios = comma_list(args.scheme, "--scheme", str), comma_list(args.ratio, "--ratio", _ratio)
    for scheme in schemes:
        for ratio in ratios:
            check_pruning(scheme, ratio)
    check_overrides(args.overrides, args.retrain)
    points = [(scheme, ratio) for scheme in schemes for ratio in ratios]
    out = Path(args.out)
    sweep = len(points) > 1
    if not sweep and any(getattr(args, option) is not None for option in ("teacher", "split", "beam", "limit",
                                                                           "batch_size")):
        raise ConfigError("--teacher, --split, --beam, --limit and --batch-size are for a sweep (several --scheme "
                          "or --ratio values); to measure one model use: tinyseqkd evaluate -m CHECKPOINT")
    source = _source(args.model, args.retrain)
    done = []
    for scheme, ratio in points:
        directory = out / point_name(scheme, ratio) if sweep else out
        done.append(prune_point(args, source, scheme, ratio, directory))
    if sweep:
        from tinyseqkd.commands.prune_sweep import evaluate_sweep

        evaluate_sweep(args, source, done, out)
    return 0


# ------------------------------------------------------------------------------------------- options
def comma_list(text: str, option: str, kind) -> list:
    """``"0.5,0.8"`` → ``[0.5, 0.8]`` (each value once, in the order given); an empty item is an error."""
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise ConfigError(f"{option} {text!r}: an empty value; write e.g. {option} 0.5,0.8")
    return list(dict.fromkeys(kind(item) for item in items))


def _ratio(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"--ratio {text!r}: not a number; give the fraction of the weights to prune, "
                          "e.g. --ratio 0.8") from None


def check_overrides(overrides: list[str], retrain: bool) -> None:
    """Only ``--train.KEY=VALUE`` options, and only with --retrain (they change the retraining's [train] keys)."""
    for item in overrides:
        if not retrain:
            raise ConfigError(f"option {item!r}: config options apply to the retraining; add --retrain "
                              "(or remove the option)")
        if not item.startswith("--train."):
            raise ConfigError(f"option {item!r}: prune passes only --train.KEY=VALUE options to the retraining "
                              "(its [data], [model] and others are the pruned model's own)")
        if item.split("=")[0] == "--train.init":
            raise ConfigError(f"option {item!r}: the retraining starts from the pruned checkpoint, -m; give that "
                              "one instead")


def point_name(scheme: str, ratio: float) -> str:
    """The directory of one point of a sweep: ``class-blind-0.8``."""
    return f"{scheme}-{ratio:g}"


def _source(path: str, retrain: bool):
    """The checkpoint to prune, as a :class:`~tinyseqkd.translator.Translator` (a foreign file is a
    CheckpointError); retraining also needs the config it was trained with."""
    from tinyseqkd.errors import CheckpointError
    from tinyseqkd.translator import load_translator

    source = load_translator(path)
    if retrain and "config" not in source.header:
        raise CheckpointError(f"{path}: the checkpoint has no config to retrain with; fix: prune a checkpoint "
                              "written by tinyseqkd train (RUN_DIR/best.npz), or prune without --retrain")
    return source


# ------------------------------------------------------------------------------------------- one point
def prune_point(args: argparse.Namespace, source, scheme: str, ratio: float, directory: Path) -> dict:
    """Prune (and retrain) one (scheme, ratio) into ``directory``; prints the sparsity report. Returns what the
    sweep needs: scheme, ratio, the checkpoint to evaluate and the retraining seconds (None without)."""
    from tinyseqkd.prune import format_sparsity_report
    from tinyseqkd.prune.checkpoints import checkpoint_sparsity, prune_checkpoint

    what = f"{source.path} pruned {ratio:.0%} ({scheme}{', embeddings kept' if args.keep_embeddings else ''})"
    if not args.retrain:
        directory.mkdir(parents=True, exist_ok=True)
        checkpoint = directory / "pruned.npz"
        _, rows = prune_checkpoint(source.path, checkpoint, scheme, ratio, prune_embeddings=not args.keep_embeddings)
        print(f"{what} → {checkpoint}\n{format_sparsity_report(rows)}", flush=True)
        return {"scheme": scheme, "ratio": ratio, "checkpoint": checkpoint, "retrain_seconds": None}
    print(f"{what}, retrained in {directory}", flush=True)
    seconds = retrain(source, scheme, ratio, not args.keep_embeddings, args.overrides, directory)
    print(f"{what}, retrained ({seconds:.0f} s of updates)\n"
          f"{format_sparsity_report(checkpoint_sparsity(directory / 'latest.npz'))}", flush=True)
    return {"scheme": scheme, "ratio": ratio, "checkpoint": directory / "best.npz", "retrain_seconds": seconds}


def retraining_overrides(source_path, scheme: str, ratio: float, prune_embeddings: bool) -> list[str]:
    """The options that turn the source checkpoint's config into its pruned retraining (the config contract:
    start from its weights, keep its text pipeline, prune at the start and keep the masks)."""
    path = os.path.abspath(source_path)  # as the run records it: resumable from any directory
    return [f"--train.init={path}", f"--data.pipeline={path}", f"--prune.scheme={scheme}", f"--prune.ratio={ratio!r}",
            f"--prune.embeddings={str(prune_embeddings).lower()}"]


def retrain(source, scheme: str, ratio: float, prune_embeddings: bool, overrides: list[str], run_dir: Path) -> float:
    """Retrain the pruned model in ``run_dir`` (continuing the run already there, if it is this experiment's);
    returns the seconds spent on updates over the whole run."""
    from tinyseqkd.checkpoint import load_checkpoint
    from tinyseqkd.config import apply_overrides, config_from_dict
    from tinyseqkd.training import Trainer

    config = config_from_dict(source.header["config"], where=str(source.path))
    apply_overrides(config, retraining_overrides(source.path, scheme, ratio, prune_embeddings) + list(overrides))
    latest = run_dir / "latest.npz"
    if latest.exists():
        _check_same_experiment(load_checkpoint(latest).header.get("config", {}), config.to_dict(), run_dir)
        trainer = Trainer.resume(run_dir, overrides)
    else:
        print(f"preparing data: {config.data.corpus} ...", flush=True)
        trainer = Trainer(config, None, run_dir)  # loads init, prunes it, fixes the masks (the [prune] section)
    trainer.fit()
    if trainer.interrupted:  # Ctrl-C: latest.npz is saved; stop here, not at the next point of a sweep
        raise KeyboardInterrupt
    return trainer.progress.train_seconds


def _check_same_experiment(saved: dict, wanted: dict, run_dir: Path) -> None:
    """A run in ``run_dir`` may be continued only if it is the experiment asked for: everything but [train] the
    same, and the same init checkpoint."""
    differing = [f"{section}.{key}" for section, values in wanted.items() for key, value in values.items()
                 if (section != "train" or key == "init") and saved.get(section, {}).get(key) != value]
    if differing:
        raise ConfigError(f"{run_dir} already holds another run ({', '.join(differing)} differ); choose another "
                          f"--out, or continue that run with: tinyseqkd train --resume {run_dir}")
    print(f"{run_dir} already holds this retraining: continuing it", flush=True)
