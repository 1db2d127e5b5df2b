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

# --- Exercise 1: 25% of section 1's weights ---------------------------------------------------------------------
weights = {"attention.W_a": np.array([[0.01, -0.02], [0.04, -0.08]]),
           "generator.weight": np.array([[0.9, -0.3], [0.5, -1.2]])}
# By hand: 25% of 8 weights is 2. class-blind: the 2 smallest |w| of all: 0.01 and 0.02 (both W_a).
# class-uniform: 25% of each class of 4 is 1: W_a's 0.01 and W_o's 0.3.
# class-distribution: the 2 smallest |w| / σ_class. σ(W_a) ≈ 0.044, σ(W_o) ≈ 0.80, so the scores are
# W_a: 0.23, 0.45, 0.9, 1.8 and W_o: 1.12, 0.37, 0.62, 1.49 → 0.01 (W_a) and 0.3 (W_o), like class-uniform.
for name, values in weights.items():
    print(f"1. {name}: σ = {values.std():.3f}, |w| / σ = {np.round(np.abs(values) / values.std(), 2).tolist()}")
for scheme in ("class-blind", "class-uniform", "class-distribution"):
    masks = prune_masks(weights, scheme, 0.25)
    gone = [float(v) for name in weights for v in weights[name][~masks[name]]]
    print(f"   {scheme:19s} prunes {gone}")
print("   at 25% the per-class rules agree; they part where one class's σ is far from its typical |w|")

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
