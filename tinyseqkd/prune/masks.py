"""Magnitude pruning: three schemes turn a model's weights into masks (See, Luong & Manning, CoNLL 2016, Sec. 3;
Kim & Rush Sec. 5.2 prune their best student with them).

A mask is a bool array of a parameter's shape, True where the weight survives. For a pruning ratio x (the fraction
of the prunable weights that go) and the weight classes of :mod:`tinyseqkd.prune.classes`:

- **class-blind**: one threshold over every prunable weight — the x·N smallest |w| of the whole model go.
- **class-uniform**: the same ratio inside each class — the x·n_c smallest |w| of each class c go.
- **class-distribution**: a per-class threshold λ·σ_c, σ_c the standard deviation of class c's weights; weights
  with |w| < λ·σ_c go. See et al. choose the one universal λ so that x of all the weights go. Since a weight goes
  exactly when its score |w| / σ_c is below λ, that λ needs no search: the x·N smallest *scores* go, and λ is the
  largest pruned score (:func:`distribution_lambda`). To give λ itself instead, use :func:`lambda_masks`.

**Counts and ties.** The number pruned is x·n rounded to the nearest integer (halves up), for the whole model
(blind, distribution) or per class (uniform), so the ratio is met exactly, whatever the ties. When several weights
share the threshold magnitude, the ones earlier in model order go first (classes and members in
``named_parameters()`` order, entries in C order): the masks are a deterministic function of the weights. Weights
that are already zero (the padding word's embedding, a model pruned before) are the smallest, so they count among
the pruned.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tinyseqkd.errors import TinySeqKDError
from tinyseqkd.prune.classes import WeightClass, model_weights, weight_classes

SCHEMES = ("class-blind", "class-uniform", "class-distribution")


class PruningError(TinySeqKDError):
    """A pruning request that cannot be met (an unknown scheme, a ratio outside [0, 1), weights that are NaN)."""


# ------------------------------------------------------------------ choosing the entries
def smallest(scores: np.ndarray, count: int) -> np.ndarray:
    """A bool vector, True at the ``count`` smallest entries of the vector ``scores``; among equal scores the
    earlier positions are taken first. O(n): a partition finds the count-th smallest value."""
    # --- assignment pruning: True at the count smallest scores, equal scores earlier position first ---
    chosen = np.zeros(scores.size, dtype=bool)
    if count <= 0:
        return chosen
    if count >= scores.size:
        chosen[:] = True
        return chosen
    kth = np.partition(scores, count - 1)[count - 1]
    chosen = scores < kth
    ties = np.flatnonzero(scores == kth)
    chosen[ties[: count - int(chosen.sum())]] = True
    return chosen
    # --- end assignment pruning ---


def pruned_count(ratio: float, size: int) -> int:
    """ratio·size rounded to the nearest integer, halves up."""
    return min(size, int(np.floor(ratio * size + 0.5)))


def _split(keep: np.ndarray, classes: list[WeightClass], weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Cut a flat keep-vector over the classes' concatenated weights back into one mask per parameter."""
    masks, start = {}, 0
    for weight_class in classes:
        for name in weight_class.members:
            shape = np.shape(weights[name])
            size = int(np.prod(shape))
            masks[name] = keep[start:start + size].reshape(shape)
            start += size
    assert start == keep.size, (start, keep.size)
    return masks


# ------------------------------------------------------------------ the three schemes
def class_blind_keep(values: list[np.ndarray], ratio: float) -> np.ndarray:
    """One global magnitude threshold: the ratio·N smallest |w| over all classes go."""
    # --- assignment pruning: the ratio·N smallest |w| of all classes together go ---
    scores = np.abs(np.concatenate(values))
    return ~smallest(scores, pruned_count(ratio, scores.size))
    # --- end assignment pruning ---


def class_uniform_keep(values: list[np.ndarray], ratio: float) -> np.ndarray:
    """The ratio·n_c smallest |w| of each class go."""
    # --- assignment pruning: the ratio·n_c smallest |w| of each class go ---
    return np.concatenate([~smallest(np.abs(v), pruned_count(ratio, v.size)) for v in values])
    # --- end assignment pruning ---


def distribution_scores(values: np.ndarray) -> np.ndarray:
    """|w| / σ for one class (float64). A class with σ = 0 scores its zeros 0 and anything else +inf."""
    values = values.astype(np.float64)
    magnitudes = np.abs(values)
    sigma = float(np.std(values)) if values.size else 0.0
    if sigma == 0.0:
        return np.where(magnitudes == 0, 0.0, np.inf)
    return magnitudes / sigma


def class_distribution_keep(values: list[np.ndarray], ratio: float) -> np.ndarray:
    """Per-class thresholds λ·σ_c with the one λ that prunes ratio·N weights: the ratio·N smallest |w| / σ_c go."""
    # --- assignment pruning: the ratio·N smallest scores |w| / σ_c (distribution_scores) go ---
    scores = np.concatenate([distribution_scores(v) for v in values])
    return ~smallest(scores, pruned_count(ratio, scores.size))
    # --- end assignment pruning ---


def check_pruning(scheme: str, ratio: float) -> None:
    """A :class:`PruningError` for an unknown scheme (naming the nearest one) or a ratio outside [0, 1)."""
    if scheme not in SCHEMES:
        close = difflib.get_close_matches(scheme, SCHEMES, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]}? " if close else ""
        raise PruningError(f"unknown pruning scheme {scheme!r} (--scheme): {hint}choose one of {', '.join(SCHEMES)}")
    if not 0.0 <= ratio < 1.0:
        raise PruningError(f"pruning ratio {ratio} (--ratio) must be at least 0 and below 1: the fraction of the "
                           "weights to prune, e.g. 0.8")


_KEEP_RULES = {"class-blind": class_blind_keep, "class-uniform": class_uniform_keep,
               "class-distribution": class_distribution_keep}


def prune_masks(weights: Mapping[str, np.ndarray], scheme: str, ratio: float, *,
                prune_embeddings: bool = True) -> dict[str, np.ndarray]:
    """Masks (name → bool array, True = kept) for every prunable parameter of ``weights`` (name → array in model
    order, e.g. :func:`~tinyseqkd.prune.classes.model_weights`), pruning ``ratio`` of them by ``scheme``.

    Biases get no mask (never pruned), nor do the embeddings when ``prune_embeddings`` is False; the ratio is then
    a ratio of the remaining classes.
    """
    check_pruning(scheme, ratio)
    classes = weight_classes(weights, prune_embeddings=prune_embeddings)
    values = [weight_class.values(weights) for weight_class in classes]
    for weight_class, v in zip(classes, values):
        if not np.all(np.isfinite(v)):
            raise PruningError(f"the {weight_class.name} weights hold NaN or infinite values: this model diverged "
                               "and cannot be pruned; use an earlier checkpoint")
    return _split(_KEEP_RULES[scheme](values, ratio), classes, weights)


def lambda_masks(weights: Mapping[str, np.ndarray], lam: float, *,
                 prune_embeddings: bool = True) -> dict[str, np.ndarray]:
    """Class-distribution pruning with λ given directly: in each class c the weights with |w| < λ·σ_c go."""
    classes = weight_classes(weights, prune_embeddings=prune_embeddings)
    keep = np.concatenate([~(distribution_scores(c.values(weights)) < lam) for c in classes])
    return _split(keep, classes, weights)


def distribution_lambda(weights: Mapping[str, np.ndarray], masks: Mapping[str, np.ndarray]) -> float:
    """The λ that class-distribution masks correspond to: the largest |w| / σ_c among the pruned weights (0 if
    none), so every pruned weight has |w| ≤ λ·σ_c of its class."""
    largest = 0.0
    for weight_class in weight_classes(weights):
        if weight_class.members[0] not in masks:
            continue
        scores = distribution_scores(weight_class.values(weights))
        pruned = ~np.concatenate([np.asarray(masks[name]).ravel() for name in weight_class.members])
        if pruned.any():
            largest = max(largest, float(scores[pruned].max()))
    return largest


# ------------------------------------------------------------------ applying and reporting
def apply_masks(model, masks: Mapping[str, np.ndarray]) -> None:
    """Set the pruned weights of ``model`` to +0.0 (for retraining, also hand the masks to the optimizer:
    ``optimizer.set_masks(masks)``, which keeps them zero)."""
    parameters = dict(model.named_parameters())
    for name, keep in masks.items():
        np.copyto(parameters[name].data, 0.0, where=~np.asarray(keep, dtype=bool))


def prune_model(model, scheme: str, ratio: float, *, prune_embeddings: bool = True) -> dict[str, np.ndarray]:
    """Prune ``model`` in place by ``scheme`` and return the masks (see :func:`prune_masks`)."""
    masks = prune_masks(model_weights(model), scheme, ratio, prune_embeddings=prune_embeddings)
    apply_masks(model, masks)
    return masks


@dataclass(frozen=True)
class ClassSparsity:
    """One row of the sparsity report: a class (or "biases", "total"), its size and how many of it were pruned."""

    name: str
    size: int
    pruned: int

    @property
    def percent(self) -> float:
        return 100.0 * self.pruned / self.size if self.size else 0.0


def sparsity_report(weights: Mapping[str, np.ndarray], masks: Mapping[str, np.ndarray]) -> list[ClassSparsity]:
    """Per class: size and pruned count (the mask's False entries); then all classes together, the biases (never
    pruned) and the total over every parameter."""
    rows = []
    for weight_class in weight_classes(weights):
        pruned = sum(int(np.size(masks[n]) - np.count_nonzero(masks[n])) for n in weight_class.members if n in masks)
        rows.append(ClassSparsity(weight_class.name, weight_class.size(weights), pruned))
    classes = ClassSparsity("all classes", sum(row.size for row in rows), sum(row.pruned for row in rows))
    total = sum(int(np.size(w)) for w in weights.values())
    biases = ClassSparsity("biases (never pruned)", total - classes.size, 0)
    return rows + [classes, biases, ClassSparsity("total", total, classes.pruned)]


def format_sparsity_report(rows: list[ClassSparsity]) -> str:
    """The report as an aligned text table (class, size, pruned, %)."""
    width = max(len("class"), *(len(row.name) for row in rows))
    lines = [f"{'class':<{width}}  {'size':>12}  {'pruned':>12}  {'%':>6}"]
    lines += [f"{row.name:<{width}}  {row.size:>12,}  {row.pruned:>12,}  {row.percent:>6.1f}" for row in rows]
    return "\n".join(lines)
