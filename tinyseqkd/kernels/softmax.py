"""Log-softmax over the vocabulary, forward and backward, as numba kernels beside their numpy twins.

For one row x (the V scores of one target position), with m = max_k x_k::

    y_k   = x_k − m − log Σ_j e^(x_j − m)          log-probabilities
    dx_k  = g_k − e^(y_k) Σ_j g_j                  the backward, given g = dL/dy

and, for the training loss, the two in one pass (:func:`nll_rows`): a row's weighted negative log-likelihood of its
target t and the loss's gradient with respect to the scores, which needs no log-probabilities kept::

    loss  = w · (log Σ_j e^(x_j − m) + m − x_t)    = −w · y_t
    dx_k  = w · (e^(y_k) − 1{k = t})                softmax minus the one-hot, times the row's weight w

This is the largest array of a training step (batch × length × vocabulary), so it pays to touch each row as few
times as possible and to use the vectorised exp of ``fastexp.py``: the kernels read a row while it sits in the
CPU cache. Measured on (64 × 25) rows of 8,000 float32 numbers: see ``benchmarks/train_speed.py --profile``.
The kernels handle float32; other types go through the numpy twins.

``LogSoftmax`` (``tinyseqkd.autograd.fused``) calls the dispatchers at the end, :func:`log_softmax_forward` and
:func:`log_softmax_backward`, which run the kernels or the twins as ``tinyseqkd.kernels.switch`` says.
"""

from __future__ import annotations

import math

import numpy as np

from tinyseqkd.kernels import kernel, switch
from tinyseqkd.kernels.fastexp import exp_into


# ------------------------------------------------------------------------------------------- numpy twins
def log_softmax_forward_numpy(x: np.ndarray) -> np.ndarray:
    """(N, V) scores → (N, V) log-probabilities."""
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def log_softmax_backward_numpy(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """dL/dx from the log-probabilities y and dL/dy = g, both (N, V)."""
    return g - np.exp(y) * g.sum(axis=-1, keepdims=True)


def nll_rows_numpy(x: np.ndarray, targets: np.ndarray, weights: np.ndarray, with_gradient: bool = True):
    """(N, V) scores, (N,) target ids and (N,) weights → the (N,) weighted losses −w·y_t and, if asked, the (N, V)
    gradient w·(softmax − one-hot) (else None)."""
    y = log_softmax_forward_numpy(x)
    rows = np.arange(len(x))
    losses = -y[rows, targets] * weights
    if not with_gradient:
        return losses, None
    grad = np.exp(y)
    grad[rows, targets] -= 1.0
    return losses, grad * weights[:, None]


# ------------------------------------------------------------------------------------------- numba kernels
@kernel
def shifted_exp_row(row, shifted, probs, bits):
    """One row's x_k − m into ``shifted`` and e^(x_k − m) into ``probs`` (m = max_k x_k); returns Σ_k e^(x_k − m).
    ``shifted`` and ``probs`` may be one array (it then ends holding the exps). Also used by ``word_kd.py``."""
    top = row[0]
    for k in range(1, len(row)):
        top = max(top, row[k])
    for k in range(len(row)):
        shifted[k] = row[k] - top
    exp_into(shifted, probs, bits)
    total = np.float32(0.0)
    for k in range(len(row)):
        total += probs[k]
    return total


@kernel
def log_softmax_forward_kernel(x, y):
    """Loop version of :func:`log_softmax_forward_numpy` for float32 (N, V), writing into y."""
    N, V = x.shape
    shifted = np.empty(V, np.float32)
    probs = np.empty(V, np.float32)
    bits = np.empty(V, np.int32)
    for n in range(N):
        log_total = np.float32(math.log(shifted_exp_row(x[n], shifted, probs, bits)))
        for k in range(V):
            y[n, k] = shifted[k] - log_total


@kernel
def log_softmax_backward_kernel(y, g, dx):
    """Loop version of :func:`log_softmax_backward_numpy` for float32 (N, V), writing into dx."""
    N, V = y.shape
    probs = np.empty(V, np.float32)
    bits = np.empty(V, np.int32)
    for n in range(N):
        total = np.float32(0.0)
        for k in range(V):
            total += g[n, k]
        exp_into(y[n], probs, bits)
        for k in range(V):
            dx[n, k] = g[n, k] - probs[k] * total


@kernel
def nll_rows_kernel(x, targets, weights, losses, with_gradient):
    """Loop version of :func:`nll_rows_numpy` for float32 (N, V): the losses into ``losses`` and, if
    ``with_gradient``, the gradient into ``x`` itself (the scores are not needed afterwards)."""
    N, V = x.shape
    shifted = np.empty(V, np.float32)
    probs = np.empty(V, np.float32)
    bits = np.empty(V, np.int32)
    for n in range(N):
        w = weights[n]
        if w == 0.0:  # a padded position: no loss, no gradient, no exp to compute
            losses[n] = 0.0
            if with_gradient:
                for k in range(V):
                    x[n, k] = 0.0
            continue
        total = shifted_exp_row(x[n], shifted, probs, bits)
        t = targets[n]
        losses[n] = w * (np.float32(math.log(total)) - shifted[t])
        if with_gradient:
            scale = w / total
            for k in range(V):
                x[n, k] = probs[k] * scale
            x[n, t] -= w


# ------------------------------------------------------------------------------------------- dispatchers
def log_softmax_forward(x: np.ndarray) -> np.ndarray:
    """(N, V) C-contiguous scores → log-probabilities, from the path the switch chooses (kernel: float32 only)."""
    if switch.numba_on and x.dtype == np.float32:
        y = np.empty_like(x)
        log_softmax_forward_kernel(x, y)
        return y
    return log_softmax_forward_numpy(x)


def log_softmax_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """dL/dx from y and g, both (N, V) C-contiguous of one dtype, from the path the switch chooses."""
    if switch.numba_on and y.dtype == np.float32:
        dx = np.empty_like(y)
        log_softmax_backward_kernel(y, g, dx)
        return dx
    return log_softmax_backward_numpy(y, g)


def nll_rows(x: np.ndarray, targets: np.ndarray, weights: np.ndarray, with_gradient: bool = True):
    """The weighted losses of (N, V) C-contiguous scores and, if asked, their gradient (module docstring), from the
    path the switch chooses. The kernel writes the gradient over ``x`` (so the caller must not need the scores
    again); the numpy twin returns a new array."""
    if switch.numba_on and x.dtype == np.float32:
        losses = np.empty(len(x), np.float32)
        nll_rows_kernel(x, np.asarray(targets, np.int64), np.asarray(weights, np.float32), losses, with_gradient)
        return losses, (x if with_gradient else None)
    return nll_rows_numpy(x, targets, np.asarray(weights, x.dtype), with_gradient)
