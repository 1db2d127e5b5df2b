"""The whole model on the numba kernels and on their numpy twins: the same loss, every parameter's gradient, the
same greedy output and the same beam n-best lists with their scores (to float32 precision)."""

from types import SimpleNamespace

import numpy as np
import pytest

from kernel_paths import path_functions, running_only
from tinyseqkd.autograd import functional as F
from tinyseqkd.decoding import beam_search, greedy_decode
from tinyseqkd.distill.word_kd import teacher_output_inputs
from tinyseqkd.distill.word_kd_output import word_kd_output_loss
from tinyseqkd.model import ModelArgs, Seq2Seq

pytestmark = [pytest.mark.ch04_model, pytest.mark.ch06_kernels]

SRC = np.array([[4, 5, 6, 7, 2], [3, 0, 0, 0, 0], [6, 8, 9, 0, 0]])
SRC_LENGTHS = np.array([5, 1, 3])
TGT_IN = np.array([[2, 4, 5, 9, 6], [2, 3, 0, 0, 0], [2, 5, 5, 7, 0]])
TGT_OUT = np.array([[4, 5, 9, 6, 3], [3, 3, 0, 0, 0], [5, 5, 7, 3, 0]])
BATCH = SimpleNamespace(src=SRC, src_lengths=SRC_LENGTHS, tgt_in=TGT_IN, tgt_out=TGT_OUT)


def small_model(seed: int) -> Seq2Seq:
    args = ModelArgs(src_vocab_size=11, tgt_vocab_size=10, embedding_size=6, hidden_size=8, layers=2,
                     dropout=0.0, init_scale=0.8)
    return Seq2Seq(args, np.random.default_rng(seed))


def everything(model: Seq2Seq):
    """Loss, the gradient of every parameter (from the fused training loss, from the log-probabilities that
    Word-KD's definition differentiates, and from Word-KD as training runs it), greedy outputs and the beam n-best
    lists of one small batch."""
    model.train()
    grads = {}
    teacher_side = teacher_output_inputs(model, BATCH)  # the model as its own Word-KD teacher
    weights = (TGT_OUT != 0) / (TGT_OUT != 0).sum()
    word_kd = lambda: word_kd_output_loss(model.attentional_states(SRC, SRC_LENGTHS, TGT_IN), model.generator.weight,
                                          model.generator.bias, teacher_side, TGT_OUT, weights, temperature=2.0)[0]
    for kind, loss_of in (("fused", lambda: model.loss(BATCH)),
                          ("log_probs", lambda: F.nll_loss(model(SRC, SRC_LENGTHS, TGT_IN), TGT_OUT)),
                          ("word_kd", word_kd)):
        model.zero_grad()
        loss = loss_of()
        loss.backward()
        grads.update({f"{kind} {name}": p.grad.copy() for name, p in model.named_parameters()})
    greedy = [ids.tolist() for ids in greedy_decode(model, SRC, SRC_LENGTHS)]
    nbest = beam_search(model, SRC, SRC_LENGTHS, beam_size=4, n_best=3, length_penalty=0.6)
    return loss.item(), grads, greedy, nbest


@pytest.mark.parametrize("seed", [0, 1])
def test_numba_and_numpy_paths_give_the_same_model(seed):
    model = small_model(seed)
    with running_only("numba") as fast_calls:
        fast = everything(model)
    with running_only("numpy") as slow_calls:
        slow = everything(model)
    assert set(fast_calls) == {name for _, name in path_functions("numba")}  # every kernel ran ...
    assert set(slow_calls) == {name for _, name in path_functions("numpy")}  # ... and, the other time, every twin

    (fast_loss, fast_grads, fast_greedy, fast_nbest), (slow_loss, slow_grads, slow_greedy, slow_nbest) = fast, slow
    assert fast_loss == pytest.approx(slow_loss, rel=1e-6)
    assert fast_grads.keys() == slow_grads.keys()
    for name in fast_grads:
        np.testing.assert_allclose(fast_grads[name], slow_grads[name], rtol=1e-4, atol=1e-6, err_msg=name)
    assert fast_greedy == slow_greedy
    for a, b in zip(fast_nbest, slow_nbest):
        assert [h.ids.tolist() for h in a] == [h.ids.tolist() for h in b]
        np.testing.assert_allclose([h.score for h in a], [h.score for h in b], rtol=1e-5)
        np.testing.assert_allclose([h.normalized_score for h in a], [h.normalized_score for h in b], rtol=1e-5)
