"""The fused LSTM pointwise kernel: equal to its numpy twin, and its backward passes gradcheck."""

import numpy as np
import pytest

from tinyseqkd.autograd import gradcheck
from tinyseqkd.kernels.lstm import (
    lstm_pointwise_backward_kernel,
    lstm_pointwise_backward_numpy,
    lstm_pointwise_forward_kernel,
    lstm_pointwise_forward_numpy,
    lstm_pointwise_fused,
)

pytestmark = pytest.mark.ch02_layers


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_equal_their_numpy_twins(dtype, rng):
    B, H = 5, 7
    a = (rng.standard_normal((B, 4 * H)) * 3).astype(dtype)
    c_prev = rng.standard_normal((B, H)).astype(dtype)
    h, c, gates = np.empty((B, H), dtype), np.empty((B, H), dtype), np.empty((B, 4 * H), dtype)
    lstm_pointwise_forward_kernel(a, c_prev, h, c, gates)
    h_ref, c_ref, gates_ref = lstm_pointwise_forward_numpy(a, c_prev)
    tol = 1e-6 if dtype == np.float32 else 1e-12
    for got, expected in [(h, h_ref), (c, c_ref), (gates, gates_ref)]:
        np.testing.assert_allclose(got, expected, rtol=tol * 10, atol=tol)

    dh, dc = rng.standard_normal((B, H)).astype(dtype), rng.standard_normal((B, H)).astype(dtype)
    da, dc_prev = np.empty_like(a), np.empty_like(c)
    lstm_pointwise_backward_kernel(dh, dc, gates, c_prev, c, da, dc_prev)
    da_ref, dc_prev_ref = lstm_pointwise_backward_numpy(dh, dc, gates_ref, c_prev, c_ref)
    np.testing.assert_allclose(da, da_ref, rtol=tol * 10, atol=tol)
    np.testing.assert_allclose(dc_prev, dc_prev_ref, rtol=tol * 10, atol=tol)


def test_fused_op_gradcheck(rng):
    def both_outputs(a, c_prev):
        h, c = lstm_pointwise_fused(a, c_prev)
        return h * 2.0 + c

    assert gradcheck(both_outputs, rng.standard_normal((3, 8)) * 2, rng.standard_normal((3, 2)))
