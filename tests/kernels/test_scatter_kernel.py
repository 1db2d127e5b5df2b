"""The scatter-add kernel behind embedding gradients equals np.add.at, repeated ids included."""

import numpy as np
import pytest

from tinyseqkd.kernels.scatter import scatter_add_rows_kernel, scatter_add_rows_numpy

pytestmark = [pytest.mark.ch02_layers, pytest.mark.ch06_kernels]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scatter_add_equals_numpy_twin_with_repeated_ids(dtype, rng):
    ids = np.array([3, 0, 3, 3, 7, 0], dtype=np.int64)
    rows = rng.standard_normal((len(ids), 5)).astype(dtype)
    expected, got = np.zeros((8, 5), dtype), np.zeros((8, 5), dtype)
    scatter_add_rows_numpy(expected, ids, rows)
    scatter_add_rows_kernel(got, ids, rows)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    np.testing.assert_allclose(got[3], rows[0] + rows[2] + rows[3], rtol=1e-6)
