"""The weight classes and the three pruning schemes of See, Luong & Manning (2016) on hand-made weights: exactly
which entries go, worked out by hand below each test's weights."""

import numpy as np
import pytest

from tinyseqkd.model import ModelArgs, Seq2Seq
from tinyseqkd.prune import (
    PruningError,
    class_of,
    distribution_lambda,
    format_sparsity_report,
    lambda_masks,
    model_weights,
    prune_masks,
    prune_model,
    sparsity_report,
    weight_classes,
)

pytestmark = pytest.mark.ch10_pruning

T, F = True, False


def hand_made_weights():
    """Four classes of four weights each, plus two biases that are never pruned.

    class                   values                     σ (population)   |w| / σ
    source embedding        .5  −.1  .2  .9            0.370            1.351  .270  .541 2.433
    encoder layer 0         4   −1   2   3             1.871            2.138  .535 1.069 1.604
      (encoder.layers.0.W_ih only: this layer has no W_hh here)
    decoder layer 0         .05 .06 | −5 .7            2.297            .0218 .0261 2.177 .3047
      (decoder.layers.0.W_ih | input_feed.weight: one class)
    softmax W_o             .4  −.4  .4  .01           0.331            1.209 1.209 1.209 .0302
    """
    f32 = lambda rows: np.array(rows, np.float32)  # noqa: E731
    return {
        "src_embedding.weight": f32([[0.5, -0.1], [0.2, 0.9]]),
        "encoder.layers.0.W_ih": f32([[4.0, -1.0], [2.0, 3.0]]),
        "encoder.layers.0.bias": f32([1e-4, -1e-4]),
        "decoder.layers.0.W_ih": f32([[0.05, 0.06]]),
        "input_feed.weight": f32([[-5.0, 0.7]]),
        "generator.weight": f32([[0.4, -0.4], [0.4, 0.01]]),
        "generator.bias": f32([0.0, 0.0]),
    }


def assert_masks(masks, expected):
    assert sorted(masks) == sorted(expected)
    for name, keep in expected.items():
        assert masks[name].dtype == bool
        np.testing.assert_array_equal(masks[name], np.array(keep), err_msg=name)


def test_class_blind_prunes_the_smallest_magnitudes_of_the_whole_model_earlier_first_on_ties():
    # 0.45 · 16 = 7.2 → 7 go: .01 .05 .06 .1 .2 and two of the three |.4| (the first two in model order)
    masks = prune_masks(hand_made_weights(), "class-blind", 0.45)
    assert_masks(masks, {
        "src_embedding.weight": [[T, F], [F, T]],
        "encoder.layers.0.W_ih": [[T, T], [T, T]],
        "decoder.layers.0.W_ih": [[F, F]],
        "input_feed.weight": [[T, T]],
        "generator.weight": [[F, F], [T, F]],
    })


def test_class_uniform_prunes_the_same_share_of_each_class():
    # 0.5 · 4 = 2 per class; the decoder's layer-0 pair is one class, so both its smallest sit in W_ih's half;
    # in W_o the tie at |.4| goes to the first.
    masks = prune_masks(hand_made_weights(), "class-uniform", 0.5)
    assert_masks(masks, {
        "src_embedding.weight": [[T, F], [F, T]],
        "encoder.layers.0.W_ih": [[T, F], [F, T]],
        "decoder.layers.0.W_ih": [[F, F]],
        "input_feed.weight": [[T, T]],
        "generator.weight": [[F, T], [T, F]],
    })


def test_class_distribution_prunes_the_smallest_magnitude_per_class_std():
    # 7 smallest |w|/σ: .0218 .0261 (decoder W_ih) .0302 (W_o) .270 (emb) .3047 (input_feed) .535 (encoder −1)
    # .541 (emb .2). Unlike class-blind it takes the encoder's −1 and input_feed's .7 and spares W_o's |.4|s.
    weights = hand_made_weights()
    masks = prune_masks(weights, "class-distribution", 0.45)
    assert_masks(masks, {
        "src_embedding.weight": [[T, F], [F, T]],
        "encoder.layers.0.W_ih": [[T, F], [T, T]],
        "decoder.layers.0.W_ih": [[F, F]],
        "input_feed.weight": [[T, F]],
        "generator.weight": [[T, T], [T, F]],
    })
    sigma = np.std(np.array([0.5, -0.1, 0.2, 0.9]))
    assert distribution_lambda(weights, masks) == pytest.approx(0.2 / sigma, rel=1e-6)  # the largest pruned score


def test_class_distribution_with_lambda_given_prunes_below_lambda_sigma():
    # |w|/σ < 0.3: .0218 .0261 .0302 .270
    masks = lambda_masks(hand_made_weights(), 0.3)
    assert_masks(masks, {
        "src_embedding.weight": [[T, F], [T, T]],
        "encoder.layers.0.W_ih": [[T, T], [T, T]],
        "decoder.layers.0.W_ih": [[F, F]],
        "input_feed.weight": [[T, T]],
        "generator.weight": [[T, T], [T, F]],
    })


def test_leaving_the_embeddings_unpruned_prunes_the_ratio_of_the_other_classes():
    # 0.5 · 12 = 6 of the non-embedding weights: .01 .05 .06 and all three |.4|
    masks = prune_masks(hand_made_weights(), "class-blind", 0.5, prune_embeddings=False)
    assert_masks(masks, {
        "encoder.layers.0.W_ih": [[T, T], [T, T]],
        "decoder.layers.0.W_ih": [[F, F]],
        "input_feed.weight": [[T, T]],
        "generator.weight": [[F, F], [F, F]],
    })


def test_a_layer_s_input_and_recurrent_matrices_are_one_class_with_one_threshold():
    """See et al.: an LSTM layer is one class, its input and recurrent matrices together.

    class            values                              σ (pop.)  |w| / σ
    encoder layer 0  W_ih 4 −3 2 −1 | W_hh .1 −.2 .3 −.4  1.933     2.069 1.552 1.035 .517 | .052 .104 .155 .207
    softmax W_o      .4  −.4  .4  .01                     0.331     1.209 1.209 1.209 .0302

    Split into an "input" and a "recurrent" class (σ 2.693 and 0.269), each half would be pruned on its own terms:
    class-uniform at 50% would take −1 and 2 from W_ih and .1 and −.2 from W_hh, and λ = 0.3 would leave W_hh
    whole (0.3 · 0.269 = .081 < .1).
    """
    f32 = lambda rows: np.array(rows, np.float32)  # noqa: E731
    weights = {
        "encoder.layers.0.W_ih": f32([[4.0, -3.0], [2.0, -1.0]]),
        "encoder.layers.0.W_hh": f32([[0.1, -0.2], [0.3, -0.4]]),
        "encoder.layers.0.bias": f32([0.0, 0.0]),
        "generator.weight": f32([[0.4, -0.4], [0.4, 0.01]]),
    }
    assert class_of("encoder.layers.0.W_ih") == class_of("encoder.layers.0.W_hh") == "encoder layer 0"
    # class-uniform, 50%: 4 of the layer's 8 weights go — its four smallest, all in W_hh — and 2 of W_o's 4
    assert_masks(prune_masks(weights, "class-uniform", 0.5), {
        "encoder.layers.0.W_ih": [[T, T], [T, T]],
        "encoder.layers.0.W_hh": [[F, F], [F, F]],
        "generator.weight": [[F, T], [T, F]],
    })
    # λ = 0.3: one threshold for the layer, 0.3 · 1.933 = .580 — all of W_hh goes, none of W_ih; in W_o only .01
    assert_masks(lambda_masks(weights, 0.3), {
        "encoder.layers.0.W_ih": [[T, T], [T, T]],
        "encoder.layers.0.W_hh": [[F, F], [F, F]],
        "generator.weight": [[T, T], [T, F]],
    })
    # class-distribution, 50%: the 6 smallest |w|/σ: .0302 (W_o), W_hh's four, then W_ih's −1 (.517) = λ
    masks = prune_masks(weights, "class-distribution", 0.5)
    assert_masks(masks, {
        "encoder.layers.0.W_ih": [[T, T], [T, F]],
        "encoder.layers.0.W_hh": [[F, F], [F, F]],
        "generator.weight": [[T, T], [T, F]],
    })
    layer = np.array([4.0, -3.0, 2.0, -1.0, 0.1, -0.2, 0.3, -0.4])
    assert distribution_lambda(weights, masks) == pytest.approx(1.0 / np.std(layer), rel=1e-6)


@pytest.mark.parametrize("scheme", ["class-blind", "class-uniform", "class-distribution"])
def test_ratio_zero_keeps_everything_and_the_count_is_exact(scheme):
    weights = hand_made_weights()
    assert all(keep.all() for keep in prune_masks(weights, scheme, 0.0).values())
    masks = prune_masks(weights, scheme, 0.75)
    assert sum(int((~keep).sum()) for keep in masks.values()) == 12


def test_bad_requests_are_plain_errors():
    with pytest.raises(PruningError, match="class-blind, class-uniform, class-distribution"):
        prune_masks(hand_made_weights(), "class-random", 0.5)
    with pytest.raises(PruningError, match="--ratio"):
        prune_masks(hand_made_weights(), "class-blind", 80)
    weights = hand_made_weights()
    weights["generator.weight"][0, 0] = np.nan
    with pytest.raises(PruningError, match="softmax W_o.*NaN"):
        prune_masks(weights, "class-blind", 0.5)


def tiny_model():
    return Seq2Seq(ModelArgs(src_vocab_size=7, tgt_vocab_size=6, embedding_size=3, hidden_size=4, layers=2),
                   np.random.default_rng(0))


def test_the_model_s_classes_follow_see_et_al_one_class_per_lstm_layer():
    classes = weight_classes(model_weights(tiny_model()))
    assert [c.name for c in classes] == [
        "source embedding", "target embedding", "encoder layer 0", "encoder layer 1", "decoder layer 0",
        "decoder layer 1", "attention W_a", "attentional layer W_c", "softmax W_o",
    ]
    by_name = {c.name: c.members for c in classes}
    assert by_name["encoder layer 1"] == ("encoder.layers.1.W_ih", "encoder.layers.1.W_hh")
    assert by_name["decoder layer 0"] == ("decoder.layers.0.W_ih", "decoder.layers.0.W_hh", "input_feed.weight")
    assert by_name["decoder layer 1"] == ("decoder.layers.1.W_ih", "decoder.layers.1.W_hh")
    members = [name for c in classes for name in c.members]
    unpruned = {name for name, _ in tiny_model().named_parameters()} - set(members)
    assert unpruned == {"encoder.layers.0.bias", "encoder.layers.1.bias", "decoder.layers.0.bias",
                        "decoder.layers.1.bias", "generator.bias"}
    assert len(members) == len(set(members))


def test_a_parameter_the_class_table_does_not_know_is_an_error_not_silently_skipped():
    with pytest.raises(ValueError, match="CLASS_TABLE"):
        class_of("decoder.h_tilde_feed.weight")
    assert class_of("combine.weight") == "attentional layer W_c"
    assert class_of("decoder.layers.1.bias") is None


def test_prune_model_zeroes_the_weights_and_the_report_counts_them():
    model = tiny_model()
    masks = prune_model(model, "class-uniform", 0.5)
    weights = model_weights(model)
    for name, keep in masks.items():
        assert np.all(weights[name][~keep] == 0) and not np.any(np.signbit(weights[name][~keep]))
    rows = {row.name: row for row in sparsity_report(weights, masks)}
    assert (rows["decoder layer 0"].size, rows["decoder layer 0"].pruned) == ((3 + 4 + 4) * 16, 88)  # E + H + H rows
    assert rows["biases (never pruned)"].pruned == 0
    assert rows["total"].size == model.num_parameters()
    assert rows["total"].pruned == rows["all classes"].pruned == sum(int((~k).sum()) for k in masks.values())
    assert "decoder layer 0" in format_sparsity_report(list(rows.values()))
