"""A tiny trained model to prune: the toy reverse task, a few updates of a small network, written by the real
trainer (so its checkpoint holds a config, a text pipeline and the optimizer state, like any run's)."""

import numpy as np

from tinyseqkd.config import load_config
from tinyseqkd.training import Trainer

# Small and quick: a 1 × 16 LSTM, validation on 10 sentences' greedy BLEU, no progress lines.
TINY = ["--model.embedding_size=8", "--model.hidden_size=16", "--train.valid_bleu_size=10",
        "--train.valid_examples=0", "--train.log_every=0"]


def quiet(*_):
    pass


def toy_trainer(run_dir, *overrides) -> Trainer:
    """A Trainer of the toy-reverse config made tiny (:data:`TINY`), with ``overrides`` on top."""
    return Trainer(load_config("toy-reverse", [*TINY, *overrides]), None, run_dir, log=quiet)


def toy_checkpoint(run_dir, steps: int = 10) -> "Path":  # noqa: F821
    """Train the tiny model ``steps`` updates into ``run_dir``; returns its best.npz."""
    toy_trainer(run_dir, f"--train.max_steps={steps}", f"--train.validate_every={steps}").fit()
    return run_dir / "best.npz"


def parameters(model) -> dict[str, np.ndarray]:
    return {name: p.data.copy() for name, p in model.named_parameters()}
