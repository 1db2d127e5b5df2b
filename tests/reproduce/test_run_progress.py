"""Progress of a reproduction: the schedule the runner follows and the whole run's ETA from stage estimates."""

from __future__ import annotations

import pytest

from tinyseqkd.reproduce.progress import Estimates, choose_starts

pytestmark = pytest.mark.ch11_reproduce

NEEDS = {"teacher": [], "distill": ["teacher"], "baseline": ["teacher"], "seq-kd": ["distill"],
         "eval": ["seq-kd", "baseline"]}
ORDER = list(NEEDS)
SECONDS = {"teacher": 100, "distill": 30, "baseline": 60, "seq-kd": 60, "eval": 10}


def not_exclusive(name):
    return False


def test_choose_starts_fills_the_free_jobs_and_lets_an_exclusive_stage_run_alone():
    assert choose_starts(["a", "b", "c"], running=0, jobs=2, exclusive=not_exclusive) == ["a", "b"]
    assert choose_starts(["a", "b"], running=2, jobs=2, exclusive=not_exclusive) == []
    only_x = {"x"}.__contains__
    assert choose_starts(["x", "b"], running=0, jobs=2, exclusive=only_x) == ["x"]
    assert choose_starts(["x", "b"], running=1, jobs=2, exclusive=only_x) == []  # x waits, and nothing passes it
    assert choose_starts(["b", "x"], running=0, jobs=2, exclusive=only_x) == ["b"]


def test_eta_with_one_job_is_the_sum_and_with_two_follows_the_schedule():
    estimates = Estimates(SECONDS)
    assert estimates.remaining(ORDER, NEEDS, set(), {}, 1, not_exclusive) == 260
    # two jobs: teacher 0-100; distill and baseline 100-130 / 100-160; seq-kd 130-190; eval 190-200
    assert estimates.remaining(ORDER, NEEDS, set(), {}, 2, not_exclusive) == 200
    # the teacher is done, the distillation has run 20 of its 30 s
    assert estimates.remaining(ORDER, NEEDS, {"teacher"}, {"distill": 20}, 1, not_exclusive) == 140


def test_real_times_of_finished_stages_correct_the_remaining_estimates():
    estimates = Estimates(SECONDS)
    estimates.finished("teacher", 200)  # took twice its estimate
    assert estimates.factor == 2
    assert estimates.remaining(ORDER, NEEDS, {"teacher"}, {}, 1, not_exclusive) == 2 * 160
    estimates.finished("distill", 1e6)
    assert estimates.factor == 5  # clamped
