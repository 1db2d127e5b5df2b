"""The Word-KD loss over the vocabulary, row by row, with its gradient: a numba kernel beside its numpy twin.

Word-level distillation (Kim & Rush 2016, Sec. 3.1; the loss and its derivation in ``tinyseqkd.distill.word_kd``)
compares, at every target position, the student's scores z with the teacher's z_q. For one row, with weight w (the
position's share of the batch: 0 on padding), target y, mixing weight α and temperature T::

    ℓ = log softmax(z)     ℓ_T = log softmax(z / T)     q_T = softmax(z_q / T)
    loss  = w · [ (1 − α) · −ℓ(y)  +  α · T² · Σ_k −q_T(k) ℓ_T(k) ]         nll = w · −ℓ(y)
    dz_k  = w · [ (1 − α) · (softmax(z)_k − 1{k = y})  +  α · T · (softmax(z / T)_k − q_T(k)) ]

The twin computes this with numpy over a slice of rows: two or three log-softmaxes, two or three exps, a row-wise
dot product and half a dozen passes for the gradient — about ten passes over (rows × V) arrays, each allocating a
new one. The kernel reads each row while it sits in the CPU cache: one exp pass for the student's scores, one for
the teacher's (one more at T ≠ 1), a dot product, and one pass that writes the gradient over the scores. Measured
on one slice of the Word-KD student's (222 rows × 4,708 words, one thread, median of 40): 3.9 ms against 9.3 ms for
the twin at T = 1, 5.0 against 15.4 ms at T = 2; on a whole update of the student, the loss node went from 160 to
117 ms (64 × 30 tokens, 2 threads).

``tinyseqkd.distill.word_kd_output`` calls the dispatcher :func:`word_kd_rows`, which runs the kernel (float32) or the
twin as ``tinyseqkd.kernels.switch`` says.
"""

from __future__ import annotations

import math

import numpy as np

from tinyseqkd.kernels import kernel, switch
from tinyseqkd.kernels.softmax import log_softmax_forward_numpy, shifted_exp_row


# ------------------------------------------------------------------------------------------- numpy twin
def word_kd_rows_numpy(scores, teacher_scores, targets, weights, alpha, temperature, with_gradient):
    """(n, V) student and teacher scores, (n,) targets and weights → (Σ loss, Σ nll, the (n, V) gradient dz or
    None), as in the module docstring."""
    rows = np.arange(len(scores))
    T = np.asarray(temperature, scores.dtype)
    log_p = log_softmax_forward_numpy(scores)
    nll = -log_p[rows, targets] * weights  # (n,)
    soft = log_p if temperature == 1.0 else log_softmax_forward_numpy(scores / T)
    q = np.exp(log_softmax_forward_numpy(teacher_scores if temperature == 1.0 else teacher_scores / T))
    cross = -np.einsum("nv,nv->n", q, soft) * np.asarray(temperature ** 2, scores.dtype) * weights
    loss = float(((1.0 - alpha) * nll + alpha * cross).sum())
    if not with_gradient:
        return loss, float(nll.sum()), None
    p = np.exp(log_p)
    p_soft = p if temperature == 1.0 else np.exp(soft)
    grad = (1.0 - alpha) * p + (alpha * temperature) * (p_soft - q)
    grad[rows, targets] -= 1.0 - alpha
    grad *= weights[:, None]
    return loss, float(nll.sum()), grad


# ------------------------------------------------------------------------------------------- numba kernel
@kernel
def word_kd_rows_kernel(scores, teacher_scores, targets, weights, alpha, temperature, with_gradient, losses, nlls):
    """Loop version of :func:`word_kd_rows_numpy` for float32: each row's loss and nll into ``losses`` and
    ``nlls``, and, if ``with_gradient``, the gradient written over ``scores``."""
    n, V = scores.shape
    T, a, keep = np.float32(temperature), np.float32(alpha), np.float32(1.0 - alpha)
    shifted, scaled, bits = np.empty(V, np.float32), np.empty(V, np.float32), np.empty(V, np.int32)
    p, p_soft, q = np.empty(V, np.float32), np.empty(V, np.float32), np.empty(V, np.float32)
    for j in range(n):
        w, z, y = weights[j], scores[j], targets[j]
        if w == 0.0:  # a padded position: no loss, no gradient
            losses[j] = nlls[j] = 0.0
            if with_gradient:
                for k in range(V):
                    z[k] = 0.0
            continue
        # e^(z − m) into p, e^(z/T − m/T) into p_soft and e^(z_q/T − m_q/T) into q; each normalised by its sum
        # where it is used (one multiplication) rather than in a pass of its own
        total = shifted_exp_row(z, shifted, p, bits)  # shifted = z − m
        log_total = np.float32(math.log(total))
        nll = log_total - shifted[y]  # −ℓ(y)
        total_soft, log_total_soft = total, log_total
        if temperature != 1.0:
            for k in range(V):
                scaled[k] = z[k] / T
            total_soft = shifted_exp_row(scaled, shifted, p_soft, bits)  # shifted = z/T − max, ℓ_T = shifted − log
            log_total_soft = np.float32(math.log(total_soft))
        teacher_row = teacher_scores[j]
        if temperature != 1.0:
            for k in range(V):
                scaled[k] = teacher_row[k] / T
            teacher_row = scaled
        teacher_total = shifted_exp_row(teacher_row, q, q, bits)  # q = e^(z_q/T − max)
        cross = np.float32(0.0)  # Σ_k −q_T(k) ℓ_T(k)
        for k in range(V):
            cross -= q[k] * (shifted[k] - log_total_soft)
        cross /= teacher_total
        losses[j] = w * (keep * nll + a * T * T * cross)
        nlls[j] = w * nll
        if with_gradient:
            p_scale, q_scale = w / total, w * a * T / teacher_total
            if temperature == 1.0:  # p_soft = p
                for k in range(V):
                    z[k] = (keep + a) * p_scale * p[k] - q_scale * q[k]
            else:
                soft_scale = w * a * T / total_soft
                for k in range(V):
                    z[k] = keep * p_scale * p[k] + soft_scale * p_soft[k] - q_scale * q[k]
            z[y] -= w * keep


# ------------------------------------------------------------------------------------------- dispatcher
def word_kd_rows(scores, teacher_scores, targets, weights, alpha: float, temperature: float, with_gradient: bool):
    """:func:`word_kd_rows_numpy`'s results from the path the switch chooses. The kernel (float32 C-contiguous
    scores) writes the gradient over ``scores``, so the caller must not need them again."""
    if switch.numba_on and scores.dtype == np.float32:
        losses, nlls = np.empty(len(scores), np.float32), np.empty(len(scores), np.float32)
        word_kd_rows_kernel(scores, np.ascontiguousarray(teacher_scores, np.float32), np.asarray(targets, np.int64),
                            np.asarray(weights, np.float32), float(alpha), float(temperature), with_gradient,
                            losses, nlls)
        return float(losses.sum()), float(nlls.sum()), (scores if with_gradient else None)
    return word_kd_rows_numpy(scores, teacher_scores, targets, weights, alpha, temperature, with_gradient)
