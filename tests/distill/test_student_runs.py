"""Students of the paper's Table 1, each made from config keys and run through ``tinyseqkd train`` (Kim & Rush 2016,
Sec. 3.1–3.3): distilled targets, Word-KD against a teacher, fine-tuning from a checkpoint, and their combinations;
with one clear error where teacher, targets or starting weights do not fit the student, and an exact resume."""

import shutil

import numpy as np
import pytest

from tinyseqkd.checkpoint import load_checkpoint
from tinyseqkd.config import load_config
from tinyseqkd.distill import load_distilled_targets
from tinyseqkd.distill.manifest import file_sha256, lines_sha256
from tinyseqkd.errors import CheckpointError
from tinyseqkd.training import Trainer
from tinyseqkd.translator import load_translator

from recipe_helpers import DATA, QUICK, cli, student

pytestmark = pytest.mark.ch04_model


def _quiet(*_):
    pass


def _weights(model):
    return {name: p.data.copy() for name, p in model.named_parameters()}


def _one_line_error(capsys, *fragments):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, err
    return err


# ------------------------------------------------------------------------------------------- Seq-KD targets
def test_seq_kd_student_trains_on_exactly_the_teachers_ids(teacher, beam_targets, tmp_path):
    config = load_config(*_split(student(teacher, f"--data.targets={beam_targets}", "--train.max_steps=2")))
    trainer = Trainer(config, None, tmp_path / "run", log=_quiet)
    train, valid = trainer.dataset.splits["train"], trainer.dataset.splits["valid"]
    distilled = load_distilled_targets(beam_targets, 120, lines_sha256(train.text.src))
    assert all(np.array_equal(a, b) for a, b in zip(train.tgt_ids, distilled.ids(trainer.dataset.pipeline.tgt_vocab)))
    assert train.text.tgt == (beam_targets / "train.txt").read_text().splitlines()
    gold_valid = trainer.dataset.pipeline.encode_tgt_many(valid.text.tgt)
    assert all(np.array_equal(a, b) for a, b in zip(valid.tgt_ids, gold_valid))  # validation stays on the gold
    assert trainer.objective.__name__ == "nll_objective"


def test_targets_from_another_source_exit_2_with_one_line_and_write_nothing(teacher, beam_targets, tmp_path, capsys):
    run = tmp_path / "run"
    argv = student(teacher, f"--data.targets={beam_targets}", "--data.train_size=100")
    assert cli("train", *argv, "--out", run) == 2
    _one_line_error(capsys, "distilled from 120 source sentences", "this run's training source has 100")
    assert not run.exists()


def test_targets_of_another_text_pipeline_exit_2(teacher, beam_targets, tmp_path, capsys):
    argv = ["toy-reverse", *DATA, *QUICK, f"--data.targets={beam_targets}", "--data.tgt_vocab_size=8"]  # own pipeline
    assert cli("train", *argv, "--out", tmp_path / "run") == 2
    _one_line_error(capsys, "distilled by a teacher with another text pipeline")
    assert not (tmp_path / "run").exists()


# ------------------------------------------------------------------------------------------- Word-KD
def test_a_teacher_that_does_not_fit_its_student_exits_2(teacher, tmp_path, capsys):
    argv = [*student(teacher, "--distill.objective=word_kd", f"--distill.teacher={teacher}")[1:]]
    argv = [a for a in argv if not a.startswith("--data.pipeline=")] + ["--data.tgt_vocab_size=8"]
    assert cli("train", "toy-reverse", *argv, "--out", tmp_path / "run") == 2
    _one_line_error(capsys, "a teacher that does not fit its student", f"--data.pipeline={teacher / 'best.npz'}")
    assert not (tmp_path / "run").exists()


def _word_kd_trainer(teacher_file, run, *extra):
    argv = student(teacher_file, "--distill.objective=word_kd", f"--distill.teacher={teacher_file}",
                   "--distill.alpha=0.7", "--model.dropout=0.3", "--train.max_steps=12", "--train.validate_every=5",
                   *extra)
    return Trainer(load_config(*_split(argv)), None, run, log=_quiet)


def _record_losses(trainer, losses, stop_after=None):
    objective = trainer.objective

    def recorded(model, batch):
        if stop_after is not None and trainer.progress.step == stop_after - 1:
            trainer._interrupted = True  # Ctrl-C during this update: it finishes, then the run saves and stops
        loss, nll = objective(model, batch)
        losses.append(loss.item())
        return loss, nll
    trainer.objective = recorded


def test_word_kd_run_resumed_equals_the_uninterrupted_one_and_keeps_its_teacher(teacher, tmp_path):
    teacher_file = tmp_path / "teacher.npz"
    shutil.copy(teacher / "best.npz", teacher_file)
    straight, straight_losses = _word_kd_trainer(teacher_file, tmp_path / "straight"), []
    _record_losses(straight, straight_losses)
    straight.fit()

    stopped, losses = _word_kd_trainer(teacher_file, tmp_path / "stopped"), []
    _record_losses(stopped, losses, stop_after=7)
    stopped.fit()
    assert stopped.interrupted and len(losses) == 7
    header = load_checkpoint(tmp_path / "stopped" / "latest.npz").header
    assert header["recipe"]["teacher_sha256"] == file_sha256(teacher_file)
    assert header["config"]["distill"]["objective"] == "word_kd"

    resumed = Trainer.resume(tmp_path / "stopped", log=_quiet)
    assert resumed.teacher is not None and resumed.teacher.sha256 == file_sha256(teacher_file)
    _record_losses(resumed, losses)
    resumed.fit()
    assert losses == straight_losses  # the same Word-KD loss at every update, before and after the resume
    for name, array in _weights(straight.model).items():
        np.testing.assert_array_equal(array, _weights(resumed.model)[name], err_msg=name)


def test_resume_refuses_a_teacher_that_changed_on_disk(teacher, tmp_path):
    teacher_file = tmp_path / "teacher.npz"
    shutil.copy(teacher / "best.npz", teacher_file)
    _word_kd_trainer(teacher_file, tmp_path / "run", "--train.max_steps=2").fit()
    shutil.copy(tmp_path / "run" / "best.npz", teacher_file)  # another model (same pipeline) under the same name
    with pytest.raises(CheckpointError, match=r"distill\.teacher = .*teacher\.npz has changed since this run started"):
        Trainer.resume(tmp_path / "run", ["--train.max_steps=4"], log=_quiet)


def test_word_kd_with_alpha_zero_trains_as_the_baseline_so_nothing_is_normalised_twice(teacher, tmp_path):
    """SGD without clipping: a loss divided twice (per token, then per sentence) would take smaller steps."""
    sgd = ["--train.optimizer=sgd", "--train.lr=0.5", "--train.clip=0", "--model.dropout=0.3", "--train.max_steps=3",
           "--train.normalize=sentences"]
    baseline = Trainer(load_config(*_split(student(teacher, *sgd))), None, tmp_path / "a", log=_quiet)
    word_kd = _word_kd_trainer(teacher / "best.npz", tmp_path / "b", *sgd, "--distill.alpha=0")
    baseline.fit()
    word_kd.fit()
    for name, array in _weights(baseline.model).items():
        np.testing.assert_allclose(array, _weights(word_kd.model)[name], rtol=1e-5, atol=1e-6, err_msg=name)


# ------------------------------------------------------------------------------------------- fine-tuning
def test_fine_tuning_starts_from_the_init_checkpoints_weights(teacher, kbest_targets, tmp_path):
    """Teacher + Seq-Inter (Sec. 3.3): the teacher's own weights, trained further on its K-best picks."""
    argv = ["toy-reverse", *DATA, *QUICK, "--model.hidden_size=24", "--model.embedding_size=12",
            f"--train.init={teacher}", f"--data.targets={kbest_targets}", "--train.lr=0.002", "--train.max_steps=2"]
    trainer = Trainer(load_config(*_split(argv)), None, tmp_path / "run", log=_quiet)
    start = _weights(trainer.model)
    for name, array in _weights(load_translator(teacher / "best.npz").model).items():
        np.testing.assert_array_equal(start[name], array, err_msg=name)
    assert trainer.dataset.pipeline.to_dict() == load_translator(teacher / "best.npz").pipeline.to_dict()
    trainer.fit()
    assert any(not np.array_equal(start[name], array) for name, array in _weights(trainer.model).items())
    assert "init: the weights of" in (tmp_path / "run" / "train.log").read_text()


def test_init_of_another_shape_exits_2_naming_both(teacher, tmp_path, capsys):
    run = tmp_path / "run"
    assert cli("train", *student(teacher, f"--train.init={teacher}"), "--out", run) == 2
    _one_line_error(capsys, f"train.init = {teacher / 'best.npz'}: its model does not fit the run {run}",
                    "fix: use the [model] section")
    assert not run.exists()


def test_resume_refuses_to_change_what_determines_the_run(teacher, tmp_path):
    from tinyseqkd.errors import ConfigError

    Trainer(load_config(*_split(student(teacher, "--train.max_steps=1"))), None, tmp_path / "run", log=_quiet).fit()
    for option in (f"--train.init={teacher}", "--distill.alpha=0.2", "--prune.ratio=0.5", "--data.targets=x"):
        with pytest.raises(ConfigError, match=r"a resumed run keeps what determines it"):
            Trainer.resume(tmp_path / "run", [option], log=_quiet)


# ------------------------------------------------------------------------------------------- Table 1 combinations
def test_the_combinations_of_table_1_run_from_the_command_line(teacher, beam_targets, kbest_targets, tmp_path):
    """Seq-KD + Word-KD; baseline + Seq-Inter; Seq-KD + Seq-Inter; Seq-KD + Seq-Inter + Word-KD: a few updates each."""
    word_kd = ["--distill.objective=word_kd", f"--distill.teacher={teacher}"]
    seq_inter = [f"--data.targets={kbest_targets}", "--train.lr=0.002"]
    runs = {
        "baseline": [],
        "seq-kd": [f"--data.targets={beam_targets}"],
        "seq-kd-word-kd": [f"--data.targets={beam_targets}", *word_kd],
        "baseline-seq-inter": [f"--train.init={tmp_path / 'baseline'}", *seq_inter],
        "seq-kd-seq-inter": [f"--train.init={tmp_path / 'seq-kd'}", *seq_inter],
        "seq-kd-seq-inter-word-kd": [f"--train.init={tmp_path / 'seq-kd'}", *seq_inter, *word_kd],
    }
    for name, options in runs.items():
        run = tmp_path / name
        assert cli("train", *student(teacher, *options, "--train.max_steps=3", "--train.validate_every=3"),
                   "--out", run) == 0, name
        header = load_checkpoint(run / "best.npz").header
        recipe, config = header["recipe"], header["config"]
        assert ("targets_sha256" in recipe) == (name != "baseline"), name
        assert ("teacher_sha256" in recipe) == name.endswith("word-kd"), name
        assert ("init_sha256" in recipe) == ("seq-inter" in name), name
        if "seq-inter" in name:
            assert recipe["targets_selection"] == "bleu" and config["train"]["lr"] == 0.002
        log = (run / "train.log").read_text()
        assert ("objective: Word-KD" in log) == name.endswith("word-kd"), name


def _split(argv):
    """``["CONFIG", overrides...]`` → the two arguments of :func:`load_config`."""
    return argv[0], argv[1:]
