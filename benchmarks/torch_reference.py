"""The same model in PyTorch, for side-by-side benchmarks only (PyTorch is never a dependency of tinyseqkd).

:class:`TorchSeq2Seq` is the architecture of ``tinyseqkd.model.Seq2Seq`` written the way a PyTorch user would:
``nn.LSTM`` for the encoder (its fused, cuDNN-style kernel), ``nn.LSTMCell``s stepped in a loop for the decoder
(input feeding forbids running it as one sequence), batched matrix products for attention, one output projection
over all steps. :func:`load_from_tinyseqkd` copies a tinyseqkd model's weights in, so both compute the same
numbers — a test-free check that the comparison is fair is :func:`max_log_prob_difference`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def _to_torch_gates(weight: np.ndarray) -> torch.Tensor:
    """tinyseqkd stores gates as columns [i f o g] of an (in, 4H) matrix; PyTorch as rows [i f g o] of (4H, in)."""
    i, f, o, g = np.split(weight, 4, axis=-1)
    return torch.from_numpy(np.ascontiguousarray(np.concatenate([i, f, g, o], axis=-1).T))


def _to_torch_bias(bias: np.ndarray) -> torch.Tensor:
    i, f, o, g = np.split(bias, 4)
    return torch.from_numpy(np.concatenate([i, f, g, o]))


class TorchSeq2Seq(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, embedding_size, hidden_size, layers, dropout):
        super().__init__()
        E, H = embedding_size, hidden_size
        self.layers, self.hidden_size = layers, H
        self.src_embedding = nn.Embedding(src_vocab, E, padding_idx=0)
        self.tgt_embedding = nn.Embedding(tgt_vocab, E, padding_idx=0)
        self.encoder = nn.LSTM(E, H, layers, batch_first=True, dropout=dropout if layers > 1 else 0.0)
        self.cells = nn.ModuleList(nn.LSTMCell(E + H if i == 0 else H, H) for i in range(layers))
        self.W_a = nn.Linear(H, H, bias=False)
        self.combine = nn.Linear(2 * H, H, bias=False)
        self.generator = nn.Linear(H, tgt_vocab)
        self.dropout = nn.Dropout(dropout)

    def encode(self, src, src_lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.src_embedding(src), src_lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        memory, (h, c) = self.encoder(packed)
        memory, _ = nn.utils.rnn.pad_packed_sequence(memory, batch_first=True, total_length=src.shape[1])
        keys = memory @ self.W_a.weight  # k_s = h̄_s W_a, as in tinyseqkd (W_a stored (H, H))
        mask = torch.arange(src.shape[1])[None, :] < src_lengths[:, None]
        return memory, keys, mask, [(h[i], c[i]) for i in range(self.layers)]

    def decode_step(self, prev, h_tilde, states, memory, keys, mask):
        x = torch.cat([self.tgt_embedding(prev), h_tilde], dim=-1)
        new_states = []
        for i, cell in enumerate(self.cells):
            if i > 0:
                x = self.dropout(x)
            h, c = cell(x, states[i])
            new_states.append((h, c))
            x = h
        scores = torch.bmm(keys, x.unsqueeze(2)).squeeze(2).masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        context = torch.bmm(weights.unsqueeze(1), memory).squeeze(1)
        h_tilde = self.dropout(torch.tanh(self.combine(torch.cat([context, x], dim=-1))))
        return h_tilde, new_states, weights

    def forward(self, src, src_lengths, tgt_in):
        memory, keys, mask, states = self.encode(src, src_lengths)
        h_tilde = torch.zeros(src.shape[0], self.hidden_size)
        outputs = []
        for j in range(tgt_in.shape[1]):
            h_tilde, states, _ = self.decode_step(tgt_in[:, j], h_tilde, states, memory, keys, mask)
            outputs.append(h_tilde)
        return torch.log_softmax(self.generator(torch.stack(outputs, dim=1)), dim=-1)


def load_from_tinyseqkd(model) -> TorchSeq2Seq:
    """A TorchSeq2Seq with the weights of a tinyseqkd ``Seq2Seq``."""
    a = model.args
    torch_model = TorchSeq2Seq(a.src_vocab_size, a.tgt_vocab_size, a.embedding_size, a.hidden_size, a.layers,
                               a.dropout)
    p = {name: param.data for name, param in model.named_parameters()}
    with torch.no_grad():
        torch_model.src_embedding.weight.copy_(torch.from_numpy(p["src_embedding.weight"]))
        torch_model.tgt_embedding.weight.copy_(torch.from_numpy(p["tgt_embedding.weight"]))
        for i in range(a.layers):
            prefix = f"encoder.layers.{i}."
            getattr(torch_model.encoder, f"weight_ih_l{i}").copy_(_to_torch_gates(p[prefix + "W_ih"]))
            getattr(torch_model.encoder, f"weight_hh_l{i}").copy_(_to_torch_gates(p[prefix + "W_hh"]))
            getattr(torch_model.encoder, f"bias_ih_l{i}").copy_(_to_torch_bias(p[prefix + "bias"]))
            getattr(torch_model.encoder, f"bias_hh_l{i}").zero_()
            cell, prefix = torch_model.cells[i], f"decoder.layers.{i}."
            W_ih = p[prefix + "W_ih"] if i else np.concatenate([p[prefix + "W_ih"], p["input_feed.weight"]])
            cell.weight_ih.copy_(_to_torch_gates(W_ih))
            cell.weight_hh.copy_(_to_torch_gates(p[prefix + "W_hh"]))
            cell.bias_ih.copy_(_to_torch_bias(p[prefix + "bias"]))
            cell.bias_hh.zero_()
        torch_model.W_a.weight.copy_(torch.from_numpy(p["attention.W_a"]))
        torch_model.combine.weight.copy_(torch.from_numpy(p["combine.weight"].T.copy()))
        torch_model.generator.weight.copy_(torch.from_numpy(p["generator.weight"].T.copy()))
        torch_model.generator.bias.copy_(torch.from_numpy(p["generator.bias"]))
    return torch_model


def max_log_prob_difference(model, torch_model, src, src_lengths, tgt_in) -> float:
    """Largest |log p| difference between the two implementations on one batch, in eval mode."""
    model.eval()
    torch_model.eval()
    ours = model(src, src_lengths, tgt_in).data
    with torch.no_grad():
        theirs = torch_model(torch.from_numpy(src).long(), torch.from_numpy(src_lengths).long(),
                             torch.from_numpy(tgt_in).long()).numpy()
    model.train()
    torch_model.train()
    return float(np.abs(ours - theirs).max())
