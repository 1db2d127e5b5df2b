"""The attentional encoder–decoder: gradients end to end, masking, and the decoder step reused by decoding."""

import numpy as np
import pytest

from tinyseqkd.autograd import no_grad
from tinyseqkd.autograd import functional as F
from tinyseqkd.model import ModelArgs, Seq2Seq
from tinyseqkd.nn import gradcheck_module

pytestmark = pytest.mark.ch04_model


def tiny_model(seed=0, dropout=0.0, layers=2):
    args = ModelArgs(src_vocab_size=7, tgt_vocab_size=6, embedding_size=3, hidden_size=4, layers=layers,
                     dropout=dropout)
    return Seq2Seq(args, np.random.default_rng(seed))


SRC = np.array([[4, 5, 6, 2], [3, 0, 0, 0], [6, 6, 0, 0]])
SRC_LENGTHS = np.array([4, 1, 2])
TGT_IN = np.array([[2, 4, 5], [2, 3, 0], [2, 5, 5]])
TGT_OUT = np.array([[4, 5, 3], [3, 3, 0], [5, 5, 3]])


def test_whole_model_gradcheck_on_a_padded_batch():
    model = tiny_model()
    loss = lambda: F.nll_loss(model(SRC, SRC_LENGTHS, TGT_IN), TGT_OUT)  # noqa: E731
    assert gradcheck_module(model, loss, max_entries=12, atol=1e-7, rtol=1e-4)


def test_whole_model_gradcheck_of_the_fused_training_loss():
    from types import SimpleNamespace

    model = tiny_model()
    batch = SimpleNamespace(src=SRC, src_lengths=SRC_LENGTHS, tgt_in=TGT_IN, tgt_out=TGT_OUT)
    assert gradcheck_module(model, lambda: model.loss(batch), max_entries=12, atol=1e-7, rtol=1e-4)


def test_the_training_loss_is_the_mean_nll_of_the_log_probabilities_with_the_same_gradients():
    """model.loss (the output layer, log-softmax and NLL fused) against F.nll_loss(model(...)) composed."""
    from types import SimpleNamespace

    batch = SimpleNamespace(src=SRC, src_lengths=SRC_LENGTHS, tgt_in=TGT_IN, tgt_out=TGT_OUT)
    fused, composed = tiny_model(), tiny_model()
    fused_loss = fused.loss(batch)
    composed_loss = F.nll_loss(composed(SRC, SRC_LENGTHS, TGT_IN), TGT_OUT)
    fused_loss.backward()
    composed_loss.backward()
    assert fused_loss.item() == pytest.approx(composed_loss.item(), rel=1e-6)
    for (name, ours), (_, reference) in zip(fused.named_parameters(), composed.named_parameters()):
        np.testing.assert_allclose(ours.grad, reference.grad, rtol=1e-4, atol=1e-7, err_msg=name)


def test_log_probabilities_are_normalised_over_the_vocabulary():
    log_probs = tiny_model()(SRC, SRC_LENGTHS, TGT_IN)
    assert log_probs.shape == (3, 3, 6)
    np.testing.assert_allclose(np.exp(log_probs.data).sum(-1), 1.0, rtol=1e-5)


def test_padding_in_the_source_changes_nothing():
    model = tiny_model()
    garbage = SRC.copy()
    garbage[1, 1:] = 5  # the padding of sentence 2 now holds real ids, but its length still says 1
    a = model(SRC, SRC_LENGTHS, TGT_IN).data
    b = model(garbage, SRC_LENGTHS, TGT_IN).data
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_batched_equals_one_sentence_at_a_time():
    model = tiny_model().eval()
    together = model(SRC, SRC_LENGTHS, TGT_IN).data
    for b in range(3):
        n = SRC_LENGTHS[b]
        alone = model(SRC[b:b + 1, :n], SRC_LENGTHS[b:b + 1], TGT_IN[b:b + 1]).data
        np.testing.assert_allclose(alone[0], together[b], rtol=1e-5, atol=1e-6)


def test_decode_step_reproduces_teacher_forcing():
    model = tiny_model().eval()
    with no_grad():
        forced = model(SRC, SRC_LENGTHS, TGT_IN).data
        encoded = model.encode(SRC, SRC_LENGTHS)
        h_tilde, states = model.initial_h_tilde(3), encoded.final_states
        for j in range(TGT_IN.shape[1]):
            h_tilde, states, weights = model.decode_step(TGT_IN[:, j], h_tilde, states, encoded)
            np.testing.assert_allclose(model.log_probs(h_tilde).data, forced[:, j], rtol=1e-5, atol=1e-6)
            assert np.all(weights.data[1, 1:] == 0)


def test_dropout_uses_the_model_generator_and_only_in_training():
    model = tiny_model(dropout=0.5)
    a = model(SRC, SRC_LENGTHS, TGT_IN).data
    b = model(SRC, SRC_LENGTHS, TGT_IN).data
    assert not np.allclose(a, b)  # new masks each call
    model.eval()
    np.testing.assert_array_equal(model(SRC, SRC_LENGTHS, TGT_IN).data, model(SRC, SRC_LENGTHS, TGT_IN).data)
