"""The distilled corpus on disk (Sec. 3.2/3.3 data with provenance): resumed and sharded runs are byte-identical to
one uninterrupted run, ids survive the round trip through the teacher's vocabulary, mismatches are one clear error."""

import json

import numpy as np
import pytest

from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.distill.manifest import DistilledCorpusError, Manifest, lines_sha256, pipeline_sha256, read_manifest
from tinyseqkd.distill.seq_kd import closest_to_gold, distill_corpus, teacher_decoder
from tinyseqkd.distill.store import KBEST, PIECES, TEXT, Shard, chunk_path, load_distilled_targets, merge
from tinyseqkd.errors import ConfigError, TinySeqKDError

from distill_helpers import fake_decoder, tiny_seq2seq

pytestmark = pytest.mark.ch08_seq_kd

N_SENTENCES, CHUNK = 23, 5  # 5 chunks, the last one of 3 sentences


def _sources(n=N_SENTENCES, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(4, 50, rng.integers(1, 7)).astype(np.int32) for _ in range(n)]


SOURCE_TEXT = [f"source sentence {i}" for i in range(N_SENTENCES)]


def _manifest(**changes):
    values = dict(teacher_sha256="ab" * 32, pipeline_sha256="cd" * 32, beam_size=5, nbest=3, selection="beam",
                  corpus="synthetic:reverse", split="train", source_sha256=lines_sha256(SOURCE_TEXT),
                  source_sentences=N_SENTENCES, chunk_size=CHUNK, keep_kbest=True, created="2024-01-01T00:00:00+00:00")
    values.update(changes)
    return Manifest(**values)


def _files(directory):
    """Every file a run leaves, by relative path → bytes (the manifest's creation time aside)."""
    files = {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}
    files.pop("manifest.json")
    return files


def _uninterrupted(tmp_path):
    directory = tmp_path / "straight"
    report = distill_corpus(fake_decoder(), _sources(), directory, _manifest())
    assert report.merged and report.decoded == 5 and report.skipped == 0
    return directory


def test_an_uninterrupted_run_writes_pieces_text_and_kbest(tmp_path):
    directory = _uninterrupted(tmp_path)
    pieces = (directory / PIECES).read_text().splitlines()
    assert len(pieces) == N_SENTENCES == len((directory / TEXT).read_text().splitlines())
    assert pieces[0] == " ".join(f"w{i}.0" for i in _sources()[0])  # the beam's best, index 0
    kbest = [json.loads(line) for line in (directory / KBEST).read_text().splitlines()]
    assert [len(k["kbest"]) for k in kbest] == [3] * N_SENTENCES and {k["selected"] for k in kbest} == {0}
    assert read_manifest(directory).determining() == _manifest().determining()
    assert not list(directory.rglob("*.tmp"))


def test_resumed_run_is_byte_identical_to_an_uninterrupted_one(tmp_path):
    straight = _uninterrupted(tmp_path)
    directory = tmp_path / "resumed"
    decode = fake_decoder()
    calls = []

    def interrupted_after_two_chunks(sources):
        calls.append(len(sources))
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C while the third chunk decodes
        return decode(sources)

    with pytest.raises(KeyboardInterrupt):
        distill_corpus(interrupted_after_two_chunks, _sources(), directory, _manifest())
    assert chunk_path(directory, 1).is_file() and not chunk_path(directory, 2).exists()
    assert not (directory / PIECES).exists()
    with pytest.raises(DistilledCorpusError, match=r"not finished \(2 of 5 chunks.*run distill again to resume"):
        load_distilled_targets(directory, N_SENTENCES, lines_sha256(SOURCE_TEXT))

    seen, resumed_calls = [], []
    report = distill_corpus(fake_decoder(calls=resumed_calls), _sources(), directory, _manifest(),
                            progress=lambda done, total: seen.append((done, total)))
    assert report.skipped == 2 and report.decoded == 3 and resumed_calls == [5, 5, 3]
    assert seen == [(10, 23), (15, 23), (20, 23), (23, 23)]
    assert _files(directory) == _files(straight)


def test_two_shards_in_one_directory_equal_one_run(tmp_path):
    straight = _uninterrupted(tmp_path)
    directory = tmp_path / "shared"
    first = distill_corpus(fake_decoder(), _sources(), directory, _manifest(), shard=Shard(1, 2))
    assert (first.chunks_in_shard, first.merged) == (3, False)  # chunks 0, 2, 4
    assert [chunk_path(directory, c).is_file() for c in range(5)] == [True, False, True, False, True]
    second = distill_corpus(fake_decoder(), _sources(), directory, _manifest(), shard=Shard(2, 2))
    assert (second.chunks_in_shard, second.merged) == (2, True)  # the last shard to finish merges
    assert _files(directory) == _files(straight)


def test_shards_in_their_own_directories_merge_byte_identically(tmp_path):
    straight = _uninterrupted(tmp_path)
    one, two = tmp_path / "one", tmp_path / "two"
    distill_corpus(fake_decoder(), _sources(), one, _manifest(), shard=Shard(1, 2))
    distill_corpus(fake_decoder(), _sources(), two, _manifest(created="2025-05-05T00:00:00+00:00"),
                   shard=Shard(2, 2))
    with pytest.raises(DistilledCorpusError, match=r"2 of 5 chunks are not decoded yet \(chunks 1, 3\)"):
        merge(one)
    merge(one, parts=[two])
    assert _files(one) == _files(straight)


def test_a_different_distillation_in_the_same_directory_is_refused(tmp_path):
    directory = _uninterrupted(tmp_path)
    with pytest.raises(DistilledCorpusError, match=r"holds a different distillation \(beam_size: 5 there, 8 now\).*"
                                                   r"another --out"):
        distill_corpus(fake_decoder(), _sources(), directory, _manifest(beam_size=8))
    other = tmp_path / "other"
    distill_corpus(fake_decoder(), _sources(), other, _manifest(teacher_sha256="ef" * 32), shard=Shard(1, 2))
    with pytest.raises(DistilledCorpusError, match="teacher_sha256"):
        merge(directory, parts=[other])


def test_load_checks_the_training_source(tmp_path):
    directory = _uninterrupted(tmp_path)
    good = load_distilled_targets(directory, N_SENTENCES, lines_sha256(SOURCE_TEXT))
    assert len(good) == N_SENTENCES and good.manifest.nbest == 3
    with pytest.raises(DistilledCorpusError, match=rf"{directory}: distilled from 23 source sentences.*this run's "
                                                   r"training source has 22.*Fix: distill again"):
        load_distilled_targets(directory, 22, lines_sha256(SOURCE_TEXT[:22]))
    with pytest.raises(TinySeqKDError, match="sha256"):
        load_distilled_targets(directory, N_SENTENCES, lines_sha256(SOURCE_TEXT[::-1]))
    with pytest.raises(DistilledCorpusError, match="no manifest.json"):
        load_distilled_targets(tmp_path, N_SENTENCES, lines_sha256(SOURCE_TEXT))


def test_ids_to_file_to_ids_is_the_identity_through_a_real_vocabulary(tmp_path):
    texts = ["the cat sat on the mat", "a dog chased the cat", "unbelievable ¿qué? naïve café", "mat mat mat"]
    pipeline = TextPipeline.fit(texts, texts, bpe_merges=15, src_vocab_size=None, tgt_vocab_size=None)
    vocab = pipeline.tgt_vocab
    rng = np.random.default_rng(3)
    targets = [rng.integers(0, len(vocab), rng.integers(0, 12)).astype(np.int32) for _ in range(N_SENTENCES)]
    targets[5] = np.arange(len(vocab), dtype=np.int32)  # every id once, the special ones included

    def decode_chunk(sources):  # sentence i's source is [i + 4]
        return [[(vocab.decode(targets[int(src[0]) - 4].tolist()), -1.0)] for src in sources]

    sources = [np.array([i + 4], np.int32) for i in range(N_SENTENCES)]
    manifest = _manifest(nbest=1, keep_kbest=False)
    distill_corpus(decode_chunk, sources, tmp_path / "d", manifest,
                   to_text=lambda pieces: pipeline.decode_tgt(vocab.encode(pieces)))
    loaded = load_distilled_targets(tmp_path / "d", N_SENTENCES, lines_sha256(SOURCE_TEXT)).ids(vocab)
    assert len(loaded) == N_SENTENCES
    for got, expected in zip(loaded, targets):
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == np.int32
    text = (tmp_path / "d" / TEXT).read_text(encoding="utf-8").splitlines()
    assert text[0] == pipeline.decode_tgt(targets[0])

    other = TextPipeline.fit(["entirely different words"], ["entirely different words"], bpe_merges=0,
                             src_vocab_size=None, tgt_vocab_size=None)
    with pytest.raises(DistilledCorpusError, match=r"train\.pieces:\d+: piece .* not in the target vocabulary.*"
                                                   "teacher's pipeline"):
        load_distilled_targets(tmp_path / "d", N_SENTENCES, lines_sha256(SOURCE_TEXT)).ids(other.tgt_vocab)


def test_a_student_pipeline_other_than_the_teachers_is_refused(tmp_path):
    teacher_pipeline = TextPipeline.fit(["a b c"], ["x y z"], bpe_merges=0, src_vocab_size=None, tgt_vocab_size=None)
    same = TextPipeline.from_dict(teacher_pipeline.to_dict())
    other = TextPipeline.fit(["a b c"], ["x y z w"], bpe_merges=0, src_vocab_size=None, tgt_vocab_size=None)
    distill_corpus(fake_decoder(), _sources(), tmp_path, _manifest(pipeline_sha256=pipeline_sha256(
        teacher_pipeline.to_dict())))
    targets = load_distilled_targets(tmp_path, N_SENTENCES, lines_sha256(SOURCE_TEXT))
    targets.check_pipeline(same)
    with pytest.raises(DistilledCorpusError, match="another text pipeline.*teacher's pipeline"):
        targets.check_pipeline(other)


def test_real_teacher_beam_output_maps_back_to_its_ids(tmp_path):
    """teacher_decoder wires decoding.decode_corpus in: the stored targets are exactly the beam's best ids."""
    from tinyseqkd.data.vocab import SPECIALS, Vocabulary
    from tinyseqkd.decoding import decode_corpus

    model = tiny_seq2seq(seed=2, init_scale=1.0).eval()
    vocab = Vocabulary(list(SPECIALS) + ["x", "y", "z", "w"])  # the tiny model's 8 target ids
    sources = _sources(seed=1)
    sources = [np.minimum(s, 8) for s in sources]
    manifest = _manifest(beam_size=4, nbest=2)
    distill_corpus(teacher_decoder(model, vocab, beam_size=4, nbest=2, batch_size=3), sources, tmp_path / "t",
                   manifest)
    loaded = load_distilled_targets(tmp_path / "t", N_SENTENCES, lines_sha256(SOURCE_TEXT)).ids(vocab)
    expected = decode_corpus(model, sources, beam_size=4, n_best=2)
    for got, hypotheses in zip(loaded, expected):
        np.testing.assert_array_equal(got, hypotheses[0].ids)
    kbest = [json.loads(line) for line in (tmp_path / "t" / KBEST).read_text().splitlines()]
    assert [k["kbest"][1]["score"] for k in kbest] == pytest.approx([h[1].score for h in expected])


def test_seq_inter_selection_is_recorded(tmp_path):
    """Seq-Inter through the store: the K-best hypothesis closest to the gold is the target, its index kept."""
    sources = _sources()
    references = [[f"w{int(i)}.2" for i in src] for src in sources]  # hypothesis 2 is each sentence's gold
    directory = tmp_path / "inter"
    distill_corpus(fake_decoder(), sources, directory, _manifest(selection="bleu"),
                   select=closest_to_gold(references))
    pieces = (directory / PIECES).read_text().splitlines()
    assert pieces == [" ".join(r) for r in references]
    assert {json.loads(line)["selected"] for line in (directory / KBEST).read_text().splitlines()} == {2}
    with pytest.raises(ValueError, match="needs select="):
        distill_corpus(fake_decoder(), sources, tmp_path / "x", _manifest(selection="bleu"))


def test_shard_option_parsing():
    assert Shard.parse("2/4") == Shard(2, 4)
    assert list(Shard(2, 4).chunks(10)) == [1, 5, 9]
    for bad in ("0/2", "3/2", "1-2", "a/b", ""):
        with pytest.raises(ConfigError, match="--shard"):
            Shard.parse(bad)


def test_a_shard_without_chunks_and_a_damaged_chunk_are_clear_errors(tmp_path):
    with pytest.raises(DistilledCorpusError, match="none for this shard"):
        distill_corpus(fake_decoder(), _sources(), tmp_path / "s", _manifest(), shard=Shard(6, 6))
    directory = _uninterrupted(tmp_path)
    chunk_path(directory, 3).write_text('{"chunk": 3}\n')
    with pytest.raises(DistilledCorpusError, match=r"chunk-000003\.jsonl: holds .*delete it and run distill again"):
        merge(directory)
