"""The Word-KD rows kernel equals its numpy twin: the loss, the gold NLL and the gradient it writes over the
scores (Kim & Rush 2016, Sec. 3.1)."""

import numpy as np
import pytest

from tinyseqkd.kernels.word_kd import word_kd_rows_kernel, word_kd_rows_numpy

pytestmark = [pytest.mark.ch07_word_kd, pytest.mark.ch06_kernels]


@pytest.mark.parametrize("alpha, temperature", [(0.5, 1.0), (0.3, 2.0), (1.0, 0.5), (0.0, 1.0)])
def test_the_word_kd_kernel_equals_its_numpy_twin(alpha, temperature, rng):
    n, V = 13, 301
    scores = (rng.standard_normal((n, V)) * 4).astype(np.float32)
    teacher = (rng.standard_normal((n, V)) * 4).astype(np.float32)
    scores[1, 7] = 60.0  # a row dominated by one word, the student's ...
    teacher[2, 9] = 60.0  # ... and the teacher's
    targets = rng.integers(0, V, size=n)
    weights = rng.uniform(0.1, 1.0, size=n).astype(np.float32)
    weights[[0, 5]] = 0.0  # padded positions
    loss, nll, grad = word_kd_rows_numpy(scores.astype(np.float64), teacher.astype(np.float64), targets,
                                         weights.astype(np.float64), alpha, temperature, True)
    for with_gradient in (False, True):
        written, losses, nlls = scores.copy(), np.empty(n, np.float32), np.empty(n, np.float32)
        word_kd_rows_kernel(written, teacher, targets, weights, alpha, temperature, with_gradient, losses, nlls)
        assert losses.sum() == pytest.approx(loss, rel=1e-5)
        assert nlls.sum() == pytest.approx(nll, rel=1e-5)
        assert losses[0] == nlls[5] == 0.0
        if with_gradient:
            np.testing.assert_allclose(written, grad, rtol=1e-4, atol=1e-7)
            assert not written[[0, 5]].any()
        else:
            np.testing.assert_array_equal(written, scores)  # the scores are left alone


def test_a_nan_score_makes_a_nan_loss(rng):
    scores, teacher = rng.standard_normal((2, 40)).astype(np.float32), rng.standard_normal((2, 40)).astype(np.float32)
    scores[1, 3] = np.nan
    losses, nlls = np.empty(2, np.float32), np.empty(2, np.float32)
    word_kd_rows_kernel(scores, teacher, np.array([1, 2]), np.ones(2, np.float32), 0.5, 1.0, True, losses, nlls)
    assert np.isfinite(losses[0]) and np.isnan(losses[1])
