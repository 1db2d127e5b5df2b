"""Shared test settings: float32 tolerances and a seeded generator for every test that needs randomness."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded generator: the same numbers in every run."""
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True, scope="session")
def one_thread():
    """Tests use one thread: their matrices are tiny, and results must not depend on the machine's load."""
    from tinyseqkd.threads import set_threads

    set_threads(1)
