"""The ``tinyseqkd data`` commands, run through the real command line."""

import argparse

import pytest

from tinyseqkd.cli import main
from tinyseqkd.commands.data import side_stats
from tinyseqkd.commands.options import add_corpus_options, corpus_from_args
from tinyseqkd.data.prepared import load_corpus

pytestmark = pytest.mark.ch03_data

FILES = {
    "train.de": "Hallo Welt.\nGuten Morgen, Welt!\n\nDanke.\n",
    "train.en": "Hello world.\nGood morning, world!\nEmpty above.\nThanks.\n",
    "test.de": "Ja.\n",
    "test.en": "Yes.\n",
    "test.en.1": "Yeah.\n",
    "test.ids": "t1\n",
}


@pytest.fixture
def corpus_dir(tmp_path):
    directory = tmp_path / "corpus"
    directory.mkdir()
    for name, text in FILES.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_list_runs(capsys):
    assert main(["data", "list"]) == 0
    assert capsys.readouterr().out.strip()


def test_stats_on_a_tiny_corpus(corpus_dir, capsys):
    assert main(["data", "stats", str(corpus_dir), "--src-lang", "de", "--skip-empty"]) == 0
    out = capsys.readouterr().out
    assert "de → en" in out and "dropped 1 pair with an empty side" in out
    train_de = next(line for line in out.splitlines() if line.startswith("train  de"))
    assert train_de.split()[2:6] == ["3", "10", "36", "8"]  # segments, words, chars, vocabulary
    assert any(line.startswith("test   en.1") for line in out.splitlines())


def test_stats_error_is_one_line_with_file_and_line(corpus_dir, capsys):
    assert main(["data", "stats", str(corpus_dir), "--src-lang", "de"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "train.de:3: empty line" in err and "--skip-empty" in err


def test_side_stats_percentiles():
    stats = side_stats(["a"] * 50 + ["a b c"] * 49 + ["a " * 20])
    assert stats.percentiles == (1, 3, 3, 20) and stats.vocab == 3


def test_export_round_trip(corpus_dir, tmp_path, capsys):
    out_dir = tmp_path / "exported"
    args = ["data", "export", str(corpus_dir), str(out_dir), "--src-lang", "de", "--skip-empty"]
    assert main(args) == 0
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(FILES)
    original = load_corpus(str(corpus_dir), src_lang="de", skip_empty=True)
    exported = load_corpus(str(out_dir), src_lang="de")
    assert exported.splits == original.splits


def test_export_refuses_to_overwrite_unless_forced(corpus_dir, tmp_path, capsys):
    out_dir = tmp_path / "exported"
    out_dir.mkdir()
    (out_dir / "test.en").write_text("keep me\n", encoding="utf-8")
    args = ["data", "export", str(corpus_dir), str(out_dir), "--src-lang", "de", "--skip-empty"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "test.en already exists" in err and "--force" in err
    assert (out_dir / "test.en").read_text(encoding="utf-8") == "keep me\n"
    assert main(args + ["--force"]) == 0
    assert (out_dir / "test.en").read_text(encoding="utf-8") == "Yes.\n"
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]


def test_corpus_options_are_reusable(corpus_dir):
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus")
    add_corpus_options(parser)
    args = parser.parse_args([str(corpus_dir), "--direction", "en-de", "--skip-empty", "--max-len", "2"])
    corpus = corpus_from_args(args)
    assert (corpus.src_lang, corpus.tgt_lang) == ("en", "de")
    assert corpus.splits["train"].src == ["Thanks."]


# -- the embedded corpus (skipped until tinyseqkd.data.embedded exists) -------------------------------------------
def test_embedded_list_and_export(tmp_path, capsys):
    embedded = pytest.importorskip("tinyseqkd.data.embedded")
    name = "bible-es-en"
    assert name in embedded.EMBEDDED_CORPORA
    assert main(["data", "list"]) == 0
    assert name in capsys.readouterr().out
    assert main(["data", "export", name, str(tmp_path / "bible")]) == 0
    capsys.readouterr()
    exported = load_corpus(str(tmp_path / "bible"), src_lang="es")
    assert exported.splits == load_corpus(name).splits
    assert len(exported.splits["test"].refs) >= 2
