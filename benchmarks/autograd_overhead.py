"""How much the autograd costs: Python overhead per graph node, and one LSTM forward+backward.

    python benchmarks/autograd_overhead.py [--threads N] [--repeats R]

1. Overhead per node: a chain of elementwise ops on 1-element tensors, where the arithmetic is free, so the time is
   what recording a node and walking it backward costs in Python (µs per node, forward and forward+backward).
2. A 2-layer, 256-unit LSTM (input 256) over a batch of 64 × 20 steps: one forward and one forward+backward,
   median of repeated runs after a warm-up.

Benchmarks need a quiet machine: the load average is printed beside the figures. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np


def median_seconds(fn, repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def overhead_per_node(repeats: int) -> dict:
    from tinyseqkd.autograd import Tensor

    nodes = 1000
    x = Tensor([0.5], requires_grad=True)

    def chain():
        y = x
        for _ in range(nodes // 2):
            y = (y * 1.0001) + 0.0001
        return y

    forward = median_seconds(chain, repeats)
    both = median_seconds(lambda: chain().sum().backward(), repeats)
    return {"forward_us_per_node": forward / nodes * 1e6, "forward_backward_us_per_node": both / nodes * 1e6}


def lstm_timing(repeats: int) -> dict:
    from tinyseqkd.autograd import Tensor
    from tinyseqkd.nn import LSTM

    rng = np.random.default_rng(0)
    lstm = LSTM(256, 256, num_layers=2, rng=rng)
    x = Tensor(rng.standard_normal((64, 20, 256)))
    mask = np.ones((64, 20), np.float32)
    weights = rng.standard_normal((64, 20, 256)).astype(np.float32)

    def forward():
        return lstm(x, mask)[0]

    def forward_backward():
        lstm.zero_grad()
        (forward() * weights).sum().backward()

    return {
        "lstm_forward_ms": median_seconds(forward, repeats) * 1e3,
        "lstm_forward_backward_ms": median_seconds(forward_backward, repeats) * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    from tinyseqkd.threads import set_threads

    threads = set_threads(args.threads)
    load = os.getloadavg()[0]
    results = {"threads": threads, "load_average_1min": round(load, 2)}
    results.update(overhead_per_node(args.repeats))
    results.update(lstm_timing(args.repeats))
    print(f"threads {threads}, load average {load:.2f}")
    print(f"autograd overhead: {results['forward_us_per_node']:.1f} µs per node forward, "
          f"{results['forward_backward_us_per_node']:.1f} µs per node forward+backward (1-element tensors)")
    print(f"2-layer 256-unit LSTM, batch 64 x 20 steps: forward {results['lstm_forward_ms']:.1f} ms, "
          f"forward+backward {results['lstm_forward_backward_ms']:.1f} ms")
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()}))


if __name__ == "__main__":
    main()
