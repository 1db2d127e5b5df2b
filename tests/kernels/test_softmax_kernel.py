"""The log-softmax kernels and the vectorised exp they use, against their numpy twins."""

import numpy as np
import pytest

from tinyseqkd.kernels.fastexp import exp_into
from tinyseqkd.kernels.softmax import (
    log_softmax_backward_kernel,
    log_softmax_backward_numpy,
    log_softmax_forward_kernel,
    log_softmax_forward_numpy,
    nll_rows_kernel,
    nll_rows_numpy,
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


def test_the_nll_kernel_equals_its_numpy_twin_and_writes_the_gradient_over_the_scores(rng):
    x = (rng.standard_normal((23, 501)) * 4).astype(np.float32)
    x[1, 7] = 60.0  # a row dominated by one entry
    targets = rng.integers(0, 501, size=23)
    weights = rng.uniform(0.1, 1.0, size=23).astype(np.float32)
    weights[[0, 5]] = 0.0  # padded positions
    losses_expected, grad_expected = nll_rows_numpy(x.astype(np.float64), targets, weights.astype(np.float64))
    for with_gradient in (False, True):
        scores, losses = x.copy(), np.empty(23, np.float32)
        nll_rows_kernel(scores, targets, weights, losses, with_gradient)
        np.testing.assert_allclose(losses, losses_expected, rtol=1e-5, atol=1e-6)
        assert np.array_equal(scores, x) != with_gradient  # the gradient, when asked for, replaces the scores
    np.testing.assert_allclose(scores, grad_expected, rtol=1e-5, atol=1e-6)
    assert np.all(scores[[0, 5]] == 0.0) and losses[0] == 0.0
