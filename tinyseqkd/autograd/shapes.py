"""The primitive operations that move numbers without changing them: reshape, transpose, indexing, joining, picking.

Each is a Function with a hand-written backward (the arithmetic is in ``ops.py``; the whole list of Functions is in
``tinyseqkd/autograd/__init__.py``):

=============  =========================================  ===================================================
op             forward                                    backward (g = dL/d out)
=============  =========================================  ===================================================
``reshape``    same numbers, new shape                    g reshaped back
``transpose``  axes permuted                              g permuted back
``getitem``    x[index] (slices, ints, id arrays)         g added into zeros at the index (scatter-add)
``concat``     join along an axis                         g cut into the inputs' pieces
``unbind``     split an axis into separate tensors        the pieces' gradients stacked again
``where``      cond ? a : b   (cond a fixed bool array)   g where cond to a, elsewhere to b
=============  =========================================  ===================================================

``stack`` and ``split`` are composed from these.
"""

from __future__ import annotations

import builtins

import numpy as np

from tinyseqkd.autograd.function import Function
from tinyseqkd.autograd.ops import _constant, _pair, unbroadcast
from tinyseqkd.autograd.tensor import Tensor
from tinyseqkd.kernels.scatter import scatter_add_rows


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Transpose(Function):
    @staticmethod
    def forward(ctx, x, axes=None):
        ctx.axes = axes
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, None if ctx.axes is None else np.argsort(ctx.axes))


def _is_basic_index(index) -> bool:
    """True for slices, integers, None and ``...``: numpy returns a view and no position repeats."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts)


class GetItem(Function):
    """``x[index]``; with an array of ids it is a gather (an embedding lookup), whose backward is a scatter-add."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.args = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx, g):
        shape, index = ctx.args
        grad = np.zeros(shape, g.dtype)
        if _is_basic_index(index):
            grad[index] = g
        elif isinstance(index, np.ndarray) and index.dtype.kind in "iu" and len(shape) == 2:  # rows by id
            ids = index.reshape(-1)
            scatter_add_rows(grad, ids, np.ascontiguousarray(g).reshape(len(ids), shape[1]))
        else:
            np.add.at(grad, index, g)  # an id that occurs twice receives both gradients
        return grad


class Concat(Function):
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.ends = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, g):
        return tuple(np.split(g, ctx.ends, axis=ctx.axis))


class Unbind(Function):
    """Split one axis into separate tensors (``x[:, 0], x[:, 1], ...``) with one graph node, not one per piece."""

    @staticmethod
    def forward(ctx, x, axis=0):
        ctx.axis = axis
        return tuple(np.moveaxis(x, axis, 0))

    @staticmethod
    def backward(ctx, *grads):
        return np.stack(grads, axis=ctx.axis)


class Where(Function):
    @staticmethod
    def forward(ctx, a, b, condition):
        ctx.args = condition, a.shape, b.shape
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx, g):
        condition, shape_a, shape_b = ctx.args
        zero = np.zeros((), g.dtype)
        grad_a = unbroadcast(np.where(condition, g, zero), shape_a) if ctx.needs_input_grad[0] else None
        grad_b = unbroadcast(np.where(condition, zero, g), shape_b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


# --------------------------------------------------------------------------------------------- functions
def reshape(x: Tensor, shape) -> Tensor:
    return Reshape.apply(x, shape=tuple(shape))


def transpose(x: Tensor, axes=None) -> Tensor:
    return Transpose.apply(x, axes=None if axes is None else tuple(axes))


def getitem(x: Tensor, index) -> Tensor:
    if isinstance(index, Tensor):
        raise TypeError("index with a numpy array of ids, not a Tensor")
    return GetItem.apply(x, index=index)


def concat(tensors, axis: int = 0) -> Tensor:
    tensors = list(tensors)
    return Concat.apply(*(_constant(t, tensors[0]) for t in tensors), axis=axis)


def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors of equal shape along a new axis, composed as reshape + concat."""
    tensors = list(tensors)
    shape = tensors[0].shape
    axis = axis % (len(shape) + 1)
    new_shape = shape[:axis] + (1,) + shape[axis:]
    return concat([reshape(t, new_shape) for t in tensors], axis=axis)


def unbind(x: Tensor, axis: int = 0) -> tuple[Tensor, ...]:
    return Unbind.apply(x, axis=axis)


def split(x: Tensor, sizes, axis: int = 0) -> list[Tensor]:
    """Cut ``x`` along ``axis`` into pieces of the given sizes, composed from slicing."""
    if builtins.sum(sizes) != x.shape[axis]:
        raise ValueError(f"split sizes {list(sizes)} do not add up to {x.shape[axis]}")
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * (axis % x.ndim) + (slice(start, start + size),)
        pieces.append(getitem(x, index))
        start += size
    return pieces


def where(condition, a, b) -> Tensor:
    """``a`` where ``condition`` (a numpy bool array) holds, else ``b``."""
    a, b = _pair(a, b)
    return Where.apply(a, b, condition=np.asarray(condition, dtype=bool))
