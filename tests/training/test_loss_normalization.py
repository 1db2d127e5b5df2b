"""train.normalize: what a batch's summed loss is divided by (per sentence, as the paper, or per token)."""

import numpy as np
import pytest

from tinyseqkd.config import load_config
from tinyseqkd.data.batching import make_batches
from tinyseqkd.data.prepared import prepare
from tinyseqkd.training import Trainer, loss_normalizer, mean_tokens_per_batch

pytestmark = pytest.mark.ch04_model


def _trainer(tmp_path, *overrides):
    config = load_config("toy-reverse", ["--model.hidden_size=8", "--model.embedding_size=4", *overrides])
    return Trainer(config, prepare(config.data, config.train.seed), tmp_path / "run", log=lambda *_: None)


def _hand_made_batch():
    """Two pairs by hand: targets of 2 and 4 words, so 3 + 5 = 8 predicted tokens (</s> included)."""
    src = [np.array([4, 5, 6]), np.array([7, 8])]
    tgt = [np.array([9, 10]), np.array([11, 12, 13, 4])]
    (batch,) = make_batches(src, tgt, batch_size=2, rng=None)
    return batch


def _summed_nll_by_hand(model, batch) -> float:
    log_probs = model.eval()(batch.src, batch.src_lengths, batch.tgt_in).data  # (B, T, V)
    picked = np.take_along_axis(log_probs, batch.tgt_out[:, :, None].astype(np.int64), axis=2)[:, :, 0]
    return float(-(picked * batch.tgt_mask).sum(dtype=np.float64))


@pytest.mark.parametrize("normalize, divisor", [("sentences", 2.0), ("tokens", 6.5)])
def test_each_mode_divides_the_summed_nll_as_documented(tmp_path, normalize, divisor):
    trainer = _trainer(tmp_path, f"--train.normalize={normalize}")
    trainer.tokens_per_batch = 6.5  # as if this epoch's batches held 6.5 target tokens on average
    batch = _hand_made_batch()
    assert batch.n_tgt_tokens == 8 and len(batch) == 2
    expected_sum = _summed_nll_by_hand(trainer.model, batch)
    loss, nll = trainer.batch_loss(batch)
    assert nll == pytest.approx(expected_sum / 8, rel=1e-5)  # the progress line's figure: a mean per token
    assert loss.item() == pytest.approx(expected_sum / divisor, rel=1e-5)


def test_tokens_mode_weighs_every_token_alike_in_short_and_long_batches(tmp_path):
    trainer = _trainer(tmp_path, "--train.normalize=tokens", "--train.batch_size=16")
    batches = trainer._epoch_batches()
    short = min(batches, key=lambda b: b.tgt_in.shape[1])
    long = max(batches, key=lambda b: b.tgt_in.shape[1])
    assert long.n_tgt_tokens > 1.5 * short.n_tgt_tokens  # 16 short verses against 16 long ones
    weights = []
    for batch in (short, long):
        loss, nll = trainer.batch_loss(batch)  # loss = weight · Σ token NLLs: one weight per token of the batch
        weights.append(loss.item() / (nll * batch.n_tgt_tokens))
    assert weights[0] == pytest.approx(weights[1], rel=1e-5)
    assert weights[0] == pytest.approx(1 / mean_tokens_per_batch(batches), rel=1e-5)


def test_sentences_mode_weighs_every_sentence_alike(tmp_path):
    trainer = _trainer(tmp_path, "--train.normalize=sentences", "--train.batch_size=16")
    for batch in trainer._epoch_batches()[:3]:
        loss, nll = trainer.batch_loss(batch)
        assert loss.item() == pytest.approx(nll * batch.n_tgt_tokens / len(batch), rel=1e-5)


def test_loss_normalizer_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="normalize must be"):
        loss_normalizer(_hand_made_batch(), "words", 10.0)
