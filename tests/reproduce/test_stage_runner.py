"""The reproduction's runner end to end on fake stages: run once, skip when done, continue after an interruption
or a crash, redo exactly what a changed option invalidates, and the same results with two jobs side by side."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest
from fake_stages import Calls, simple_run, small_graph, write_output

from tinyseqkd.reproduce.runner import StageFailed, run_stages
from tinyseqkd.reproduce.stages import Stage, StageGraph
from tinyseqkd.reproduce.store import DONE, LOG, OutputLock, stage_directory

pytestmark = pytest.mark.ch11_reproduce

ALL = ["teacher", "distill", "baseline", "seq-kd", "eval-teacher", "eval-baseline", "eval-seq-kd"]


def run(stages, out, lines=None, **options):
    return run_stages(StageGraph(stages), out, write=(lines.append if lines is not None else lambda text: None),
                      **options)


def outputs(results) -> dict[str, str]:
    return {name: (result.directory / "output.txt").read_text() for name, result in results.items()}


def test_every_stage_runs_once_in_topological_order_and_a_second_run_skips_all(tmp_path):
    calls = Calls()
    first = run(small_graph(calls), tmp_path)
    assert calls.started == ALL
    assert all(result.status == "ran" for result in first.values())
    assert all((result.directory / DONE).exists() for result in first.values())
    assert first["seq-kd"].directory == stage_directory(tmp_path, "seq-kd", first["seq-kd"].key)

    again = Calls()
    second = run(small_graph(again), tmp_path)
    assert again.started == [] and again.continued == []
    assert all(result.status == "cached" for result in second.values())
    assert outputs(second) == outputs(first)
    index = json.loads((tmp_path / "stages.json").read_text())
    assert [entry["name"] for entry in index["stages"]] == ALL
    assert {entry["status"] for entry in index["stages"]} == {"cached"}


def test_progress_names_each_stage_i_of_n_and_passes_its_lines_on(tmp_path):
    lines = []
    run(small_graph(Calls()), tmp_path, lines)
    assert lines[0].startswith("7 stages: 0 already done, 7 to run (one at a time); estimated time 0:46")
    assert any(line.startswith("[4/7 seq-kd] starting in ") for line in lines)
    assert "[4/7 seq-kd] working on seq-kd with 1 thread(s)" in lines
    assert lines[-1].startswith("[7/7 eval-seq-kd] finished in 0:00; all done")
    log = (stage_directory(tmp_path, "seq-kd", StageGraph(small_graph(Calls())).keys["seq-kd"]) / LOG).read_text()
    assert "working on seq-kd with 1 thread(s)\n" in log


def resumable_run(calls: Calls, done_items: list, stop_after: int | None, error=KeyboardInterrupt):
    """A stage that produces 6 items one file each and, on its first attempt, stops after ``stop_after`` of them
    with ``error``. A continued attempt skips the items already on disk (its own resume)."""
    def run(context):
        calls.record(context)
        for i in range(6):
            item = context.directory / f"item-{i}"
            if item.exists():
                assert context.partial, "items on disk in a fresh attempt"
                continue
            if stop_after is not None and context.attempt == 1 and i == stop_after:
                raise error("simulated crash" if error is not KeyboardInterrupt else None)
            item.write_text(str(i))
            done_items.append(i)
        write_output(context)
    return run


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_or_crashed_stage_continues_its_partial_work_on_the_next_run(tmp_path, error):
    calls, items = Calls(), []
    stages = small_graph(calls, run_for={"distill": resumable_run(calls, items, stop_after=3, error=error)})
    expected = pytest.raises(KeyboardInterrupt) if error is KeyboardInterrupt else pytest.raises(StageFailed)
    with expected as caught:
        run(stages, tmp_path)
    distill_dir = stage_directory(tmp_path, "distill", StageGraph(stages).keys["distill"])
    assert not (distill_dir / DONE).exists()
    assert items == [0, 1, 2]
    assert "seq-kd" not in calls.started and "eval-seq-kd" not in calls.started  # it needs distill
    if error is RuntimeError:
        assert str(distill_dir / LOG) in str(caught.value) and "'distill' failed" in str(caught.value)
        assert "RuntimeError: simulated crash" in (distill_dir / LOG).read_text()

    calls_again = Calls()
    stages = small_graph(calls_again, run_for={"distill": resumable_run(calls_again, items, stop_after=3,
                                                                        error=error)})
    results = run(stages, tmp_path)
    assert items == [0, 1, 2, 3, 4, 5]  # every item made exactly once
    assert calls_again.continued == ["distill"]
    assert "teacher" not in calls_again.started and "distill" not in calls_again.started
    assert set(calls.started + calls_again.started + calls_again.continued) == set(ALL)
    assert all((result.directory / DONE).exists() for result in results.values())


def test_a_changed_option_reruns_exactly_that_stage_and_its_dependents(tmp_path):
    first = run(small_graph(Calls()), tmp_path)
    calls = Calls()
    second = run(small_graph(calls, student_lr=0.25), tmp_path)
    assert calls.started == ["baseline", "seq-kd", "eval-baseline", "eval-seq-kd"]
    for name in ALL:
        changed = name in calls.started
        assert (second[name].key != first[name].key) == changed, name
    assert json.loads((second["eval-seq-kd"].directory / "output.txt").read_text()) == {
        "name": "eval-seq-kd", "options": {"beam": 5}, "inputs": {"model": {
            "name": "seq-kd", "options": {"lr": 0.25}, "inputs": {
                "pipeline": {"name": "teacher", "options": {"layers": 2, "lr": 0.01}, "inputs": {}},
                "targets": {"name": "distill", "options": {"beam": 5}, "inputs": {
                    "teacher": {"name": "teacher", "options": {"layers": 2, "lr": 0.01}, "inputs": {}}}}}}}}

    back = Calls()
    third = run(small_graph(back), tmp_path)  # the old directories are still there, and finished
    assert back.started == []
    assert outputs(third) == outputs(first)


def test_two_jobs_give_the_same_results_as_one(tmp_path):
    one = run(small_graph(Calls()), tmp_path / "one")
    two = run(small_graph(Calls()), tmp_path / "two", jobs=2)
    assert {name: result.key for name, result in one.items()} == {name: result.key for name, result in two.items()}
    assert outputs(one) == outputs(two)


def test_two_jobs_run_independent_stages_side_by_side_and_exclusive_stages_alone(tmp_path):
    both_running = threading.Barrier(2, timeout=10)  # passes only if two stages are inside at the same time
    active, crowded, lock = [], [], threading.Lock()
    calls = Calls()

    def meet(context):
        both_running.wait()
        simple_run(calls)(context)

    def slow(context):  # long enough for a wrongly started evaluation to run beside it
        time.sleep(0.3)
        simple_run(calls)(context)

    def counting(run_inner):
        def run_stage(context):
            with lock:
                active.append(context.name)
                if len(active) > 1 and any(name.startswith("eval") for name in active):
                    crowded.append(list(active))
            try:
                run_inner(context)
            finally:
                with lock:
                    active.remove(context.name)
        return run_stage

    runs = {name: counting(simple_run(calls)) for name in ALL}
    runs.update(distill=counting(meet), baseline=counting(meet), **{"seq-kd": counting(slow)})
    lines = []
    run(small_graph(calls, run_for=runs), tmp_path, lines, jobs=2, threads=4)
    assert set(calls.started) == set(ALL)
    assert crowded == []  # an evaluation (exclusive) never ran beside another stage
    assert "[1/7 teacher] working on teacher with 4 thread(s)" in lines  # nothing can run beside it: all of them
    assert "[3/7 baseline] working on baseline with 2 thread(s)" in lines  # 4 threads // 2 jobs
    assert "[7/7 eval-seq-kd] working on eval-seq-kd with 4 thread(s)" in lines  # exclusive: all of them


def test_a_failure_stops_the_stages_beside_it_and_they_continue_later(tmp_path):
    calls = Calls()
    started = threading.Event()

    def slow(context):  # a long stage that saves and stops when asked (as train does on SIGINT)
        calls.record(context)
        started.set()
        if context.partial:
            write_output(context)
            return
        assert context.stop.wait(10), "the runner never asked the sibling to stop"
        raise KeyboardInterrupt  # what a command's run does when its command exits with 130

    def broken(context):
        started.wait(10)
        raise ValueError("bad option")

    with pytest.raises(StageFailed, match=r"stage 'baseline' failed: ValueError: bad option\. Its log: .*log\.txt"):
        run(small_graph(calls, run_for={"distill": slow, "baseline": broken}), tmp_path, jobs=2)
    assert calls.started == ["teacher", "distill"]
    calls = Calls()
    run(small_graph(calls, run_for={"distill": slow}), tmp_path, jobs=2)
    assert sorted(calls.continued) == ["baseline", "distill"]  # both left partial work behind


def test_a_stage_that_finishes_its_work_while_the_run_stops_is_done_and_not_redone(tmp_path):
    calls = Calls()
    started = threading.Event()

    def finishing(context):  # its command was in its last moments: it exits with status 0, the work complete
        calls.record(context)
        started.set()
        assert context.stop.wait(10), "the runner never asked the sibling to stop"
        write_output(context)

    def broken(context):
        started.wait(10)
        raise ValueError("bad option")

    with pytest.raises(StageFailed):
        run(small_graph(calls, run_for={"distill": finishing, "baseline": broken}), tmp_path, jobs=2)
    distill_dir = stage_directory(tmp_path, "distill", StageGraph(small_graph(Calls())).keys["distill"])
    assert (distill_dir / DONE).exists()
    calls = Calls()
    run(small_graph(calls), tmp_path, jobs=2)
    assert calls.continued == ["baseline"] and "distill" not in calls.started


def test_targets_run_only_what_they_need(tmp_path):
    calls = Calls()
    results = run(small_graph(calls), tmp_path, targets=["eval-baseline"])
    assert calls.started == ["teacher", "baseline", "eval-baseline"]
    assert list(results) == ["teacher", "baseline", "eval-baseline"]


def test_one_reproduction_at_a_time_in_an_output_directory(tmp_path):
    with OutputLock(tmp_path):
        with pytest.raises(Exception, match="in use by another reproduction"):
            run(small_graph(Calls()), tmp_path)
    (tmp_path / ".lock").write_text("999999999\n")  # left by a process that is gone
    run([Stage("only", simple_run(Calls()))], tmp_path)
    assert not (tmp_path / ".lock").exists()


@pytest.fixture
def ctrl_c_raises():
    """Ctrl-C raises KeyboardInterrupt in this process during the test, even when the tests run in the background
    (which starts them with SIGINT ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_stops_the_running_stage_and_the_next_run_continues_it(tmp_path, ctrl_c_raises):
    calls = Calls()

    def presses_ctrl_c(context):  # as if the user pressed Ctrl-C while this stage runs
        calls.record(context)
        if context.partial:
            write_output(context)
            return
        os.kill(os.getpid(), signal.SIGINT)  # delivered to the main thread, which is waiting for the stage
        assert context.stop.wait(10), "the runner never asked the stage to stop"
        raise KeyboardInterrupt  # what a command does: save, then stop

    lines = []
    with pytest.raises(KeyboardInterrupt):
        run(small_graph(calls, run_for={"distill": presses_ctrl_c}), tmp_path, lines)
    assert lines[-1] == "interrupted (distill); run the same command again to continue: finished stages are kept"
    calls = Calls()
    run(small_graph(calls, run_for={"distill": presses_ctrl_c}), tmp_path)
    assert calls.continued == ["distill"] and "teacher" not in calls.started
