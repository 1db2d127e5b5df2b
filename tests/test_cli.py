"""The command line as a whole: what every subcommand shares (tinyseqkd/cli.py)."""

from __future__ import annotations

import subprocess
import sys


def test_a_reader_that_stops_early_ends_the_command_quietly():
    """``tinyseqkd reproduce --list | head -1``: the pipe closes under us; no traceback, status 0."""
    command = [sys.executable, "-m", "tinyseqkd", "data", "list"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # before the command has written anything: its first write finds no reader
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0, stderr
    assert stderr == ""
