"""``tinyseqkd reproduce`` end to end with the REAL commands (``train``, ``distill``, ``prune``, ``evaluate`` as child
processes) on a seconds-sized preset: every kind of stage of Kim & Rush's Table 1 and Sec. 5.2, the resume of an
interrupted ``train`` (``train --resume``), a second run that reuses everything, and results.md's table.

The figures themselves are not asserted: these models are far too small to show the paper's signs (that is the
quick preset's job, measured in the closing note of issue 12).
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from tinyseqkd.cli import main
from tinyseqkd.commands.reproduce import reproduce
from tinyseqkd.reproduce import runs
from tinyseqkd.reproduce.plan import build_stages, model_rows
from tinyseqkd.reproduce.presets import TABLE_ROWS, ModelRun, Preset
from tinyseqkd.reproduce.stages import StageGraph
from tinyseqkd.reproduce.store import COMMAND, DONE, stage_directory

pytestmark = pytest.mark.ch11_reproduce

TINY_TRAIN = {"train.batch_size": 32, "train.early_stopping": "bleu", "train.log_every": 10,
              "train.valid_examples": 0}
TINY = Preset(
    name="tiny", summary="seconds-sized models, for the tests", budget_minutes=None,
    data={"corpus": "synthetic:multimodal:n_train=200,n_valid=20,n_test=20,max_len=4,seed=1", "max_len": 0,
          "bpe_merges": 0, "src_vocab_size": 0, "tgt_vocab_size": 0},
    # 120 updates, validated every 20: the test interrupts it at its first validation, long before its end.
    teacher=ModelRun("toy-reverse", {"model.embedding_size": 16, "model.hidden_size": 32, "train.max_steps": 120,
                                     "train.validate_every": 20, **TINY_TRAIN}),
    student=ModelRun("toy-reverse", {"model.embedding_size": 8, "model.hidden_size": 16, "train.max_steps": 20,
                                     "train.validate_every": 10, **TINY_TRAIN}),
    rows=("teacher", "baseline", "word-kd", "seq-kd", "seq-kd-seq-inter"),
    fine_tune={"train.lr": 0.002, "train.max_steps": 10, "train.validate_every": 10},
    beam=3, nbest=3,
    pruning=(("class-blind", 0.5),),
    prune_retrain={"train.max_steps": 10, "train.validate_every": 10},
    beam_sweep=(2,),
    estimates={"teacher": 3, "distill-beam": 2, "distill-kbest": 2, "student": 2, "fine-tune": 2, "prune": 2,
               "evaluate": 1},
    jobs=2,
)


class Recorder:
    """The real runs, recording which stages ran a command; the teacher's first attempt is stopped (as Ctrl-C
    would stop it) once it has validated and saved once."""

    def __init__(self, interrupt_teacher: bool = False):
        self.ran: list[str] = []
        self.interrupt_teacher = interrupt_teacher

    def runs(self) -> dict:
        def train(context):
            if self.interrupt_teacher and context.name == "teacher" and context.attempt == 1:
                log = context.log

                def stop_after_first_validation(line):
                    log(line)
                    if line.startswith("validation at step"):
                        context.stop.set()  # what the runner does on Ctrl-C: the command gets SIGINT
                context.log = stop_after_first_validation
            self.ran.append(context.name)
            runs.run_train(context)

        def other(run):
            def record(context):
                self.ran.append(context.name)
                run(context)
            return record

        return {"train": train, "distill": other(runs.run_distill), "prune": other(runs.run_prune),
                "evaluate": other(runs.run_evaluate)}


def run_tiny(out, recorder: Recorder, preset: Preset = TINY, capsys=None) -> StageGraph:
    graph = StageGraph(build_stages(preset, recorder.runs()))
    args = SimpleNamespace(stages=None, quiet=True, no_plots=True)
    assert reproduce(graph, out, preset, args, threads=2, jobs=preset.jobs) == 0
    return graph


def check_pipeline(tmp_path, preset: Preset, capsys):
    out = tmp_path / "out"

    # 1. The teacher is interrupted after its first validation: nothing else has run, nothing is marked done.
    first = Recorder(interrupt_teacher=True)
    with pytest.raises(KeyboardInterrupt):
        run_tiny(out, first, preset)
    assert first.ran == ["teacher"]
    graph = StageGraph(build_stages(preset, first.runs()))
    teacher = stage_directory(out, "teacher", graph.keys["teacher"])
    assert (teacher / "latest.npz").exists() and not (teacher / DONE).exists()

    # 2. Run again: the teacher continues (train --resume) and every other stage runs once.
    second = Recorder()
    graph = run_tiny(out, second, preset)
    assert sorted(second.ran) == sorted(graph.order)
    commands = (teacher / COMMAND).read_text()
    assert "# attempt 2" in commands and " train --resume " in commands.split("# attempt 2")[1]
    steps = [int(line.split("\t")[0]) for line in (teacher / "validations.tsv").read_text().splitlines()[1:]]
    assert steps == sorted(set(steps)) and steps[0] == 20 and steps[-1] == 120  # continued, not restarted
    for name in graph.order:
        assert (stage_directory(out, name, graph.keys[name]) / DONE).exists(), name
    distill = stage_directory(out, "distill-kbest", graph.keys["distill-kbest"])
    assert "--select bleu" in (distill / COMMAND).read_text()
    for seed in preset.seeds:
        pruned = stage_directory(out, f"prune-class-blind-50-s{seed}", graph.keys[f"prune-class-blind-50-s{seed}"])
        assert " prune -m " in (pruned / COMMAND).read_text() and (pruned / "best.npz").exists()
        assert f"seq-kd-s{seed}-" in (pruned / COMMAND).read_text()  # its own seed's Seq-KD student
        evaluation = stage_directory(out, f"eval-seq-kd-s{seed}", graph.keys[f"eval-seq-kd-s{seed}"])
        saved = {path.name for path in evaluation.glob("*.txt")}
        assert {"greedy.txt", "beam.txt", "ref1.txt", "ref2.txt", "ref3.txt", "ref4.txt"} <= saved
        assert len((evaluation / "beam.txt").read_text().splitlines()) == 20  # the 20 test sentences

    # 3. A third run reuses everything: no command runs, and results.md comes out the same.
    markdown = (out / "results.md").read_text()
    third = Recorder()
    run_tiny(out, third, preset)
    assert third.ran == []
    assert (out / "results.md").read_text().split("## Measured with")[0] == markdown.split("## Measured with")[0]

    # results.md's Table 1 has a row of figures for every model; results.json holds them all.
    results = json.loads((out / "results.json").read_text())
    assert list(results["rows"]) == [row for row in TABLE_ROWS if row in preset.rows] + model_rows(preset)[
        len(preset.rows):]
    table = markdown.split("## Table 1")[1].split("##")[0]
    for row, label in results["labels"].items():
        line = next(line for line in table.splitlines() if line.startswith(f"| {label} |"))
        cells = [cell.strip().split(" ± ")[0] for cell in line.strip("|").split("|")]  # a mean ± sd: the mean
        float(cells[1]), float(cells[2]), float(cells[4])  # BLEU K=1, K=5, PPL: measured, not "–"
    assert results["rows"]["seq-kd"]["bleu_by_beam"].keys() == {str(beam) for beam in preset.beam_sweep}
    assert results["rows"]["prune-class-blind-50"]["nonzero_parameters"] < results["rows"]["seq-kd"]["parameters"]
    return out


def test_every_stage_with_the_real_commands_resumes_after_an_interruption_and_is_cached(tmp_path, capsys):
    check_pipeline(tmp_path, TINY, capsys)


@pytest.mark.slow
def test_every_row_of_table_1_and_a_pruning_sweep_with_the_real_commands(tmp_path, capsys):
    import dataclasses

    everything = dataclasses.replace(TINY, rows=TABLE_ROWS, beam_sweep=(2, 10), pruning=(
        ("class-blind", 0.5), ("class-uniform", 0.8), ("class-distribution", 0.8)), seeds=(1, 2))
    check_pipeline(tmp_path, everything, capsys)


def test_the_command_lists_its_stages_and_refuses_a_wrong_preset_or_stage(tmp_path, capsys):
    assert main(["reproduce", "--list", "--out", str(tmp_path), "--threads", "1"]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith(f"preset quick: 60 stages in {tmp_path} (0 done, 0 partial, 60 to run)")
    assert "distill-kbest" in listing and "eval-prune-class-blind-80-s3" in listing
    assert main(["reproduce", "--preset", "quik", "--threads", "1"]) == 2
    assert "did you mean quick?" in capsys.readouterr().err
    assert main(["reproduce", "--stages", "sekd", "--out", str(tmp_path), "--threads", "1"]) == 2
    assert "no stage is named 'sekd'; did you mean seq-kd-s3, seq-kd-s2, seq-kd-s1?" in capsys.readouterr().err
    assert not (tmp_path / "stages").exists()  # nothing ran


def test_a_failed_stage_exits_with_2_and_names_its_log(tmp_path, capsys, monkeypatch):
    import dataclasses

    from tinyseqkd.reproduce.presets import PRESETS

    broken = ModelRun("toy-reverse", {**TINY.teacher.overrides, "train.lr": -1.0})  # train refuses it
    monkeypatch.setitem(PRESETS, "broken", dataclasses.replace(TINY, name="broken", teacher=broken))
    assert main(["reproduce", "--preset", "broken", "--out", str(tmp_path), "--threads", "1", "--quiet"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("tinyseqkd: error: stage 'teacher' failed: ") and "train.lr" in error
    assert f"Its log: {tmp_path}/stages/teacher-" in error and error.count("\n") == 1
