"""Tutorial 3 — From text to padded batches: pre-tokenizing, BPE, vocabularies, batching.

Motivation
    A network sees integers, not words. Translation systems first split punctuation from words, then break rare
    words into frequent pieces (byte-pair encoding), so that a vocabulary of a few thousand pieces covers every word,
    and finally group sentences of similar length into batches so that little work is wasted on padding.

The algorithm (Sennrich, Haddow & Birch 2016)
    start from characters; repeat: count adjacent symbol pairs over the corpus, merge the most frequent pair.

Run it
    python tutorials/03_data.py [--quick]

Read beside it: tinyseqkd/data/tokenize.py, bpe.py, vocab.py, text_pipeline.py, batching.py, prepared.py, corpus.py.
"""

import argparse
from collections import Counter

import numpy as np

from tinyseqkd.data.batching import make_batches
from tinyseqkd.data.bpe import BPE
from tinyseqkd.data.prepared import load_corpus
from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.data.tokenize import detokenize, pretokenize


def section(title):
    print(f"\n=== {title} ===")


def main(quick: bool) -> None:
    section("1. The embedded corpus: Spanish verses with two English translations")
    corpus = load_corpus("bible-es-en")
    test = corpus.splits["test"]
    print({name: len(split) for name, split in corpus.splits.items()})
    print(test.ids[0])
    print("  es :", test.src[0])
    print("  WEB:", test.refs[0][0])
    print("  KJV:", test.refs[1][0])

    section("2. Pre-tokenizing is reversible")
    text = test.refs[0][0]
    tokens = pretokenize(text)
    print(tokens)
    print("detokenize(pretokenize(text)) == text:", detokenize(tokens) == text)

    section("3. Byte-pair encoding learned on a handful of words")
    counts = Counter({"low": 5, "lower": 2, "newest": 6, "widest": 3})
    bpe = BPE.learn(counts, 10, min_count=1)
    print("merges, in the order learned:", bpe.to_list())
    for word in ["lowest", "newer", "wider"]:
        print(f"  {word:8s} -> {bpe.encode_word(word)}")

    section("4. The pipeline: BPE + vocabularies, fitted on the training text")
    train = corpus.splits["train"]
    n = 3000 if quick else len(train)
    pipeline = TextPipeline.fit(train.src[:n], train.tgt[:n], bpe_merges=2000 if quick else 8000,
                                src_vocab_size=None, tgt_vocab_size=None)
    print(f"fitted on {n:,} verses: {len(pipeline.src_vocab):,} source / {len(pipeline.tgt_vocab):,} target pieces")
    print("source pieces:", pipeline.src_tokens(test.src[0])[:14], "...")
    ids = pipeline.encode_tgt(test.refs[0][0])
    print("target ids   :", ids[:14], "...")
    print("decoded back :", pipeline.decode_tgt(ids))

    section("5. Length-bucketed batches")
    src_ids = pipeline.encode_src_many(train.src[:n])
    tgt_ids = pipeline.encode_tgt_many(train.tgt[:n])
    batches = make_batches(src_ids, tgt_ids, batch_size=32, rng=np.random.default_rng(0))
    batch = batches[0]
    real = batch.tgt_mask.sum()
    print(f"{len(batches)} batches; the first: src {batch.src.shape}, tgt_in {batch.tgt_in.shape}, "
          f"{real:.0f} real target positions of {batch.tgt_mask.size} ({real / batch.tgt_mask.size:.0%})")
    print("tgt_in [0]:", batch.tgt_in[0][:10], "... starts with <s> = 2")
    print("tgt_out[0]:", batch.tgt_out[0][:10], "... ends with </s> = 3, then padding 0")

    section("Summary")
    print("Text → pre-tokens → BPE pieces → ids; sentences of similar length share a batch; masks mark padding.\n"
          "The pipeline is fitted on training text only and travels inside every checkpoint.")
    print("\nExercises:\n"
          "  1. Fit with bpe_merges=500 and 16000: how do the vocabulary and the average sentence length change?\n"
          "  2. Make batches with batch_by='tokens' and batch_size=2000: how many sentences per batch now?\n"
          "  3. Load the corpus with english='mixed': how many training targets come from the KJV?")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a few seconds")
    main(parser.parse_args().quick)
