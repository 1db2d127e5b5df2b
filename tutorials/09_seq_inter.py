# %% [markdown]
# # Tutorial 9 — Sequence-level interpolation (Kim & Rush 2016, Sec. 3.3)
#
# **Why.** Seq-KD (tutorial 8) trains on the teacher's ŷ and forgets the gold y. Where the teacher is wrong, so is
# the target. Seq-Inter interpolates: among the teacher's K best hypotheses, take the one *closest to the gold* —
# a target the model can produce (it is in its own K-best list) that is as right as such a target can be — and
# fine-tune on it at a smaller learning rate.
#
# **The equation** (Sec. 3.3; the paper: K = 35, sim = smoothed sentence BLEU):
#
#     ỹ = argmax_{t ∈ K-best(s)} sim(t, y)          then fine-tune on (s, ỹ) with the plain NLL
#
# **Read beside it:** `tinyseqkd/distill/seq_inter.py` — `smoothed_sentence_bleu` (the authors' smoothing, stated in
# its docstring), `select_closest` (the argmax, ties to the earlier hypothesis), and `closest_to_gold` in
# `seq_kd.py` (the same choice inside `distill_corpus`, with `selection="bleu"`).

# %%
import copy
import json
import tempfile
from pathlib import Path

import numpy as np
import sacrebleu

from _common import options, save_figure, section, train, tutorial_config, with_training_targets
from tinyseqkd.data.prepared import prepare
from tinyseqkd.distill import closest_to_gold, distill_corpus, smoothed_sentence_bleu, select_closest
from tinyseqkd.distill import teacher_decoder, teacher_manifest
from tinyseqkd.distill.manifest import lines_sha256
from tinyseqkd.distill.store import load_distilled_targets
from tinyseqkd.evaluate import beam_decoder, corpus_bleu, greedy_output_probabilities, translate_ids
from tinyseqkd.kernels import kernels_in_use

args = options("Tutorial 9 — sequence-level interpolation", config=True)
scratch = tempfile.TemporaryDirectory(prefix="tutorial09-")  # removed when the script ends
work = Path(scratch.name)

# %% [markdown]
# ## 1. Smoothed sentence BLEU, by hand
#
# Against the reference "the cat sat on the mat", the hypothesis "the cat sat on a mat" matches 5 of its 6 words,
# 3 of 5 bigrams, 2 of 4 trigrams and 1 of 3 four-grams; equal lengths, no brevity penalty: BLEU = (5/6 · 3/5 ·
# 2/4 · 1/3)^(1/4) = (1/12)^(1/4) = 0.5373. A hypothesis with no matching four-gram would score 0 without
# smoothing; the authors' rescorer counts the first zero-match order as 1/2 match, the next as 1/4, and so on.
# sacrebleu's "exp" smoothing gives the same number whenever the hypothesis has 4 words or more and matches at
# least one; for "a mat", shorter than 4 words, they differ (0.0957 against 0.0677): sacrebleu averages over the
# orders the hypothesis has, the rescorer keeps the exponent 1/4.

# %%
section("1. Smoothed sentence BLEU, by hand")
reference = "the cat sat on the mat".split()
for hypothesis in ["the cat sat on a mat", "the cat lay on a mat", "a mat"]:
    ours = smoothed_sentence_bleu(hypothesis.split(), reference)
    theirs = sacrebleu.sentence_bleu(hypothesis, [" ".join(reference)], smooth_method="exp", tokenize="none")
    print(f"  {hypothesis!r:26s} smoothed_sentence_bleu {ours:.4f}   sacrebleu exp-smoothed {theirs.score / 100:.4f}")
print(f"  by hand (1/12)^(1/4) = {(1 / 12) ** 0.25:.4f}")

# %% [markdown]
# ## 2. Picking from a K-best list
#
# A fixed list, best first as the beam ranks it. `select_closest` returns the index of the highest score: 2, the
# hypothesis with the extra word (0.8091). The first two tie (each replaces one "the" by another word: the same
# match counts, 0.5373); between them the earlier — the one the teacher itself ranked higher — wins.

# %%
section("2. Picking from a K-best list")
kbest = ["the cat sat on a mat", "the cat sat on one mat", "the cat sat on the mat today", "the cat on the mat"]
for i, hypothesis in enumerate(kbest):
    print(f"  {i}. {smoothed_sentence_bleu(hypothesis.split(), reference):.4f}  {hypothesis}")
print("select_closest ->", select_closest([h.split() for h in kbest], reference))
print("select_closest of the first two (a tie) ->", select_closest([h.split() for h in kbest[:2]], reference))

# %% [markdown]
# ## 3. A teacher's K-best lists over the training source
#
# An under-trained teacher on the reverse task (tutorial 4's, stopped early), so that its best guess is sometimes
# wrong. `distill_corpus` with `nbest=K`, `selection="bleu"` and `select=closest_to_gold(...)` decodes the K-best
# lists and keeps, per sentence, the closest to the gold (`keep_kbest=True` writes the lists too, in
# `train.kbest.jsonl`). With `--quick` (K = 5), over the 12 runs of `docs/tutorial-runs.md` (seeds 0–2, 1 and 2
# threads, the numba kernels and their numpy twins), ỹ differs from the beam's best ŷ for 4–42% of the sentences,
# and its mean sentence BLEU against the gold is 0.86–1.00 where ŷ's is 0.73–0.99: higher in 12 of 12 runs. How
# wrong the teacher is depends on the run: 200 updates leave it anywhere from 66 to 97 greedy BLEU (the weakest
# with seed 0 on the numpy twins; with the kernels the same seed reaches 95). The plot shows how the mean grows
# with the number of hypotheses searched: most of the gain comes from the first few.

# %%
section("3. A teacher's K-best lists over the training source")
steps = 200  # an under-trained teacher, with and without --quick: after 300 updates it is nearly perfect
K = 5 if args.quick else 10
config = tutorial_config(args, "toy-reverse", [f"--train.max_steps={steps}", f"--train.validate_every={steps}",
                                               "--train.valid_examples=0", "--data.corpus=synthetic:reverse"])
dataset = prepare(config.data, config.train.seed)
pipeline, train_split, test = dataset.pipeline, dataset.splits["train"], dataset.splits["test"]
teacher = train(config, dataset, run_dir=work / "teacher")
gold_tokens = [text.split() for text in train_split.text.tgt]
manifest = teacher_manifest(work / "teacher" / "best.npz", pipeline, train_split.text.src, corpus=config.data.corpus,
                            beam_size=K, nbest=K, selection="bleu", keep_kbest=True, chunk_size=1000)
distill_corpus(teacher_decoder(teacher, pipeline.tgt_vocab, beam_size=K, nbest=K), train_split.src_ids,
               work / "seq-inter", manifest, select=closest_to_gold(gold_tokens), to_text=" ".join)
records = [json.loads(line) for line in (work / "seq-inter" / "train.kbest.jsonl").read_text().splitlines()]
kbests = [[h["pieces"].split() for h in record["kbest"]] for record in records]
chosen = [record["selected"] for record in records]
not_best = float(np.mean(np.array(chosen) > 0))
print(f"ỹ is not the beam's best ŷ for {not_best:.0%} of the {len(records)} sentences")
closeness = {}  # "ŷ (beam's best)" / "ỹ (closest)" → mean sentence BLEU against the gold
for name, pick in (("ŷ (beam's best)", [0] * len(kbests)), ("ỹ (closest)", chosen)):
    scores = [smoothed_sentence_bleu(kb[i], gold) for kb, i, gold in zip(kbests, pick, gold_tokens)]
    closeness[name] = float(np.mean(scores))
    print(f"  {name:16s} mean sentence BLEU against the gold: {closeness[name]:.3f}")
oracle = {k: np.mean([smoothed_sentence_bleu(kb[select_closest(kb[:k], gold)], gold)
                      for kb, gold in zip(kbests, gold_tokens)]) for k in range(1, K + 1)}


def draw_oracle(plt):
    figure, axes = plt.subplots(figsize=(4.5, 3.2))
    axes.plot(list(oracle), list(oracle.values()), marker="o")
    axes.set(xlabel="hypotheses searched (first k of the K-best list)", ylabel="mean sentence BLEU of ỹ")
    return figure


save_figure(args, "09_closest_by_k.png", draw_oracle)

# %% [markdown]
# ## 4. Fine-tuning the teacher on ỹ ("teacher + Seq-Inter")
#
# A copy of the teacher trains on (s, ỹ) for a few more updates at a tenth of its learning rate. The paper's
# finding for its teacher: greedy decoding after the fine-tune is as good as beam search before it (19.6 against
# 19.5), and p(t = ŷ) rises (1.3% → 8.2%). With `--quick`, over the same 12 runs: greedy BLEU 66.1–97.4 before,
# 80.1–100.0 after (the teacher's beam before: 67.1–97.4); the fine-tuned teacher's greedy BLEU was above the
# teacher's greedy and above its beam in 12 of 12 runs, and its p(t = ŷ) (41–86% before, 72–98% after) too. The
# gain is largest where the teacher was weakest (seed 0 on the twins: 66.1 → 80.1). Part of it is simply more
# training of an under-trained teacher: exercise 3 asks how much.

# %%
section("4. Fine-tuning the teacher on ỹ (teacher + Seq-Inter)")
targets = load_distilled_targets(work / "seq-inter", len(train_split), lines_sha256(train_split.text.src))
seq_inter = with_training_targets(dataset, targets.ids(pipeline.tgt_vocab), [" ".join(p) for p in targets.pieces])
fine_steps = 100 if args.quick else 200
fine_tune = tutorial_config(args, "toy-reverse", [f"--train.max_steps={fine_steps}",
                                                  f"--train.lr={config.train.lr / 10}",
                                                  f"--train.validate_every={fine_steps}", "--train.valid_examples=0",
                                                  "--data.corpus=synthetic:reverse"])
tuned = train(fine_tune, seq_inter, model=copy.deepcopy(teacher))
print(f"{'':22s} {'BLEU greedy':>11s} {'BLEU beam 5':>11s} {'p(t = ŷ)':>9s}")
rows = {}  # name → its figures, for section 5
for name, model in (("teacher", teacher), ("teacher + Seq-Inter", tuned)):
    greedy = translate_ids(model, test.src_ids)
    beam = translate_ids(model, test.src_ids, decode=beam_decoder(5))
    rows[name] = {"bleu_greedy": float(corpus_bleu(pipeline.decode_tgt_many(greedy), test.text.refs).score),
                  "bleu_beam": float(corpus_bleu(pipeline.decode_tgt_many(beam), test.text.refs).score),
                  "p_greedy_output": float(greedy_output_probabilities(model, test.src_ids, greedy).mean())}
    print(f"{name:22s} {rows[name]['bleu_greedy']:11.1f} {rows[name]['bleu_beam']:11.1f} "
          f"{rows[name]['p_greedy_output']:9.1%}")

# %% [markdown]
# ## 5. The headline figures, in one line
#
# The last line the script prints is one JSON object: section 3's share of ỹ ≠ ŷ and the two closeness figures,
# section 4's two rows, and four directions: ỹ closer to the gold than ŷ; the fine-tuned teacher's greedy BLEU
# above the teacher's greedy BLEU, and above its beam BLEU (the paper's "as good as"); its p(t = ŷ) above the
# teacher's. `benchmarks/tutorial_runs.py` reads it.

# %%
section("5. The headline figures, in one line")
teacher_row, tuned_row = rows["teacher"], rows["teacher + Seq-Inter"]
print(json.dumps({
    "tutorial": "09", "seed": args.seed, "quick": args.quick, "threads": args.threads, "kernels": kernels_in_use(),
    "K": K, "closest_not_beam_best": round(not_best, 4),
    "sentence_bleu_beam_best": round(closeness["ŷ (beam's best)"], 4),
    "sentence_bleu_closest": round(closeness["ỹ (closest)"], 4),
    **{key: {name: round(value, 4) for name, value in row.items()}
       for key, row in (("teacher", teacher_row), ("seq_inter", tuned_row))},
    "closest_nearer_the_gold": closeness["ỹ (closest)"] > closeness["ŷ (beam's best)"],
    "seq_inter_greedy_above_teacher_greedy": tuned_row["bleu_greedy"] > teacher_row["bleu_greedy"],
    "seq_inter_greedy_above_teacher_beam": tuned_row["bleu_greedy"] > teacher_row["bleu_beam"],
    "seq_inter_p_above_teacher": tuned_row["p_greedy_output"] > teacher_row["p_greedy_output"],
}))

# %% [markdown]
# ## Summary
#
# Seq-Inter keeps the teacher's K-best list and chooses the hypothesis nearest the gold by smoothed sentence BLEU
# (ties: the teacher's higher-ranked one); a model — the teacher, a baseline or a Seq-KD student — is then
# fine-tuned on those targets at a smaller learning rate. The same from the command line: `tinyseqkd distill -m
# runs/teacher --out runs/distill-kbest --beam 35 --nbest 35 --select bleu`, then a fine-tuning run such as
# `tinyseqkd train teacher --out runs/teacher-seq-inter --train.init=runs/teacher
# --data.targets=runs/distill-kbest --train.lr=0.0005`.
#
# ## Exercises (worked solutions: `tutorials/solutions/09_seq_inter.py`)
#
# 1. Compute smoothed sentence BLEU of "the cat on the mat" against "the cat sat on the mat" by hand (1-gram to
#    4-gram matches, brevity penalty) and check it with `smoothed_sentence_bleu`.
# 2. Find two hypotheses with equal scores against one reference and check that `select_closest` picks the earlier.
# 3. The paper does not say whether Seq-Inter beats simply fine-tuning on the gold for as long. Fine-tune a copy of
#    section 4's teacher on the gold targets with the same settings and compare the rows.
