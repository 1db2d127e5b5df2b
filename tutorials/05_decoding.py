# %% [markdown]
# # Tutorial 5 — Greedy search, beam search, n-best lists, and p(t = ŷ)
#
# **Why.** A trained model gives p(y_j | y_<j, s) one word at a time; a translation needs a whole sentence. Greedy
# search takes the best word at every step; beam search keeps the K best partial sentences and usually finds a
# more probable one. Sequence-level distillation is built from beam search: the teacher's beam output becomes the
# student's training data (Kim & Rush 2016, Sec. 3.2, tutorial 8).
#
# **The task.** The *multimodal* toy task (`tinyseqkd/data/synthetic.py`): every source has four correct
# translations — two word orders × plain or doubled words — drawn with probabilities 0.4 / 0.3 / 0.2 / 0.1
# (`--variant-probs` changes them). A model trained on such data spreads its probability over the variants: watch
# what greedy and beam search make of that.
#
# **Read beside it:** `tinyseqkd/decoding.py` (`greedy_decode`, `beam_search`, `decode_corpus`),
# `tinyseqkd/kernels/beam.py`, `tinyseqkd/evaluate.py` (`translate_ids`, `greedy_output_probabilities`).
#
# Options: `--variant-probs P0 P1 [P2 [P3]]`, `--length-penalty A`, and any config key (`--train.max_steps=2000`).

# %%
import json
import math

from _common import multimodal_dataset, options, save_figure, section, train, tutorial_config
from tinyseqkd.data.synthetic import identify_variant
from tinyseqkd.decoding import decode_corpus
from tinyseqkd.evaluate import corpus_bleu, greedy_output_probabilities, translate_ids
from tinyseqkd.kernels import kernels_in_use

VARIANT_NAMES = ["forward", "reversed", "forward, doubled", "reversed, doubled"]


def add_options(parser):
    parser.add_argument("--variant-probs", type=float, nargs="+", default=[0.4, 0.3, 0.2, 0.1], metavar="P",
                        help="probabilities of the 2 to 4 variants, in the order forward, reversed, forward doubled, "
                             "reversed doubled (default: 0.4 0.3 0.2 0.1)")
    parser.add_argument("--length-penalty", type=float, default=0.0, metavar="A",
                        help="beam search's length normalisation exponent (default: 0, plain log-probability)")


args = options("Tutorial 5 — decoding", add_options, config=True)

# %% [markdown]
# ## 1. Train on the multimodal task
#
# The toy-reverse settings with a 96-wide LSTM, on the multimodal data; 300 updates with `--quick`.

# %%
section("1. Train on the multimodal task")
steps = 300 if args.quick else 1200
config = tutorial_config(args, "toy-reverse", ["--data.corpus=synthetic:multimodal", f"--train.max_steps={steps}",
                                               f"--train.validate_every={steps}", "--train.valid_examples=0",
                                               "--model.hidden_size=96"])
print("variants drawn with probabilities",
      ", ".join(f"{name} {p:g}" for name, p in zip(VARIANT_NAMES, args.variant_probs)))
try:
    dataset = multimodal_dataset(config, variant_probs=tuple(args.variant_probs))
except ValueError as error:  # not a distribution over 2 to 4 variants
    args.parser.error(f"--variant-probs: {error}")
model = train(config, dataset)

test = dataset.splits["test"]
pipeline = dataset.pipeline
n = 100 if args.quick else len(test)
src_ids = test.src_ids[:n]

# %% [markdown]
# ## 2. Greedy vs beam search, and the variants they choose
#
# `translate_ids` runs `greedy_decode` batch by batch (`data/batching.py` pads the sources); `decode_corpus` does
# the same for `beam_search`. The counts say which variant each output is. With `--quick` (300 updates, the first
# 100 test sources), over the 12 runs of `docs/tutorial-runs.md` (seeds 0–2, 1 and 2 threads, the numba kernels and
# their numpy twins), the model is still learning: most greedy outputs are no valid variant at all — 51–73 of 100,
# a majority in 12 of 12 runs — but a mix of two variants, which no reference accepts. Beam 5 writes 43–63 invalid
# ones: fewer than greedy in 10 of 12 runs, as many in the other 2. Among the valid outputs "forward", the most
# probable variant, leads greedy's in 12 of 12 runs (19–45 of 100) and beam's in 10 of 12 (with seed 2 on the
# twins "forward, doubled" leads the beam's, 29 against 21); "reversed", drawn with probability 0.3, comes out at
# most once per run. The full run (1,200 updates) is not among the 12 runs.

# %%
section("2. Greedy vs beam search, and the variants they choose")
greedy = translate_ids(model, src_ids)
beams = decode_corpus(model, src_ids, beam_size=5, n_best=5, length_penalty=args.length_penalty)
print(f"(beam search ranks finished hypotheses by score / (length + 1) ** {args.length_penalty:g})")
variant_counts = {}  # "greedy" / "beam 5" → {variant: outputs}
for name, outputs in [("greedy", greedy), ("beam 5", [found[0].ids for found in beams])]:
    variants = [identify_variant(test.text.src[i], pipeline.decode_tgt(ids)) for i, ids in enumerate(outputs)]
    counts = {VARIANT_NAMES[k] if k is not None else "no valid variant": variants.count(k) for k in [0, 1, 2, 3, None]}
    variant_counts[name] = counts
    print(f"{name:7s}", {k: v for k, v in counts.items() if v})

# %% [markdown]
# ## 3. An n-best list: the model's favourite translations of one source
#
# The five hypotheses of the beam, best first, with their probabilities p(ŷ </s> | s). The rest of the list shows
# where the remaining mass went: other variants (doubled words) and near-misses that mix them.

# %%
section("3. An n-best list: the model's favourite translations of one source")
print("source:", test.text.src[0])
for rank, hypothesis in enumerate(beams[0], start=1):
    print(f"  {rank}. p = {math.exp(hypothesis.score):.3f}  {pipeline.decode_tgt(hypothesis.ids)}")

# %% [markdown]
# ## 4. BLEU by beam size
#
# Each test source has all four variants as references, so any valid variant scores 100 on its own. BLEU by beam
# size (K = 1 is greedy) shows what the beam adds on this model. With `--quick`, over the same 12 runs: 54.0–78.4
# with K = 1, 59.7–78.6 with K = 5; beam 5 above greedy in 12 of 12 runs, by 0.3 to 9.8 BLEU (0.3 for seed 2 with
# the kernels, whose greedy output was already the best of the 12); from K = 3 to K = 5 BLEU moved by −0.5 to +0.9.
# Tutorial 8 measures the same gap for a Seq-KD student, which gains much less from the beam.

# %%
section("4. BLEU by beam size")
references = [ref[:n] for ref in test.text.refs]
beam_sizes = [1, 2, 3, 5] if args.quick else [1, 2, 3, 5, 10]
bleu_by_beam = {}
for k in beam_sizes:
    found = decode_corpus(model, src_ids, beam_size=k, length_penalty=args.length_penalty)
    bleu_by_beam[k] = corpus_bleu([pipeline.decode_tgt(h[0].ids) for h in found], references).score
    print(f"  beam {k:2d}: BLEU {bleu_by_beam[k]:.1f}")


def draw_bleu_by_beam(plt):
    figure, axes = plt.subplots(figsize=(4.5, 3.2))
    axes.plot(list(bleu_by_beam), list(bleu_by_beam.values()), marker="o")
    axes.set(xlabel="beam size K", ylabel="test BLEU (4 references)", xticks=beam_sizes)
    return figure


save_figure(args, "05_bleu_by_beam.png", draw_bleu_by_beam)

# %% [markdown]
# ## 5. p(t = ŷ): how much probability the model puts on its own greedy output
#
# `greedy_output_probabilities` scores each greedy output teacher-forced, p(ŷ </s> | s) (p(ŷ | s) for an output cut
# at the length limit); their mean over the sentences is the paper's p(t = ŷ). A model that had learnt the data
# exactly would put at most 0.4 on it, the most probable variant's share: far from 100%, the mass is spread over
# the variants. With `--quick`, over the same 12 runs: 8.0–14.2% (under 10% in 8 of 12 runs; seed 1's four runs
# gave 13.9–14.2%). A Seq-KD student sees one variant per source and puts much more mass on it (Kim & Rush: 0.9% →
# 16.9% on WMT); that is why its greedy output is as good as beam.

# %%
section("5. p(t = ŷ): how much probability the model puts on its own greedy output")
p = greedy_output_probabilities(model, src_ids, greedy).mean()
print(f"average p(greedy output) = {p:.1%}")

# %% [markdown]
# ## 6. The headline figures, in one line
#
# The last line the script prints is one JSON object: section 2's counts (of the `n` test sources), section 4's
# BLEU by beam size and section 5's p(t = ŷ), and two directions: beam 5's BLEU above greedy's, and most greedy
# outputs no valid variant (each in 12 of 12 runs). `benchmarks/tutorial_runs.py` reads it.

# %%
section("6. The headline figures, in one line")
print(json.dumps({"tutorial": "05", "seed": args.seed, "quick": args.quick, "threads": args.threads,
                  "kernels": kernels_in_use(), "sources": n, "greedy": variant_counts["greedy"],
                  "beam_5": variant_counts["beam 5"],
                  "bleu_by_beam": {str(k): round(bleu, 2) for k, bleu in bleu_by_beam.items()},
                  "p_greedy_output": round(float(p), 4),
                  "beam_5_bleu_above_greedy": bool(bleu_by_beam[5] > bleu_by_beam[1]),
                  "most_greedy_outputs_invalid": bool(variant_counts["greedy"]["no valid variant"] > n / 2)}))

# %% [markdown]
# ## Summary
#
# Greedy: one word at a time. Beam: the K best partial sentences, finished ones kept aside, sorted by
# log-probability (optionally length-normalised). The n-best list is the pool Seq-Inter picks from (tutorial 9).
#
# ## Exercises (worked solutions: `tutorials/solutions/05_decoding.py`)
#
# 1. Run this tutorial with `--variant-probs 0.5 0.5`: do greedy and beam still agree? What is p(t = ŷ) now?
# 2. Run it with `--length-penalty 1.0`: how many beam outputs change, and why so few? (Is a doubled variant
#    longer than a plain one, counted in pieces?)
# 3. Time `translate_ids` (greedy) and `decode_corpus` with beam 5 on the whole test set: how much does the beam
#    cost?
