"""Gathering the figures of every row from the finished stages' files, for :mod:`tinyseqkd.reproduce.results`.

What the stages leave behind (the contract between the stages' commands and the results):

- ``eval-ROW/evaluation.json`` — the object ``tinyseqkd evaluate --json`` prints: BLEU greedy and beam, PPL,
  p(t = ŷ) mean and median, parameters, non-zero parameters, words/s greedy and beam, the sacrebleu signature;
- ``eval-ROW/evaluation-beamK.json`` — the same for each beam size K of the preset's beam sweep (its ``bleu_beam``
  is BLEU at beam K);
- ``ROW/validations.tsv`` — the learning curve of a ``train`` (or retraining ``prune``) stage;
- each stage's ``done.json`` seconds — the training time of its row (for a pruned row: pruning and retraining).
"""

from __future__ import annotations

import json
from pathlib import Path

from tinyseqkd.reproduce.stages import ReproduceError, StageGraph

EVALUATION = "evaluation.json"
VALIDATIONS = "validations.tsv"


def sweep_file(beam: int) -> str:
    """The evaluation file of beam size ``beam`` in the beam sweep."""
    return f"evaluation-beam{beam}.json"


def evaluation_stage(row: str) -> str:
    return f"eval-{row}"


def read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ReproduceError(f"{path}: cannot read the stage's figures ({error}); fix: delete the stage's "
                             "done.json and run the reproduction again to redo it") from None
    if not isinstance(data, dict):
        raise ReproduceError(f"{path}: expected one JSON object")
    return data


def collect_rows(graph: StageGraph, results: dict, rows: list[str]) -> tuple[dict, dict]:
    """(figures by row, ``validations.tsv`` path by row) for the ``rows`` whose evaluation stage finished.

    ``results`` maps stage names to :class:`~tinyseqkd.reproduce.runner.StageResult` (what
    :func:`~tinyseqkd.reproduce.runner.run_stages` returns).
    """
    figures, validations = {}, {}
    for row in rows:
        evaluation = evaluation_stage(row)
        if evaluation not in results or row not in results:
            continue
        directory = results[evaluation].directory
        data = read_json(directory / EVALUATION)
        sweep = {}
        for beam in graph[evaluation].options.get("beam_sweep", []):
            path = directory / sweep_file(beam)
            if path.exists():
                sweep[str(beam)] = read_json(path)["bleu_beam"]
        if sweep:
            data["bleu_by_beam"] = sweep
        data["training_seconds"] = results[row].seconds
        stage = graph[row]
        if stage.options.get("command") == "prune":
            data.update(pruned_from=stage.inputs["model"], scheme=stage.options["scheme"],
                        ratio=stage.options["ratio"])
        figures[row] = data
        curve = results[row].directory / VALIDATIONS
        if curve.exists():
            validations[row] = curve
    return figures, validations
