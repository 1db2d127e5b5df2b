"""The LSTM cell's pointwise half, forward and backward, as numba kernels beside their numpy twins.

After the matrix products, an LSTM step is elementwise work on the pre-activations a = [a_i; a_f; a_o; a_g]
(B, 4H) and the previous cell c_prev (B, H) — equations and derivatives in ``tinyseqkd.nn.lstm``. numpy does it in
about fifteen array passes; the kernels do one pass per row, with the vectorised exp of ``fastexp.py`` behind σ
and tanh (σ(x) = 1 / (1 + e^-x), tanh(x) = (1 − e^-2x) / (1 + e^-2x), both evaluated with e^-|x| ≤ 1 so nothing
overflows). A numba loop calling the C library's ``tanh`` per number measured 9x *slower* than numpy; the
vectorised exp is what makes the kernel pay. Both kernels are float32 only (float64, for gradient checks, takes the
twins).

The backward needs tanh(c_t). It recomputes it from c_t (one exp per number) rather than keeping the forward's
copy: c_t is kept anyway (the next step's c_{t-1}), and a (B, H) array less per layer and step is 15 MB less on the
teacher's longest batch. The same formula gives the same bits as the forward's.
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.kernels import kernel, switch
from tinyseqkd.kernels.fastexp import exp_into


# ------------------------------------------------------------------------------------------- numpy twins
def lstm_cell_forward_numpy(a: np.ndarray, c_prev: np.ndarray):
    """→ h, c (B, H), the activated gates [i f o g] (B, 4H) and tanh(c) (B, H), the last two for the backward."""
    H = c_prev.shape[-1]
    gates = np.empty_like(a)
    gates[:, :3 * H] = 0.5 + 0.5 * np.tanh(0.5 * a[:, :3 * H])  # σ(x) = 1 / (1 + e^-x), without overflow
    gates[:, 3 * H:] = np.tanh(a[:, 3 * H:])
    i, f, o, g = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    return o * tanh_c, c, gates, tanh_c


def lstm_cell_backward_numpy(dh, dc, gates, c_prev, c):
    """→ da (B, 4H) and dc_prev (B, H) from dh, dc (B, H); c (B, H) is the step's new cell c_t."""
    H = c_prev.shape[-1]
    tanh_c = np.tanh(c)
    i, f, o, g = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    # --- assignment lstm-backward: da = [da_i da_f da_o da_g] (B, 4H) and dc_prev (B, H), no loops ---
    dc_total = dc + dh * o * (1 - tanh_c * tanh_c)
    da = np.concatenate([dc_total * g * i * (1 - i), dc_total * c_prev * f * (1 - f),
                         dh * tanh_c * o * (1 - o), dc_total * i * (1 - g * g)], axis=-1)
    return da, dc_total * f
    # --- end assignment lstm-backward ---


# ------------------------------------------------------------------------------------------- numba kernels
@kernel
def lstm_cell_forward_kernel(a, c_prev, h, c, gates, tanh_c):
    """Loop version of :func:`lstm_cell_forward_numpy` for float32, writing into h, c, gates, tanh_c."""
    B, H = c_prev.shape
    one = np.float32(1.0)
    minus_abs = np.empty(4 * H, np.float32)
    e = np.empty(4 * H, np.float32)
    bits = np.empty(4 * H, np.int32)
    for b in range(B):
        for k in range(3 * H):
            minus_abs[k] = -abs(a[b, k])  # σ gates: e^-|x|
        for k in range(3 * H, 4 * H):
            minus_abs[k] = np.float32(-2.0) * abs(a[b, k])  # tanh gate: e^-2|x|
        exp_into(minus_abs, e, bits)
        for k in range(3 * H):
            s = one / (one + e[k])
            gates[b, k] = s if a[b, k] >= 0 else e[k] * s
        for k in range(3 * H, 4 * H):
            t = (one - e[k]) / (one + e[k])
            gates[b, k] = t if a[b, k] >= 0 else -t
        for k in range(H):
            c[b, k] = gates[b, H + k] * c_prev[b, k] + gates[b, k] * gates[b, 3 * H + k]
        _tanh_into(c[b], tanh_c[b], minus_abs[:H], e[:H], bits[:H])
        for k in range(H):
            h[b, k] = gates[b, 2 * H + k] * tanh_c[b, k]


@kernel
def _tanh_into(x, out, minus_abs, e, bits):
    """out = tanh(x) for a float32 row, as (1 − e^-2|x|) / (1 + e^-2|x|) with x's sign; the rest is scratch."""
    one = np.float32(1.0)
    for k in range(x.shape[0]):
        minus_abs[k] = np.float32(-2.0) * abs(x[k])
    exp_into(minus_abs, e, bits)
    for k in range(x.shape[0]):
        t = (one - e[k]) / (one + e[k])
        out[k] = t if x[k] >= 0 else -t


@kernel
def lstm_cell_backward_kernel(dh, dc, gates, c_prev, c, da, dc_prev):
    """Loop version of :func:`lstm_cell_backward_numpy` for float32, writing into da and dc_prev."""
    B, H = c_prev.shape
    t, minus_abs, e = np.empty(H, np.float32), np.empty(H, np.float32), np.empty(H, np.float32)  # t: tanh(c) of a row
    bits = np.empty(H, np.int32)
    for b in range(B):
        _tanh_into(c[b], t, minus_abs, e, bits)
        i, f, o, g = gates[b, :H], gates[b, H:2 * H], gates[b, 2 * H:3 * H], gates[b, 3 * H:]
        da_i, da_f, da_o, da_g = da[b, :H], da[b, H:2 * H], da[b, 2 * H:3 * H], da[b, 3 * H:]
        dh_b, dc_b, cp = dh[b], dc[b], c_prev[b]
        for k in range(H):
            dc_total = dc_b[k] + dh_b[k] * o[k] * (1 - t[k] * t[k])
            da_i[k] = dc_total * g[k] * i[k] * (1 - i[k])
            da_f[k] = dc_total * cp[k] * f[k] * (1 - f[k])
            da_o[k] = dh_b[k] * t[k] * o[k] * (1 - o[k])
            da_g[k] = dc_total * i[k] * (1 - g[k] * g[k])
            dc_prev[b, k] = dc_total * f[k]


# ------------------------------------------------------------------------------------------- dispatchers
def lstm_cell_forward(a: np.ndarray, c_prev: np.ndarray):
    """:func:`lstm_cell_forward_numpy`'s results from the path the switch chooses (the kernel takes float32 only).

    a (B, 4H) and c_prev (B, H) C-contiguous, of one dtype → h, c, gates, tanh_c.
    """
    if switch.numba_on and a.dtype == np.float32:
        h, c, tanh_c = np.empty_like(c_prev), np.empty_like(c_prev), np.empty_like(c_prev)
        gates = np.empty_like(a)
        lstm_cell_forward_kernel(a, c_prev, h, c, gates, tanh_c)
        return h, c, gates, tanh_c
    return lstm_cell_forward_numpy(a, c_prev)


def lstm_cell_backward(dh, dc, gates, c_prev, c):
    """:func:`lstm_cell_backward_numpy`'s results (da, dc_prev) from the path the switch chooses (the kernel takes
    float32 only)."""
    if switch.numba_on and gates.dtype == np.float32:
        da, dc_prev = np.empty_like(gates), np.empty_like(c_prev)
        lstm_cell_backward_kernel(np.ascontiguousarray(dh, np.float32), np.ascontiguousarray(dc, np.float32), gates,
                                  c_prev, np.ascontiguousarray(c), da, dc_prev)
        return da, dc_prev
    return lstm_cell_backward_numpy(dh, dc, gates, c_prev, c)
