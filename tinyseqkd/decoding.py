"""Decoding: turning a trained model's distributions into translations, greedily or with beam search.

Both decoders run a padded batch of sentences through :meth:`Seq2Seq.encode` once and then call
:meth:`Seq2Seq.decode_step` and :meth:`Seq2Seq.log_probs` once per output position — the same code training runs
(greedy decoding takes :meth:`Seq2Seq.scores`, the softmax's input: its largest entry is the most probable word).
A sentence may produce at most ``L = max_len_ratio × source length + max_len_extra`` words (:func:`output_limit`).
Neither decoder ever emits ``<pad>`` or ``<s>``: their log-probabilities are set to -inf before each choice
(:func:`block_special_ids`), while the scores stay the model's own log-probabilities of the words chosen.

:func:`greedy_decode` takes the most probable word at every step (ties: the lowest id). A sentence leaves the
batch once it has produced ``</s>`` or L words; the output is what came before ``</s>``.

:func:`beam_search` keeps the K best partial translations per sentence (Kim & Rush 2016, Sec. 3.2: the teacher's
beam output ŷ is the Seq-KD training target; Sec. 3.3: its K-best list is the pool Seq-Inter picks from). One step:

1. the decoder advances all B·K rows at once → log p(w | row), (B·K, V);
2. the kernel :func:`tinyseqkd.kernels.beam.beam_step` (numba, or its numpy twin) ranks the K·V candidates of each
   sentence, moves those ending in ``</s>`` to the sentence's finished set, refills the beam to K, and decides
   whether the sentence is done (the ranking, the tie-break, length normalisation and the exact stopping rule are
   spelled out in that module);
3. the decoder state is reordered to follow the surviving rows: a row gather of the (B·K, H) arrays. Sentences
   that are done leave the batch here, so the rest decode faster. The encoder outputs are not copied per row: the
   K rows of a sentence attend over its one copy (``Encoded.rows``).

Scores are sums of the model's log-probabilities, ``</s>`` included: ``score = log p(y </s> | s)``. With
``length_penalty`` hypotheses are ranked by ``score / (len(y) + 1) ** length_penalty``. At step L only ``</s>`` may
follow. A sentence stops when it cannot be beaten: its finished set holds ``n_best`` hypotheses and the worst of
them is at least ``s / (L + 1) ** length_penalty`` for the best live score s — the most any live row could still
reach, since every further word only lowers its score (with length_penalty = 0: the best live score itself). The
first step starts from a single row per sentence (all K rows would be the same), so the first beam holds the K best
first words.

Equal scores are broken toward the lower index (beam row · V + word), in greedy decoding and in the kernel alike, so
beam size 1 gives exactly the greedy output.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import NamedTuple

import numpy as np

from tinyseqkd.autograd import no_grad
from tinyseqkd.data.batching import make_src_batches
from tinyseqkd.data.vocab import BOS, EOS, PAD
from tinyseqkd.kernels.beam import beam_step


class Hypothesis(NamedTuple):
    """One translation of one sentence, as beam search returns it."""

    ids: np.ndarray  # (T,) int64, the words without </s>
    score: float  # log p(y </s> | s): the sum of the model's log-probabilities
    normalized_score: float  # score / (T + 1) ** length_penalty, what the n-best list is sorted by
    attention: np.ndarray | None = None  # (T + 1, S): attention weights of each output word and of </s>


def output_limit(src_lengths: np.ndarray, ratio: float = 2.0, extra: int = 10) -> np.ndarray:
    """The longest output allowed for each sentence (without ``</s>``)."""
    return (np.asarray(src_lengths) * ratio).astype(np.int64) + extra


BLOCKED_IDS = np.array([PAD, BOS])  # never an output: padding, and the start symbol that only the decoder's input sees


def block_special_ids(log_probs: np.ndarray) -> np.ndarray:
    """Set the log-probabilities (or scores) of ``<pad>`` and ``<s>`` to -inf, in place, so that no decoder
    chooses them.

    log_probs: (..., V), the model's fresh output for this step (decoding owns it). Returns it.
    """
    log_probs[..., BLOCKED_IDS] = -np.inf
    return log_probs


@contextmanager
def evaluation_mode(model):
    """Switch dropout off and stop recording gradients for the block; restore the model's mode afterwards."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            yield
    finally:
        model.train(was_training)


# ------------------------------------------------------------------------------------------- greedy
def greedy_decode(model, src: np.ndarray, src_lengths: np.ndarray, max_len_ratio: float = 2.0,
                  max_len_extra: int = 10) -> list[np.ndarray]:
    """Most-probable-word decoding of a padded source batch → one id array per sentence (no ``</s>``).

    A sentence leaves the batch as soon as it has produced ``</s>`` or reached its length limit.
    """
    limits = output_limit(src_lengths, max_len_ratio, max_len_extra)
    B = len(src_lengths)
    outputs = np.zeros((B, int(limits.max(initial=0))), np.int64)
    lengths = limits.copy()  # becomes the position of </s> where one is produced
    with evaluation_mode(model):
        encoded = model.encode(src, src_lengths)
        alive, row_encoded = np.arange(B), encoded
        h_tilde, states = model.initial_h_tilde(B), encoded.final_states
        prev = np.full(B, BOS, dtype=np.int64)
        for t in range(outputs.shape[1]):
            h_tilde, states, _ = model.decode_step(prev, h_tilde, states, row_encoded)
            # the most probable word has the highest score: the softmax keeps the order, so it is not computed
            prev = block_special_ids(model.scores(h_tilde).data).argmax(axis=-1)  # ties: the lowest id
            outputs[alive, t] = prev
            lengths[alive[prev == EOS]] = t
            ended = (prev == EOS) | (t + 1 >= limits[alive])
            if ended.all():
                break
            if ended.any():
                live = np.flatnonzero(~ended)
                alive, prev = alive[live], prev[live]
                h_tilde, states = h_tilde[live], [(h[live], c[live]) for h, c in states]
                row_encoded = encoded.for_rows(alive)
    return [outputs[b, :lengths[b]] for b in range(B)]


# ------------------------------------------------------------------------------------------- beam search
def beam_search(model, src: np.ndarray, src_lengths: np.ndarray, beam_size: int = 5, *, n_best: int = 1,
                length_penalty: float = 0.0, max_len_ratio: float = 2.0, max_len_extra: int = 10,
                return_attention: bool = False) -> list[list[Hypothesis]]:
    """Batched beam search (see the module docstring). src: (B, S) ids padded with 0; src_lengths: (B,).

    Returns, per sentence, up to ``n_best`` (≤ ``beam_size``) hypotheses sorted best first. With
    ``return_attention`` each carries its attention weights (for plots).
    """
    _check_options(beam_size, n_best, length_penalty)
    src_lengths = np.asarray(src_lengths)
    limits = output_limit(src_lengths, max_len_ratio, max_len_extra)
    B, K = len(src_lengths), beam_size
    record = BeamRecord(B, K, n_best, int(limits.max()) + 1, src.shape[1] if return_attention else 0)
    with evaluation_mode(model):
        encoded = model.encode(src, src_lengths)
        alive = np.arange(B)  # the sentences still decoding, in their batch order
        row_encoded = encoded  # the source each decoder row reads (one row per sentence at the first step)
        h_tilde, states = model.initial_h_tilde(B), encoded.final_states
        prev = np.full(B, BOS, dtype=np.int64)
        beam_scores = np.zeros((B, 1), np.float32)  # one row per sentence at the first step
        for t in range(record.max_steps):
            h_tilde, states, weights = model.decode_step(prev, h_tilde, states, row_encoded)
            log_probs = block_special_ids(model.log_probs(h_tilde).data).reshape(len(alive), beam_scores.shape[1], -1)
            tokens, parents, beam_scores, done = record.step(t, alive, log_probs, beam_scores, limits, length_penalty,
                                                             weights.data)
            if done.all():
                break
            live = np.flatnonzero(~done)
            rows = (live[:, None] * log_probs.shape[1] + parents[live]).ravel()  # (B'·K,) rows to keep, reordered
            h_tilde, states = h_tilde[rows], [(h[rows], c[rows]) for h, c in states]
            prev, beam_scores = tokens[live].ravel(), beam_scores[live]
            if t == 0 or len(live) < len(alive):
                alive = alive[live]
                row_encoded = encoded.for_rows(np.repeat(alive, K))
    return record.hypotheses(src_lengths)


def decode_corpus(model, src_ids, *, beam_size: int = 5, n_best: int = 1, length_penalty: float = 0.0,
                  batch_size: int = 64, max_len_ratio: float = 2.0, max_len_extra: int = 10,
                  return_attention: bool = False, progress=None) -> list[list[Hypothesis]]:
    """:func:`beam_search` over a whole list of id arrays (each (S_i,), non-empty), in batches of similar length.

    Returns the n-best lists in the input order. ``progress(n)`` is called after each batch with the number of
    sentences it held.
    """
    batches, _ = make_src_batches(src_ids, batch_size)
    results: list[list[Hypothesis]] = [[] for _ in src_ids]
    for batch in batches:
        found = beam_search(model, batch.src, batch.src_lengths, beam_size, n_best=n_best,
                            length_penalty=length_penalty, max_len_ratio=max_len_ratio, max_len_extra=max_len_extra,
                            return_attention=return_attention)
        for row, hypotheses in zip(batch.index, found):
            results[row] = hypotheses
        if progress is not None:
            progress(len(batch))
    return results


def _check_options(beam_size: int, n_best: int, length_penalty: float) -> None:
    if beam_size < 1:
        raise ValueError(f"beam_size must be at least 1, got {beam_size}")
    if not 1 <= n_best <= beam_size:
        raise ValueError(f"n_best must be between 1 and beam_size = {beam_size}, got {n_best}")
    if length_penalty < 0:
        raise ValueError(f"length_penalty must be ≥ 0, got {length_penalty}")


class BeamRecord:
    """What beam search remembers: every step's words and parents (to read hypotheses back) and the finished sets.

    Arrays over all B sentences (T = max_steps, K the beam size, n = n_best, S the padded source length)::

        tokens, parents (T, B, K)   the word chosen for each new beam row, and the row it extends
        attention       (T, B, K, S) the attention weights of each decoded row (only if asked for)
        fin_*           (B, n)      the finished set (see tinyseqkd.kernels.beam), fin_count (B,)
    """

    def __init__(self, B: int, K: int, n_best: int, max_steps: int, src_len_for_attention: int):
        self.max_steps = max_steps
        self.tokens = np.zeros((max_steps, B, K), np.int64)
        self.parents = np.zeros((max_steps, B, K), np.int64)
        self.attention = np.zeros((max_steps, B, K, src_len_for_attention), np.float32) \
            if src_len_for_attention else None
        self.fin_norm = np.full((B, n_best), -np.inf)
        self.fin_score = np.full((B, n_best), -np.inf, np.float32)
        self.fin_step = np.zeros((B, n_best), np.int64)
        self.fin_parent = np.zeros((B, n_best), np.int64)
        self.fin_count = np.zeros(B, np.int64)

    def step(self, t, alive, log_probs, beam_scores, limits, length_penalty, weights):
        """Run one selection step for the live sentences; returns their new tokens, parents, scores and done."""
        Bc, k, _ = log_probs.shape
        K = self.tokens.shape[2]
        tokens, parents = np.empty((Bc, K), np.int64), np.empty((Bc, K), np.int64)
        scores, done = np.empty((Bc, K), np.float32), np.empty(Bc, np.bool_)
        beam_step(log_probs, beam_scores, alive, t, limits, float(length_penalty), EOS, tokens, parents, scores, done,
                  self.fin_norm, self.fin_score, self.fin_step, self.fin_parent, self.fin_count)
        self.tokens[t, alive], self.parents[t, alive] = tokens, parents
        if self.attention is not None:
            self.attention[t, alive, :k, :weights.shape[1]] = weights.reshape(Bc, k, -1)
        return tokens, parents, scores, done

    def hypotheses(self, src_lengths: np.ndarray) -> list[list[Hypothesis]]:
        """Read every finished hypothesis back through the parents, all sentences at once."""
        sentence, slot = np.nonzero(np.arange(self.fin_norm.shape[1]) < self.fin_count[:, None])  # (E,) each
        ends, row = self.fin_step[sentence, slot], self.fin_parent[sentence, slot].copy()
        ids = np.zeros((len(sentence), int(ends.max(initial=0))), np.int64)
        attention = None
        if self.attention is not None:
            attention = np.zeros((len(sentence), ids.shape[1] + 1, self.attention.shape[3]), np.float32)
            attention[np.arange(len(sentence)), ends] = self.attention[ends, sentence, row]  # the </s> row
        for t in range(ids.shape[1] - 1, -1, -1):  # walk back from the last word
            on = np.flatnonzero(t < ends)
            ids[on, t] = self.tokens[t, sentence[on], row[on]]
            row[on] = self.parents[t, sentence[on], row[on]]
            if attention is not None:
                attention[on, t] = self.attention[t, sentence[on], row[on]]
        results: list[list[Hypothesis]] = [[] for _ in range(len(self.fin_count))]
        for e, (b, j) in enumerate(zip(sentence, slot)):
            weights = attention[e, :ends[e] + 1, :src_lengths[b]] if attention is not None else None
            results[b].append(Hypothesis(ids[e, :ends[e]], float(self.fin_score[b, j]), float(self.fin_norm[b, j]),
                                         weights))
        return results
