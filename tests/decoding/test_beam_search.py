"""Greedy decoding and beam search on models whose answers can be checked by hand, then on a real random Seq2Seq."""

import math

import numpy as np
import pytest

from decoding_helpers import A, B, BOS, EOS, PAD, TableModel, one_source, random_model, random_sources
from tinyseqkd.autograd import no_grad
from tinyseqkd.decoding import beam_search, decode_corpus, greedy_decode
from tinyseqkd.evaluate import sequence_log_probs
from tinyseqkd.kernels import beam, use_kernels

pytestmark = pytest.mark.ch05_decoding

# Greedy takes A (0.6) and then </s> (0.4): p("A") = 0.24. Beam search also keeps B (0.4), which ends with
# probability 0.9: p("B") = 0.36.
GREEDY_IS_NOT_BEST = {BOS: {A: 0.6, B: 0.4}, A: {EOS: 0.4, A: 0.3, B: 0.3}, B: {EOS: 0.9, A: 0.05, B: 0.05}}


def texts(hypotheses):
    return [h.ids.tolist() for h in hypotheses]


def test_beam_finds_the_more_probable_translation_that_greedy_misses():
    model = TableModel(GREEDY_IS_NOT_BEST)
    src, lengths = one_source()
    assert greedy_decode(model, src, lengths)[0].tolist() == [A]
    (found,) = beam_search(model, src, lengths, beam_size=2, n_best=2)
    assert texts(found) == [[B], [A]]
    assert found[0].score == pytest.approx(math.log(0.36), abs=1e-6)
    assert found[1].score == pytest.approx(math.log(0.24), abs=1e-6)


def test_decoding_stops_as_soon_as_the_best_finished_hypothesis_cannot_be_beaten():
    model = TableModel(GREEDY_IS_NOT_BEST)
    beam_search(model, *one_source(), beam_size=2, max_len_extra=50)
    # step 1 finishes "B" (0.36) while the best live row, "A A", has 0.18 and can only lose: done after 2 steps
    assert model.steps == 2


def test_a_short_hypothesis_that_finishes_first_loses_to_a_longer_one_under_length_normalisation():
    # "" ends at once with p = 0.55; "A B" ends two steps later with p = 0.45
    model = TableModel({BOS: {EOS: 0.55, A: 0.45}, A: {B: 1.0}, B: {EOS: 1.0}})
    (plain,) = beam_search(model, *one_source(), beam_size=2, n_best=2)
    assert texts(plain) == [[], [A, B]]
    (normalised,) = beam_search(model, *one_source(), beam_size=2, n_best=2, length_penalty=1.0)
    assert texts(normalised) == [[A, B], []]  # log(0.45) / 3 = -0.27 beats log(0.55) / 1 = -0.60
    assert normalised[0].normalized_score == pytest.approx(math.log(0.45) / 3, abs=1e-6)
    assert normalised[0].score == pytest.approx(math.log(0.45), abs=1e-6)


def test_at_the_length_limit_only_end_of_sentence_may_follow():
    model = TableModel({BOS: {A: 1.0}, A: {A: 0.99, EOS: 0.01}})
    src, lengths = one_source()
    limit = dict(max_len_ratio=0.0, max_len_extra=3)
    (best,) = beam_search(model, src, lengths, beam_size=2, length_penalty=1.0, **limit)
    assert texts(best) == [[A, A, A]]  # the longest allowed, scored with its forced </s>
    assert best[0].score == pytest.approx(2 * math.log(0.99) + math.log(0.01), abs=1e-5)
    assert greedy_decode(model, src, lengths, **limit)[0].tolist() == [A, A, A]
    (plain,) = beam_search(model, src, lengths, beam_size=2, **limit)
    assert texts(plain) == [[A]]


def test_equal_scores_break_ties_toward_the_lower_id():
    model = TableModel({BOS: {A: 0.5, B: 0.5}, A: {EOS: 1.0}, B: {EOS: 1.0}})
    src, lengths = one_source()
    assert greedy_decode(model, src, lengths)[0].tolist() == [A]
    assert texts(beam_search(model, src, lengths, beam_size=1)[0]) == [[A]]
    (both,) = beam_search(model, src, lengths, beam_size=2, n_best=2)
    assert texts(both) == [[A], [B]] and both[0].score == both[1].score


def test_padding_and_start_symbol_are_never_output_even_by_a_model_that_prefers_them():
    model = TableModel({BOS: {PAD: 0.5, BOS: 0.3, A: 0.2}, A: {EOS: 1.0}})
    src, lengths = one_source()
    assert greedy_decode(model, src, lengths)[0].tolist() == [A]
    (found,) = beam_search(model, src, lengths, beam_size=3, n_best=1)
    assert texts(found) == [[A]]
    assert found[0].score == pytest.approx(math.log(0.2), abs=1e-6)  # the model's own probability, not renormalised


@pytest.mark.parametrize("seed", [0, 4])
def test_a_random_seq2seq_that_favours_padding_and_start_never_outputs_them(seed):
    model = random_model(seed)
    model.generator.bias.data[[PAD, BOS]] += 4.0
    src, lengths = random_sources(seed + 1, n=6)
    with no_grad():  # the model does prefer them: they are its most likely first words
        first = model.log_probs(model.decode_step(np.full(6, BOS), model.initial_h_tilde(6),
                                                  model.encode(src, lengths).final_states,
                                                  model.encode(src, lengths))[0]).data
    assert set(first.argmax(axis=-1)) <= {PAD, BOS}
    outputs = [ids.tolist() for ids in greedy_decode(model, src, lengths)]
    outputs += [h.ids.tolist() for found in beam_search(model, src, lengths, beam_size=3, n_best=3) for h in found]
    assert not {PAD, BOS} & {word for ids in outputs for word in ids}


def test_a_vocabulary_smaller_than_the_beam_leaves_dead_rows_that_change_nothing():
    model = TableModel(GREEDY_IS_NOT_BEST)
    (found,) = beam_search(model, *one_source(), beam_size=5, n_best=5)
    scores = [h.score for h in found]
    assert texts(found)[:2] == [[B], [A]] and scores == sorted(scores, reverse=True)


# ----------------------------------------------------------------------------------------- a real Seq2Seq
@pytest.mark.parametrize("seed", [0, 4, 8])
def test_beam_size_one_equals_greedy_on_a_random_seq2seq(seed):
    model = random_model(seed)
    src, lengths = random_sources(seed + 1, n=8)
    greedy = greedy_decode(model, src, lengths)
    beam = beam_search(model, src, lengths, beam_size=1)
    assert [g.tolist() for g in greedy] == [found[0].ids.tolist() for found in beam]


@pytest.mark.parametrize("alpha", [0.0, 0.7])
def test_nbest_lists_are_sorted_and_their_scores_are_the_models_own_log_probabilities(alpha):
    model = random_model()
    src, lengths = random_sources(n=6)
    found = beam_search(model, src, lengths, beam_size=4, n_best=4, length_penalty=alpha)
    pairs = [(b, h) for b in range(len(found)) for h in found[b]]
    sources = [src[b, :lengths[b]] for b, _ in pairs]
    forced = sequence_log_probs(model, sources, [h.ids for _, h in pairs])
    np.testing.assert_allclose([h.score for _, h in pairs], forced, rtol=1e-5, atol=1e-5)
    for hypotheses in found:
        assert len(hypotheses) == 4
        ranking = [h.normalized_score for h in hypotheses]
        assert ranking == sorted(ranking, reverse=True)
        for h in hypotheses:
            assert h.normalized_score == pytest.approx(h.score / (len(h.ids) + 1) ** alpha, rel=1e-6)
            assert EOS not in h.ids.tolist()


@pytest.mark.parametrize("seed", [0, 8])
def test_batched_beam_search_equals_one_sentence_at_a_time(seed):
    model = random_model(seed)
    src, lengths = random_sources(seed + 1, n=6)
    together = beam_search(model, src, lengths, beam_size=3, n_best=3)
    for b in range(len(lengths)):
        (alone,) = beam_search(model, src[b:b + 1, :lengths[b]], lengths[b:b + 1], beam_size=3, n_best=3)
        assert texts(alone) == texts(together[b])
        np.testing.assert_allclose([h.score for h in alone], [h.score for h in together[b]], rtol=1e-5)


@pytest.mark.parametrize("seed", [0, 4])
def test_the_numba_kernel_and_its_numpy_twin_give_the_same_search(seed, monkeypatch):
    """The model on numba both times, only the beam step changes: the searches agree bit for bit. (The whole model
    on both paths is compared in tests/model/test_kernel_paths.py.)"""
    model = random_model(seed)
    src, lengths = random_sources(seed + 1, n=6)
    options = dict(beam_size=4, n_best=3, length_penalty=0.5, return_attention=True)
    with use_kernels("numba"):
        fast = beam_search(model, src, lengths, **options)
        monkeypatch.setattr(beam, "beam_step_kernel", beam.beam_step_numpy)
        slow = beam_search(model, src, lengths, **options)
    for a, b in zip(fast, slow):
        assert texts(a) == texts(b) and [h.score for h in a] == [h.score for h in b]
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x.attention, y.attention)


def test_attention_of_a_hypothesis_is_what_the_decoder_computes_when_fed_that_hypothesis():
    model = random_model()
    src, lengths = random_sources(n=6)
    found = beam_search(model, src, lengths, beam_size=3, n_best=2, return_attention=True)
    b = 2  # its two best hypotheses have 4 and 6 words
    for h in found[b]:
        assert h.attention.shape == (len(h.ids) + 1, lengths[b])
        np.testing.assert_allclose(h.attention.sum(axis=1), 1.0, rtol=1e-5)
        with no_grad():
            encoded = model.encode(src[b:b + 1, :lengths[b]], lengths[b:b + 1])
            h_tilde, states, prev = model.initial_h_tilde(1), encoded.final_states, np.array([BOS])
            for j, word in enumerate(list(h.ids) + [EOS]):
                h_tilde, states, weights = model.decode_step(prev, h_tilde, states, encoded)
                np.testing.assert_allclose(h.attention[j], weights.data[0], rtol=1e-4, atol=1e-6)
                prev = np.array([word])


def test_decode_corpus_returns_the_input_order_and_reports_progress():
    model = random_model()
    src, lengths = random_sources(n=7)
    sources = [src[b, :lengths[b]] for b in range(7)]
    seen = []
    found = decode_corpus(model, sources, beam_size=2, batch_size=3, progress=seen.append)
    assert sum(seen) == 7 and len(seen) == 3
    for b in range(7):
        (alone,) = beam_search(model, src[b:b + 1, :lengths[b]], lengths[b:b + 1], beam_size=2)
        assert texts(found[b]) == texts(alone)


def test_bad_options_are_refused():
    model = random_model()
    src, lengths = random_sources(n=2)
    for options in (dict(beam_size=0), dict(beam_size=2, n_best=3), dict(length_penalty=-1.0)):
        with pytest.raises(ValueError):
            beam_search(model, src, lengths, **options)


def test_decoding_restores_training_mode():
    model = random_model().train()
    src, lengths = random_sources(n=2)
    beam_search(model, src, lengths)
    greedy_decode(model, src, lengths)
    assert model.training
