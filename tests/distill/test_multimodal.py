"""Seq-KD on the synthetic multimodal task (Kim & Rush 2016, Sec. 3.2 and the explanation in Sec. 5): the teacher's
beam output picks one mode per sentence, and a small student trained on it produces valid (single-mode) outputs far
more often than the same student trained on the gold data, which mixes four kinds of target.

Each training source shows one of its variants, drawn at random with probabilities 0.6 / 0.25 / 0.15 (forward,
reversed, doubled words). A tiny teacher trained for a few seconds estimates those probabilities with some noise,
so its beam output follows the most probable variant for most sentences rather than all of them (with the default
0.4 / 0.3 / 0.2 / 0.1, too close for such a teacher, about two thirds). The students are deliberately small (H = 16):
with little capacity, learning one mapping instead of three is what makes the difference.
"""

from collections import Counter

import numpy as np
import pytest

from tinyseqkd.data.batching import make_batches
from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.data.synthetic import identify_variant, multimodal_task
from tinyseqkd.distill.manifest import Manifest, lines_sha256
from tinyseqkd.distill.seq_kd import distill_corpus, teacher_decoder
from tinyseqkd.distill.store import load_distilled_targets
from tinyseqkd.evaluate import greedy_output_probabilities, translate_ids
from tinyseqkd.model import ModelArgs, Seq2Seq
from tinyseqkd.optim import Adam, clip_grad_norm

pytestmark = pytest.mark.ch08_seq_kd


def _train(pipeline, src_ids, tgt_ids, hidden, steps, seed):
    """Adam (lr 0.01), batches of 32, clip 5, for ``steps`` updates: a small model of the task in about a second."""
    args = ModelArgs(len(pipeline.src_vocab), len(pipeline.tgt_vocab), embedding_size=hidden // 2,
                     hidden_size=hidden, layers=1, dropout=0.0)
    model = Seq2Seq(args, np.random.default_rng(seed))
    optimizer = Adam(model.named_parameters(), lr=0.01)
    rng, step = np.random.default_rng(seed), 0
    while step < steps:
        for batch in make_batches(src_ids, tgt_ids, batch_size=32, rng=rng)[:steps - step]:
            optimizer.zero_grad()
            loss = model.loss(batch)
            loss.backward()
            clip_grad_norm(optimizer.params.values(), 5.0)
            optimizer.step()
            step += 1
    return model.eval()


def _variants(pipeline, sources, outputs):
    return Counter(identify_variant(src, pipeline.decode_tgt(ids)) for src, ids in zip(sources, outputs))


def test_seq_kd_student_outputs_one_mode_far_more_often_than_the_baseline(tmp_path):
    data = multimodal_task(n_train=10000, n_valid=1, n_test=200, alphabet_size=6, min_len=3, max_len=4,
                           variant_probs=(0.6, 0.25, 0.15), seed=0)
    train, test = data["train"], data["test"]
    pipeline = TextPipeline.fit(train.src, train.tgt, bpe_merges=0, src_vocab_size=None, tgt_vocab_size=None)
    src_ids, gold_ids = pipeline.encode_src_many(train.src), pipeline.encode_tgt_many(train.tgt)
    teacher = _train(pipeline, src_ids, gold_ids, hidden=64, steps=800, seed=0)

    manifest = Manifest(teacher_sha256="0" * 64, pipeline_sha256="0" * 64, beam_size=5, nbest=1, selection="beam",
                        corpus="synthetic:multimodal", split="train", source_sha256=lines_sha256(train.src),
                        source_sentences=len(train), chunk_size=2500)
    distill_corpus(teacher_decoder(teacher, pipeline.tgt_vocab, beam_size=5, batch_size=250), src_ids, tmp_path,
                   manifest, to_text=lambda pieces: pipeline.decode_tgt(pipeline.tgt_vocab.encode(pieces)))
    distilled = load_distilled_targets(tmp_path, len(train), lines_sha256(train.src)).ids(pipeline.tgt_vocab)

    gold_modes = _variants(pipeline, train.src, gold_ids)
    distilled_modes = _variants(pipeline, train.src, distilled)
    assert gold_modes.most_common(1)[0][1] < 0.65 * len(train)  # the gold data mixes its variants …
    assert distilled_modes[None] < 0.03 * len(train)  # … the teacher's beam output is a valid variant …
    assert distilled_modes.most_common(1)[0] == (0, distilled_modes[0])  # … mostly the most probable one
    assert distilled_modes[0] > 0.85 * len(train), distilled_modes

    test_ids = pipeline.encode_src_many(test.src)
    results = {}
    for name, targets in (("baseline", gold_ids), ("seq-kd", distilled)):
        student = _train(pipeline, src_ids, targets, hidden=16, steps=800, seed=1)
        greedy = translate_ids(student, test_ids)
        valid = 1 - _variants(pipeline, test.src, greedy)[None] / len(test)
        results[name] = valid, greedy_output_probabilities(student, test_ids, greedy).mean()
    (base_valid, base_p), (kd_valid, kd_p) = results["baseline"], results["seq-kd"]
    assert kd_valid > 0.8 and kd_valid > 2 * base_valid, results  # measured here: 0.94 against 0.25
    assert kd_p > base_p, results  # p(t = ŷ): the Seq-KD student is surer of its own greedy output
