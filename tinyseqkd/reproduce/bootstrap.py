"""Paired bootstrap 95% intervals of BLEU differences, with sacrebleu's own resampling (Koehn 2004).

A difference of BLEU scores on one test set (Seq-KD − baseline, greedy; Table 1 of Kim & Rush 2016) says nothing
about how much of it the choice of test sentences made. The paired bootstrap answers that: draw the test set's
sentences with replacement, n = 1,000 times; score every system on the same draw; the difference of their corpus
BLEU scores over the draws spreads as the difference would over other test sets like this one; its 2.5th and 97.5th
percentiles are the 95% interval. A claim that one row is above another holds (:mod:`~tinyseqkd.reproduce.findings`)
only when that interval lies above 0.

**Why sacrebleu's private function.** ``sacrebleu.significance._bootstrap_resample(stats, metric, n_samples)`` is
what ``sacrebleu --paired-bs`` runs: it draws the indices with ``numpy.random.default_rng(SACREBLEU_SEED)`` (the
environment variable, default 12345), ``choice(N, (n_samples, N))``, and recomputes the corpus score of each draw
from the sentence statistics. Two systems with the same number of sentences therefore get the same draws: that is
the pairing its own paired test relies on, and the one we rely on here. Using it (rather than our own resampling)
keeps our intervals exactly sacrebleu's; it is private, so :func:`resampled_bleu` is the one place that calls it,
and the tests check the pairing it gives. ``SACREBLEU_SEED=none`` (fresh draws per call) would break the pairing, so
it is refused.

A difference of several systems (a gap difference, ``(beam − greedy)`` of Seq-KD minus the baseline's, uses four)
is resampled the same way: every system is scored on the same draws and the draw's difference is the sum of its
terms (``coefficient × BLEU``). The interval of a seed mean is taken over the per-draw mean of the seeds'
differences (all seeds translate the same test set, so draw i is the same sentences in every seed).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tinyseqkd.reproduce.stages import ReproduceError
from tinyseqkd.textfiles import read_lines

N_SAMPLES = 1000  # sacrebleu's default for --paired-bs
LEVEL = 0.95


def bleu_statistics(hypotheses: list[str], references: list[list[str]]) -> list[list[float]]:
    """sacrebleu's sentence statistics of BLEU (lengths and n-gram matches per sentence), from which the corpus BLEU
    of any subset of sentences is recomputed; ``references[k][i]`` is the k-th reference of sentence i."""
    from sacrebleu.metrics import BLEU

    if any(len(lines) != len(hypotheses) for lines in references):
        raise ReproduceError(f"{len(hypotheses)} hypotheses but references of {[len(r) for r in references]} lines")
    return BLEU()._extract_corpus_statistics(hypotheses, references)


def resampled_bleu(statistics: list[list[float]], n_samples: int = N_SAMPLES) -> np.ndarray:
    """The corpus BLEU of each of sacrebleu's ``n_samples`` bootstrap draws of the sentences. → (n_samples,)

    Draw i is the same sentences for every system of the same length (see the module docstring)."""
    from sacrebleu.metrics import BLEU
    from sacrebleu.significance import _bootstrap_resample

    if os.environ.get("SACREBLEU_SEED", "12345").lower() == "none":
        raise ReproduceError("SACREBLEU_SEED=none draws other sentences for every system, so the bootstrap would not "
                             "be paired; fix: unset SACREBLEU_SEED or set it to a number")
    _, scores = _bootstrap_resample(statistics, BLEU(), n_samples=n_samples)
    return np.array([score.score for score in scores])


def interval(samples: np.ndarray, level: float = LEVEL) -> list[float]:
    """``[low, high]``: the central ``level`` share of the draws (the 2.5th and 97.5th percentiles at 95%)."""
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(samples, [tail, 100 - tail])
    return [float(low), float(high)]


def paired_bootstrap_interval(system: list[str], other: list[str], references: list[list[str]],
                              n_samples: int = N_SAMPLES, level: float = LEVEL) -> list[float]:
    """The 95% interval of BLEU(``system``) − BLEU(``other``) on the same sentences (paired bootstrap)."""
    draws = (resampled_bleu(bleu_statistics(system, references), n_samples)
             - resampled_bleu(bleu_statistics(other, references), n_samples))
    return interval(draws, level)


def difference_draws(terms, draws_of) -> np.ndarray | None:
    """Per draw, the sum of ``coefficient × BLEU`` over ``terms`` (``[coefficient, row, decoding]``);
    ``draws_of(row, decoding)`` gives a system's :func:`resampled_bleu` or None (not translated): then None."""
    total = None
    for coefficient, row, decoding in terms:
        draws = draws_of(row, decoding)
        if draws is None:
            return None
        total = coefficient * draws if total is None else total + coefficient * draws
    return total


def mean_draws(draws: list[np.ndarray | None]) -> np.ndarray | None:
    """The per-draw mean of the seeds' differences (the seeds without translations left out)."""
    present = [d for d in draws if d is not None]
    return np.mean(present, axis=0) if present else None


class SavedTranslations:
    """The resampled BLEU of every system an evaluation stage saved (``tinyseqkd evaluate --save-translations``:
    ``greedy.txt``, ``beam.txt``, ``ref1.txt``, ...), each read and resampled once, when first asked for."""

    def __init__(self, directories: dict, n_samples: int = N_SAMPLES):
        # {seed: {row: evaluation directory}} (collect.Collected.evaluations), keyed by the seed as text ("1")
        self.directories = {str(seed): rows for seed, rows in directories.items()}
        self.n_samples = n_samples
        self._draws: dict = {}

    def draws(self, seed, row: str, decoding: str) -> np.ndarray | None:
        """:func:`resampled_bleu` of ``row``'s ``decoding`` (greedy or beam) in ``seed``; None when not saved."""
        from tinyseqkd.evaluate import BEAM_FILE, GREEDY_FILE  # here: it loads the decoders

        directory = self.directories.get(str(seed), {}).get(row)
        path = None if directory is None else Path(directory) / {"greedy": GREEDY_FILE, "beam": BEAM_FILE}[decoding]
        if path is None or not path.exists():
            return None
        key = (path.parent, decoding)
        if key not in self._draws:
            hypotheses = read_lines(path)
            self._draws[key] = resampled_bleu(bleu_statistics(hypotheses, read_references(path.parent)),
                                              self.n_samples)
        return self._draws[key]


def read_references(directory: Path) -> list[list[str]]:
    """``ref1.txt``, ``ref2.txt``, ... of an evaluation's directory, in order."""
    from tinyseqkd.evaluate import reference_file

    references = []
    while (directory / reference_file(len(references) + 1)).exists():
        references.append(read_lines(directory / reference_file(len(references) + 1)))
    if not references:
        raise ReproduceError(f"{directory}: no {reference_file(1)} beside the translations; fix: delete the stage's "
                             "done.json and run the reproduction again to redo its evaluation")
    return references
