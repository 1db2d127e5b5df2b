"""``tinyseqkd distill`` end to end (Kim & Rush 2016, Sec. 3.2 and 3.3): the teacher's own training source, a
provenance manifest, and long work made robust — an interrupted run continued, or the work split into shards and
merged, gives files byte-identical to one uninterrupted run."""

import json

import pytest

from tinyseqkd.checkpoint import load_checkpoint
from tinyseqkd.config import config_from_dict
from tinyseqkd.data.prepared import prepare
from tinyseqkd.data.bpe import SUBWORD_MARK as M
from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.data.tokenize import pretokenize
from tinyseqkd.distill import load_distilled_targets, read_manifest
from tinyseqkd.distill.manifest import file_sha256, lines_sha256
from tinyseqkd.distill.seq_inter import bleu_scores
from tinyseqkd.distill.seq_kd import closest_to_gold, pieces_to_words
from tinyseqkd.distill.store import KBEST, PIECES, TEXT, Hypothesis, chunk_path
from tinyseqkd.translator import load_translator

from recipe_helpers import BEAM, KBEST as KBEST_OPTIONS, cli

pytestmark = pytest.mark.ch05_decoding
FILES = (PIECES, TEXT)


def _same_files(one, other, names=FILES):
    for name in names:
        assert (one / name).read_bytes() == (other / name).read_bytes(), name


def _teacher_train_split(teacher):
    header = load_checkpoint(teacher / "best.npz").header
    config = config_from_dict(header["config"])
    return prepare(config.data, config.train.seed, pipeline=TextPipeline.from_dict(header["pipeline"]))


def test_distill_decodes_the_teachers_training_source_with_provenance(teacher, beam_targets):
    train = _teacher_train_split(teacher).splits["train"]
    manifest = read_manifest(beam_targets)
    assert (manifest.source_sentences, manifest.source_sha256) == (120, lines_sha256(train.text.src))
    assert manifest.teacher_sha256 == file_sha256(teacher / "best.npz")
    assert (manifest.beam_size, manifest.nbest, manifest.selection, manifest.corpus) == (3, 1, "beam",
                                                                                          "synthetic:reverse")
    assert manifest.decoding == {"length_penalty": 0.0, "batch_size": 64}
    # the pieces are exactly the teacher's beam output, and the readable copy is their text
    translator = load_translator(teacher / "best.npz")
    best = [found[0] for start in range(0, 120, 25)  # chunk by chunk, as distill decodes
            for found in translator.translate(train.text.src[start:start + 25], beam_size=3, batch_size=64)]
    targets = load_distilled_targets(beam_targets, 120, lines_sha256(train.text.src))
    ids = targets.ids(translator.pipeline.tgt_vocab)
    assert all(list(a) == list(h.ids) for a, h in zip(ids, best))
    assert (beam_targets / TEXT).read_text().splitlines() == [translator.text(h) for h in best]


def test_interrupted_distill_continues_to_the_same_bytes(teacher, beam_targets, tmp_path, monkeypatch, capsys):
    import tinyseqkd.distill as distill

    real_decoder = distill.teacher_decoder

    def decoder_stopped_at_the_third_chunk(*args, **kwargs):
        decode, calls = real_decoder(*args, **kwargs), []

        def decode_chunk(sources):
            calls.append(len(sources))
            if len(calls) == 3:
                raise KeyboardInterrupt  # Ctrl-C while the third chunk is being decoded
            return decode(sources)
        return decode_chunk

    out = tmp_path / "beam"
    monkeypatch.setattr(distill, "teacher_decoder", decoder_stopped_at_the_third_chunk)
    assert cli("distill", "-m", teacher, "--out", out, *BEAM) == 130
    assert "run the same command again to continue" in capsys.readouterr().err
    assert [chunk_path(out, c).is_file() for c in range(5)] == [True, True, False, False, False]
    assert not (out / PIECES).exists()

    monkeypatch.setattr(distill, "teacher_decoder", real_decoder)
    assert cli("distill", "-m", teacher, "--out", out, *BEAM) == 0
    output = capsys.readouterr().out
    assert "50 of 120 sentences were distilled before" in output and "decoded 3 chunk(s), 2 done before" in output
    _same_files(out, beam_targets)


def test_a_crash_mid_chunk_leaves_no_chunk_behind_and_the_rerun_completes_it(teacher, beam_targets, tmp_path):
    out = tmp_path / "beam"
    assert cli("distill", "-m", teacher, "--out", out, *BEAM) == 0
    chunk_path(out, 3).unlink()  # as if the process died while decoding chunk 3
    (out / PIECES).unlink()
    assert cli("distill", "-m", teacher, "--out", out, *BEAM) == 0
    _same_files(out, beam_targets)


def test_shards_in_their_own_directories_merge_to_the_bytes_of_one_run(teacher, kbest_targets, tmp_path, capsys):
    parts = [tmp_path / f"part{i}" for i in (1, 2, 3)]
    for i, part in enumerate(parts, start=1):
        assert cli("distill", "-m", teacher, "--out", part, *KBEST_OPTIONS, "--shard", f"{i}/3") == 0
        assert not (part / PIECES).exists()  # a shard alone is not the corpus
    assert "shard 3/3 is done" in capsys.readouterr().out
    assert cli("distill", "--merge", *parts, "--out", tmp_path / "merged") == 0
    _same_files(tmp_path / "merged", kbest_targets, FILES + (KBEST,))


def test_shards_sharing_one_directory_merge_when_the_last_one_ends(teacher, beam_targets, tmp_path):
    out = tmp_path / "shared"
    assert cli("distill", "-m", teacher, "--out", out, *BEAM, "--shard", "2/2") == 0
    assert not (out / PIECES).exists()
    assert cli("distill", "-m", teacher, "--out", out, *BEAM, "--shard", "1/2") == 0
    _same_files(out, beam_targets)


def test_a_different_distillation_into_the_same_directory_is_refused(teacher, beam_targets, tmp_path, capsys):
    out = tmp_path / "beam"
    assert cli("distill", "-m", teacher, "--out", out, *BEAM, "--shard", "1/2") == 0
    capsys.readouterr()
    assert cli("distill", "-m", teacher, "--out", out, "--beam", "4", "--chunk-size", "25") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds a different distillation (beam_size: 3 there, 4 now)" in err


def test_seq_inter_picks_by_bleu_on_words_and_keeps_the_kbest_list(teacher, kbest_targets):
    data = _teacher_train_split(teacher)
    train = data.splits["train"]
    lines = [json.loads(line) for line in (kbest_targets / KBEST).read_text().splitlines()]
    pieces = (kbest_targets / PIECES).read_text().splitlines()
    assert len(lines) == 120 and any(line["selected"] > 0 for line in lines)
    assert data.pipeline.bpe is None  # the toy task's pieces are its words
    for line, target, gold in zip(lines, pieces, train.text.tgt):
        candidates = [h["pieces"].split() for h in line["kbest"]]
        scores = bleu_scores(candidates, pretokenize(gold))
        assert line["selected"] == scores.index(max(scores))  # the closest, the earliest of equals
        assert target == line["kbest"][line["selected"]]["pieces"]


def test_seq_inter_on_bpe_pieces_compares_the_words_they_spell():
    """BLEU counts words (Sec. 3.3): the teacher's BPE pieces are glued back into words before they are compared."""
    pipeline = TextPipeline.fit(["abab ab"], ["abab ab"], bpe_merges=1, src_vocab_size=None, tgt_vocab_size=None)
    words = pieces_to_words(pipeline)  # what tinyseqkd distill --select bleu compares
    gold = "the cat unlike a"
    kbest = [Hypothesis(["un" + M, "like", "cat", "un" + M, "lock"], -1.0),  # unlike cat unlock
             Hypothesis(["un" + M, "lock", "the", "cat"], -2.0)]  # unlock the cat
    assert words(kbest[1].pieces) == ["unlock", "the", "cat"]
    assert closest_to_gold([pretokenize(gold)], words)(0, kbest) == 1  # "the cat": two whole words, in order
    gold_pieces = ["the", "cat", "un" + M, "like", "a"]
    assert closest_to_gold([gold_pieces])(0, kbest) == 0  # counted on pieces, the fragments un＠ like would win


@pytest.mark.parametrize("options, message", [
    (["--beam", "5", "--nbest", "35"], "--nbest 35 is more than the beam holds (--beam 5); fix: use --beam 35"),
    (["--nbest", "1", "--select", "bleu"], "--select bleu picks the closest of the teacher's K-best list"),
    (["--shard", "3/2"], "--shard '3/2': expected i/N"),
    (["--chunk-size", "0"], "--chunk-size must be at least 1"),
])
def test_impossible_options_are_one_line_errors(teacher, tmp_path, capsys, options, message):
    assert cli("distill", "-m", teacher, "--out", tmp_path / "out", *options) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "out").exists()
