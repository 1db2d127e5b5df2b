"""Run a block of code on one kernel path only, and see which of that path's functions it called.

``running_only("numpy")`` switches every kernel to its numpy twin (``tinyseqkd.kernels.use_kernels``) and, for the
block, replaces each numba kernel by a function that fails the test: code that bypasses the switch is caught.
``running_only("numba")`` does the same the other way round. Each of the chosen path's functions is counted.
"""

from collections import Counter
from contextlib import contextmanager

from tinyseqkd.kernels import attention, beam, lstm, scatter, softmax, use_kernels, word_kd

KERNEL_MODULES = (lstm, attention, softmax, scatter, beam, word_kd)
SUFFIX = {"numba": "_kernel", "numpy": "_numpy"}  # every public kernel and twin is named so


def path_functions(path: str) -> list[tuple[object, str]]:
    """(module, name) of every public function of one path, e.g. lstm_cell_forward_kernel for numba."""
    return [(module, name) for module in KERNEL_MODULES for name in vars(module)
            if name.endswith(SUFFIX[path]) and not name.startswith("_")]


@contextmanager
def running_only(path: str):
    """Yields a Counter, name → calls, of the chosen path's functions during the block."""
    other = "numpy" if path == "numba" else "numba"
    calls, originals = Counter(), []

    def counted(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return wrapper

    def forbidden(name):
        def fail(*args, **kwargs):
            raise AssertionError(f"{name} ran although the kernels are set to {path}")
        return fail

    with use_kernels(path):
        try:
            for module, name in path_functions(path) + path_functions(other):
                originals.append((module, name, getattr(module, name)))
            for module, name in path_functions(path):
                setattr(module, name, counted(name, getattr(module, name)))
            for module, name in path_functions(other):
                setattr(module, name, forbidden(name))
            yield calls
        finally:
            for module, name, function in originals:
                setattr(module, name, function)
