"""Decoding: turning a trained model's distributions into translations.

:func:`greedy_decode` takes the most probable word at every step, batched: all sentences advance together and a
sentence that has produced ``</s>`` stops growing (its later steps are ignored). Outputs are cut at ``</s>`` and at
a maximum length of ``max_len_ratio × source length + max_len_extra``.
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.autograd import no_grad
from tinyseqkd.data.vocab import BOS, EOS


def output_limit(src_lengths: np.ndarray, ratio: float = 2.0, extra: int = 10) -> np.ndarray:
    """The longest output allowed for each sentence (without ``</s>``)."""
    return (np.asarray(src_lengths) * ratio).astype(np.int64) + extra


def greedy_decode(model, src: np.ndarray, src_lengths: np.ndarray, max_len_ratio: float = 2.0,
                  max_len_extra: int = 10) -> list[np.ndarray]:
    """Most-probable-word decoding of a padded source batch → one id array per sentence (no ``</s>``)."""
    limits = output_limit(src_lengths, max_len_ratio, max_len_extra)
    B = len(src_lengths)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            encoded = model.encode(src, src_lengths)
            feed, states = model.initial_feed(B), encoded.final_states
            prev = np.full(B, BOS, dtype=np.int64)
            steps = []
            finished = np.zeros(B, dtype=bool)
            for _ in range(int(limits.max())):
                feed, states, _ = model.decode_step(prev, feed, states, encoded)
                prev = model.log_probs(feed).data.argmax(axis=-1)
                steps.append(prev)
                finished |= prev == EOS
                if finished.all():
                    break
    finally:
        model.train(was_training)
    outputs = np.stack(steps, axis=1)
    return [_cut(outputs[b], limits[b]) for b in range(B)]


def _cut(ids: np.ndarray, limit: int) -> np.ndarray:
    ends = np.flatnonzero(ids == EOS)
    end = ends[0] if len(ends) else len(ids)
    return ids[:min(end, limit)]
