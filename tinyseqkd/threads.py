"""How many CPU threads BLAS (numpy's matrix products) and numba kernels may use.

On a 2-core laptop the right number depends on what else runs: measured here, a 2-thread training step ran 19x
slower while another process kept one core busy, and 1 thread was faster than 2. So it is a setting, not a guess:
every command takes ``--threads`` and calls :func:`set_threads` once, before any work.
"""

from __future__ import annotations

import os

_limiter = None  # keeps the threadpoolctl limit alive for the life of the process


def set_threads(n: int | None) -> int:
    """Limit BLAS and numba to ``n`` threads (``None``: all cores). Returns the number in force."""
    global _limiter
    import numba
    from threadpoolctl import threadpool_limits

    cores = os.cpu_count() or 1
    if n is None:
        n = cores
    if n < 1:
        raise ValueError(f"--threads must be at least 1, got {n}")
    n = min(n, numba.config.NUMBA_NUM_THREADS)
    _limiter = threadpool_limits(limits=n, user_api="blas")
    numba.set_num_threads(n)
    return n
