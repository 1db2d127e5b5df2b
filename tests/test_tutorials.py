"""Every tutorial runs top to bottom (with --quick) and prints what its text promises."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIALS = Path(__file__).resolve().parent.parent / "tutorials"

EXPECTED = {
    "01_autograd.py": ["dy/dx", "softplus passes gradcheck: True", "training accuracy"],
    "02_lstm.py": ["LSTMCell:", "weights identical after loading: True"],
    "03_data.py": ["detokenize(pretokenize(text)) == text: True", "decoded back"],
    "04_training.py": ["a typo is caught", "attends"],
    "05_decoding.py": ["greedy", "beam 5", "p(greedy output)"],
}


def test_every_tutorial_is_listed():
    assert sorted(path.name for path in TUTORIALS.glob("[0-9]*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_tutorial_runs_with_quick(name):
    result = subprocess.run([sys.executable, str(TUTORIALS / name), "--quick"], capture_output=True, text=True,
                            timeout=300, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    for text in EXPECTED[name]:
        assert text in result.stdout, f"{name} did not print {text!r}:\n{result.stdout[-3000:]}"


# Each exercise that names an option, run as written (shortened with --train.max_steps where it changes nothing
# the exercise asks about), with what its run must print.
EXERCISES = {
    "04 ex. 1": ("04_training.py", ["--model.hidden_size=16", "--train.max_steps=30"], "1 x 16 LSTM"),
    "04 ex. 2": ("04_training.py", ["--data.corpus=synthetic:copy", "--train.max_steps=30"], "data: synthetic:copy"),
    "05 ex. 1": ("05_decoding.py", ["--variant-probs", "0.5", "0.5", "--train.max_steps=30"],
                 "probabilities forward 0.5, reversed 0.5\n"),
    "05 ex. 2": ("05_decoding.py", ["--length-penalty", "1.0", "--train.max_steps=30"], "(length + 1) ** 1)"),
}


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_exercise_can_be_done_as_written(exercise):
    name, options, expected = EXERCISES[exercise]
    result = subprocess.run([sys.executable, str(TUTORIALS / name), "--quick", *options], capture_output=True,
                            text=True, timeout=300, env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert expected in result.stdout, f"{exercise}: {expected!r} not in\n{result.stdout[-3000:]}"
    assert " ".join(options[:-1]) in result.stdout  # the exercise's text names the option it was run with
