"""A stage's command as a child process: its output passed on line by line, a clean stop, a plain failure.

Every real stage is an ordinary run of ``python -m tinyseqkd train|distill|prune|evaluate ...`` (Kim & Rush 2016,
Table 1 and Sec. 3.1-3.3, 5.1, 5.2 each map to one command), so that a user can re-run any stage by hand with the
line in its ``command.txt``. :func:`run_command` starts it, hands each line it prints (stdout and stderr merged,
or stderr alone when stdout goes into a file) to ``on_line``, and

- returns when it exits with status 0: the command did its whole job, even if it was asked to stop as it ended;
- raises ``KeyboardInterrupt`` when it was interrupted: Ctrl-C at the terminal reaches the child too (it runs in
  the same process group), and ``stop`` set by the runner sends it SIGINT. The commands save what they have
  (``train`` writes ``latest.npz``, ``distill`` keeps its finished chunks) and exit with status 130, as an
  interrupted command does, so the stage can continue later. A ``stop`` already set starts nothing;
- raises :class:`CommandFailed` (with the last lines printed) on any other status.
"""

from __future__ import annotations

import collections
import contextlib
import os
import shlex
import signal
import subprocess
import threading

from tinyseqkd.textfiles import open_atomically

TAIL_LINES = 20  # lines kept for the failure message
STOP_GRACE_SECONDS = 60.0  # after SIGINT, how long a command may take to save its work before it is killed


class CommandFailed(Exception):
    """A stage's command exited with a non-zero status."""

    def __init__(self, argv: list[str], status: int, tail: list[str]):
        self.argv, self.status, self.tail = list(argv), status, list(tail)
        last = next((line for line in reversed(tail) if line.strip()), "")
        super().__init__(f"{shlex.join(self.argv)} exited with status {status}"
                         + (f"; its last line: {last.strip()}" if last else ""))


def run_command(argv: list[str], *, on_line=lambda line: None, stop: threading.Event | None = None,
                stdout_to=None, env: dict | None = None, cwd=None,
                stop_grace_seconds: float = STOP_GRACE_SECONDS) -> None:
    """Run ``argv`` to the end (see the module docstring); ``env`` entries are added to this process's environment.

    With ``stdout_to`` (a path), standard output goes into that file — it appears only if the command succeeds, as
    for ``tinyseqkd evaluate --json`` — and only standard error is passed to ``on_line``.
    """
    if stop is not None and stop.is_set():  # the run is stopping: do not start another command
        raise KeyboardInterrupt(f"{shlex.join(argv)} was not started: the run is stopping")
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    # stdout_to appears only when the command succeeds: an error raised inside the block discards the file.
    with open_atomically(stdout_to) if stdout_to else contextlib.nullcontext() as output:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=output or subprocess.PIPE,
                                   stderr=subprocess.PIPE if output else subprocess.STDOUT,
                                   text=True, encoding="utf-8", errors="replace", env=environment, cwd=cwd)
        lines = process.stderr if output else process.stdout
        status, stopped, tail = _follow(process, lines, on_line, stop, stop_grace_seconds)
        if status == 0:
            return
        if stopped or status in (130, -signal.SIGINT):  # asked to stop (by us or Ctrl-C), it stopped before the end
            raise KeyboardInterrupt(f"{shlex.join(argv)} was interrupted")
        raise CommandFailed(argv, status, tail)


def _follow(process, lines, on_line, stop, grace: float) -> tuple[int, bool, list[str]]:
    """Pass the process's ``lines`` on until it ends; interrupt it when ``stop`` is set.
    Returns (exit status, whether it was stopped, its last lines)."""
    stopped = threading.Event()
    watcher = None
    if stop is not None:
        watcher = threading.Thread(target=_interrupt_when_stopped, daemon=True, args=(process, stop, stopped, grace))
        watcher.start()
    tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
    try:
        for line in lines:
            line = line.rstrip("\n")
            tail.append(line)
            on_line(line)
    except BaseException:  # Ctrl-C here, or on_line failed: do not leave the child behind
        _interrupt(process, grace)
        raise
    finally:
        lines.close()
        status = process.wait()
        if watcher is not None:
            watcher.join()
    return status, stopped.is_set(), list(tail)


def _interrupt_when_stopped(process, stop: threading.Event, stopped: threading.Event, grace: float) -> None:
    """Wait until the process ends or ``stop`` is set; in the second case interrupt it."""
    while process.poll() is None:
        if stop.wait(0.1):
            stopped.set()
            _interrupt(process, grace)
            return


def _interrupt(process, grace: float) -> None:
    """SIGINT (the command saves its work and exits), then after ``grace`` seconds, kill."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
