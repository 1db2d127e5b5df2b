"""Gradient-check a whole module: every parameter (or a chosen few) against finite differences, in float64.

The parameters are swapped for float64 copies for the duration of the check and put back afterwards, so any model
built from tinyseqkd parts can be checked end to end::

    gradcheck_module(model, lambda: model(batch).sum(), names=["decoder.attention.W_a"])
"""

from __future__ import annotations

import contextlib

import numpy as np

from tinyseqkd.autograd import gradcheck
from tinyseqkd.nn.module import Module


@contextlib.contextmanager
def parameters_replaced(module: Module, tensors: dict):
    """Use ``tensors[name]`` in place of the parameter ``name`` inside the block (names as ``named_parameters``)."""
    owners = {}
    for prefix, sub in module.named_modules():
        for name in sub._parameters:
            owners[prefix + name] = (sub, name)
    originals = {name: getattr(*owners[name]) for name in tensors}
    try:
        for name, tensor in tensors.items():
            object.__setattr__(*owners[name], tensor)
        yield
    finally:
        for name, original in originals.items():
            object.__setattr__(*owners[name], original)


def gradcheck_module(module: Module, loss_fn, names=None, **options) -> bool:
    """Check d loss_fn() / d parameter for the named parameters (default: all). ``loss_fn`` takes no arguments.

    ``options`` go to :func:`tinyseqkd.autograd.gradcheck` (``max_entries``, ``atol``, ``rtol``, ``eps``).
    """
    names = list(names) if names is not None else [name for name, _ in module.named_parameters()]
    params = dict(module.named_parameters())
    arrays = [params[name].data.astype(np.float64) for name in names]

    def loss_of(*tensors):
        with parameters_replaced(module, dict(zip(names, tensors))):
            return loss_fn()

    return gradcheck(loss_of, *arrays, **options)
