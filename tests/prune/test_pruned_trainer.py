"""Retraining a pruned model through the real trainer (the ``[prune]`` config section; Kim & Rush Sec. 5.2): with
dropout and clipping every pruned weight stays exactly 0.0, the clip norm is the survivors' norm, the checkpoints
record how the model was pruned, and a resumed run keeps the masks."""

import math

import numpy as np
import pytest

from prune_helpers import parameters, quiet, toy_checkpoint, toy_trainer
from tinyseqkd.checkpoint import load_checkpoint
from tinyseqkd.distill.manifest import file_sha256
from tinyseqkd.prune import prune_masks
from tinyseqkd.prune.checkpoints import checkpoint_masks
from tinyseqkd.training import Trainer

pytestmark = pytest.mark.ch10_pruning

CLIP = 0.05  # small enough that every step clips


@pytest.fixture(scope="module")
def init(tmp_path_factory):
    return toy_checkpoint(tmp_path_factory.mktemp("toy"))


def pruned_trainer(run_dir, init, *overrides, scheme="class-blind", ratio=0.8):
    return toy_trainer(run_dir, f"--train.init={init}", f"--data.pipeline={init}", f"--prune.scheme={scheme}",
                       f"--prune.ratio={ratio}", "--model.dropout=0.3", f"--train.clip={CLIP}", *overrides)


def test_the_trainer_prunes_the_init_weights_at_a_fresh_start(init, tmp_path):
    trainer = pruned_trainer(tmp_path / "run", init, "--train.max_steps=1", scheme="class-uniform", ratio=0.6)
    weights = load_checkpoint(init).group("model")
    expected = prune_masks(weights, "class-uniform", 0.6)
    assert sorted(trainer.optimizer.masks) == sorted(expected)
    for name, keep in expected.items():
        np.testing.assert_array_equal(trainer.optimizer.masks[name], keep, err_msg=name)
    for name, p in trainer.model.named_parameters():  # the init's weights, the pruned ones zeroed
        np.testing.assert_array_equal(p.data, np.where(expected.get(name, True), weights[name], 0), err_msg=name)


def test_pruned_weights_stay_exactly_zero_and_the_clip_norm_is_the_survivors(init, tmp_path):
    trainer = pruned_trainer(tmp_path / "run", init, "--train.max_steps=5", "--train.validate_every=5")
    masks = dict(trainer.optimizer.masks)
    survivor_norms = []
    step = trainer.optimizer.step

    def checked_step():  # between clipping and the update: what clipping left
        grads = {name: p.grad for name, p in trainer.optimizer.params.items() if p.grad is not None}
        for name, keep in masks.items():
            assert np.all(grads[name][~keep] == 0), f"{name}: a pruned weight's gradient survived clipping"
        survivor_norms.append(math.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values())))
        step()

    trainer.optimizer.step = checked_step
    trainer.fit()
    assert len(survivor_norms) == 5
    # clipping counted only the survivors, so they take the whole clipped step (not less, as they would if the
    # pruned gradients, thrown away afterwards, had been part of the norm)
    assert survivor_norms == pytest.approx([CLIP] * 5, rel=1e-4)
    for name, p in trainer.model.named_parameters():
        if name in masks:
            pruned = p.data[~masks[name]]
            assert np.all(pruned == 0.0) and not np.any(np.signbit(pruned)), name
    assert any(not np.array_equal(p.data, w) for p, w in zip(trainer.model.parameters(),
                                                            load_checkpoint(init).group("model").values()))


def test_checkpoints_record_the_pruning_and_a_resumed_run_keeps_the_masks(init, tmp_path):
    run_dir = tmp_path / "run"
    first = pruned_trainer(run_dir, init, "--train.max_steps=3", "--train.validate_every=3",
                           scheme="class-distribution")
    masks = dict(first.optimizer.masks)
    first.fit()
    latest = load_checkpoint(run_dir / "latest.npz")
    record = latest.header["pruning"]
    assert (record["scheme"], record["ratio"], record["embeddings"]) == ("class-distribution", 0.8, True)
    assert record["lambda"] > 0 and record["source"]["sha256"] == file_sha256(init)

    resumed = Trainer.resume(run_dir, ["--train.max_steps=6"], log=quiet)
    for name, keep in masks.items():
        np.testing.assert_array_equal(resumed.optimizer.masks[name], keep, err_msg=name)
    resumed.fit()
    final = load_checkpoint(run_dir / "latest.npz")
    assert final.header["progress"]["step"] == 6 and final.header["pruning"] == record
    for name, keep in checkpoint_masks(final).items():
        np.testing.assert_array_equal(keep, masks[name])
        assert np.all(final.group("model")[name][~keep] == 0.0), name
    assert parameters(resumed.model).keys() == parameters(first.model).keys()


def test_a_pruned_run_is_smaller_on_disk_than_an_unpruned_one(tmp_path):
    size = ["--model.hidden_size=64", "--model.embedding_size=32", "--train.max_steps=2", "--train.validate_every=2"]
    toy_trainer(tmp_path / "pruned", *size, "--prune.scheme=class-blind", "--prune.ratio=0.8").fit()
    toy_trainer(tmp_path / "dense", *size).fit()
    ratio = (tmp_path / "pruned" / "latest.npz").stat().st_size / (tmp_path / "dense" / "latest.npz").stat().st_size
    assert ratio < 0.3  # weights and Adam's two moments keep about 20%, plus a bit per entry
