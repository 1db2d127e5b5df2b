"""Synthetic tasks: deterministic, right shapes, and the multimodal task really has several targets per source."""

from collections import Counter

import pytest

from tinyseqkd.data.synthetic import SYNTHETIC_TASKS, identify_variant, multimodal_task, reverse_task

pytestmark = pytest.mark.ch03_data


@pytest.mark.parametrize("name", sorted(SYNTHETIC_TASKS))
def test_deterministic_and_sized(name):
    make = SYNTHETIC_TASKS[name]
    a = make(n_train=50, n_valid=10, n_test=5, seed=3)
    assert a == make(n_train=50, n_valid=10, n_test=5, seed=3)
    assert a != make(n_train=50, n_valid=10, n_test=5, seed=4)
    assert [len(a[split]) for split in ("train", "valid", "test")] == [50, 10, 5]
    assert all(3 <= len(src.split()) <= 10 for src in a["train"].src)


def test_reverse_reverses():
    task = reverse_task(n_train=5, n_valid=1, n_test=1, min_len=2, max_len=4, alphabet_size=5, seed=0)
    for src, tgt in zip(task["train"].src, task["train"].tgt):
        assert tgt.split() == src.split()[::-1] and set(src.split()) <= set("abcde")


def test_multimodal_training_targets_mix_the_variants_as_asked():
    task = multimodal_task(n_train=2000, n_valid=20, n_test=20, min_len=4, max_len=8, seed=0)
    drawn = Counter(identify_variant(s, t) for s, t in zip(task["train"].src, task["train"].tgt))
    assert None not in drawn
    shares = [drawn[k] / 2000 for k in range(4)]
    assert shares == pytest.approx([0.4, 0.3, 0.2, 0.1], abs=0.04)


def test_multimodal_references_hold_every_variant():
    task = multimodal_task(n_train=10, n_valid=30, n_test=30, min_len=4, max_len=8, variant_probs=(0.5, 0.5),
                           seed=1)
    test = task["test"]
    assert len(test.refs) == 2
    for i, src in enumerate(test.src):
        targets = {ref[i] for ref in test.refs}
        assert [identify_variant(src, ref[i]) for ref in test.refs] in ([0, 1], [0, 0])
        assert len(targets) == 2 or src.split() == src.split()[::-1]


def test_bad_variant_probabilities():
    with pytest.raises(ValueError, match="variant_probs"):
        multimodal_task(variant_probs=(1.0,))
