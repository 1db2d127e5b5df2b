"""Fused operations: composites that earned a hand-written backward because a benchmark showed it pays.

Each has a composed twin that a test holds it equal to, and its own gradient check.

``affine`` is x W + b as one node: the bias is added in place into the product, instead of into a second
(rows × outputs) array — for the output layer, another batch × length × vocabulary array saved per step. (The
layer that owns W and b is ``tinyseqkd.nn.Linear``; this is the operation it runs.)

``log_softmax`` over the vocabulary is the largest array in a training step (batch × length × vocabulary).
Composed (``functional.log_softmax_composed``, the teaching reference), it costs five graph nodes and as many
full-size temporaries. Fused, it is one node whose float32 forward and backward are the numba kernels of
``tinyseqkd.kernels.softmax`` (or their numpy twins, when ``tinyseqkd.kernels.use_kernels("numpy")`` says so):
measured on 1,600 rows of 8,000 scores, forward + backward take 85 ms composed, 115 ms as numpy passes, 35 ms with
the kernels. It is the one ``log_softmax`` of tinyseqkd: ``functional.log_softmax`` is this same function.
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.autograd.accumulate import OuterProduct
from tinyseqkd.autograd.function import Function
from tinyseqkd.autograd.ops import _matmul
from tinyseqkd.autograd.tensor import Tensor
from tinyseqkd.kernels.softmax import log_softmax_backward, log_softmax_forward


class LogSoftmax(Function):
    """y = x − logsumexp(x) along the last axis; backward: dx = g − softmax(x) · Σ_k g_k."""

    @staticmethod
    def forward(ctx, x):
        y = log_softmax_forward(np.ascontiguousarray(x).reshape(-1, x.shape[-1]))  # (rows, V)
        ctx.save_for_backward(y)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        dx = log_softmax_backward(y, np.ascontiguousarray(g, dtype=y.dtype).reshape(y.shape))
        return dx.reshape(g.shape)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """log softmax over the last axis, one graph node (equal to ``functional.log_softmax_composed(x)``)."""
    if axis not in (-1, x.ndim - 1):
        raise ValueError(f"log_softmax runs over the last axis (got axis={axis}); move that axis last first")
    return LogSoftmax.apply(x)


class Affine(Function):
    """y = x W + b for x (..., in), W (in, out), b (out,); backward: g Wᵀ, xᵀ g (deferred), Σ_rows g."""

    @staticmethod
    def forward(ctx, x, W, b):
        y = _matmul(x, W)
        y += b
        ctx.save_for_backward(x, W)
        return y

    @staticmethod
    def backward(ctx, g):
        x, W = ctx.saved
        needs_x, needs_W, needs_b = ctx.needs_input_grad
        rows = g.reshape(-1, g.shape[-1])
        dx = _matmul(g, W.T) if needs_x else None
        dW = OuterProduct(x.reshape(-1, x.shape[-1]), rows) if needs_W else None
        db = rows.sum(axis=0) if needs_b else None
        return dx, dW, db


def affine(x: Tensor, W: Tensor, b: Tensor) -> Tensor:
    """x W + b in one graph node (equal to ``x @ W + b``)."""
    return Affine.apply(x, W, b)
