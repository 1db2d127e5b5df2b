"""The default thread count follows what runs now, not the last minute; ``--threads`` is checked."""

import os

import pytest

from tinyseqkd import threads
from tinyseqkd.cli import main


def cpu_times(*samples):
    """A fake ``/proc/stat`` reader returning (busy, total) ticks, one sample per call."""
    samples = iter(samples)
    return lambda: next(samples)


@pytest.fixture
def two_cores_busy_last_minute(monkeypatch):
    """A 2-core machine whose 1-minute load average still says 2 (a pip install that just ended)."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (2.0, 1.5, 0.7))


def test_an_idle_machine_that_was_busy_a_minute_ago_gets_both_cores(two_cores_busy_last_minute, monkeypatch):
    idle_now = cpu_times((5_000, 10_000), (5_001, 10_020))  # 1 busy tick in 20: both cores idle
    monkeypatch.setattr(threads, "read_cpu_times", idle_now)
    monkeypatch.setattr(threads.time, "sleep", lambda seconds: None)
    assert threads.idle_cores() == 2


def test_a_core_kept_busy_now_is_left_alone(two_cores_busy_last_minute):
    one_busy = cpu_times((5_000, 10_000), (5_011, 10_020))  # 11 busy ticks in 20: one core and a bit
    assert threads.idle_cores(one_busy, sleep=lambda seconds: None) == 1
    both_busy = cpu_times((5_000, 10_000), (5_019, 10_020))
    assert threads.idle_cores(both_busy, sleep=lambda seconds: None) == 1  # never fewer than one thread


def test_without_proc_stat_the_load_average_stands_in(two_cores_busy_last_minute):
    assert threads.idle_cores(lambda: None, sleep=lambda seconds: None) == 1


def test_the_real_proc_stat_reads_as_busy_and_total_ticks():
    times = threads.read_cpu_times()
    if times is None:
        pytest.skip("no /proc/stat on this platform")
    busy, total = times
    assert 0 <= busy <= total and total > 0


def test_set_threads_records_the_count_in_force():
    try:
        assert threads.set_threads(1) == 1 and threads.threads_in_force() == 1
    finally:
        threads.set_threads(1)  # the tests' setting (conftest.py)


@pytest.mark.parametrize("value", ["0", "-2"])
def test_threads_below_one_is_one_error_line_not_a_traceback(capsys, value):
    assert main(["data", "list", "--threads", value]) == 2
    err = capsys.readouterr().err
    assert err == f"tinyseqkd: error: --threads must be at least 1, got {value}\n"
