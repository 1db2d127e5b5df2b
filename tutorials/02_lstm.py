"""Tutorial 2 — Layers, the LSTM, optimizers and checkpoints.

Motivation
    An encoder–decoder is built from a handful of layers. The LSTM is the one that carries a sentence from word to
    word; padding lets sentences of different lengths share one batch; an optimizer turns gradients into better
    weights; a checkpoint lets a long run stop and resume without losing anything.

The equations (tinyseqkd/nn/lstm.py)
    [i; f; o; g] = x_t W_ih + h_{t-1} W_hh + b
    c_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g)         h_t = σ(o) ⊙ tanh(c_t)

Run it
    python tutorials/02_lstm.py [--quick]

Read beside it: tinyseqkd/nn/module.py, layers.py, lstm.py, tinyseqkd/optim.py, tinyseqkd/checkpoint.py.
"""

import argparse
import tempfile
from pathlib import Path

import numpy as np

from tinyseqkd.autograd import Tensor
from tinyseqkd.autograd import functional as F
from tinyseqkd.checkpoint import load_checkpoint, restore, save_checkpoint
from tinyseqkd.nn import LSTM, Embedding, Linear, LSTMCell, Module
from tinyseqkd.optim import Adam, clip_grad_norm


def section(title):
    print(f"\n=== {title} ===")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


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


def main(quick: bool) -> None:
    rng = np.random.default_rng(0)

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

    section("2. Padding: a padded step leaves the state alone")
    lstm = LSTM(3, 4, num_layers=2, rng=rng)
    sentence = rng.standard_normal((1, 2, 3))
    padded = np.concatenate([sentence, np.full((1, 3, 3), 99.0)], axis=1)  # 2 real steps + 3 of garbage
    _, alone = lstm(Tensor(sentence), np.ones((1, 2)))
    _, masked = lstm(Tensor(padded), np.array([[1, 1, 0, 0, 0]]))
    print("final h, sentence alone :", np.round(alone[-1][0].data, 5))
    print("final h, padded + masked:", np.round(masked[-1][0].data, 5))

    section("3. An LSTM language model memorises four sequences (Adam, clipping)")
    data = rng.integers(1, 12, size=(4, 10))
    model = TinyLM(12, rng)
    optimizer = Adam(model.named_parameters(), lr=0.02)
    steps = 60 if quick else 150
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        loss = model.loss(data)
        loss.backward()
        clip_grad_norm(optimizer.params.values(), 5.0)
        optimizer.step()
        if step % (steps // 4) == 0:
            print(f"  step {step:3d}: loss {loss.item():.3f}")
    print(f"{model.num_parameters():,} parameters; an untrained model starts at ln 12 = {np.log(12):.2f}")

    section("4. A checkpoint resumes exactly")
    with tempfile.TemporaryDirectory() as folder:
        path = save_checkpoint(Path(folder) / "lm.npz", model=model, optimizer=optimizer, step=steps)
        copy = TinyLM(12, np.random.default_rng(99))
        copy_optimizer = Adam(copy.named_parameters(), lr=0.5)
        checkpoint = load_checkpoint(path)
        restore(checkpoint, model=copy, optimizer=copy_optimizer)
        same = all(np.array_equal(p.data, q.data) for p, q in zip(model.parameters(), copy.parameters()))
        print(f"saved at step {checkpoint.header['step']}; weights identical after loading: {same}")

    section("Summary")
    print("Modules register their parameters by attribute name; the LSTM carries state across steps and masks\n"
          "padding; Adam and clipping update the weights; a checkpoint is named arrays plus a JSON header.")
    print("\nExercises:\n"
          "  1. Train section 3 with SGD (tinyseqkd.optim.SGD, lr 1.0): how many more steps does it need?\n"
          "  2. Use LSTM(..., fused=False) and time it: what does the fused LSTM step save?\n"
          "  3. Truncate the checkpoint file and load it: what does the error say?")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a few seconds")
    main(parser.parse_args().quick)
