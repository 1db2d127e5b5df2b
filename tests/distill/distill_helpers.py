"""Small models, batches and fake decoders for the distillation tests."""

import numpy as np

from tinyseqkd.data.batching import make_batches
from tinyseqkd.model import ModelArgs, Seq2Seq


def tiny_seq2seq(seed=0, dropout=0.0, src_vocab=9, tgt_vocab=8, init_scale=0.5):
    args = ModelArgs(src_vocab_size=src_vocab, tgt_vocab_size=tgt_vocab, embedding_size=6, hidden_size=8, layers=2,
                     dropout=dropout, init_scale=init_scale)
    return Seq2Seq(args, np.random.default_rng(seed))


def tiny_batch(seed=0, n=4, src_vocab=9, tgt_vocab=8):
    """One padded training batch of ``n`` random pairs (sources of 1–5 words, targets of 0–4)."""
    rng = np.random.default_rng(seed)
    src = [rng.integers(4, src_vocab, rng.integers(1, 6)).astype(np.int32) for _ in range(n)]
    tgt = [rng.integers(4, tgt_vocab, rng.integers(0, 5)).astype(np.int32) for _ in range(n)]
    (batch,) = make_batches(src, tgt, batch_size=n)
    return batch


def fake_decoder(nbest=3, calls=None):
    """A deterministic stand-in for the teacher: hypothesis k of a source is its words spelled "w<id>.k"."""
    def decode_chunk(sources):
        if calls is not None:
            calls.append(len(sources))
        return [[([f"w{int(i)}.{k}" for i in src], -float(k) - 0.125 * len(src)) for k in range(nbest)]
                for src in sources]
    return decode_chunk
