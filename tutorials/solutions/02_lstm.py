"""Worked solutions to the exercises of tutorial 2 (layers, LSTM, optimizers, checkpoints)."""

import tempfile
import time
from pathlib import Path

import numpy as np

from tinyseqkd.autograd import Tensor
from tinyseqkd.autograd import functional as F
from tinyseqkd.checkpoint import load_checkpoint, save_checkpoint
from tinyseqkd.errors import TinySeqKDError
from tinyseqkd.nn import LSTM, Embedding, Linear, Module
from tinyseqkd.optim import SGD, Adam, clip_grad_norm


class TinyLM(Module):
    """Tutorial 2's language model: embedding → 2-layer LSTM → linear."""

    def __init__(self, vocab, rng):
        super().__init__()
        self.embed = Embedding(vocab, 16, rng)
        self.rnn = LSTM(16, 32, num_layers=2, rng=rng)
        self.out = Linear(32, vocab, rng)

    def loss(self, ids):
        hidden, _ = self.rnn(self.embed(ids[:, :-1]), np.ones(ids[:, :-1].shape))
        return F.cross_entropy(self.out(hidden), ids[:, 1:], pad_index=None)


# --- Exercise 1: SGD (lr 1.0) against Adam: steps to a loss below 1.0 ---------------------------------------------
def steps_to(optimizer_class, lr, target=1.0, limit=1500):
    rng = np.random.default_rng(0)
    data = rng.integers(1, 12, size=(4, 10))  # the tutorial's four sequences
    model = TinyLM(12, rng)
    optimizer = optimizer_class(model.named_parameters(), lr=lr)
    for step in range(1, limit + 1):
        optimizer.zero_grad()
        loss = model.loss(data)
        loss.backward()
        clip_grad_norm(optimizer.params.values(), 5.0)
        optimizer.step()
        if loss.item() < target:
            return step
    return None


adam, sgd = steps_to(Adam, 0.02), steps_to(SGD, 1.0)
print(f"1. loss < 1.0 after {adam} Adam steps, {sgd if sgd else 'more than 1500'} SGD steps")

# --- Exercise 2: the fused LSTM step against the composed one ---------------------------------------------------
rng = np.random.default_rng(1)
x = rng.standard_normal((32, 20, 64)).astype(np.float32)
mask = np.ones((32, 20), np.float32)
lstms = {fused: LSTM(64, 128, num_layers=1, rng=np.random.default_rng(2), fused=fused) for fused in (True, False)}
timings = {True: float("inf"), False: float("inf")}
for _ in range(10):  # alternating, best of 10 each: a busy machine disturbs both alike
    for fused, lstm in lstms.items():
        start = time.perf_counter()
        out, _ = lstm(Tensor(x), mask)
        out.sum().backward()
        timings[fused] = min(timings[fused], time.perf_counter() - start)
print(f"2. forward + backward of 20 steps: fused {1000 * timings[True]:.1f} ms, composed {1000 * timings[False]:.1f} "
      f"ms ({timings[False] / timings[True]:.1f}x): the fused step is one graph node per time step instead of a "
      "dozen, so less bookkeeping and fewer temporary arrays")

# --- Exercise 3: a truncated checkpoint --------------------------------------------------------------------------
with tempfile.TemporaryDirectory() as folder:
    path = save_checkpoint(Path(folder) / "lm.npz", model=TinyLM(12, np.random.default_rng(3)), step=1)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    try:
        load_checkpoint(path)
        print("3. the truncated file loaded (it should not have)")
    except TinySeqKDError as error:
        print(f"3. {type(error).__name__}: {error}")
