"""Configs: the reference lists every key, shipped configs load, and bad names or values get clear errors."""

import os
import subprocess
import sys
import tomllib

import pytest

from tinyseqkd.cli import main
from tinyseqkd.config import load_config, reference_keys, shipped_configs, to_toml, config_from_dict
from tinyseqkd.errors import ConfigError

pytestmark = pytest.mark.ch04_model


def test_reference_config_lists_every_key_with_its_default():
    reference = tomllib.loads(shipped_configs()["reference"].read_text())
    assert reference == reference_keys()


@pytest.mark.parametrize("name", sorted(shipped_configs()))
def test_every_shipped_config_loads(name):
    load_config(name)


def test_resolved_config_round_trips_through_toml():
    config = load_config("toy-reverse", ["--train.lr=0.5", "--layers=2"])
    again = config_from_dict(tomllib.loads(to_toml(config)))
    assert again == config and again.train.lr == 0.5 and again.model.layers == 2


@pytest.mark.parametrize("override, message", [
    ("--train.lrr=1", r"unknown key train\.lrr; did you mean lr"),
    ("--lerning_rate=1", r"unknown key 'lerning_rate'"),
    ("--trian.lr=1", r"unknown section 'trian'; did you mean train"),
    ("--train.lr=fast", r"train\.lr must be float .*got 'fast'"),
    ("--train.optimizer=adamw", r"'adamw' is not one of sgd, adam; did you mean adam"),
    ("--train.batch_size=-3", r"train\.batch_size must be ≥ 1 \(sentences per batch.*got -3"),
    ("--train.lr", r"write overrides as --section\.key=value"),
])
def test_bad_overrides_name_the_option_and_the_fix(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config("toy-reverse", [override])


@pytest.mark.parametrize("override, allowed", [
    ("--train.batch_size=0", "≥ 1"),
    ("--train.lr=0", "> 0"),
    ("--train.lr=nan", "> 0"),
    ("--train.lr_decay=0", r"in \(0, 1\]"),
    ("--train.lr_decay=1.5", r"in \(0, 1\]"),
    ("--train.clip=-1", "≥ 0"),
    ("--train.seed=-1", "≥ 0"),
    ("--model.dropout=1", r"in \[0, 1\)"),
    ("--model.layers=0", "≥ 1"),
    ("--model.hidden_size=0", "≥ 1"),
    ("--model.init_scale=0", "> 0"),
    ("--data.min_freq=0", "≥ 1"),
    ("--distill.alpha=1.5", r"in \[0, 1\]"),
    ("--distill.alpha=-0.1", r"in \[0, 1\]"),
    ("--distill.temperature=0", "> 0"),
    ("--prune.ratio=1", r"in \[0, 1\)"),
])
def test_numbers_out_of_range_name_the_key_and_the_allowed_range(override, allowed):
    key = override[2:].split("=")[0].replace(".", r"\.")
    with pytest.raises(ConfigError, match=rf"option '{override}': {key} must be {allowed} \(.*\), got"):
        load_config("toy-reverse", [override])


@pytest.mark.parametrize("override, message", [
    ("--distill.objective=seq_kd", r"'seq_kd' is not one of nll, word_kd"),
    ("--prune.scheme=blind", r"'blind' is not one of none, class-blind, class-uniform, class-distribution; did you "
                             r"mean class-blind"),
    ("--prune.embeddings=maybe", r"prune\.embeddings must be bool"),
])
def test_distillation_and_pruning_choices_are_checked(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config("toy-reverse", [override])


@pytest.mark.parametrize("overrides, message", [
    (["--distill.objective=word_kd"], r'distill\.objective = "word_kd" needs a teacher; fix: set distill\.teacher'),
    (["--distill.teacher=runs/t"],
     r'distill\.teacher is set but distill\.objective = "nll".*--distill\.objective=word_kd'),
    (["--prune.ratio=0.8"], r'prune\.ratio = 0\.8 but prune\.scheme = "none"'),
])
def test_keys_that_only_make_sense_together_are_checked_together(overrides, message):
    with pytest.raises(ConfigError, match=r"toy-reverse\.toml and the command line: " + message):
        load_config("toy-reverse", overrides)


def test_distillation_keys_are_bare_names_too():
    config = load_config("toy-reverse", ["--objective=word_kd", "--teacher=runs/t", "--alpha=0.3", "--targets=d",
                                         "--init=runs/x", "--scheme=class-uniform", "--ratio=0.5"])
    assert (config.distill.objective, config.distill.alpha, config.data.targets, config.train.init) == \
        ("word_kd", 0.3, "d", "runs/x")
    assert (config.prune.scheme, config.prune.ratio, config.prune.embeddings) == ("class-uniform", 0.5, True)


def test_edges_of_the_ranges_are_allowed():
    config = load_config("toy-reverse", ["--train.batch_size=1", "--train.lr_decay=1", "--model.dropout=0",
                                         "--train.clip=0", "--data.max_len=0"])
    assert (config.train.batch_size, config.train.lr_decay, config.model.dropout) == (1, 1.0, 0.0)


def test_out_of_range_value_in_a_file_names_the_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[model]\ndropout = 1.2\n")
    with pytest.raises(ConfigError, match=r"mine\.toml: model\.dropout must be in \[0, 1\)"):
        load_config(str(path))


def test_batch_size_zero_on_the_command_line_is_a_one_line_config_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "tinyseqkd", "train", "toy-reverse", "--threads", "1",
                             "--out", str(tmp_path / "run"), "--train.batch_size=0"],
                            capture_output=True, text=True, timeout=120, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert "train.batch_size must be ≥ 1" in result.stderr
    assert not (tmp_path / "run").exists()


def test_model_section_is_the_model_args_without_the_vocabularies():
    from dataclasses import fields

    from tinyseqkd.config import ModelConfig
    from tinyseqkd.model import ModelArgs

    config = load_config("toy-reverse", ["--model.layers=2"])
    args = ModelArgs.from_config(config.model, src_vocab_size=11, tgt_vocab_size=12)
    assert isinstance(args, ModelConfig) and args.layers == 2 and args.hidden_size == config.model.hidden_size
    assert {f.name for f in fields(ModelArgs)} - {f.name for f in fields(ModelConfig)} == {"src_vocab_size",
                                                                                          "tgt_vocab_size"}
    assert ModelArgs.from_dict(args.to_dict()) == args


def test_bad_config_file_names_the_file_and_key(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[train]\nlearning_rate = 0.1\n")
    with pytest.raises(ConfigError, match=r"mine\.toml: unknown key train\.learning_rate"):
        load_config(str(path))
    path.write_text("[training]\nlr = 0.1\n")
    with pytest.raises(ConfigError, match=r"mine\.toml: unknown section \[training\]; did you mean train"):
        load_config(str(path))
    path.write_text("[train\n")
    with pytest.raises(ConfigError, match=r"mine\.toml: not valid TOML"):
        load_config(str(path))


def test_unknown_config_name_lists_the_shipped_ones():
    with pytest.raises(ConfigError, match=r"no such config file; did you mean teacher.*shipped configs: "):
        load_config("teachr")


def test_cli_prints_one_line_errors(capsys, tmp_path):
    assert main(["train", "toy-reverse", "--out", str(tmp_path / "r"), "--train.lrr=1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tinyseqkd: error: option '--train.lrr=1'") and err.count("\n") == 1
    with pytest.raises(SystemExit):
        main(["data", "list", "--train.lr=1"])  # only train takes overrides
