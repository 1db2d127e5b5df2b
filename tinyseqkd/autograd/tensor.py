"""Tensor: a numpy array that remembers how it was computed, and reverse-mode differentiation over that record.

Every operation on tensors (``a + b``, ``a @ w``, ``x.tanh()``) is a :class:`~tinyseqkd.autograd.function.Function`
whose result points back to a node that knows where its inputs came from. ``loss.backward()`` then

1. orders the recorded nodes so that every node comes after all nodes that use its outputs (a topological sort of
   the graph, walked from the loss), and
2. sweeps that order once, calling each op's hand-written ``backward`` with dL/d(output) and passing the returned
   dL/d(input) on to the inputs: the chain rule, one node at a time.

Both are in :meth:`Tensor.backward`. Where several gradients meet (a tensor used twice) they are summed by
``accumulate.py``, the one place that holds the sweep's speed tricks (deferred outer products, in-place sums).

Gradients **accumulate**: a leaf tensor (one you made, such as a parameter) adds each backward's result to
``.grad``, so a tensor used twice gets the sum of both paths, and two ``backward()`` calls add up. Reset with
``zero_grad()`` (the optimizers' ``zero_grad()`` does it for every parameter). Only leaves keep ``.grad``;
intermediate results pass their gradient on and keep nothing. After a backward pass the graph's saved arrays are
freed, so a second ``backward()`` through the same graph is an error, as in PyTorch.

Tensors hold float32 arrays unless you ask for another float type (the gradient checks use float64).
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.autograd.accumulate import GradientSums
from tinyseqkd.autograd.function import Node


class Tensor:
    """An n-dimensional float array with an optional gradient.

    >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    array([2., 4., 6.], dtype=float32)
    """

    __slots__ = ("data", "grad", "requires_grad", "_node", "_output_index", "__weakref__")
    __array_priority__ = 1000  # so that ``ndarray * Tensor`` calls Tensor.__rmul__

    def __init__(self, data, requires_grad: bool = False, dtype=np.float32):
        array = np.asarray(data, dtype=dtype)
        if not np.issubdtype(array.dtype, np.floating):
            raise TypeError(f"a Tensor holds floats, not {array.dtype}; integer ids stay numpy arrays")
        self.data = array
        self.grad = None
        self.requires_grad = requires_grad
        self._node = None
        self._output_index = 0

    @classmethod
    def _wrap(cls, array: np.ndarray) -> "Tensor":
        """A constant tensor around an op's result, without copying or converting it."""
        tensor = cls.__new__(cls)
        tensor.data = array
        tensor.grad = None
        tensor.requires_grad = False
        tensor._node = None
        tensor._output_index = 0
        return tensor

    @classmethod
    def _from_node(cls, array: np.ndarray, node: Node, index: int) -> "Tensor":
        """The ``index``-th output of a recorded op."""
        tensor = cls._wrap(array)
        tensor.requires_grad = True
        tensor._node = node
        tensor._output_index = index
        return tensor

    # ----------------------------------------------------------------- plain array facts
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors you made yourself; False for results of recorded operations."""
        return self._node is None

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float:
        return self.data.item()

    def detach(self) -> "Tensor":
        """The same numbers, cut off from the graph (no gradient flows through)."""
        return Tensor._wrap(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        flag = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, precision=4, threshold=20, prefix="Tensor(")
        return f"Tensor({body}{flag})"

    # ----------------------------------------------------------------- gradients
    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    def _accumulate(self, grad: np.ndarray) -> None:
        """``.grad += grad`` (the first time: ``.grad = grad``; the array must be ours to keep)."""
        if grad.shape != self.data.shape:
            raise RuntimeError(f"gradient of shape {grad.shape} for a tensor of shape {self.data.shape}")
        if self.grad is None:
            self.grad = grad
        else:
            self.grad += grad

    def backward(self, grad=None) -> None:
        """Add d(self)/d(leaf) (times ``grad``) to the ``.grad`` of every leaf that requires a gradient.

        ``grad`` is dL/d(self); it may be omitted only when ``self`` holds a single number (a loss).
        """
        # 1. Topological order. A depth-first walk from this tensor's op toward the leaves appends every op after
        #    the ops that produced its inputs; reversed, every op comes after all the ops that use its outputs.
        #    (A loop with a stack, not recursion: a long sequence's graph is deeper than Python's recursion limit.)
        order, visited = [], {self._node}
        stack = [] if self._node is None else [(self._node, iter(self._node.inputs))]
        while stack:
            node, inputs = stack[-1]
            for tensor in inputs:
                parent = tensor._node
                if parent is not None and parent not in visited:
                    visited.add(parent)
                    stack.append((parent, iter(parent.inputs)))
                    break
            else:  # every input's op is placed: this op goes after them
                stack.pop()
                order.append(node)
        # 2. The chain rule, op by op in that order: an op's output gradients are complete when it is reached (all
        #    its users came first); its own backward turns them into its inputs' gradients. Where gradients meet
        #    (a tensor used twice) they are summed, by ``accumulate.GradientSums``.
        sums = GradientSums()
        sums.add(self, self._seed_gradient(grad))
        for node in reversed(order):
            output_grads = sums.take_outputs(node)
            if output_grads is None:
                continue  # no gradient reached this op
            for tensor, input_grad in zip(node.inputs, node.backward(output_grads)):  # tensor: a leaf or an InputSource
                if input_grad is not None and tensor.requires_grad:
                    sums.add(tensor, input_grad)
        for leaf, leaf_grad in sums.leaf_sums():  # leaves last, so that a weight's per-step terms are summed at once
            leaf._accumulate(leaf_grad)

    def _seed_gradient(self, grad) -> np.ndarray:
        """dL/d(self) to start the sweep from: 1 for a single number, else the ``grad`` given (checked)."""
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require a gradient (no parameter reaches it)")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a single number, but this tensor has shape {self.shape}; "
                    "reduce it first (e.g. loss.sum() or loss.mean()) or pass backward(grad) of the same shape"
                )
            return np.ones_like(self.data)
        grad = np.asarray(grad, dtype=self.data.dtype)
        if grad.shape != self.data.shape:
            raise RuntimeError(f"backward(grad): grad has shape {grad.shape}, the tensor {self.shape}")
        return grad

    # ----------------------------------------------------------------- operators (defined in ops/functional)
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.add(self, ops.neg(other))

    def __rsub__(self, other):
        return ops.add(other, ops.neg(self))

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.mul(self, ops.power(other, -1.0))

    def __rtruediv__(self, other):
        return ops.mul(other, ops.power(self, -1.0))

    def __neg__(self):
        return ops.neg(self)

    def __pow__(self, exponent: float):
        return ops.power(self, exponent)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __getitem__(self, index):
        return shapes.getitem(self, index)

    def exp(self):
        return ops.exp(self)

    def log(self):
        return ops.log(self)

    def tanh(self):
        return ops.tanh(self)

    def sigmoid(self):
        return ops.sigmoid(self)

    def sum(self, axis=None, keepdims: bool = False):
        return ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False):
        return ops.mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims: bool = False):
        return ops.max(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return shapes.reshape(self, shape)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return shapes.transpose(self, axes or None)

    @property
    def T(self):
        return shapes.transpose(self, None)


from tinyseqkd.autograd import ops, shapes  # noqa: E402  (they need Tensor defined first)
