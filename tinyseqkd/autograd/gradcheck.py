"""Gradient checking: compare backward() with central finite differences, in float64.

For a function f of tensors and a fixed random weight w of f's output shape, let L(x) = Σ w ⊙ f(x). Backward gives
dL/dx; the central difference

    dL/dx_i ≈ (L(x + ε e_i) − L(x − ε e_i)) / 2ε

estimates it to O(ε²) without any calculus. Running in float64 makes the estimate accurate to ~1e-8, so a mismatch
means a wrong backward, not rounding. Usage (also in the tests and the first tutorial)::

    gradcheck(lambda a, b: (a * b).tanh(), np.random.rand(3, 4), np.random.rand(4))
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.autograd.function import no_grad
from tinyseqkd.autograd.tensor import Tensor


class GradcheckError(AssertionError):
    """backward() and the finite differences disagree; the message says where and by how much."""


def gradcheck(
    fn,
    *inputs,
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-4,
    max_entries: int | None = 200,
    seed: int = 0,
) -> bool:
    """Check ``fn``'s gradient with respect to every floating-point input. Returns True or raises GradcheckError.

    inputs: numpy float arrays (each becomes a float64 tensor that requires a gradient) or anything else (integer
    ids, masks), passed to ``fn`` unchanged and not checked. ``fn`` must be deterministic (reseed any dropout inside
    it). At most ``max_entries`` entries of each input are checked, chosen at random by ``seed``.
    """
    rng = np.random.default_rng(seed)
    arrays = [np.array(x, dtype=np.float64) if _is_float_array(x) else x for x in inputs]
    tensors = [Tensor(a, requires_grad=True, dtype=np.float64) if _is_float_array(a) else a for a in arrays]
    output = fn(*tensors)
    weight = rng.standard_normal(output.shape)
    output.backward(weight.astype(output.dtype))

    def weighted_output(candidate):
        with no_grad():
            args = [Tensor(a, dtype=np.float64) if _is_float_array(a) else a for a in candidate]
            return float((fn(*args).data.astype(np.float64) * weight).sum())

    for position, tensor in enumerate(tensors):
        if not isinstance(tensor, Tensor):
            continue
        analytic = np.zeros_like(arrays[position]) if tensor.grad is None else tensor.grad
        for flat in _entries_to_check(tensor.size, max_entries, rng):
            index = np.unravel_index(flat, tensor.shape)
            numeric = _central_difference(weighted_output, arrays, position, index, eps)
            got = analytic[index]
            if not abs(got - numeric) <= atol + rtol * abs(numeric):
                raise GradcheckError(
                    f"gradient of input {position} (shape {tensor.shape}) at index {tuple(int(i) for i in index)}: "
                    f"backward gives {got:.8g}, finite differences {numeric:.8g}; "
                    f"input shapes {[getattr(a, 'shape', type(a).__name__) for a in arrays]}"
                )
    return True


def _is_float_array(x) -> bool:
    return isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)


def _entries_to_check(size: int, max_entries: int | None, rng: np.random.Generator) -> np.ndarray:
    if max_entries is None or size <= max_entries:
        return np.arange(size)
    return np.sort(rng.choice(size, max_entries, replace=False))


def _central_difference(weighted_output, arrays, position, index, eps) -> float:
    x = arrays[position]
    original = x[index]
    x[index] = original + eps
    upper = weighted_output(arrays)
    x[index] = original - eps
    lower = weighted_output(arrays)
    x[index] = original
    return (upper - lower) / (2 * eps)
