"""Worked solutions to the exercises of tutorial 3 (text to padded batches)."""

import numpy as np

from tinyseqkd.data.batching import make_batches
from tinyseqkd.data.prepared import load_corpus
from tinyseqkd.data.text_pipeline import TextPipeline

corpus = load_corpus("bible-es-en")
train = corpus.splits["train"]
n = 3000  # the tutorial's --quick subset; the whole corpus shows the same, more slowly

# --- Exercise 1: fewer and more BPE merges -----------------------------------------------------------------------
for merges in (500, 16000):
    pipeline = TextPipeline.fit(train.src[:n], train.tgt[:n], bpe_merges=merges, src_vocab_size=None,
                                tgt_vocab_size=None)
    pieces = np.mean([len(ids) for ids in pipeline.encode_tgt_many(train.tgt[:n])])
    print(f"1. {merges:5d} merges: {len(pipeline.tgt_vocab):,} target pieces, {pieces:.1f} pieces per verse")
print("   fewer merges: a small vocabulary of short pieces, longer sequences; more merges: whole words, shorter "
      "sequences (16,000 stops early here: 3,000 verses run out of frequent pairs)")

# --- Exercise 2: batches of at most 2,000 padded tokens ------------------------------------------------------------
src_ids, tgt_ids = pipeline.encode_src_many(train.src[:n]), pipeline.encode_tgt_many(train.tgt[:n])
batches = make_batches(src_ids, tgt_ids, batch_size=2000, batch_by="tokens", rng=np.random.default_rng(0))
by_length = sorted(batches, key=lambda b: b.src.shape[1])
shortest, longest = by_length[0], by_length[-1]
print(f"2. {len(batches)} batches; the shortest verses: {len(shortest)} per batch (length {shortest.src.shape[1]}), "
      f"the longest: {len(longest)} per batch (length {longest.src.shape[1]})")

# --- Exercise 3: english="mixed" -------------------------------------------------------------------------------------
mixed = load_corpus("bible-es-en", english="mixed").splits["train"]
kjv = load_corpus("bible-es-en", english="kjv").splits["train"]
from_kjv = sum(m == k and m != w for m, k, w in zip(mixed.tgt, kjv.tgt, train.tgt))
print(f"3. {from_kjv:,} of {len(mixed):,} training targets come from the KJV ({from_kjv / len(mixed):.0%})")
