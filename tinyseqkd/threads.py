"""How many CPU threads BLAS (numpy's matrix products) and numba kernels may use.

On a 2-core laptop the right number depends on what else runs: measured here, a 2-thread training step ran 19x
slower while another process kept one core busy, and 1 thread was faster than 2. So it is a setting, not a guess:
every command takes ``--threads`` and calls :func:`set_threads` once, before any work.
"""

from __future__ import annotations

import os

_limiter = None  # keeps the threadpoolctl limit alive for the life of the process


def idle_cores() -> int:
    """Cores not busy with other work, judged by the 1-minute load average (at least 1)."""
    cores = os.cpu_count() or 1
    try:
        busy = round(os.getloadavg()[0])
    except OSError:  # no load average on this platform
        busy = 0
    return max(1, min(cores, cores - busy))


def set_threads(n: int | None) -> int:
    """Limit BLAS and numba to ``n`` threads (``None``: the idle cores). Returns the number in force.

    Busy cores are left alone on purpose: a BLAS thread that has to wait for a busy core stalls every matrix
    product it takes part in.
    """
    global _limiter
    import numba
    from threadpoolctl import threadpool_limits

    if n is None:
        n = idle_cores()
    if n < 1:
        raise ValueError(f"--threads must be at least 1, got {n}")
    n = min(n, numba.config.NUMBA_NUM_THREADS)
    _limiter = threadpool_limits(limits=n, user_api="blas")
    numba.set_num_threads(n)
    return n
