"""A minimal reverse-mode autograd over numpy arrays, written to be read.

Read in this order: ``function.py`` (what an operation is; ``no_grad``), ``tensor.py`` (the Tensor and the backward
sweep), ``ops.py`` and ``shapes.py`` (the primitives, each with its backward), ``functional.py`` (softmax, losses, dropout — composed),
``gradcheck.py`` (finite differences that keep every backward honest).
"""

from tinyseqkd.autograd.function import Function, is_grad_enabled, no_grad
from tinyseqkd.autograd.tensor import Tensor
from tinyseqkd.autograd.shapes import concat, split, stack, unbind, where
from tinyseqkd.autograd.gradcheck import GradcheckError, gradcheck

__all__ = [
    "Function", "Tensor", "no_grad", "is_grad_enabled", "gradcheck", "GradcheckError",
    "concat", "stack", "split", "unbind", "where",
]
