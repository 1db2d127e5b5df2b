"""Composite functions for neural networks, built from the primitives in ``ops`` (so no backward to write).

softmax and logsumexp over an axis; picking each position's target entry; the masked negative log-likelihood that
ignores padding; cross-entropy; the KL divergence and soft-target cross-entropy that word-level distillation uses;
dropout with an explicit random generator.

``log_softmax`` here is the fused one (one graph node, ``tinyseqkd.autograd.fused``): the one log_softmax that the
model, the losses and distillation all call. :func:`log_softmax_composed` says the same thing from primitives, as
a reference that a test holds the fused op equal to.
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.autograd import ops, shapes
from tinyseqkd.autograd.fused import log_softmax, masked_scale
from tinyseqkd.autograd.tensor import Tensor

__all__ = ["logsumexp", "log_softmax", "log_softmax_composed", "softmax", "pick", "nll_loss", "cross_entropy",
           "soft_cross_entropy", "kl_div", "dropout"]


def logsumexp(x: Tensor, axis: int = -1, keepdims: bool = False) -> Tensor:
    """log Σ_k exp(x_k) along ``axis``, computed as m + log Σ exp(x − m) with m = max x (no overflow).

    m is a constant here: the result does not depend on it, so no gradient needs to flow through it.
    """
    shift = x.data.max(axis=axis, keepdims=True)
    summed = ops.sum(ops.exp(x - shift), axis=axis, keepdims=True)
    result = ops.log(summed) + shift
    return result if keepdims else shapes.reshape(result, np.squeeze(shift, axis=axis).shape)


def log_softmax_composed(x: Tensor, axis: int = -1) -> Tensor:
    """log softmax(x) = x − logsumexp(x), along ``axis``, from primitives: the reference for the fused
    :func:`log_softmax` (which is what everything else calls)."""
    return x - logsumexp(x, axis=axis, keepdims=True)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x_k) / Σ_j exp(x_j) along ``axis`` (shifted by the maximum for stability)."""
    e = ops.exp(x - x.data.max(axis=axis, keepdims=True))
    return e / ops.sum(e, axis=axis, keepdims=True)


def pick(scores: Tensor, ids: np.ndarray) -> Tensor:
    """``scores[..., ids]`` position by position: shape (*lead, V) with ids of shape lead → shape lead."""
    ids = np.asarray(ids)
    if scores.shape[:-1] != ids.shape:
        raise ValueError(f"pick: scores of shape {scores.shape} need ids of shape {scores.shape[:-1]}, got {ids.shape}")
    flat = shapes.reshape(scores, (-1, scores.shape[-1]))
    picked = shapes.getitem(flat, (np.arange(ids.size), ids.reshape(-1)))
    return shapes.reshape(picked, ids.shape)


def _reduce(per_position: Tensor, mask: np.ndarray, reduction: str) -> Tensor:
    """Sum, average over real (mask = 1) positions, or keep per position."""
    if reduction == "none":
        return per_position
    total = ops.sum(per_position)
    if reduction == "sum":
        return total
    if reduction == "mean":
        return total * (1.0 / max(float(mask.sum()), 1.0))
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def nll_loss(log_probs: Tensor, targets: np.ndarray, pad_index: int | None = 0, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood −log p(y_j), ignoring positions whose target is ``pad_index``.

    log_probs: (*lead, V) log-probabilities; targets: (*lead) integer ids. ``"mean"`` averages over the real
    (non-padding) positions, so a batch's loss does not depend on how much padding it carries.
    """
    targets = np.asarray(targets)
    mask = np.ones(targets.shape, log_probs.dtype) if pad_index is None else (targets != pad_index).astype(log_probs.dtype)
    safe_targets = np.where(mask > 0, targets, 0)
    per_position = -pick(log_probs, safe_targets) * mask
    return _reduce(per_position, mask, reduction)


def cross_entropy(logits: Tensor, targets: np.ndarray, pad_index: int | None = 0, reduction: str = "mean") -> Tensor:
    """nll_loss(log_softmax(logits)): the usual classification loss from unnormalised scores."""
    return nll_loss(log_softmax(logits), targets, pad_index=pad_index, reduction=reduction)


def _position_mask(mask, shape, dtype) -> np.ndarray:
    return np.ones(shape, dtype) if mask is None else np.asarray(mask, dtype=dtype)


def soft_cross_entropy(teacher_probs, student_log_probs: Tensor, mask=None, reduction: str = "mean") -> Tensor:
    """−Σ_k q(k) log p(k) per position: cross-entropy against a whole distribution q, not one gold word.

    This is Kim & Rush's word-level distillation term (Sec. 3.1): q is the teacher's distribution, p the student's.
    teacher_probs: (*lead, V), a constant (array or tensor); student_log_probs: (*lead, V); mask: (*lead), 1 on
    real positions.
    """
    q = teacher_probs.data if isinstance(teacher_probs, Tensor) else np.asarray(teacher_probs)
    mask = _position_mask(mask, student_log_probs.shape[:-1], student_log_probs.dtype)
    per_position = -ops.sum(student_log_probs * q, axis=-1) * mask
    return _reduce(per_position, mask, reduction)


def kl_div(log_q, log_p: Tensor, mask=None, reduction: str = "mean") -> Tensor:
    """KL(q ‖ p) = Σ_k q(k) (log q(k) − log p(k)) per position, from log-probabilities.

    Either argument may require a gradient. It differs from :func:`soft_cross_entropy` by the entropy of q, a
    constant when q is a fixed teacher, so both give the student the same gradient.
    """
    log_q, log_p = ops._pair(log_q, log_p)
    mask = _position_mask(mask, log_p.shape[:-1], log_p.dtype)
    per_position = ops.sum(ops.exp(log_q) * (log_q - log_p), axis=-1) * mask
    return _reduce(per_position, mask, reduction)


def dropout(x: Tensor, p: float, rng: np.random.Generator, training: bool = True) -> Tensor:
    """Zero each entry with probability ``p`` and scale the rest by 1/(1−p) ("inverted" dropout).

    The mask comes from ``rng`` so that a seed fixes it. Outside training (or with p = 0) x passes unchanged.
    """
    if not training or p == 0.0:
        return x
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    keep = rng.random(x.shape, dtype=np.float32) >= p
    return masked_scale(x, keep, 1.0 / (1.0 - p))  # x * (keep * 1/(1−p)), keeping the mask as booleans
