"""Pruning trained models on disk (Kim & Rush Sec. 5.2: prune any trained model — a baseline, a distilled student,
the teacher): the record a pruned checkpoint keeps of how it was made, a pruned copy of a checkpoint, and the
masks and sparsity of a checkpoint written while retraining.

- :func:`prune_with_record` — prune a model in place and describe it: scheme, ratio, whether the embeddings were
  pruned, λ (class-distribution), how many weights went, and the checkpoint the weights came from with its
  SHA-256. Checkpoints keep this under the header key ``pruning``.
- :func:`prune_checkpoint` — a trained checkpoint pruned (no retraining) and saved sparse, with the per-class
  sparsity report; the model, text pipeline and config come along, so it translates and evaluates like any other.
- :func:`checkpoint_masks` and :func:`checkpoint_sparsity` — the masks a retraining run saved with its optimizer,
  and the per-class report they give.

Not imported by :mod:`tinyseqkd.prune` itself: :mod:`tinyseqkd.checkpoint` stores arrays through
:mod:`tinyseqkd.prune.sparse`, and this module reads checkpoints (import it as ``tinyseqkd.prune.checkpoints``).
"""

from __future__ import annotations

import os
from pathlib import Path

from tinyseqkd.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from tinyseqkd.distill.manifest import file_sha256
from tinyseqkd.prune.classes import model_weights
from tinyseqkd.prune.masks import (
    ClassSparsity,
    apply_masks,
    distribution_lambda,
    prune_masks,
    sparsity_report,
)
from tinyseqkd.translator import load_translator

COPIED_HEADER = ("model_args", "pipeline", "config")  # what a pruned copy keeps of its source's header


def pruning_record(weights, masks, scheme: str, ratio: float, *, prune_embeddings: bool = True,
                   source=None) -> dict:
    """The ``pruning`` header entry (JSON data). ``weights`` are the weights *before* pruning (λ is computed from
    them), ``masks`` what :func:`~tinyseqkd.prune.masks.prune_masks` returned, ``source`` the checkpoint file they
    came from (or None; recorded as an absolute path with the file's SHA-256)."""
    rows = sparsity_report(weights, masks)
    classes = next(row for row in rows if row.name == "all classes")
    return {
        "scheme": scheme,
        "ratio": ratio,
        "embeddings": prune_embeddings,
        "lambda": distribution_lambda(weights, masks) if scheme == "class-distribution" else None,
        "pruned": classes.pruned,
        "prunable": classes.size,
        "source": None if source is None else {"path": os.path.abspath(source), "sha256": file_sha256(source)},
    }


def prune_with_record(model, scheme: str, ratio: float, *, prune_embeddings: bool = True,
                      source=None) -> tuple[dict, dict]:
    """Prune ``model`` in place; returns (masks, :func:`pruning_record`). For retraining, hand the masks to the
    optimizer next (``optimizer.set_masks(masks)``) and save the record in every checkpoint (``pruning=record``)."""
    weights = model_weights(model)
    masks = prune_masks(weights, scheme, ratio, prune_embeddings=prune_embeddings)
    record = pruning_record(weights, masks, scheme, ratio, prune_embeddings=prune_embeddings, source=source)
    apply_masks(model, masks)
    return masks, record


def prune_checkpoint(source, out, scheme: str, ratio: float, *,
                     prune_embeddings: bool = True) -> tuple[dict, list[ClassSparsity]]:
    """Prune the model of checkpoint ``source`` and save it sparse to ``out`` (no retraining).

    Returns (the pruning record, the per-class sparsity report). Errors in ``source`` are CheckpointErrors; a bad
    scheme or ratio a :class:`~tinyseqkd.prune.masks.PruningError` (raised before anything is written).
    """
    translator = load_translator(source)
    masks, record = prune_with_record(translator.model, scheme, ratio, prune_embeddings=prune_embeddings,
                                      source=source)
    header = {key: translator.header[key] for key in COPIED_HEADER if key in translator.header}
    save_checkpoint(out, model=translator.model, pruning=record, **header)
    return record, sparsity_report(model_weights(translator.model), masks)


def checkpoint_masks(checkpoint: Checkpoint) -> dict:
    """The pruning masks a checkpoint's optimizer state holds (``optim/mask/NAME``), by parameter name."""
    return {key[len("mask/"):]: keep.astype(bool) for key, keep in checkpoint.group("optim").items()
            if key.startswith("mask/")}


def checkpoint_sparsity(path) -> list[ClassSparsity]:
    """The per-class sparsity report of the checkpoint at ``path`` by the masks its optimizer state holds (those
    of a retraining run)."""
    checkpoint = load_checkpoint(Path(path))
    return sparsity_report(checkpoint.group("model"), checkpoint_masks(checkpoint))
