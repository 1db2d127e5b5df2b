"""Hand-written numba kernels for the hot loops, each beside a short numpy twin that a test holds it equal to.

Read after the model they speed up. One module per computation, each laid out the same way: the numpy twins
(readable), the numba kernels (fast), and a dispatcher that the model calls, which picks one of the two::

    lstm.py       the LSTM cell's pointwise half, forward and backward       (nn/lstm.py: LSTMStep)
    attention.py  one step of Luong attention over a padded batch           (nn/attention.py: AttentionStep)
    softmax.py    log-softmax over the vocabulary, forward and backward     (autograd/fused.py: LogSoftmax)
    scatter.py    scatter-add of rows: an embedding lookup's backward       (autograd/shapes.py: GetItem)
    beam.py       one step of batched beam search                           (decoding.py: beam_search)
    word_kd.py    the Word-KD loss and its gradient, row by row             (distill/word_kd_output.py)
    fastexp.py    the vectorised exp that the float32 kernels use
    switch.py     the one switch: ``TINYSEQKD_KERNELS=numpy`` or ``use_kernels("numpy")`` runs every twin

Every kernel is a plain Python loop compiled by :func:`kernel` — the one place where ``numba.njit`` is applied.
To step through a kernel's loops in a debugger, run with ``NUMBA_DISABLE_JIT=1``: the same loops then run as
ordinary (slow) Python. That is not the numpy path: to *read* what a kernel computes, run on the twins instead.
Compiled code is cached on disk (``cache=True``), so only the first run after installing pays for compilation.

Division follows numpy's rules (``error_model="numpy"``: x / 0 gives inf or nan, as in numpy) rather than Python's
(raise ZeroDivisionError), because the check Python's rule needs stops LLVM from vectorising any loop that divides:
measured 7x slower on a loop of 65,000 divisions.

Every kernel runs on one thread. Splitting the rows among threads (``numba.prange``) halves a kernel alone
(log-softmax of 2,240 × 4,708 scores: 12.5 → 6.9 ms), but in a decoding or training step the kernels alternate with
BLAS matrix products, and the two thread pools then hand the cores back and forth: measured with an LSTM cell of
320 × 256 after its product, 1.40 ms serial against 1.29 ms (OpenMP, passive waiting) or 1.54 ms (numba's
workqueue), and 8.7 ms with OpenMP's default spinning. BLAS keeps both cores; the kernels take their turn.

Two floating-point liberties are allowed (``reassoc``: sums may be reordered, so that a loop adding up a row runs
8 lanes at a time; ``contract``: a*b + c may become one fused multiply-add). The others that ``fastmath=True`` would
add — assuming no NaN or infinity — are not: a NaN must stay a NaN so that training can notice it.
"""

import numba

from tinyseqkd.kernels.switch import kernels_in_use, use_kernels

__all__ = ["kernel", "kernels_in_use", "use_kernels"]

FLOAT_LIBERTIES = {"reassoc", "contract"}


def kernel(function):
    """Compile a loop kernel with numba: no Python objects inside, results cached between runs."""
    return numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=FLOAT_LIBERTIES)(function)
