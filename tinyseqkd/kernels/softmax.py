"""Log-softmax over the vocabulary, forward and backward, as numba kernels beside their numpy twins.

For one row x (the V scores of one target position), with m = max_k x_k::

    y_k   = x_k − m − log Σ_j e^(x_j − m)          log-probabilities
    dx_k  = g_k − e^(y_k) Σ_j g_j                  the backward, given g = dL/dy

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


# ------------------------------------------------------------------------------------------- numba kernels
@kernel
def log_softmax_forward_kernel(x, y):
    """Loop version of :func:`log_softmax_forward_numpy` for float32 (N, V), writing into y."""
    N, V = x.shape
    shifted = np.empty(V, np.float32)
    probs = np.empty(V, np.float32)
    bits = np.empty(V, np.int32)
    for n in range(N):
        top = x[n, 0]
        for k in range(1, V):
            top = max(top, x[n, k])
        for k in range(V):
            shifted[k] = x[n, k] - top
        exp_into(shifted, probs, bits)
        total = np.float32(0.0)
        for k in range(V):
            total += probs[k]
        log_total = np.float32(math.log(total))
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
