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


# Each child script installs Python's Ctrl-C handler itself: a command started in the background inherits SIGINT as
# ignored (``pytest &``, nohup), and Python then leaves it ignored.
SAVES_ON_CTRL_C = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
try:
    print('started', flush=True)
    time.sleep(30)
except KeyboardInterrupt:
    print('saved latest.npz', flush=True)
    sys.exit(int(sys.argv[1]))
"""


def stop_when_started(lines: list, stop: threading.Event):
    def on_line(line):
        lines.append(line)
        if line == "started":
            stop.set()
    return on_line


def test_stop_interrupts_the_command_which_saves_its_work_exits_130_and_raises_keyboard_interrupt():
    stop, lines = threading.Event(), []
    with pytest.raises(KeyboardInterrupt):  # train and distill exit with 130 after saving on Ctrl-C
        run_command([PYTHON, "-c", SAVES_ON_CTRL_C, "130"], on_line=stop_when_started(lines, stop), stop=stop)
    assert lines == ["started", "saved latest.npz"]


FINISHES_DESPITE_CTRL_C = """
import signal, sys, time
signal.signal(signal.SIGINT, lambda *_: print('asked to stop; finishing', file=sys.stderr, flush=True))
print('started', file=sys.stderr, flush=True)
time.sleep(1)
print('{"bleu_beam": 21.5}')
"""


def test_a_command_that_exits_with_status_0_after_a_stop_did_its_whole_job_and_keeps_its_output(tmp_path):
    stop, lines, target = threading.Event(), [], tmp_path / "evaluation.json"
    try:
        run_command([PYTHON, "-c", FINISHES_DESPITE_CTRL_C], on_line=stop_when_started(lines, stop), stop=stop,
                    stdout_to=target)
    except KeyboardInterrupt:
        pytest.fail("a command that exited with status 0 was taken for an interrupted one")
    assert lines == ["started", "asked to stop; finishing"]
    assert target.read_text() == '{"bleu_beam": 21.5}\n'


def test_nothing_starts_once_the_run_is_stopping(tmp_path):
    stop = threading.Event()
    stop.set()
    with pytest.raises(KeyboardInterrupt, match="not started"):
        run_command([PYTHON, "-c", f"open({str(tmp_path / 'ran')!r}, 'w')"], stop=stop)
    assert not (tmp_path / "ran").exists()


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
