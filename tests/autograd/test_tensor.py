"""The backward sweep's rules: accumulation, zero_grad, no_grad, errors a student will meet."""

import gc
import weakref

import numpy as np
import pytest

from tinyseqkd.autograd import Tensor, no_grad, unbind
from tinyseqkd.autograd import accumulate

pytestmark = pytest.mark.ch01_autograd


def test_a_tensor_used_twice_gets_the_sum_of_both_paths():
    x = Tensor([3.0], requires_grad=True)
    (x * x + x).sum().backward()  # d/dx (x² + x) = 2x + 1
    assert x.grad.tolist() == [7.0]


def test_gradients_accumulate_until_zero_grad():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    (x * 3.0).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    x.zero_grad()
    assert x.grad is None
    (x * 3.0).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_backward_on_a_non_scalar_without_gradient_is_a_clear_error():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*loss.sum\(\)"):
        (x * 2.0).backward()


def test_backward_with_an_explicit_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * 2.0).backward(np.array([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 20.0]


def test_no_grad_records_nothing():
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = x * 2.0
    assert not y.requires_grad and y.is_leaf
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        y.sum().backward()


def test_a_second_backward_through_a_freed_graph_is_a_clear_error():
    x = Tensor([1.0], requires_grad=True)
    loss = (x.tanh() * 2.0).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="already been differentiated"):
        loss.backward()


def test_float32_stays_float32_and_constants_take_the_tensor_type():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * np.array([2.0, 3.0]) + 1) / 2
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_tensor_refuses_integer_data():
    with pytest.raises(TypeError, match="integer ids stay numpy arrays"):
        Tensor(np.arange(3), dtype=np.int64)


def test_multi_output_op_with_unused_outputs_gets_zero_there():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    first, _, third = unbind(x, axis=1)
    (first * 2.0 + third).sum().backward()
    assert x.grad.tolist() == [[2.0, 0.0, 1.0], [2.0, 0.0, 1.0]]


def test_long_chains_do_not_hit_the_recursion_limit():
    x = Tensor([0.5], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def test_two_leaves_that_receive_the_same_gradient_array_do_not_share_it():
    x, y = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()  # Add's backward hands the same array g to both inputs
    x.grad += 10.0
    assert y.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("pending_bytes", [accumulate.PENDING_BYTES, 200, 0])  # at the end, every 4 steps, each
def test_a_weight_used_at_every_step_gets_the_sum_of_its_per_step_products(rng, monkeypatch, pending_bytes):
    """Deferred outer products (accumulate.py): a leaf weight and a computed one (a masked weight, as pruning
    makes), each used at ten steps, receive Σ_t x_tᵀ g_t — the same numbers as plain numpy, also when the steps
    are multiplied a few steps at a time."""
    monkeypatch.setattr(accumulate, "PENDING_BYTES", pending_bytes)
    W = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    mask = (rng.random((3, 4)) > 0.3).astype(np.float32)
    xs = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(10)]
    gs = [rng.standard_normal((2, 4)).astype(np.float32) for _ in range(10)]
    masked = W * mask
    total = None
    for x, g in zip(xs, gs):
        term = ((Tensor(x) @ W) * g).sum() + ((Tensor(x) @ masked) * g).sum()
        total = term if total is None else total + term
    total.backward()
    expected = sum(x.T @ g for x, g in zip(xs, gs))
    np.testing.assert_allclose(W.grad, expected + expected * mask, rtol=1e-5, atol=1e-5)


def test_an_intermediate_result_no_backward_saved_is_freed_before_the_backward_pass():
    """A node keeps where its inputs came from, not their values (function.InputSource): ``h`` below is used only by
    an addition, whose backward needs nothing saved, so its array goes as soon as the forward pass drops it."""
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = x * 2.0
    values = weakref.ref(h.data)
    loss = ((h + 1.0) * x).sum()
    del h
    gc.collect()
    assert values() is None
    loss.backward()  # d/dx (2x + 1) x = 4x + 1
    assert x.grad.tolist() == [5.0, 9.0, 13.0]
