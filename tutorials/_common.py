"""What every tutorial shares, kept small: its options, section headers, a toy dataset, training, and plots.

A tutorial is a percent-format script: ``python tutorials/07_word_kd.py [--quick]`` runs it top to bottom, and
Jupyter or VS Code open the same file as a notebook (jupytext reads its ``# %%`` cells). A notebook has no command
line: put the options into the environment variable ``TUTORIAL_ARGS`` before starting Jupyter
(``TUTORIAL_ARGS="--quick" jupyter lab``), or edit the cell that calls :func:`options`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from tinyseqkd.config import load_config
from tinyseqkd.data.corpus import Corpus, ParallelText
from tinyseqkd.data.prepared import EncodedSplit, PreparedData, encode_corpus, fit_pipeline
from tinyseqkd.data.synthetic import multimodal_task
from tinyseqkd.errors import ConfigError
from tinyseqkd.threads import set_threads
from tinyseqkd.training import Trainer

FIGURES = Path(__file__).resolve().parent / "figures"


def options(description: str, add=None, config: bool = False) -> argparse.Namespace:
    """The tutorial's options: ``--quick``, ``--seed``, ``--figures DIR``, ``--threads``, the tutorial's own (``add``
    adds them to the parser) and, with ``config=True``, any ``--section.key=value`` config key (``args.overrides``,
    checked by :func:`tutorial_config`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="smaller sizes: seconds instead of minutes")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random generator (default 0)")
    parser.add_argument("--figures", type=Path, default=FIGURES, help=f"where plots go (default {FIGURES})")
    parser.add_argument("--threads", type=int, default=1, help="BLAS and numba threads (default 1)")
    if add is not None:
        add(parser)
    in_notebook = "ipykernel" in sys.modules
    argv = shlex.split(os.environ.get("TUTORIAL_ARGS", "")) if in_notebook else sys.argv[1:]
    args, rest = parser.parse_known_args(argv)
    if rest and not config:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.overrides, args.parser = rest, parser
    set_threads(args.threads)
    if args.quick:
        print("(--quick: smaller sizes, seconds instead of minutes; the text says which of its figures are --quick's)")
    return args


def section(title: str) -> None:
    print(f"\n=== {title} ===")


def tutorial_config(args, name: str, settings: list[str]):
    """The shipped config ``name`` with the tutorial's ``settings``, then the reader's ``--section.key=value``
    options (which win); a wrong key is one plain message, as on the command line."""
    try:
        return load_config(name, [f"--train.seed={args.seed}", *settings, *args.overrides])
    except ConfigError as error:
        args.parser.error(str(error))


def multimodal_dataset(config, **task) -> PreparedData:
    """The multimodal toy task (``tinyseqkd.data.synthetic.multimodal_task``; ``task`` sets its sizes and variant
    probabilities), with the text pipeline fitted on its training split as ``config.data`` says."""
    corpus = Corpus("synthetic:multimodal", "src", "tgt", multimodal_task(seed=config.train.seed, **task))
    return encode_corpus(corpus, fit_pipeline(config.data, corpus.splits["train"]))


def with_training_targets(dataset: PreparedData, tgt_ids, texts: list[str]) -> PreparedData:
    """The same dataset, its training targets replaced (by the teacher's output, for Seq-KD or Seq-Inter)."""
    train = dataset.splits["train"]
    text = ParallelText(train.text.src, [texts])
    return replace(dataset, splits={**dataset.splits, "train": EncodedSplit(text, train.src_ids, list(tgt_ids))})


def train(config, dataset, *, objective=None, model=None, run_dir=None, masks=None, show=("validation",)):
    """:class:`tinyseqkd.training.Trainer` in ``run_dir`` (a throw-away directory if None), printing only the log
    lines that start with ``show``; ``masks`` keep pruned weights at zero while it trains. Returns the model, in
    evaluation mode."""
    def log(text):
        for line in text.splitlines():
            if line.startswith(tuple(show)):
                print(" ", line)

    with tempfile.TemporaryDirectory() as scratch:
        trainer = Trainer(config, dataset, run_dir or scratch, log=log)
        if model is not None:  # start from these weights (what --train.init does with a checkpoint file)
            trainer.model.load_state_dict(model.state_dict())
        if objective is not None:  # e.g. Word-KD against an in-memory teacher (what --distill.teacher does)
            trainer.objective = objective
        if masks is not None:  # keep pruned weights at zero (what --prune.scheme does at a fresh start)
            trainer.optimizer.set_masks(masks)
        trainer.fit()
    return trainer.model.eval()


def save_figure(args, name: str, draw) -> Path | None:
    """``draw(plt)`` makes a matplotlib figure; it is saved as ``args.figures/name`` and the path printed.
    Without matplotlib (an optional extra: ``pip install "tinyseqkd[tutorials]"``) one line says so."""
    try:
        import matplotlib
    except ImportError:
        print(f"(plot {name} skipped: matplotlib is not installed; pip install \"tinyseqkd[tutorials]\")")
        return None
    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    args.figures.mkdir(parents=True, exist_ok=True)
    figure = draw(plt)
    figure.tight_layout()
    path = args.figures / name
    figure.savefig(path, dpi=90)
    plt.close(figure)
    print(f"(plot saved: {path})")
    if "ipykernel" in sys.modules:  # in a notebook, show it below the cell as well
        from IPython.display import Image, display

        display(Image(str(path)))
    return path
