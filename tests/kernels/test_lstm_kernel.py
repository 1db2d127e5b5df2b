"""The LSTM cell kernels equal their numpy twins."""

import numpy as np
import pytest

from tinyseqkd.kernels.lstm import (
    _tanh_into,
    lstm_cell_backward_kernel,
    lstm_cell_backward_numpy,
    lstm_cell_forward_kernel,
    lstm_cell_forward_numpy,
)

pytestmark = [pytest.mark.ch02_layers, pytest.mark.ch06_kernels]


def test_forward_kernel_equals_numpy_twin(rng):
    B, H = 6, 9
    a = (rng.standard_normal((B, 4 * H)) * 4).astype(np.float32)
    a[0, :4] = [0.0, 1e-7, -1e-7, 100.0]  # around zero and far out
    a[1, 3 * H:3 * H + 2] = [-100.0, 1e-6]
    c_prev = (rng.standard_normal((B, H)) * 3).astype(np.float32)
    got = [np.empty((B, H), np.float32) for _ in range(2)] + [np.empty_like(a), np.empty((B, H), np.float32)]
    lstm_cell_forward_kernel(a, c_prev, got[0], got[1], got[2], got[3])
    for name, g, e in zip(["h", "c", "gates", "tanh_c"], got, lstm_cell_forward_numpy(a.astype(np.float64), c_prev)):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=2e-7, err_msg=name)


def test_backward_kernel_equals_numpy_twin(rng):
    B, H = 5, 7
    a, c_prev = rng.standard_normal((B, 4 * H)).astype(np.float32), rng.standard_normal((B, H)).astype(np.float32)
    _, c, gates, _ = lstm_cell_forward_numpy(a, c_prev)
    c[0, :3] = [0.0, 30.0, -1e-6]  # tanh(c), which both recompute, at zero, saturated and tiny
    dh, dc = rng.standard_normal((B, H)).astype(np.float32), rng.standard_normal((B, H)).astype(np.float32)
    da, dc_prev = np.empty_like(a), np.empty_like(c_prev)
    lstm_cell_backward_kernel(dh, dc, gates, c_prev, c, da, dc_prev)
    expected = lstm_cell_backward_numpy(*(x.astype(np.float64) for x in (dh, dc, gates, c_prev, c)))
    np.testing.assert_allclose(da, expected[0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dc_prev, expected[1], rtol=1e-5, atol=1e-7)


def test_backward_recomputes_the_forwards_tanh_bit_for_bit(rng):
    """The backward recomputes tanh(c) from c with the forward's own routine, so not keeping the forward's copy
    changes no bit of any gradient."""
    B, H = 4, 16
    a, c_prev = rng.standard_normal((B, 4 * H)).astype(np.float32) * 3, rng.standard_normal((B, H)).astype(np.float32)
    h, c, gates, tanh_c = (np.empty((B, H), np.float32), np.empty((B, H), np.float32), np.empty_like(a),
                           np.empty((B, H), np.float32))
    lstm_cell_forward_kernel(a, c_prev, h, c, gates, tanh_c)
    for b in range(B):
        again = np.empty(H, np.float32)
        _tanh_into(c[b], again, np.empty(H, np.float32), np.empty(H, np.float32), np.empty(H, np.int32))
        np.testing.assert_array_equal(again, tanh_c[b])
