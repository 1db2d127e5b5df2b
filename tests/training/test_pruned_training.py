"""``[prune]``: a run pruned at its start (Kim & Rush Sec. 5.2, See et al. 2016) keeps the pruned weights at exactly 0.0
through training and resume, never prunes again, and clips the survivors' gradients (masked before clipping)."""

import numpy as np
import pytest

from tinyseqkd import recipe
from tinyseqkd.checkpoint import load_checkpoint
from tinyseqkd.config import load_config
from tinyseqkd.data.prepared import prepare
from tinyseqkd.errors import ConfigError
from tinyseqkd.training import Trainer

pytestmark = pytest.mark.ch04_model
SMALL = ["--model.hidden_size=16", "--model.embedding_size=8", "--data.train_size=200", "--train.valid_bleu_size=10",
         "--train.valid_examples=0", "--train.log_every=0"]
PRUNE = ["--prune.scheme=class-blind", "--prune.ratio=0.6", "--model.dropout=0.2", "--train.max_steps=16",
         "--train.validate_every=6"]


def _quiet(*_):
    pass


def _trainer(run, *overrides):
    return Trainer(load_config("toy-reverse", [*SMALL, *overrides]), None, run, log=_quiet)


def _must_not_be_called(*_):
    raise AssertionError("a resumed run pruned again")


def _pruned_weights_are_zero(trainer, masks):
    parameters = dict(trainer.model.named_parameters())
    for name, keep in masks.items():
        pruned = parameters[name].data[~keep]
        assert np.all(pruned == 0.0) and not np.any(np.signbit(pruned)), name  # exactly +0.0


def test_pruned_weights_stay_zero_through_training_and_resume_without_pruning_again(tmp_path, monkeypatch):
    straight = _trainer(tmp_path / "straight", *PRUNE)
    masks = {name: keep.copy() for name, keep in straight.optimizer.masks.items()}
    pruned = sum(int((~keep).sum()) for keep in masks.values())
    assert pruned == int(np.floor(0.6 * sum(keep.size for keep in masks.values()) + 0.5))
    straight.fit()
    _pruned_weights_are_zero(straight, masks)
    assert "pruning: class-blind, ratio 0.6" in (tmp_path / "straight" / "train.log").read_text()

    stopped = _trainer(tmp_path / "stopped", *PRUNE)
    objective = stopped.objective

    def interrupt_at_step_9(model, batch):
        if stopped.progress.step == 8:
            stopped._interrupted = True
        return objective(model, batch)

    stopped.objective = interrupt_at_step_9
    stopped.fit()
    _pruned_weights_are_zero(stopped, masks)
    monkeypatch.setattr(recipe, "prune_at_start", _must_not_be_called)
    resumed = Trainer.resume(tmp_path / "stopped", log=_quiet)
    for name, keep in masks.items():  # the saved masks, not new ones from the trained weights
        np.testing.assert_array_equal(resumed.optimizer.masks[name], keep, err_msg=name)
    resumed.fit()
    _pruned_weights_are_zero(resumed, masks)
    for name, p in straight.model.named_parameters():
        np.testing.assert_array_equal(p.data, dict(resumed.model.named_parameters())[name].data, err_msg=name)
    saved = load_checkpoint(tmp_path / "stopped" / "best.npz")
    assert {key[len("mask/"):] for key in saved.group("optim") if key.startswith("mask/")} == set(masks)


def test_train_step_masks_the_gradients_before_clipping(tmp_path):
    """The clip norm is the survivors' norm: the gradients that reach the update have norm exactly ``clip``."""
    trainer = _trainer(tmp_path / "run", "--prune.scheme=class-blind", "--prune.ratio=0.9", "--train.clip=0.01")
    step, norms = trainer.optimizer.step, []

    def step_recording_the_norm():
        trainer.optimizer.mask_gradients()  # what the step does first: the gradients that reach the update
        grads = [p.grad.astype(np.float64) for p in trainer.optimizer.params.values() if p.grad is not None]
        norms.append(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
        step()

    trainer.optimizer.step = step_recording_the_norm
    trainer.train_step(trainer._epoch_batches()[0])
    assert norms[0] == pytest.approx(0.01, rel=1e-5)  # clipped first, then masked: less than 0.01


def test_prune_keys_are_checked(tmp_path):
    with pytest.raises(ConfigError, match=r'prune\.ratio = 0\.5 but prune\.scheme = "none"; fix: choose a scheme'):
        load_config("toy-reverse", ["--prune.ratio=0.5"])
    with pytest.raises(ConfigError, match=r"prune\.ratio must be in \[0, 1\)"):
        load_config("toy-reverse", ["--prune.scheme=class-blind", "--prune.ratio=1"])


def test_a_dataset_given_with_distillation_keys_is_refused(tmp_path):
    config = load_config("toy-reverse", ["--data.targets=somewhere"])
    with pytest.raises(ValueError, match="pass dataset=None"):
        Trainer(config, prepare(config.data, config.train.seed), tmp_path / "run", log=_quiet)
