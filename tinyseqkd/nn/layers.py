"""The basic layers: Linear, Embedding, Dropout."""

from __future__ import annotations

import numpy as np

from tinyseqkd.autograd import Tensor
from tinyseqkd.autograd import functional as F
from tinyseqkd.autograd.fused import affine
from tinyseqkd.nn.module import Module, Parameter, uniform


class Linear(Module):
    """y = x W + b.

    x: (..., in_features) → y: (..., out_features). W is stored as (in_features, out_features) so the forward is a
    plain ``x @ W`` over any number of leading axes.
    """

    def __init__(self, in_features: int, out_features: int, rng: np.random.Generator, bias: bool = True,
                 init_scale: float = 0.1):
        super().__init__()
        self.weight = Parameter(uniform(rng, (in_features, out_features), init_scale))
        self.bias = Parameter(uniform(rng, (out_features,), init_scale)) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        if self.bias is None:
            return x @ self.weight
        return affine(x, self.weight, self.bias)  # x @ weight + bias, as one graph node


class Embedding(Module):
    """A table of word vectors: ids (any shape) → vectors (ids.shape + (dim,)).

    The lookup is a gather (``weight[ids]``) whose backward scatter-adds into the rows that were used. The padding
    id's vector is zero and stays zero: its lookups are multiplied by 0, so its row never gets a gradient.
    """

    def __init__(self, num_embeddings: int, dim: int, rng: np.random.Generator, padding_index: int | None = 0,
                 init_scale: float = 0.1):
        super().__init__()
        weight = uniform(rng, (num_embeddings, dim), init_scale)
        if padding_index is not None:
            weight[padding_index] = 0.0
        self.weight = Parameter(weight)
        self.padding_index = padding_index

    def forward(self, ids: np.ndarray) -> Tensor:
        ids = np.asarray(ids)
        vectors = self.weight[ids]
        if self.padding_index is None:
            return vectors
        not_padding = (ids != self.padding_index)[..., None].astype(self.weight.dtype)
        return vectors * not_padding


class Dropout(Module):
    """Zero each entry with probability p while training (and rescale the rest); the identity in eval mode.

    The masks come from ``rng``; give every dropout layer of a model the same generator and a checkpoint can save
    its state, so that a resumed run draws the same masks as one that never stopped.
    """

    def __init__(self, p: float, rng: np.random.Generator):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1), got {p}")
        self.p = p
        self.rng = rng

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.rng, training=self.training)
