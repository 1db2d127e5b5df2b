"""The fused log-softmax equals its composed twin and passes gradcheck (affine is in the op table); the table of
every Function in tinyseqkd stays true."""

import importlib
import pkgutil
import re

import numpy as np
import pytest

import tinyseqkd
from tinyseqkd import autograd
from tinyseqkd.autograd import Function, Tensor, gradcheck
from tinyseqkd.autograd import functional as F
from tinyseqkd.autograd.fused import log_softmax

pytestmark = pytest.mark.ch01_autograd


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_log_softmax_equals_the_composed_one_and_passes_gradcheck(dtype, rng):
    x = (rng.standard_normal((2, 3, 7)) * 3).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(log_softmax(Tensor(x, dtype=dtype)).data,
                               F.log_softmax_composed(Tensor(x, dtype=dtype)).data, **tol)
    assert gradcheck(log_softmax, x.astype(np.float64))


def test_there_is_one_log_softmax():
    assert F.log_softmax is log_softmax
    with pytest.raises(ValueError, match="last axis"):
        log_softmax(Tensor(np.zeros((2, 3))), axis=0)


# ----------------------------------------------------------------------------------- the table of every Function
def _all_functions() -> dict[str, str]:
    """Every Function subclass that tinyseqkd defines, name → module (after importing every module)."""
    for module in pkgutil.walk_packages(tinyseqkd.__path__, "tinyseqkd."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found, todo = {}, [Function]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("tinyseqkd."):
                found[sub.__name__] = sub.__module__
    return found


def _table_in_the_docstring() -> dict[str, str]:
    rows = re.findall(r"^(\w+)\s+(tinyseqkd\.[\w.]+)\s", autograd.__doc__, flags=re.MULTILINE)
    assert len(rows) == len(dict(rows)), "a Function is listed twice"
    return dict(rows)


def test_the_table_of_functions_lists_every_function_and_where_it_lives():
    assert _table_in_the_docstring() == _all_functions()
