"""Worked solutions to the exercises of tutorial 6 (numba kernels and their numpy twins)."""

import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from tinyseqkd.kernels import kernel, use_kernels
from tinyseqkd.kernels.lstm import (lstm_cell_backward, lstm_cell_backward_numpy, lstm_cell_forward,
                                   lstm_cell_forward_numpy)
from tinyseqkd.kernels.softmax import log_softmax_forward_numpy
from tinyseqkd.threads import set_threads

set_threads(1)
rng = np.random.default_rng(0)

# --- Exercise 1: the whole tutorial on the twins --------------------------------------------------------------------
tutorial = Path(__file__).resolve().parent.parent / "06_kernels.py"
run = subprocess.run([sys.executable, str(tutorial), "--quick"], capture_output=True, text=True, check=True,
                     env={**os.environ, "TINYSEQKD_KERNELS": "numpy"})
print("1.", [line for line in run.stdout.splitlines() if line.startswith("kernels in use")])
print("   only these two lines change (and \"kernels\" on the last, JSON line): sections 2-4 choose their path")
print("   themselves with use_kernels(...), and the blocks give back the choice made before them — numpy, from the")
print("   environment")


# --- Exercise 2: a numba kernel for the softmax probabilities ------------------------------------------------------
@kernel
def softmax_kernel(x, p):
    """p[n, k] = e^(x[n, k] − m_n) / Σ_j e^(x[n, j] − m_n), row by row, writing into p."""
    N, V = x.shape
    for n in range(N):
        top = x[n, 0]
        for k in range(1, V):
            top = max(top, x[n, k])
        total = 0.0
        for k in range(V):
            p[n, k] = math.exp(x[n, k] - top)
            total += p[n, k]
        for k in range(V):
            p[n, k] /= total


x = rng.standard_normal((64, 1000)) * 3
p = np.empty_like(x)
softmax_kernel(x, p)
twin = np.exp(log_softmax_forward_numpy(x))
print(f"2. largest difference from the twin: {np.abs(p - twin).max():.1e}; rows sum to 1: "
      f"{np.allclose(p.sum(axis=1), 1.0)}")

# --- Exercise 3: the LSTM cell's pointwise kernel against its twin -------------------------------------------------
B, H = 64, 256
a = rng.standard_normal((B, 4 * H)).astype(np.float32)
c_prev = rng.standard_normal((B, H)).astype(np.float32)
h, c, gates, tanh_c = lstm_cell_forward_numpy(a, c_prev)
dh, dc = rng.standard_normal((2, B, H)).astype(np.float32)
calls = {"forward": (lstm_cell_forward, lstm_cell_forward_numpy, (a, c_prev)),
         "backward": (lstm_cell_backward, lstm_cell_backward_numpy, (dh, dc, gates, c_prev, c))}
for direction, (dispatcher, twin, arguments) in calls.items():
    with use_kernels("numba"):
        dispatcher(*arguments)  # compiled (or loaded from the cache) once, before timing
    best = {"kernel": float("inf"), "twin": float("inf")}
    for _ in range(50):  # alternating, best of 50 each
        for name in best:
            start = time.perf_counter()
            with use_kernels("numba" if name == "kernel" else "numpy"):
                dispatcher(*arguments)
            best[name] = min(best[name], time.perf_counter() - start)
    print(f"3. LSTM cell {direction:8s} B = {B}, H = {H}: kernel {1e6 * best['kernel']:.0f} µs, twin "
          f"{1e6 * best['twin']:.0f} µs — {best['twin'] / best['kernel']:.1f}x")
print("   the backward gains most (numpy makes a dozen temporary arrays there); the forward's numpy is mostly "
      "vectorised tanh already")
