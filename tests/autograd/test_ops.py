"""One op table drives every check (MiniTorch's habit): forward equality against numpy, and finite-difference
gradients in float64, for every primitive and composite op, with broadcasting cases."""

from dataclasses import dataclass, field

import numpy as np
import pytest

from tinyseqkd.autograd import Tensor, concat, gradcheck, split, stack, unbind, where
from tinyseqkd.autograd import functional as F
from tinyseqkd.autograd.fused import affine

pytestmark = pytest.mark.ch01_autograd


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    return np.log(_softmax(x, axis))


IDS = np.array([[0, 2, 2], [1, 0, 3]])  # repeated ids: the scatter-add must add, not overwrite
TARGETS = np.array([[1, 0, 2], [4, 4, 0]])  # 0 is padding
MASK = np.array([[True, False, True, True]])
DROPOUT_SEED = 7
TEACHER_PROBS = _softmax(np.random.default_rng(3).standard_normal((4, 5)))  # a fixed teacher distribution


def _dropout(x):
    return F.dropout(x, 0.3, np.random.default_rng(DROPOUT_SEED))


def _dropout_reference(x):
    keep = np.random.default_rng(DROPOUT_SEED).random(x.shape, dtype=np.float32) >= 0.3
    return x * keep / 0.7


def _nll_reference(log_probs, targets, pad=0):
    picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
    mask = targets != pad
    return -(picked * mask).sum() / mask.sum()


@dataclass
class OpCase:
    """One row of the table: the op on tensors, its numpy reference, the input shapes and their domain."""

    name: str
    op: object
    reference: object
    shapes: list
    domain: str = "real"  # "real": N(0,1); "positive": [0.5, 2]
    extra: list = field(default_factory=list)  # constant arguments (ids, masks) passed after the float inputs


OP_TABLE = [
    # elementwise arithmetic, with broadcasting
    OpCase("add", lambda a, b: a + b, lambda a, b: a + b, [(3, 4), (3, 4)]),
    OpCase("add_broadcast_row", lambda a, b: a + b, lambda a, b: a + b, [(3, 4), (4,)]),
    OpCase("add_broadcast_both", lambda a, b: a + b, lambda a, b: a + b, [(2, 1, 4), (3, 1)]),
    OpCase("add_scalar", lambda a: 2.5 + a, lambda a: 2.5 + a, [(3,)]),
    OpCase("sub_broadcast", lambda a, b: a - b, lambda a, b: a - b, [(2, 3), (2, 1)]),
    OpCase("rsub_scalar", lambda a: 1 - a, lambda a: 1 - a, [(4,)]),
    OpCase("mul_broadcast", lambda a, b: a * b, lambda a, b: a * b, [(2, 3, 4), (3, 1)]),
    OpCase("div_broadcast", lambda a, b: a / b, lambda a, b: a / b, [(2, 3), (3,)], "positive"),
    OpCase("rdiv_scalar", lambda a: 1 / a, lambda a: 1 / a, [(5,)], "positive"),
    OpCase("neg", lambda a: -a, lambda a: -a, [(2, 3)]),
    OpCase("power_square", lambda a: a**2, lambda a: a**2, [(2, 3)]),
    OpCase("power_sqrt", lambda a: a**0.5, lambda a: a**0.5, [(2, 3)], "positive"),
    OpCase("exp", lambda a: a.exp(), np.exp, [(2, 3)]),
    OpCase("log", lambda a: a.log(), np.log, [(2, 3)], "positive"),
    OpCase("tanh", lambda a: a.tanh(), np.tanh, [(2, 3)]),
    OpCase("sigmoid", lambda a: a.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), [(2, 3)]),
    # products
    OpCase("matmul", lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4, 5)]),
    OpCase("matmul_3d_weight", lambda a, b: a @ b, lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    OpCase("matmul_batched", lambda a, b: a @ b, lambda a, b: a @ b, [(2, 3, 4), (2, 4, 5)]),
    OpCase("matmul_batch_broadcast", lambda a, b: a @ b, lambda a, b: a @ b, [(2, 3, 4), (1, 4, 5)]),
    OpCase("affine", affine, lambda x, W, b: x @ W + b, [(2, 3, 4), (4, 5), (5,)]),
    # reductions
    OpCase("sum_all", lambda a: a.sum(), lambda a: a.sum(), [(2, 3)]),
    OpCase("sum_axis", lambda a: a.sum(axis=1), lambda a: a.sum(axis=1), [(2, 3, 4)]),
    OpCase("sum_axes_keepdims", lambda a: a.sum(axis=(0, 2), keepdims=True),
           lambda a: a.sum(axis=(0, 2), keepdims=True), [(2, 3, 4)]),
    OpCase("mean_axis", lambda a: a.mean(axis=-1), lambda a: a.mean(axis=-1), [(2, 3, 4)]),
    OpCase("max_axis", lambda a: a.max(axis=1), lambda a: a.max(axis=1), [(3, 5)]),
    OpCase("max_all", lambda a: a.max(), lambda a: a.max(), [(3, 5)]),
    # shapes and indexing
    OpCase("reshape", lambda a: a.reshape(3, 4), lambda a: a.reshape(3, 4), [(2, 6)]),
    OpCase("transpose", lambda a: a.transpose(2, 0, 1), lambda a: a.transpose(2, 0, 1), [(2, 3, 4)]),
    OpCase("T", lambda a: a.T, lambda a: a.T, [(2, 3)]),
    OpCase("getitem_slice", lambda a: a[1:, ::2], lambda a: a[1:, ::2], [(3, 5)]),
    OpCase("getitem_int", lambda a: a[:, 2], lambda a: a[:, 2], [(3, 5)]),
    OpCase("gather_rows_embedding", lambda w, ids: w[ids], lambda w, ids: w[ids], [(4, 3)], extra=[IDS]),
    OpCase("getitem_bool_mask", lambda a, m: a[m[0]], lambda a, m: a[m[0]], [(4, 2)], extra=[MASK]),
    OpCase("concat", lambda a, b: concat([a, b], axis=1), lambda a, b: np.concatenate([a, b], 1),
           [(2, 3), (2, 4)]),
    OpCase("stack", lambda a, b: stack([a, b], axis=1), lambda a, b: np.stack([a, b], 1), [(2, 3), (2, 3)]),
    OpCase("split", lambda a: split(a, [1, 3], axis=1)[1] * 2.0, lambda a: a[:, 1:] * 2.0, [(2, 4)]),
    OpCase("unbind_some_unused", lambda a: unbind(a, axis=1)[2] * unbind(a, axis=1)[0],
           lambda a: a[:, 2] * a[:, 0], [(2, 4, 3)]),
    OpCase("where_broadcast", lambda a, b, m: where(m, a, b), lambda a, b, m: np.where(m, a, b),
           [(3, 4), (4,)], extra=[MASK]),
    # composites for neural networks
    OpCase("softmax", lambda a: F.softmax(a), _softmax, [(3, 5)]),
    OpCase("softmax_axis0", lambda a: F.softmax(a, axis=0), lambda a: _softmax(a, 0), [(3, 5)]),
    OpCase("log_softmax", lambda a: F.log_softmax(a), _log_softmax, [(2, 3, 5)]),
    OpCase("log_softmax_composed_axis0", lambda a: F.log_softmax_composed(a, axis=0), lambda a: _log_softmax(a, 0),
           [(3, 5)]),
    OpCase("logsumexp", lambda a: F.logsumexp(a), lambda a: np.log(np.exp(a).sum(-1)), [(3, 5)]),
    OpCase("pick", lambda a, t: F.pick(a, t), lambda a, t: np.take_along_axis(a, t[..., None], -1)[..., 0],
           [(2, 3, 5)], extra=[TARGETS]),
    OpCase("nll_loss_padded", lambda a, t: F.nll_loss(F.log_softmax(a), t),
           lambda a, t: _nll_reference(_log_softmax(a), t), [(2, 3, 5)], extra=[TARGETS]),
    OpCase("cross_entropy", lambda a, t: F.cross_entropy(a, t, reduction="sum"),
           lambda a, t: _nll_reference(_log_softmax(a), t) * (t != 0).sum(), [(2, 3, 5)], extra=[TARGETS]),
    OpCase("kl_div", lambda a, b: F.kl_div(F.log_softmax(a), F.log_softmax(b)),
           lambda a, b: (_softmax(a) * (_log_softmax(a) - _log_softmax(b))).sum(-1).mean(), [(3, 5), (3, 5)]),
    OpCase("soft_cross_entropy_masked", lambda b, m: F.soft_cross_entropy(TEACHER_PROBS, F.log_softmax(b), m),
           lambda b, m: -((TEACHER_PROBS * _log_softmax(b)).sum(-1) * m).sum() / m.sum(),
           [(4, 5)], extra=[MASK[0]]),
    OpCase("dropout", _dropout, _dropout_reference, [(3, 6)]),
]


def _inputs(case, rng, dtype):
    arrays = []
    for shape in case.shapes:
        if case.domain == "positive":
            arrays.append(rng.uniform(0.5, 2.0, size=shape).astype(dtype))
        else:
            arrays.append(rng.standard_normal(shape).astype(dtype))
    return arrays + case.extra


@pytest.mark.parametrize("case", OP_TABLE, ids=lambda case: case.name)
def test_forward_matches_numpy(case, rng):
    arrays = _inputs(case, rng, np.float32)
    tensors = [Tensor(a) if a.dtype == np.float32 else a for a in arrays]
    got = case.op(*tensors)
    expected = case.reference(*[a.astype(np.float64) if a.dtype == np.float32 else a for a in arrays])
    assert got.dtype == np.float32, f"{case.name} left float32: {got.dtype}"
    np.testing.assert_allclose(got.data, expected, rtol=1e-5, atol=1e-6, err_msg=case.name)


@pytest.mark.parametrize("case", OP_TABLE, ids=lambda case: case.name)
def test_gradient_matches_finite_differences(case, rng):
    assert gradcheck(case.op, *_inputs(case, rng, np.float64))


def test_gradcheck_catches_a_wrong_backward(rng):
    """The checker itself can fail: an op whose backward is off by a factor of two is caught."""
    from tinyseqkd.autograd import Function, GradcheckError

    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved
            return g * x  # should be 2 * g * x

    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda a: WrongSquare.apply(a), rng.standard_normal(3))
