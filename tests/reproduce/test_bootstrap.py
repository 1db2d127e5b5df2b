"""Paired bootstrap intervals of BLEU differences with sacrebleu's own resampling: identical systems differ by
exactly 0 in every draw, a perfect system is far above a poor one, and every system of a test set is scored on the
same draws (the pairing)."""

from __future__ import annotations

import numpy as np
import pytest

from tinyseqkd.reproduce.bootstrap import (SavedTranslations, bleu_statistics, difference_draws, interval, mean_draws,
                                           paired_bootstrap_interval, resampled_bleu)
from tinyseqkd.reproduce.stages import ReproduceError

pytestmark = pytest.mark.ch11_reproduce

REFERENCES = [[f"the {animal} sat on the mat number {i} today" for i, animal in
               enumerate(["cat", "dog", "bird", "fish", "cow"] * 8)]]
POOR = [f"a {i} mat" for i in range(40)]
HALF = [ref if i % 2 else "nothing at all" for i, ref in enumerate(REFERENCES[0])]


def test_identical_systems_differ_by_exactly_zero():
    assert paired_bootstrap_interval(HALF, list(HALF), REFERENCES, n_samples=300) == [0.0, 0.0]


def test_the_references_themselves_are_far_above_a_poor_system():
    low, high = paired_bootstrap_interval(REFERENCES[0], POOR, REFERENCES, n_samples=300)
    assert 90 < low <= high <= 100 + 1e-9
    low, high = paired_bootstrap_interval(HALF, POOR, REFERENCES, n_samples=300)
    assert 10 < low < high  # well above 0, and a real spread: which sentences are drawn matters


def test_every_system_is_scored_on_the_same_draws():
    """sacrebleu seeds its generator with SACREBLEU_SEED (12345) on every call: the same indices for every system of
    the same length. Reproduced here with those indices drawn by hand."""
    from sacrebleu.metrics import BLEU

    n_samples = 50
    indices = np.random.default_rng(12345).choice(40, size=(n_samples, 40), replace=True)
    for system in (HALF, POOR):
        statistics = np.array(bleu_statistics(system, REFERENCES), dtype="float32")
        by_hand = [BLEU()._compute_score_from_stats(statistics[draw].sum(0)).score for draw in indices]
        np.testing.assert_allclose(resampled_bleu(bleu_statistics(system, REFERENCES), n_samples), by_hand)


def test_an_unpaired_seed_is_refused(monkeypatch):
    monkeypatch.setenv("SACREBLEU_SEED", "None")
    with pytest.raises(ReproduceError, match="SACREBLEU_SEED=none .* would not be paired"):
        resampled_bleu(bleu_statistics(HALF, REFERENCES), 10)


def test_a_difference_of_four_systems_and_the_mean_of_seeds():
    draws = {("a", "beam"): np.array([3.0, 5.0]), ("a", "greedy"): np.array([1.0, 1.0]),
             ("b", "beam"): np.array([2.0, 2.0]), ("b", "greedy"): np.array([1.0, 0.0])}
    terms = [[1, "a", "beam"], [-1, "a", "greedy"], [-1, "b", "beam"], [1, "b", "greedy"]]
    np.testing.assert_array_equal(difference_draws(terms, lambda row, decoding: draws[row, decoding]), [1.0, 2.0])
    assert difference_draws(terms, lambda row, decoding: None) is None
    np.testing.assert_array_equal(mean_draws([np.array([1.0, 3.0]), None, np.array([3.0, 5.0])]), [2.0, 4.0])
    assert mean_draws([None]) is None
    assert interval(np.linspace(0.0, 10.0, 1001)) == pytest.approx([0.25, 9.75])


def test_saved_translations_are_read_from_an_evaluations_directory(tmp_path):
    (tmp_path / "greedy.txt").write_text("".join(line + "\n" for line in HALF))
    (tmp_path / "ref1.txt").write_text("".join(line + "\n" for line in REFERENCES[0]))
    saved = SavedTranslations({1: {"baseline": tmp_path}}, n_samples=30)
    expected = resampled_bleu(bleu_statistics(HALF, REFERENCES), 30)
    np.testing.assert_allclose(saved.draws("1", "baseline", "greedy"), expected)
    assert saved.draws(1, "baseline", "beam") is None  # not saved
    assert saved.draws(2, "baseline", "greedy") is None and saved.draws(1, "seq-kd", "greedy") is None
    (tmp_path / "ref1.txt").unlink()
    (tmp_path / "beam.txt").write_text("x\n" * 40)
    with pytest.raises(ReproduceError, match="no ref1.txt beside the translations"):
        saved.draws(1, "baseline", "beam")
