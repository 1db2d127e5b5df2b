"""Function: one differentiable operation with a hand-written backward, and the switch that stops recording.

An operation is a subclass of :class:`Function` with two static methods (MiniTorch's ``Function.apply`` pattern):

``forward(ctx, *arrays, **params) -> array or tuple of arrays``
    computes the result from plain numpy arrays and keeps what the backward needs in ``ctx``;
``backward(ctx, *output_grads) -> one gradient per input``
    receives dL/d(output) (one array per output) and returns dL/d(input) for every positional input, in order,
    ``None`` where an input needs none (``ctx.needs_input_grad[i]`` says which do).

``Function.apply(*tensors, **params)`` runs the forward and, when recording is on and some input requires a
gradient, links the result to a :class:`Node` so that ``Tensor.backward`` can walk the graph in reverse. Positional
inputs must be tensors; everything else (an axis, an index, a shape) is a keyword parameter.
"""

from __future__ import annotations

import contextlib

import numpy as np

_recording = True


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad`."""
    return _recording


@contextlib.contextmanager
def no_grad():
    """Run a block without recording a graph: faster, and nothing is kept for a backward pass.

    Used for evaluation, decoding, and the teacher's forward pass in distillation::

        with no_grad():
            log_probs = teacher(batch)
    """
    global _recording
    previous = _recording
    _recording = False
    try:
        yield
    finally:
        _recording = previous


class Context:
    """What one forward call keeps for its backward: saved arrays and any attributes the op sets."""

    def save_for_backward(self, *arrays) -> None:
        self.saved = arrays


class InputSource:
    """What a node keeps of an input that another op computed: that op's node and which of its outputs — not the
    values. The backward sweep needs only where a gradient goes; the values a backward needs are the ones its
    forward saved in ``ctx``. So an intermediate result that no backward saved (an LSTM layer's x W_ih for all
    steps, a sum of gates) is freed as soon as the forward pass is done with it, as in PyTorch: measured on the
    2 × 256 teacher's longest training batch, a third less memory held between the forward and the backward pass.
    """

    __slots__ = ("_node", "_output_index")
    requires_grad = True  # an op's result is recorded only when some input requires a gradient

    def __init__(self, node: "Node", output_index: int):
        self._node = node
        self._output_index = output_index


class _Constant:
    """Stands for an input that requires no gradient (a mask, a constant): the backward sweep skips it."""

    __slots__ = ()
    _node = None
    requires_grad = False


CONSTANT = _Constant()


def graph_input(tensor):
    """What a node keeps of one input: a leaf that requires a gradient itself (its ``.grad`` is filled), else only
    where the input came from (:class:`InputSource`), or :data:`CONSTANT`."""
    if tensor._node is not None:
        return InputSource(tensor._node, tensor._output_index)
    return tensor if tensor.requires_grad else CONSTANT


class Node:
    """One recorded call of a Function: the op, its context, and where its inputs came from (:func:`graph_input`).

    A node knows the shapes of its outputs so that an output nobody used can get a zero gradient. It does not hold
    its outputs (that would make reference cycles); outputs point to their node instead.
    """

    __slots__ = ("function", "ctx", "inputs", "output_shapes", "output_dtype")

    def __init__(self, function, ctx, inputs, output_shapes, output_dtype):
        self.function = function
        self.ctx = ctx
        self.inputs = inputs
        self.output_shapes = output_shapes
        self.output_dtype = output_dtype

    def backward(self, output_grads: list) -> tuple:
        """The chain rule at this node: dL/d(each input) from dL/d(each output), by the op's own backward.

        An output whose gradient is None (nobody used it) counts as zeros. Frees what the forward saved.
        """
        if self.ctx is None:
            raise RuntimeError(
                "backward() through a graph that has already been differentiated; its saved arrays are freed. "
                "Run the forward pass again."
            )
        output_grads = [np.zeros(shape, self.output_dtype) if grad is None else grad
                        for grad, shape in zip(output_grads, self.output_shapes)]
        input_grads = self.function.backward(self.ctx, *output_grads)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        if len(input_grads) != len(self.inputs):
            name = self.function.__name__
            raise RuntimeError(f"{name}.backward returned {len(input_grads)} gradients for {len(self.inputs)} inputs")
        self.ctx = None
        return input_grads

    def __repr__(self) -> str:
        return f"<Node {self.function.__name__}>"


class Function:
    """Base class of every differentiable operation (see the module docstring)."""

    @staticmethod
    def forward(ctx, *arrays, **params):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *output_grads):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **params):
        from tinyseqkd.autograd.tensor import Tensor

        ctx = Context()
        result = cls.forward(ctx, *(x.data for x in inputs), **params)
        needs_grad = tuple(x.requires_grad for x in inputs)
        if not (_recording and any(needs_grad)):
            if isinstance(result, tuple):
                return tuple(Tensor._wrap(r) for r in result)
            return Tensor._wrap(result)
        ctx.needs_input_grad = needs_grad
        outputs = result if isinstance(result, tuple) else (result,)
        node = Node(cls, ctx, tuple(graph_input(x) for x in inputs), tuple(r.shape for r in outputs),
                    outputs[0].dtype)
        tensors = tuple(Tensor._from_node(r, node, i) for i, r in enumerate(outputs))
        return tensors if isinstance(result, tuple) else tensors[0]
