"""Configs: the reference lists every key, shipped configs load, and bad names or values get clear errors."""

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
    ("--train.batch_size=-3", r"must not be negative"),
    ("--train.lr", r"write overrides as --section\.key=value"),
])
def test_bad_overrides_name_the_option_and_the_fix(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config("toy-reverse", [override])


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
