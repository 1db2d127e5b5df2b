"""Byte-pair encoding: learning matches the textbook algorithm, encoding is reversible, merges save as text."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyseqkd.data.bpe import BPE, HEADER, initial_symbols, merge_pair
from tinyseqkd.data.tokenize import SUBWORD_MARK as M
from tinyseqkd.errors import CorpusError

pytestmark = pytest.mark.ch03_data

WORDS = Counter({"low": 5, "lower": 2, "newest": 6, "widest": 3})


def naive_merges(word_counts, num_merges):
    """Recount every pair after every merge: slow, obviously right, the reference for the incremental version."""
    words = {word: initial_symbols(word) for word in word_counts}
    merges = []
    for _ in range(num_merges):
        counts = Counter()
        for word, symbols in words.items():
            for pair in zip(symbols, symbols[1:]):
                counts[pair] += word_counts[word]
        if not counts:
            break
        best = min(counts, key=lambda pair: (-counts[pair], pair))
        if counts[best] < 2:
            break
        merges.append(best)
        words = {word: merge_pair(symbols, best) for word, symbols in words.items()}
    return merges


def test_symbols_mark_everything_but_the_last_character():
    assert initial_symbols("low") == [f"l{M}", f"o{M}", "w"]
    assert merge_pair([f"l{M}", f"o{M}", "w"], (f"o{M}", "w")) == [f"l{M}", "ow"]


def test_first_merges_of_the_paper_example():
    bpe = BPE.learn(WORDS, 3)
    # e＠ s＠ and s＠ t both occur 9 times: the tie goes to the smaller pair; then l＠ o＠ (7) beats w＠ e＠ (2)
    assert bpe.merges == [(f"e{M}", f"s{M}"), (f"es{M}", "t"), (f"l{M}", f"o{M}")]


def test_incremental_counts_match_recounting():
    words = Counter("the cat sat on the mat with the other cats and a hat that sat there rather".split() * 3)
    words.update({"catastrophe": 2, "thereafter": 4, "aaaa": 3, "aaaaaaa": 2})
    assert BPE.learn(words, 60).merges == naive_merges(words, 60)


def test_encode_uses_merges_and_decode_undoes_them():
    bpe = BPE.learn(WORDS, 10)
    pieces = bpe.encode(["lowest", "newer", "x"])
    assert pieces[-1] == "x"
    assert all(piece.endswith(M) for piece in pieces[:2])
    assert bpe.decode(pieces) == ["lowest", "newer", "x"]


def test_split_unknown_falls_back_to_known_pieces():
    bpe = BPE.learn(WORDS, 10)
    pieces = bpe.encode(["widest"])
    assert pieces == ["widest"]
    assert bpe.split_unknown(pieces, known={f"w{M}", f"i{M}", "dest"}) == [f"w{M}", f"i{M}", "dest"]
    assert bpe.decode(bpe.split_unknown(pieces, known=set())) == ["widest"]


def test_learning_stops_when_pairs_become_rare():
    assert len(BPE.learn(Counter({"ab": 1, "cd": 1}), 10)) == 0


def test_tokens_with_the_mark_or_spaces_are_refused():
    with pytest.raises(ValueError, match="pretokenize"):
        BPE([]).encode([f"a{M}b"])
    with pytest.raises(ValueError):
        BPE([]).encode(["a b"])


def test_save_load_round_trip(tmp_path):
    bpe = BPE.learn(WORDS, 10)
    bpe.save(tmp_path / "bpe.merges")
    lines = (tmp_path / "bpe.merges").read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER and len(lines) == 1 + len(bpe)
    assert BPE.load(tmp_path / "bpe.merges").merges == bpe.merges
    assert BPE.from_list(bpe.to_list()).merges == bpe.merges


def test_malformed_merges_file_names_the_line(tmp_path):
    path = tmp_path / "bpe.merges"
    path.write_text(f"{HEADER}\na{M} b\nonlyone\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"bpe\.merges:3:"):
        BPE.load(path)
    path.write_text("something else\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"bpe\.merges:1:"):
        BPE.load(path)


token_text = st.text(st.characters(blacklist_characters=M, blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")),
                     min_size=1, max_size=12).filter(lambda t: t.split() == [t])


@settings(max_examples=100, deadline=None)
@given(st.lists(token_text, min_size=1, max_size=30))
def test_round_trip_on_random_tokens(tokens):
    bpe = BPE.learn(Counter(tokens * 2), 20)
    assert bpe.decode(bpe.encode(tokens)) == tokens
