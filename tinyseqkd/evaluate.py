"""The paper's measurements: perplexity, BLEU (sacrebleu) of greedy or beam output.

Perplexity is exp of the mean negative log-likelihood per target token (``</s>`` included), teacher-forced on the
gold targets. BLEU is sacrebleu's corpus BLEU of detokenized output against every available reference.
"""

from __future__ import annotations

import math

import numpy as np

from tinyseqkd.autograd import no_grad
from tinyseqkd.data.batching import make_batches, make_src_batches
from tinyseqkd.decoding import greedy_decode


def perplexity(model, src_ids, tgt_ids, batch_size: int = 64) -> float:
    """exp(total NLL / target tokens) over a whole split, in eval mode (no dropout)."""
    total_nll, total_tokens = 0.0, 0
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for batch in make_batches(src_ids, tgt_ids, batch_size=batch_size, rng=None):
                loss, _ = model.loss(batch)
                total_nll += loss.item() * batch.n_tgt_tokens
                total_tokens += batch.n_tgt_tokens
    finally:
        model.train(was_training)
    return math.exp(total_nll / max(total_tokens, 1))


def translate_ids(model, src_ids, batch_size: int = 64, decode=greedy_decode) -> list[np.ndarray]:
    """Decode every source (batched by length), returned in the input order."""
    batches, order = make_src_batches(src_ids, batch_size)
    outputs = [None] * len(src_ids)
    for batch in batches:
        for row, ids in zip(batch.index, decode(model, batch.src, batch.src_lengths)):
            outputs[row] = ids
    return outputs


def corpus_bleu(hypotheses: list[str], references: list[list[str]]):
    """sacrebleu corpus BLEU; ``references[k][i]`` is the k-th reference of sentence i."""
    import sacrebleu

    return sacrebleu.corpus_bleu(hypotheses, references)
