# %% [markdown]
# # Tutorial 2 — Layers, the LSTM, optimizers and checkpoints
#
# **Why.** An encoder–decoder is built from a handful of layers. The LSTM carries a sentence from word to word;
# padding lets sentences of different lengths share one batch; an optimizer turns gradients into better weights;
# a checkpoint lets a long run stop and resume without losing anything.
#
# **The equations** (`tinyseqkd/nn/lstm.py`):
#
#     [i; f; o; g] = x_t W_ih + h_{t-1} W_hh + b
#     c_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g)          h_t = σ(o) ⊙ tanh(c_t)
#
# **Read beside it:** `tinyseqkd/nn/module.py`, `layers.py`, `lstm.py`, `tinyseqkd/optim.py`,
# `tinyseqkd/checkpoint.py`.

# %%
import json
import tempfile
from pathlib import Path

import numpy as np

from _common import options, section
from tinyseqkd.autograd import Tensor
from tinyseqkd.autograd import functional as F
from tinyseqkd.checkpoint import load_checkpoint, restore, save_checkpoint
from tinyseqkd.kernels import kernels_in_use
from tinyseqkd.nn import LSTM, Embedding, Linear, LSTMCell, Module
from tinyseqkd.optim import Adam, clip_grad_norm

args = options("Tutorial 2 — layers, the LSTM, optimizers and checkpoints")
rng = np.random.default_rng(args.seed)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# %% [markdown]
# ## 1. The LSTM cell is four lines of numpy
#
# The equations above, written with numpy on the cell's own weights, give the same h as `LSTMCell` — the two
# printed rows agree to every digit shown.

# %%
section("1. The LSTM cell is four lines of numpy")
cell = LSTMCell(3, 4, rng)
x, h, c = rng.standard_normal((1, 3)), np.zeros((1, 4)), np.zeros((1, 4))
a = x @ cell.W_ih.data + h @ cell.W_hh.data + cell.bias.data
i, f, o, g = np.split(a, 4, axis=1)
c_by_hand = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
h_by_hand = sigmoid(o) * np.tanh(c_by_hand)
h_cell, _ = cell(Tensor(x), (Tensor(h), Tensor(c)))
print("by hand :", np.round(h_by_hand, 5))
print("LSTMCell:", np.round(h_cell.data, 5))

# %% [markdown]
# ## 2. Padding: a padded step leaves the state alone
#
# A sentence of 2 words padded to 5 (with garbage, 99.0) and a mask `[1, 1, 0, 0, 0]` ends in exactly the state
# it reaches alone: where the mask is 0 the LSTM copies the previous state forward.

# %%
section("2. Padding: a padded step leaves the state alone")
lstm = LSTM(3, 4, num_layers=2, rng=rng)
sentence = rng.standard_normal((1, 2, 3))
padded = np.concatenate([sentence, np.full((1, 3, 3), 99.0)], axis=1)  # 2 real steps + 3 of garbage
_, alone = lstm(Tensor(sentence), np.ones((1, 2)))
_, masked = lstm(Tensor(padded), np.array([[1, 1, 0, 0, 0]]))
print("final h, sentence alone :", np.round(alone[-1][0].data, 5))
print("final h, padded + masked:", np.round(masked[-1][0].data, 5))


# %% [markdown]
# ## 3. An LSTM language model memorises four sequences (Adam, clipping)
#
# Embedding → 2-layer LSTM → linear, trained to predict the next symbol of four random sequences. An untrained
# model starts at ln 12 ≈ 2.48 (12 equally likely symbols); the loss falls towards 0 as it memorises them. With
# `--quick` (60 steps) the 12 runs of `docs/tutorial-runs.md` (seeds 0–2, 1 and 2 threads, the numba kernels and
# their numpy twins) printed 2.02–2.10 at step 15 and 0.03–1.03 at step 60: it fell in 12 of 12 runs, but how far
# depends on the seed (the random sequences and the initial weights).

# %%
class TinyLM(Module):
    """Predict the next symbol: embedding → LSTM → linear."""

    def __init__(self, vocab, rng):
        super().__init__()
        self.embed = Embedding(vocab, 16, rng)
        self.rnn = LSTM(16, 32, num_layers=2, rng=rng)
        self.out = Linear(32, vocab, rng)

    def loss(self, ids):
        hidden, _ = self.rnn(self.embed(ids[:, :-1]), np.ones(ids[:, :-1].shape))
        return F.cross_entropy(self.out(hidden), ids[:, 1:], pad_index=None)


section("3. An LSTM language model memorises four sequences (Adam, clipping)")
data = rng.integers(1, 12, size=(4, 10))
model = TinyLM(12, rng)
optimizer = Adam(model.named_parameters(), lr=0.02)
steps = 60 if args.quick else 150
printed = {}  # step → the loss printed at it
for step in range(1, steps + 1):
    optimizer.zero_grad()
    loss = model.loss(data)
    loss.backward()
    clip_grad_norm(optimizer.params.values(), 5.0)
    optimizer.step()
    if step % (steps // 4) == 0:
        printed[step] = loss.item()
        print(f"  step {step:3d}: loss {loss.item():.3f}")
print(f"{model.num_parameters():,} parameters; an untrained model starts at ln 12 = {np.log(12):.2f}")

# %% [markdown]
# ## 4. A checkpoint resumes exactly
#
# A checkpoint is named arrays in an `.npz` file plus a JSON header (never a pickle). Loading it into a fresh model
# with other weights and another learning rate restores both: the weights compare identical.

# %%
section("4. A checkpoint resumes exactly")
with tempfile.TemporaryDirectory() as folder:
    path = save_checkpoint(Path(folder) / "lm.npz", model=model, optimizer=optimizer, step=steps)
    copy = TinyLM(12, np.random.default_rng(99))
    copy_optimizer = Adam(copy.named_parameters(), lr=0.5)
    checkpoint = load_checkpoint(path)
    restore(checkpoint, model=copy, optimizer=copy_optimizer)
    same = all(np.array_equal(p.data, q.data) for p, q in zip(model.parameters(), copy.parameters()))
    print(f"saved at step {checkpoint.header['step']}; weights identical after loading: {same}")

# %% [markdown]
# ## 5. The headline figures, in one line
#
# The last line the script prints is one JSON object: the losses section 3 printed, and whether the last is below
# the first. `benchmarks/tutorial_runs.py` reads it.

# %%
section("5. The headline figures, in one line")
losses = [round(float(value), 4) for value in printed.values()]
print(json.dumps({"tutorial": "02", "seed": args.seed, "quick": args.quick, "threads": args.threads,
                  "kernels": kernels_in_use(), "loss_at": {str(step): loss for step, loss in zip(printed, losses)},
                  "loss_fell": losses[-1] < losses[0]}))

# %% [markdown]
# ## Summary
#
# Modules register their parameters by attribute name; the LSTM carries state across steps and masks padding;
# Adam and clipping update the weights; a checkpoint is named arrays plus a JSON header.
#
# ## Exercises (worked solutions: `tutorials/solutions/02_lstm.py`)
#
# 1. Train section 3's model with SGD (`tinyseqkd.optim.SGD`, lr 1.0) instead of Adam: how many more steps does it
#    need to reach a loss below 1.0?
# 2. Build the LSTM with `LSTM(..., fused=False)` and time a forward and backward pass against the fused one: what
#    does the fused LSTM step save?
# 3. Truncate a checkpoint file (keep its first half) and load it: what does the error say?
