"""Luong "general" attention for one decoder step over a padded batch: numba kernels beside their numpy twins.

With the keys precomputed once per sentence, ``k_s = h̄_s W_a`` (so that ``score(h, h̄_s) = h̄_sᵀ W_a h = k_s · h``),
one step of attention is (Luong et al. 2015, eq. 7 and the "general" score)::

    score_s = k_s · h                          for the real source positions s < length
    a_s     = exp(score_s) / Σ_s' exp(score_s') (a masked softmax: padding gets exactly 0)
    c       = Σ_s a_s h̄_s                      the context vector

and its backward, given dc (and da, if the weights themselves are used)::

    dh̄_s = a_s dc      ∂a_s = da_s + h̄_s · dc      dscore_s = a_s (∂a_s − Σ_s' a_s' ∂a_s')
    dk_s = dscore_s h    dh   = Σ_s dscore_s k_s

Shapes: keys and values (B, S, H), query (B, H), lengths (B,) → context (B, H), weights (B, S). The kernels loop
over the batch and touch only the first ``lengths[b]`` source positions.

**Shared sentences.** In beam search, the K rows of a sentence's beam all attend over the same source. Rather than
copy its keys and values K times (for K = 35 and 64 sentences, ~180 MB per copy, made again whenever a sentence
finishes: 17% of a K-best decoding's time), the forward pass takes ``rows`` (R,): query row r attends over
sentence ``rows[r]`` of keys and values (N, S, H), lengths (N,). Without ``rows``, row b reads sentence b.

``AttentionStep`` (``tinyseqkd.nn.attention``) calls the dispatchers at the end, :func:`attention_forward` and
:func:`attention_backward`, which run the kernels or the twins as ``tinyseqkd.kernels.switch`` says.
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.kernels import kernel, switch


# ------------------------------------------------------------------------------------------- numpy twins
def length_mask(lengths: np.ndarray, max_len: int) -> np.ndarray:
    """(B,) lengths → (B, max_len) bool, True on real positions."""
    return np.arange(max_len)[None, :] < np.asarray(lengths)[:, None]


def attention_forward_numpy(keys, values, query, lengths):
    """The twin of :func:`attention_forward_kernel`: context (B, H) and weights (B, S)."""
    # --- assignment attention: context (B, H) and weights (B, S), padding weighted exactly 0, in keys.dtype ---
    scores = np.einsum("bsh,bh->bs", keys, query)
    scores = np.where(length_mask(lengths, keys.shape[1]), scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    context = np.einsum("bs,bsh->bh", weights, values)
    return context.astype(keys.dtype), weights.astype(keys.dtype)
    # --- end assignment attention ---


def attention_backward_numpy(keys, values, query, weights, d_context, d_weights):
    """The twin of :func:`attention_backward_kernel`: gradients of keys, values (B, S, H) and query (B, H)."""
    # --- assignment attention: d_keys, d_values (B, S, H) and d_query (B, H), as the module docstring says ---
    d_values = weights[:, :, None] * d_context[:, None, :]
    d_a = d_weights + np.einsum("bsh,bh->bs", values, d_context)
    d_scores = weights * (d_a - (weights * d_a).sum(axis=1, keepdims=True))
    d_keys = d_scores[:, :, None] * query[:, None, :]
    d_query = np.einsum("bs,bsh->bh", d_scores, keys)
    return d_keys, d_values, d_query
    # --- end assignment attention ---


# ------------------------------------------------------------------------------------------- numba kernels
@kernel
def attention_forward_kernel(keys, values, query, lengths, rows, context, weights):
    """Loop version of :func:`attention_forward_numpy`, writing into context (R, H) and weights (R, S); query row b
    attends over sentence ``rows[b]`` of keys and values (the module docstring's shared sentences)."""
    S, H = keys.shape[1], keys.shape[2]
    zero = keys.dtype.type(0)  # accumulate in the arrays' own precision (float32 stays vectorised)
    for b in range(rows.shape[0]):
        i = rows[b]
        n = lengths[i]
        best = -np.inf
        for s in range(n):  # scores, kept in `weights` until normalised
            score = zero
            for k in range(H):
                score += keys[i, s, k] * query[b, k]
            weights[b, s] = score
            best = max(best, score)
        total = zero
        for s in range(n):
            e = np.exp(weights[b, s] - best)
            weights[b, s] = e
            total += e
        for s in range(n):
            weights[b, s] /= total
        for s in range(n, S):
            weights[b, s] = 0.0
        for k in range(H):
            context[b, k] = 0.0
        for s in range(n):
            a = weights[b, s]
            for k in range(H):
                context[b, k] += a * values[i, s, k]


@kernel
def attention_backward_kernel(keys, values, query, lengths, weights, d_context, d_weights,
                              d_keys, d_values, d_query):
    """Loop version of :func:`attention_backward_numpy`, writing into d_keys, d_values, d_query."""
    B, S, H = keys.shape
    zero = keys.dtype.type(0)
    for b in range(B):
        n = lengths[b]
        d_scores = np.empty(n, dtype=keys.dtype)
        expected = zero  # Σ_s a_s ∂a_s
        for s in range(n):
            d_a = d_weights[b, s]
            for k in range(H):
                d_a += values[b, s, k] * d_context[b, k]
            d_scores[s] = d_a
            expected += weights[b, s] * d_a
        for k in range(H):
            d_query[b, k] = 0.0
        for s in range(n):
            a = weights[b, s]
            d_score = a * (d_scores[s] - expected)
            for k in range(H):
                d_values[b, s, k] = a * d_context[b, k]
                d_keys[b, s, k] = d_score * query[b, k]
                d_query[b, k] += d_score * keys[b, s, k]
        for s in range(n, S):
            for k in range(H):
                d_values[b, s, k] = 0.0
                d_keys[b, s, k] = 0.0


# ------------------------------------------------------------------------------------------- dispatchers
def attention_forward(keys, values, query, lengths, rows=None):
    """Context (R, H) and weights (R, S) from the path the switch chooses; query row r attends over sentence
    ``rows[r]`` (default: row b over sentence b). Arrays C-contiguous, lengths and rows int64."""
    if switch.numba_on:
        rows = np.arange(len(query)) if rows is None else rows
        R, S, H = len(query), keys.shape[1], keys.shape[2]
        context, weights = np.empty((R, H), keys.dtype), np.empty((R, S), keys.dtype)
        attention_forward_kernel(keys, values, query, lengths, rows, context, weights)
        return context, weights
    if rows is not None:  # the twin reads a copy of each row's sentence
        keys, values, lengths = keys[rows], values[rows], lengths[rows]
    return attention_forward_numpy(keys, values, query, lengths)


def attention_backward(keys, values, query, lengths, weights, d_context, d_weights):
    """Gradients of keys, values (B, S, H) and query (B, H) from the path the switch chooses."""
    if switch.numba_on:
        d_keys, d_values, d_query = np.empty_like(keys), np.empty_like(values), np.empty_like(query)
        attention_backward_kernel(keys, values, query, lengths, weights, np.ascontiguousarray(d_context),
                                  np.ascontiguousarray(d_weights), d_keys, d_values, d_query)
        return d_keys, d_values, d_query
    return attention_backward_numpy(keys, values, query, weights, d_context, d_weights)
