# %% [markdown]
# # Tutorial 10 — Weight pruning (Kim & Rush 2016, Sec. 5.2; See, Luong & Manning 2016)
#
# **Why.** Distillation makes a small student nearly as good as its teacher; pruning makes it smaller still. Kim &
# Rush prune their best 2 × 500 student (Seq-KD + Seq-Inter, 19.3 BLEU) by weight magnitude and retrain it with the
# pruned weights held at zero: 80% pruned scores 19.1 — 0.2 below the unpruned student, 0.4 below the teacher's
# 19.5 — with 13× fewer parameters than the teacher.
#
# **The schemes** (See et al. 2016). An NMT model's weights fall into *classes*: each embedding, each LSTM layer
# (its input and recurrent matrices together, one class per layer), the attention W_a, the attentional layer W_c,
# the softmax W_o (biases are never pruned). To prune a fraction x of the weights:
#
#     class-blind         one threshold over all weights: the x·N smallest |w| of the whole model go
#     class-uniform       the x·n_c smallest |w| inside each class c go
#     class-distribution  |w| < λ·σ_c goes (σ_c the class's standard deviation), λ chosen so that x·N go
#
# then retrain with the mask fixed: masked weights *and their gradients* stay exactly zero.
#
# **Read beside it:** `tinyseqkd/prune/classes.py` (the class table), `prune/masks.py` (`prune_masks`,
# `sparsity_report`), `tinyseqkd/optim.py` (`Optimizer.set_masks`), `prune/sparse.py` (storage).

# %%
import copy
import json

import numpy as np

from _common import options, save_figure, section, train, tutorial_config
from tinyseqkd.data.prepared import prepare
from tinyseqkd.evaluate import corpus_bleu, translate_ids
from tinyseqkd.kernels import kernels_in_use
from tinyseqkd.prune import (apply_masks, format_sparsity_report, model_weights, pack_arrays, packed_nbytes,
                             prune_masks, sparsity_report)

args = options("Tutorial 10 — weight pruning", config=True)

# %% [markdown]
# ## 1. The three schemes on hand-made weights
#
# Two classes: a softmax matrix with large weights and an attention matrix with small ones. Pruning half of the
# eight weights (1 = kept):
#
# - class-blind takes the four smallest |w| of all, which are all in the attention matrix: W_a is emptied, W_o kept;
# - class-uniform takes two from each class;
# - class-distribution scores |w| / σ_class; W_a's weights are small but so is its σ, so it loses about as many as
#   W_o — here W_a loses 2 (0.01 and 0.02, far below its σ) and W_o 2 (0.3 and 0.5): the same as class-uniform on
#   this example. Exercise 1 looks for where the two part.

# %%
section("1. The three schemes on hand-made weights")
weights = {"attention.W_a": np.array([[0.01, -0.02], [0.04, -0.08]]),
           "generator.weight": np.array([[0.9, -0.3], [0.5, -1.2]])}
for scheme in ("class-blind", "class-uniform", "class-distribution"):
    masks = prune_masks(weights, scheme, 0.5)
    print(f"{scheme:19s} W_a kept {masks['attention.W_a'].astype(int).tolist()}   "
          f"W_o kept {masks['generator.weight'].astype(int).tolist()}")

# %% [markdown]
# ## 2. Pruning a trained model, before any retraining
#
# A 1 × 64 model of the reverse task (tutorial 4), pruned by each scheme at growing ratios, each time from the
# trained weights. With `--quick`, over the 12 runs of `docs/tutorial-runs.md` (seeds 0–2, 1 and 2 threads, the
# numba kernels and their numpy twins), the unpruned model scores 93.0–100 BLEU. Class-blind at half of the weights
# pruned: 81.5–98.2, at most 3 BLEU below the unpruned model in 10 of 12 runs (seed 2 with the kernels lost 16.7;
# seed 0 with the kernels even gained 3.1). Then BLEU falls steeply without retraining: at 70% class-blind keeps
# 15.6–41.9, class-uniform 8.2–18.7 and class-distribution 7.8–11.2, and class-blind kept the most in 12 of 12
# runs. `sparsity_report` shows where class-blind pruning takes its 80%: from the decoder's LSTM layer 84.6–86.0%
# (the most of any class in 10 of 12 runs; in the other two, seed 2 on the twins, the target embedding's 86.4%),
# from the encoder's 71.5–75.5% (less than from the decoder's in 12 of 12), and least from the softmax W_o,
# 47.2–56.8% (the least of any class in 12 of 12), whose weights are larger.

# %%
section("2. Pruning a trained model, before any retraining")
steps = 400 if args.quick else 800
config = tutorial_config(args, "toy-reverse", [f"--train.max_steps={steps}", f"--train.validate_every={steps}",
                                               "--train.valid_examples=0"])
dataset = prepare(config.data, config.train.seed)
pipeline, test = dataset.pipeline, dataset.splits["test"]
model = train(config, dataset)


def bleu(m):
    return corpus_bleu(pipeline.decode_tgt_many(translate_ids(m, test.src_ids)), test.text.refs).score


ratios = [0.5, 0.7, 0.8, 0.9] if args.quick else [0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9]
curves = {"unpruned": bleu(model)}
print(f"unpruned: BLEU {curves['unpruned']:.1f}")
for scheme in ("class-blind", "class-uniform", "class-distribution"):
    curves[scheme] = {}
    for ratio in ratios:
        pruned = copy.deepcopy(model)
        apply_masks(pruned, prune_masks(model_weights(model), scheme, ratio))
        curves[scheme][ratio] = bleu(pruned)
    print(f"{scheme:19s}", "  ".join(f"{100 * r:.0f}%: {b:5.1f}" for r, b in curves[scheme].items()))
report = sparsity_report(model_weights(model), prune_masks(model_weights(model), "class-blind", 0.8))
print(format_sparsity_report(report))

# %% [markdown]
# ## 3. Retraining with the mask fixed
#
# Pruned at 80% and 90% (class-blind), then trained on for 100 more updates at half the learning rate with the
# masks given to the optimizer (`trainer.optimizer.set_masks(masks)`: the pruned gradients are zeroed before each
# step, the pruned weights after it). With `--quick`, over the same 12 runs: 80% pruned comes back from 7.0–12.4
# to 99.6–100 BLEU, and 90% from 1.8–2.6 to 16.5–75.9 (the 90% figure depends much on the run); each came back
# above its pruned self in 12 of 12 runs. The retrained 80% model ended above the unpruned one in only 8 of 12
# (the 100 updates also continue its training; in the other 4 the unpruned model already scored 99.8 or 100); the
# paper: 19.3 → 19.1 at 80%. Every pruned weight is still exactly 0.0, and the 80%-pruned weights stored sparse
# take about a quarter of the dense bytes (26.6% in every run).

# %%
section("3. Retraining with the mask fixed")
retrain_steps = 100 if args.quick else 300
retrain = tutorial_config(args, "toy-reverse", [f"--train.max_steps={retrain_steps}",
                                                f"--train.lr={config.train.lr / 2}",
                                                f"--train.validate_every={retrain_steps}", "--train.valid_examples=0"])
retrained = {}
for ratio in (0.8, 0.9):
    pruned = copy.deepcopy(model)
    masks = prune_masks(model_weights(pruned), "class-blind", ratio)
    apply_masks(pruned, masks)
    pruned = train(retrain, dataset, model=pruned, masks=masks, show=())
    parameters = dict(pruned.named_parameters())
    still_zero = all(np.all(parameters[name].data[~keep] == 0.0) for name, keep in masks.items())
    retrained[ratio] = bleu(pruned)
    print(f"{100 * ratio:.0f}% pruned: BLEU {curves['class-blind'][ratio]:.1f} → {retrained[ratio]:.1f} after "
          f"{retrain_steps} updates; pruned weights still exactly zero: {still_zero}; "
          f"{pruned.num_parameters(nonzero=True):,} of {pruned.num_parameters():,} parameters non-zero")
    if ratio == 0.8:
        dense = sum(p.data.nbytes for p in pruned.parameters())
        sparse = packed_nbytes(pack_arrays(model_weights(pruned)))
        print(f"  stored sparse (prune/sparse.py): {sparse:,} bytes against {dense:,} dense ({sparse / dense:.0%})")
        sparse_share = sparse / dense


def draw_sparsity(plt):
    figure, axes = plt.subplots(figsize=(5.5, 3.5))
    for scheme in ("class-blind", "class-uniform", "class-distribution"):
        points = {0.0: curves["unpruned"], **curves[scheme]}
        axes.plot([100 * r for r in points], list(points.values()), marker="o", label=f"{scheme}, not retrained")
    axes.plot([100 * r for r in retrained], list(retrained.values()), "k*", markersize=12,
              label="class-blind, retrained")
    axes.set(xlabel="weights pruned, %", ylabel="test BLEU (greedy)")
    axes.legend(fontsize="small")
    return figure


save_figure(args, "10_bleu_by_sparsity.png", draw_sparsity)

# %% [markdown]
# ## 4. The headline figures, in one line
#
# The last line the script prints is one JSON object: section 2's BLEU by scheme and ratio and the share of each
# class that class-blind pruning takes at 80%, section 3's BLEU after retraining and the sparse storage's share,
# and three directions: class-blind above the other two schemes at 70% (not retrained; 12 of 12 runs), the
# 80%-pruned model above the unpruned one after retraining (8 of 12), and each retrained model above its pruned
# self (12 of 12). `benchmarks/tutorial_runs.py` reads it.

# %%
section("4. The headline figures, in one line")
ratio_70 = {scheme: curves[scheme][0.7] for scheme in ("class-blind", "class-uniform", "class-distribution")}
print(json.dumps({
    "tutorial": "10", "seed": args.seed, "quick": args.quick, "threads": args.threads, "kernels": kernels_in_use(),
    "unpruned": round(curves["unpruned"], 2),
    **{scheme: {f"{100 * r:.0f}%": round(b, 2) for r, b in curves[scheme].items()}
       for scheme in ("class-blind", "class-uniform", "class-distribution")},
    "class_blind_80_pruned_share": {row.name: round(row.percent, 1) for row in report},
    "retrained": {f"{100 * r:.0f}%": round(b, 2) for r, b in retrained.items()},
    "sparse_share_80": round(sparse_share, 4),
    "class_blind_best_at_70": bool(ratio_70["class-blind"] > max(ratio_70["class-uniform"],
                                                                   ratio_70["class-distribution"])),
    "retrained_80_above_unpruned": bool(retrained[0.8] > curves["unpruned"]),
    "retraining_recovers": bool(all(retrained[r] > curves["class-blind"][r] for r in retrained)),
}))

# %% [markdown]
# ## Summary
#
# Magnitude pruning removes the smallest weights — of the whole model (class-blind), of each class
# (class-uniform), or relative to each class's spread (class-distribution) — and retraining with the mask fixed
# recovers what was lost at 80% (here in 100 updates), and part of it at 90%. See et al. found class-blind best; so
# did Kim & Rush's use of it. The same from the command line: `tinyseqkd prune -m CKPT --scheme class-blind
# --ratio 0.8 --out DIR --retrain` (a list of ratios or schemes makes a sweep with `sweep.md` and a
# BLEU-vs-sparsity plot).
#
# ## Exercises (worked solutions: `tutorials/solutions/10_pruning.py`)
#
# 1. Prune section 1's weights at 25% and at 37.5% by each scheme: which entries go? Check by hand first. At
#    which ratio do class-uniform and class-distribution differ, and why? Then make W_o's −1.2 a −6.0 and prune
#    50% again: what does one large weight do to class-distribution?
# 2. Prune the model with `prune_embeddings=False` at 80%: what share of the remaining classes goes now, and how
#    does BLEU (before retraining) compare?
# 3. Retrain a pruned copy with a plain `tinyseqkd.optim.Adam` that is *not* given the masks (the authors' original
#    Lua code masked only the weights, once): how many pruned weights are non-zero after 20 updates?
