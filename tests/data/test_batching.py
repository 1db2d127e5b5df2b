"""Batches: every segment once, padded and masked correctly, deterministic under a seed, bucketed by length."""

import numpy as np
import pytest

from tinyseqkd.data.batching import make_batches, make_src_batches
from tinyseqkd.data.vocab import BOS, EOS, PAD

pytestmark = pytest.mark.ch03_data


@pytest.fixture
def pairs():
    rng = np.random.default_rng(7)
    src = [rng.integers(4, 50, size=rng.integers(1, 30)).astype(np.int32) for _ in range(500)]
    tgt = [rng.integers(4, 50, size=rng.integers(0, 30)).astype(np.int32) for _ in range(500)]
    return src, tgt


def order(batches):
    return np.concatenate([batch.index for batch in batches])


def test_every_segment_exactly_once(pairs):
    for batch_by, size in (("sentences", 32), ("tokens", 400)):
        batches = make_batches(*pairs, batch_size=size, batch_by=batch_by, rng=np.random.default_rng(0))
        assert sorted(order(batches).tolist()) == list(range(500))


def test_same_seed_same_batches_different_seed_different_order(pairs):
    a = make_batches(*pairs, batch_size=32, rng=np.random.default_rng(1))
    b = make_batches(*pairs, batch_size=32, rng=np.random.default_rng(1))
    c = make_batches(*pairs, batch_size=32, rng=np.random.default_rng(2))
    assert all(np.array_equal(x.src, y.src) and np.array_equal(x.tgt_out, y.tgt_out) for x, y in zip(a, b))
    assert not np.array_equal(order(a), order(c))


def test_no_rng_gives_a_fixed_sorted_order(pairs):
    a = make_batches(*pairs, batch_size=32, rng=None)
    assert np.array_equal(order(a), order(make_batches(*pairs, batch_size=32, rng=None)))
    lengths = [len(pairs[0][i]) for i in order(a)]
    assert lengths == sorted(lengths)
    assert np.array_equal(order(make_batches(*pairs, batch_size=32, bucket=False)), np.arange(500))


def test_padding_masks_bos_and_eos(pairs):
    src, tgt = pairs
    for batch in make_batches(src, tgt, batch_size=16, rng=np.random.default_rng(3)):
        assert batch.src.dtype == batch.tgt_in.dtype == batch.tgt_out.dtype == np.int32
        assert batch.src_mask.dtype == batch.tgt_mask.dtype == np.float32
        assert batch.src.shape[1] == batch.src_lengths.max()
        assert batch.tgt_in.shape == batch.tgt_out.shape == batch.tgt_mask.shape
        for row, i in enumerate(batch.index):
            s, t, n = src[i], tgt[i], len(tgt[i])
            assert np.array_equal(batch.src[row, :len(s)], s) and (batch.src[row, len(s):] == PAD).all()
            assert batch.src_mask[row].sum() == len(s) == batch.src_lengths[row]
            assert batch.tgt_in[row, 0] == BOS and np.array_equal(batch.tgt_in[row, 1:n + 1], t)
            assert np.array_equal(batch.tgt_out[row, :n], t) and batch.tgt_out[row, n] == EOS
            assert (batch.tgt_out[row, n + 1:] == PAD).all() and (batch.tgt_in[row, n + 1:] == PAD).all()
            assert batch.tgt_mask[row, :n + 1].all() and not batch.tgt_mask[row, n + 1:].any()
        assert batch.n_tgt_tokens == sum(len(tgt[i]) + 1 for i in batch.index)
        assert batch.n_src_tokens == sum(len(src[i]) for i in batch.index)


def test_token_budget_is_respected(pairs):
    batches = make_batches(*pairs, batch_size=300, batch_by="tokens", rng=np.random.default_rng(4))
    for batch in batches:
        assert len(batch) * max(batch.src.shape[1], batch.tgt_in.shape[1]) <= 300
    assert len(batches) < 500 // 5


def test_source_batches_respect_a_token_budget_too(pairs):
    batches, restore = make_src_batches(pairs[0], batch_size=300, batch_by="tokens")
    assert all(len(batch) * batch.src.shape[1] <= 300 for batch in batches)
    assert sorted(order(batches).tolist()) == list(range(500)) and len(batches) < 500 // 5


def test_bucketing_reduces_padding(pairs):
    def padding(batches):
        return sum(b.src.size - b.n_src_tokens for b in batches)
    bucketed = make_batches(*pairs, batch_size=32, rng=np.random.default_rng(5))
    unbucketed = make_batches(*pairs, batch_size=32, rng=np.random.default_rng(5), bucket=False)
    assert padding(bucketed) < padding(unbucketed) / 5


def test_source_batches_restore_the_original_order(pairs):
    src = pairs[0]
    batches, restore = make_src_batches(src, batch_size=50)
    outputs = [int(batch.src[row].sum()) for batch in batches for row in range(len(batch))]
    assert [outputs[k] for k in restore] == [int(s.sum()) for s in src]
    assert sorted(order(batches).tolist()) == list(range(500))


def test_empty_source_is_refused():
    with pytest.raises(ValueError, match="segment 1 has an empty source"):
        make_batches([np.array([5]), np.array([], dtype=np.int32)], [np.array([5]), np.array([6])], batch_size=2)
