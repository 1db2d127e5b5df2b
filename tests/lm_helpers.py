"""A tiny LSTM language model built only from tinyseqkd parts, shared by the optimizer and checkpoint tests."""

import numpy as np

from tinyseqkd.autograd import functional as F
from tinyseqkd.nn import LSTM, Embedding, Linear, Module

VOCAB = 12


class TinyLM(Module):
    """Predict token t+1 from tokens ≤ t: embedding → 2-layer LSTM → linear → log-softmax."""

    def __init__(self, rng, dropout=0.0):
        super().__init__()
        self.embed = Embedding(VOCAB, 16, rng)
        self.rnn = LSTM(16, 32, num_layers=2, rng=rng, dropout=dropout)
        self.out = Linear(32, VOCAB, rng)

    def loss(self, ids):
        inputs, targets = ids[:, :-1], ids[:, 1:]
        hidden, _ = self.rnn(self.embed(inputs), np.ones(inputs.shape, np.float32))
        return F.cross_entropy(self.out(hidden), targets, pad_index=None)


def tiny_sequences(seed=0, count=4, length=10):
    """``count`` random sequences of ``length`` ids (1..VOCAB-1): a task the model can memorise."""
    return np.random.default_rng(seed).integers(1, VOCAB, size=(count, length))


def train(model, optimizer, data, steps, clip=5.0):
    from tinyseqkd.optim import clip_grad_norm

    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = model.loss(data)
        loss.backward()
        clip_grad_norm(optimizer.params.values(), clip)
        optimizer.step()
        losses.append(loss.item())
    return losses
