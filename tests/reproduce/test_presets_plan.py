"""Presets as data and the stage graph each one becomes (Kim & Rush 2016: Table 1's rows, Sec. 3.1-3.3, 5.2)."""

from __future__ import annotations

import dataclasses

import pytest
from fake_stages import Calls, simple_run

from tinyseqkd.reproduce.plan import build_stages, evaluation_name, pruned_row, row_stages, stage_name
from tinyseqkd.reproduce.presets import FULL, PRESETS, QUICK, ModelRun, get_preset, with_seeds
from tinyseqkd.reproduce.runner import run_stages
from tinyseqkd.reproduce.stages import ReproduceError, StageGraph

pytestmark = pytest.mark.ch11_reproduce


def fake_runs(calls):
    return {command: simple_run(calls) for command in ("train", "distill", "prune", "evaluate")}


SHARED = {"teacher", "distill-beam", "distill-kbest", "teacher-seq-inter", "eval-teacher", "eval-teacher-seq-inter"}


def test_the_full_preset_builds_every_row_of_table_1_the_pruning_sweep_and_an_evaluation_of_each_per_seed():
    graph = StageGraph(build_stages(FULL, fake_runs(Calls())))
    assert FULL.seeds == (1, 2, 3)
    assert graph.order[:3] == ["teacher", "distill-beam", "distill-kbest"]
    per_seed = {"baseline", "word-kd", "seq-kd", "seq-kd-word-kd", "baseline-seq-inter", "seq-kd-seq-inter",
                "prune-class-blind-50", "prune-class-blind-80", "prune-class-blind-85", "prune-class-blind-90",
                "prune-class-uniform-80", "prune-class-distribution-80"}
    assert set(graph.order) == SHARED | {f"{prefix}{row}-s{seed}" for row in per_seed for seed in (1, 2, 3)
                                         for prefix in ("", "eval-")}
    assert graph["seq-kd-word-kd-s2"].inputs == {"pipeline": "teacher", "teacher": "teacher",
                                                 "targets": "distill-beam"}
    assert graph["seq-kd-word-kd-s2"].options["word_kd"] == {"alpha": 0.5, "temperature": 1.0}
    assert graph["baseline-s3"].inputs == {"pipeline": "teacher"}  # the teacher's pipeline, the same vocabularies
    assert graph["teacher-seq-inter"].inputs == {"pipeline": "teacher", "targets": "distill-kbest",
                                                 "init": "teacher"}
    assert graph["teacher-seq-inter"].options["overrides"]["train.lr"] == FULL.fine_tune["train.lr"]
    assert graph["distill-kbest"].options == {"command": "distill", "beam": 35, "nbest": 35, "select": "bleu"}
    assert graph["eval-prune-class-blind-80-s1"].exclusive and not graph["seq-kd-s1"].exclusive
    assert graph["eval-seq-kd-s1"].options["beam_sweep"] == []
    assert graph["eval-seq-kd-s1"].options["save_translations"] is True


def test_each_seeds_students_get_their_seed_and_the_same_seeds_inputs():
    graph = StageGraph(build_stages(FULL, fake_runs(Calls())))
    for seed in FULL.seeds:
        assert graph[f"baseline-s{seed}"].options["overrides"]["train.seed"] == seed
        assert graph[f"seq-kd-seq-inter-s{seed}"].inputs == {"pipeline": "teacher", "targets": "distill-kbest",
                                                             "init": f"seq-kd-s{seed}"}
        assert graph[f"baseline-seq-inter-s{seed}"].inputs["init"] == f"baseline-s{seed}"
        assert graph[f"prune-class-blind-80-s{seed}"].inputs == {"model": f"seq-kd-seq-inter-s{seed}"}
        assert graph[f"eval-prune-class-blind-80-s{seed}"].inputs == {"model": f"prune-class-blind-80-s{seed}"}
        assert graph[f"prune-class-blind-80-s{seed}"].options["retrain"] == FULL.prune_retrain
    assert graph["teacher"].options["overrides"]["train.seed"] == 1
    assert graph["teacher-seq-inter"].options["overrides"]["train.seed"] == 1
    assert graph["eval-teacher"].inputs == {"model": "teacher"}
    assert len({graph.keys[f"seq-kd-s{seed}"] for seed in FULL.seeds}) == 3


def test_the_shared_stages_keep_the_keys_of_a_single_seed_graph_and_the_first_seed_trains_the_teacher():
    """Going from one seed to three reuses a teacher (and its distillations) already trained: same names, options
    and keys."""
    one = StageGraph(build_stages(with_seeds(FULL, (1,)), fake_runs(Calls())))
    three = StageGraph(build_stages(FULL, fake_runs(Calls())))
    for name in ("teacher", "distill-beam", "distill-kbest", "teacher-seq-inter"):
        assert three.keys[name] == one.keys[name], name
        assert three[name].options == one[name].options
    assert three.keys["seq-kd-s1"] == one.keys["seq-kd-s1"]  # seed 1's students are the same stages too
    assert set(one.order) == SHARED | {name for name in three.order if name.endswith("-s1")}
    other = StageGraph(build_stages(with_seeds(FULL, (2, 1)), fake_runs(Calls())))
    assert other["teacher"].options["overrides"]["train.seed"] == 2 and other.keys["teacher"] != one.keys["teacher"]


def test_row_stages_name_every_rows_stage_per_seed():
    stages = row_stages(with_seeds(QUICK, (4, 7)))
    assert list(stages) == [4, 7]
    assert stages[7]["seq-kd"] == "seq-kd-s7" and stages[7]["prune-class-blind-80"] == "prune-class-blind-80-s7"
    assert stages[4]["teacher"] == stages[7]["teacher"] == "teacher"
    assert stages[4]["teacher-seq-inter"] == "teacher-seq-inter"
    assert stage_name("baseline", 0) == "baseline-s0" and evaluation_name("teacher", 3) == "eval-teacher"


@pytest.mark.parametrize("seeds, message", [
    ((), "give at least one seed"), ((1, -1), "seed -1 is not a whole number"), ((1, 2, 1), "seed 1 is given twice"),
])
def test_wrong_seeds_are_refused(seeds, message):
    with pytest.raises(ReproduceError, match=message):
        with_seeds(QUICK, seeds)


def test_several_seeds_need_a_synthetic_task_with_its_own_seed():
    """Without seed=N in the spec, train.seed makes the data: seed 2's students would not match the distillations."""
    assert "seed=1" in QUICK.data["corpus"]
    unseeded = dataclasses.replace(QUICK, data={**QUICK.data, "corpus": "synthetic:multimodal:n_train=10000"})
    with pytest.raises(ReproduceError, match=r"fix: fix the data with its own seed, e.g. "
                                             r"synthetic:multimodal:n_train=10000,seed=1"):
        unseeded.check()
    assert with_seeds(unseeded, (3,)).seeds == (3,)  # one seed: the teacher's data is the students'
    bare = dataclasses.replace(QUICK, data={**QUICK.data, "corpus": "synthetic:multimodal"})
    with pytest.raises(ReproduceError, match="e.g. synthetic:multimodal:seed=1"):
        bare.check()
    assert with_seeds(FULL, (1, 2)).seeds == (1, 2)  # an embedded corpus does not depend on train.seed


def test_every_classroom_stage_is_the_same_stage_as_the_full_presets_but_its_own_pruning():
    """The classroom preset's results are reused by a full run into the same --out (the same keys)."""
    full = StageGraph(build_stages(FULL, fake_runs(Calls()))).keys
    classroom = StageGraph(build_stages(get_preset("classroom"), fake_runs(Calls()))).keys
    own = {"prune-class-blind-80-s1", "eval-prune-class-blind-80-s1"}  # it prunes Seq-KD, not Seq-Inter's
    assert set(classroom) - own < set(full)
    assert all(classroom[name] == full[name] for name in set(classroom) - own)
    assert all(classroom[name] != full[name] for name in own)


def test_the_quick_preset_runs_end_to_end_on_fake_stages_and_a_second_run_skips_everything(tmp_path):
    calls = Calls()
    graph = StageGraph(build_stages(QUICK, fake_runs(calls)))
    assert {"distill-beam", "distill-kbest", "seq-kd-seq-inter-s3", "prune-class-blind-80-s2"} <= set(graph.order)
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
    assert changed == set(before) - SHARED


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


def test_the_beam_sweep_is_decoded_for_the_first_seed_only():
    graph = StageGraph(build_stages(QUICK, fake_runs(Calls())))
    assert QUICK.beam_sweep and QUICK.seeds[0] == 1
    assert graph["eval-teacher"].options["beam_sweep"] == list(QUICK.beam_sweep)
    assert graph["eval-seq-kd-s1"].options["beam_sweep"] == list(QUICK.beam_sweep)
    assert graph["eval-seq-kd-s2"].options["beam_sweep"] == []
    assert graph["eval-seq-kd-s2"].estimate_seconds < graph["eval-seq-kd-s1"].estimate_seconds
