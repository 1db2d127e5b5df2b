"""Batches: sentences of similar length padded into rectangular int32 arrays, with masks.

An LSTM runs as many steps as the longest sentence in its batch, so a batch mixing 5- and 60-word sentences
wastes most of its work on padding. **Bucketing** groups sentences of similar length:

1. shuffle the sentence order with the caller's generator (``rng``),
2. sort by (source length, target length) with a *stable* sort — so sentences of equal lengths stay in their
   shuffled order, and every epoch groups them differently,
3. cut the sorted list into batches (a fixed number of sentences, or as many as fit a token budget),
4. shuffle the order of the batches.

Padding is nearly zero (neighbours in sorted order have equal or adjacent lengths), and the randomness of
stochastic gradient descent survives in two places: which equal-length sentences share a batch, and the order of
the batches. The alternative — sorting inside large shuffled chunks — gives more varied batches but more padding.
``rng=None`` skips both shuffles (a fixed order, for evaluation); ``bucket=False`` skips the sort.

Shapes: B sentences per batch, S the longest source, T the longest target + 1 (for ``<s>``/``</s>``)::

    src      (B, S) int32    tokens, PAD after the end        src_mask (B, S) float32, 1 on real tokens
    tgt_in   (B, T) int32    <s> y1 … yn  PAD…                 tgt_mask (B, T) float32, 1 on real positions
    tgt_out  (B, T) int32    y1 … yn </s> PAD…                 index    (B,)   int64, row → segment number
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tinyseqkd.data.vocab import BOS, EOS, PAD


@dataclass(frozen=True)
class SourceBatch:
    """Padded source sentences (what decoding needs). Shapes in the module docstring."""

    src: np.ndarray
    src_lengths: np.ndarray
    src_mask: np.ndarray
    index: np.ndarray

    def __len__(self) -> int:
        return len(self.index)

    @property
    def n_src_tokens(self) -> int:
        return int(self.src_lengths.sum())


@dataclass(frozen=True)
class Batch(SourceBatch):
    """Padded source and target sentences for training: ``tgt_in`` is fed to the decoder, ``tgt_out`` predicted."""

    tgt_in: np.ndarray
    tgt_out: np.ndarray
    tgt_mask: np.ndarray

    @property
    def n_tgt_tokens(self) -> int:
        """Predicted positions: target tokens + one ``</s>`` per sentence."""
        return int(self.tgt_mask.sum())


def make_batches(src_ids: Sequence[np.ndarray], tgt_ids: Sequence[np.ndarray], *, batch_size: int,
                 batch_by: str = "sentences", rng: np.random.Generator | None = None,
                 bucket: bool = True) -> list[Batch]:
    """Every (source, target) pair exactly once, in length-bucketed, padded batches (see the module doc).

    ``batch_by="sentences"``: at most ``batch_size`` pairs per batch. ``batch_by="tokens"``: at most
    ``batch_size`` padded tokens, counted as B × the longest of (source length, target length + 1) in the
    batch; a single pair longer than that gets a batch of its own.
    """
    if len(src_ids) != len(tgt_ids):
        raise ValueError(f"{len(src_ids)} sources but {len(tgt_ids)} targets")
    src_lengths = _lengths(src_ids)
    tgt_lengths = _lengths(tgt_ids)
    order = _bucketed_order(src_lengths, tgt_lengths, rng, bucket)
    cost = np.maximum(src_lengths, tgt_lengths + 1)
    groups = _cut(order, cost, batch_size, batch_by)
    if rng is not None:
        groups = [groups[k] for k in rng.permutation(len(groups))]
    return [_pad_pairs(src_ids, tgt_ids, rows) for rows in groups]


def make_src_batches(src_ids: Sequence[np.ndarray], batch_size: int,
                     batch_by: str = "sentences") -> tuple[list[SourceBatch], np.ndarray]:
    """Sources only, sorted by length, in batches of at most ``batch_size`` sentences or padded source tokens
    (``batch_by``, as in :func:`make_batches`), for decoding.

    Returns ``(batches, restore)``: with ``outputs`` the per-sentence results listed batch after batch,
    ``[outputs[k] for k in restore]`` is in the original order (each batch's ``index`` says the same per row).
    """
    lengths = _lengths(src_ids)
    order = np.argsort(lengths, kind="stable")
    groups = _cut(order, lengths, batch_size, batch_by)
    batches = [_pad_sources(src_ids, rows) for rows in groups]
    restore = np.argsort(order, kind="stable")
    return batches, restore


def _lengths(sequences: Sequence[np.ndarray]) -> np.ndarray:
    return np.fromiter((len(seq) for seq in sequences), dtype=np.int64, count=len(sequences))


def _bucketed_order(src_lengths, tgt_lengths, rng, bucket) -> np.ndarray:
    """Segment numbers in batching order: shuffled (if ``rng``), then stably sorted by length (if ``bucket``)."""
    order = rng.permutation(len(src_lengths)) if rng is not None else np.arange(len(src_lengths))
    if bucket:
        order = order[np.lexsort((tgt_lengths[order], src_lengths[order]))]  # lexsort is stable
    return order


def _cut(order: np.ndarray, cost: np.ndarray, batch_size: int, batch_by: str) -> list[np.ndarray]:
    """Split ``order`` into consecutive groups of at most ``batch_size`` sentences or padded tokens."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if batch_by == "sentences":
        return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
    if batch_by != "tokens":
        raise ValueError(f"batch_by must be 'sentences' or 'tokens', got {batch_by!r}")
    groups, start, longest = [], 0, 0
    for end, segment in enumerate(order):
        longest_with = max(longest, int(cost[segment]))
        if end > start and (end - start + 1) * longest_with > batch_size:
            groups.append(order[start:end])
            start, longest_with = end, int(cost[segment])
        longest = longest_with
    if len(order):
        groups.append(order[start:])
    return groups


def _pad(sequences: list[np.ndarray], width: int, offset: int = 0) -> np.ndarray:
    """(len(sequences), width) int32 filled with PAD, each sequence written from column ``offset``."""
    out = np.full((len(sequences), width), PAD, dtype=np.int32)
    for row, seq in enumerate(sequences):
        out[row, offset:offset + len(seq)] = seq
    return out


def _pad_sources(src_ids, rows: np.ndarray) -> SourceBatch:
    sources = [src_ids[i] for i in rows]
    lengths = np.array([len(seq) for seq in sources], dtype=np.int32)
    if lengths.min(initial=1) == 0:
        empty = int(rows[int(np.argmin(lengths))])
        raise ValueError(f"segment {empty} has an empty source; an encoder needs at least one token")
    src = _pad(sources, int(lengths.max(initial=1)))
    mask = (np.arange(src.shape[1]) < lengths[:, None]).astype(np.float32)
    return SourceBatch(src=src, src_lengths=lengths, src_mask=mask, index=rows.astype(np.int64))


def _pad_pairs(src_ids, tgt_ids, rows: np.ndarray) -> Batch:
    source = _pad_sources(src_ids, rows)
    targets = [tgt_ids[i] for i in rows]
    lengths = np.array([len(seq) for seq in targets], dtype=np.int32)
    width = int(lengths.max(initial=0)) + 1
    tgt_in = _pad(targets, width, offset=1)
    tgt_in[:, 0] = BOS
    tgt_out = _pad(targets, width)
    tgt_out[np.arange(len(rows)), lengths] = EOS
    tgt_mask = (np.arange(width) <= lengths[:, None]).astype(np.float32)
    return Batch(src=source.src, src_lengths=source.src_lengths, src_mask=source.src_mask, index=source.index,
                 tgt_in=tgt_in, tgt_out=tgt_out, tgt_mask=tgt_mask)
