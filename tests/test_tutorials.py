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
