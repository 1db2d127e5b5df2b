"""How much the attention attends at initialisation, and how large its first gradient is, for two init scales.

    python scripts/attention_at_init.py [--scales 0.1 0.3] [--batches 4]

For the shipped ``student`` config (2 x 128 on bible-es-en), the same at 2 x 256 (the teacher's size) and 2 x 500
(the paper's students'), and the 1 x 16 student of tutorial 8, a fresh model per
scale (weights uniform in ±scale, seed 1) is run teacher-forced on the first training batches. Printed per model and
scale: the mean over decoder steps of the largest attention weight divided by the uniform weight 1/S (1.0: the
attention is uniform, it attends to nothing), the standard deviation of the attention scores across source positions,
and the norm of the loss's gradient with respect to the attention matrix W_a. ``docs/student-recipe.md`` explains
why these numbers matter: the student recipe's initial scale. The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import json

import numpy as np

from tinyseqkd.config import load_config
from tinyseqkd.data.batching import make_batches
from tinyseqkd.data.corpus import Corpus
from tinyseqkd.data.prepared import encode_corpus, fit_pipeline, prepare
from tinyseqkd.data.synthetic import multimodal_task
from tinyseqkd.model import Seq2Seq
from tinyseqkd.training import model_args_for


def attention_figures(model: Seq2Seq, batch) -> tuple[list[float], list[float]]:
    """Per decoder step: (largest weight × S, sd of the scores over the source), teacher-forced on ``batch``."""
    encoded = model.encode(batch.src, batch.src_lengths)
    embedding_gates = model.embedding_gates(batch.tgt_in)
    h_tilde, states = model.initial_h_tilde(len(batch.src)), encoded.final_states
    peaks, spreads = [], []
    lengths = np.asarray(batch.src_lengths)
    for j in range(batch.tgt_in.shape[1]):
        h_tilde, states, weights = model.decode_step(batch.tgt_in[:, j], h_tilde, states, encoded,
                                                     embedding_gates[:, j])
        w = weights.data
        live = batch.tgt_in[:, j] != 0
        for row in np.flatnonzero(live):
            n = lengths[row]
            peaks.append(float(w[row, :n].max() * n))
            spreads.append(float(np.std(np.log(np.maximum(w[row, :n], 1e-30)))))  # scores up to a constant
    return peaks, spreads


def attention_gradient_norm(model: Seq2Seq, batch) -> float:
    model.zero_grad()
    model.loss(batch).backward()
    return float(np.sqrt(sum(np.sum(parameter.grad ** 2) for name, parameter in model.named_parameters()
                             if name.startswith("attention"))))


def measure(config, data, scale: float, n_batches: int) -> dict:
    model_args = model_args_for(config, data.pipeline)
    model = Seq2Seq(dataclasses.replace(model_args, init_scale=scale), np.random.default_rng([1, 0]))
    model.eval()  # no dropout: the attention as initialised
    train = data.splits["train"]
    batches = make_batches(train.src_ids, train.tgt_ids, batch_size=config.train.batch_size,
                           rng=np.random.default_rng(1))[:n_batches]
    peaks, spreads = [], []
    for batch in batches:
        p, s = attention_figures(model, batch)
        peaks += p
        spreads += s
    gradient = np.mean([attention_gradient_norm(model, batch) for batch in batches])
    return {"peak_over_uniform": round(float(np.mean(peaks)), 3), "score_sd": float(f"{np.mean(spreads):.3g}"),
            "attention_gradient_norm": float(f"{gradient:.3g}")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 0.3])
    parser.add_argument("--batches", type=int, default=4)
    args = parser.parse_args()
    bible = load_config("student", [])
    toy = load_config("toy-reverse", ["--model.hidden_size=16", "--model.embedding_size=8"])
    toy_corpus = Corpus("synthetic:multimodal", "src", "tgt", multimodal_task(
        n_train=6000, n_valid=100, n_test=200, alphabet_size=6, min_len=3, max_len=4,
        variant_probs=(0.6, 0.25, 0.15), seed=0))
    bible_data = prepare(bible.data, 1)
    wider = {f"2 x {size} (bible-es-en{note})": (load_config("student", [f"--model.hidden_size={size}",
                                                                      f"--model.embedding_size={size}"]), bible_data)
             for size, note in ((256, ", the teacher config's size"), (500, ", the paper's student size"))}
    models = {"2 x 128 (student config, bible-es-en)": (bible, bible_data), **wider,
              "1 x 16 (tutorial 8, multimodal toy)": (toy, encode_corpus(toy_corpus, fit_pipeline(
                  toy.data, toy_corpus.splits["train"])))}
    results = {}
    print(f"{'model':52s} {'init':>5s} {'peak / uniform':>14s} {'score sd':>9s} {'|grad W_a|':>11s}")
    for name, (config, data) in models.items():
        for scale in args.scales:
            figures = measure(config, data, scale, args.batches)
            results.setdefault(name, {})[str(scale)] = figures
            print(f"{name:52s} {scale:5.2f} {figures['peak_over_uniform']:14.3f} {figures['score_sd']:9.2e} "
                  f"{figures['attention_gradient_norm']:11.2e}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
