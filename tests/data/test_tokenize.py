"""The pre-tokenizer splits punctuation, marks glue with a joiner, and detokenizes back to the normalised text."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinyseqkd.data.tokenize import (ESCAPE, JOINER, SUBWORD_MARK, count_tokens, detokenize, normalize,
                                     pretokenize)

pytestmark = pytest.mark.ch03_data


@pytest.mark.parametrize("text, tokens", [
    ("Hello, world!", ["Hello", "￭,", "world", "￭!"]),
    ("(again)", ["(￭", "again", "￭)"]),
    ("don't", ["don", "￭'￭", "t"]),
    ("3.5 km", ["3", "￭.￭", "5", "km"]),
    ("¿Qué?", ["¿￭", "Qué", "￭?"]),
    ("a -- b", ["a", "-", "￭-", "b"]),
    ("", []),
])
def test_known_splits(text, tokens):
    assert pretokenize(text) == tokens
    assert detokenize(tokens) == text


def test_words_keep_combining_marks():
    decomposed = "cafe\u0301 ki\u093fa"  # é as e + U+0301; a Devanagari vowel sign
    assert pretokenize(decomposed) == ["cafe\u0301", "ki\u093fa"]


def test_whitespace_is_normalised_and_stated():
    text = "  Hello,\t\tworld \n\u00a0again\u2028 "
    assert normalize(text) == "Hello, world again"
    assert detokenize(pretokenize(text)) == "Hello, world again"


def test_reserved_characters_are_escaped_into_one_token():
    text = f"a{JOINER}b {SUBWORD_MARK} {ESCAPE}j {ESCAPE}"
    tokens = pretokenize(text)
    assert all(SUBWORD_MARK not in token for token in tokens)
    assert all(JOINER not in token.strip(JOINER) for token in tokens)
    assert detokenize(tokens) == text


def test_count_tokens_is_the_token_count():
    assert count_tokens("Hello, world!") == 4


def test_stray_joiners_from_a_model_do_not_crash():
    assert detokenize([JOINER, "a", JOINER + JOINER, ESCAPE, "b"]) == "a" + ESCAPE + " b"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_round_trip_on_any_unicode(text):
    assert detokenize(pretokenize(text)) == normalize(text)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab ,.'￭＠␛ej\u0301\t")), max_size=40))
def test_round_trip_on_marker_heavy_text(text):
    tokens = pretokenize(text)
    assert detokenize(tokens) == normalize(text)
    assert all(token and token.split() == [token] for token in tokens)
