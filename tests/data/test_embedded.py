"""The embedded Bible corpus: sizes, chapter-disjoint splits, clean aligned text, the English choices, errors.
(How it is built is tested in tests/scripts/test_bible_es_en_build.py.)"""

import re

import pytest

from tinyseqkd.data.embedded import EMBEDDED_CORPORA, load_embedded, read_table
from tinyseqkd.errors import CorpusError

pytestmark = pytest.mark.ch03_data

NAME = "bible-es-en"
SHIPPED_SIZES = {"train": 28_846, "valid": 1_005, "test": 1_016}
GENESIS_1_1 = {
    "es": "En el principio crió Dios los cielos y la tierra.",
    "web": "In the beginning, God created the heavens and the earth.",
    "kjv": "In the beginning God created the heaven and the earth.",
}


@pytest.fixture(scope="module")
def splits():
    return load_embedded(NAME)


@pytest.fixture(scope="module")
def table():
    return read_table(EMBEDDED_CORPORA[NAME].source)


def chapter(ref: str) -> str:
    return ref.rsplit(".", 1)[0]


# -- sizes and splits ---------------------------------------------------------------------------------------------
def test_split_sizes_are_the_shipped_ones(splits):
    sizes = {split: len(text) for split, text in splits.items()}
    assert sizes == SHIPPED_SIZES == EMBEDDED_CORPORA[NAME].segments
    assert 900 <= sizes["valid"] <= 1_200 and 900 <= sizes["test"] <= 1_200


def test_no_chapter_is_in_two_splits(splits):
    chapters = {split: {chapter(ref) for ref in text.ids} for split, text in splits.items()}
    assert not chapters["train"] & chapters["valid"]
    assert not chapters["train"] & chapters["test"]
    assert not chapters["valid"] & chapters["test"]
    all_ids = [ref for text in splits.values() for ref in text.ids]
    assert len(all_ids) == len(set(all_ids))


# -- the text -----------------------------------------------------------------------------------------------------
def test_the_three_texts_are_aligned_and_non_empty(table):
    assert len({len(values) for values in table.values()}) == 1
    for column in ("es", "web", "kjv"):
        assert all(text and text == " ".join(text.split()) for text in table[column]), column
    # a verse under the wrong number would be far longer or shorter than its translation
    outliers = [ref for ref, es, kjv in zip(table["ref"], table["es"], table["kjv"])
                if not 0.4 < len(es) / len(kjv) < 2.0]
    assert outliers == []


def test_no_markup_is_left(table):
    leftover = re.compile(r"[<>¶\\]|&#?\w+;")
    for column in ("es", "web", "kjv"):
        dirty = [ref for ref, text in zip(table["ref"], table[column]) if leftover.search(text)]
        assert dirty == [], column


def test_genesis_1_1_reads_exactly_as_printed(table):
    row = table["ref"].index("Gen.1.1")
    assert {column: table[column][row] for column in GENESIS_1_1} == GENESIS_1_1


def test_tag_heavy_verses_keep_their_word_boundaries(table):
    verse = {ref: row for row, ref in enumerate(table["ref"])}
    # WEB: footnotes sat between "only born" and "Son"; RV1909: added words (díjo+le, ejército+se llamaba)
    assert "his only born Son, that whoever" in table["web"][verse["John.3.16"]]
    assert "y díjole Dios: Pide lo que quisieres que yo te dé." in table["es"][verse["1Kgs.3.5"]]
    assert "ejército se llamaba Sísara" in table["es"][verse["Judg.4.2"]]
    assert "by my name JEHOVAH was I not known" in table["kjv"][verse["Exod.6.3"]]
    assert table["es"][verse["Heb.13.25"]] == "La gracia sea con todos vosotros. Amén."  # no subscription


# -- directions and English texts ---------------------------------------------------------------------------------
def test_es_en_web_has_the_kjv_as_second_reference_for_evaluation(splits, table):
    train, test = splits["train"], splits["test"]
    assert train.ids[0] == "Gen.1.1" and train.src[0] == GENESIS_1_1["es"] and train.tgt[0] == GENESIS_1_1["web"]
    assert len(train.refs) == 1 and len(test.refs) == 2
    row = table["ref"].index(test.ids[0])
    assert test.refs[0][0] == table["web"][row] and test.refs[1][0] == table["kjv"][row]


def test_kjv_as_the_target_puts_the_kjv_first():
    splits = load_embedded(NAME, english="kjv")
    assert splits["train"].tgt[0] == GENESIS_1_1["kjv"]
    web_first = load_embedded(NAME)["valid"].refs
    assert splits["valid"].refs == [web_first[1], web_first[0]]


def test_mixed_draws_each_verse_from_the_two_english_texts_by_seed(table):
    first, again, other = (load_embedded(NAME, english="mixed", seed=seed) for seed in (0, 0, 1))
    assert first == again
    assert first["train"].tgt != other["train"].tgt
    web, kjv = load_embedded(NAME, english="web")["train"].tgt, load_embedded(NAME, english="kjv")["train"].tgt
    picked_kjv = [target == k != w for target, w, k in zip(first["train"].tgt, web, kjv)]
    assert all(target in (w, k) for target, w, k in zip(first["train"].tgt, web, kjv))
    assert 0.45 < sum(picked_kjv) / len(picked_kjv) < 0.55
    assert first["test"].refs == load_embedded(NAME)["test"].refs  # evaluation: WEB then KJV


def test_en_es_puts_the_chosen_english_first(splits):
    reverse = load_embedded(NAME, direction="en-es", english="kjv")
    for split, text in reverse.items():
        assert text.src == load_embedded(NAME, english="kjv")[split].tgt
        assert text.refs == [splits[split].src] and text.ids == splits[split].ids


@pytest.mark.parametrize("arguments, choices", [
    ({"name": "bible"}, "bible-es-en"),
    ({"name": NAME, "direction": "es-fr"}, "es-en, en-es"),
    ({"name": NAME, "english": "asv"}, "web, kjv, mixed"),
])
def test_unknown_names_and_options_list_the_valid_choices(arguments, choices):
    with pytest.raises(CorpusError, match=re.escape(choices)):
        load_embedded(**arguments)
