"""Seq-Inter (Kim & Rush 2016, Sec. 3.3): smoothed sentence BLEU on hand-computed examples, its relation to
sacrebleu, and the choice of the closest hypothesis from a fixed K-best list (ties: the earliest)."""

import math

import numpy as np
import pytest

from tinyseqkd.distill.seq_inter import bleu_scores, select_closest, smoothed_sentence_bleu

pytestmark = pytest.mark.ch09_seq_inter

REF = "the cat sat on the mat".split()


def bleu(hypothesis: str, reference: str) -> float:
    return smoothed_sentence_bleu(hypothesis.split(), reference.split())


def test_bleu_without_smoothing_hand_computed():
    # "the cat sat on a mat" against "the cat sat on the mat":
    #   1-grams: the cat sat on a mat       → 5 of 6 match ("a" does not)
    #   2-grams: the·cat cat·sat sat·on on·a a·mat → 3 of 5
    #   3-grams: the·cat·sat cat·sat·on sat·on·a on·a·mat → 2 of 4
    #   4-grams: the·cat·sat·on cat·sat·on·a sat·on·a·mat → 1 of 3
    #   equal lengths: BP = 1;  BLEU = (5/6 · 3/5 · 2/4 · 1/3)^(1/4) = (1/12)^(1/4) = 0.53728…
    assert bleu("the cat sat on a mat", "the cat sat on the mat") == pytest.approx((1 / 12) ** 0.25, rel=1e-12)
    assert bleu("the cat sat on the mat", "the cat sat on the mat") == pytest.approx(1.0, rel=1e-12)


def test_geometric_smoothing_of_zero_matches_hand_computed():
    # "a x b y" against "a b c d e":
    #   1-grams: a x b y → 2 of 4 match
    #   2-grams: a·x x·b b·y → 0 of 3: the first zero-match order counts 1/2   → 0.5/3
    #   3-grams: a·x·b x·b·y → 0 of 2: the second counts 1/4                    → 0.25/2
    #   4-grams: a·x·b·y     → 0 of 1: the third counts 1/8                     → 0.125/1
    #   product 2/4 · 0.5/3 · 0.25/2 · 0.125 = 1/768;  BP = exp(1 − 5/4) = exp(−1/4)
    expected = math.exp(-0.25) * (1 / 768) ** 0.25  # 0.14794…
    assert bleu("a x b y", "a b c d e") == pytest.approx(expected, rel=1e-12)
    # nothing matches: 0.5/4 · 0.25/3 · 0.125/2 · 0.0625/1 = 1/24576, BP = 1
    assert bleu("x y z w", "a b c d") == pytest.approx((1 / 24576) ** 0.25, rel=1e-12)


def test_short_hypothesis_leaves_out_missing_orders_but_keeps_the_exponent():
    # "a b d" against "a b c e": 1-grams 2/3, 2-grams 1/2 (a·b), 3-grams 0/1 → 0.5/1, no 4-grams (left out);
    # (2/3 · 1/2 · 1/2)^(1/4) = (1/6)^(1/4), BP = exp(1 − 4/3)
    assert bleu("a b d", "a b c e") == pytest.approx(math.exp(-1 / 3) * (1 / 6) ** 0.25, rel=1e-12)
    assert bleu("", "a b") == 0.0
    assert bleu("", "") == 1.0
    assert bleu("a", "") == pytest.approx((0.5 / 1) ** 0.25)  # no match, no brevity penalty


def test_equals_sacrebleu_exp_smoothing_when_at_least_four_tokens_and_one_match():
    sacrebleu = pytest.importorskip("sacrebleu")
    rng = np.random.default_rng(0)
    words = np.array(list("abcdefgh"))
    compared = 0
    for _ in range(300):
        hyp = list(words[rng.integers(0, 8, rng.integers(4, 15))])
        ref = list(words[rng.integers(0, 8, rng.integers(1, 15))])
        if not set(hyp) & set(ref):
            continue
        theirs = sacrebleu.sentence_bleu(" ".join(hyp), [" ".join(ref)], smooth_method="exp", tokenize="none")
        assert smoothed_sentence_bleu(hyp, ref) == pytest.approx(theirs.score / 100, rel=1e-9), (hyp, ref)
        compared += 1
    assert compared > 250


def test_differs_from_sacrebleu_for_short_or_unmatched_hypotheses():
    sacrebleu = pytest.importorskip("sacrebleu")

    def theirs(hyp, ref):
        return sacrebleu.sentence_bleu(hyp, [ref], smooth_method="exp", tokenize="none").score / 100

    # shorter than 4 tokens: sacrebleu averages over the 3 orders it has, (1/6)^(1/3)
    assert theirs("a b d", "a b c e") == pytest.approx(math.exp(-1 / 3) * (1 / 6) ** (1 / 3), rel=1e-9)
    assert bleu("a b d", "a b c e") > theirs("a b d", "a b c e")
    # no match at all: sacrebleu says 0, the smoothing still ranks by length
    assert theirs("x y z w", "a b c d") == 0.0
    assert bleu("x y z w", "a b c d") > 0


def test_select_closest_picks_the_hand_checkable_best():
    kbest = ["a dog sat", "the cat sat on a mat", "the cat sat on the mat today", "the cat"]
    # "the cat sat on the mat today": 6/7 · 5/6 · 4/5 · 3/4 = 3/7, BP = 1 → (3/7)^(1/4) = 0.809
    # "the cat sat on a mat": (1/12)^(1/4) = 0.537 (above);  the others are far below
    scores = bleu_scores([h.split() for h in kbest], REF)
    assert scores[2] == pytest.approx((3 / 7) ** 0.25, rel=1e-12)
    assert scores[1] == pytest.approx((1 / 12) ** 0.25, rel=1e-12)
    assert select_closest([h.split() for h in kbest], REF) == 2


def test_ties_go_to_the_earliest_hypothesis():
    # "cat sat" and "the cat" both: 1-grams 2/2, 2-grams 1/1, BP = exp(1 − 6/2): equal scores
    kbest = [["dog"], ["cat", "sat"], ["the", "cat"]]
    scores = bleu_scores(kbest, REF)
    assert scores[1] == scores[2]
    assert select_closest(kbest, REF) == 1
    assert select_closest([["the", "cat"], ["cat", "sat"]], REF) == 0
    assert select_closest([["x"], ["y"]], REF) == 0  # both score (0.5)^(1/4) · exp(1 − 6)


def test_token_ids_work_like_strings():
    assert smoothed_sentence_bleu([4, 5, 6, 7], [4, 5, 6, 8]) == bleu("a b c d", "a b c e")
    with pytest.raises(ValueError):
        select_closest([], REF)
