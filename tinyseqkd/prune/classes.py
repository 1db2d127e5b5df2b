"""Weight classes: which parameters are pruned together (See, Luong & Manning, CoNLL 2016; Kim & Rush Sec. 5.2).

See et al. group an NMT model's weights into *classes* — each embedding, each LSTM layer's input and recurrent
matrices (encoder and decoder, layer by layer), the attention matrix W_a, the attentional layer W_c and the
softmax W_o — and compare pruning one global threshold (class-blind) against per-class thresholds. Biases are never
pruned.

One class may be stored as several parameters. The first decoder layer reads ``[emb(y_{j-1}); h̃_{j-1}]``, and
:mod:`tinyseqkd.model` stores its input matrix in two pieces, ``decoder.layers.0.W_ih`` (the embedding's rows) and
``input_feed.weight`` (h̃'s rows): they form one class, pruned as the one matrix they are. A class's weights are
read in model order (``named_parameters()``), which for that class is exactly the row-stacked ``[W_emb; W_feed]``.

:data:`CLASS_TABLE` is the one place that maps parameter names to classes: when a parameter is renamed, change it
here. Every parameter must match a row of the table or :data:`NEVER_PRUNED` — an unknown name raises, so a rename
can never silently leave a matrix unpruned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

# (parameter-name pattern, class name); "{}" in the class name takes the pattern's layer number.
CLASS_TABLE: tuple[tuple[str, str], ...] = (
    (r"src_embedding\.weight", "source embedding"),
    (r"tgt_embedding\.weight", "target embedding"),
    (r"encoder\.layers\.(\d+)\.W_ih", "encoder layer {} input"),
    (r"encoder\.layers\.(\d+)\.W_hh", "encoder layer {} recurrent"),
    (r"decoder\.layers\.(\d+)\.W_ih", "decoder layer {} input"),
    (r"input_feed\.weight", "decoder layer 0 input"),  # h̃'s rows of the first decoder layer's input matrix
    (r"decoder\.layers\.(\d+)\.W_hh", "decoder layer {} recurrent"),
    (r"attention\.W_a", "attention W_a"),
    (r"combine\.weight", "attentional layer W_c"),
    (r"generator\.weight", "softmax W_o"),
)
NEVER_PRUNED = r"(.*\.)?bias"  # every bias
EMBEDDING_CLASSES = frozenset({"source embedding", "target embedding"})


@dataclass(frozen=True)
class WeightClass:
    """One class of weights: its name and the parameters (in model order) that together form its matrix."""

    name: str
    members: tuple[str, ...]

    def values(self, weights: Mapping[str, np.ndarray]) -> np.ndarray:
        """All the class's weights as one flat vector, member after member (C order inside each)."""
        return np.concatenate([np.asarray(weights[name]).ravel() for name in self.members])

    def size(self, weights: Mapping[str, np.ndarray]) -> int:
        return sum(np.asarray(weights[name]).size for name in self.members)

    @property
    def is_embedding(self) -> bool:
        return self.name in EMBEDDING_CLASSES


def class_of(name: str) -> str | None:
    """The class of parameter ``name``, or None for a bias (never pruned). Raises ValueError for a name that the
    table does not know."""
    for pattern, class_name in CLASS_TABLE:
        match = re.fullmatch(pattern, name)
        if match:
            return class_name.format(*match.groups())
    if re.fullmatch(NEVER_PRUNED, name):
        return None
    raise ValueError(f"parameter {name!r} belongs to no pruning class: add it to CLASS_TABLE in "
                     "tinyseqkd/prune/classes.py (or make it a bias)")


def weight_classes(weights: Mapping[str, np.ndarray], *, prune_embeddings: bool = True) -> list[WeightClass]:
    """The classes of ``weights`` (name → array, in model order), in the order their first member appears.

    Biases are left out; so are the two embeddings when ``prune_embeddings`` is False.
    """
    members: dict[str, list[str]] = {}
    for name in weights:
        class_name = class_of(name)
        if class_name is None or (not prune_embeddings and class_name in EMBEDDING_CLASSES):
            continue
        members.setdefault(class_name, []).append(name)
    return [WeightClass(name, tuple(names)) for name, names in members.items()]


def model_weights(model) -> dict[str, np.ndarray]:
    """``{name: array}`` of a model's parameters, in model order (the arrays themselves, not copies)."""
    return {name: p.data for name, p in model.named_parameters()}
