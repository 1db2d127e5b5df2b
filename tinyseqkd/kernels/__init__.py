"""Hand-written numba kernels for the hot loops, each beside a short numpy twin that a test holds it equal to.

Every kernel here is a plain Python loop compiled by :func:`kernel` — the one place where ``numba.njit`` is applied.
To step through a kernel in a debugger, run with ``NUMBA_DISABLE_JIT=1``: the same loops then run as ordinary
(slow) Python. Compiled code is cached on disk (``cache=True``), so only the first run after installing pays for
compilation.

Division follows numpy's rules (``error_model="numpy"``: x / 0 gives inf or nan, as in numpy) rather than Python's
(raise ZeroDivisionError), because the check Python's rule needs stops LLVM from vectorising any loop that divides:
measured 7x slower on a loop of 65,000 divisions.

Two floating-point liberties are allowed (``reassoc``: sums may be reordered, so that a loop adding up a row runs
8 lanes at a time; ``contract``: a*b + c may become one fused multiply-add). The others that ``fastmath=True`` would
add — assuming no NaN or infinity — are not: a NaN must stay a NaN so that training can notice it.
"""

import numba

FLOAT_LIBERTIES = {"reassoc", "contract"}


def kernel(function):
    """Compile a loop kernel with numba: no Python objects inside, results cached between runs."""
    return numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=FLOAT_LIBERTIES)(function)
