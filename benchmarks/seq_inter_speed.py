"""Seq-Inter selection speed (Kim & Rush 2016, Sec. 3.3): smoothed sentence BLEU of a K-best list against the gold.

    python benchmarks/seq_inter_speed.py [--k 35] [--sentences 28846] [--length 30]

Times :func:`tinyseqkd.distill.seq_inter.select_closest` over ``--sentences`` synthetic K-best lists of about
``--length`` tokens each (the paper's K = 35; 28,846 is the size of bible-es-en's training split). The hypotheses
are noisy copies of the reference, as a teacher's would be: most n-grams shared, some not. One process, one core.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np


def synthetic_kbest(rng, k: int, length: int, vocabulary: int = 8000):
    reference = rng.integers(4, vocabulary, rng.integers(length // 2, 2 * length)).tolist()
    kbest = []
    for _ in range(k):
        hypothesis = [w if rng.random() > 0.25 else int(rng.integers(4, vocabulary)) for w in reference]
        cut = int(rng.integers(-3, 4))
        kbest.append(hypothesis[:cut] if cut < 0 else hypothesis + reference[:cut])
    return kbest, reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--k", type=int, default=35)
    parser.add_argument("--sentences", type=int, default=28846)
    parser.add_argument("--length", type=int, default=30)
    args = parser.parse_args()

    from tinyseqkd.distill.seq_inter import select_closest

    rng = np.random.default_rng(0)
    data = [synthetic_kbest(rng, args.k, args.length) for _ in range(args.sentences)]
    tokens = sum(len(h) for kbest, _ in data for h in kbest)
    load_start = os.getloadavg()[0]
    start = time.perf_counter()
    chosen = [select_closest(kbest, reference) for kbest, reference in data]
    seconds = time.perf_counter() - start
    scores = len(data) * args.k
    print(f"{scores:,} sentence BLEU scores ({tokens:,} hypothesis tokens) in {seconds:.1f} s: "
          f"{scores / seconds:,.0f} scores/s; load average {load_start:.2f} → {os.getloadavg()[0]:.2f}")
    print(json.dumps({"k": args.k, "sentences": args.sentences, "seconds": seconds, "scores_per_s": scores / seconds,
                      "hypothesis_tokens": tokens, "mean_choice": float(np.mean(chosen)),
                      "load_average_start": load_start, "load_average_end": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
