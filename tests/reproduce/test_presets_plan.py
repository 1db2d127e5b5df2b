"""Presets as data and the stage graph each one becomes (Kim & Rush 2016: Table 1's rows, Sec. 3.1-3.3, 5.2)."""

from __future__ import annotations

import dataclasses

import pytest
from fake_stages import Calls, simple_run

from tinyseqkd.reproduce.plan import build_stages, model_rows, pruned_row
from tinyseqkd.reproduce.presets import FULL, PRESETS, QUICK, ModelRun, get_preset
from tinyseqkd.reproduce.runner import run_stages
from tinyseqkd.reproduce.stages import ReproduceError, StageGraph

pytestmark = pytest.mark.ch11_reproduce


def fake_runs(calls):
    return {command: simple_run(calls) for command in ("train", "distill", "prune", "evaluate")}


def test_the_full_preset_builds_every_row_of_table_1_the_pruning_sweep_and_an_evaluation_of_each():
    graph = StageGraph(build_stages(FULL, fake_runs(Calls())))
    assert graph.order[:3] == ["teacher", "distill-beam", "distill-kbest"]
    assert set(graph.order) == {
        "teacher", "distill-beam", "distill-kbest", "teacher-seq-inter", "baseline", "word-kd", "seq-kd",
        "seq-kd-word-kd", "baseline-seq-inter", "seq-kd-seq-inter", "prune-class-blind-50", "prune-class-blind-80",
        "prune-class-blind-85", "prune-class-blind-90", "prune-class-uniform-80", "prune-class-distribution-80",
        *(f"eval-{row}" for row in model_rows(FULL))}
    assert graph["seq-kd-word-kd"].inputs == {"pipeline": "teacher", "teacher": "teacher", "targets": "distill-beam"}
    assert graph["seq-kd-word-kd"].options["word_kd"] == {"alpha": 0.5, "temperature": 1.0}
    assert graph["baseline"].inputs == {"pipeline": "teacher"}  # the teacher's pipeline, the same vocabularies
    assert graph["teacher-seq-inter"].inputs == {"pipeline": "teacher", "targets": "distill-kbest",
                                                 "init": "teacher"}
    assert graph["teacher-seq-inter"].options["overrides"]["train.lr"] == FULL.fine_tune["train.lr"]
    assert graph["distill-kbest"].options == {"command": "distill", "beam": 35, "nbest": 35, "select": "bleu"}
    assert graph["prune-class-blind-80"].inputs == {"model": "seq-kd-seq-inter"}
    assert graph["eval-prune-class-blind-80"].exclusive and not graph["seq-kd"].exclusive
    assert graph["eval-seq-kd"].options["beam_sweep"] == []


def test_every_classroom_stage_is_the_same_stage_as_the_full_presets_but_its_own_pruning():
    """The classroom preset's results are reused by a full run into the same --out (the same keys)."""
    full = StageGraph(build_stages(FULL, fake_runs(Calls()))).keys
    classroom = StageGraph(build_stages(get_preset("classroom"), fake_runs(Calls()))).keys
    own = {"prune-class-blind-80", "eval-prune-class-blind-80"}  # it prunes the Seq-KD student, not Seq-Inter's
    assert set(classroom) - own < set(full)
    assert all(classroom[name] == full[name] for name in set(classroom) - own)
    assert all(classroom[name] != full[name] for name in own)


def test_the_quick_preset_runs_end_to_end_on_fake_stages_and_a_second_run_skips_everything(tmp_path):
    calls = Calls()
    graph = StageGraph(build_stages(QUICK, fake_runs(calls)))
    assert {"distill-beam", "distill-kbest", "seq-kd-seq-inter", "prune-class-blind-80"} <= set(graph.order)
    run_stages(graph, tmp_path, write=lambda line: None)
    assert calls.started == graph.order
    again = Calls()
    run_stages(StageGraph(build_stages(QUICK, fake_runs(again))), tmp_path, write=lambda line: None)
    assert again.started == []


def test_a_changed_student_setting_invalidates_the_students_only():
    before = StageGraph(build_stages(FULL, fake_runs(Calls()))).keys
    student = ModelRun(FULL.student.config, {**FULL.student.overrides, "train.lr": 0.001})
    after = StageGraph(build_stages(dataclasses.replace(FULL, student=student), fake_runs(Calls()))).keys
    changed = {name for name in before if before[name] != after[name]}
    unchanged = {"teacher", "distill-beam", "distill-kbest", "teacher-seq-inter", "eval-teacher",
                 "eval-teacher-seq-inter"}
    assert changed == set(before) - unchanged


def test_presets_are_consistent_and_a_wrong_name_suggests_the_nearest():
    for preset in PRESETS.values():
        StageGraph(build_stages(preset, fake_runs(Calls())))
        assert preset.estimates.keys() >= {"teacher", "student", "evaluate"}
    with pytest.raises(ReproduceError, match="did you mean quick"):
        get_preset("quik")
    with pytest.raises(ReproduceError, match="prune_model 'seq-kd-seq-inter' is not among its rows"):
        dataclasses.replace(FULL, rows=("teacher", "baseline")).check()
    assert pruned_row("class-blind", 0.85) == "prune-class-blind-85"


def test_every_training_setting_of_every_preset_is_a_valid_config_key():
    from tinyseqkd.config import load_config

    for preset in PRESETS.values():
        for stage in build_stages(preset, fake_runs(Calls())):
            if stage.options["command"] == "train":
                overrides = [f"--{key}={value}" for key, value in stage.options["overrides"].items()]
                load_config(stage.options["config"], overrides)  # raises ConfigError on an unknown key
            if stage.options["command"] == "prune":  # retraining keys are [train] keys
                load_config(preset.student.config, [f"--{key}={value}"
                                                    for key, value in stage.options["retrain"].items()])


def test_the_readme_quick_start_runs_the_quick_preset_within_its_budget():
    from pathlib import Path

    from tinyseqkd.cli import build_parser

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    lines = block.splitlines()
    assert len(lines) == 2 and lines[0] == "python -m pip install . && tinyseqkd reproduce --preset quick"
    args = build_parser().parse_args(lines[0].split("&& tinyseqkd ")[1].split())
    assert get_preset(args.preset) is QUICK and QUICK.budget_minutes <= 5
