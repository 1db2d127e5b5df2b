"""The one switch between numba kernels and numpy twins: its setting, its scope, and that every kernel obeys it."""

import os
import subprocess
import sys

import numpy as np
import pytest

from kernel_paths import path_functions, running_only
from tinyseqkd.errors import ConfigError
from tinyseqkd.kernels import kernels_in_use, use_kernels
from tinyseqkd.kernels.switch import choice_from_environment

pytestmark = [pytest.mark.ch04_model, pytest.mark.ch06_kernels]


def test_the_environment_variable_chooses_the_path_when_tinyseqkd_is_imported():
    code = "from tinyseqkd.kernels import kernels_in_use; print(kernels_in_use())"
    env = dict(os.environ, TINYSEQKD_KERNELS="numpy")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "numpy"


@pytest.mark.parametrize("value, expected", [(None, "numba"), ("", "numba"), ("numba", "numba"),
                                             ("numpy", "numpy"), (" NumPy ", "numpy")])
def test_values_of_the_environment_variable(value, expected):
    environ = {} if value is None else {"TINYSEQKD_KERNELS": value}
    assert choice_from_environment(environ) == expected


def test_a_wrong_value_names_the_variable_and_the_choices():
    with pytest.raises(ConfigError, match=r"TINYSEQKD_KERNELS='cuda' must be one of: numba, numpy"):
        choice_from_environment({"TINYSEQKD_KERNELS": "cuda"})
    with pytest.raises(ValueError, match="numba, numpy"):
        use_kernels("fast")


def test_use_kernels_sets_the_path_and_a_with_block_puts_the_old_one_back():
    before = kernels_in_use()
    with use_kernels("numpy"):
        assert kernels_in_use() == "numpy"
        with use_kernels("numba"):
            assert kernels_in_use() == "numba"
        assert kernels_in_use() == "numpy"
    assert kernels_in_use() == before
    previous = use_kernels("numpy")  # without a block: from now on
    try:
        assert kernels_in_use() == "numpy"
    finally:
        use_kernels(previous.previous)
    assert kernels_in_use() == before


def test_every_kernel_has_a_twin():
    kernels = {name[:-len("_kernel")] for _, name in path_functions("numba")}
    twins = {name[:-len("_numpy")] for _, name in path_functions("numpy")}
    assert kernels == twins and len(kernels) == 10, (kernels, twins)


@pytest.mark.parametrize("path", ["numba", "numpy"])
def test_embedding_gradients_take_the_chosen_path(path):
    from tinyseqkd.nn import Embedding

    embedding = Embedding(5, 3, np.random.default_rng(0))
    with running_only(path) as calls:
        (embedding(np.array([[1, 2, 2]])) * 2.0).sum().backward()
    assert calls == {f"scatter_add_rows{'_kernel' if path == 'numba' else '_numpy'}": 1}
    np.testing.assert_array_equal(embedding.weight.grad[:, 0], [0, 2, 4, 0, 0])
