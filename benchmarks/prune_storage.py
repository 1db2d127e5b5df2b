"""How to store a pruned matrix: uint32 flat indices vs a packed bitmask (vs zlib over the dense array).

    python benchmarks/prune_storage.py [--size 1000]

A size × size float32 matrix, uniform in ±0.1 like a fresh model, pruned by magnitude at 50, 80 and 90%, written
as an uncompressed ``.npz`` four ways: dense; (uint32 flat indices, values, shape); (bitmask, values, shape) —
what :mod:`tinyseqkd.prune.sparse` does; and dense through ``numpy.savez_compressed``. Sizes are exact; the
seconds (median of 5, one write into memory) depend on the machine's load, printed beside them. The last line is
one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import time

import numpy as np

from tinyseqkd.prune.sparse import save_arrays


def written(write) -> tuple[int, float]:
    """(bytes, median seconds) of ``write(buffer)``."""
    times, size = [], 0
    for _ in range(5):
        buffer = io.BytesIO()
        start = time.perf_counter()
        write(buffer)
        times.append(time.perf_counter() - start)
        size = len(buffer.getvalue())
    return size, statistics.median(times)


def save_indices(file, array: np.ndarray) -> None:
    flat = array.ravel()
    kept = np.flatnonzero(flat)
    np.savez(file, i=kept.astype(np.uint32), v=flat[kept], s=np.array(array.shape, dtype=np.int64))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    args = parser.parse_args()
    weights = np.random.default_rng(0).uniform(-0.1, 0.1, (args.size, args.size)).astype(np.float32)
    results = {"load_average": os.getloadavg()[0], "entries": weights.size}
    dense, dense_seconds = written(lambda f: np.savez(f, w=weights))
    print(f"load average {results['load_average']:.2f}; {weights.size:,} float32 entries, dense {dense:,} bytes "
          f"({dense_seconds * 1e3:.1f} ms)")
    for sparsity in (0.5, 0.8, 0.9):
        pruned = weights.copy()
        pruned[np.abs(pruned) < np.quantile(np.abs(pruned), sparsity)] = 0.0
        ways = {
            "uint32 indices": lambda f: save_indices(f, pruned),
            "bitmask": lambda f: save_arrays(f, {"w": pruned}),
            "zlib dense": lambda f: np.savez_compressed(f, w=pruned),
        }
        row = {}
        for name, write in ways.items():
            size, seconds = written(write)
            row[name] = {"bytes": size, "of_dense": round(size / dense, 3), "ms": round(seconds * 1e3, 1)}
            print(f"{sparsity:.0%} pruned  {name:<15} {size:>10,} bytes  {size / dense:5.3f} of dense  "
                  f"{seconds * 1e3:7.1f} ms")
        results[f"{sparsity:.0%}"] = row
    print(json.dumps(results))


if __name__ == "__main__":
    main()
