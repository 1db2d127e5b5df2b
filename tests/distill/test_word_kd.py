"""Word-KD (Kim & Rush 2016, Sec. 3.1): α = 0 is the plain NLL, α = 1 the cross-entropy against the teacher, the
fused node equals its composed twin, and finite differences agree with every backward."""

import numpy as np
import pytest

from tinyseqkd.autograd import Tensor, gradcheck
from tinyseqkd.autograd import functional as F
from tinyseqkd.autograd.fused import log_softmax
from tinyseqkd.distill.word_kd import (
    composed_word_kd_loss,
    loss_divisor,
    teacher_probabilities,
    word_kd_loss,
    word_kd_objective,
)

from distill_helpers import tiny_batch, tiny_seq2seq

pytestmark = pytest.mark.ch07_word_kd

B, T, V = 3, 4, 7


def _inputs(seed=0, dtype=np.float32):
    """Student log-probs (B, T, V), teacher probs, targets with PAD = 0 after each sentence's end, and the mask."""
    rng = np.random.default_rng(seed)
    log_p = log_softmax(Tensor(rng.standard_normal((B, T, V)) * 2)).data.astype(dtype)
    q = np.exp(log_softmax(Tensor(rng.standard_normal((B, T, V)) * 2)).data).astype(dtype)
    lengths = np.array([4, 2, 3])
    mask = (np.arange(T) < lengths[:, None]).astype(np.float32)
    targets = np.where(mask > 0, rng.integers(3, V, (B, T)), 0)
    return log_p, q, targets, mask


def _grad(loss_fn, log_p):
    x = Tensor(log_p, requires_grad=True, dtype=log_p.dtype)
    loss = loss_fn(x)
    loss.backward()
    return loss.data, x.grad


@pytest.mark.parametrize("normalize", ["tokens", "sentences"])
def test_alpha_zero_is_exactly_the_plain_nll(normalize):
    log_p, q, targets, mask = _inputs()
    kd_loss, kd_grad = _grad(lambda x: word_kd_loss(x, q, targets, mask, alpha=0.0, normalize=normalize), log_p)
    if normalize == "tokens":
        reference = lambda x: F.nll_loss(x, targets, pad_index=0)  # noqa: E731  mean over the 9 real tokens
    else:
        reference = lambda x: F.nll_loss(x, targets, pad_index=0, reduction="sum") * (1.0 / B)  # noqa: E731
    nll_loss, nll_grad = _grad(reference, log_p)
    np.testing.assert_array_equal(kd_loss, nll_loss)  # bit for bit, not merely close
    np.testing.assert_array_equal(kd_grad, nll_grad)
    no_teacher = _grad(lambda x: word_kd_loss(x, None, targets, mask, alpha=0.0, normalize=normalize), log_p)
    np.testing.assert_array_equal(no_teacher[0], nll_loss)
    np.testing.assert_array_equal(no_teacher[1], nll_grad)


def test_alpha_one_gradient_is_the_cross_entropy_against_the_teacher():
    log_p, q, targets, mask = _inputs(1)
    _, kd_grad = _grad(lambda x: word_kd_loss(x, q, targets, mask, alpha=1.0), log_p)
    _, ce_grad = _grad(lambda x: F.soft_cross_entropy(q, x, mask=mask, reduction="sum") * (1.0 / 9), log_p)
    np.testing.assert_allclose(kd_grad, ce_grad, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(kd_grad, -q * mask[..., None] / 9, rtol=1e-6)  # dL/dℓ = −q / N on real positions


@pytest.mark.parametrize("temperature", [1.0, 2.0])
@pytest.mark.parametrize("normalize", ["tokens", "sentences"])
def test_fused_loss_equals_its_composed_twin(temperature, normalize):
    log_p, q, targets, mask = _inputs(2, dtype=np.float64)
    options = dict(alpha=0.5, temperature=temperature, normalize=normalize)
    fused_loss, fused_grad = _grad(lambda x: word_kd_loss(x, q, targets, mask, **options), log_p)
    composed_loss, composed_grad = _grad(lambda x: composed_word_kd_loss(x, q, targets, mask, **options), log_p)
    np.testing.assert_allclose(fused_loss, composed_loss, rtol=1e-12)
    np.testing.assert_allclose(fused_grad, composed_grad, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("alpha,temperature,normalize", [(0.5, 1.0, "tokens"), (0.3, 2.0, "sentences"),
                                                          (1.0, 0.5, "tokens"), (0.0, 1.0, "sentences")])
def test_fused_loss_gradcheck(alpha, temperature, normalize):
    log_p, q, targets, mask = _inputs(3, dtype=np.float64)
    assert gradcheck(lambda x: word_kd_loss(x, q, targets, mask, alpha=alpha, temperature=temperature,
                                            normalize=normalize), log_p, atol=1e-7, rtol=1e-5)


def test_composed_twin_gradcheck():
    log_p, q, targets, mask = _inputs(4, dtype=np.float64)
    assert gradcheck(lambda x: composed_word_kd_loss(x, q, targets, mask, alpha=0.4, temperature=3.0), log_p,
                     max_entries=40, atol=1e-7, rtol=1e-5)


def test_gradient_on_the_students_scores_is_p_minus_the_mixed_target():
    """Through the student's log-softmax: dL/dz = (p − [(1 − α) one-hot(y) + α q]) / N on real positions."""
    rng = np.random.default_rng(5)
    _, q, targets, mask = _inputs(5)
    scores = Tensor(rng.standard_normal((B, T, V)), requires_grad=True)
    word_kd_loss(log_softmax(scores), q, targets, mask, alpha=0.25).backward()
    p = np.exp(log_softmax(Tensor(scores.data)).data)
    one_hot = np.eye(V)[targets]
    expected = (p - (0.75 * one_hot + 0.25 * q)) * mask[..., None] / mask.sum()
    np.testing.assert_allclose(scores.grad, expected, rtol=1e-5, atol=1e-7)


def test_temperature_softens_both_sides_and_keeps_the_gradient_scale():
    """At T = 2 the soft term's gradient on the student's scores is T (p_T − q_T) / N (Hinton et al.'s T²)."""
    rng = np.random.default_rng(6)
    _, q, targets, mask = _inputs(6)
    scores = Tensor(rng.standard_normal((B, T, V)), requires_grad=True)
    word_kd_loss(log_softmax(scores), q, targets, mask, alpha=1.0, temperature=2.0).backward()
    p_soft = np.exp(log_softmax(Tensor(scores.data / 2.0)).data)
    np.testing.assert_allclose(scores.grad, 2.0 * (p_soft - q) * mask[..., None] / mask.sum(), rtol=1e-5, atol=1e-7)


def test_loss_divisor_counts_tokens_or_sentences():
    mask = np.array([[1, 1, 1], [1, 0, 0]], np.float32)
    assert loss_divisor(mask, "tokens") == 4.0
    assert loss_divisor(mask, "sentences") == 2.0
    with pytest.raises(ValueError, match="normalize"):
        loss_divisor(mask, "words")


def test_mismatched_shapes_and_bad_alpha_are_refused():
    log_p, q, targets, mask = _inputs()
    with pytest.raises(ValueError, match="same batch with the same target vocabulary"):
        word_kd_loss(Tensor(log_p), q[..., :-1], targets, mask)
    with pytest.raises(ValueError, match="alpha"):
        word_kd_loss(Tensor(log_p), q, targets, mask, alpha=1.5)


def test_teacher_probabilities_run_in_eval_mode_without_a_graph():
    teacher = tiny_seq2seq(seed=0, dropout=0.5)  # in training mode: dropout would make two calls differ
    batch = tiny_batch()
    first = teacher_probabilities(teacher, batch)
    second = teacher_probabilities(teacher, batch)
    assert teacher.training  # the mode is restored
    assert isinstance(first, np.ndarray) and first.dtype == np.float32
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first.sum(-1), 1.0, rtol=1e-5)
    assert all(p.grad is None for p in teacher.parameters())
    teacher.eval()
    log_q = teacher(batch.src, batch.src_lengths, batch.tgt_in).data
    np.testing.assert_allclose(first, np.exp(log_q), rtol=1e-6)
    softened = teacher_probabilities(teacher, batch, temperature=2.0)
    np.testing.assert_allclose(softened, np.exp(log_softmax(Tensor(log_q / 2.0)).data), rtol=1e-5)


def test_objective_trains_a_student_toward_the_teacher():
    """A few updates of the Word-KD objective at α = 1 bring the student's distributions closer to the teacher's."""
    from tinyseqkd.optim import Adam

    teacher, student, batch = tiny_seq2seq(seed=0), tiny_seq2seq(seed=1), tiny_batch()
    objective = word_kd_objective(teacher, alpha=1.0)
    optimizer = Adam(student.named_parameters(), lr=0.05)
    q = teacher_probabilities(teacher, batch)
    losses = []
    for _ in range(15):
        optimizer.zero_grad()
        loss, nll = objective(student, batch)
        assert np.isfinite(nll)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    entropy = -(q * np.log(q)).sum(-1)[batch.tgt_mask > 0].mean()
    assert losses[-1] < losses[0] and losses[-1] - entropy < 0.5 * (losses[0] - entropy)
