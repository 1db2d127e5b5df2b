"""The quick preset end to end on fake stages: the graph runs, each evaluation's figures are collected from its
files, and results.md / results.json / the plots come out; a second run reuses everything."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from fake_stages import Calls, simple_run, write_output
from test_results_plots import TSV
from test_results_tables import ROWS

from tinyseqkd.reproduce.collect import EVALUATION, VALIDATIONS, collect_seeds, sweep_file
from tinyseqkd.reproduce.plan import build_stages, row_stages
from tinyseqkd.reproduce.plots import write_plots
from tinyseqkd.reproduce.presets import QUICK
from tinyseqkd.reproduce.results import build_results, render_markdown, write_results
from tinyseqkd.reproduce.runner import run_stages
from tinyseqkd.reproduce.stages import StageGraph

# The rows the made-up figures of test_results_tables cover (the quick preset's rows, without Seq-Inter).
SMALL = dataclasses.replace(QUICK, rows=("teacher", "baseline", "word-kd", "seq-kd"),
                            pruning=(("class-blind", 0.8),), beam_sweep=(), seeds=(1,))

pytestmark = pytest.mark.ch11_reproduce


def fake_runs(calls):
    """train/prune write a learning curve; evaluate writes the made-up figures of its model's row."""
    def train(context):
        simple_run(calls)(context)
        (context.directory / VALIDATIONS).write_text(TSV)

    def evaluate(context):
        calls.record(context)
        write_output(context)
        stage = context.inputs["model"].name.rsplit("-", 1)[0]  # the model's directory is STAGE-KEY12
        row = re.sub(r"-s\d+$", "", stage)  # the stage of a student row is ROW-sN
        figures = {key: value for key, value in ROWS[row].items()
                   if key not in ("training_seconds", "pruned_from", "scheme", "ratio")}
        (context.directory / EVALUATION).write_text(json.dumps({"checkpoint": "best.npz", **figures}))
        for beam in context.options["beam_sweep"]:
            (context.directory / sweep_file(beam)).write_text(json.dumps({**figures, "bleu_beam": 20.0 + beam}))

    return {"train": train, "distill": simple_run(calls), "prune": train, "evaluate": evaluate}


def test_a_preset_to_results_md(tmp_path):
    calls = Calls()
    graph = StageGraph(build_stages(SMALL, fake_runs(calls)))
    results = run_stages(graph, tmp_path, write=lambda line: None)
    assert calls.started == graph.order
    collected = collect_seeds(graph, results, row_stages(SMALL))
    rows, validations = collected.per_seed[1], collected.validations[1]
    assert list(rows) == ["teacher", "baseline", "word-kd", "seq-kd", "prune-class-blind-80"]
    assert rows["prune-class-blind-80"]["pruned_from"] == "seq-kd" and rows["prune-class-blind-80"]["ratio"] == 0.8
    assert rows["seq-kd"]["training_seconds"] == results["seq-kd-s1"].seconds
    assert set(validations) == set(rows)

    summary = build_results(rows, preset="quick", summary=SMALL.summary)
    json_path, markdown_path = write_results(tmp_path, summary)
    text = markdown_path.read_text()
    assert "| Seq-KD | 21.3 | 21.5 | 0.2 | 31.0 | 6.40% | 2.10% | 18.9 | 19.0 | 0.1 | 22.7 | 16.9% |" in text
    assert "- ✗ Word-KD's greedy BLEU is above the baseline's" in text
    plots = write_plots(tmp_path, rows, summary["labels"], validations)
    assert plots.skipped or len(plots.written) == 5

    again = Calls()
    graph = StageGraph(build_stages(SMALL, fake_runs(again)))
    rerun = run_stages(graph, tmp_path, write=lambda line: None)
    assert again.started == []
    assert render_markdown(build_results(collect_seeds(graph, rerun, row_stages(SMALL)).per_seed[1], preset="quick",
                                         summary=SMALL.summary, versions=summary["versions"])) == text


def test_a_beam_sweep_is_collected_per_row(tmp_path):
    preset = dataclasses.replace(SMALL, beam_sweep=(2, 10))
    graph = StageGraph(build_stages(preset, fake_runs(Calls())))
    rows = collect_seeds(graph, run_stages(graph, tmp_path, write=lambda line: None), row_stages(preset)).per_seed[1]
    assert rows["baseline"]["bleu_by_beam"] == {"2": 22.0, "10": 30.0}
