"""The beam-step kernel against its numpy twin, step by step, on scores full of ties, dead rows and length limits."""

import numpy as np
import pytest

from tinyseqkd.kernels.beam import beam_step_kernel, beam_step_numpy

pytestmark = [pytest.mark.ch05_decoding, pytest.mark.ch06_kernels]

EOS = 3


def finished_set(B, n):
    return [np.full((B, n), -np.inf), np.full((B, n), -np.inf, np.float32), np.zeros((B, n), np.int64),
            np.zeros((B, n), np.int64), np.zeros(B, np.int64)]


def run_step(step_function, K, log_probs, beam_scores, sentence_ids, step, limits, length_penalty, finished):
    """One step with beam size K; returns (tokens, parents, scores, done) and updates ``finished`` in place."""
    Bc = len(sentence_ids)
    out = [np.empty((Bc, K), np.int64), np.empty((Bc, K), np.int64), np.empty((Bc, K), np.float32),
           np.empty(Bc, np.bool_)]
    step_function(log_probs, beam_scores, sentence_ids, step, limits, length_penalty, EOS, *out, *finished)
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("length_penalty", [0.0, 0.6, 1.0])
def test_kernel_equals_twin_over_several_steps_with_ties(seed, length_penalty):
    rng = np.random.default_rng(seed)
    B, K, V, n = 5, 4, 7, 3
    limits = rng.integers(2, 6, B)
    fast, slow = finished_set(B, n), finished_set(B, n)
    alive = np.arange(B)
    beam_scores = np.zeros((B, 1), np.float32)
    for step in range(6):
        k = beam_scores.shape[1]
        log_probs = rng.choice(np.float32([-0.5, -1.0, -1.0, -2.0, -3.0]), size=(len(alive), k, V))  # many ties
        log_probs[rng.random(log_probs.shape) < 0.1] = -np.inf  # some impossible words
        a = run_step(beam_step_kernel, K, log_probs, beam_scores, alive, step, limits, length_penalty, fast)
        b = run_step(beam_step_numpy, K, log_probs, beam_scores, alive, step, limits, length_penalty, slow)
        for x, y in zip(a + fast, b + slow):
            np.testing.assert_array_equal(x, y)
        tokens, parents, scores, done = a
        if done.all():
            break
        alive, beam_scores = alive[~done], scores[~done]
    assert fast[4].min() >= 1  # every sentence finished something


def test_equal_candidates_are_taken_in_index_order():
    log_probs = np.full((1, 2, 5), -1.0, np.float32)  # two rows, every word equally likely
    beam_scores = np.zeros((1, 2), np.float32)
    for step_function in (beam_step_kernel, beam_step_numpy):
        finished = finished_set(1, 1)
        tokens, parents, scores, done = run_step(step_function, 3, log_probs, beam_scores, np.array([0]), 0,
                                                 np.array([9]), 0.0, finished)
        assert tokens.tolist() == [[0, 1, 2]] and parents.tolist() == [[0, 0, 0]]  # </s> (3) is rank 3: dropped
        assert finished[4].tolist() == [0] and not done[0]


def test_at_the_limit_every_live_row_finishes_with_end_of_sentence():
    log_probs = np.log(np.float32([[[0.1, 0.1, 0.1, 0.1, 0.6], [0.5, 0.1, 0.1, 0.2, 0.1]]]))  # </s> is word 3
    beam_scores = np.float32([[-1.0, -2.0]])  # the limit is 4: at step 4 only </s> may follow
    for step_function in (beam_step_kernel, beam_step_numpy):
        finished = finished_set(1, 2)
        *_, done = run_step(step_function, 2, log_probs, beam_scores, np.array([0]), 4, np.array([4]), 0.0,
                            finished)
        norms, scores, steps, parents, counts = finished
        assert done[0] and counts[0] == 2 and steps[0].tolist() == [4, 4]
        np.testing.assert_allclose(scores[0], [-1.0 + np.log(0.1), -2.0 + np.log(0.2)], rtol=1e-6)
        assert parents[0].tolist() == [0, 1]  # best first: -3.30 (row 0) before -3.61 (row 1)
