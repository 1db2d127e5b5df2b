"""A preset turned into the reproduction's stages: the paper's experiments as a graph of ordinary runs.

The full graph (stage names in ``code``; each row of Kim & Rush's Table 1 is built by the stage of its name, ``-sN``
for seed N)::

    teacher                                   train the teacher (Sec. 2.1)
    ├─ distill-beam                           its beam output ŷ over the training source (Seq-KD, Sec. 3.2)
    ├─ distill-kbest                          its K-best lists, the hypothesis closest to the gold (Seq-Inter, 3.3)
    ├─ teacher-seq-inter                      the teacher fine-tuned on the Seq-Inter targets (Sec. 3.3)
    ├─ baseline-sN, word-kd-sN                students on the gold data, with Word-KD's term (Sec. 3.1)
    ├─ seq-kd-sN, seq-kd-word-kd-sN           students on ŷ, without and with Word-KD's term
    ├─ baseline-seq-inter-sN,
    │  seq-kd-seq-inter-sN                    fine-tunes of seed N's students on the Seq-Inter targets (Sec. 3.3)
    ├─ prune-SCHEME-PCT-sN                    seed N's chosen student pruned and retrained (Sec. 5.2)
    └─ eval-ROW-sN, eval-teacher,
       eval-teacher-seq-inter                 every row measured on the test split (Table 1, Sec. 5.1)

**Seeds.** Every student row is built once per seed of the preset (``train.seed = N``, its inputs the same seed's
stages: ``seq-kd-seq-inter-s2`` starts from ``seq-kd-s2``), so that a sign in results.md is not one seed's float
rounding. The teacher, its two distillations and its own Seq-Inter fine-tune (:data:`SHARED_ROWS`) are built once,
with the first seed, under their own names and options (so a teacher already trained keeps its cache key): the
comparisons of Table 1 are between students taught by the same teacher, and the spread over seeds is meant to
measure the students' own variability (initialisation, dropout, batch order); a teacher per seed would cost a full
teacher each on the Bible corpus, and would mix the teacher's variability into every student row.

Every student of the comparison, the baseline included, reuses the teacher's text pipeline (its ``pipeline``
input), so vocabularies never differ between rows. A stage's options hold what determines it: the command, the
shipped config and the ``section.key`` overrides, and the distillation, pruning or evaluation arguments; its
inputs name the stages whose outputs it reads. How options become command lines is the business of the ``runs``
given to :func:`build_stages` (one ``run(context)`` per command), so the tests can give fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tinyseqkd.reproduce.presets import Preset
from tinyseqkd.reproduce.stages import Stage

COMMANDS = ("train", "distill", "prune", "evaluate")
WORD_KD_COST = 1.8  # a Word-KD update costs up to ~1.8 baseline updates (issue 10's bound), for the estimates

# How each row of Table 1 is made: (base model, targets, Word-KD?, fine-tuned from).
RECIPES = {
    "teacher": ("teacher", "gold", False, None),
    "baseline": ("student", "gold", False, None),
    "word-kd": ("student", "gold", True, None),
    "seq-kd": ("student", "seq-kd", False, None),
    "seq-kd-word-kd": ("student", "seq-kd", True, None),
    "teacher-seq-inter": ("teacher", "seq-inter", False, "teacher"),
    "baseline-seq-inter": ("student", "seq-inter", False, "baseline"),
    "seq-kd-seq-inter": ("student", "seq-inter", False, "seq-kd"),
}
TARGET_STAGES = {"seq-kd": "distill-beam", "seq-inter": "distill-kbest"}
# Built once, with the preset's first seed, whatever the seeds (see the module docstring).
SHARED_ROWS = ("teacher", "teacher-seq-inter")


def pruned_row(scheme: str, ratio: float) -> str:
    """``("class-blind", 0.8)`` → ``"prune-class-blind-80"`` (the stage and its row)."""
    return f"prune-{scheme}-{round(100 * ratio):g}"


def model_rows(preset: Preset) -> list[str]:
    """Every row the preset measures: its Table 1 rows, then its pruned students."""
    return list(preset.rows) + [pruned_row(scheme, ratio) for scheme, ratio in preset.pruning]


def stage_name(row: str, seed: int) -> str:
    """The stage that builds ``row`` for ``seed``: ``seq-kd`` → ``seq-kd-s2``; a shared row keeps its own name."""
    return row if row in SHARED_ROWS else f"{row}-s{seed}"


def evaluation_name(row: str, seed: int) -> str:
    """The stage that measures ``row`` for ``seed``: ``eval-seq-kd-s2``, ``eval-teacher``."""
    return f"eval-{stage_name(row, seed)}"


def row_stages(preset: Preset) -> dict[int, dict[str, str]]:
    """``{seed: {row: the stage that builds it}}`` for every seed and every row the preset measures."""
    return {seed: {row: stage_name(row, seed) for row in model_rows(preset)} for seed in preset.seeds}


def build_stages(preset: Preset, runs: Mapping[str, Callable]) -> list[Stage]:
    """The stages of ``preset`` (see the module docstring); ``runs[command]`` is the ``run`` of its stages."""
    preset.check()
    estimates = preset.estimates
    first = preset.seeds[0]

    def stage(name, command, options, inputs, estimate_kind, factor=1.0, exclusive=False, description=""):
        return Stage(name, runs[command], {"command": command, **options}, inputs,
                     factor * float(estimates.get(estimate_kind, 60.0)), exclusive, description)

    stages = [_train_stage("teacher", preset, stage, first)]
    needs = {TARGET_STAGES[RECIPES[row][1]] for row in preset.rows if RECIPES[row][1] != "gold"}
    if "distill-beam" in needs:
        stages.append(stage("distill-beam", "distill", {"beam": preset.beam, "nbest": 1, "select": "beam"},
                            {"teacher": "teacher"}, "distill-beam",
                            description="the teacher's beam output over the training source (Seq-KD, Sec. 3.2)"))
    if "distill-kbest" in needs:
        stages.append(stage("distill-kbest", "distill", {"beam": preset.nbest, "nbest": preset.nbest,
                                                         "select": "bleu"},
                            {"teacher": "teacher"}, "distill-kbest",
                            description="the teacher's K-best hypothesis closest to the gold (Seq-Inter, Sec. 3.3)"))
    stages += [_train_stage(row, preset, stage, first) for row in preset.rows if row in SHARED_ROWS and
               row != "teacher"]
    for seed in preset.seeds:
        stages += [_train_stage(row, preset, stage, seed) for row in preset.rows if row not in SHARED_ROWS]
        stages += [_prune_stage(scheme, ratio, preset, stage, seed) for scheme, ratio in preset.pruning]
    for seed in preset.seeds:
        stages += [_evaluation_stage(row, preset, stage, seed) for row in model_rows(preset)
                   if seed == first or row not in SHARED_ROWS]
    return stages


def _train_stage(row: str, preset: Preset, stage, seed: int) -> Stage:
    """The ``train`` stage of one row of Table 1 (its recipe in :data:`RECIPES`) for ``seed``."""
    base, targets, word_kd, init = RECIPES[row]
    model = preset.teacher if base == "teacher" else preset.student
    overrides = {**{f"data.{key}": value for key, value in preset.data.items()}, "train.seed": seed,
                 **model.overrides}
    inputs = {} if row == "teacher" else {"pipeline": "teacher"}
    options = {"config": model.config, "targets": targets, "objective": "word-kd" if word_kd else "nll"}
    if word_kd:
        inputs["teacher"] = "teacher"
        options["word_kd"] = {"alpha": preset.word_kd_alpha, "temperature": preset.word_kd_temperature}
    if targets != "gold":
        inputs["targets"] = TARGET_STAGES[targets]
    if init is not None:
        inputs["init"] = stage_name(init, seed)
        overrides.update(preset.fine_tune)
    options["overrides"] = overrides
    kind = "teacher" if row == "teacher" else "fine-tune" if init else "student"
    what = {"teacher": "the teacher (Sec. 2.1)", "fine-tune": f"{init} fine-tuned on Seq-Inter targets (Sec. 3.3)",
            "student": f"a student on {targets} targets" + (" with Word-KD (Sec. 3.1)" if word_kd else "")}[kind]
    return stage(stage_name(row, seed), "train", options, inputs, kind, factor=WORD_KD_COST if word_kd else 1.0,
                 description=what + _seed_text(row, seed))


def _prune_stage(scheme: str, ratio: float, preset: Preset, stage, seed: int) -> Stage:
    """The preset's pruned model (Sec. 5.2), pruned from ``seed``'s own ``prune_model``."""
    row = pruned_row(scheme, ratio)
    return stage(stage_name(row, seed), "prune", {"scheme": scheme, "ratio": ratio,
                                                 "retrain": dict(preset.prune_retrain)},
                 {"model": stage_name(preset.prune_model, seed)}, "prune",
                 description=f"{preset.prune_model} pruned {ratio:.0%} ({scheme}), retrained (Sec. 5.2)"
                             + _seed_text(row, seed))


def _evaluation_stage(row: str, preset: Preset, stage, seed: int) -> Stage:
    """``row`` of ``seed`` measured on the test split; its translations and references are kept beside the figures,
    for the paired bootstrap intervals of the results (:mod:`tinyseqkd.reproduce.bootstrap`).

    The beam sweep (the BLEU-by-beam plot) is decoded for the first seed only: it is a picture of one run, not a
    figure any check compares, and each beam size is one more exclusive decoding of every row (measured on the quick
    preset: 58 of its 60 stages' 7.5 minutes went to the 29 evaluations, a third of that to the sweep)."""
    sweep = list(preset.beam_sweep) if seed == preset.seeds[0] else []
    return stage(evaluation_name(row, seed), "evaluate",
                 {"split": "test", "beam": preset.beam, "test_size": preset.test_size,
                  "beam_sweep": sweep, "save_translations": True},
                 {"model": stage_name(row, seed)}, "evaluate", factor=1 + len(sweep) / 2, exclusive=True,
                 description=f"{row} measured: BLEU, PPL, p(t = ŷ), size, speed (Table 1, Sec. 5.1)"
                             + _seed_text(row, seed))


def _seed_text(row: str, seed: int) -> str:
    return "" if row in SHARED_ROWS else f", seed {seed}"
