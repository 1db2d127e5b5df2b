"""Fused operations: composites that earned a hand-written backward because a benchmark showed it pays.

Each has a composed twin in ``functional.py`` that a test holds it equal to, and its own gradient check.

``log_softmax`` over the vocabulary is the largest array in a training step (batch × length × vocabulary). Composed,
it costs five graph nodes and as many full-size temporaries; fused, one node and one temporary. Measured on a
(64, 25, 8000) float32 input: see ``benchmarks/train_speed.py``'s profile.
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.autograd.function import Function
from tinyseqkd.autograd.tensor import Tensor


class LogSoftmax(Function):
    """y = x − logsumexp(x) along the last axis; backward: dx = g − softmax(x) · Σ_k g_k."""

    @staticmethod
    def forward(ctx, x):
        y = x - x.max(axis=-1, keepdims=True)  # shifted: every entry ≤ 0, so exp cannot overflow
        probs = np.exp(y)
        total = probs.sum(axis=-1, keepdims=True)
        probs /= total  # softmax, kept so that the backward needs no second exp
        y -= np.log(total)
        ctx.save_for_backward(probs)
        return y

    @staticmethod
    def backward(ctx, g):
        (probs,) = ctx.saved
        grad = probs * -g.sum(axis=-1, keepdims=True)
        grad += g
        return grad


def log_softmax(x: Tensor) -> Tensor:
    """log softmax over the last axis, one graph node (equal to ``functional.log_softmax(x, axis=-1)``)."""
    return LogSoftmax.apply(x)
