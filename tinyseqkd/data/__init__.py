"""Text in, padded id arrays out: corpora, tokenization, BPE, vocabularies and batches.

One way in, :func:`prepare`, turns a config's ``[data]`` section into a :class:`PreparedData` (the corpus as text,
the text pipeline that makes its ids, each split as ids); :func:`make_batches` cuts a split into padded batches.
The modules, read downward in the order the data flows through them::

    prepared.py       the way in: prepare(config.data, seed, pipeline=None, splits=None), load_corpus(name or path)
      synthetic.py    synthetic:TASK, toy tasks that train in seconds (reverse, copy, multimodal)
      user_files.py   the user's own files: layouts, languages, reading rules, errors naming file:line
      embedded.py     corpora shipped in the package (bible-es-en; the data files are in corpora/)
      corpus.py       ParallelText and Corpus, the one shape all three return; split names, the length filter
    text_pipeline.py  TextPipeline: text <-> ids, fitted on the training split, saved beside every model
      tokenize.py     reversible pre-tokenization (punctuation split from words) and its inverse
      bpe.py          joint byte-pair encoding (Sennrich et al. 2016)
      vocab.py        tokens <-> ids, with the special ids PAD, UNK, BOS, EOS
    batching.py       make_batches / make_src_batches: length-bucketed, padded batches (of sentences or tokens)
"""

from tinyseqkd.data.batching import make_batches, make_src_batches
from tinyseqkd.data.corpus import Corpus, ParallelText
from tinyseqkd.data.prepared import EncodedSplit, PreparedData, load_corpus, prepare
from tinyseqkd.data.text_pipeline import TextPipeline

__all__ = ["Corpus", "EncodedSplit", "ParallelText", "PreparedData", "TextPipeline", "load_corpus",
           "make_batches", "make_src_batches", "prepare"]
