"""``tinyseqkd reproduce``: Kim & Rush (2016) — Table 1, the pruning of Sec. 5.2 and the speed of Sec. 5.1 — as
one cached, resumable graph of ordinary runs (``train``, ``distill``, ``prune``, ``evaluate``).

Read in this order:

1. ``stages.py`` — a :class:`Stage` (name, inputs, options, ``run``) and the :class:`StageGraph`: checked, in
   topological order, each stage keyed by a hash of its options, its inputs' keys and the version.
2. ``store.py`` — the output directory: ``OUT/stages/NAME-KEY12/`` with ``done.json`` written last.
3. ``runner.py`` — :func:`run_stages`: skip what is done, continue what was interrupted, run the rest, with
   ``--jobs`` stages side by side; ``process.py`` runs a stage's command as a child process.
4. ``progress.py`` — stage i of n, the stage's own lines, and the whole run's ETA.
5. ``presets.py`` and ``plan.py`` — ``quick``, ``classroom`` and ``full`` as data, and the stages each becomes:
   the teacher once, every student once per seed.
6. ``collect.py`` — every seed's figures from the finished stages' files.
7. ``paper.py``, ``findings.py``, ``bootstrap.py``, ``seeds.py``, ``results.py`` and ``plots.py`` — the paper's
   numbers, what we found beside them in one seed (deltas, claims checked), the paired bootstrap intervals of the
   BLEU differences, the mean ± sd and the checks over the seeds, ``results.json`` / ``results.md``, and the
   figures.

The command line (argument parsing, printing) lives in ``tinyseqkd/commands/``; this package only computes.
"""

from tinyseqkd.reproduce.plan import build_stages, model_rows
from tinyseqkd.reproduce.presets import PRESETS, Preset, get_preset
from tinyseqkd.reproduce.results import build_results, check_lines, render_markdown, write_results
from tinyseqkd.reproduce.runner import StageContext, StageFailed, StageResult, run_stages
from tinyseqkd.reproduce.stages import ReproduceError, Stage, StageGraph

__all__ = [
    "PRESETS", "Preset", "ReproduceError", "Stage", "StageContext", "StageFailed", "StageGraph", "StageResult",
    "build_results", "build_stages", "check_lines", "get_preset", "model_rows", "render_markdown", "run_stages",
    "write_results",
]
