"""Checkpoints: exact round trips, exact resume, and one clear error for every kind of bad file."""

import json
import zipfile

import numpy as np
import pytest

from tinyseqkd import threads
from tinyseqkd.checkpoint import FORMAT_VERSION, load_checkpoint, restore, save_checkpoint, thread_change_note
from tinyseqkd.errors import CheckpointError
from tinyseqkd.optim import Adam
from lm_helpers import TinyLM, tiny_sequences, train

pytestmark = pytest.mark.ch02_layers


def _trained(seed=0, steps=3):
    rng = np.random.default_rng(seed)
    model = TinyLM(rng, dropout=0.3)
    optimizer = Adam(model.named_parameters(), lr=0.01)
    train(model, optimizer, tiny_sequences(), steps)
    return model, optimizer, rng


def test_round_trip_restores_parameters_optimizer_and_rng_exactly(tmp_path):
    model, optimizer, rng = _trained()
    optimizer.set_mask("out.weight", np.random.default_rng(5).random(model.out.weight.shape) > 0.2)
    path = save_checkpoint(tmp_path / "ckpt.npz", model=model, optimizer=optimizer, rngs={"dropout": rng},
                           step=3, config={"lr": 0.01})
    fresh_rng = np.random.default_rng(123)
    fresh = TinyLM(fresh_rng, dropout=0.3)
    fresh_optimizer = Adam(fresh.named_parameters(), lr=0.5)
    checkpoint = load_checkpoint(path)
    restore(checkpoint, model=fresh, optimizer=fresh_optimizer, rngs={"dropout": fresh_rng})

    assert checkpoint.header["step"] == 3 and checkpoint.header["config"] == {"lr": 0.01}
    for (name, a), (_, b) in zip(model.named_parameters(), fresh.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
    assert fresh_optimizer.lr == optimizer.lr and fresh_optimizer.steps == optimizer.steps
    for name in optimizer.params:
        np.testing.assert_array_equal(optimizer.m[name], fresh_optimizer.m[name])
        np.testing.assert_array_equal(optimizer.v[name], fresh_optimizer.v[name])
    np.testing.assert_array_equal(optimizer.masks["out.weight"], fresh_optimizer.masks["out.weight"])
    assert rng.random() == fresh_rng.random()


def test_stopped_and_resumed_training_is_bit_identical_to_straight_through(tmp_path):
    straight, _, _ = _trained(steps=10)

    model, optimizer, rng = _trained(steps=4)
    save_checkpoint(tmp_path / "half.npz", model=model, optimizer=optimizer, rngs={"dropout": rng})
    del model, optimizer, rng
    rng = np.random.default_rng(999)  # whatever the new process starts with is overwritten
    model = TinyLM(rng, dropout=0.3)
    optimizer = Adam(model.named_parameters(), lr=0.01)
    restore(load_checkpoint(tmp_path / "half.npz"), model=model, optimizer=optimizer, rngs={"dropout": rng})
    train(model, optimizer, tiny_sequences(), 6)

    for (name, a), (_, b) in zip(straight.named_parameters(), model.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    model, optimizer, _ = _trained(steps=1)
    path = save_checkpoint(tmp_path / "ckpt.npz", model=model, step=1)

    class Unsaveable:
        def state_dict(self):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        save_checkpoint(path, model=Unsaveable())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]
    assert load_checkpoint(path).header["step"] == 1


@pytest.fixture
def good_checkpoint(tmp_path):
    model, optimizer, rng = _trained(steps=1)
    return save_checkpoint(tmp_path / "good.npz", model=model, optimizer=optimizer, rngs={"dropout": rng})


def test_truncated_checkpoint_is_a_clear_error(good_checkpoint, tmp_path):
    data = good_checkpoint.read_bytes()
    bad = tmp_path / "truncated.npz"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"truncated\.npz: truncated or corrupt"):
        load_checkpoint(bad)


def test_corrupt_checkpoint_is_a_clear_error(good_checkpoint, tmp_path):
    data = bytearray(good_checkpoint.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)
    bad = tmp_path / "corrupt.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"corrupt\.npz: truncated or corrupt"):
        load_checkpoint(bad)


def test_empty_and_missing_files_are_clear_errors(tmp_path):
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty.npz: the file is empty"):
        load_checkpoint(tmp_path / "empty.npz")
    with pytest.raises(CheckpointError, match="nothere.npz: no such checkpoint"):
        load_checkpoint(tmp_path / "nothere.npz")


def test_foreign_files_are_clear_errors(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(CheckpointError, match=r"notes\.txt: not a tinyseqkd checkpoint \(not an \.npz"):
        load_checkpoint(text)
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros(3))
    with pytest.raises(CheckpointError, match=r"other\.npz: an \.npz archive but not a tinyseqkd checkpoint"):
        load_checkpoint(other)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, __header__=np.array([{"format": "x"}], dtype=object))
    with pytest.raises(CheckpointError, match="pickled.npz: holds pickled Python objects"):
        load_checkpoint(pickled)


def test_newer_format_version_is_a_clear_error(good_checkpoint, tmp_path):
    with np.load(good_checkpoint) as archive:
        arrays = {key: archive[key] for key in archive.files}
    header = json.loads(arrays["__header__"].tobytes())
    header["format_version"] = FORMAT_VERSION + 1
    header["tinyseqkd_version"] = "9.0.0"
    arrays["__header__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    newer = tmp_path / "newer.npz"
    np.savez(newer, **arrays)
    with pytest.raises(CheckpointError, match=r"newer\.npz: written by a newer tinyseqkd \(9\.0\.0.*pip install -U"):
        load_checkpoint(newer)


def test_checkpoint_for_another_model_is_a_clear_error(good_checkpoint):
    from tinyseqkd.nn import Linear, Module

    class Other(Module):
        def __init__(self):
            super().__init__()
            self.layer = Linear(2, 2, np.random.default_rng(0))

    with pytest.raises(CheckpointError, match="good.npz: does not fit this model"):
        restore(load_checkpoint(good_checkpoint), model=Other())


def test_archive_is_a_plain_npz_any_numpy_can_read(good_checkpoint):
    with zipfile.ZipFile(good_checkpoint) as archive:
        assert "model/out.weight.npy" in archive.namelist()


def test_the_header_keeps_the_thread_count_and_a_resume_on_another_count_is_noted(tmp_path, monkeypatch):
    monkeypatch.setattr(threads, "_in_force", 1)  # as set_threads(1) leaves it
    path = save_checkpoint(tmp_path / "ckpt.npz", step=1)
    checkpoint = load_checkpoint(path)
    assert checkpoint.header["threads"] == 1 and thread_change_note(checkpoint) is None
    monkeypatch.setattr(threads, "_in_force", 2)
    note = thread_change_note(checkpoint)
    assert note.startswith(f"note: {path} was written with 1 thread and this run uses 2") and "--threads 1" in note
