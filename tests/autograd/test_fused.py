"""The fused log-softmax equals its composed twin and passes gradcheck (affine is in the op table); the table of
every Function in tinyseqkd stays true."""

import importlib
import pkgutil
import re

import numpy as np
import pytest

import tinyseqkd
from tinyseqkd import autograd
from tinyseqkd.autograd import Function, Tensor, gradcheck
from tinyseqkd.autograd import functional as F
from tinyseqkd.autograd.fused import log_softmax

pytestmark = pytest.mark.ch01_autograd


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_log_softmax_equals_the_composed_one_and_passes_gradcheck(dtype, rng):
    x = (rng.standard_normal((2, 3, 7)) * 3).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(log_softmax(Tensor(x, dtype=dtype)).data,
                               F.log_softmax_composed(Tensor(x, dtype=dtype)).data, **tol)
    assert gradcheck(log_softmax, x.astype(np.float64))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_fused_output_layer_loss_equals_affine_log_softmax_nll_composed(dtype, rng, monkeypatch):
    """Loss and every gradient, in slices of 3 rows (so that slicing is exercised) and with padded positions."""
    import tinyseqkd.autograd.fused as fused

    monkeypatch.setattr(fused, "SLICE_BYTES", 3 * 4 * 11)  # 3 rows of 11 scores per slice
    h0, W0, b0 = (rng.standard_normal(shape) for shape in ((2, 4, 5), (5, 11), (11,)))
    targets = rng.integers(0, 11, size=(2, 4))
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], dtype)
    weights = mask / mask.sum()

    def leaves():
        return [Tensor(a, dtype=dtype, requires_grad=True) for a in (h0, W0, b0)]

    fused_leaves, composed_leaves = leaves(), leaves()
    fused_loss = fused.output_layer_nll(*fused_leaves, targets, weights)
    per_position = F.nll_loss(log_softmax(fused.affine(*composed_leaves)), targets, pad_index=None,
                              reduction="none")
    composed_loss = (per_position * weights).sum()
    (fused_loss * 2.0).backward()
    (composed_loss * 2.0).backward()
    tol = dict(rtol=2e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fused_loss.data, composed_loss.data, **tol)
    for ours, reference in zip(fused_leaves, composed_leaves):
        np.testing.assert_allclose(ours.grad, reference.grad, **tol)
    assert np.all(fused_leaves[0].grad[1, 2:] == 0)  # padded positions pass no gradient back

    assert gradcheck(lambda h, W, b: fused.output_layer_nll(h, W, b, targets, weights), h0, W0, b0)


def test_the_fused_output_layer_loss_skips_padded_positions(rng):
    """Weight-0 rows are not multiplied at all: a NaN there (whatever the decoder left on padding) reaches neither the
    loss nor any gradient, which equal those of the real rows alone (one product through every row would put
    NaN · 0 = NaN into dW)."""
    from tinyseqkd.autograd.fused import output_layer_nll

    h0, W0, b0 = (rng.standard_normal(shape).astype(np.float32) for shape in ((2, 3, 4), (4, 6), (6,)))
    targets = rng.integers(0, 6, size=(2, 3))
    mask = np.array([[1, 1, 0], [1, 0, 0]], np.float32)
    h0[0, 2], h0[1, 1] = np.nan, np.inf
    padded = [Tensor(a, requires_grad=True) for a in (h0, W0, b0)]
    real = [Tensor(a, requires_grad=True) for a in (h0[mask > 0], W0, b0)]
    loss = output_layer_nll(*padded, targets, mask / 3)
    expected = output_layer_nll(*real, targets[mask > 0], np.full(3, 1 / 3, np.float32))
    loss.backward()
    expected.backward()
    assert loss.item() == expected.item()
    np.testing.assert_array_equal(padded[0].grad[mask > 0], real[0].grad)
    assert np.all(padded[0].grad[mask == 0] == 0)
    for mine, theirs in zip(padded[1:], real[1:]):
        np.testing.assert_array_equal(mine.grad, theirs.grad)


def test_the_fused_output_layer_loss_computes_no_gradient_without_a_graph(rng):
    from tinyseqkd.autograd import no_grad
    from tinyseqkd.autograd.fused import output_layer_nll

    h, W, b = (Tensor(rng.standard_normal(shape), requires_grad=True) for shape in ((3, 4), (4, 6), (6,)))
    with no_grad():
        loss = output_layer_nll(h, W, b, np.array([0, 5, 2]), np.full(3, 1 / 3))
    expected = F.nll_loss(log_softmax(h @ W + b), np.array([0, 5, 2]), pad_index=None)
    np.testing.assert_allclose(loss.data, expected.data, rtol=1e-6)
    assert loss.requires_grad is False


def test_fused_dropout_equals_the_composed_one_bit_for_bit_and_keeps_a_boolean_mask(rng):
    from tinyseqkd.autograd.fused import masked_scale

    x = rng.standard_normal((5, 7)).astype(np.float32)
    x[0, 0] = np.nan  # a NaN stays a NaN where it is dropped too (x · 0), as in the composed product
    keep = rng.random((5, 7)) >= 0.3
    leaf_fused, leaf_composed = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    keep[0, 0] = False
    fused_out = masked_scale(leaf_fused, keep, 1 / 0.7)
    composed_out = leaf_composed * (keep * np.asarray(1 / 0.7, dtype=np.float32))
    np.testing.assert_array_equal(fused_out.data, composed_out.data)
    assert np.isnan(fused_out.data[0, 0])
    assert fused_out._node.ctx.args[0].dtype == np.bool_  # what the backward keeps
    g = rng.standard_normal((5, 7)).astype(np.float32)
    fused_out.backward(g)
    composed_out.backward(g)
    np.testing.assert_array_equal(leaf_fused.grad, leaf_composed.grad)
    assert gradcheck(lambda t: masked_scale(t, keep, 1 / 0.7), rng.standard_normal((5, 7)))


def test_there_is_one_log_softmax():
    assert F.log_softmax is log_softmax
    with pytest.raises(ValueError, match="last axis"):
        log_softmax(Tensor(np.zeros((2, 3))), axis=0)


# ----------------------------------------------------------------------------------- the table of every Function
def _all_functions() -> dict[str, str]:
    """Every Function subclass that tinyseqkd defines, name → module (after importing every module)."""
    for module in pkgutil.walk_packages(tinyseqkd.__path__, "tinyseqkd."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found, todo = {}, [Function]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("tinyseqkd."):
                found[sub.__name__] = sub.__module__
    return found


def _table_in_the_docstring() -> dict[str, str]:
    rows = re.findall(r"^(\w+)\s+(tinyseqkd\.[\w.]+)\s", autograd.__doc__, flags=re.MULTILINE)
    assert len(rows) == len(dict(rows)), "a Function is listed twice"
    return dict(rows)


def test_the_table_of_functions_lists_every_function_and_where_it_lives():
    assert _table_in_the_docstring() == _all_functions()
