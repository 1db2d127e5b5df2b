"""Validation batches like training batches: a token budget (``batch_by = "tokens"``) stays a token budget."""

import pytest

import tinyseqkd.evaluate
from tinyseqkd.config import load_config
from tinyseqkd.data.prepared import prepare
from tinyseqkd.training import Trainer

pytestmark = pytest.mark.ch04_model


def test_validation_with_a_token_budget_never_batches_more_tokens(tmp_path, monkeypatch):
    """Fix: validation passed ``batch_size`` on as a sentence count (all 1,005 valid verses in one batch)."""
    budget = 48
    config = load_config("toy-reverse", ["--train.batch_by=tokens", f"--train.batch_size={budget}"])
    trainer = Trainer(config, prepare(config.data, config.train.seed), tmp_path / "run", log=lambda *_: None)
    sizes = []  # (sentences, padded width) of every batch validation builds

    def recording(make, width):
        def wrapper(*args, **kwargs):
            result = make(*args, **kwargs)
            batches = result[0] if isinstance(result, tuple) else result
            sizes.extend((len(batch), width(batch)) for batch in batches)
            return result
        return wrapper

    monkeypatch.setattr(tinyseqkd.evaluate, "make_batches", recording(
        tinyseqkd.evaluate.make_batches, lambda batch: max(batch.src.shape[1], batch.tgt_in.shape[1])))
    monkeypatch.setattr(tinyseqkd.evaluate, "make_src_batches", recording(
        tinyseqkd.evaluate.make_src_batches, lambda batch: batch.src.shape[1]))
    trainer.run_dir.mkdir(parents=True)
    trainer.validate()
    assert sum(n for n, _ in sizes) == 2 * len(trainer.dataset.splits["valid"])  # perplexity + greedy BLEU
    assert max(n * width for n, width in sizes) <= budget
