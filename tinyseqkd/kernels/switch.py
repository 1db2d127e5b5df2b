"""The one switch between the numba kernels (fast) and their numpy twins (readable).

Every hot computation of the model — the LSTM cell, one attention step, log-softmax over the vocabulary, the
scatter-add behind an embedding's gradient, and one step of beam search — exists twice in ``tinyseqkd.kernels``: a
numba loop and a numpy twin that says the same thing in a few array expressions, forward and backward. This switch
decides which of the two every call runs::

    TINYSEQKD_KERNELS=numpy python -m pytest tests/model      # a whole run on the twins, from the environment

    from tinyseqkd.kernels import use_kernels, kernels_in_use
    use_kernels("numpy")                                        # from here on
    with use_kernels("numpy"):                                  # or only inside a block
        loss = model.loss(batch)

The environment variable is read once, when tinyseqkd is imported; the default is ``numba``. Each kernel module
has a small *dispatcher* (``lstm_cell_forward``, ``attention_forward``, ``log_softmax_forward``,
``scatter_add_rows``, ``beam_step``, …) that reads the switch at every call — one attribute lookup, nothing more —
so the model code never names a path.

This is not the same as ``NUMBA_DISABLE_JIT=1``: that runs the numba *loops* as plain Python (to step through a
kernel in a debugger, slowly), while the twins are different, vectorised numpy code written to be read.
"""

from __future__ import annotations

import os

from tinyseqkd.errors import ConfigError

ENVIRONMENT_VARIABLE = "TINYSEQKD_KERNELS"
CHOICES = ("numba", "numpy")

numba_on = True  # what the dispatchers read at every call; change it only through use_kernels()


def kernels_in_use() -> str:
    """``"numba"`` or ``"numpy"``: which implementation every kernel call runs now."""
    return "numba" if numba_on else "numpy"


def use_kernels(name: str) -> "_Restore":
    """Send every kernel call to ``"numba"`` or to the ``"numpy"`` twins, from now on.

    Returns a context manager that puts the previous choice back when its block ends, so that
    ``with use_kernels("numpy"): ...`` switches for the block only.
    """
    global numba_on
    if name not in CHOICES:
        raise ValueError(f"kernels must be one of {', '.join(CHOICES)}, got {name!r}")
    previous = kernels_in_use()
    numba_on = name == "numba"
    return _Restore(previous)


class _Restore:
    """Returned by :func:`use_kernels`: on leaving a ``with`` block, the choice made before it comes back."""

    def __init__(self, previous: str):
        self.previous = previous

    def __enter__(self) -> "_Restore":
        return self

    def __exit__(self, *exception) -> None:
        use_kernels(self.previous)


def choice_from_environment(environ=os.environ) -> str:
    """The choice ``TINYSEQKD_KERNELS`` asks for (unset or empty: numba); a wrong value is a clear error."""
    value = environ.get(ENVIRONMENT_VARIABLE, "").strip().lower() or "numba"
    if value not in CHOICES:
        raise ConfigError(f"the environment variable {ENVIRONMENT_VARIABLE}={environ[ENVIRONMENT_VARIABLE]!r} "
                          f"must be one of: {', '.join(CHOICES)} (or unset, for numba)")
    return value


use_kernels(choice_from_environment())
