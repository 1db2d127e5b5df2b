"""The paper's measurements (Kim & Rush 2016: Table 1; decoding speed, Sec. 5.1; pruned sizes, Sec. 5.2), as pure
functions (``tinyseqkd evaluate`` prints them: ``tinyseqkd/commands/evaluate.py``).

- **BLEU** with greedy (K = 1) and beam (K = 5) decoding: sacrebleu's corpus BLEU of the detokenized output
  against every reference the split has (the embedded corpus's valid and test splits have two); its signature is
  printed so that a number can be compared with others. **chrF** of the beam output, the same way.
- **Perplexity** on the gold targets: exp of the mean negative log-likelihood per target token (``</s>``
  included), teacher-forced (the PPL column).
- **p(t = ŷ)**: the model's probability of its own greedy output ŷ, teacher-forced, exactly the tokens greedy
  decoding emitted: ``p(ŷ </s> | s)`` when it chose ``</s>``, ``p(ŷ | s)`` (no ``</s>``) for an output cut at
  the length limit (:func:`greedy_output_probabilities`). The mean over the sentences is the paper's figure
  (Table 1: 0.9% for the baseline student, 16.9% after Seq-KD — the reason greedy decoding comes close to
  beam search after sequence-level distillation); the median is reported beside it, because a few confident
  short sentences can carry the mean, and the mean over the sentences whose source has at most
  :data:`SHORT_SOURCE_WORDS` words (``p_greedy_output_short``, over ``short_sentences`` of them): a long sentence's
  probability is a product of many factors and is small for any model, so the mean over every length mostly
  says how many short sentences a test set has, while the short ones show the difference a model makes.
- **Speed** in source words per second (pre-tokenized words of the source text; decoding only, batched), for
  greedy and beam decoding.
- **Parameters**, total and non-zero (after pruning, Sec. 5.2 and See et al. 2016, the two differ), and the
  **size on disk**: the checkpoint file's bytes (optimizer state included, when it has one) and the weights' alone,
  stored as a checkpoint stores them (sparse where pruned: :func:`tinyseqkd.prune.sparse.packed_nbytes`).
"""

from __future__ import annotations

import gc
import math
import time
from dataclasses import dataclass

import numpy as np

from tinyseqkd.data.batching import make_batches, make_src_batches
from tinyseqkd.data.tokenize import count_tokens
from tinyseqkd.decoding import beam_search, evaluation_mode, greedy_decode, output_limit
from tinyseqkd.prune.sparse import packed_nbytes


SHORT_SOURCE_WORDS = 15  # p_greedy_output_short: the sources of at most this many (pre-tokenized) words
# What ``tinyseqkd evaluate --save-translations DIR`` writes into DIR, one line per sentence.
GREEDY_FILE, BEAM_FILE = "greedy.txt", "beam.txt"


def reference_file(k: int) -> str:
    """The file of the ``k``-th reference (from 1) beside the saved translations: ``ref1.txt``."""
    return f"ref{k}.txt"


# ------------------------------------------------------------------------------------------- model scores
def perplexity(model, src_ids, tgt_ids, batch_size: int = 64, batch_by: str = "sentences") -> float:
    """exp(total NLL / target tokens) over a whole split, in eval mode (no dropout); batches as
    :func:`~tinyseqkd.data.batching.make_batches` cuts them (``batch_size`` sentences or tokens)."""
    total_nll, total_tokens = 0.0, 0
    with evaluation_mode(model):
        for batch in make_batches(src_ids, tgt_ids, batch_size=batch_size, batch_by=batch_by, rng=None):
            loss = model.loss(batch)
            total_nll += loss.item() * batch.n_tgt_tokens
            total_tokens += batch.n_tgt_tokens
    return math.exp(total_nll / max(total_tokens, 1))


def sequence_log_probs(model, src_ids, tgt_ids, batch_size: int = 64, with_eos=True) -> np.ndarray:
    """log p(y </s> | s) of each pair, teacher-forced: the sum of the model's log-probabilities. → (N,) float64.

    ``with_eos`` (a bool, or one per pair): where False, the ``</s>`` term is left out — log p(y | s).
    """
    totals = np.zeros(len(src_ids))
    with_eos = np.broadcast_to(np.asarray(with_eos, dtype=bool), (len(src_ids),))
    with evaluation_mode(model):
        for batch in make_batches(src_ids, tgt_ids, batch_size=batch_size, rng=None):
            log_probs = model(batch.src, batch.src_lengths, batch.tgt_in).data  # (B, T, V)
            picked = np.take_along_axis(log_probs, batch.tgt_out[:, :, None].astype(np.int64), axis=2)[:, :, 0]
            mask = batch.tgt_mask.copy()  # (B, T): 1 on y_1 … y_n and on </s> (at column n)
            without = np.flatnonzero(~with_eos[batch.index])
            mask[without, np.array([len(tgt_ids[i]) for i in batch.index[without]], dtype=np.int64)] = 0.0
            totals[batch.index] = (picked * mask).sum(axis=1, dtype=np.float64)  # (B,)
    return totals


def greedy_output_probabilities(model, src_ids, greedy_ids, batch_size: int = 64) -> np.ndarray:
    """p(t = ŷ) of each sentence: the probability of the tokens greedy decoding emitted. → (N,) float64.

    ``greedy_ids`` are :func:`tinyseqkd.decoding.greedy_decode`'s outputs (its default length limit L). Where
    decoding chose ``</s>``, that is ``p(ŷ </s> | s)``; an output that reached L words without ``</s>`` was cut
    there, and scores ``p(ŷ | s)`` — no ``</s>`` that decoding never chose.
    """
    limits = output_limit([len(ids) for ids in src_ids])
    ended = np.array([len(output) < limit for output, limit in zip(greedy_ids, limits)], dtype=bool)
    return np.exp(sequence_log_probs(model, src_ids, greedy_ids, batch_size, with_eos=ended))


# ------------------------------------------------------------------------------------------- translating ids
def translate_ids(model, src_ids, batch_size: int = 64, decode=greedy_decode,
                  batch_by: str = "sentences") -> list[np.ndarray]:
    """Decode every source (batched by length), returned in the input order.

    ``decode(model, src, src_lengths)`` returns one id array per row: :func:`greedy_decode` or a
    :func:`beam_decoder`.
    """
    batches, _ = make_src_batches(src_ids, batch_size, batch_by)
    outputs = [None] * len(src_ids)
    for batch in batches:
        for row, ids in zip(batch.index, decode(model, batch.src, batch.src_lengths)):
            outputs[row] = ids
    return outputs


def beam_decoder(beam_size: int, length_penalty: float = 0.0):
    """A ``decode`` function for :func:`translate_ids` that keeps the best hypothesis of a beam search."""
    def decode(model, src, src_lengths):
        found = beam_search(model, src, src_lengths, beam_size, length_penalty=length_penalty)
        return [hypotheses[0].ids for hypotheses in found]
    return decode


MIN_TIMED_SECONDS = 0.1  # a shorter translation is repeated until this much time is timed


def timed_translation(model, src_ids, batch_size: int, decode) -> tuple[list[np.ndarray], float]:
    """:func:`translate_ids` and the seconds one translation takes.

    Two costs that are not decoding's are paid before the clock starts: one untimed sentence loads the compiled
    kernels (the first call of each pays for that once), and one garbage collection clears the collector's debt from
    loading (without it, a full collection of every object numba and the corpus made, ~50 ms, lands in some timed
    run: measured on the quick preset's 912-word test split, greedy 8 ms or 52 ms for the same model, depending on
    where it fell). A translation shorter than :data:`MIN_TIMED_SECONDS` is repeated until that much time is timed
    and the mean taken: a single run of a few milliseconds moves by tens of percent with the machine's load.
    """
    translate_ids(model, src_ids[:1], batch_size, decode)
    gc.collect()
    runs, start = 0, time.perf_counter()
    while True:
        outputs = translate_ids(model, src_ids, batch_size, decode)
        runs += 1
        seconds = time.perf_counter() - start
        if seconds >= MIN_TIMED_SECONDS:
            return outputs, seconds / runs


# ------------------------------------------------------------------------------------------- text metrics
def corpus_bleu(hypotheses: list[str], references: list[list[str]]):
    """sacrebleu corpus BLEU; ``references[k][i]`` is the k-th reference of sentence i."""
    import sacrebleu

    return sacrebleu.corpus_bleu(hypotheses, references)


def bleu_and_signature(hypotheses: list[str], references: list[list[str]]) -> tuple[float, str]:
    """sacrebleu's corpus BLEU (its defaults: 13a tokenization, exp smoothing) and its signature."""
    from sacrebleu.metrics import BLEU

    metric = BLEU()
    return metric.corpus_score(hypotheses, references).score, str(metric.get_signature())


def chrf_and_signature(hypotheses: list[str], references: list[list[str]]) -> tuple[float, str]:
    """sacrebleu's corpus chrF (character 6-grams, β = 2) and its signature."""
    from sacrebleu.metrics import CHRF

    metric = CHRF()
    return metric.corpus_score(hypotheses, references).score, str(metric.get_signature())


# ------------------------------------------------------------------------------------------- the whole table row
@dataclass
class Evaluation:
    """One row of the paper's Table 1, plus speed and size."""

    sentences: int
    source_words: int
    bleu_greedy: float
    bleu_beam: float
    beam_size: int
    chrf_beam: float
    perplexity: float
    p_greedy_output: float  # p(t = ŷ), the mean over the sentences
    p_greedy_output_median: float  # its median
    p_greedy_output_short: float | None  # the mean over the sources of at most SHORT_SOURCE_WORDS words (None: none)
    short_sentences: int  # how many sources have at most SHORT_SOURCE_WORDS words
    words_per_second_greedy: float
    words_per_second_beam: float
    parameters: int
    nonzero_parameters: int
    weights_bytes: int  # the weights stored as a checkpoint stores them (sparse where pruned)
    file_bytes: int | None  # the checkpoint file the model came from (None: not from a file)
    bleu_signature: str
    chrf_signature: str


def evaluate_model(model, pipeline, sources: list[str], references: list[list[str]], *, beam_size: int = 5,
                   length_penalty: float = 0.0, batch_size: int = 64, src_ids: list[np.ndarray] | None = None,
                   file_bytes: int | None = None) -> tuple[Evaluation, list[str], list[str]]:
    """Every measurement of the module docstring on one split. Returns the evaluation and the greedy and beam
    translations (detokenized). ``src_ids`` may pass the sources already encoded (each non-empty); ``file_bytes``
    is the size of the checkpoint file the model was loaded from."""
    src_ids = src_ids if src_ids is not None else pipeline.encode_src_many(sources)
    gold_ids = pipeline.encode_tgt_many(references[0])
    source_words = [count_tokens(text) for text in sources]
    words = sum(source_words)
    greedy_ids, greedy_seconds = timed_translation(model, src_ids, batch_size, greedy_decode)
    beam_ids, beam_seconds = timed_translation(model, src_ids, batch_size, beam_decoder(beam_size, length_penalty))
    greedy_text, beam_text = pipeline.decode_tgt_many(greedy_ids), pipeline.decode_tgt_many(beam_ids)
    bleu_greedy, _ = bleu_and_signature(greedy_text, references)
    bleu_beam, bleu_signature = bleu_and_signature(beam_text, references)
    chrf, chrf_signature = chrf_and_signature(beam_text, references)
    p_greedy = greedy_output_probabilities(model, src_ids, greedy_ids, batch_size)
    short = np.array(source_words) <= SHORT_SOURCE_WORDS
    evaluation = Evaluation(
        sentences=len(sources), source_words=words, bleu_greedy=bleu_greedy, bleu_beam=bleu_beam,
        beam_size=beam_size, chrf_beam=chrf, perplexity=perplexity(model, src_ids, gold_ids, batch_size),
        p_greedy_output=float(p_greedy.mean()) if len(p_greedy) else 0.0,
        p_greedy_output_median=float(np.median(p_greedy)) if len(p_greedy) else 0.0,
        p_greedy_output_short=float(p_greedy[short].mean()) if short.any() else None,
        short_sentences=int(short.sum()),
        words_per_second_greedy=words / max(greedy_seconds, 1e-9),
        words_per_second_beam=words / max(beam_seconds, 1e-9),
        parameters=model.num_parameters(), nonzero_parameters=model.num_parameters(nonzero=True),
        weights_bytes=packed_nbytes(model.state_dict()), file_bytes=file_bytes,
        bleu_signature=bleu_signature, chrf_signature=chrf_signature)
    return evaluation, greedy_text, beam_text


def evaluate_translator(translator, sources: list[str], references: list[list[str]], *, where: str = "input",
                        max_src_len: int | None = None, **options) -> tuple[Evaluation, list[str], list[str]]:
    """:func:`evaluate_model` of a :class:`tinyseqkd.translator.Translator` (a loaded checkpoint): its sources
    encoded by its pipeline (an empty or too long line is an error naming ``where`` and the line), its file's size
    recorded. ``options`` are :func:`evaluate_model`'s (beam_size, length_penalty, batch_size)."""
    src_ids = translator.encode_lines(sources, where, max_src_len, allow_empty=False)
    return evaluate_model(translator.model, translator.pipeline, sources, references, src_ids=src_ids,
                          file_bytes=translator.path.stat().st_size, **options)
