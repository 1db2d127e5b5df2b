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

``output_layer_nll`` is the output layer and the training loss in one node: Σ_j w_j · −log softmax(h̃_j W + b)[y_j]
(``nll_loss(log_softmax(affine(h̃, W, b)), y)`` composed). The composed chain keeps three or four batch × length ×
vocabulary arrays alive until the backward ends (the scores, the log-probabilities, their gradients): for the
teacher's batches, 64 × 70 × 4,708 floats = 84 MB each, most of a training step's memory. Fused, the rows go
through in slices of a few megabytes; each slice's scores become its gradient in place (softmax − one-hot,
``kernels/softmax.py``) and are multiplied into the gradients of h̃, W and b at once, so only those are kept. The
loss is a scalar at the end of the graph, so its backward only scales them by the incoming gradient. Without a
graph (validation), no gradient is computed at all. Padded positions (weight 0) are left out before the products.

``masked_scale`` is dropout's x ⊙ keep / (1 − p) as one node that keeps the boolean mask for its backward, a
quarter of the float mask that ``x * mask`` composed would keep (10 MB of the teacher's longest batch).
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.autograd.accumulate import OuterProduct
from tinyseqkd.autograd.function import Function
from tinyseqkd.autograd.ops import _matmul
from tinyseqkd.autograd.tensor import Tensor
from tinyseqkd.autograd.function import is_grad_enabled
from tinyseqkd.kernels.softmax import log_softmax_backward, log_softmax_forward, nll_rows


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


class MaskedScale(Function):
    """y = x ⊙ keep · s, for a boolean mask ``keep`` and a number s: dropout. Backward: g ⊙ keep · s."""

    @staticmethod
    def forward(ctx, x, keep, scale):
        ctx.args = keep, scale  # one byte per number, where x * (keep * s) composed would save a float mask
        return x * (keep * scale)

    @staticmethod
    def backward(ctx, g):
        keep, scale = ctx.args
        return g * (keep * scale)


def masked_scale(x: Tensor, keep: np.ndarray, scale: float) -> Tensor:
    """x ⊙ keep · scale in one graph node (equal to ``x * (keep * scale)`` with the mask as a float constant)."""
    return MaskedScale.apply(x, keep=keep, scale=np.asarray(scale, dtype=x.dtype))


SLICE_BYTES = 4 << 20  # the scores of one slice of rows: a few megabytes, so they stay in the CPU's caches


class OutputLayerNLL(Function):
    """L = Σ_n w_n · −log softmax(h_n W + b)[t_n] over rows h (..., in), W (in, V), b (V,); targets t and weights
    w (the rows' shape, constants). The gradients are computed with the loss (module docstring); backward scales."""

    @staticmethod
    def forward(ctx, h, W, b, *, targets, weights, with_gradients):
        all_rows, counted, (rows, targets, weights) = rows_that_count(h, targets, weights)  # padding: skipped
        dh, dW, db = (np.empty_like(rows), np.zeros_like(W), np.zeros_like(b)) if with_gradients else (None,) * 3
        total = 0.0
        for part in row_slices(len(rows), W.shape[1]):
            scores = _matmul(rows[part], W)
            scores += b
            losses, grad = nll_rows(scores, targets[part], weights[part], with_gradients)
            total += float(losses.sum())
            if with_gradients:
                add_slice_gradients(grad, rows, W, part, dh, dW, db)
        if dh is not None:
            dh = spread_rows(dh, counted, all_rows.shape).reshape(h.shape)
        ctx.save_for_backward(dh, dW, db)
        return np.asarray(total, dtype=h.dtype)

    @staticmethod
    def backward(ctx, g):
        return scaled_gradients(ctx, g)


def row_slices(rows: int, vocabulary: int):
    """Slices of ``rows`` whose float32 scores over ``vocabulary`` words take about :data:`SLICE_BYTES` each."""
    step = max(1, SLICE_BYTES // (4 * vocabulary))
    return [slice(start, start + step) for start in range(0, rows, step)]


def rows_that_count(h: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> tuple:
    """(h as an (N, in) matrix of rows, ``counted``: the index of the rows whose weight is not 0 — ``slice(None)``
    when that is all — and those rows, their targets and their weights).

    A padded target position has weight 0, so it adds nothing to the loss or to any gradient; skipping it saves its
    share of the output layer's three matrix products (7% of the Bible training batches' target positions).
    """
    rows = np.ascontiguousarray(h).reshape(-1, h.shape[-1])
    weights = np.asarray(weights, h.dtype).reshape(-1)
    counted = np.flatnonzero(weights)
    counted = slice(None) if len(counted) == len(weights) else counted
    return rows, counted, (rows[counted], np.asarray(targets).reshape(-1)[counted], weights[counted])


def spread_rows(values: np.ndarray, counted, shape: tuple) -> np.ndarray:
    """The gradient of every row from those of the counted rows (:func:`rows_that_count`): zeros for the others."""
    if isinstance(counted, slice):
        return values
    every = np.zeros(shape, values.dtype)
    every[counted] = values
    return every


def needs_gradients(*tensors: Tensor) -> bool:
    """Whether a sliced loss node must compute its gradients with the loss: a graph is recorded and some input
    requires a gradient."""
    return is_grad_enabled() and any(tensor.requires_grad for tensor in tensors)


def add_slice_gradients(grad, rows, W, part, dh, dW, db) -> None:
    """For one slice of rows and its dL/dscores G: dL/dh = G Wᵀ into ``dh[part]``, hᵀ G into dW, Σ_rows G into db."""
    np.matmul(grad, W.T, out=dh[part])
    dW += rows[part].T @ grad
    db += grad.sum(axis=0)


def scaled_gradients(ctx, g) -> tuple:
    """The backward of a sliced loss node: its gradients, computed with the loss, times the incoming g."""
    dh, dW, db = ctx.saved
    if dh is None:
        raise RuntimeError("the loss ran without gradients (inside no_grad); run it again to train")
    scale = np.asarray(g, dh.dtype)
    return tuple(grad * scale if needed else None for grad, needed in zip((dh, dW, db), ctx.needs_input_grad))


def output_layer_nll(h: Tensor, W: Tensor, b: Tensor, targets: np.ndarray, weights: np.ndarray) -> Tensor:
    """Σ w · −log softmax(h W + b)[targets] in one graph node (equal to ``nll_loss(log_softmax(affine(h, W, b)),
    targets, reduction="none")`` times ``weights``, summed); ``weights`` 0 on padded positions."""
    return OutputLayerNLL.apply(h, W, b, targets=np.asarray(targets), weights=np.asarray(weights),
                                with_gradients=needs_gradients(h, W, b))
