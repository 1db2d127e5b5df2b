# %% [markdown]
# # Tutorial 3 — From text to padded batches: pre-tokenizing, BPE, vocabularies, batching
#
# **Why.** A network sees integers, not words. Translation systems first split punctuation from words, then break
# rare words into frequent pieces (byte-pair encoding), so that a vocabulary of a few thousand pieces covers every
# word, and finally group sentences of similar length into batches so that little work is wasted on padding.
#
# **The algorithm** (Sennrich, Haddow & Birch 2016): start from characters; repeat: count adjacent symbol pairs over
# the corpus, merge the most frequent pair.
#
# **Read beside it:** `tinyseqkd/data/tokenize.py`, `bpe.py`, `vocab.py`, `text_pipeline.py`, `batching.py`,
# `prepared.py`, `corpus.py`.

# %%
import json
from collections import Counter

import numpy as np

from _common import options, section
from tinyseqkd.data.batching import make_batches
from tinyseqkd.data.bpe import BPE
from tinyseqkd.data.prepared import load_corpus
from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.data.tokenize import detokenize, pretokenize
from tinyseqkd.kernels import kernels_in_use

args = options("Tutorial 3 — from text to padded batches")

# %% [markdown]
# ## 1. The embedded corpus: Spanish verses with two English translations
#
# `bible-es-en` ships inside the package: the split sizes print first, then one test verse with its two
# references (the World English Bible and the King James Version). BLEU on this corpus counts both.

# %%
section("1. The embedded corpus: Spanish verses with two English translations")
corpus = load_corpus("bible-es-en")
test = corpus.splits["test"]
print({name: len(split) for name, split in corpus.splits.items()})
print(test.ids[0])
print("  es :", test.src[0])
print("  WEB:", test.refs[0][0])
print("  KJV:", test.refs[1][0])

# %% [markdown]
# ## 2. Pre-tokenizing is reversible
#
# Punctuation becomes tokens of its own, marked so that `detokenize` can glue the text back exactly.

# %%
section("2. Pre-tokenizing is reversible")
text = test.refs[0][0]
tokens = pretokenize(text)
print(tokens)
print("detokenize(pretokenize(text)) == text:", detokenize(tokens) == text)

# %% [markdown]
# ## 3. Byte-pair encoding learned on a handful of words
#
# Sennrich et al.'s own example. The first two merges make `est` at the end of a word (newest, widest: 9 times);
# `＠` marks a piece that does not end a word. Unseen words ("lowest") are then spelled with the learned pieces:
# `lo＠ w＠ est`.

# %%
section("3. Byte-pair encoding learned on a handful of words")
counts = Counter({"low": 5, "lower": 2, "newest": 6, "widest": 3})
bpe = BPE.learn(counts, 10, min_count=1)
print("merges, in the order learned:", bpe.to_list())
for word in ["lowest", "newer", "wider"]:
    print(f"  {word:8s} -> {bpe.encode_word(word)}")

# %% [markdown]
# ## 4. The pipeline: BPE + vocabularies, fitted on the training text
#
# `TextPipeline` holds everything that turns text into ids and back; it is fitted on the training split only and
# travels inside every checkpoint, so a model always reads its own pieces.

# %%
section("4. The pipeline: BPE + vocabularies, fitted on the training text")
train = corpus.splits["train"]
n = 3000 if args.quick else len(train)
pipeline = TextPipeline.fit(train.src[:n], train.tgt[:n], bpe_merges=2000 if args.quick else 8000,
                            src_vocab_size=None, tgt_vocab_size=None)
print(f"fitted on {n:,} verses: {len(pipeline.src_vocab):,} source / {len(pipeline.tgt_vocab):,} target pieces")
print("source pieces:", pipeline.src_tokens(test.src[0])[:14], "...")
ids = pipeline.encode_tgt(test.refs[0][0])
print("target ids   :", ids[:14], "...")
print("decoded back :", pipeline.decode_tgt(ids))

# %% [markdown]
# ## 5. Length-bucketed batches
#
# `make_batches` shuffles, sorts stably by length and cuts. Over a whole epoch, compare the share of real target
# positions with and without bucketing (`bucket=False`). With `--quick` (the first 3,000 verses), over the 12 runs
# of `docs/tutorial-runs.md` (seeds 0–2, 1 and 2 threads, the numba kernels and their numpy twins): 82.5% with
# bucketing in every run, against 53.0–53.8% without (set by the seed's shuffle); bucketing wasted less in 12 of 12
# runs. The full training split was not measured over these runs. `tgt_in` starts with `<s>` (id 2) and `tgt_out`
# ends with `</s>` (id 3), then padding 0.

# %%
section("5. Length-bucketed batches")
src_ids = pipeline.encode_src_many(train.src[:n])
tgt_ids = pipeline.encode_tgt_many(train.tgt[:n])
batches = make_batches(src_ids, tgt_ids, batch_size=32, rng=np.random.default_rng(args.seed))
batch = batches[0]
real = batch.tgt_mask.sum()
print(f"{len(batches)} batches; the first: src {batch.src.shape}, tgt_in {batch.tgt_in.shape}, "
      f"{real:.0f} real target positions of {batch.tgt_mask.size} ({real / batch.tgt_mask.size:.0%})")
real_share = {}  # bucket → the share of the epoch's target positions that are real tokens
for bucket in (True, False):
    epoch = make_batches(src_ids, tgt_ids, batch_size=32, rng=np.random.default_rng(args.seed), bucket=bucket)
    real_share[bucket] = float(sum(b.tgt_mask.sum() for b in epoch) / sum(b.tgt_mask.size for b in epoch))
    print(f"bucket={bucket!s:5}: {real_share[bucket]:.0%} of the epoch's target positions are real tokens")
print("tgt_in [0]:", batch.tgt_in[0][:10], "... starts with <s> = 2")
print("tgt_out[0]:", batch.tgt_out[0][:10], "... ends with </s> = 3, then padding 0")

# %% [markdown]
# ## 6. The headline figures, in one line
#
# The last line the script prints is one JSON object: section 5's shares of real target positions, with and
# without bucketing, and whether bucketing wasted less (12 of 12 runs). `benchmarks/tutorial_runs.py` reads it.

# %%
section("6. The headline figures, in one line")
print(json.dumps({"tutorial": "03", "seed": args.seed, "quick": args.quick, "threads": args.threads,
                  "kernels": kernels_in_use(), "real_share_bucketed": round(real_share[True], 4),
                  "real_share_not_bucketed": round(real_share[False], 4),
                  "bucketing_wastes_less": real_share[True] > real_share[False]}))

# %% [markdown]
# ## Summary
#
# Text → pre-tokens → BPE pieces → ids; sentences of similar length share a batch; masks mark padding. The
# pipeline is fitted on training text only and travels inside every checkpoint.
#
# ## Exercises (worked solutions: `tutorials/solutions/03_data.py`)
#
# 1. Fit the pipeline with `bpe_merges=500` and with `bpe_merges=16000`: how do the vocabulary size and the
#    average number of pieces per sentence change?
# 2. Make batches with `batch_by="tokens"` and `batch_size=2000`: how many sentences does a batch hold now, for
#    short verses and for long ones?
# 3. Load the corpus with `load_corpus("bible-es-en", english="mixed")`: how many training targets come from the
#    King James Version?
