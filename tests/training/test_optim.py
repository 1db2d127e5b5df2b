"""Optimizers: a tiny LSTM language model overfits with SGD and with Adam; clipping, masks and the schedule."""

import numpy as np
import pytest

from tinyseqkd.autograd import Tensor
from tinyseqkd.nn import Parameter
from tinyseqkd.optim import SGD, Adam, HalveOnPlateau, clip_grad_norm
from lm_helpers import TinyLM, tiny_sequences, train

pytestmark = pytest.mark.ch02_layers

LOSS_BOUND = 0.1  # nats per token; an untrained model starts near ln(12) ≈ 2.5


@pytest.mark.parametrize("name, make, steps", [
    ("sgd", lambda p: SGD(p, lr=3.0), 400),
    ("adam", lambda p: Adam(p, lr=0.02), 120),
])
def test_lstm_language_model_overfits_a_tiny_task(name, make, steps):
    model = TinyLM(np.random.default_rng(0))
    losses = train(model, make(model.named_parameters()), tiny_sequences(), steps)
    assert losses[0] > 2.0
    assert losses[-1] < LOSS_BOUND, f"{name}: loss {losses[-1]:.3f} after {steps} steps"


def test_clip_grad_norm_scales_all_gradients_together():
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(1))
    a.grad, b.grad = np.array([3.0, 0.0], np.float32), np.array([4.0], np.float32)
    assert clip_grad_norm([a, b], 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([a.grad, b.grad]), [0.6, 0.0, 0.8], rtol=1e-5)
    assert clip_grad_norm([a, b], 10.0) == pytest.approx(1.0, rel=1e-5)  # below the bound: unchanged


def test_adam_first_step_moves_each_weight_by_lr():
    w = Parameter(np.array([1.0, -2.0]))
    opt = Adam([("w", w)], lr=0.1)
    (w * Tensor([3.0, -0.5])).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.data, [0.9, -1.9], rtol=1e-5)


@pytest.mark.parametrize("make", [lambda p: SGD(p, lr=0.5), lambda p: Adam(p, lr=0.1)], ids=["sgd", "adam"])
def test_masked_weights_and_their_gradients_stay_zero(make):
    model = TinyLM(np.random.default_rng(0))
    opt = make(model.named_parameters())
    mask = np.random.default_rng(1).random(model.out.weight.shape) > 0.5
    opt.set_mask("out.weight", mask)
    train(model, opt, tiny_sequences(), 5)
    assert np.all(model.out.weight.data[~mask] == 0)
    assert np.all(model.out.weight.grad[~mask] == 0)
    assert np.all(model.out.weight.data[mask] != 0)


def test_halve_on_plateau_follows_the_paper_schedule():
    opt = SGD([("w", Parameter(np.zeros(1)))], lr=1.0)
    schedule = HalveOnPlateau(opt)
    lrs = []
    for ppl in [50.0, 30.0, 31.0, 29.0, 29.0, 28.0]:
        schedule.step(ppl)
        lrs.append(opt.lr)
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
