"""The arithmetic primitives: each a Function with a forward and a hand-written backward.

This file and ``shapes.py`` hold the primitives (tinygrad and micrograd keep theirs short too). Subtraction,
division, softmax, the losses and the layers are composed from them, so their gradients come for free. A few more
ops have a hand-written backward because a benchmark showed that fusing them pays: the model runs on ``Affine`` and
``LogSoftmax`` (``fused.py``), ``LSTMStep`` (``tinyseqkd/nn/lstm.py``) and ``AttentionStep``
(``tinyseqkd/nn/attention.py``). The whole list, every Function in tinyseqkd and the module it lives in, is the
table in ``tinyseqkd/autograd/__init__.py``.
The arithmetic is here:

=============  =========================================  ===================================================
op             forward                                    backward (g = dL/d out)
=============  =========================================  ===================================================
``add``        a + b   (numpy broadcasting)               g, g          summed back to each input's shape
``mul``        a * b                                      g*b, g*a      summed back to each input's shape
``power``      x ** p  (p a number)                       g * p * x**(p-1)
``exp``        e^x                                        g * e^x
``log``        ln x                                       g / x
``tanh``       tanh x                                     g * (1 - tanh² x)
``sigmoid``    σ(x) = 1 / (1 + e^-x)                      g * σ(x) (1 - σ(x))
``matmul``     a @ b   (batched over leading axes)        g @ bᵀ, aᵀ @ g  (for a weight: summed lazily)
``sum``        Σ over axes                                g copied back over the summed axes
``max``        max over axes                              g to the maximal entries (split between ties)
=============  =========================================  ===================================================

The shape primitives (reshape, transpose, getitem, concat, unbind, where) are in ``shapes.py``. Arguments that are
not tensors (Python numbers, numpy arrays such as masks) are treated as constants of the other
operand's float type.
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.autograd.accumulate import OuterProduct
from tinyseqkd.autograd.function import Function
from tinyseqkd.autograd.tensor import Tensor


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` over the axes that numpy broadcasting added or stretched, giving an array of ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _constant(value, like: Tensor) -> Tensor:
    """A non-tensor operand as a constant tensor of ``like``'s float type."""
    if isinstance(value, Tensor):
        return value
    return Tensor._wrap(np.asarray(value, dtype=like.data.dtype))


def _pair(a, b) -> tuple[Tensor, Tensor]:
    if isinstance(a, Tensor):
        return a, _constant(b, a)
    return _constant(a, b), b


# --------------------------------------------------------------------------------------------- elementwise
class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = a.shape, b.shape
        return a + b

    @staticmethod
    def backward(ctx, g):
        shape_a, shape_b = ctx.shapes
        return unbroadcast(g, shape_a), unbroadcast(g, shape_b)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        # --- assignment gradients: dL/da, dL/db of a * b in the inputs' shapes (broadcasting); None if not needed ---
        grad_a = unbroadcast(g * b, a.shape) if ctx.needs_input_grad[0] else None
        grad_b = unbroadcast(g * a, b.shape) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b
        # --- end assignment gradients ---


class Power(Function):
    @staticmethod
    def forward(ctx, x, exponent):
        ctx.save_for_backward(x)
        ctx.exponent = exponent
        return x**exponent

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        p = ctx.exponent
        # --- assignment gradients: dL/dx of x ** p (p = ctx.exponent) ---
        return g * (p * x ** (p - 1))
        # --- end assignment gradients ---


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        # --- assignment gradients: dL/dx of e^x (forward saved y = e^x) ---
        return g * y
        # --- end assignment gradients ---


class Log(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        # --- assignment gradients: dL/dx of ln x ---
        return g / x
        # --- end assignment gradients ---


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        # --- assignment gradients: dL/dx of tanh x (forward saved y = tanh x) ---
        return g * (1 - y * y)
        # --- end assignment gradients ---


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        y = 0.5 + 0.5 * np.tanh(0.5 * x)  # = 1 / (1 + e^-x), without overflow for large |x|
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        # --- assignment gradients: dL/dx of σ(x) (forward saved y = σ(x)) ---
        return g * (y * (1 - y))
        # --- end assignment gradients ---


# --------------------------------------------------------------------------------------------- matmul
class MatMul(Function):
    """``a @ b`` for operands with at least two axes; leading axes broadcast as in numpy."""

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim < 2 or b.ndim < 2:
            raise ValueError(f"matmul needs operands with at least 2 axes, got shapes {a.shape} and {b.shape}")
        ctx.save_for_backward(a, b)
        return _matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = unbroadcast(_matmul(g, np.swapaxes(b, -1, -2)), a.shape)
        if ctx.needs_input_grad[1]:
            if b.ndim == 2:  # a weight shared by all rows: summed with its other uses as one product
                grad_b = OuterProduct(a.reshape(-1, a.shape[-1]), g.reshape(-1, g.shape[-1]))
            else:
                grad_b = unbroadcast(np.swapaxes(a, -1, -2) @ g, b.shape)
        return grad_a, grad_b


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b``, folding a's leading axes into one when b is a plain matrix.

    numpy multiplies a (B, T, H) stack by an (H, V) matrix as B separate products; folded, it is one
    (B·T, H) × (H, V) product, which BLAS runs 2-4x faster (measured on the output layer, 64 × 25 × 256 × 8000).
    """
    if b.ndim == 2 and a.ndim > 2:
        return (a.reshape(-1, a.shape[-1]) @ b).reshape(a.shape[:-1] + (b.shape[-1],))
    return a @ b


# --------------------------------------------------------------------------------------------- reductions
def _expand_reduced(g: np.ndarray, shape: tuple, axis, keepdims: bool) -> np.ndarray:
    """Put back the axes a reduction removed, so that ``g`` broadcasts against the input of ``shape``."""
    if axis is None or keepdims:
        return g.reshape([1] * len(shape)) if (axis is None and not keepdims) else g
    axes = (axis,) if isinstance(axis, int) else axis
    return np.expand_dims(g, tuple(a % len(shape) for a in axes))


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.args = x.shape, axis, keepdims
        return np.asarray(x.sum(axis=axis, keepdims=keepdims))

    @staticmethod
    def backward(ctx, g):
        shape, axis, keepdims = ctx.args
        return np.broadcast_to(_expand_reduced(g, shape, axis, keepdims), shape)


class Max(Function):
    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        y = np.asarray(x.max(axis=axis, keepdims=True))
        ctx.save_for_backward(x, y)
        ctx.args = axis, keepdims
        return y if keepdims else np.asarray(y.squeeze(axis=axis))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        axis, keepdims = ctx.args
        is_max = x == y
        share = is_max / is_max.sum(axis=axis, keepdims=True)  # ties split the gradient equally
        return (share * _expand_reduced(g, x.shape, axis, keepdims)).astype(x.dtype)


# --------------------------------------------------------------------------------------------- functions
def add(a, b) -> Tensor:
    return Add.apply(*_pair(a, b))


def mul(a, b) -> Tensor:
    return Mul.apply(*_pair(a, b))


def neg(x) -> Tensor:
    """-x, composed as x * (-1)."""
    return Mul.apply(*_pair(x, -1.0)) if isinstance(x, Tensor) else -x


def power(x, exponent: float) -> Tensor:
    if not isinstance(x, Tensor):
        return np.asarray(x) ** exponent
    return Power.apply(x, exponent=exponent)


def exp(x: Tensor) -> Tensor:
    return Exp.apply(x)


def log(x: Tensor) -> Tensor:
    return Log.apply(x)


def tanh(x: Tensor) -> Tensor:
    return Tanh.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    return Sigmoid.apply(x)


def matmul(a, b) -> Tensor:
    return MatMul.apply(*_pair(a, b))


def sum(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001  (mirrors numpy's name)
    return Sum.apply(x, axis=axis, keepdims=keepdims)


def mean(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """The average over ``axis``, composed as sum × (1 / count)."""
    count = x.data.size if axis is None else np.prod([x.shape[a] for a in np.atleast_1d(axis)])
    return mul(sum(x, axis=axis, keepdims=keepdims), 1.0 / count)


def max(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    return Max.apply(x, axis=axis, keepdims=keepdims)
