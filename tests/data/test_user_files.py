"""Reading the user's corpus: layouts, languages, and one clear error (file:line + fix) for each kind of bad input."""

import pytest

from tinyseqkd.data.prepared import load_corpus
from tinyseqkd.errors import CorpusError

pytestmark = pytest.mark.ch03_data


def write(directory, files: dict):
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return directory


GOOD = {
    "train.de": "Hallo Welt.\nGuten Morgen!\nEin langer, langer, langer Satz hier.\n",
    "train.en": "Hello world.\nGood morning!\nA long, long, long sentence here.\n",
    "dev.de": "Danke.\n",
    "dev.en": "Thanks.\n",
    "test.de": "Ja.\nNein.\n",
    "test.en": "Yes.\nNo.\n",
    "test.en.1": "Yeah.\nNope.\n",
    "test.ids": "s1\ns2\n",
}


def test_directory_layout_with_dev_and_extra_references(tmp_path):
    corpus = load_corpus(str(write(tmp_path / "c", GOOD)), src_lang="de")
    assert (corpus.src_lang, corpus.tgt_lang) == ("de", "en")
    assert list(corpus.splits) == ["train", "valid", "test"]
    test = corpus.splits["test"]
    assert test.src == ["Ja.", "Nein."] and test.refs == [["Yes.", "No."], ["Yeah.", "Nope."]]
    assert test.ids == ["s1", "s2"]
    assert corpus.splits["valid"].tgt == ["Thanks."]


def test_prefix_layout_and_reversed_direction(tmp_path):
    write(tmp_path, {"iwslt." + name: text for name, text in GOOD.items() if ".1" not in name})
    corpus = load_corpus(str(tmp_path / "iwslt."), direction="en-de")
    assert corpus.splits["train"].src[0] == "Hello world." and corpus.splits["train"].tgt[0] == "Hallo Welt."


def test_languages_are_read_from_the_path_or_asked_for(tmp_path):
    assert load_corpus(str(write(tmp_path / "corpus.de-en", GOOD))).src_lang == "de"
    with pytest.raises(CorpusError, match="--src-lang"):
        load_corpus(str(write(tmp_path / "plain", GOOD)))


def test_crlf_and_byte_order_mark_are_accepted(tmp_path):
    write(tmp_path, {"train.de": "\ufeffHallo.\r\nJa.\r\n", "train.en": "Hello.\nYes.\n"})
    assert load_corpus(str(tmp_path), src_lang="de").splits["train"].src == ["Hallo.", "Ja."]


def test_tsv_directory_and_single_file(tmp_path):
    write(tmp_path, {"train.tsv": "Hallo.\tHello.\nJa.\tYes.\n", "test.tsv": "Nein.\tNo.\tNope.\n"})
    corpus = load_corpus(str(tmp_path))
    assert (corpus.src_lang, corpus.tgt_lang) == ("src", "tgt")
    assert corpus.splits["test"].refs == [["No."], ["Nope."]]
    single = load_corpus(str(tmp_path / "test.tsv"), src_lang="de", tgt_lang="en")
    assert list(single.splits) == ["test"] and single.src_lang == "de"


# -- bad input: each error names the file and the (1-based) line ------------------------------------------------
def test_differing_line_counts_name_both_files_and_counts(tmp_path):
    write(tmp_path, {"train.de": "a\nb\nc\n", "train.en": "a\nb\n"})
    with pytest.raises(CorpusError, match=r"train\.de has 3 lines but .*train\.en has 2"):
        load_corpus(str(tmp_path), src_lang="de")


def test_empty_line_is_an_error_with_a_hint_or_skipped_and_counted(tmp_path):
    write(tmp_path, {"train.de": "a\n\nc\n", "train.en": "a\nb\nc\n"})
    with pytest.raises(CorpusError, match=r"train\.de:2: empty line.*skip-empty"):
        load_corpus(str(tmp_path), src_lang="de")
    corpus = load_corpus(str(tmp_path), src_lang="de", skip_empty=True)
    assert corpus.splits["train"].src == ["a", "c"] and corpus.splits["train"].tgt == ["a", "c"]
    assert corpus.report == ["train: dropped 1 pair with an empty side (--skip-empty)"]


def test_whitespace_only_target_line_is_empty(tmp_path):
    write(tmp_path, {"train.de": "a\nb\n", "train.en": "a\n \t\n"})
    with pytest.raises(CorpusError, match=r"train\.en:2: empty line"):
        load_corpus(str(tmp_path), src_lang="de")


def test_invalid_utf8_names_line_and_byte(tmp_path):
    write(tmp_path, {"train.de": "gut\nsch".encode() + b"\xf6n\n", "train.en": "good\nnice\n"})
    with pytest.raises(CorpusError, match=r"train\.de:2: invalid UTF-8 at byte 4 of the line \(offset 7"):
        load_corpus(str(tmp_path), src_lang="de")


def test_missing_file_is_named(tmp_path):
    write(tmp_path, {"train.de": "a\n", "train.en": "a\n", "test.de": "b\n", "test.fr": "b\n"})
    with pytest.raises(CorpusError, match=r"test\.en: missing"):
        load_corpus(str(tmp_path), src_lang="de", tgt_lang="en")


def test_missing_corpus_path(tmp_path):
    with pytest.raises(CorpusError, match="no corpus at"):
        load_corpus(str(tmp_path / "nothing" / "here"))
    with pytest.raises(CorpusError, match="no corpus files"):
        load_corpus(str(tmp_path))


def test_tsv_with_wrong_field_count_names_the_line(tmp_path):
    write(tmp_path, {"train.tsv": "a\tA\nb\tB\tBB\nc\tC\n"})
    with pytest.raises(CorpusError, match=r"train\.tsv:2: expected 2 tab-separated fields .* found 3"):
        load_corpus(str(tmp_path))


def test_tsv_empty_field_names_the_line(tmp_path):
    write(tmp_path, {"train.tsv": "a\tA\nb\t\n"})
    with pytest.raises(CorpusError, match=r"train\.tsv:2: empty line"):
        load_corpus(str(tmp_path))
    assert len(load_corpus(str(tmp_path), skip_empty=True).splits["train"]) == 1


def test_gap_in_reference_numbers(tmp_path):
    write(tmp_path, {"test.de": "a\n", "test.en": "a\n", "test.en.2": "a\n"})
    with pytest.raises(CorpusError, match=r"test\.en\.2: reference 2 has no reference 1"):
        load_corpus(str(tmp_path), src_lang="de")


# -- reading some splits only --------------------------------------------------------------------------------------
def test_one_split_is_read_without_opening_the_other_splits_files(tmp_path):
    """``evaluate --split valid`` must not stop on a problem in the training files it does not need."""
    write(tmp_path, {"train.de": "a\nb\nc\n", "train.en": "a\nb\n", "valid.de": "Danke.\n", "valid.en": "Thanks.\n"})
    with pytest.raises(CorpusError, match=r"train\.de has 3 lines but .*train\.en has 2"):
        load_corpus(str(tmp_path), src_lang="de")
    corpus = load_corpus(str(tmp_path), src_lang="de", splits=["valid"])
    assert list(corpus.splits) == ["valid"] and corpus.splits["valid"].tgt == ["Thanks."]


def test_a_missing_split_that_was_asked_for_names_the_splits_there_are(tmp_path):
    write(tmp_path, GOOD)
    (tmp_path / "dev.de").unlink()
    (tmp_path / "dev.en").unlink()
    with pytest.raises(CorpusError, match=r"no valid split \(files found for train, test in de-en\)"):
        load_corpus(str(tmp_path), src_lang="de", splits=["valid"])
    write(tmp_path, {"test.tsv": "Ja.\tYes.\n"})
    with pytest.raises(CorpusError, match=r"test\.tsv: holds the test split only, not valid"):
        load_corpus(str(tmp_path / "test.tsv"), splits=["valid"])
