# %% [markdown]
# # Tutorial 6 — Kernels: a numba loop beside its numpy twin, and the switch between them
#
# **Why.** numpy runs one pass over an array per operation, and it computes on every entry, padding included. One
# step of attention over a padded batch — scores, a masked softmax, a weighted sum — is half a dozen passes over
# (batch × longest source × hidden) arrays, many of them over padding. A loop compiled by numba does the same work
# sentence by sentence, touching only the real source positions. Loops are harder to read, though, so every
# kernel in `tinyseqkd/kernels/` has a numpy *twin* that says the same thing in a few array expressions, a test
# that holds the two equal, and one switch that sends every call to the twins.
#
# **The equation** (Luong "general" attention, Kim & Rush Sec. 2.1; keys k_s = h̄_s W_a computed once per sentence,
# so that score(h, h̄_s) = h̄_sᵀ W_a h = k_s · h):
#
#     score_s = k_s · h   for the real positions s < length      a = softmax(score)      c = Σ_s a_s h̄_s
#
# **Read beside it:** `tinyseqkd/kernels/attention.py` (twins, kernels, dispatchers), `nn/attention.py` (the layer
# that calls them), `kernels/switch.py` (`use_kernels`, `TINYSEQKD_KERNELS`), `kernels/__init__.py` (the one place
# `numba.njit` is applied).

# %%
import inspect
import json
import time

import numpy as np

from _common import options, section
from tinyseqkd.data.batching import make_batches
from tinyseqkd.kernels import attention, kernels_in_use, use_kernels
from tinyseqkd.model import ModelArgs, Seq2Seq

args = options("Tutorial 6 — kernels: numba loops beside their numpy twins")
rng = np.random.default_rng(args.seed)
print("kernels in use now:", kernels_in_use(), "(TINYSEQKD_KERNELS=numpy in the environment changes it)")


def best_seconds(function, repeats):
    """The fastest of ``repeats`` calls: the least disturbed by whatever else the machine does."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


# %% [markdown]
# ## 1. The twin and the kernel
#
# The twin is the equation in numpy: scores for every position, −∞ on the padding, a softmax, a weighted sum. The
# kernel is the same computation as plain loops, compiled by `@kernel` (numba's `njit` with `cache=True`, so
# compilation happens once per installation). For each sentence b it loops over its `lengths[b]` real positions
# only, and writes exact zeros into the padding's weights.

# %%
section("1. The twin and the kernel (tinyseqkd/kernels/attention.py)")
print(inspect.getsource(attention.attention_forward_numpy))
print(inspect.getsource(attention.attention_forward_kernel))

# %% [markdown]
# ## 2. The same numbers
#
# A batch of 64 sentences padded to 30 positions, of random lengths, hidden size 256, float32. The two paths agree
# to float32 rounding. Over the 12 `--quick` runs of `docs/tutorial-runs.md` (seeds 0–2, 1 and 2 threads, run with
# the numba kernels and with their numpy twins), the largest difference in the context vectors was 2.7e-7–3.9e-7,
# below 1e-6 in 12 of 12 runs (set by the seed's batch); the weights' difference and the weights on the padding
# (meant to be exactly 0 in both) are printed but were not tabulated over those runs.
# `tests/kernels/test_attention_kernel.py` checks this (and the backward) for many shapes; the gradient check of the
# twin then vouches for the kernel too.

# %%
section("2. The kernel and its twin give the same numbers")
B, S, H = 64, 30, 256
keys, values = (rng.standard_normal((B, S, H)).astype(np.float32) * 0.2 for _ in range(2))
query = rng.standard_normal((B, H)).astype(np.float32)
lengths = rng.integers(5, S + 1, size=B)
start = time.perf_counter()
with use_kernels("numba"):
    context_kernel, weights_kernel = attention.attention_forward(keys, values, query, lengths)  # the dispatcher
first_call = time.perf_counter() - start
context_twin, weights_twin = attention.attention_forward_numpy(keys, values, query, lengths)
padding = ~attention.length_mask(lengths, S)
print(f"context: largest difference {np.abs(context_kernel - context_twin).max():.1e}")
print(f"weights: largest difference {np.abs(weights_kernel - weights_twin).max():.1e}; "
      f"on padding: kernel {weights_kernel[padding].max()}, twin {weights_twin[padding].max()}")
print(f"first call of the kernel: {first_call:.2f} s (compiling it, or loading it from numba's cache)")

# %% [markdown]
# ## 3. A measured speed-up
#
# The best of several calls of each, on the same batch. Measured with `--quick` over the same 12 runs on the
# project's 2-core machine: the twin took 157–222 µs, the kernel 47–64 µs, a speed-up of 2.9–3.5× (the kernel
# faster in 12 of 12); the figure printed is this machine's, measured now. The full run's timings were not
# measured. Part of the gain is the padding the kernel skips — 38–43% of the positions here, by seed.

# %%
section("3. A measured speed-up")
repeats = 20 if args.quick else 200
with use_kernels("numba"):
    kernel_seconds = best_seconds(lambda: attention.attention_forward(keys, values, query, lengths), repeats)
twin_seconds = best_seconds(lambda: attention.attention_forward_numpy(keys, values, query, lengths), repeats)
print(f"one attention step, batch {B} x {S} positions x {H}: numpy twin {1e6 * twin_seconds:.0f} µs, "
      f"numba kernel {1e6 * kernel_seconds:.0f} µs — speed-up {twin_seconds / kernel_seconds:.1f}x "
      f"({padding.mean():.0%} of the positions are padding)")

# %% [markdown]
# ## 4. One switch for the whole model
#
# The model never names a path: `nn/lstm.py`, `nn/attention.py`, `autograd/fused.py` and `decoding.py` call
# dispatchers, which read the switch at every call. `with use_kernels("numpy"):` sends a whole training step to the
# twins — the readable path, to step through with a debugger or to compare against. The loss and every gradient
# agree with the kernels' to float32 rounding (the largest gradient difference 2.7e-9–7.5e-9 over the 12 runs); the
# step takes longer — with `--quick` (hidden size 64) one forward + backward took 8.1–14.0 ms on the kernels and
# 10.2–17.8 ms on the twins, the numpy path 15.5–40.5% slower (slower in 12 of 12 runs, but within 20–40% in only 10
# of 12). The full run's hidden size 128 was not measured over these runs.

# %%
section("4. One switch for the whole model: a training step on both paths")
model_args = ModelArgs(60, 60, embedding_size=32, hidden_size=64 if args.quick else 128, layers=1, dropout=0.0)
model = Seq2Seq(model_args, np.random.default_rng(args.seed))
sentences = [rng.integers(4, 60, size=rng.integers(5, 15)) for _ in range(32)]
batch = make_batches(sentences, sentences, batch_size=32)[0]


def training_step():
    model.zero_grad()
    loss = model.loss(batch)
    loss.backward()
    return loss.item(), {name: p.grad.copy() for name, p in model.named_parameters()}


results, step_seconds = {}, {}
for path in ("numba", "numpy"):
    with use_kernels(path):
        results[path] = training_step()
        seconds = step_seconds[path] = best_seconds(training_step, repeats)
    print(f"{path:5s}: loss {results[path][0]:.6f}, one forward + backward {1000 * seconds:.1f} ms")
difference = max(np.abs(results["numba"][1][name] - results["numpy"][1][name]).max() for name in results["numba"][1])
print(f"largest gradient difference between the paths: {difference:.1e}")
print("kernels in use after the blocks:", kernels_in_use())

# %% [markdown]
# ## 5. The headline figures, in one line
#
# The last line the script prints is one JSON object: the differences between the paths (sections 2 and 4) and
# the timings (sections 3 and 4), which are this machine's and this moment's. `benchmarks/tutorial_runs.py` reads
# it.

# %%
section("5. The headline figures, in one line")
print(json.dumps({
    "tutorial": "06", "seed": args.seed, "quick": args.quick, "threads": args.threads, "kernels": kernels_in_use(),
    "largest_context_difference": float(np.abs(context_kernel - context_twin).max()),
    "largest_gradient_difference": float(difference), "padding_share": round(float(padding.mean()), 4),
    "attention_us": {"numpy_twin": round(1e6 * twin_seconds, 1), "numba_kernel": round(1e6 * kernel_seconds, 1)},
    "attention_speedup": round(twin_seconds / kernel_seconds, 2),
    "training_step_ms": {path: round(1000 * seconds, 2) for path, seconds in step_seconds.items()},
    "numpy_step_slower_by": round(step_seconds["numpy"] / step_seconds["numba"] - 1, 3),
}))

# %% [markdown]
# ## Summary
#
# A kernel is a plain loop compiled once by numba; its numpy twin is the specification. A test holds them equal,
# the twin's gradient check covers both, and `use_kernels("numpy")` (or `TINYSEQKD_KERNELS=numpy`) runs everything
# on the twins. To step through a kernel's own loops in a debugger, run with `NUMBA_DISABLE_JIT=1` (slow: the
# loops then run as Python).
#
# ## Exercises (worked solutions: `tutorials/solutions/06_kernels.py`)
#
# 1. Run this tutorial as `TINYSEQKD_KERNELS=numpy python tutorials/06_kernels.py --quick`: which lines change?
# 2. Write a numba kernel for the softmax *probabilities* p_k = e^(x_k − m) / Σ_j e^(x_j − m) as plain loops
#    (decorate it with `tinyseqkd.kernels.kernel`) and check it against `np.exp(log_softmax_forward_numpy(x))`.
# 3. Time the LSTM cell's pointwise kernels against their twins (`tinyseqkd/kernels/lstm.py`: the dispatchers
#    `lstm_cell_forward` and `lstm_cell_backward` under `use_kernels("numba")` and `use_kernels("numpy")`) for
#    B = 64, H = 256. Which direction gains more?
