"""Word-level knowledge distillation (Kim & Rush 2016, Sec. 3.1): match the teacher's distribution at every word.

Teacher-forced on the gold prefix y_<j, the student p and the teacher q each give a distribution over the next word.
The Word-KD loss of a batch mixes the gold words' negative log-likelihood with the cross-entropy against q::

    L = [ (1 − α) · Σ_j −log p(y_j | s, y_<j)  +  α · Σ_j Σ_k −q(k | s, y_<j) log p(k | s, y_<j) ] / N

summed over the batch's real (unpadded) positions j and divided by N, the number of target tokens
(``normalize="tokens"``) or of sentences (``normalize="sentences"``) — the same two choices as ``train.normalize``
for the plain NLL. α = 0.5 in the paper; α = 0 is exactly the plain NLL.

**Temperature** (Hinton et al. 2015; the paper uses T = 1, the default). With T ≠ 1 both distributions are
softened before they are compared: q_T = softmax(z_q / T) for the teacher's scores z_q (see
:func:`teacher_probabilities`, which returns q_T), and for the student p_T = softmax(log p / T) — the same as
softmax(z_p / T), since log p and z_p differ by a constant per position. The cross-entropy term becomes
``T² · Σ_k −q_T(k) log p_T(k)``; the factor T² (Hinton et al.) keeps its gradient, ``T · (p_T − q_T)`` with respect
to the student's scores, about as large as at T = 1. The NLL term always uses the unsoftened p.

**Gradient.** With respect to the student's log-probabilities ℓ = log p (what :meth:`Seq2Seq.forward` returns),
at T = 1 the loss is linear in ℓ, so its gradient is simply::

    dL/dℓ(j, k) = −[ (1 − α) · 1{k = y_j} + α · q(k | j) ] / N          (0 on padded positions)

and the student's log-softmax turns it into ``(p − [(1 − α) one-hot + α q]) / N`` for the scores. That is why
the loss is one fused graph node (:class:`WordKDLoss`) rather than a chain of composed operations: its forward is
one gather and one row-wise dot product, its backward one pass over a (positions × vocabulary) array — the same
work as the plain NLL's backward. :func:`composed_word_kd_loss` builds the same loss from the autograd's
composed functions; the tests hold the two equal and check both against finite differences.

Training (:func:`word_kd_objective`) computes the same loss without ever holding the two batch × length × vocabulary
arrays: :mod:`tinyseqkd.distill.word_kd_output` fuses both models' output layers into the loss and goes through the
positions slice by slice. This module is the loss's definition; that one is how a training step runs it.
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.autograd import Function, Tensor
from tinyseqkd.autograd import functional as F
from tinyseqkd.autograd.fused import log_softmax
from tinyseqkd.decoding import evaluation_mode
from tinyseqkd.distill.word_kd_output import word_kd_output_loss

NORMALIZATIONS = ("tokens", "sentences")


def loss_divisor(mask: np.ndarray, normalize: str) -> float:
    """N of the module docstring: the real target positions of the batch, or its sentences (rows of ``mask``)."""
    if normalize == "tokens":
        return max(float(mask.sum()), 1.0)
    if normalize == "sentences":
        return float(max(mask.shape[0], 1))
    raise ValueError(f"normalize must be one of {NORMALIZATIONS}, got {normalize!r}")


def _log_softmax_rows(x: np.ndarray) -> np.ndarray:
    """log softmax over the last axis of a plain array (the fused op's forward; no graph is recorded)."""
    return log_softmax(Tensor._wrap(x)).data


class WordKDLoss(Function):
    """The Word-KD loss of the module docstring as one graph node: (B, T, V) log-probabilities → a scalar.

    The teacher's probabilities, the targets, the mask and the numbers α, T, N are constants (keyword parameters).
    """

    @staticmethod
    def forward(ctx, log_probs, *, teacher_probs, targets, mask, alpha, temperature, divisor):
        V = log_probs.shape[-1]
        dtype = log_probs.dtype
        ctx.shape = log_probs.shape
        rows = log_probs.reshape(-1, V)  # (P, V), P = B·T positions
        mask = np.asarray(mask, dtype=dtype)  # (B, T)
        targets = np.where(mask > 0, targets, 0).reshape(-1)  # (P,) padded positions read column 0, weighted 0
        scale = np.asarray(1.0 / divisor, dtype=dtype)  # 1/N, rounded as nll_loss rounds it
        # (1 − α) Σ_j −log p(y_j): the same operations in the same order as functional.nll_loss, so α = 0 is exact
        # --- assignment word-kd: [(1 − α)·NLL + α·T²·Σ −q log p_T] / N on real positions; save what backward reads ---
        picked = rows[np.arange(len(rows)), targets].reshape(mask.shape)  # (B, T)
        total = (-picked * mask).sum()
        soft = None
        if alpha != 0.0:
            q = np.asarray(teacher_probs, dtype=dtype).reshape(-1, V)  # (P, V)
            if temperature == 1.0:
                cross = -np.einsum("pv,pv->p", q, rows)  # Σ_k −q(k) ℓ(k), one row-wise dot product
            else:
                soft = _log_softmax_rows(rows / np.asarray(temperature, dtype))  # log p_T, (P, V)
                cross = -np.einsum("pv,pv->p", q, soft) * np.asarray(temperature ** 2, dtype)
            soft_total = (cross.reshape(mask.shape) * mask).sum()
            total = np.asarray((1.0 - alpha) * total + alpha * soft_total, dtype=dtype)
            ctx.teacher = q
        ctx.save_for_backward(mask, targets, scale, soft)
        ctx.alpha, ctx.temperature = alpha, temperature
        return np.asarray(total * scale, dtype=dtype)
        # --- end assignment word-kd ---

    @staticmethod
    def backward(ctx, g):
        mask, targets, scale, soft = ctx.saved
        alpha, temperature = ctx.alpha, ctx.temperature
        # --- assignment word-kd: g · dL/dℓ, of the log-probabilities' shape (module docstring: Gradient) ---
        weight = (g * scale * mask).reshape(-1)  # (P,) dL/d(position's term)
        if alpha == 0.0:
            grad = np.zeros((len(targets), ctx.shape[-1]), weight.dtype)
        else:
            q = ctx.teacher
            if temperature == 1.0:
                grad = q * (-alpha * weight)[:, None]  # −α q / N
            else:  # T² · d/dℓ Σ −q log softmax(ℓ/T) = T · (p_T Σ_k q(k) − q)
                p_soft = np.exp(soft)
                grad = (p_soft * q.sum(axis=1, keepdims=True) - q) * (alpha * temperature * weight)[:, None]
        grad[np.arange(len(targets)), targets] -= (1.0 - alpha) * weight  # −(1 − α) one-hot / N
        return grad.reshape(ctx.shape)
        # --- end assignment word-kd ---


def word_kd_loss(student_log_probs: Tensor, teacher_probs: np.ndarray | None, targets: np.ndarray, mask: np.ndarray, *,
                 alpha: float = 0.5, temperature: float = 1.0, normalize: str = "tokens") -> Tensor:
    """The Word-KD loss (Sec. 3.1, module docstring) of one batch, as a scalar tensor.

    student_log_probs: (B, T, V) log p, teacher-forced on the gold prefix (``Seq2Seq.forward``);
    teacher_probs: (B, T, V) plain array q (q_T if ``temperature`` ≠ 1), from :func:`teacher_probabilities`
    (``None`` with α = 0: the plain NLL, as one fused node);
    targets: (B, T) gold ids y_j (``batch.tgt_out``); mask: (B, T), 1 on real positions (``batch.tgt_mask``).
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    shape = student_log_probs.shape
    if teacher_probs is None and alpha == 0.0:
        teacher_probs = np.empty((0,), student_log_probs.dtype)  # the plain NLL needs no teacher
    elif np.shape(teacher_probs) != shape:
        raise ValueError(f"teacher probabilities of shape {np.shape(teacher_probs)} for student log-probabilities "
                         f"of shape {shape}: the teacher must run on the same batch with the same target vocabulary")
    if np.shape(targets) != shape[:-1] or np.shape(mask) != shape[:-1]:
        raise ValueError(f"targets {np.shape(targets)} and mask {np.shape(mask)} must have shape {shape[:-1]}")
    mask = np.asarray(mask)
    return WordKDLoss.apply(student_log_probs, teacher_probs=teacher_probs, targets=np.asarray(targets), mask=mask,
                         alpha=float(alpha), temperature=float(temperature), divisor=loss_divisor(mask, normalize))


def composed_word_kd_loss(student_log_probs: Tensor, teacher_probs: np.ndarray, targets: np.ndarray,
                          mask: np.ndarray, *, alpha: float = 0.5, temperature: float = 1.0,
                          normalize: str = "tokens") -> Tensor:
    """The same loss composed from ``functional.nll_loss`` and ``soft_cross_entropy`` (slower; the reference)."""
    mask = np.asarray(mask, dtype=student_log_probs.dtype)
    targets = np.where(mask > 0, targets, 0)
    nll = -(F.pick(student_log_probs, targets) * mask).sum()
    student = student_log_probs
    if temperature != 1.0:
        student = F.log_softmax(student_log_probs * (1.0 / temperature), axis=-1)
    soft = F.soft_cross_entropy(teacher_probs, student, mask=mask, reduction="sum") * (temperature ** 2)
    return (nll * (1.0 - alpha) + soft * alpha) * (1.0 / loss_divisor(mask, normalize))


def teacher_probabilities(teacher, batch, temperature: float = 1.0) -> np.ndarray:
    """The teacher's q(· | s, y_<j) at every position of ``batch``, teacher-forced on the same gold prefix.

    Runs in evaluation mode (no dropout) without recording a graph (DESIGN §4), and restores the teacher's mode.
    Returns a plain float32 array (B, T, V); with ``temperature`` ≠ 1 the softened q_T = softmax(z / T).
    """
    with evaluation_mode(teacher):
        log_q = teacher(batch.src, batch.src_lengths, batch.tgt_in).data  # (B, T, V), our own array
        if temperature != 1.0:
            log_q = _log_softmax_rows(log_q / np.asarray(temperature, log_q.dtype))
        return np.exp(log_q, out=log_q)


def teacher_output_inputs(teacher, batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the teacher's output layer needs at every position of ``batch``: its attentional states h̃ (B, T, H),
    teacher-forced on the gold prefix, and its W_o and b — plain arrays, in evaluation mode without a graph, as
    :func:`teacher_probabilities` (which goes on to the probabilities)."""
    with evaluation_mode(teacher):
        states = teacher.attentional_states(batch.src, batch.src_lengths, batch.tgt_in).data
    return states, teacher.generator.weight.data, teacher.generator.bias.data


def word_kd_objective(teacher, *, alpha: float = 0.5, temperature: float = 1.0):
    """A training objective ``(model, batch) → (loss, mean NLL per token)`` for :class:`~tinyseqkd.training.Trainer`.

    One teacher forward (eval mode, no graph) up to its attentional states, one student forward up to its own,
    then both output layers and the loss in one node that never holds a batch × length × vocabulary array
    (:mod:`tinyseqkd.distill.word_kd_output`; the same numbers as :func:`word_kd_loss` on the full
    distributions). The loss is a mean per target token, as every objective's: the trainer applies
    ``train.normalize`` to it (once), so there is no ``normalize`` option here (see :mod:`tinyseqkd.objectives`).
    """
    def objective(model, batch):
        teacher_side = teacher_output_inputs(teacher, batch)
        h_tilde = model.attentional_states(batch.src, batch.src_lengths, batch.tgt_in)
        mask = np.asarray(batch.tgt_mask, h_tilde.dtype)
        weights = mask / loss_divisor(mask, "tokens")
        return word_kd_output_loss(h_tilde, model.generator.weight, model.generator.bias, teacher_side,
                                   batch.tgt_out, weights, alpha=alpha, temperature=temperature)

    return objective
