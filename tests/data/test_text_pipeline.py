"""TextPipeline: text → ids → text, and a saved or serialised pipeline encodes exactly like the original."""

import json

import numpy as np
import pytest

from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.data.vocab import BOS, EOS, PAD, SPECIALS, UNK, Vocabulary

pytestmark = pytest.mark.ch03_data

SRC = ["Hola, mundo.", "¿Qué tal el mundo?", "El mundo es grande.", "Hola otra vez."] * 3
TGT = ["Hello, world.", "How is the world?", "The world is big.", "Hello again."] * 3


@pytest.fixture(params=[0, 30], ids=["words", "bpe"])
def pipeline(request):
    return TextPipeline.fit(SRC, TGT, bpe_merges=request.param, src_vocab_size=None, tgt_vocab_size=None)


def test_round_trip_through_ids(pipeline):
    for text in TGT:
        ids = pipeline.encode_tgt(text)
        assert ids.dtype == np.int32 and UNK not in ids
        assert pipeline.decode_tgt(list(ids) + [EOS, 7, 8]) == text


def test_decode_drops_padding_and_bos(pipeline):
    ids = pipeline.encode_tgt("Hello, world.")
    assert pipeline.decode_tgt([BOS, *ids, EOS, PAD, PAD]) == "Hello, world."


def test_no_specials_in_encodings(pipeline):
    ids = pipeline.encode_src("Hola, mundo.")
    assert not set(ids.tolist()) & {PAD, BOS, EOS}


def test_bpe_splits_rare_words_into_pieces():
    pipeline = TextPipeline.fit(SRC, TGT, bpe_merges=30, src_vocab_size=None, tgt_vocab_size=None)
    pieces = pipeline.tgt_tokens("Hellos worlds")
    assert len(pieces) > 2 and pipeline.bpe.decode(pieces) == ["Hellos", "worlds"]


def test_pieces_missing_from_the_vocabulary_are_spelled_with_smaller_ones():
    texts = ["lower lowest low newest widest"] * 5
    full = TextPipeline.fit(texts, texts, bpe_merges=50, src_vocab_size=None, tgt_vocab_size=None)
    assert full.tgt_tokens("lowest") == ["lowest"]
    characters = full.bpe.split_unknown(["lowest"], known=set())
    small = TextPipeline(full.src_vocab, Vocabulary(list(SPECIALS) + characters), full.bpe)
    assert small.tgt_tokens("lowest") == characters
    assert UNK not in small.encode_tgt("lowest")
    assert small.decode_tgt(small.encode_tgt("lowest")) == "lowest"


def test_unknown_words_stay_visible_as_unk():
    pipeline = TextPipeline.fit(SRC, TGT, bpe_merges=0, src_vocab_size=None, tgt_vocab_size=None)
    assert pipeline.decode_tgt(pipeline.encode_tgt("Hello zebra.")) == "Hello <unk>."


def test_vocabulary_sizes_are_respected():
    pipeline = TextPipeline.fit(SRC, TGT, bpe_merges=0, src_vocab_size=8, tgt_vocab_size=9)
    assert (len(pipeline.src_vocab), len(pipeline.tgt_vocab)) == (8, 9)


def test_to_dict_and_save_load_give_identical_encodings(pipeline, tmp_path):
    from_dict = TextPipeline.from_dict(json.loads(json.dumps(pipeline.to_dict())))
    pipeline.save(tmp_path / "pipe")
    loaded = TextPipeline.load(tmp_path / "pipe")
    texts = SRC + ["Palabras nuevas, ¡sí!"]
    for other in (from_dict, loaded):
        for a, b in zip(pipeline.encode_src_many(texts), other.encode_src_many(texts)):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(pipeline.encode_tgt_many(TGT), other.encode_tgt_many(TGT)):
            np.testing.assert_array_equal(a, b)
        assert other.src_vocab.tokens == pipeline.src_vocab.tokens
    assert (tmp_path / "pipe" / "vocab.src").exists()
    assert (tmp_path / "pipe" / "bpe.merges").exists() == (pipeline.bpe is not None)
