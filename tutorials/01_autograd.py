"""Tutorial 1 — Reverse-mode automatic differentiation, from the ground up.

Motivation
    Training a translation model means following the gradient of a loss with respect to millions of weights.
    Writing those derivatives by hand for a whole network is hopeless; writing them for a dozen small operations and
    letting the chain rule do the rest is easy. That is all an autograd engine is.

The equation
    For y = f(g(x)), dy/dx = f'(g(x)) · g'(x). Reverse mode evaluates this product from the output backwards: start
    with dL/dL = 1 and, at every operation, turn dL/d(output) into dL/d(inputs). Every operation therefore needs
    one hand-written rule, its *backward*.

Run it
    python tutorials/01_autograd.py            (python tutorials/01_autograd.py --quick runs the same, smaller)

Read beside it: tinyseqkd/autograd/function.py, tensor.py, ops.py, gradcheck.py.
"""

import argparse

import numpy as np

from tinyseqkd.autograd import Function, Tensor, gradcheck
from tinyseqkd.autograd import functional as F


def section(title):
    print(f"\n=== {title} ===")


def main(quick: bool) -> None:
    # -------------------------------------------------------------------------------------------------- 1
    section("1. A tensor remembers how it was made")
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()  # y = x1² + x2² + x3²
    y.backward()  # dy/dx = 2x
    print("x        ", x.data)
    print("dy/dx    ", x.grad, " (expected 2x)")

    # -------------------------------------------------------------------------------------------------- 2
    section("2. Gradients add up along every path (and across backward calls)")
    a = Tensor([3.0], requires_grad=True)
    (a * a + a).sum().backward()  # d/da (a² + a) = 2a + 1 = 7
    print("d(a² + a)/da at a=3:", a.grad)
    (a * 10.0).sum().backward()  # accumulates: 7 + 10
    print("after a second backward (+10):", a.grad, "— reset with a.zero_grad()")
    a.zero_grad()

    # -------------------------------------------------------------------------------------------------- 3
    section("3. Finite differences keep every backward honest")
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((2, 5))
    targets = np.array([1, 3])
    print("gradcheck(cross-entropy) ->", gradcheck(lambda z: F.cross_entropy(z, targets), logits))

    # -------------------------------------------------------------------------------------------------- 4
    section("4. Write your own operation: softplus(x) = log(1 + e^x)")

    class Softplus(Function):
        """forward: log(1 + e^x); backward: dL/dx = dL/dy · σ(x)."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return np.logaddexp(0.0, x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved
            return g / (1.0 + np.exp(-x))

    z = rng.standard_normal(4 if quick else 50)
    print("softplus passes gradcheck:", gradcheck(lambda t: Softplus.apply(t), z))

    # -------------------------------------------------------------------------------------------------- 5
    section("5. A whole model learns: logistic regression on two blobs")
    n = 50 if quick else 500
    points = np.concatenate([rng.normal(-1, 0.7, (n, 2)), rng.normal(1, 0.7, (n, 2))]).astype(np.float32)
    labels = np.array([0] * n + [1] * n)
    w = Tensor(np.zeros((2, 2)), requires_grad=True)
    b = Tensor(np.zeros(2), requires_grad=True)
    for step in range(30 if quick else 200):
        loss = F.cross_entropy(Tensor(points) @ w + b, labels, pad_index=None)
        w.zero_grad()
        b.zero_grad()
        loss.backward()
        w.data -= 0.5 * w.grad  # plain gradient descent
        b.data -= 0.5 * b.grad
    accuracy = ((points @ w.data + b.data).argmax(1) == labels).mean()
    print(f"loss {loss.item():.3f}, training accuracy {accuracy:.0%}")

    section("Summary")
    print("A Tensor records the operation that made it; backward() walks the record in reverse, calling each\n"
          "operation's hand-written rule. Gradients accumulate. gradcheck compares with finite differences.")
    print("\nExercises:\n"
          "  1. Write Tensor.relu as a Function and gradcheck it (mind the kink at 0: check away from it).\n"
          "  2. Break Softplus.backward on purpose (drop the σ) and read gradcheck's message.\n"
          "  3. Why does tinyseqkd compute log_softmax as x - logsumexp(x) instead of log(softmax(x))?")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a few seconds")
    main(parser.parse_args().quick)
