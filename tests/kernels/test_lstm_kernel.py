"""The LSTM cell kernels equal their numpy twins."""

import numpy as np
import pytest

from tinyseqkd.kernels.lstm import (
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


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_backward_kernel_equals_numpy_twin(dtype, rng):
    B, H = 5, 7
    a, c_prev = rng.standard_normal((B, 4 * H)).astype(dtype), rng.standard_normal((B, H)).astype(dtype)
    _, _, gates, tanh_c = lstm_cell_forward_numpy(a, c_prev)
    dh, dc = rng.standard_normal((B, H)).astype(dtype), rng.standard_normal((B, H)).astype(dtype)
    da, dc_prev = np.empty_like(a), np.empty_like(c_prev)
    lstm_cell_backward_kernel(dh, dc, gates, c_prev, tanh_c, da, dc_prev)
    expected = lstm_cell_backward_numpy(dh, dc, gates, c_prev, tanh_c)
    np.testing.assert_allclose(da, expected[0], rtol=1e-6)
    np.testing.assert_allclose(dc_prev, expected[1], rtol=1e-6)
