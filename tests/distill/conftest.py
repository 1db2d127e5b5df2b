"""A tiny teacher trained through the command line once per session, and its distilled corpora (``tinyseqkd
distill``): the inputs of the end-to-end distillation tests (settings in ``recipe_helpers.py``)."""

import pytest

from recipe_helpers import BEAM, KBEST, TEACHER, cli


@pytest.fixture(scope="session")
def teacher(tmp_path_factory):
    """The teacher's run directory (its best.npz is the teacher)."""
    run = tmp_path_factory.mktemp("teacher") / "run"
    assert cli("train", "toy-reverse", "--out", run, *TEACHER) == 0
    return run


@pytest.fixture(scope="session")
def beam_targets(teacher, tmp_path_factory):
    """Seq-KD targets (Sec. 3.2): the teacher's beam output over its training source."""
    out = tmp_path_factory.mktemp("distilled") / "beam"
    assert cli("distill", "-m", teacher, "--out", out, *BEAM) == 0
    return out


@pytest.fixture(scope="session")
def kbest_targets(teacher, tmp_path_factory):
    """Seq-Inter targets (Sec. 3.3): per sentence the closest of the teacher's 4-best to the gold."""
    out = tmp_path_factory.mktemp("distilled") / "kbest"
    assert cli("distill", "-m", teacher, "--out", out, *KBEST) == 0
    return out
