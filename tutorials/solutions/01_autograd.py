"""Worked solutions to the exercises of tutorial 1 (autograd). Run: python tutorials/solutions/01_autograd.py"""

import numpy as np

from tinyseqkd.autograd import Function, gradcheck
from tinyseqkd.autograd.gradcheck import GradcheckError

rng = np.random.default_rng(0)

# --- Exercise 1: ReLU as a Function, gradchecked away from the kink at 0 ------------------------------------------


class ReLU(Function):
    """forward: max(x, 0); backward: dL/dx = dL/dy where x > 0, else 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0.0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved
        return g * (x > 0)


x = rng.standard_normal(20)
x[np.abs(x) < 0.1] = 0.5  # finite differences straddling 0 would see the kink, not the derivative
print("1. ReLU passes gradcheck:", gradcheck(lambda t: ReLU.apply(t), x))

# --- Exercise 2: a broken backward and gradcheck's message ---------------------------------------------------------


class BrokenSoftplus(Function):
    @staticmethod
    def forward(ctx, x):
        return np.logaddexp(0.0, x)

    @staticmethod
    def backward(ctx, g):
        return g  # the σ(x) factor is missing


try:
    gradcheck(lambda t: BrokenSoftplus.apply(t), rng.standard_normal(4))
    print("2. gradcheck did not notice (it should have)")
except GradcheckError as error:
    print("2. gradcheck says:", error)

# --- Exercise 3: log(softmax(x)) overflows where x − logsumexp(x) does not ----------------------------------------
x = np.array([0.0, 1000.0])
with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
    naive = np.log(np.exp(x) / np.exp(x).sum())  # e^1000 = inf, inf / inf = nan
stable = x - (x.max() + np.log(np.exp(x - x.max()).sum()))  # logsumexp with the maximum taken out first
print("3. log(softmax(x)) =", naive, "   x − logsumexp(x) =", stable)
print("   e^1000 overflows float64 (and e^89 float32); subtracting the maximum first keeps every exponent ≤ 0.")
