"""The attention kernels: equal to their numpy twins on padded batches, masked exactly, gradient-checked."""

import numpy as np
import pytest

from tinyseqkd.autograd import Tensor, gradcheck
from tinyseqkd.kernels import use_kernels
from tinyseqkd.kernels.attention import (
    attention_backward_kernel,
    attention_backward_numpy,
    attention_forward,
    attention_forward_kernel,
    attention_forward_numpy,
)
from tinyseqkd.nn.attention import AttentionStep

pytestmark = [pytest.mark.ch04_model, pytest.mark.ch06_kernels]


def _padded_inputs(rng, dtype, lengths, H=6):
    B, S = len(lengths), max(lengths)
    keys = rng.standard_normal((B, S, H)).astype(dtype)
    values = rng.standard_normal((B, S, H)).astype(dtype)
    query = rng.standard_normal((B, H)).astype(dtype)
    return keys, values, query, np.array(lengths, dtype=np.int64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kernels_equal_numpy_twins_on_random_padded_batches(dtype, seed):
    rng = np.random.default_rng(seed)
    lengths = [1] + list(rng.integers(1, 9, size=6))  # always one single-word source
    keys, values, query, lengths = _padded_inputs(rng, dtype, lengths)
    B, S, H = keys.shape
    context, weights = np.empty((B, H), dtype), np.empty((B, S), dtype)
    attention_forward_kernel(keys, values, query, lengths, np.arange(B), context, weights)
    context_ref, weights_ref = attention_forward_numpy(keys, values, query, lengths)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(context, context_ref, **tol)
    np.testing.assert_allclose(weights, weights_ref, **tol)

    d_context = rng.standard_normal((B, H)).astype(dtype)
    d_weights = rng.standard_normal((B, S)).astype(dtype)
    grads = [np.empty_like(keys), np.empty_like(values), np.empty_like(query)]
    attention_backward_kernel(keys, values, query, lengths, weights, d_context, d_weights, *grads)
    for got, expected in zip(grads, attention_backward_numpy(keys, values, query, weights_ref, d_context, d_weights)):
        np.testing.assert_allclose(got, expected, **tol)


def test_a_padded_position_never_receives_attention(rng):
    keys, values, query, lengths = _padded_inputs(rng, np.float64, [4, 1, 3])
    context, weights = AttentionStep.apply(Tensor(keys), Tensor(values), Tensor(query), lengths=lengths)
    assert np.all(weights.data[1, 1:] == 0) and weights.data[1, 0] == 1.0
    assert np.all(weights.data[2, 3:] == 0)
    np.testing.assert_allclose(weights.data.sum(axis=1), 1.0, rtol=1e-6)
    keys[1, 1:], values[1, 1:] = 1e6, -1e6  # whatever the padding holds, nothing changes
    context_again, _ = AttentionStep.apply(Tensor(keys), Tensor(values), Tensor(query), lengths=lengths)
    np.testing.assert_allclose(context.data, context_again.data, rtol=1e-6)


def test_attention_step_gradcheck_through_context_and_weights(rng):
    keys, values, query, lengths = _padded_inputs(rng, np.float64, [3, 1, 5], H=4)

    def step(keys, values, query):
        context, weights = AttentionStep.apply(keys, values, query, lengths=lengths)
        return context.sum(axis=-1) * 2.0 + weights[:, 0]

    assert gradcheck(step, keys, values, query)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_sharing_a_sentence_attend_as_if_each_had_its_own_copy(rng, dtype):
    keys, values, _, lengths = _padded_inputs(rng, dtype, [4, 1, 6])
    rows = np.array([2, 2, 0, 1, 2, 0], dtype=np.int64)  # beam rows of sentences 2, 0, 1 (any order, repeated)
    query = rng.standard_normal((len(rows), keys.shape[2])).astype(dtype)
    copies = attention_forward_numpy(keys[rows], values[rows], query, lengths[rows])
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    for path in ("numba", "numpy"):
        with use_kernels(path):
            shared = attention_forward(keys, values, query, lengths, rows)
        for got, expected in zip(shared, copies):
            assert got.shape == expected.shape
            np.testing.assert_allclose(got, expected, **tol)
    assert np.all(shared[1][1, 6:] == 0) and np.all(shared[1][5, 4:] == 0)  # each row masked by its own length


def test_attention_step_with_shared_rows_gradcheck(rng):
    keys, values, _, lengths = _padded_inputs(rng, np.float64, [3, 1, 5], H=4)
    rows = np.array([2, 0, 2, 1, 2], dtype=np.int64)
    query = rng.standard_normal((len(rows), 4))

    def step(keys, values, query):
        context, weights = AttentionStep.apply(keys, values, query, lengths=lengths, rows=rows)
        return context.sum(axis=-1) * 2.0 + weights[:, 0]

    assert gradcheck(step, keys, values, query)
