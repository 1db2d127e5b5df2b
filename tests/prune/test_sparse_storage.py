"""Sparse storage of pruned weights: bit-identical round trips, read without pickle, and smaller than dense by about
the sparsity (See, Luong & Manning 2016; Kim & Rush Sec. 5.2)."""

import io

import numpy as np
import pytest

from tinyseqkd.model import ModelArgs, Seq2Seq
from tinyseqkd.optim import Adam
from tinyseqkd.prune import (
    from_sparse,
    load_arrays,
    pack_arrays,
    packed_nbytes,
    prune_model,
    save_arrays,
    to_sparse,
    unpack_arrays,
)

pytestmark = pytest.mark.ch10_pruning


def assert_bit_identical(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("array", [
    np.array([0.0, -0.0, 1.5, 0.0, np.nan, -np.inf, 0.0, 2.0, 0.0, 0.0, 3.0, 0.0, 1e-45], np.float32),  # 13 entries
    np.zeros((3, 5), np.float32),
    np.arange(1, 25, dtype=np.float64).reshape(2, 3, 4),
    np.array([[0, 7, 0], [0, 0, -3]], np.int32),
    np.array([[True, False, False], [False, True, True]]),
], ids=["specials", "all-zero", "no-zero-float64", "int32", "bool"])
def test_sparse_round_trip_is_bit_identical(array):
    bits, values, shape = to_sparse(array)
    assert bits.dtype == np.uint8 and bits.size == (array.size + 7) // 8
    assert_bit_identical(from_sparse(bits, values, shape), array)


def test_pack_keeps_dense_what_would_not_shrink_and_unpacks_everything_exactly():
    rng = np.random.default_rng(0)
    sparse = rng.standard_normal((40, 50)).astype(np.float32)
    sparse[rng.random(sparse.shape) < 0.8] = 0.0
    arrays = {
        "model/generator.weight": sparse,
        "model/generator.bias": rng.standard_normal(50).astype(np.float32),  # dense: stays as it is
        "optim/mask/generator.weight": sparse != 0,
        "__header__": np.frombuffer(b'{"format": 1}', np.uint8),
        "scalar": np.float32(0.0).reshape(()),
    }
    packed = pack_arrays(arrays)
    assert "model/generator.weight" not in packed and "model/generator.weight::values" in packed
    assert packed["model/generator.bias"] is arrays["model/generator.bias"]
    assert packed["optim/mask/generator.weight::mask"].nbytes == 40 * 50 // 8
    assert "__header__" in packed and "scalar" in packed
    unpacked = unpack_arrays(packed)
    assert list(unpacked) == list(arrays)
    for key, array in arrays.items():
        assert_bit_identical(unpacked[key], np.asarray(array))


def test_save_and_load_round_trip_without_pickle(tmp_path):
    rng = np.random.default_rng(1)
    weight = rng.standard_normal((64, 32)).astype(np.float32)
    weight[rng.random(weight.shape) < 0.9] = 0.0
    arrays = {"model/w": weight, "optim/mask/w": weight != 0}
    save_arrays(tmp_path / "pruned.npz", arrays)
    assert (tmp_path / "pruned.npz").stat().st_size == packed_nbytes(arrays)
    with np.load(tmp_path / "pruned.npz", allow_pickle=False) as archive:  # plain arrays only
        assert all(archive[key].dtype != object for key in archive.files)
    loaded = load_arrays(tmp_path / "pruned.npz")
    for key, array in arrays.items():
        assert_bit_identical(loaded[key], array)


def npz_bytes(arrays, packed):
    if packed:
        return packed_nbytes(arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return len(buffer.getvalue())


@pytest.mark.parametrize("ratio", [0.5, 0.8, 0.9])
def test_a_pruned_model_stored_sparse_is_smaller_by_about_the_sparsity(ratio):
    args = ModelArgs(src_vocab_size=1000, tgt_vocab_size=1000, embedding_size=64, hidden_size=64, layers=2)
    model = Seq2Seq(args, np.random.default_rng(0))
    masks = prune_model(model, "class-blind", ratio)
    optimizer = Adam(model.named_parameters())
    optimizer.set_masks(masks)
    state = {f"model/{name}": array for name, array in model.state_dict().items()}
    _, optimizer_arrays = optimizer.state_dict()  # masks, and Adam's moments (all zero so far)
    state.update({f"optim/{key}": array for key, array in optimizer_arrays.items()})

    weights_only = {k: v for k, v in state.items() if k.startswith("model/")}
    dense, sparse = npz_bytes(weights_only, packed=False), npz_bytes(weights_only, packed=True)
    zeros = 1 - model.num_parameters(nonzero=True) / model.num_parameters()
    assert zeros == pytest.approx(ratio, abs=0.03)  # biases and padding rows shift it a little
    assert (1 - zeros) < sparse / dense < (1 - zeros) + 1 / 32 + 0.02  # the survivors + one bit per weight
    buffer = io.BytesIO()
    save_arrays(buffer, state)  # weights, masks and moments together, as a checkpoint holds them
    restored = load_arrays(io.BytesIO(buffer.getvalue()))
    for key, array in state.items():
        assert_bit_identical(restored[key], array)
