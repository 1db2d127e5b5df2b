"""The vocabulary: specials at fixed ids, deterministic order, plain-text save/load."""

from collections import Counter

import numpy as np
import pytest

from tinyseqkd.data.vocab import BOS, EOS, PAD, SPECIALS, UNK, Vocabulary
from tinyseqkd.errors import CorpusError

pytestmark = pytest.mark.ch03_data

COUNTS = Counter({"the": 5, "cat": 2, "bat": 2, "sat": 1, "mat": 1})


def test_specials_have_fixed_ids():
    vocab = Vocabulary.build(COUNTS)
    assert (PAD, UNK, BOS, EOS) == (0, 1, 2, 3)
    assert vocab.tokens[:4] == list(SPECIALS)


def test_order_is_count_then_string():
    assert Vocabulary.build(COUNTS).tokens[4:] == ["the", "bat", "cat", "mat", "sat"]


def test_max_size_counts_the_specials_and_min_freq_filters():
    assert len(Vocabulary.build(COUNTS, max_size=6)) == 6
    assert Vocabulary.build(COUNTS, min_freq=2).tokens[4:] == ["the", "bat", "cat"]


def test_encode_decode_with_unknowns():
    vocab = Vocabulary.build(COUNTS)
    ids = vocab.encode(["the", "dog", "sat"])
    assert ids.dtype == np.int32 and ids.tolist() == [4, UNK, 8]
    assert vocab.decode(ids) == ["the", "<unk>", "sat"]
    assert vocab.encode([]).shape == (0,)


def test_tokens_with_whitespace_are_refused():
    with pytest.raises(ValueError, match="whitespace"):
        Vocabulary(list(SPECIALS) + ["a b"])
    with pytest.raises(ValueError, match="whitespace"):
        Vocabulary(list(SPECIALS) + ["a\u2028b"])


def test_save_load_round_trip(tmp_path):
    vocab = Vocabulary.build(Counter({"Ünï": 3, "￭,": 2, "x\u0301": 1}))
    vocab.save(tmp_path / "vocab.txt")
    assert Vocabulary.load(tmp_path / "vocab.txt").tokens == vocab.tokens


def test_a_hand_edited_file_names_the_line(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("<pad>\n<unk>\n<s>\n</s>\ngood\ntwo words\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"vocab\.txt:6:"):
        Vocabulary.load(path)
    path.write_text("<pad>\n<s>\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"vocab\.txt:2:"):
        Vocabulary.load(path)
