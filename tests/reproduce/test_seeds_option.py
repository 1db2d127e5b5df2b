"""``tinyseqkd reproduce --seeds 1,2,3``: parsed strictly, one plain error (exit 2) otherwise, and the default
output directory says which seeds it holds."""

from __future__ import annotations

import pytest

from tinyseqkd.cli import main
from tinyseqkd.commands.reproduce import parse_seeds

pytestmark = pytest.mark.ch11_reproduce


def test_a_comma_list_of_seeds():
    assert parse_seeds("1,2,3") == (1, 2, 3)
    assert parse_seeds(" 4 , 0") == (4, 0)
    assert parse_seeds("7") == (7,)


@pytest.mark.parametrize("option, message", [
    (["--seeds", "1,x"], "--seeds 1,x: 'x' is not a whole number ≥ 0; give e.g. --seeds 1,2,3"),
    (["--seeds", "1,-2"], "--seeds 1,-2: '-2' is not a whole number ≥ 0"),
    (["--seeds", "1,,2"], "--seeds 1,,2: '' is not a whole number ≥ 0"),
    (["--seeds", "2,1,2"], "--seeds 2,1,2: seed 2 is given twice"),
    (["--seeds", "1.5"], "'1.5' is not a whole number ≥ 0"),
    (["--seed", "-1"], "'-1' is not a whole number ≥ 0"),
    (["--seed", "1", "--seeds", "1,2"], "give either --seeds or --seed, not both"),
])
def test_wrong_seeds_are_one_plain_error_with_status_2(option, message, tmp_path, capsys):
    assert main(["reproduce", *option, "--list", "--out", str(tmp_path), "--threads", "1"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("tinyseqkd: error: ") and message in error and error.count("\n") == 1


def listing(capsys, *options) -> str:
    assert main(["reproduce", "--list", "--threads", "1", *options]) == 0
    return capsys.readouterr().out.splitlines()[0]


def test_the_default_output_directory_names_seeds_other_than_the_presets(capsys):
    assert listing(capsys).startswith("preset quick: 60 stages in runs/reproduce-quick (")
    assert listing(capsys, "--seeds", "1,2,3").startswith("preset quick: 60 stages in runs/reproduce-quick (")
    assert listing(capsys, "--seeds", "1,2").startswith("preset quick: 42 stages in runs/reproduce-quick-seeds1-2 (")
    assert listing(capsys, "--seed", "5").startswith("preset quick: 24 stages in runs/reproduce-quick-seeds5 (")
    classroom = listing(capsys, "--preset", "classroom")
    assert classroom.startswith("preset classroom: 9 stages in runs/reproduce-classroom (")
    assert listing(capsys, "--preset", "classroom", "--seeds", "1,2,3").startswith(
        "preset classroom: 21 stages in runs/reproduce-classroom-seeds1-2-3 (")


def test_stages_of_one_seed_can_be_listed_and_chosen_by_their_new_names(tmp_path, capsys):
    assert main(["reproduce", "--list", "--stages", "eval-seq-kd-s2", "--out", str(tmp_path), "--threads", "1"]) == 0
    text = capsys.readouterr().out
    assert " eval-seq-kd-s2 " in text and " seq-kd-s2 " in text and " teacher " in text
