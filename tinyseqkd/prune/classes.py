"""Weight classes: which parameters are pruned together (See, Luong & Manning, CoNLL 2016, Sec. 3; Kim & Rush
Sec. 5.2).

See et al. group an NMT model's weights into *classes* and compare pruning with one global threshold
(class-blind) against per-class thresholds (class-uniform, class-distribution). Their 4-layer model has 12
classes: the source embedding, the target embedding, each of the 4 encoder and 4 decoder LSTM layers, the
attention weights and the softmax weights. An LSTM layer is **one** class: its input and recurrent matrices
together, the 4n × 2n matrix that maps [x_t; h_{t-1}] to the four gates. Biases are never pruned.

Ours map onto theirs one for one, except that the attention is two classes (the See et al. column says which
of theirs each is)::

    class                     parameters                                                   See et al.
    source embedding          src_embedding.weight                                         source embedding
    target embedding          tgt_embedding.weight                                         target embedding
    encoder layer l           encoder.layers.l.W_ih, encoder.layers.l.W_hh                 encoder layer l + 1
    decoder layer 0           decoder.layers.0.W_ih, decoder.layers.0.W_hh,                decoder layer 1
                              input_feed.weight
    decoder layer l (l ≥ 1)   decoder.layers.l.W_ih, decoder.layers.l.W_hh                 decoder layer l + 1
    attention W_a             attention.W_a                                                attention
    attentional layer W_c     combine.weight                                               attention
    softmax W_o               generator.weight                                             softmax

Layers are numbered from 0, as the parameters are (See et al. count from 1). Our attention has two matrices where
See et al. name one attention class: the score's W_a (Luong's "general" score h̄ᵀ W_a h, Kim & Rush Sec. 2.1) and
the attentional layer W_c, which makes h̃ = tanh(W_c [c; h]) from the context and the decoder state. They do
different jobs on different inputs and their weights need not share a scale, so each is its own class; a
4-layer model of ours therefore has 13 classes, See et al.'s 12 with their attention class as two.

Why a layer is one class and not two: with per-class thresholds, splitting a layer into an "input" and a
"recurrent" class would force class-uniform pruning to take the same share of each half, and class-distribution
pruning to measure each half against its own σ — neither is the threshold See et al. apply to the layer.

One class may be stored as several parameters. The first decoder layer reads ``[emb(y_{j-1}); h̃_{j-1}]``, and
:mod:`tinyseqkd.model` stores its input matrix in two pieces, ``decoder.layers.0.W_ih`` (the embedding's rows) and
``input_feed.weight`` (h̃'s rows); with ``decoder.layers.0.W_hh`` (h_{j-1}'s rows) they are the one matrix of that
layer. A class's weights are read in model order (``named_parameters()``): for that class W_emb's rows, then
W_hh's, then W_feed's — the layer's matrix with its row blocks in another order, which changes only which of
several equal magnitudes goes first.

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
    (r"encoder\.layers\.(\d+)\.W_(?:ih|hh)", "encoder layer {}"),  # input and recurrent matrices: one class
    (r"decoder\.layers\.(\d+)\.W_(?:ih|hh)", "decoder layer {}"),
    (r"input_feed\.weight", "decoder layer 0"),  # h̃'s rows of the first decoder layer's input matrix
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
