"""The log-softmax kernels and the vectorised exp they use, against their numpy twins."""

import numpy as np
import pytest

from tinyseqkd.kernels.fastexp import exp_into
from tinyseqkd.kernels.softmax import (
    log_softmax_backward_kernel,
    log_softmax_backward_numpy,
    log_softmax_forward_kernel,
    log_softmax_forward_numpy,
)

pytestmark = [pytest.mark.ch04_model, pytest.mark.ch06_kernels]


def test_vectorised_exp_is_float32_accurate(rng):
    x = np.concatenate([rng.uniform(-87, 80, 5000), [0.0, -1e-8, 1e-8, -87.0, 79.9]]).astype(np.float32)
    out, bits = np.empty_like(x), np.empty(len(x), np.int32)
    exp_into(x, out, bits)
    exact = np.exp(x.astype(np.float64))
    assert np.max(np.abs(out - exact) / exact) < 4e-7


def test_log_softmax_kernels_equal_numpy_twins(rng):
    x = (rng.standard_normal((37, 1001)) * 4).astype(np.float32)
    x[0, :] = 0.0  # a flat row
    x[1, 5] = 60.0  # a row dominated by one entry
    y = np.empty_like(x)
    log_softmax_forward_kernel(x, y)
    expected = log_softmax_forward_numpy(x.astype(np.float64))
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-5)

    g = rng.standard_normal(x.shape).astype(np.float32)
    dx = np.empty_like(x)
    log_softmax_backward_kernel(y, g, dx)
    np.testing.assert_allclose(dx, log_softmax_backward_numpy(expected, g.astype(np.float64)), rtol=1e-5, atol=1e-5)


def test_a_nan_score_stays_visible(rng):
    x = rng.standard_normal((2, 50)).astype(np.float32)
    x[1, 3] = np.nan
    y = np.empty_like(x)
    log_softmax_forward_kernel(x, y)
    assert np.all(np.isfinite(y[0])) and np.isnan(y[1]).any()
