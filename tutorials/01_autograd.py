# %% [markdown]
# # Tutorial 1 — Reverse-mode automatic differentiation, from the ground up
#
# **Why.** Training a translation model means following the gradient of a loss with respect to millions of
# weights. Writing those derivatives by hand for a whole network is hopeless; writing them for a dozen small
# operations and letting the chain rule do the rest is easy. That is all an autograd engine is.
#
# **The equation.** For y = f(g(x)), dy/dx = f'(g(x)) · g'(x). Reverse mode evaluates this product from the output
# backwards: start with dL/dL = 1 and, at every operation, turn dL/d(output) into dL/d(inputs). Every operation
# therefore needs one hand-written rule, its *backward*.
#
# **Read beside it:** `tinyseqkd/autograd/function.py` (what an operation is), `tensor.py` (`Tensor.backward`: the
# topological sort and the reverse sweep), `ops.py` (the primitives and their backwards), `gradcheck.py`.
#
# Run it: `python tutorials/01_autograd.py` (add `--quick` for a shorter run), or open it as a notebook.

# %%
import json

import numpy as np

from _common import options, section
from tinyseqkd.autograd import Function, Tensor, gradcheck
from tinyseqkd.autograd import functional as F
from tinyseqkd.kernels import kernels_in_use

args = options("Tutorial 1 — reverse-mode automatic differentiation")
rng = np.random.default_rng(args.seed)

# %% [markdown]
# ## 1. A tensor remembers how it was made
#
# `x * x` and `.sum()` each record the operation that made them. `y.backward()` walks that record backwards. For
# y = x₁² + x₂² + x₃² the gradient is 2x: you should see `[2. 4. 6.]`.

# %%
section("1. A tensor remembers how it was made")
x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x * x).sum()  # y = x1² + x2² + x3²
y.backward()  # dy/dx = 2x
print("x        ", x.data)
print("dy/dx    ", x.grad, " (expected 2x)")

# %% [markdown]
# ## 2. Gradients add up — along every path, and across backward calls
#
# `a` reaches `a² + a` along two paths; their contributions add: 2a + 1 = 7 at a = 3. A second `backward()`
# *accumulates* into the same `.grad` (7 + 10 = 17): `zero_grad()` is the one reset, which is why every training
# step starts with it.

# %%
section("2. Gradients add up along every path (and across backward calls)")
a = Tensor([3.0], requires_grad=True)
(a * a + a).sum().backward()  # d/da (a² + a) = 2a + 1 = 7
print("d(a² + a)/da at a=3:", a.grad)
(a * 10.0).sum().backward()  # accumulates: 7 + 10
print("after a second backward (+10):", a.grad, "— reset with a.zero_grad()")
a.zero_grad()

# %% [markdown]
# ## 3. Finite differences keep every backward honest
#
# `gradcheck(fn, inputs…)` compares `backward()` with (f(x + ε) − f(x − ε)) / 2ε at sampled entries, in
# float64. It returns True or raises an error naming the input, the index and both numbers. Every operation of the
# package
# has such a check in `tests/autograd/`.

# %%
section("3. Finite differences keep every backward honest")
logits = rng.standard_normal((2, 5))
targets = np.array([1, 3])
print("gradcheck(cross-entropy) ->", gradcheck(lambda z: F.cross_entropy(z, targets), logits))

# %% [markdown]
# ## 4. Write your own operation: softplus(x) = log(1 + eˣ)
#
# An operation is a `Function` with two static methods: `forward` computes with plain numpy and saves what the
# backward needs (`ctx.save_for_backward`); `backward` turns dL/dy into dL/dx. Here dL/dx = dL/dy · σ(x).

# %%
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


z = rng.standard_normal(4 if args.quick else 50)
print("softplus passes gradcheck:", gradcheck(lambda t: Softplus.apply(t), z))

# %% [markdown]
# ## 5. A whole model learns: logistic regression on two blobs
#
# The same loop trains the translation model in tutorial 4: zero the gradients, compute the loss, `backward()`,
# step against the gradient. Two well-separated blobs: expect a high training accuracy. With `--quick` (100 points,
# 30 steps) the 12 runs of `docs/tutorial-runs.md` (seeds 0–2, 1 and 2 threads, the numba kernels and their numpy
# twins) gave 95–100%, with a final loss of 0.044–0.101; only the seed changed the figures. The full run (1,000
# points, 200 steps) is not among those runs.

# %%
section("5. A whole model learns: logistic regression on two blobs")
n = 50 if args.quick else 500
points = np.concatenate([rng.normal(-1, 0.7, (n, 2)), rng.normal(1, 0.7, (n, 2))]).astype(np.float32)
labels = np.array([0] * n + [1] * n)
w = Tensor(np.zeros((2, 2)), requires_grad=True)
b = Tensor(np.zeros(2), requires_grad=True)
for step in range(30 if args.quick else 200):
    loss = F.cross_entropy(Tensor(points) @ w + b, labels, pad_index=None)
    w.zero_grad()
    b.zero_grad()
    loss.backward()
    w.data -= 0.5 * w.grad  # plain gradient descent
    b.data -= 0.5 * b.grad
accuracy = ((points @ w.data + b.data).argmax(1) == labels).mean()
print(f"loss {loss.item():.3f}, training accuracy {accuracy:.0%}")

# %% [markdown]
# ## 6. The headline figures, in one line
#
# The last line the script prints is one JSON object: section 5's loss and accuracy. `benchmarks/tutorial_runs.py`
# reads it.

# %%
section("6. The headline figures, in one line")
print(json.dumps({"tutorial": "01", "seed": args.seed, "quick": args.quick, "threads": args.threads,
                  "kernels": kernels_in_use(), "loss": round(float(loss.item()), 4),
                  "training_accuracy": round(float(accuracy), 4)}))

# %% [markdown]
# ## Summary
#
# A Tensor records the operation that made it; `backward()` walks the record in reverse, calling each operation's
# hand-written rule. Gradients accumulate until `zero_grad()`. `gradcheck` compares every rule with finite
# differences.
#
# ## Exercises (worked solutions: `tutorials/solutions/01_autograd.py`)
#
# 1. Write ReLU as a `Function` and gradcheck it (mind the kink at 0: check it away from 0).
# 2. Break `Softplus.backward` on purpose (drop the σ: return `g`) and read gradcheck's message.
# 3. Why does tinyseqkd compute log-softmax as x − logsumexp(x) instead of log(softmax(x))? Try both on
#    `[0, 1000]` with numpy.
