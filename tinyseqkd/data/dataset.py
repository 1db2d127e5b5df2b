"""A corpus made ready for one model: the text pipeline fitted on its training split, and every split as ids.

``build_dataset(config.data)`` is the one place where a ``[data]`` config section becomes arrays:

1. load the corpus (embedded, the user's files, or a ``synthetic:TASK``), filtering long training pairs;
2. fit the :class:`~tinyseqkd.data.pipeline.TextPipeline` (BPE + vocabularies) on the training split only —
   or reuse a saved one, so that a resumed run or a student shares its teacher's ids;
3. encode each split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tinyseqkd.data.corpus import Corpus, load_corpus
from tinyseqkd.data.parallel import ParallelText
from tinyseqkd.data.pipeline import TextPipeline
from tinyseqkd.data.synthetic import SYNTHETIC_TASKS
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
class Dataset:
    corpus: Corpus
    pipeline: TextPipeline
    splits: dict[str, EncodedSplit]


def load_config_corpus(data, seed: int) -> Corpus:
    """The corpus a ``[data]`` section names, with its length filter and ``train_size`` applied."""
    max_len = data.max_len or None
    if data.corpus.startswith(SYNTHETIC_PREFIX):
        task = data.corpus[len(SYNTHETIC_PREFIX):]
        if task not in SYNTHETIC_TASKS:
            raise ConfigError(f"data.corpus = {data.corpus!r}: unknown synthetic task; choose one of "
                              + ", ".join(SYNTHETIC_PREFIX + name for name in SYNTHETIC_TASKS))
        corpus = Corpus(data.corpus, "src", "tgt", SYNTHETIC_TASKS[task](seed=seed))
    else:
        corpus = load_corpus(data.corpus, direction=data.direction, english=data.english, max_len=max_len,
                             seed=seed, skip_empty=data.skip_empty)
    if data.train_size:
        train = corpus.splits["train"]
        n = data.train_size
        corpus.splits["train"] = ParallelText(train.src[:n], [ref[:n] for ref in train.refs], train.ids[:n])
    for needed in ("train", "valid"):
        if needed not in corpus.splits or not len(corpus.splits[needed]):
            raise ConfigError(f"data.corpus = {data.corpus!r} has no {needed} split; training needs train and valid")
    return corpus


def fit_pipeline(data, train: ParallelText) -> TextPipeline:
    return TextPipeline.fit(train.src, train.tgt, bpe_merges=data.bpe_merges,
                            src_vocab_size=data.src_vocab_size or None, tgt_vocab_size=data.tgt_vocab_size or None,
                            min_freq=data.min_freq)


def encode_split(pipeline: TextPipeline, text: ParallelText) -> EncodedSplit:
    return EncodedSplit(text, pipeline.encode_src_many(text.src), pipeline.encode_tgt_many(text.tgt))


def build_dataset(data, seed: int, pipeline: TextPipeline | None = None) -> Dataset:
    """Load, fit (unless ``pipeline`` is given) and encode, as described in the module docstring."""
    corpus = load_config_corpus(data, seed)
    pipeline = pipeline or fit_pipeline(data, corpus.splits["train"])
    return Dataset(corpus, pipeline, {name: encode_split(pipeline, text) for name, text in corpus.splits.items()})
