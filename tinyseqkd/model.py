"""The paper's model: an LSTM encoder–decoder with Luong global attention and input feeding.

Kim & Rush (2016, Sec. 2.1) use the attentional model of Luong, Pham & Manning (2015), global attention with
the "general" score and input feeding. For a source s_1..s_S and target y_1..y_T::

    h̄_1..h̄_S      = LSTM_enc(emb(s_1..s_S))                    n layers, unidirectional
    (h_0, c_0)     = the encoder's final state (each layer's)
    h_j            = LSTM_dec([emb(y_{j-1}); h̃_{j-1}], h_{j-1})   input feeding: the last attentional state
    c_j, a_j       = attention(h_j, h̄_1..h̄_S)                  Luong "general", see tinyseqkd.nn.attention
    h̃_j           = tanh(W_c [c_j; h_j])                        no bias
    p(y_j | y_<j, s) = softmax(W_o h̃_j + b)

with y_0 = <s>, h̃_0 = 0, uniform initialisation in ±0.1 and dropout between LSTM layers and on h̃_j.

h̃_j, the *attentional state*, is ``h_tilde`` everywhere in the code. **Input feeding** is its second use: besides
predicting y_j, h̃_j joins the next step's decoder input, so the decoder knows where it attended before.

The first decoder layer's input product is written as two: ``[emb(y_{j-1}); h̃_{j-1}] W_ih = emb(y_{j-1}) W_emb +
h̃_{j-1} W_feed`` — the same numbers, but during teacher forcing every step's embedding share is computed at once,
one large matrix product instead of T small ones (``decoder.layers.0.W_ih`` is W_emb, ``input_feed.weight`` W_feed).

The teacher-forced :meth:`Seq2Seq.forward` returns the full log-probabilities (batch × length × vocabulary):
word-level distillation needs them, not only the gold words' entries. The plain NLL (:meth:`Seq2Seq.loss`) needs
only the gold words', and computes it slice by slice without keeping those arrays. Decoding reuses :meth:`Seq2Seq.encode` and
:meth:`Seq2Seq.decode_step`, the same code that training runs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np

from tinyseqkd.autograd import Tensor, concat, stack, unbind
from tinyseqkd.autograd.fused import log_softmax, output_layer_nll
from tinyseqkd.config import ModelConfig
from tinyseqkd.data.vocab import PAD
from tinyseqkd.kernels.attention import length_mask
from tinyseqkd.nn import LSTM, Dropout, Embedding, Linear, Module
from tinyseqkd.nn.attention import GlobalAttention
from tinyseqkd.nn.lstm import State


@dataclass(frozen=True)
class ModelArgs(ModelConfig):
    """Everything that fixes the model's shape: a config's ``[model]`` section (embedding_size, hidden_size,
    layers, dropout, init_scale; defaults and meaning in :class:`tinyseqkd.config.ModelConfig`, given by keyword)
    plus the vocabulary sizes the text pipeline fixes: ``ModelArgs(src_vocab_size, tgt_vocab_size, layers=1, …)``.
    A checkpoint stores it to rebuild the model."""

    src_vocab_size: int
    tgt_vocab_size: int

    @classmethod
    def from_config(cls, model: ModelConfig, src_vocab_size: int, tgt_vocab_size: int) -> "ModelArgs":
        return cls(**asdict(model), src_vocab_size=src_vocab_size, tgt_vocab_size=tgt_vocab_size)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "ModelArgs":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass
class Encoded:
    """What the decoder needs from the source: encoder outputs h̄ (N, S, H), attention keys h̄ W_a (N, S, H), the
    source lengths (N,) and the encoder's final state per layer — and ``rows``, which sentence each decoder row
    reads (None: row b reads sentence b). Beam search decodes K rows per sentence, and sentences leave the batch
    as they finish: it only changes ``rows`` (:meth:`for_rows`), never copies the encoder outputs."""

    memory: Tensor
    keys: Tensor
    lengths: np.ndarray
    final_states: list[State]
    rows: np.ndarray | None = None

    def for_rows(self, sentences: np.ndarray) -> "Encoded":
        """The same source, read by decoder rows of the given sentences (of this batch), one row each."""
        return Encoded(self.memory, self.keys, self.lengths, [], np.asarray(sentences))


class Seq2Seq(Module):
    """Attentional LSTM encoder–decoder (equations in the module docstring)."""

    def __init__(self, args: ModelArgs, rng: np.random.Generator):
        super().__init__()
        self.args = args
        self.rng = rng  # draws the initial weights, then every dropout mask
        E, H, L, p, scale = args.embedding_size, args.hidden_size, args.layers, args.dropout, args.init_scale
        self.src_embedding = Embedding(args.src_vocab_size, E, rng, init_scale=scale)
        self.tgt_embedding = Embedding(args.tgt_vocab_size, E, rng, init_scale=scale)
        self.encoder = LSTM(E, H, L, rng, dropout=p, init_scale=scale)
        self.decoder = LSTM(E, H, L, rng, dropout=p, init_scale=scale)  # input: emb(y_{j-1}) ...
        self.input_feed = Linear(H, 4 * H, rng, bias=False, init_scale=scale)  # ... and h̃_{j-1}: W_feed
        self.attention = GlobalAttention(H, rng, init_scale=scale)
        self.combine = Linear(2 * H, H, rng, bias=False, init_scale=scale)  # W_c
        self.generator = Linear(H, args.tgt_vocab_size, rng, init_scale=scale)  # W_o, b
        self.dropout = Dropout(p, rng)

    # ------------------------------------------------------------------ the pieces decoding reuses
    def encode(self, src: np.ndarray, src_lengths: np.ndarray) -> Encoded:
        """src: (B, S) ids padded with 0; src_lengths: (B,) → :class:`Encoded`."""
        mask = length_mask(src_lengths, src.shape[1])
        memory, final_states = self.encoder(self.src_embedding(src), mask)
        return Encoded(memory, self.attention.keys(memory), np.asarray(src_lengths), final_states)

    def initial_h_tilde(self, batch_size: int) -> Tensor:
        """h̃_0 = 0: the attentional state fed into the first decoder step, before any target word. → (B, H)"""
        return Tensor._wrap(np.zeros((batch_size, self.args.hidden_size), np.float32))

    def embedding_gates(self, ids: np.ndarray) -> Tensor:
        """emb(y) W_emb + b, the embedding's share of the first decoder layer's pre-activations: ids → (..., 4H)."""
        return self.decoder.layers[0].input_gates(self.tgt_embedding(ids))

    def decode_step(self, prev_ids: np.ndarray, h_tilde: Tensor, states: list[State], encoded: Encoded,
                    embedding_gates: Tensor | None = None):
        """One decoder step. prev_ids: (B,) y_{j-1}; h_tilde: (B, H) h̃_{j-1}; states: per-layer (h, c).

        Returns h̃_j (B, H), the new states, and the attention weights a_j (B, S). ``embedding_gates`` may pass
        :meth:`embedding_gates` of prev_ids already computed (teacher forcing does all steps at once).
        """
        if embedding_gates is None:
            embedding_gates = self.embedding_gates(prev_ids)
        gates = embedding_gates + self.input_feed(h_tilde)  # [emb(y_{j-1}); h̃_{j-1}] W_ih + b: input feeding
        h, states = self.decoder.step_from_input_gates(gates, states)  # (B, H)
        context, weights = self.attention(h, encoded.keys, encoded.memory, encoded.lengths, encoded.rows)
        h_tilde = self.dropout(self.combine(concat([context, h], axis=-1)).tanh())  # (B, H)
        return h_tilde, states, weights

    def scores(self, h_tilde: Tensor) -> Tensor:
        """The output layer's scores W_o h̃ + b, the softmax's input: (..., H) → (..., V)."""
        return self.generator(h_tilde)

    def log_probs(self, h_tilde: Tensor) -> Tensor:
        """log p(y | …) = log_softmax(W_o h̃ + b), over the last axis: (..., H) → (..., V)."""
        return log_softmax(self.scores(h_tilde))

    # ------------------------------------------------------------------ teacher forcing
    def attentional_states(self, src, src_lengths, tgt_in) -> Tensor:
        """Teacher-forced h̃_1..h̃_T. tgt_in: (B, T) = <s> y_1 … y_{T-1} → (B, T, H)."""
        encoded = self.encode(src, src_lengths)
        B, T = tgt_in.shape
        embedding_gates = unbind(self.embedding_gates(tgt_in), axis=1)  # T × (B, 4H), one matrix product
        h_tilde, states = self.initial_h_tilde(B), encoded.final_states
        outputs = []
        for j in range(T):
            h_tilde, states, _ = self.decode_step(tgt_in[:, j], h_tilde, states, encoded, embedding_gates[j])
            outputs.append(h_tilde)
        return stack(outputs, axis=1)

    def forward(self, src, src_lengths, tgt_in) -> Tensor:
        """Teacher-forced log-probabilities. tgt_in: (B, T) = <s> y_1 … y_{T-1} → (B, T, V)."""
        return self.log_probs(self.attentional_states(src, src_lengths, tgt_in))

    def loss(self, batch) -> Tensor:
        """Mean negative log-likelihood per target token of a :class:`~tinyseqkd.data.batching.Batch` (Sec. 2.1).

        The same number as ``F.nll_loss(self(batch.src, batch.src_lengths, batch.tgt_in), batch.tgt_out)``, with
        the output layer, the log-softmax and the NLL fused into one node (``fused.output_layer_nll``), so that
        the batch × length × vocabulary arrays are never all kept: the largest part of a step's memory.
        """
        h_tilde = self.attentional_states(batch.src, batch.src_lengths, batch.tgt_in)
        mask = (batch.tgt_out != PAD).astype(h_tilde.dtype)
        weights = mask / max(float(mask.sum()), 1.0)
        return output_layer_nll(h_tilde, self.generator.weight, self.generator.bias, batch.tgt_out, weights)
