"""Retraining with the mask fixed (See, Luong & Manning 2016; Kim & Rush Sec. 5.2): pruned weights stay exactly
+0.0 through dropout, clipping, SGD and Adam; the clip norm is the survivors' norm; the masks survive a save and
load of the optimizer state."""

import math

import numpy as np
import pytest

from tinyseqkd.autograd import functional as F
from tinyseqkd.checkpoint import load_checkpoint, restore, save_checkpoint
from tinyseqkd.model import ModelArgs, Seq2Seq
from tinyseqkd.nn import Parameter
from tinyseqkd.optim import SGD, Adam
from tinyseqkd.prune import prune_model

pytestmark = pytest.mark.ch10_pruning

SRC = np.array([[4, 5, 6, 2], [3, 0, 0, 0], [6, 6, 0, 0]])
SRC_LENGTHS = np.array([4, 1, 2])
TGT_IN = np.array([[2, 4, 5], [2, 3, 0], [2, 5, 5]])
TGT_OUT = np.array([[4, 5, 3], [3, 3, 0], [5, 5, 3]])

OPTIMIZERS = {"sgd": lambda params: SGD(params, lr=1.0), "adam": lambda params: Adam(params, lr=0.01)}


def tiny_model(seed=0):
    args = ModelArgs(src_vocab_size=7, tgt_vocab_size=6, embedding_size=5, hidden_size=6, layers=2, dropout=0.3)
    return Seq2Seq(args, np.random.default_rng(seed))


def backward(model):
    F.nll_loss(model(SRC, SRC_LENGTHS, TGT_IN), TGT_OUT).backward()


def retrain(model, optimizer, steps, clip=0.1):
    """The masked training step: backward → mask the gradients and clip → update → mask the weights."""
    norms = []
    for _ in range(steps):
        optimizer.zero_grad()
        backward(model)
        norms.append(optimizer.clip_grad_norm(clip))
        optimizer.step()
    return norms


def assert_pruned_weights_are_plus_zero(model, masks):
    parameters = dict(model.named_parameters())
    for name, keep in masks.items():
        pruned = parameters[name].data[~keep]
        assert np.all(pruned == 0.0), f"{name}: a pruned weight came back"
        assert not np.any(np.signbit(pruned)), f"{name}: a pruned weight is -0.0 (a sparse checkpoint stores it)"


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_pruned_weights_stay_exactly_zero_through_retraining_with_dropout_and_clipping(name):
    model = tiny_model()
    masks = prune_model(model, "class-blind", 0.8)
    before = {n: p.data.copy() for n, p in model.named_parameters()}
    optimizer = OPTIMIZERS[name](model.named_parameters())
    optimizer.set_masks(masks)
    norms = retrain(model, optimizer, steps=8)
    assert min(norms) > 0.1  # clipping was active at every step
    assert_pruned_weights_are_plus_zero(model, masks)
    parameters = dict(model.named_parameters())
    for n in ("generator.weight", "combine.weight", "decoder.layers.1.W_hh"):  # the survivors did train
        assert not np.array_equal(parameters[n].data[masks[n]], before[n][masks[n]]), n


def test_the_clip_norm_is_the_survivors_norm_so_they_take_the_full_clipped_step():
    w, b = Parameter(np.array([[1.0, 2.0], [3.0, 4.0]])), Parameter(np.array([5.0]))
    optimizer = SGD([("w", w), ("b", b)], lr=1.0)
    optimizer.set_mask("w", np.array([[True, False], [True, True]]))  # w[0, 1] pruned
    w.grad = np.array([[3.0, 12.0], [0.0, 0.0]], np.float32)  # all gradients: norm 13; the survivors': 5
    b.grad = np.array([4.0], np.float32)
    assert optimizer.clip_grad_norm(1.0) == pytest.approx(5.0)
    optimizer.step()
    np.testing.assert_allclose(w.data, [[1.0 - 0.6, 0.0], [3.0, 4.0]], rtol=1e-6)
    np.testing.assert_allclose(b.data, [5.0 - 0.8], rtol=1e-6)


def test_on_a_model_the_clip_norm_counts_no_pruned_gradient():
    model = tiny_model()
    masks = prune_model(model, "class-uniform", 0.5)
    optimizer = SGD(model.named_parameters(), lr=1.0)
    optimizer.set_masks(masks)
    optimizer.zero_grad()
    backward(model)
    survivors = math.sqrt(sum(float(np.sum(np.where(masks.get(n, True), p.grad, 0.0).astype(np.float64) ** 2))
                              for n, p in model.named_parameters()))
    assert optimizer.clip_grad_norm(0.1) == pytest.approx(survivors, rel=1e-6)
    for name, keep in masks.items():
        assert np.all(optimizer.params[name].grad[~keep] == 0), name


def test_adam_moments_of_pruned_weights_are_zeroed_when_the_mask_is_set():
    model = tiny_model()
    optimizer = Adam(model.named_parameters(), lr=0.01)
    retrain(model, optimizer, steps=3)  # momentum everywhere
    masks = prune_model(model, "class-blind", 0.5)
    optimizer.set_masks(masks)
    for name, keep in masks.items():
        assert np.all(optimizer.m[name][~keep] == 0) and np.all(optimizer.v[name][~keep] == 0), name
    retrain(model, optimizer, steps=3)
    assert_pruned_weights_are_plus_zero(model, masks)
    for name, keep in masks.items():
        assert not np.any(optimizer.m[name][~keep].view(np.uint32)), name  # still exactly +0.0: stays sparse


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_the_masks_survive_a_checkpoint_and_keep_a_resumed_run_pruned(name, tmp_path):
    model = tiny_model()
    masks = prune_model(model, "class-distribution", 0.8)
    optimizer = OPTIMIZERS[name](model.named_parameters())
    optimizer.set_masks(masks)
    retrain(model, optimizer, steps=2)
    save_checkpoint(tmp_path / "latest.npz", model=model, optimizer=optimizer)

    resumed = tiny_model(seed=1)  # different initial weights: everything must come from the checkpoint
    resumed_optimizer = OPTIMIZERS[name](resumed.named_parameters())
    restore(load_checkpoint(tmp_path / "latest.npz"), model=resumed, optimizer=resumed_optimizer)
    assert sorted(resumed_optimizer.masks) == sorted(masks)
    for n, keep in masks.items():
        np.testing.assert_array_equal(resumed_optimizer.masks[n], keep)
    retrain(resumed, resumed_optimizer, steps=3)
    assert_pruned_weights_are_plus_zero(resumed, masks)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_setting_a_mask_writes_plus_zero_never_minus_zero(name):
    model = tiny_model()  # not pruned yet: half the weights to be masked are negative
    optimizer = OPTIMIZERS[name](model.named_parameters())
    keep = np.random.default_rng(0).random(model.generator.weight.shape) > 0.5
    optimizer.set_mask("generator.weight", keep)
    assert_pruned_weights_are_plus_zero(model, {"generator.weight": keep})


def test_masks_saved_as_floats_by_older_checkpoints_still_load():
    model = tiny_model()
    optimizer = SGD(model.named_parameters())
    keep = np.random.default_rng(0).random(model.combine.weight.shape) > 0.5
    optimizer.load_state_dict({"type": "SGD", "lr": 0.5}, {"mask/combine.weight": keep.astype(np.float32)})
    np.testing.assert_array_equal(optimizer.masks["combine.weight"], keep)
    assert np.all(model.combine.weight.data[~keep] == 0)
