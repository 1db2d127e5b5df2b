"""Fake stages for the reproduction's tests: tiny Python functions that write files, in place of train/distill/...

Each writes ``output.txt``: its name, its options, and the outputs of its inputs, so that a stage's file shows
exactly what went into it (two runs that computed the same thing have equal files).
"""

from __future__ import annotations

import json
import threading

from tinyseqkd.reproduce.stages import Stage


class Calls:
    """The names of the stages that ran (and were continued), in the order they started; safe across threads."""

    def __init__(self):
        self.started, self.continued = [], []
        self._lock = threading.Lock()

    def record(self, context) -> None:
        with self._lock:
            (self.continued if context.partial else self.started).append(context.name)


def write_output(context) -> str:
    """The stage's output: name, options, and its inputs' outputs by role."""
    parts = {role: json.loads((path / "output.txt").read_text()) for role, path in sorted(context.inputs.items())}
    text = json.dumps({"name": context.name, "options": context.options, "inputs": parts}, sort_keys=True)
    (context.directory / "output.txt").write_text(text)
    return text


def simple_run(calls: Calls):
    def run(context):
        calls.record(context)
        context.log(f"working on {context.name} with {context.threads} thread(s)")
        write_output(context)
    return run


def small_graph(calls: Calls, *, student_lr: float = 0.5, run_for=None) -> list[Stage]:
    """teacher → distill → {student-seq-kd}; teacher → student-baseline; evaluations of the three models.

    ``run_for`` maps stage names to special run functions (crashes, interruptions).
    """
    run_for = run_for or {}

    def stage(name, options, inputs=None, estimate=10.0, exclusive=False):
        return Stage(name, run_for.get(name, simple_run(calls)), options, inputs or {}, estimate, exclusive)

    return [
        stage("teacher", {"layers": 2, "lr": 0.01}),
        stage("distill", {"beam": 5}, {"teacher": "teacher"}),
        stage("baseline", {"lr": student_lr}, {"pipeline": "teacher"}),
        stage("seq-kd", {"lr": student_lr}, {"pipeline": "teacher", "targets": "distill"}),
        stage("eval-teacher", {"beam": 5}, {"model": "teacher"}, estimate=2.0, exclusive=True),
        stage("eval-baseline", {"beam": 5}, {"model": "baseline"}, estimate=2.0, exclusive=True),
        stage("eval-seq-kd", {"beam": 5}, {"model": "seq-kd"}, estimate=2.0, exclusive=True),
    ]
