"""Gathering the figures of every row from the finished stages' files, for :mod:`tinyseqkd.reproduce.results`.

What the stages leave behind (the contract between the stages' commands and the results; STAGE is the stage that
builds a row for one seed, ``seq-kd-s2``, or a shared row's own, ``teacher``):

- ``eval-STAGE/evaluation.json`` — the object ``tinyseqkd evaluate --json`` prints: BLEU greedy and beam, PPL,
  p(t = ŷ) mean and median, parameters, non-zero parameters, words/s greedy and beam, the sacrebleu signature;
- ``eval-STAGE/evaluation-beamK.json`` — the same for each beam size K of the preset's beam sweep (its ``bleu_beam``
  is BLEU at beam K);
- ``eval-STAGE/greedy.txt``, ``beam.txt``, ``ref1.txt``, ``ref2.txt``, ... — the main evaluation's output and its
  references (``--save-translations``), for the paired bootstrap intervals (:mod:`tinyseqkd.reproduce.bootstrap`);
- ``STAGE/validations.tsv`` — the learning curve of a ``train`` (or retraining ``prune``) stage;
- each stage's ``done.json`` seconds — the training time of its row (for a pruned row: pruning and retraining).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tinyseqkd.reproduce.stages import ReproduceError, StageGraph

EVALUATION = "evaluation.json"
VALIDATIONS = "validations.tsv"


def sweep_file(beam: int) -> str:
    """The evaluation file of beam size ``beam`` in the beam sweep."""
    return f"evaluation-beam{beam}.json"


def evaluation_stage(stage: str) -> str:
    """The evaluation of the model built by ``stage`` (``seq-kd-s2`` → ``eval-seq-kd-s2``)."""
    return f"eval-{stage}"


def read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ReproduceError(f"{path}: cannot read the stage's figures ({error}); fix: delete the stage's "
                             "done.json and run the reproduction again to redo it") from None
    if not isinstance(data, dict):
        raise ReproduceError(f"{path}: expected one JSON object")
    return data


@dataclass
class Collected:
    """What the finished stages hold, per seed: ``per_seed[seed][row]`` the figures of ``row`` (a shared row, the
    teacher's, is the same in every seed), ``validations[seed][row]`` its ``validations.tsv`` and
    ``evaluations[seed][row]`` its evaluation's directory (with the saved translations, when it saved them)."""

    per_seed: dict[int, dict[str, dict]] = field(default_factory=dict)
    validations: dict[int, dict[str, Path]] = field(default_factory=dict)
    evaluations: dict[int, dict[str, Path]] = field(default_factory=dict)


def collect_seeds(graph: StageGraph, results: dict, stages_by_seed: dict[int, dict[str, str]]) -> Collected:
    """:func:`collect_rows` for every seed; ``stages_by_seed`` is :func:`tinyseqkd.reproduce.plan.row_stages`."""
    collected = Collected()
    for seed, stages in stages_by_seed.items():
        figures, validations, evaluations = collect_rows(graph, results, stages)
        collected.per_seed[seed], collected.validations[seed], collected.evaluations[seed] = (
            figures, validations, evaluations)
    return collected


def collect_rows(graph: StageGraph, results: dict, stages: dict[str, str]) -> tuple[dict, dict, dict]:
    """(figures by row, ``validations.tsv`` path by row, evaluation directory by row) of one seed, for the rows
    whose evaluation stage finished; ``stages`` maps each row to the stage that builds it for that seed.

    ``results`` maps stage names to :class:`~tinyseqkd.reproduce.runner.StageResult` (what
    :func:`~tinyseqkd.reproduce.runner.run_stages` returns).
    """
    row_of = {name: row for row, name in stages.items()}
    figures, validations, evaluations = {}, {}, {}
    for row, name in stages.items():
        evaluation = evaluation_stage(name)
        if evaluation not in results or name not in results:
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
        data["training_seconds"] = results[name].seconds
        stage = graph[name]
        if stage.options.get("command") == "prune":
            parent = stage.inputs["model"]
            data.update(pruned_from=row_of.get(parent, parent), scheme=stage.options["scheme"],
                        ratio=stage.options["ratio"])
        figures[row] = data
        curve = results[name].directory / VALIDATIONS
        if curve.exists():
            validations[row] = curve
        evaluations[row] = directory
    return figures, validations, evaluations
