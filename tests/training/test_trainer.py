"""The trainer: it learns the toy task, resumes exactly, stops cleanly on Ctrl-C and on NaN."""

import signal
import subprocess
import sys

import numpy as np
import pytest

from tinyseqkd.checkpoint import load_checkpoint
from tinyseqkd.config import load_config
from tinyseqkd.data.prepared import prepare
from tinyseqkd.errors import ConfigError, TrainingError
from tinyseqkd.evaluate import translate_ids
from tinyseqkd.training import Trainer

pytestmark = pytest.mark.ch04_model


def _quiet(*_):
    pass


def _trainer(tmp_path, *overrides, name="run"):
    config = load_config("toy-reverse", list(overrides))
    return Trainer(config, prepare(config.data, config.train.seed), tmp_path / name, log=_quiet)


def test_toy_config_learns_the_reverse_task(tmp_path):
    trainer = _trainer(tmp_path)
    trainer.fit()
    test = trainer.dataset.splits["test"]
    outputs = translate_ids(trainer.model, test.src_ids)
    exact = np.mean([np.array_equal(out, gold) for out, gold in zip(outputs, test.tgt_ids)])
    assert exact >= 0.95, f"exact match {exact:.1%} after {trainer.config.train.max_steps} steps"


def _parameters(model):
    return {name: p.data.copy() for name, p in model.named_parameters()}


def test_interrupted_and_resumed_run_ends_with_identical_parameters(tmp_path):
    limits = ["--train.max_steps=50", "--train.validate_every=20", "--model.dropout=0.3"]
    straight = _trainer(tmp_path, *limits, name="straight")
    straight.fit()

    stopped = _trainer(tmp_path, *limits, name="stopped")
    objective = stopped.objective

    def interrupt_at_step_27(model, batch):  # a Ctrl-C arriving mid-epoch, between validations
        if stopped.progress.step == 26:
            stopped._interrupted = True
        return objective(model, batch)

    stopped.objective = interrupt_at_step_27
    stopped.fit()
    assert load_checkpoint(tmp_path / "stopped" / "latest.npz").header["progress"]["step"] == 27

    resumed = Trainer.resume(tmp_path / "stopped", log=_quiet)
    resumed.fit()
    assert resumed.progress.step == 50
    for name, array in _parameters(straight.model).items():
        np.testing.assert_array_equal(array, _parameters(resumed.model)[name], err_msg=name)


def test_nan_loss_stops_with_a_clear_message_and_keeps_the_last_checkpoint(tmp_path):
    trainer = _trainer(tmp_path, "--train.max_steps=30", "--train.validate_every=10")
    objective = trainer.objective

    def explode_at_step_15(model, batch):
        loss, nll = objective(model, batch)
        return (loss * float("nan"), nll) if trainer.progress.step == 14 else (loss, nll)

    trainer.objective = explode_at_step_15
    with pytest.raises(TrainingError, match=r"step 15 .*loss is nan.*latest\.npz is the last good.*--train\.lr="):
        trainer.fit()
    assert load_checkpoint(tmp_path / "run" / "latest.npz").header["progress"]["step"] == 10


def test_resume_refuses_to_change_the_model(tmp_path):
    trainer = _trainer(tmp_path, "--train.max_steps=5")
    trainer.fit()
    with pytest.raises(ConfigError, match=r"a resumed run keeps what determines it \(\[data\], \[model\]"):
        Trainer.resume(tmp_path / "run", ["--model.layers=2"], log=_quiet)


def test_run_directory_holds_config_pipeline_and_validations(tmp_path):
    trainer = _trainer(tmp_path, "--train.max_steps=20", "--train.validate_every=10")
    trainer.fit()
    run = tmp_path / "run"
    assert (run / "config.toml").read_text().startswith("# tinyseqkd ")
    assert (run / "pipeline").is_dir() and (run / "best.npz").is_file()
    rows = (run / "validations.tsv").read_text().splitlines()
    assert rows[0].split("\t")[:4] == ["step", "epoch", "ppl", "bleu"] and len(rows) == 3
    assert "validation at step 20" in (run / "train.log").read_text()


def test_ctrl_c_saves_and_exits_with_status_130(tmp_path):
    run = tmp_path / "ctrlc"
    command = [sys.executable, "-m", "tinyseqkd", "train", "toy-reverse", "--out", str(run), "--threads", "1",
               "--train.max_steps=100000", "--train.log_every=5", "--train.validate_every=0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:  # wait until training is under way
        lines.append(line)
        if line.startswith("epoch"):
            break
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, "".join(lines) + output  # interrupted, with latest.npz saved
    assert "interrupted (Ctrl-C)" in output and f"tinyseqkd train --resume {run}" in output
    assert load_checkpoint(run / "latest.npz").header["progress"]["step"] >= 5
