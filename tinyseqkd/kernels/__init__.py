"""Hand-written numba kernels for the hot loops, each beside a short numpy twin that a test holds it equal to.

Every kernel here is a plain Python loop compiled by :func:`kernel` — the one place where ``numba.njit`` is applied.
To step through a kernel in a debugger, run with ``NUMBA_DISABLE_JIT=1``: the same loops then run as ordinary
(slow) Python. Compiled code is cached on disk (``cache=True``), so only the first run after installing pays for
compilation.
"""

import numba


def kernel(function):
    """Compile a loop kernel with numba: no Python objects inside, results cached between runs."""
    return numba.njit(cache=True, nogil=True)(function)


def parallel_kernel(function):
    """Like :func:`kernel`, for loops whose outer ``numba.prange`` may run on several threads."""
    return numba.njit(cache=True, nogil=True, parallel=False, fastmath=True)(function)
