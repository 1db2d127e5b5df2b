"""A stage's command as a child process: lines passed on, a failure that shows the last line, a clean stop."""

from __future__ import annotations

import sys
import threading

import pytest

from tinyseqkd.reproduce.process import CommandFailed, run_command

pytestmark = pytest.mark.ch11_reproduce

PYTHON = sys.executable


def test_every_line_is_passed_on_stdout_and_stderr_alike():
    lines = []
    run_command([PYTHON, "-c", "import sys; print('one'); print('two', file=sys.stderr); print('three')"],
                on_line=lines.append)
    assert lines == ["one", "two", "three"]


def test_a_failing_command_names_its_status_and_last_line():
    with pytest.raises(CommandFailed, match=r"exited with status 3; its last line: tinyseqkd: error: bad") as caught:
        run_command([PYTHON, "-c", "import sys; print('working'); print('tinyseqkd: error: bad'); sys.exit(3)"])
    assert caught.value.tail == ["working", "tinyseqkd: error: bad"]


SAVES_ON_CTRL_C = """
import sys, time
try:
    print('started', flush=True)
    time.sleep(30)
except KeyboardInterrupt:
    print('saved latest.npz', flush=True)
    sys.exit(int(sys.argv[1]))
"""


@pytest.mark.parametrize("status", [130, 0])  # train today ends with 0 after saving on Ctrl-C
def test_stop_interrupts_the_command_which_saves_its_work_then_raises_keyboard_interrupt(status):
    stop, lines = threading.Event(), []

    def on_line(line):
        lines.append(line)
        if line == "started":
            stop.set()

    with pytest.raises(KeyboardInterrupt):
        run_command([PYTHON, "-c", SAVES_ON_CTRL_C, str(status)], on_line=on_line, stop=stop)
    assert lines == ["started", "saved latest.npz"]


def test_standard_output_into_a_file_that_appears_only_on_success(tmp_path):
    lines, target = [], tmp_path / "evaluation.json"
    script = ("import sys; print('decoding...', file=sys.stderr); print('{\"bleu_beam\": 21.5}'); "
              "sys.exit(int(sys.argv[1]))")
    with pytest.raises(CommandFailed):
        run_command([PYTHON, "-c", script, "1"], on_line=lines.append, stdout_to=target)
    assert list(tmp_path.iterdir()) == []
    run_command([PYTHON, "-c", script, "0"], on_line=lines.append, stdout_to=target)
    assert target.read_text() == '{"bleu_beam": 21.5}\n'
    assert lines == ["decoding...", "decoding..."]  # standard error only
    assert list(tmp_path.iterdir()) == [target]
