"""The LSTM: gradients over a padded batch, padding that leaves the state alone, fused cell == composed cell."""

import numpy as np
import pytest

from tinyseqkd.autograd import Tensor
from tinyseqkd.nn import LSTM, gradcheck_module

pytestmark = pytest.mark.ch02_layers

LENGTHS = [5, 2, 4, 1]  # different lengths, one of them a single step


def _padded_batch(rng, lengths, input_size):
    B, T = len(lengths), max(lengths)
    x = rng.standard_normal((B, T, input_size))
    mask = (np.arange(T)[None, :] < np.array(lengths)[:, None]).astype(np.float32)
    x[mask == 0] = 99.0  # garbage in the padding must not matter
    return x, mask


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composed"])
def test_two_layer_lstm_over_a_padded_batch_passes_gradcheck(fused, rng):
    lstm = LSTM(3, 4, num_layers=2, rng=rng, fused=fused)
    x, mask = _padded_batch(rng, LENGTHS, 3)
    weights = rng.standard_normal((len(LENGTHS), max(LENGTHS), 4))

    def loss():
        outputs, states = lstm(Tensor(x, dtype=np.float64), mask)
        (h1, c1), (h2, c2) = states
        return (outputs * (weights * mask[:, :, None])).sum() + (h2 * c1).sum() + c2.sum() + h1.sum()

    assert gradcheck_module(lstm, loss, max_entries=30)


def test_padded_steps_leave_the_state_unchanged(rng):
    lstm = LSTM(3, 4, num_layers=2, rng=rng)
    x, mask = _padded_batch(rng, LENGTHS, 3)
    _, batched = lstm(Tensor(x), mask)
    for b, length in enumerate(LENGTHS):
        _, alone = lstm(Tensor(x[b:b + 1, :length]), np.ones((1, length)))
        for layer in range(2):
            np.testing.assert_allclose(batched[layer][0].data[b], alone[layer][0].data[0], rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(batched[layer][1].data[b], alone[layer][1].data[0], rtol=1e-5, atol=1e-6)


def test_step_by_step_equals_the_whole_sequence(rng):
    lstm = LSTM(3, 4, num_layers=2, rng=rng)
    x = rng.standard_normal((2, 3, 3)).astype(np.float32)
    outputs, final = lstm(Tensor(x), np.ones((2, 3)))
    states = lstm.zero_state(2)
    for t in range(3):
        top, states = lstm.step(Tensor(x[:, t]), states)
        np.testing.assert_allclose(top.data, outputs.data[:, t], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[1][1].data, final[1][1].data, rtol=1e-5, atol=1e-6)


def test_fused_and_composed_cells_give_the_same_numbers(rng):
    fused = LSTM(3, 4, num_layers=2, rng=np.random.default_rng(0), fused=True)
    composed = LSTM(3, 4, num_layers=2, rng=np.random.default_rng(0), fused=False)
    x, mask = _padded_batch(rng, LENGTHS, 3)
    out_a, _ = fused(Tensor(x), mask)
    out_b, _ = composed(Tensor(x), mask)
    np.testing.assert_allclose(out_a.data, out_b.data, rtol=1e-5, atol=1e-6)


def test_dropout_between_layers_only_in_training(rng):
    lstm = LSTM(3, 4, num_layers=2, rng=rng, dropout=0.5)
    x = Tensor(rng.standard_normal((2, 3, 3)))
    mask = np.ones((2, 3))
    lstm.eval()
    first, _ = lstm(x, mask)
    second, _ = lstm(x, mask)
    np.testing.assert_array_equal(first.data, second.data)
    lstm.train()
    noisy, _ = lstm(x, mask)
    assert not np.allclose(noisy.data, first.data)


def test_fused_step_equals_the_composed_one_and_passes_gradcheck(rng):
    from tinyseqkd.autograd import gradcheck
    from tinyseqkd.nn.lstm import LSTMStep, lstm_pointwise

    a_x, h, c = rng.standard_normal((3, 8)) * 2, rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    W_hh = rng.standard_normal((2, 8))
    fused = LSTMStep.apply(Tensor(a_x), Tensor(h), Tensor(c), Tensor(W_hh))
    composed = lstm_pointwise(Tensor(a_x) + Tensor(h) @ Tensor(W_hh), Tensor(c))
    for got, expected in zip(fused, composed):
        np.testing.assert_allclose(got.data, expected.data, rtol=1e-5, atol=1e-6)

    def both_outputs(a_x, h, c, W_hh):
        h_new, c_new = LSTMStep.apply(a_x, h, c, W_hh)
        return h_new * 2.0 + c_new

    assert gradcheck(both_outputs, a_x, h, c, W_hh)
