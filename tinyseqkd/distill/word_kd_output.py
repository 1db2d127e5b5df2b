"""Word-KD as training runs it: both models' output layers and the loss in one node, slice by slice.

:mod:`tinyseqkd.distill.word_kd` defines the loss (Kim & Rush 2016, Sec. 3.1) on the student's log-probabilities
and the teacher's probabilities, two batch × length × vocabulary arrays — for the Bible teacher's batches 64 × 70 ×
4,708 floats, 84 MB each, and a training step keeps four or five of them. Everything the loss needs at one target
position is in that position's row, so this node goes through the rows in slices of a few megabytes instead::

    z  = h̃ W + b              the student's scores, from its attentional states h̃ (B, T, H)
    z_q = h̃_q W_q + b_q        the teacher's, from its states (a constant: evaluation mode, no graph)
    q_T = softmax(z_q / T),   ℓ = log softmax(z),   ℓ_T = log softmax(z / T)
    L  = Σ_j w_j [ (1 − α) · −ℓ(y_j) + α · T² · Σ_k −q_T(k) ℓ_T(k) ]
    dL/dz = w_j [ (1 − α) (softmax(z) − one-hot(y_j)) + α · T · (softmax(z / T) − q_T) ]

with w_j = mask_j / N (``word_kd.loss_divisor``). Each slice's gradient with respect to the scores is multiplied into
the gradients of h̃, W and b at once, so only those are kept; the loss is a scalar at the end of the graph and the
backward only scales them. One slice's loss and gradient is ``tinyseqkd/kernels/word_kd.py`` (a numba kernel beside
its numpy twin). The same numbers as ``word_kd_loss(model(...), teacher_probabilities(...), ...)``, held equal by a
test, and gradient-checked.
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.autograd import Function, Tensor
from tinyseqkd.autograd.fused import (add_slice_gradients, needs_gradients, row_slices, rows_that_count,
                                      scaled_gradients, spread_rows)
from tinyseqkd.kernels.word_kd import word_kd_rows


class WordKDOutputLoss(Function):
    """L of the module docstring for student rows h (..., H), W (H, V), b (V,); the teacher's rows, weights and
    bias, the targets, the weights w and α, T are constants. Writes the mean gold NLL into ``report["nll"]``."""

    @staticmethod
    def forward(ctx, h, W, b, *, teacher, targets, weights, alpha, temperature, with_gradients, report):
        teacher_rows, teacher_W, teacher_b = teacher
        all_rows, counted, (rows, targets, weights) = rows_that_count(h, targets, weights)  # padding: skipped
        teacher_rows = np.ascontiguousarray(teacher_rows, h.dtype).reshape(len(all_rows), -1)[counted]
        dh, dW, db = (np.empty_like(rows), np.zeros_like(W), np.zeros_like(b)) if with_gradients else (None,) * 3
        total = nll_total = 0.0
        for part in row_slices(len(rows), W.shape[1]):
            loss, nll, grad = word_kd_rows(rows[part] @ W + b, teacher_rows[part] @ teacher_W + teacher_b,
                                           targets[part], weights[part], alpha, temperature, with_gradients)
            total, nll_total = total + loss, nll_total + nll
            if with_gradients:
                add_slice_gradients(grad, rows, W, part, dh, dW, db)
        report["nll"] = nll_total
        if dh is not None:
            dh = spread_rows(dh, counted, all_rows.shape).reshape(h.shape)
        ctx.save_for_backward(dh, dW, db)
        return np.asarray(total, dtype=h.dtype)

    @staticmethod
    def backward(ctx, g):
        return scaled_gradients(ctx, g)


def word_kd_output_loss(h_tilde: Tensor, W: Tensor, b: Tensor, teacher: tuple, targets: np.ndarray,
                        weights: np.ndarray, *, alpha: float = 0.5, temperature: float = 1.0):
    """(loss, mean gold NLL): the Word-KD loss of the module docstring as one graph node, and the NLL for the
    progress line. ``teacher`` = (the teacher's attentional states (B, T, H_q), its W_o, its b) as plain arrays."""
    report = {}
    loss = WordKDOutputLoss.apply(h_tilde, W, b, teacher=teacher, targets=np.asarray(targets),
                                  weights=np.asarray(weights), alpha=float(alpha), temperature=float(temperature),
                                  with_gradients=needs_gradients(h_tilde, W, b), report=report)
    return loss, report["nll"]
