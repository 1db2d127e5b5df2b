"""The way into the data: from a corpus name, or a config's ``[data]`` section, to what a model trains on.

Read it downward; each step is one function of this module or one module below it::

    prepare(config.data, seed)              → PreparedData: the corpus, its text pipeline, every split as ids
    ├─ corpus_for_config(config.data, seed) → Corpus, with the config's max_len and train_size applied
    │  └─ load_corpus(spec, ...)            → Corpus of ParallelText splits (data/corpus.py), from
    │       synthetic:TASK[:KEY=VALUE,...]    data/synthetic.py (parse_synthetic_spec: the task's settings)
    │       an embedded name (bible-es-en)    data/embedded.py
    │       a path to the user's files        data/user_files.py
    ├─ fit_pipeline(config.data, train)     → TextPipeline (data/text_pipeline.py): BPE + vocabularies, fitted
    │                                          on the training split only
    └─ encode_corpus(corpus, pipeline)      → every split as id arrays

**Fit or reuse the pipeline.** ``prepare(..., pipeline=None)`` fits a new one; ``pipeline=saved`` encodes with a
pipeline that already exists — a resumed run's, a checkpoint's when evaluating, or a teacher's, since a student
distilled from a teacher must share its ids (Kim & Rush 2016, Sec. 3.2).

**Other targets.** To train on targets other than the corpus's own (Sec. 3.2: the teacher's translations of the
training sources), replace them between the steps::

    corpus = corpus_for_config(config.data, seed)
    train = corpus.splits["train"]
    corpus.splits["train"] = ParallelText(train.src, [new_targets], train.ids)
    data = encode_corpus(corpus, teacher_pipeline)
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tinyseqkd.data.corpus import (SPLITS, Corpus, ParallelText, check_split_names, filter_long,
                                   parse_direction, resolve_languages)
from tinyseqkd.data.embedded import EMBEDDED_CORPORA, load_embedded
from tinyseqkd.data.synthetic import SYNTHETIC_TASKS
from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.data.user_files import read_user_corpus
from tinyseqkd.errors import ConfigError

SYNTHETIC_PREFIX = "synthetic:"


@dataclass
class EncodedSplit:
    """One split as text (for references and examples) and as id arrays (for the model)."""

    text: ParallelText
    src_ids: list[np.ndarray]
    tgt_ids: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.src_ids)


@dataclass
class PreparedData:
    """A corpus made ready for one model: the text pipeline that makes its ids, and each split encoded."""

    corpus: Corpus
    pipeline: TextPipeline
    splits: dict[str, EncodedSplit]


# -- the entry ----------------------------------------------------------------------------------------------------
def prepare(data, seed: int, *, pipeline: TextPipeline | None = None,
            splits: Sequence[str] | None = None) -> PreparedData:
    """Load the corpus of a ``[data]`` section, fit a text pipeline (unless ``pipeline`` is given), encode it.

    ``splits=None`` reads every split the corpus has and requires train and valid (what training needs); a list
    of names reads only those splits' files (``["valid"]`` to evaluate on the valid split).
    """
    if pipeline is None and splits is not None and "train" not in splits:
        raise ConfigError(f"splits {list(splits)}: fitting a text pipeline needs the train split; fix: pass the "
                          "pipeline to use (pipeline=...) or include train")
    corpus = corpus_for_config(data, seed, splits)
    if pipeline is None:
        pipeline = fit_pipeline(data, corpus.splits["train"])
    return encode_corpus(corpus, pipeline)


def corpus_for_config(data, seed: int, splits: Sequence[str] | None = None) -> Corpus:
    """The corpus a ``[data]`` section names, with its length filter and ``train_size`` applied."""
    corpus = load_corpus(data.corpus, direction=data.direction, english=data.english, max_len=data.max_len or None,
                         seed=seed, skip_empty=data.skip_empty, splits=splits)
    train = corpus.splits.get("train")
    if data.train_size and train is not None:
        corpus.splits["train"] = train.select(range(min(data.train_size, len(train))))
    for needed in ("train", "valid") if splits is None else splits:
        if needed not in corpus.splits or not len(corpus.splits[needed]):
            raise ConfigError(f"data.corpus = {data.corpus!r} has no {needed} split; "
                              + ("training needs train and valid" if splits is None else "fix: choose another split"))
    return corpus


def fit_pipeline(data, train: ParallelText) -> TextPipeline:
    """BPE and vocabularies learned from the training split, sized as the ``[data]`` section says."""
    return TextPipeline.fit(train.src, train.tgt, bpe_merges=data.bpe_merges,
                            src_vocab_size=data.src_vocab_size or None, tgt_vocab_size=data.tgt_vocab_size or None,
                            min_freq=data.min_freq)


def encode_corpus(corpus: Corpus, pipeline: TextPipeline) -> PreparedData:
    """Every split of ``corpus`` as ids of ``pipeline``."""
    return PreparedData(corpus, pipeline, {name: encode_split(pipeline, text) for name, text in corpus.splits.items()})


def encode_split(pipeline: TextPipeline, text: ParallelText) -> EncodedSplit:
    return EncodedSplit(text, pipeline.encode_src_many(text.src), pipeline.encode_tgt_many(text.tgt))


# -- any corpus by name or path -----------------------------------------------------------------------------------
def load_corpus(spec: str, *, direction: str | None = None, english: str = "web", src_lang: str | None = None,
                tgt_lang: str | None = None, max_len: int | None = None, seed: int = 0, skip_empty: bool = False,
                splits: Sequence[str] | None = None) -> Corpus:
    """A synthetic task (``synthetic:reverse``), an embedded corpus (``bible-es-en``) or the user's files at a path.

    - ``splits`` (default: all) names the splits to read; only their files are read, and each must exist.
    - ``max_len`` drops training pairs whose source or target has more than ``max_len`` pre-tokenized words;
      valid and test are never filtered, so scores stay comparable. The drops are listed in ``Corpus.report``.
    - ``direction`` (or ``src_lang``/``tgt_lang``) and ``skip_empty`` concern embedded and user corpora (see
      :mod:`tinyseqkd.data.user_files` for the layouts and the reading rules); ``english`` (web / kjv / mixed)
      only the embedded Bible; ``seed`` the synthetic tasks and ``english="mixed"``.
    """
    check_split_names(splits)
    if spec.startswith(SYNTHETIC_PREFIX):
        corpus = _load_synthetic(spec, seed)
    elif spec in EMBEDDED_CORPORA:
        corpus = _load_embedded(spec, direction, english, src_lang, tgt_lang, seed, splits)
    else:
        corpus = read_user_corpus(spec, direction=direction, src_lang=src_lang, tgt_lang=tgt_lang,
                                  skip_empty=skip_empty, splits=splits)
    if splits is not None:
        for split in [split for split in corpus.splits if split not in splits]:
            del corpus.splits[split]
    if max_len is not None and "train" in corpus.splits:
        corpus.splits["train"] = filter_long(corpus.splits["train"], max_len, corpus.report)
    return corpus


def _load_synthetic(spec: str, seed: int) -> Corpus:
    """The task's data, seeded by the spec's own ``seed=N`` when it has one, else by ``seed`` (``train.seed``)."""
    task, options = parse_synthetic_spec(spec)
    try:
        splits = SYNTHETIC_TASKS[task](**{"seed": seed, **options})
    except ValueError as error:  # a value the task refuses, e.g. min_len > max_len
        raise ConfigError(f"data.corpus = {spec!r}: {error}") from None
    return Corpus(spec, "src", "tgt", splits)


def parse_synthetic_spec(spec: str) -> tuple[str, dict]:
    """``synthetic:TASK`` or ``synthetic:TASK:KEY=VALUE,...`` → (task, keyword arguments of its function).

    The keys are the task function's own (:mod:`tinyseqkd.data.synthetic`):
    ``synthetic:multimodal:n_train=10000,max_len=6,variant_probs=0.6/0.25/0.15``. Numbers are integers unless the key
    takes a list (``/``-separated floats). Without ``seed=N``, ``train.seed`` seeds the data too; with it, the data
    is the same whatever ``train.seed`` is (models of several seeds trained on the same data).
    """
    task, _, settings = spec[len(SYNTHETIC_PREFIX):].partition(":")
    if task not in SYNTHETIC_TASKS:
        raise ConfigError(f"data.corpus = {spec!r}: unknown synthetic task; choose one of "
                          + ", ".join(SYNTHETIC_PREFIX + name for name in SYNTHETIC_TASKS))
    known = list(inspect.signature(SYNTHETIC_TASKS[task]).parameters)
    options = {}
    for item in filter(None, settings.split(",")):
        key, equals, value = item.partition("=")
        if key not in known or not equals:
            raise ConfigError(f"data.corpus = {spec!r}: {item!r} is not KEY=VALUE with a key of {task}; its keys: "
                              f"{', '.join(known)} (e.g. {SYNTHETIC_PREFIX}{task}:{known[0]}=1000)")
        try:
            options[key] = tuple(float(v) for v in value.split("/")) if key == "variant_probs" else int(value)
        except ValueError:
            raise ConfigError(f"data.corpus = {spec!r}: {key} = {value!r} is not "
                              + ("numbers separated by '/'" if key == "variant_probs" else "a whole number")) from None
    return task, options


def _load_embedded(name, direction, english, src_lang, tgt_lang, seed, splits) -> Corpus:
    """An embedded corpus in the direction given by ``direction`` or the languages (default: as listed)."""
    if direction is not None:
        src, tgt = parse_direction(direction)
        if (src_lang or tgt_lang) and (src_lang or src, tgt_lang or tgt) != (src, tgt):
            raise ConfigError(f"--direction {direction} disagrees with --src-lang {src_lang} --tgt-lang "
                              f"{tgt_lang}; fix: give only one of them")
    elif src_lang or tgt_lang:
        src, tgt = resolve_languages(name, sorted(EMBEDDED_CORPORA[name].languages), src_lang, tgt_lang)
    else:
        src, tgt = EMBEDDED_CORPORA[name].languages  # the corpus's own order: es-en for bible-es-en
    texts = load_embedded(name, direction=f"{src}-{tgt}", english=english, seed=seed, splits=splits or SPLITS)
    return Corpus(name, src, tgt, texts)
