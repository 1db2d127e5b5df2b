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
from tinyseqkd.nn.module import Module, Parameter, uniform


class AttentionStep(Function):
    """(keys (B,S,H), values (B,S,H), query (B,H); lengths (B,)) → (context (B,H), weights (B,S))."""

    @staticmethod
    def forward(ctx, keys, values, query, lengths):
        B, S, H = keys.shape
        assert values.shape == (B, S, H) and query.shape == (B, H), (keys.shape, values.shape, query.shape)
        assert lengths.shape == (B,) and lengths.min() >= 1 and lengths.max() <= S, lengths
        query = np.ascontiguousarray(query)
        context, weights = attention_forward(keys, values, query, lengths)
        ctx.save_for_backward(keys, values, query, lengths, weights)
        return context, weights

    @staticmethod
    def backward(ctx, d_context, d_weights):
        keys, values, query, lengths, weights = ctx.saved
        return attention_backward(keys, values, query, lengths, weights, d_context, d_weights)


class GlobalAttention(Module):
    """Luong "general" attention: holds W_a (H × H) and attends over encoder outputs with a length mask."""

    def __init__(self, hidden_size: int, rng: np.random.Generator, init_scale: float = 0.1):
        super().__init__()
        self.W_a = Parameter(uniform(rng, (hidden_size, hidden_size), init_scale))

    def keys(self, memory: Tensor) -> Tensor:
        """k_s = h̄_s W_a for every source position at once. memory: (B, S, H) → (B, S, H)."""
        return memory @ self.W_a

    def forward(self, query: Tensor, keys: Tensor, memory: Tensor, lengths: np.ndarray) -> tuple[Tensor, Tensor]:
        """query h_j (B, H) → context c_j (B, H) and attention weights a_j (B, S)."""
        return AttentionStep.apply(keys, memory, query, lengths=np.ascontiguousarray(lengths, dtype=np.int64))
