"""Shared test settings: float32 tolerances and a seeded generator for every test that needs randomness."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded generator: the same numbers in every run."""
    return np.random.default_rng(1234)
