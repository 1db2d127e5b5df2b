"""Luong global attention with the "general" score (Luong, Pham & Manning 2015, their Sec. 3.1), as in the model of
Kim & Rush 2016, Sec. 2.1.

At decoder step j, with h_j the top decoder state and h̄_1..h̄_S the encoder outputs of the (padded) source::

    score(h_j, h̄_s) = h̄_sᵀ W_a h_j                     "general": one H × H matrix, no bias
    a_j(s)          = softmax over the real positions s  (padding gets weight exactly 0)
    c_j             = Σ_s a_j(s) h̄_s                    the context vector

The model then forms the attentional state ``h̃_j = tanh(W_c [c_j; h_j])`` (``tinyseqkd.model``).

Because W_a does not depend on j, ``k_s = h̄_s W_a`` is computed once per batch (:meth:`GlobalAttention.keys`, one
matrix product) and each step only takes dot products ``k_s · h_j``. :class:`AttentionStep` does a whole step,
forward and backward, in one graph node, by the numba kernels of ``tinyseqkd.kernels.attention`` or their numpy
twins (``TINYSEQKD_KERNELS=numpy``), which spell out the equations and their derivatives.
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.autograd import Function, Tensor
from tinyseqkd.kernels.attention import attention_backward, attention_forward
from tinyseqkd.kernels.scatter import scatter_add_rows
from tinyseqkd.nn.module import Module, Parameter, uniform


class AttentionStep(Function):
    """(keys (N,S,H), values (N,S,H), query (R,H); lengths (N,), rows (R,) or None) → (context (R,H), weights (R,S)).

    Query row r attends over sentence ``rows[r]``; without ``rows``, row b over sentence b (then R = N). Beam search
    passes ``rows`` so that a sentence's K beam rows share one copy of its keys and values
    (``tinyseqkd.kernels.attention``, "shared sentences").
    """

    @staticmethod
    def forward(ctx, keys, values, query, lengths, rows=None):
        N, S, H = keys.shape
        R = N if rows is None else len(rows)
        assert values.shape == (N, S, H) and query.shape == (R, H), (keys.shape, values.shape, query.shape)
        assert lengths.shape == (N,) and lengths.min() >= 1 and lengths.max() <= S, lengths
        query = np.ascontiguousarray(query)
        context, weights = attention_forward(keys, values, query, lengths, rows)
        ctx.save_for_backward(keys, values, query, lengths, rows, weights)
        return context, weights

    @staticmethod
    def backward(ctx, d_context, d_weights):
        keys, values, query, lengths, rows, weights = ctx.saved
        if rows is None:
            return attention_backward(keys, values, query, lengths, weights, d_context, d_weights)
        # rows sharing a sentence: differentiate each row on its own copy, then sum the copies' gradients back
        d_keys, d_values, d_query = attention_backward(keys[rows], values[rows], query, lengths[rows], weights,
                                                       d_context, d_weights)
        return _sum_rows(d_keys, rows, len(keys)), _sum_rows(d_values, rows, len(keys)), d_query


class GlobalAttention(Module):
    """Luong "general" attention: holds W_a (H × H) and attends over encoder outputs with a length mask."""

    def __init__(self, hidden_size: int, rng: np.random.Generator, init_scale: float = 0.1):
        super().__init__()
        self.W_a = Parameter(uniform(rng, (hidden_size, hidden_size), init_scale))

    def keys(self, memory: Tensor) -> Tensor:
        """k_s = h̄_s W_a for every source position at once. memory: (B, S, H) → (B, S, H)."""
        return memory @ self.W_a

    def forward(self, query: Tensor, keys: Tensor, memory: Tensor, lengths: np.ndarray,
                rows: np.ndarray | None = None) -> tuple[Tensor, Tensor]:
        """query h_j (B, H) → context c_j (B, H) and attention weights a_j (B, S); ``rows`` (B,): the sentence of
        keys and memory each query row attends over (default: row b over sentence b)."""
        rows = None if rows is None else np.ascontiguousarray(rows, dtype=np.int64)
        return AttentionStep.apply(keys, memory, query, lengths=np.ascontiguousarray(lengths, dtype=np.int64),
                                   rows=rows)


def _sum_rows(per_row: np.ndarray, rows: np.ndarray, sentences: int) -> np.ndarray:
    """(R, S, H) gradients of rows' copies → (sentences, S, H): each sentence gets the sum over its rows."""
    total = np.zeros((sentences,) + per_row.shape[1:], per_row.dtype)
    scatter_add_rows(total.reshape(sentences, -1), rows, np.ascontiguousarray(per_row).reshape(len(rows), -1))
    return total
