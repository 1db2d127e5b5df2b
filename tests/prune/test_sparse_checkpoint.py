"""Pruned checkpoints stored sparse (checkpoint format 2; Kim & Rush Sec. 5.2): bit-identical round trips of the
weights, Adam's moments and the masks, about (1 − sparsity) of the dense file's size, readable by any numpy without
pickle, format 1 files still read, and a damaged sparse array one clear error."""

import json
import zipfile

import numpy as np
import pytest

from tinyseqkd.checkpoint import FORMAT_VERSION, HEADER_KEY, load_checkpoint, restore, save_checkpoint
from tinyseqkd.errors import CheckpointError
from tinyseqkd.model import ModelArgs, Seq2Seq
from tinyseqkd.optim import Adam
from tinyseqkd.prune import prune_model

pytestmark = pytest.mark.ch10_pruning

RATIO = 0.8


def pruned_run(seed=0):
    """A model pruned by 80% and an Adam that took two masked steps (moments non-zero only at the survivors)."""
    args = ModelArgs(1000, 1000, embedding_size=64, hidden_size=64, layers=2, dropout=0.3)
    model = Seq2Seq(args, np.random.default_rng(seed))
    optimizer = Adam(model.named_parameters(), lr=0.01)
    optimizer.set_masks(prune_model(model, "class-blind", RATIO))
    rng = np.random.default_rng(seed + 1)
    for _ in range(2):
        for p in model.parameters():
            p.grad = rng.standard_normal(p.shape).astype(p.dtype)
        optimizer.clip_grad_norm(5.0)
        optimizer.step()
    return model, optimizer


def all_arrays(checkpoint_path) -> dict[str, np.ndarray]:
    """What the checkpoint holds, unpacked, by archive key (the header left out)."""
    return load_checkpoint(checkpoint_path).arrays


def dense_npz(path, arrays: dict, header: dict) -> None:
    """Write ``arrays`` the way format 1 did: every array dense."""
    np.savez(path, **arrays, **{HEADER_KEY: np.frombuffer(json.dumps(header).encode(), np.uint8)})


@pytest.fixture
def saved(tmp_path):
    model, optimizer = pruned_run()
    path = save_checkpoint(tmp_path / "pruned.npz", model=model, optimizer=optimizer, step=2)
    return model, optimizer, path


def test_a_pruned_checkpoint_round_trips_bit_identically(saved):
    model, optimizer, path = saved
    fresh = Seq2Seq(model.args, np.random.default_rng(7))
    fresh_optimizer = Adam(fresh.named_parameters(), lr=0.5)
    restore(load_checkpoint(path), model=fresh, optimizer=fresh_optimizer)
    for name, p in model.named_parameters():
        assert fresh.state_dict()[name].tobytes() == p.data.tobytes(), name
        assert fresh_optimizer.m[name].tobytes() == optimizer.m[name].tobytes(), name
        assert fresh_optimizer.v[name].tobytes() == optimizer.v[name].tobytes(), name
    assert sorted(fresh_optimizer.masks) == sorted(optimizer.masks)
    for name, keep in optimizer.masks.items():
        np.testing.assert_array_equal(fresh_optimizer.masks[name], keep)


def test_the_file_is_sparse_and_any_numpy_reads_it_without_pickle(saved):
    _, _, path = saved
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert "model/generator.weight::values.npy" in names and "model/generator.weight.npy" not in names
    assert "model/generator.bias.npy" in names  # biases are never pruned: dense, as they were
    assert "optim/mask/generator.weight::mask.npy" in names  # a mask: one bit per entry
    with np.load(path, allow_pickle=False) as archive:
        assert all(archive[key].dtype != object for key in archive.files)
        header = json.loads(archive[HEADER_KEY].tobytes())
    assert header["format_version"] == FORMAT_VERSION == 2


def test_a_pruned_checkpoint_is_smaller_than_the_dense_one_by_about_the_sparsity(saved, tmp_path):
    model, _, path = saved
    header = load_checkpoint(path).header
    dense_npz(tmp_path / "dense.npz", all_arrays(path), header)
    zeros = 1 - model.num_parameters(nonzero=True) / model.num_parameters()
    assert zeros == pytest.approx(RATIO, abs=0.03)
    ratio = path.stat().st_size / (tmp_path / "dense.npz").stat().st_size
    # weights and both moments keep (1 − zeros) of their bytes plus a bit per entry (3/32 of 13/4 → 0.03), the
    # masks shrink 8×; then the archive's entries (≈ 0.01 here)
    assert 1 - zeros < ratio < 1 - zeros + 0.05


def test_format_1_checkpoints_still_load(saved, tmp_path):
    model, optimizer, path = saved
    header = {**load_checkpoint(path).header, "format_version": 1}
    old = tmp_path / "format1.npz"
    dense_npz(old, all_arrays(path), header)
    fresh = Seq2Seq(model.args, np.random.default_rng(3))
    fresh_optimizer = Adam(fresh.named_parameters())
    restore(load_checkpoint(old), model=fresh, optimizer=fresh_optimizer)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(fresh.state_dict()[name], p.data, err_msg=name)
    assert sorted(fresh_optimizer.masks) == sorted(optimizer.masks)


def rewritten(path, tmp_path, change) -> "Path":  # noqa: F821
    """A copy of the checkpoint with its raw (packed) arrays changed by ``change(arrays)``."""
    with np.load(path) as archive:
        arrays = {key: archive[key] for key in archive.files}
    change(arrays)
    bad = tmp_path / "damaged.npz"
    np.savez(bad, **arrays)
    return bad


@pytest.mark.parametrize("change", [
    lambda arrays: arrays.pop("model/generator.weight::values"),  # a part missing: the values
    lambda arrays: arrays.pop("model/generator.weight::shape"),  # … the shape (the bits and values are orphans)
    lambda arrays: arrays.update({"model/generator.weight::values": arrays["model/generator.weight::values"][1:]}),
    lambda arrays: arrays.update({"optim/mask/generator.weight::mask": np.zeros(3, np.uint8)}),  # too few bits
    lambda arrays: arrays.update({"model/generator.weight::bits": np.zeros(3, np.float32)}),  # not bits at all
], ids=["no-values", "no-shape", "a-value-short", "mask-bits-short", "bits-of-floats"])
def test_a_damaged_sparse_array_is_one_clear_error(saved, tmp_path, change):
    _, _, path = saved
    with pytest.raises(CheckpointError, match=r"damaged\.npz: truncated or corrupt .*use another checkpoint"):
        load_checkpoint(rewritten(path, tmp_path, change))


def test_an_unpruned_model_is_stored_dense_under_its_own_names(tmp_path):
    model = Seq2Seq(ModelArgs(30, 30, embedding_size=8, hidden_size=8, layers=1), np.random.default_rng(0))
    path = save_checkpoint(tmp_path / "dense.npz", model=model)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    assert names == {f"model/{name}.npy" for name, _ in model.named_parameters()} | {f"{HEADER_KEY}.npy"}
