"""load_translator: a checkpoint back to a model in evaluation mode and its text pipeline, or one clear error."""

import numpy as np
import pytest

from decoding_helpers import SOURCES, make_checkpoint
from tinyseqkd.decoding import beam_search
from tinyseqkd.errors import CheckpointError
from tinyseqkd.translator import load_translator

pytestmark = pytest.mark.ch05_decoding


def test_load_translator_gives_an_eval_model_that_translates_like_beam_search(checkpoint):
    translator = load_translator(checkpoint)
    assert not translator.model.training
    (found,) = translator.translate([SOURCES[3]], beam_size=3, n_best=2)
    ids = translator.pipeline.encode_src(SOURCES[3])
    (direct,) = beam_search(translator.model, ids[None, :], np.array([len(ids)]), 3, n_best=2)
    assert [h.ids.tolist() for h in found] == [h.ids.tolist() for h in direct]
    assert translator.text(found[0]) == translator.pipeline.decode_tgt(direct[0].ids)


def test_a_checkpoint_whose_pipeline_and_model_disagree_is_refused(tmp_path):
    path = make_checkpoint(tmp_path / "odd.npz", tgt_vocab_size=40)
    with pytest.raises(CheckpointError, match="vocabularies of .* but its text pipeline has"):
        load_translator(path)


def test_a_checkpoint_without_model_arguments_or_pipeline_is_refused(tmp_path):
    path = make_checkpoint(tmp_path / "bare.npz", drop=("model_args", "pipeline"))
    with pytest.raises(CheckpointError, match="no model_args or pipeline"):
        load_translator(path)


def test_a_foreign_file_is_the_checkpoint_loaders_error(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="not a tinyseqkd checkpoint"):
        load_translator(path)
