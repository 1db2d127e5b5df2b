"""Toy "translation" tasks that a small model learns in seconds, to try every part of tinyseqkd quickly.

Each task returns ``{"train", "valid", "test"} → ParallelText`` of whitespace-separated symbols, drawn from
``numpy.random.default_rng(seed)``: the same arguments always give the same data.

- :func:`copy_task`: ``"c a d" → "c a d"``.
- :func:`reverse_task`: ``"c a d" → "d a c"``; needs attention to learn well.
- :func:`multimodal_task`: each source has several correct translations, and each training example shows one
  of them at random. This is the situation Kim & Rush (2016, Sec. 5) use to explain sequence-level distillation: a
  model trained on such data spreads its probability over all the variants (and can mix them up), while the
  teacher's beam search output picks one variant per sentence, so a student trained on it sees simpler,
  consistent targets. :func:`identify_variant` tells which variant a translation is, to measure that.

The variants of ``"c a d"``, in the order of ``variant_probs`` (and of the valid/test references)::

    0  C A D        (forward, plain words)
    1  D A C        (reversed)
    2  CC AA DD     (forward, the other "phrasing": doubled words)
    3  DD AA CC     (reversed, doubled)
"""

from __future__ import annotations

import string
from collections.abc import Sequence

import numpy as np

from tinyseqkd.data.corpus import ParallelText

# Variant k of a source: (reverse the order?, letters per target word).
VARIANTS = ((False, 1), (True, 1), (False, 2), (True, 2))


def render_variant(symbols: list[str], k: int) -> list[str]:
    """Variant ``k`` of a source given as symbols: ``(["c", "a"], 3)`` → ``["AA", "CC"]``."""
    reverse, repeat = VARIANTS[k]
    return [symbol.upper() * repeat for symbol in (symbols[::-1] if reverse else symbols)]


def copy_task(*, n_train: int = 2000, n_valid: int = 200, n_test: int = 200, alphabet_size: int = 10,
              min_len: int = 3, max_len: int = 10, seed: int = 0) -> dict[str, ParallelText]:
    """Random symbol sequences and themselves."""
    return _deterministic_task(lambda symbols: symbols, (n_train, n_valid, n_test), alphabet_size,
                               min_len, max_len, seed)


def reverse_task(*, n_train: int = 2000, n_valid: int = 200, n_test: int = 200, alphabet_size: int = 10,
                 min_len: int = 3, max_len: int = 10, seed: int = 0) -> dict[str, ParallelText]:
    """Random symbol sequences and the same symbols in reverse order."""
    return _deterministic_task(lambda symbols: symbols[::-1], (n_train, n_valid, n_test), alphabet_size,
                               min_len, max_len, seed)


def multimodal_task(*, n_train: int = 2000, n_valid: int = 200, n_test: int = 200, alphabet_size: int = 10,
                    min_len: int = 3, max_len: int = 10, variant_probs: Sequence[float] = (0.4, 0.3, 0.2, 0.1),
                    seed: int = 0) -> dict[str, ParallelText]:
    """Sources with ``len(variant_probs)`` (2–4) valid targets; each training target is one drawn at random.

    Train: ``refs == [drawn target]``. Valid/test: ``refs[k]`` is variant ``k``, all of them, for multi-reference
    BLEU (``refs[0]``, the forward plain variant, serves as the target for validation loss).
    """
    probs = np.asarray(variant_probs, dtype=np.float64)
    if not 2 <= len(probs) <= len(VARIANTS) or probs.min() < 0 or not np.isclose(probs.sum(), 1.0):
        raise ValueError(f"variant_probs needs 2 to {len(VARIANTS)} non-negative numbers summing to 1, "
                         f"got {tuple(variant_probs)}")
    rng = np.random.default_rng(seed)
    splits = {}
    for split, size in zip(("train", "valid", "test"), (n_train, n_valid, n_test)):
        sources = _random_sequences(rng, size, alphabet_size, min_len, max_len)
        if split == "train":
            drawn = rng.choice(len(probs), size=size, p=probs)
            refs = [[_join(render_variant(src, k)) for src, k in zip(sources, drawn)]]
        else:
            refs = [[_join(render_variant(src, k)) for src in sources] for k in range(len(probs))]
        splits[split] = ParallelText([_join(src) for src in sources], refs)
    return splits


def identify_variant(src: str, tgt: str) -> int | None:
    """Which variant (0–3) of :func:`multimodal_task` ``tgt`` is for ``src``; ``None`` if it is none of them."""
    symbols = src.split()
    for k in range(len(VARIANTS)):
        if tgt.split() == render_variant(symbols, k):
            return k
    return None


def _deterministic_task(translate, sizes, alphabet_size, min_len, max_len, seed) -> dict[str, ParallelText]:
    rng = np.random.default_rng(seed)
    splits = {}
    for split, size in zip(("train", "valid", "test"), sizes):
        sources = _random_sequences(rng, size, alphabet_size, min_len, max_len)
        splits[split] = ParallelText([_join(s) for s in sources], [[_join(translate(s)) for s in sources]])
    return splits


def _random_sequences(rng: np.random.Generator, n: int, alphabet_size: int, min_len: int,
                      max_len: int) -> list[list[str]]:
    """``n`` sequences of lowercase letters (the first ``alphabet_size``), lengths uniform in [min_len, max_len]."""
    if not 2 <= alphabet_size <= 26:
        raise ValueError(f"alphabet_size must be between 2 and 26, got {alphabet_size}")
    if not 1 <= min_len <= max_len:
        raise ValueError(f"need 1 <= min_len <= max_len, got {min_len} and {max_len}")
    alphabet = np.array(list(string.ascii_lowercase[:alphabet_size]))
    lengths = rng.integers(min_len, max_len + 1, size=n)
    return [alphabet[rng.integers(0, alphabet_size, size=length)].tolist() for length in lengths]


def _join(symbols: list[str]) -> str:
    return " ".join(symbols)


SYNTHETIC_TASKS = {"copy": copy_task, "reverse": reverse_task, "multimodal": multimodal_task}
