"""Scatter-add of rows: the backward of an embedding lookup (``weight[ids]``), as a numba kernel.

The lookup gathers rows; its gradient adds each looked-up row's gradient back into the row it came from, and an id
that occurs n times receives the sum of n gradients. numpy's ``np.add.at`` does exactly that (the twin below) but
with a slow general-purpose loop: measured on an 8000 × 256 table and 1,600 ids, 5.2 ms against 0.1 ms here.
``GetItem`` (``tinyseqkd.autograd.shapes``) calls the dispatcher :func:`scatter_add_rows`.
"""

from __future__ import annotations

import numpy as np

from tinyseqkd.kernels import kernel, switch


def scatter_add_rows_numpy(table: np.ndarray, ids: np.ndarray, rows: np.ndarray) -> None:
    """table[ids[n]] += rows[n] for every n, repeated ids summed. table: (V, D), ids: (N,), rows: (N, D)."""
    np.add.at(table, ids, rows)


@kernel
def scatter_add_rows_kernel(table, ids, rows):
    """Loop version of :func:`scatter_add_rows_numpy`."""
    N, D = rows.shape
    for n in range(N):
        row = ids[n]
        for d in range(D):
            table[row, d] += rows[n, d]


def scatter_add_rows(table: np.ndarray, ids: np.ndarray, rows: np.ndarray) -> None:
    """table[ids[n]] += rows[n], by the path the switch chooses (rows C-contiguous, of table's dtype)."""
    if switch.numba_on:
        scatter_add_rows_kernel(table, ids, rows)
    else:
        scatter_add_rows_numpy(table, ids, rows)
