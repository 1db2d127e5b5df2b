"""A stage's command as a child process: lines passed on, a failure that shows the last line, a clean stop."""

from __future__ import annotations

import sys
import threading

import pytest

from tinyseqkd.reproduce.process import CommandFailed, run_command

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
    sys.exit(130)
"""


def test_stop_interrupts_the_command_which_saves_its_work_then_raises_keyboard_interrupt():
    stop, lines = threading.Event(), []

    def on_line(line):
        lines.append(line)
        if line == "started":
            stop.set()

    with pytest.raises(KeyboardInterrupt):
        run_command([PYTHON, "-c", SAVES_ON_CTRL_C], on_line=on_line, stop=stop)
    assert lines == ["started", "saved latest.npz"]
