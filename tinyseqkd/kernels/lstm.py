"""The LSTM cell's pointwise half as one fused operation (numba), beside its numpy twin.

Composed from primitives (``tinyseqkd.nn.lstm.lstm_pointwise``) the gates cost about a dozen graph nodes and as many
temporary arrays per step; fused, one node reads the pre-activations once and writes h and c once. The equations
(same as the cell's docstring), with a = pre-activations [a_i; a_f; a_g; a_o]::

    i = σ(a_i)  f = σ(a_f)  g = tanh(a_g)  o = σ(a_o)      c = f c_prev + i g      h = o tanh(c)

and their derivatives, given dh and dc (dc from the next step, dh from everything that reads h)::

    dc* = dc + dh o (1 − tanh² c)                       the total gradient reaching c
    da_o = dh tanh(c) o (1 − o)      da_i = dc* g i (1 − i)
    da_g = dc* i (1 − g²)            da_f = dc* c_prev f (1 − f)       dc_prev = dc* f
"""

from __future__ import annotations

import math

import numpy as np

from tinyseqkd.autograd import Function, Tensor
from tinyseqkd.kernels import kernel


# ------------------------------------------------------------------------------------------- numpy twins
def lstm_pointwise_forward_numpy(a: np.ndarray, c_prev: np.ndarray):
    """a: (B, 4H), c_prev: (B, H) → h, c, and the activated gates [i f g o] (B, 4H) for the backward."""
    H = c_prev.shape[1]
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    i, f, g, o = sig(a[:, :H]), sig(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sig(a[:, 3 * H:])
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, np.concatenate([i, f, g, o], axis=1)


def lstm_pointwise_backward_numpy(dh, dc, gates, c_prev, c):
    """Gradients of the pre-activations (B, 4H) and of c_prev (B, H) from dh and dc (B, H)."""
    H = c.shape[1]
    i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    tanh_c = np.tanh(c)
    dc_total = dc + dh * o * (1 - tanh_c**2)
    da = np.concatenate([
        dc_total * g * i * (1 - i),
        dc_total * c_prev * f * (1 - f),
        dc_total * i * (1 - g**2),
        dh * tanh_c * o * (1 - o),
    ], axis=1)
    return da, dc_total * f


# ------------------------------------------------------------------------------------------- numba kernels
@kernel
def _sigmoid(x):
    return 0.5 + 0.5 * math.tanh(0.5 * x)


@kernel
def lstm_pointwise_forward_kernel(a, c_prev, h, c, gates):
    """Loop version of :func:`lstm_pointwise_forward_numpy`, writing into h, c, gates."""
    B, H = c_prev.shape
    for b in range(B):
        for k in range(H):
            i = _sigmoid(a[b, k])
            f = _sigmoid(a[b, H + k])
            g = math.tanh(a[b, 2 * H + k])
            o = _sigmoid(a[b, 3 * H + k])
            c_new = f * c_prev[b, k] + i * g
            c[b, k] = c_new
            h[b, k] = o * math.tanh(c_new)
            gates[b, k] = i
            gates[b, H + k] = f
            gates[b, 2 * H + k] = g
            gates[b, 3 * H + k] = o


@kernel
def lstm_pointwise_backward_kernel(dh, dc, gates, c_prev, c, da, dc_prev):
    """Loop version of :func:`lstm_pointwise_backward_numpy`, writing into da and dc_prev."""
    B, H = c.shape
    for b in range(B):
        for k in range(H):
            i = gates[b, k]
            f = gates[b, H + k]
            g = gates[b, 2 * H + k]
            o = gates[b, 3 * H + k]
            tanh_c = math.tanh(c[b, k])
            dc_total = dc[b, k] + dh[b, k] * o * (1 - tanh_c * tanh_c)
            da[b, k] = dc_total * g * i * (1 - i)
            da[b, H + k] = dc_total * c_prev[b, k] * f * (1 - f)
            da[b, 2 * H + k] = dc_total * i * (1 - g * g)
            da[b, 3 * H + k] = dh[b, k] * tanh_c * o * (1 - o)
            dc_prev[b, k] = dc_total * f


# ------------------------------------------------------------------------------------------- the graph op
class LSTMPointwise(Function):
    """(pre-activations a (B, 4H), c_prev (B, H)) → (h, c), one node, numba forward and backward."""

    @staticmethod
    def forward(ctx, a, c_prev):
        a = np.ascontiguousarray(a)
        c_prev = np.ascontiguousarray(c_prev, dtype=a.dtype)
        h, c = np.empty_like(c_prev), np.empty_like(c_prev)
        gates = np.empty_like(a)
        lstm_pointwise_forward_kernel(a, c_prev, h, c, gates)
        ctx.save_for_backward(gates, c_prev, c)
        return h, c

    @staticmethod
    def backward(ctx, dh, dc):
        gates, c_prev, c = ctx.saved
        da, dc_prev = np.empty_like(gates), np.empty_like(c)
        lstm_pointwise_backward_kernel(
            np.ascontiguousarray(dh), np.ascontiguousarray(dc), gates, c_prev, c, da, dc_prev
        )
        return da, dc_prev


def lstm_pointwise_fused(a: Tensor, c_prev: Tensor) -> tuple[Tensor, Tensor]:
    """Drop-in for ``tinyseqkd.nn.lstm.lstm_pointwise``: the same (h, c), one graph node."""
    return LSTMPointwise.apply(a, c_prev)
