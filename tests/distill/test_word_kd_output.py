"""Word-KD as training runs it (both output layers and the loss in one sliced node) equals the loss's definition on
the full distributions — loss, reported NLL and every gradient — and passes gradcheck (Kim & Rush 2016, Sec. 3.1)."""

import numpy as np
import pytest

from tinyseqkd.autograd import Tensor, gradcheck, no_grad
from tinyseqkd.autograd.fused import affine, log_softmax
from tinyseqkd.distill.word_kd import (
    teacher_output_inputs,
    teacher_probabilities,
    word_kd_loss,
    word_kd_objective,
)
from tinyseqkd.distill.word_kd_output import word_kd_output_loss

from distill_helpers import tiny_batch, tiny_seq2seq

pytestmark = pytest.mark.ch07_word_kd

B, T, H, HQ, V = 2, 4, 5, 3, 9


def _inputs(rng, dtype):
    h, W, b = rng.standard_normal((B, T, H)), rng.standard_normal((H, V)), rng.standard_normal(V)
    teacher = (rng.standard_normal((B, T, HQ)).astype(dtype), rng.standard_normal((HQ, V)).astype(dtype),
               rng.standard_normal(V).astype(dtype))
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], dtype)
    targets = np.where(mask > 0, rng.integers(1, V, (B, T)), 0)
    return (h, W, b), teacher, targets, mask


@pytest.mark.parametrize("alpha, temperature", [(0.0, 1.0), (0.5, 1.0), (1.0, 1.0), (0.5, 2.0)])
def test_the_sliced_node_equals_word_kd_loss_on_the_full_distributions(alpha, temperature, rng, monkeypatch):
    import tinyseqkd.autograd.fused as fused

    monkeypatch.setattr(fused, "SLICE_BYTES", 3 * 4 * V)  # slices of 3 rows: slicing is exercised
    (h, W, b), teacher, targets, mask = _inputs(rng, np.float32)
    ours = [Tensor(a, requires_grad=True) for a in (h, W, b)]
    reference = [Tensor(a, requires_grad=True) for a in (h, W, b)]
    loss, nll = word_kd_output_loss(*ours, teacher, targets, mask / mask.sum(), alpha=alpha,
                                    temperature=temperature)
    teacher_log_q = log_softmax(Tensor(teacher[0] @ teacher[1] + teacher[2])).data
    q = np.exp(log_softmax(Tensor(teacher_log_q / temperature)).data)  # softmax(z / T), z up to a constant
    log_p = log_softmax(affine(*reference))
    expected = word_kd_loss(log_p, q, targets, mask, alpha=alpha, temperature=temperature, normalize="tokens")
    (loss * 3.0).backward()
    (expected * 3.0).backward()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    picked = np.take_along_axis(log_p.data, targets[..., None], axis=-1)[..., 0]
    assert nll == pytest.approx(-(picked * mask).sum() / mask.sum(), rel=1e-5)
    for mine, theirs in zip(ours, reference):
        np.testing.assert_allclose(mine.grad, theirs.grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("temperature", [1.0, 2.0])
def test_the_sliced_node_passes_gradcheck(temperature, rng):
    (h, W, b), teacher, targets, mask = _inputs(rng, np.float64)
    weights = mask / mask.sum()
    assert gradcheck(lambda h, W, b: word_kd_output_loss(h, W, b, teacher, targets, weights, alpha=0.5,
                                                         temperature=temperature)[0], h, W, b)


def test_padded_positions_are_skipped_in_both_models_products(rng):
    """A NaN on a padded position of the student's or the teacher's states changes nothing: those rows are never
    multiplied (one product through every row would put NaN · 0 = NaN into dW)."""
    (h, W, b), teacher, targets, mask = _inputs(rng, np.float32)
    weights = (mask / mask.sum()).astype(np.float32)
    clean = [Tensor(a, requires_grad=True) for a in (h, W, b)]
    loss, nll = word_kd_output_loss(*clean, teacher, targets, weights)
    h_nan, teacher_nan = h.copy(), teacher[0].copy()
    h_nan[0, 3], teacher_nan[1, 2] = np.nan, np.nan
    dirty = [Tensor(a, requires_grad=True) for a in (h_nan, W, b)]
    loss_nan, nll_nan = word_kd_output_loss(*dirty, (teacher_nan,) + teacher[1:], targets, weights)
    loss.backward()
    loss_nan.backward()
    assert (loss_nan.item(), nll_nan) == (loss.item(), nll)
    for mine, theirs in zip(dirty, clean):
        np.testing.assert_array_equal(mine.grad, theirs.grad)


def test_without_a_graph_no_gradient_is_computed(rng):
    (h, W, b), teacher, targets, mask = _inputs(rng, np.float32)
    with no_grad():
        loss, _ = word_kd_output_loss(*(Tensor(a, requires_grad=True) for a in (h, W, b)), teacher, targets,
                                      mask / mask.sum())
    assert not loss.requires_grad


def test_the_objective_equals_the_loss_on_the_models_full_distributions():
    teacher, student, batch = tiny_seq2seq(seed=0, dropout=0.5), tiny_seq2seq(seed=1), tiny_batch()
    loss, nll = word_kd_objective(teacher, alpha=0.5)(student, batch)
    q = teacher_probabilities(teacher, batch)
    log_p = student(batch.src, batch.src_lengths, batch.tgt_in)
    expected = word_kd_loss(log_p, q, batch.tgt_out, batch.tgt_mask, alpha=0.5, normalize="tokens")
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    states, W, b = teacher_output_inputs(teacher, batch)
    assert teacher.training and states.shape[:2] == batch.tgt_in.shape and W is teacher.generator.weight.data
