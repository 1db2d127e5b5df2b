"""The text path on real text: the embedded Bible corpus (skipped until tinyseqkd.data.embedded exists)."""

import time

import pytest

from tinyseqkd.data.prepared import load_corpus
from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.data.tokenize import detokenize, normalize, pretokenize
from tinyseqkd.data.vocab import UNK

pytestmark = pytest.mark.ch03_data


@pytest.fixture(scope="module")
def bible():
    pytest.importorskip("tinyseqkd.data.embedded")
    return load_corpus("bible-es-en")


def test_pretokenizer_round_trip_on_every_20th_verse(bible):
    train, test = bible.splits["train"], bible.splits["test"]
    texts = train.src[::20] + train.tgt[::20] + test.refs[1][::5]
    for text in texts:
        assert detokenize(pretokenize(text)) == normalize(text)


def test_pipeline_round_trip_on_a_slice(bible):
    train = bible.splits["train"]
    pipeline = TextPipeline.fit(train.src[:2000], train.tgt[:2000], bpe_merges=500, src_vocab_size=None,
                                tgt_vocab_size=None)
    for text in train.tgt[:2000:10]:
        ids = pipeline.encode_tgt(text)
        assert UNK not in ids and pipeline.decode_tgt(ids) == normalize(text)


@pytest.mark.slow
def test_full_bpe_pipeline_is_fast_and_exact(bible):
    train = bible.splits["train"]
    start = time.perf_counter()
    pipeline = TextPipeline.fit(train.src, train.tgt, bpe_merges=8000, src_vocab_size=None, tgt_vocab_size=None)
    fitted = time.perf_counter()
    ids = pipeline.encode_tgt_many(train.tgt)
    encoded = time.perf_counter()
    assert len(pipeline.bpe) == 8000
    assert pipeline.decode_tgt_many(ids) == [normalize(text) for text in train.tgt]
    assert fitted - start < 60 and encoded - fitted < 20  # measured: ~6 s and ~0.5 s on a shared 2-core machine
