"""Worked solutions to the exercises of tutorial 10 (weight pruning, Sec. 5.2)."""

import copy
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tutorials/_common.py
from _common import train  # noqa: E402
from tinyseqkd.config import load_config  # noqa: E402
from tinyseqkd.data.batching import make_batches  # noqa: E402
from tinyseqkd.data.prepared import prepare  # noqa: E402
from tinyseqkd.evaluate import corpus_bleu, translate_ids  # noqa: E402
from tinyseqkd.optim import Adam, clip_grad_norm  # noqa: E402
from tinyseqkd.prune import apply_masks, format_sparsity_report, model_weights, prune_masks, sparsity_report  # noqa
from tinyseqkd.threads import set_threads  # noqa: E402

set_threads(1)

# --- Exercise 1: section 1's weights at 25% and 37.5%, then with one large weight --------------------------------
weights = {"attention.W_a": np.array([[0.01, -0.02], [0.04, -0.08]]),
           "generator.weight": np.array([[0.9, -0.3], [0.5, -1.2]])}
SCHEMES = ("class-blind", "class-uniform", "class-distribution")


def show_scores(weights):
    for name, values in weights.items():
        print(f"   {name}: σ = {values.std():.3f}, |w| / σ = {np.round(np.abs(values) / values.std(), 2).tolist()}")


def pruned_by(weights, scheme, ratio):
    masks = prune_masks(weights, scheme, ratio)
    return [float(v) for name in weights for v in weights[name][~masks[name]]]


# By hand. σ(W_a) ≈ 0.044 and σ(W_o) ≈ 0.80, so the scores |w| / σ are W_a: .23 .45 .90 1.80 and
# W_o: 1.12 .37 .62 1.49 — in order .23 (W_a) .37 (W_o) .45 (W_a) .62 (W_o) .90 (W_a) 1.12 1.49 (W_o) 1.80 (W_a):
# the two classes alternate, so the smallest scores take one weight from each class in turn.
# 25%: 2 of 8 go. class-blind: the 2 smallest |w| of all, 0.01 and 0.02 (both W_a). class-uniform: 1 of each
#   class's 4, W_a's 0.01 and W_o's 0.3. class-distribution: the 2 smallest scores, .23 and .37: the same two.
# 37.5%: 3 of 8 go. class-blind: 0.01, 0.02, 0.04. class-uniform: 0.375 · 4 = 1.5 per class, rounded to 2, so it
#   takes 2 from each class, 4 weights: a per-class share cannot make 3 of 8. class-distribution: the 3 smallest
#   scores, .23 .37 .45: 0.01 and −0.02 of W_a and −0.3 of W_o — W_a loses two, W_o one.
print("1. section 1's weights (class σ and scores):")
show_scores(weights)
for ratio in (0.25, 0.375):
    for scheme in SCHEMES:
        gone = pruned_by(weights, scheme, ratio)
        print(f"   {100 * ratio:g}%: {scheme:19s} prunes {len(gone)}: {gone}")
same_25 = pruned_by(weights, "class-uniform", 0.25) == pruned_by(weights, "class-distribution", 0.25)
same_37 = pruned_by(weights, "class-uniform", 0.375) == pruned_by(weights, "class-distribution", 0.375)
print(f"   class-uniform and class-distribution agree at 25%: {same_25}; at 37.5%: {same_37}")

# Then one large weight in W_o (−1.2 → −6.0) widens σ(W_o) to ≈ 2.79, so W_o's ordinary weights now score low
# (.32 .11 .18, and 2.15 for −6.0). At 50% (4 of 8) class-distribution takes the 4 smallest scores .11 .18 .23 .32:
# −0.3, 0.5 and 0.9 of W_o and 0.01 of W_a; class-uniform still takes 2 from each class.
outlier = {**weights, "generator.weight": np.array([[0.9, -0.3], [0.5, -6.0]])}
print("1. with W_o's −1.2 made −6.0:")
show_scores(outlier)
for scheme in ("class-uniform", "class-distribution"):
    print(f"   50%: {scheme:19s} prunes {pruned_by(outlier, scheme, 0.5)}")
print("   class-distribution prunes each class by its spread: one large weight makes its class's others look small")

# --- Exercise 2: leaving the embeddings unpruned -------------------------------------------------------------------
config = load_config("toy-reverse", ["--train.max_steps=400", "--train.validate_every=400", "--train.valid_examples=0",
                                     "--train.seed=0"])  # tutorial 10's model (--quick)
dataset = prepare(config.data, config.train.seed)
pipeline, test = dataset.pipeline, dataset.splits["test"]
model = train(config, dataset, show=())


def bleu(m):
    return corpus_bleu(pipeline.decode_tgt_many(translate_ids(m, test.src_ids)), test.text.refs).score


for prune_embeddings in (True, False):
    pruned = copy.deepcopy(model)
    masks = prune_masks(model_weights(pruned), "class-blind", 0.8, prune_embeddings=prune_embeddings)
    apply_masks(pruned, masks)
    rows = sparsity_report(model_weights(pruned), masks)
    print(f"2. prune_embeddings={prune_embeddings}: BLEU before retraining {bleu(pruned):.1f}; "
          f"{rows[-1].percent:.1f}% of all parameters pruned")
print(format_sparsity_report(rows))
print("   without the embeddings, 80% of the *other* classes go (the ratio counts the classes pruned); the embeddings")
print("   are tiny here (448 weights each), so BLEU barely changes; with a real vocabulary of thousands of pieces")
print("   they are a large share of the weights, and keeping them changes much more")

# --- Exercise 3: retraining without the masks ---------------------------------------------------------------------
pruned = copy.deepcopy(model)
masks = prune_masks(model_weights(pruned), "class-blind", 0.8)
apply_masks(pruned, masks)  # the pruned weights are zero now …
optimizer = Adam(pruned.named_parameters(), lr=config.train.lr / 2)  # … but this optimizer is not told
train_split = dataset.splits["train"]
for batch in make_batches(train_split.src_ids, train_split.tgt_ids, batch_size=32, rng=np.random.default_rng(0))[:20]:
    optimizer.zero_grad()
    loss = pruned.loss(batch)
    loss.backward()
    clip_grad_norm(optimizer.params.values(), 5.0)
    optimizer.step()
parameters = dict(pruned.named_parameters())
revived = sum(int(np.count_nonzero(parameters[name].data[~keep])) for name, keep in masks.items())
total = sum(int((~keep).sum()) for keep in masks.values())
print(f"3. after 20 unmasked updates, {revived:,} of the {total:,} pruned weights are non-zero again "
      f"({revived / total:.0%}): their gradients are not zero, so the optimizer moves them. optimizer.set_masks(masks)"
      " zeroes the gradients before each step and the weights after it")
