"""The quick preset end to end on fake stages, with two seeds: the graph runs, each evaluation's figures and saved
translations are collected per seed, and results.md / results.json / the plots come out with the seeds' means,
spreads, intervals and checks; a second run reuses everything."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from fake_stages import Calls, simple_run, write_output
from test_results_plots import TSV
from test_results_tables import ROWS

from tinyseqkd.reproduce.bootstrap import SavedTranslations
from tinyseqkd.reproduce.collect import EVALUATION, VALIDATIONS, collect_seeds, sweep_file
from tinyseqkd.reproduce.plan import build_stages, row_stages
from tinyseqkd.reproduce.plots import write_plots
from tinyseqkd.reproduce.presets import QUICK
from tinyseqkd.reproduce.results import build_results, render_markdown, write_results
from tinyseqkd.reproduce.runner import run_stages
from tinyseqkd.reproduce.stages import StageGraph

# The rows the made-up figures of test_results_tables cover (the quick preset's rows, without Seq-Inter).
SMALL = dataclasses.replace(QUICK, rows=("teacher", "baseline", "word-kd", "seq-kd"),
                            pruning=(("class-blind", 0.8),), beam_sweep=(), seeds=(1, 2))
# The saved translations: 40 test sentences; a row's output is the reference for the first share of them and
# "nothing" for the rest, so Seq-KD is far above the baseline and Word-KD exactly the baseline.
REFERENCES = [f"the sentence number {i} is here today" for i in range(40)]
SHARE_RIGHT = {"teacher": 0.9, "baseline": 0.3, "word-kd": 0.3, "seq-kd": 0.8, "prune-class-blind-80": 0.75}

pytestmark = pytest.mark.ch11_reproduce


def translation(row: str) -> str:
    right = round(SHARE_RIGHT[row] * len(REFERENCES))
    return "".join(f"{ref if i < right else 'nothing'}\n" for i, ref in enumerate(REFERENCES))


def fake_runs(calls):
    """train/prune write a learning curve; evaluate writes the made-up figures of its model's row (seed 2's
    students 1 BLEU better greedy than seed 1's) and its translations."""
    def train(context):
        simple_run(calls)(context)
        (context.directory / VALIDATIONS).write_text(TSV)

    def evaluate(context):
        calls.record(context)
        write_output(context)
        stage = context.inputs["model"].name.rsplit("-", 1)[0]  # the model's directory is STAGE-KEY12
        row, _, seed = re.fullmatch(r"(.+?)(-s(\d+))?", stage).group(1, 2, 3)
        figures = {key: value for key, value in ROWS[row].items()
                   if key not in ("training_seconds", "pruned_from", "scheme", "ratio")}
        if seed == "2":
            figures["bleu_greedy"] += 1.0
        (context.directory / EVALUATION).write_text(json.dumps({"checkpoint": "best.npz", **figures}))
        for beam in context.options["beam_sweep"]:
            (context.directory / sweep_file(beam)).write_text(json.dumps({**figures, "bleu_beam": 20.0 + beam}))
        for name in ("greedy.txt", "beam.txt"):
            (context.directory / name).write_text(translation(row))
        (context.directory / "ref1.txt").write_text("".join(line + "\n" for line in REFERENCES))

    return {"train": train, "distill": simple_run(calls), "prune": train, "evaluate": evaluate}


def test_a_preset_with_two_seeds_to_results_md(tmp_path):
    calls = Calls()
    graph = StageGraph(build_stages(SMALL, fake_runs(calls)))
    results = run_stages(graph, tmp_path, write=lambda line: None)
    assert calls.started == graph.order
    collected = collect_seeds(graph, results, row_stages(SMALL))
    assert list(collected.per_seed) == [1, 2]
    for seed in (1, 2):
        rows = collected.per_seed[seed]
        assert list(rows) == ["teacher", "baseline", "word-kd", "seq-kd", "prune-class-blind-80"]
        assert rows["prune-class-blind-80"]["pruned_from"] == "seq-kd" and rows["prune-class-blind-80"]["ratio"] == 0.8
        assert rows["seq-kd"]["training_seconds"] == results[f"seq-kd-s{seed}"].seconds
        assert set(collected.validations[seed]) == set(rows)
        assert collected.evaluations[seed]["seq-kd"] == results[f"eval-seq-kd-s{seed}"].directory
    assert collected.per_seed[2]["seq-kd"]["bleu_greedy"] == collected.per_seed[1]["seq-kd"]["bleu_greedy"] + 1.0
    assert collected.per_seed[1]["teacher"] == collected.per_seed[2]["teacher"]  # one shared evaluation

    summary = build_results(collected.per_seed, preset="quick", summary=SMALL.summary,
                            draws=SavedTranslations(collected.evaluations, n_samples=200).draws)
    json_path, markdown_path = write_results(tmp_path, summary)
    text = markdown_path.read_text()
    assert "## Table 1 (mean ± sd over 2 seeds: 1, 2)" in text
    assert ("| Seq-KD | 21.8 ± 0.7 | 21.5 | -0.3 ± 0.7 | 31.0 | 6.40% | 2.10% | 19.20% | 18.9 | 19.0 | 0.1 | 22.7 | "
            "16.9% |") in text
    assert "| teacher | 28.2 | 29.8 | 1.6 | 9.9 | 1.30% | 0.20% | 3.90% |" in text  # shared: one value
    seq_kd = next(check for check in summary["checks"] if check["claim"] == "Seq-KD's greedy BLEU is above the "
                                                                             "baseline's")
    assert (seq_kd["holds"], seq_kd["holds_in"], seq_kd["seeds"]) == (True, 2, 2)
    assert seq_kd["interval"][0] > 10 and all(own["interval"][0] > 10 for own in seq_kd["by_seed"].values())
    word_kd = next(check for check in summary["checks"] if check["claim"].startswith("Word-KD's greedy BLEU"))
    assert word_kd["interval"] == [0.0, 0.0] and word_kd["holds_in"] == 0  # the same output as the baseline's
    assert re.search(r"\n- ✓ 2/2 Seq-KD's greedy BLEU is above the baseline's \(Table 1, Sec. 3.2\): ours 21.8 vs "
                     r"19.5, difference \+2.3 \[\+\d+\.\d, \+\d+\.\d\]; paper 18.9 vs 14.7\n", text)
    assert "<details><summary>seed 1</summary>" in text and "<details><summary>seed 2</summary>" in text
    plots = write_plots(tmp_path, summary["rows"], summary["labels"], collected.validations[1])
    assert plots.skipped or len(plots.written) == 5

    again = Calls()
    graph = StageGraph(build_stages(SMALL, fake_runs(again)))
    rerun = run_stages(graph, tmp_path, write=lambda line: None)
    assert again.started == []
    collected = collect_seeds(graph, rerun, row_stages(SMALL))
    assert render_markdown(build_results(collected.per_seed, preset="quick", summary=SMALL.summary,
                                         versions=summary["versions"],
                                         draws=SavedTranslations(collected.evaluations, n_samples=200).draws)) == text
    assert render_markdown(json.loads(json_path.read_text())) == text


def test_a_beam_sweep_is_collected_per_row(tmp_path):
    preset = dataclasses.replace(SMALL, beam_sweep=(2, 10), seeds=(1,))
    graph = StageGraph(build_stages(preset, fake_runs(Calls())))
    rows = collect_seeds(graph, run_stages(graph, tmp_path, write=lambda line: None), row_stages(preset)).per_seed[1]
    assert rows["baseline"]["bleu_by_beam"] == {"2": 22.0, "10": 30.0}
