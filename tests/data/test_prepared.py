"""The way into the data: load_corpus (any corpus by name or path) and prepare (a [data] section → ids)."""

import numpy as np
import pytest

from tinyseqkd.config import DataConfig
from tinyseqkd.data import prepared
from tinyseqkd.data.corpus import ParallelText
from tinyseqkd.data.prepared import corpus_for_config, encode_corpus, load_corpus, prepare
from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.errors import ConfigError, CorpusError

pytestmark = pytest.mark.ch03_data

USER_CORPUS = {
    "train.es": "hola mundo\nbuenos días\nuna frase larga de verdad aquí\n",
    "train.en": "hello world\ngood morning\na long sentence indeed here\n",
    "valid.es": "gracias\nhola\n",
    "valid.en": "thanks\nhello\n",
}


def write(directory, files: dict):
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def word_config(corpus: str, **changes) -> DataConfig:
    """A [data] section with whole words and unlimited vocabularies, for small corpora."""
    return DataConfig(corpus=corpus, bpe_merges=0, src_vocab_size=0, tgt_vocab_size=0, **changes)


# -- prepare ------------------------------------------------------------------------------------------------------
def test_prepare_fits_the_pipeline_on_train_and_encodes_every_split():
    data = prepare(word_config("synthetic:reverse"), seed=3)
    assert list(data.splits) == ["train", "valid", "test"]
    train = data.splits["train"]
    assert len(train) == len(data.corpus.splits["train"]) == 2000
    assert train.text is data.corpus.splits["train"]
    assert np.array_equal(train.src_ids[0], data.pipeline.encode_src(train.text.src[0]))
    assert np.array_equal(train.tgt_ids[0], data.pipeline.encode_tgt(train.text.tgt[0]))


def test_a_given_pipeline_is_used_as_it_is(tmp_path):
    """A resumed run, an evaluation, or a student sharing its teacher's ids: nothing is fitted again."""
    spec = str(write(tmp_path / "c", USER_CORPUS))
    teacher = TextPipeline.fit(["hola"], ["hello"], bpe_merges=0, src_vocab_size=None, tgt_vocab_size=None)
    data = prepare(word_config(spec), seed=0, pipeline=teacher)
    assert data.pipeline is teacher
    assert [teacher.decode_tgt(ids) for ids in data.splits["valid"].tgt_ids] == ["<unk>", "hello"]


def test_targets_can_be_replaced_between_loading_and_encoding(tmp_path):
    """The slot for training on other targets (Seq-KD, Sec. 3.2): sources kept, targets swapped, ids shared."""
    config = word_config(str(write(tmp_path / "c", USER_CORPUS)))
    corpus = corpus_for_config(config, seed=0)
    train = corpus.splits["train"]
    corpus.splits["train"] = ParallelText(train.src, [["hello"] * len(train)], train.ids)
    teacher = prepare(config, seed=0).pipeline
    data = encode_corpus(corpus, teacher)
    assert data.splits["train"].text.src == train.src
    assert [teacher.decode_tgt(ids) for ids in data.splits["train"].tgt_ids] == ["hello"] * 3


def test_train_size_and_max_len_shorten_the_training_split_only(tmp_path):
    spec = str(write(tmp_path / "c", USER_CORPUS))
    data = prepare(word_config(spec, train_size=2), seed=0)
    assert data.corpus.splits["train"].src == ["hola mundo", "buenos días"]
    data = prepare(word_config(spec, max_len=3), seed=0)
    assert data.corpus.splits["train"].src == ["hola mundo", "buenos días"] and len(data.splits["valid"]) == 2
    assert any("dropped 1 pair of 3" in line for line in data.corpus.report)


def test_training_needs_train_and_valid(tmp_path):
    spec = str(write(tmp_path / "c", {name: text for name, text in USER_CORPUS.items() if "valid" not in name}))
    with pytest.raises(ConfigError, match="has no valid split; training needs train and valid"):
        prepare(word_config(spec), seed=0)


def test_one_split_with_the_checkpoints_pipeline_ignores_broken_training_files(tmp_path):
    """Fix: ``evaluate --split valid`` stopped on a line-count mismatch in the train files it does not need."""
    broken = dict(USER_CORPUS, **{"train.en": "hello world\n"})
    spec = str(write(tmp_path / "c", broken))
    with pytest.raises(CorpusError, match="train.es has 3 lines but"):
        prepare(word_config(spec), seed=0)
    pipeline = TextPipeline.fit(["gracias"], ["thanks"], bpe_merges=0, src_vocab_size=None, tgt_vocab_size=None)
    data = prepare(word_config(spec), seed=0, pipeline=pipeline, splits=["valid"])
    assert list(data.splits) == ["valid"] and data.corpus.splits["valid"].tgt == ["thanks", "hello"]
    with pytest.raises(ConfigError, match="needs the train split"):
        prepare(word_config(spec), seed=0, splits=["valid"])


# -- load_corpus: which kind of corpus -----------------------------------------------------------------------------
def test_synthetic_tasks_are_corpora_like_any_other():
    corpus = load_corpus("synthetic:copy", seed=1, splits=["test"])
    assert (corpus.name, corpus.src_lang, corpus.tgt_lang, list(corpus.splits)) == ("synthetic:copy", "src", "tgt",
                                                                                   ["test"])
    assert corpus.splits["test"].src == corpus.splits["test"].tgt
    assert load_corpus("synthetic:copy", seed=1).splits["test"] == corpus.splits["test"]
    with pytest.raises(ConfigError, match="synthetic:reverse"):
        load_corpus("synthetic:sort")


def test_a_synthetic_task_takes_its_settings_after_its_name():
    corpus = load_corpus("synthetic:multimodal:n_train=50,min_len=2,max_len=3,variant_probs=0.5/0.5", seed=1)
    train, test = corpus.splits["train"], corpus.splits["test"]
    assert len(train) == 50 and {len(src.split()) for src in train.src} == {2, 3}
    assert len(test.refs) == 2  # one reference per variant
    assert corpus.name == "synthetic:multimodal:n_train=50,min_len=2,max_len=3,variant_probs=0.5/0.5"
    with pytest.raises(ConfigError, match=r"'n_trian=5' is not KEY=VALUE with a key of copy; its keys: n_train, "):
        load_corpus("synthetic:copy:n_trian=5")
    with pytest.raises(ConfigError, match="max_len = 'x' is not a whole number"):
        load_corpus("synthetic:copy:max_len=x")
    with pytest.raises(ConfigError, match="need 1 <= min_len <= max_len"):
        load_corpus("synthetic:copy:min_len=5,max_len=3")
    with pytest.raises(ConfigError, match="summing to 1"):
        load_corpus("synthetic:multimodal:variant_probs=0.5/0.6")


def test_a_synthetic_tasks_own_seed_fixes_its_data_whatever_the_training_seed():
    """``seed=N`` in the spec: the students of several training seeds learn from the same data as their teacher."""
    spec = "synthetic:multimodal:n_train=30,max_len=5,seed=1"
    fixed = {seed: load_corpus(spec, seed=seed).splits for seed in (1, 2, 3)}
    assert fixed[1] == fixed[2] == fixed[3]
    assert fixed[1] == load_corpus("synthetic:multimodal:n_train=30,max_len=5", seed=1).splits
    unfixed = {seed: load_corpus("synthetic:multimodal:n_train=30,max_len=5", seed=seed).splits for seed in (1, 2)}
    assert unfixed[1]["train"] != unfixed[2]["train"]  # without it, the training seed seeds the data
    assert load_corpus(spec.replace("seed=1", "seed=2"), seed=1).splits["train"] == unfixed[2]["train"]
    with pytest.raises(ConfigError, match="seed = 'x' is not a whole number"):
        load_corpus("synthetic:copy:seed=x")


def test_unknown_split_names_are_refused():
    with pytest.raises(ConfigError, match="unknown split 'dev'; choose from train, valid, test"):
        load_corpus("synthetic:copy", splits=["dev"])


def test_max_len_filters_training_only_and_reports(tmp_path):
    corpus = load_corpus(str(write(tmp_path, USER_CORPUS)), src_lang="es", max_len=3)
    assert corpus.splits["train"].src == ["hola mundo", "buenos días"]
    assert len(corpus.splits["valid"]) == 2
    assert any("dropped 1 pair of 3" in line and "--max-len" in line for line in corpus.report)


def test_bad_direction_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="es-en"):
        load_corpus(str(write(tmp_path, USER_CORPUS)), direction="spanish to english")


@pytest.fixture
def fake_embedded(monkeypatch):
    """A stand-in embedded corpus (the real one is tested in test_embedded.py)."""
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Fake:
        name: str = "toy-es-en"
        languages: tuple = ("es", "en")

    calls = []

    def load_embedded(name, *, direction="es-en", english="web", seed=0, splits=()):
        calls.append((name, direction, english, seed))
        src, tgt = ["uno dos tres cuatro", "uno"], ["one two three four", "one"]
        if direction == "en-es":
            src, tgt = tgt, src
        texts = {"train": ParallelText(src, [tgt]), "test": ParallelText(src, [tgt, tgt])}
        return {split: text for split, text in texts.items() if split in splits}

    monkeypatch.setattr(prepared, "EMBEDDED_CORPORA", {"toy-es-en": Fake()})
    monkeypatch.setattr(prepared, "load_embedded", load_embedded)
    return calls


def test_embedded_names_dispatch_with_direction_and_filter(fake_embedded):
    corpus = load_corpus("toy-es-en", english="kjv", seed=5, max_len=2)
    assert fake_embedded == [("toy-es-en", "es-en", "kjv", 5)]
    assert (corpus.src_lang, corpus.tgt_lang) == ("es", "en")
    assert corpus.splits["train"].src == ["uno"] and len(corpus.splits["test"]) == 2
    assert load_corpus("toy-es-en", src_lang="en").splits["train"].src[1] == "one"
    assert list(load_corpus("toy-es-en", splits=["test"]).splits) == ["test"]
    with pytest.raises(ConfigError, match="disagrees"):
        load_corpus("toy-es-en", direction="es-en", src_lang="en")


def test_evaluate_on_the_valid_split_of_a_user_corpus_with_broken_training_files(tmp_path, capsys):
    """The same fix, seen from the command line: the checkpoint's own corpus, ``--split valid``."""
    from tinyseqkd.checkpoint import save_checkpoint
    from tinyseqkd.cli import main
    from tinyseqkd.config import Config
    from tinyseqkd.model import ModelArgs, Seq2Seq

    spec = str(write(tmp_path / "c", dict(USER_CORPUS, **{"train.en": "hello world\n"})))
    pipeline = TextPipeline.fit(["gracias", "hola"], ["thanks", "hello"], bpe_merges=0, src_vocab_size=None,
                                tgt_vocab_size=None)
    args = ModelArgs(len(pipeline.src_vocab), len(pipeline.tgt_vocab), embedding_size=4, hidden_size=4, layers=1,
                     dropout=0.0, init_scale=0.1)
    config = Config()
    config.data.corpus = spec
    checkpoint = save_checkpoint(tmp_path / "best.npz", model=Seq2Seq(args, np.random.default_rng(0)),
                                 model_args=args.to_dict(), pipeline=pipeline.to_dict(), config=config.to_dict())
    assert main(["evaluate", "-m", str(checkpoint), "--split", "valid", "--beam", "2", "--threads", "1"]) == 0
    assert "2 sentences" in capsys.readouterr().out
