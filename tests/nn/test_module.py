"""Module bookkeeping and the basic layers."""

import numpy as np
import pytest

from tinyseqkd.autograd import Tensor, gradcheck
from tinyseqkd.nn import LSTM, Dropout, Embedding, Linear, Module, gradcheck_module

pytestmark = pytest.mark.ch02_layers


class Tiny(Module):
    def __init__(self, rng):
        super().__init__()
        self.embed = Embedding(5, 3, rng)
        self.rnn = LSTM(3, 4, num_layers=2, rng=rng)
        self.out = Linear(4, 5, rng)


def test_named_parameters_are_dotted_and_ordered(rng):
    names = [name for name, _ in Tiny(rng).named_parameters()]
    assert names[:2] == ["embed.weight", "rnn.layers.0.W_ih"]
    assert names[-2:] == ["out.weight", "out.bias"]
    assert len(names) == len(set(names)) == 1 + 2 * 3 + 2


def test_parameter_count(rng):
    model = Tiny(rng)
    lstm = 4 * 4 * (3 + 4 + 1) + 4 * 4 * (4 + 4 + 1)
    assert model.num_parameters() == 5 * 3 + lstm + 4 * 5 + 5
    model.out.weight.data[:] = 0
    assert model.num_parameters(nonzero=True) == model.num_parameters() - 20 - 3  # + the padding row


def test_state_dict_round_trip_is_exact(rng):
    source, target = Tiny(rng), Tiny(np.random.default_rng(99))
    target.load_state_dict(source.state_dict())
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)


def test_load_state_dict_names_what_does_not_fit(rng):
    model = Tiny(rng)
    state = model.state_dict()
    state["out.weight"] = np.zeros((4, 6), np.float32)
    with pytest.raises(ValueError, match=r"out.weight.*\(4, 6\)"):
        model.load_state_dict(state)
    del state["out.weight"]
    with pytest.raises(ValueError, match="missing.*out.weight"):
        model.load_state_dict(state)


def test_train_and_eval_reach_every_submodule(rng):
    model = Tiny(rng).eval()
    assert not any(m.training for _, m in model.named_modules())
    model.train()
    assert all(m.training for _, m in model.named_modules())


def test_embedding_padding_row_gets_no_gradient(rng):
    embed = Embedding(5, 3, rng, padding_index=0)
    ids = np.array([[0, 2, 2], [1, 0, 4]])
    out = embed(ids)
    assert np.all(out.data[ids == 0] == 0)
    (out * rng.standard_normal(out.shape)).sum().backward()
    assert np.all(embed.weight.grad[0] == 0)
    assert np.any(embed.weight.grad[2] != 0)
    assert gradcheck_module(embed, lambda: (embed(ids) ** 2).sum())


def test_linear_gradcheck_over_leading_axes(rng):
    layer = Linear(3, 2, rng)
    x = rng.standard_normal((2, 4, 3))
    assert gradcheck(lambda x: layer(x), x)
    assert gradcheck_module(layer, lambda: layer(Tensor(x, dtype=np.float64)).tanh().sum())


def test_dropout_is_seeded_and_off_in_eval():
    x = Tensor(np.ones((4, 50)))
    a = Dropout(0.5, np.random.default_rng(1))(x)
    b = Dropout(0.5, np.random.default_rng(1))(x)
    np.testing.assert_array_equal(a.data, b.data)
    assert set(np.unique(a.data)) == {0.0, 2.0}
    layer = Dropout(0.5, np.random.default_rng(1)).eval()
    assert layer(x) is x
