"""The session's checkpoint to translate with (see decoding_helpers.make_checkpoint)."""

import pytest

from decoding_helpers import make_checkpoint


@pytest.fixture(scope="session")
def checkpoint(tmp_path_factory):
    return make_checkpoint(tmp_path_factory.mktemp("run") / "best.npz")
