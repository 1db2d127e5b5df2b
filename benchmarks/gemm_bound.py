"""How close a training step comes to its matrix products alone: the step's "GEMM bound".

    python benchmarks/gemm_bound.py [--config teacher] [--threads 2] [--steps 10]

A training step of the attentional LSTM is mostly matrix products. This script lists every product one update of
``Seq2Seq`` computes (forward and backward, the shapes of each real batch) and times them with numpy alone, at
the same threads: the time the step would take if everything else — the LSTM and attention kernels, the
log-softmax, the autograd, Python — cost nothing. The step itself is timed on the same batches (median), and the
ratio step ÷ bound printed (issue 14's target: at most 1.25 for the teacher).

The products, for a batch of B sentences, padded source length S and target length T (E embedding, H hidden, V
target vocabulary, L layers); each forward product x·W has two backward ones, dx = g·Wᵀ and dW = xᵀ·g, and a
weight used at every step gets its dW as one product over all steps (``autograd/accumulate.py``)::

    encoder layer l      (B·S, E or H) · (E or H, 4H) once; S × (B, H) · (H, 4H)
    decoder layer 0      (B·T, E) · (E, 4H) once; T × (B, H) · (H, 4H) for h̃ (input feeding) and for h
    decoder layer l > 0  T × (B, H) · (H, 4H) twice (input and recurrent)
    attention            (B·S, H) · (H, H) once (the keys); T × (B, S, H) scores and contexts (batched)
    combine, output      T × (B, 2H) · (2H, H); (N, H) · (H, V) for the N real (unpadded) target positions

The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from train_speed import ours, read_batches, write_batches  # noqa: E402


def forward_products(B: int, S: int, T: int, E: int, H: int, V: int, L: int, N: int) -> list[tuple]:
    """(count, (m, k), (k, n), per_step) for every forward product of one update (module docstring)."""
    products = []
    for layer in range(L):
        products += [(1, (B * S, E if layer == 0 else H), (E if layer == 0 else H, 4 * H), False),
                     (S, (B, H), (H, 4 * H), True)]
    products += [(1, (B * T, E), (E, 4 * H), False), (T, (B, H), (H, 4 * H), True), (T, (B, H), (H, 4 * H), True)]
    products += [(2 * T, (B, H), (H, 4 * H), True)] * (L - 1)
    products += [(1, (B * S, H), (H, H), False), (T, (B, 2 * H), (2 * H, H), True), (1, (N, H), (H, V), False)]
    return products


def time_products(B, S, T, E, H, V, L, N, rng) -> float:
    """Seconds for every product of one update, forward and backward, with numpy (module docstring)."""
    total = 0.0
    for count, (m, k), (_, n), per_step in forward_products(B, S, T, E, H, V, L, N):
        x, w, g = (rng.standard_normal(shape).astype(np.float32) for shape in ((m, k), (k, n), (m, n)))
        total += count * _seconds(lambda: x @ w)  # forward
        total += count * _seconds(lambda: g @ w.T)  # dx
        if per_step:  # dW once over all steps: (k, count·m) · (count·m, n)
            xs, gs = np.tile(x, (count, 1)), np.tile(g, (count, 1))
            total += _seconds(lambda: xs.T @ gs)
        else:
            total += _seconds(lambda: x.T @ g)
    # attention: per step, scores (B, 1, H)·(B, H, S) and contexts (B, 1, S)·(B, S, H), each with two backward ones
    q, keys, a = (rng.standard_normal(shape).astype(np.float32) for shape in ((B, 1, H), (B, H, S), (B, 1, S)))
    memory = keys.transpose(0, 2, 1).copy()
    total += 3 * T * (_seconds(lambda: q @ keys) + _seconds(lambda: a @ memory))
    return total


def _seconds(run, repeats: int = 5) -> float:
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="teacher")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10, help="timed updates (after 2 warm-up)")
    args = parser.parse_args()

    from tinyseqkd.threads import set_threads

    set_threads(args.threads)
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        shape = write_batches(args.config, args.steps + 2, Path(tmp) / "batches.npz")
        batches = read_batches(Path(tmp) / "batches.npz")
    step_seconds = ours(shape, batches, profile=False)  # the timed updates, batches[2:]
    rng = np.random.default_rng(0)
    E, H, V, L = shape["embedding_size"], shape["hidden_size"], shape["tgt_vocab_size"], shape["layers"]
    bounds = [time_products(len(b["src"]), b["src"].shape[1], b["tgt_in"].shape[1], E, H, V, L,
                            int(b["tgt_mask"].sum()), rng) for b in batches[2:]]
    ratios = [step / bound for step, bound in zip(step_seconds, bounds)]
    results = {"config": args.config, "threads": args.threads, "load_average_start": load_start,
               "median_step_s": statistics.median(step_seconds), "median_gemm_bound_s": statistics.median(bounds),
               "median_step_over_bound": statistics.median(ratios), "load_average_end": os.getloadavg()[0]}
    print(f"{args.config}, {args.threads} thread(s), load {load_start:.2f} → {results['load_average_end']:.2f}: "
          f"step {results['median_step_s'] * 1000:.0f} ms, its matrix products alone "
          f"{results['median_gemm_bound_s'] * 1000:.0f} ms, step ÷ bound {results['median_step_over_bound']:.2f} "
          f"(median over {len(ratios)} batches)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
