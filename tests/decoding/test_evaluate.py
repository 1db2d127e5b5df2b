"""The measurements behind ``tinyseqkd evaluate``: p(t = ŷ) is the probability of exactly the tokens greedy
decoding emitted, with and without a ``</s>`` it chose."""

import numpy as np
import pytest

from decoding_helpers import random_model, random_sources
from tinyseqkd.autograd import no_grad
from tinyseqkd.data.vocab import BOS, EOS
from tinyseqkd.decoding import beam_search, greedy_decode, output_limit
from tinyseqkd.evaluate import greedy_output_probabilities, sequence_log_probs

pytestmark = pytest.mark.ch05_decoding


def step_by_step_log_prob(model, source: np.ndarray, output: np.ndarray, with_eos: bool) -> float:
    """log p(output [</s>] | source), one decoder step at a time: independent of batching and masks."""
    with no_grad():
        encoded = model.encode(source[None, :], np.array([len(source)]))
        h_tilde, states = model.initial_h_tilde(1), encoded.final_states
        total, previous = 0.0, BOS
        for word in list(output) + ([EOS] if with_eos else []):
            h_tilde, states, _ = model.decode_step(np.array([previous]), h_tilde, states, encoded)
            total += float(model.log_probs(h_tilde).data[0, word])
            previous = word
    return total


def sources_and_greedy(model, n=6):
    src, lengths = random_sources(n=n)
    return [src[b, :lengths[b]] for b in range(n)], src, lengths, greedy_decode(model, src, lengths)


def test_p_of_each_greedy_output_scores_exactly_the_tokens_greedy_decoding_emitted():
    model = random_model()
    sources, src, lengths, greedy = sources_and_greedy(model, n=12)
    finished = np.array([len(out) < limit for out, limit in zip(greedy, output_limit(lengths))])
    assert 0 < finished.sum() < len(finished)  # some chose </s>, the others ran into the length limit
    p = greedy_output_probabilities(model, sources, greedy)
    expected = [step_by_step_log_prob(model, s, out, with_eos) for s, out, with_eos in zip(sources, greedy, finished)]
    np.testing.assert_allclose(p, np.exp(expected), rtol=1e-4)
    own_scores = np.array([found[0].score for found in beam_search(model, src, lengths, beam_size=1)])  # K=1: greedy
    np.testing.assert_allclose(p[finished], np.exp(own_scores[finished]), rtol=1e-5)


def test_p_of_an_output_cut_at_the_length_limit_scores_no_end_of_sentence_it_never_chose():
    model = random_model()
    model.generator.bias.data[EOS] -= 30.0  # </s> is never the most probable word: every output runs to the limit
    sources, _, lengths, greedy = sources_and_greedy(model)
    assert [len(out) for out in greedy] == list(output_limit(lengths))
    p = greedy_output_probabilities(model, sources, greedy)
    expected = [np.exp(step_by_step_log_prob(model, s, out, with_eos=False)) for s, out in zip(sources, greedy)]
    np.testing.assert_allclose(p, expected, rtol=1e-4)
    with_eos = [np.exp(step_by_step_log_prob(model, s, out, with_eos=True)) for s, out in zip(sources, greedy)]
    assert np.all(np.asarray(with_eos) < 1e-9 * p)  # what scoring the unchosen </s> would have given


def test_sequence_log_probs_leaves_out_the_end_of_sentence_only_where_asked():
    model = random_model()
    sources, _, _, greedy = sources_and_greedy(model)
    with_eos = np.array([True, False, True, False, False, True])
    got = sequence_log_probs(model, sources, greedy, batch_size=4, with_eos=with_eos)
    expected = [step_by_step_log_prob(model, s, out, keep) for s, out, keep in zip(sources, greedy, with_eos)]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def _timed_translation_events(monkeypatch, seconds_per_run: float):
    """Run ``timed_translation`` with translations that take ``seconds_per_run`` on a fake clock; returns what it
    returned and the events: the sizes translated, "collect" and "clock" readings, in order."""
    import tinyseqkd.evaluate as evaluate

    events, now = [], [0.0]

    def translate(model, ids, batch_size, decode):
        events.append(len(ids))
        now[0] += seconds_per_run
        return ["output"]

    def clock():
        events.append("clock")
        return now[0]

    monkeypatch.setattr(evaluate, "translate_ids", translate)
    monkeypatch.setattr(evaluate.gc, "collect", lambda: events.append("collect"))
    monkeypatch.setattr(evaluate.time, "perf_counter", clock)
    return evaluate.timed_translation(None, [np.array([5])] * 7, 4, None), events


def test_the_speed_clock_starts_after_the_kernels_are_loaded_and_the_collector_has_run(monkeypatch):
    """A warm-up sentence, then a garbage collection, then the timed translation — in that order, so that neither
    loading the kernels nor the collector's debt from loading lands in a speed figure."""
    (outputs, seconds), events = _timed_translation_events(monkeypatch, seconds_per_run=1.0)
    assert events == [1, "collect", "clock", 7, "clock"]
    assert (outputs, seconds) == (["output"], 1.0)


def test_a_short_translation_is_repeated_and_its_mean_time_returned(monkeypatch):
    from tinyseqkd.evaluate import MIN_TIMED_SECONDS

    per_run = MIN_TIMED_SECONDS / 3.5  # four runs reach the minimum
    (outputs, seconds), events = _timed_translation_events(monkeypatch, seconds_per_run=per_run)
    assert events == [1, "collect", "clock"] + [7, "clock"] * 4
    assert outputs == ["output"] and seconds == pytest.approx(per_run)
