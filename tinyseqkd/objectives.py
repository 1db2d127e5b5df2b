"""The training loss of one batch: the objective (Kim & Rush 2016, Sec. 2.1 and 3.1) and its normalisation.

An objective ``(model, batch) → (loss, mean NLL)`` returns the batch's loss as a mean per target token, the unit of
every loss in the package: the negative log-likelihood of the targets (``distill.objective = "nll"``), or Word-KD's
mix with the cross-entropy against the teacher's distributions (``"word_kd"``, Sec. 3.1,
:func:`tinyseqkd.distill.word_kd_objective`). The trainer turns it back into the batch's sum (× its target tokens)
and divides that once (``train.normalize``, see :func:`loss_normalizer`):

- ``"sentences"``: by the batch's sentence count, as the authors' seq2seq-attn does; the paper's SGD lr 1.0 and
  gradient clip 5 assume this scale (a gradient about tokens-per-sentence times larger than a per-token mean's).
- ``"tokens"``: by the mean number of target tokens per batch in the current epoch — one constant, so every token
  weighs the same in every batch (a per-batch mean would weigh a token of a batch of short verses several times
  more than one of long verses) and the loss of an average batch is its mean per token.

Word-KD's objective is therefore built per token (:func:`tinyseqkd.distill.word_kd_objective` has no ``normalize``
option): normalising inside the objective as well would divide twice.
"""

from __future__ import annotations

from tinyseqkd.config import DistillConfig
from tinyseqkd.data.batching import Batch
from tinyseqkd.distill.word_kd import word_kd_objective


def nll_objective(model, batch):
    """The plain training loss: −log p(y_j | y_<j, s) averaged over the batch's target tokens (Sec. 2.1).

    Returns (loss, nll): the loss to differentiate (a Tensor) and the NLL (a float, for the progress line), both
    means per target token, as every objective's; the trainer normalises the loss (module docstring).
    """
    loss = model.loss(batch)
    return loss, loss.item()


def loss_normalizer(batch: Batch, normalize: str, tokens_per_batch: float) -> float:
    """What a batch's summed loss is divided by: its sentences, or the epoch's mean target tokens per batch."""
    if normalize == "sentences":
        return float(len(batch))
    if normalize == "tokens":
        return tokens_per_batch
    raise ValueError(f"normalize must be 'sentences' or 'tokens', got {normalize!r}")


def mean_tokens_per_batch(batches: list[Batch]) -> float:
    """The target tokens (``</s>`` included) of an epoch's batches, divided by their number."""
    return sum(batch.n_tgt_tokens for batch in batches) / max(len(batches), 1)


def objective_for(distill: DistillConfig, teacher=None):
    """The objective a ``[distill]`` section asks for: the plain NLL, or Word-KD against the ``teacher`` model
    (Sec. 3.1), per target token as the trainer expects."""
    if distill.objective == "nll":
        return nll_objective
    if teacher is None:
        raise ValueError('distill.objective = "word_kd" needs the teacher model')
    return word_kd_objective(teacher, alpha=distill.alpha, temperature=distill.temperature)
