"""A preset turned into the reproduction's stages: the paper's experiments as a graph of ordinary runs.

The full graph (stage names in ``code``; each row of Kim & Rush's Table 1 is built by the stage of its name)::

    teacher                                   train the teacher (Sec. 2.1)
    ├─ distill-beam                           its beam output ŷ over the training source (Seq-KD, Sec. 3.2)
    ├─ distill-kbest                          its K-best lists, the hypothesis closest to the gold (Seq-Inter, 3.3)
    ├─ baseline, word-kd                      students on the gold data, with Word-KD's term (Sec. 3.1)
    ├─ seq-kd, seq-kd-word-kd                 students on ŷ, without and with Word-KD's term
    ├─ teacher-seq-inter, baseline-seq-inter,
    │  seq-kd-seq-inter                       fine-tunes on the Seq-Inter targets at a smaller rate (Sec. 3.3)
    ├─ prune-SCHEME-PCT                       the chosen student pruned and retrained (Sec. 5.2)
    └─ eval-ROW                               every row measured on the test split (Table 1, Sec. 5.1)

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


def pruned_row(scheme: str, ratio: float) -> str:
    """``("class-blind", 0.8)`` → ``"prune-class-blind-80"`` (the stage and its row)."""
    return f"prune-{scheme}-{round(100 * ratio):g}"


def model_rows(preset: Preset) -> list[str]:
    """Every row the preset measures: its Table 1 rows, then its pruned students."""
    return list(preset.rows) + [pruned_row(scheme, ratio) for scheme, ratio in preset.pruning]


def build_stages(preset: Preset, runs: Mapping[str, Callable]) -> list[Stage]:
    """The stages of ``preset`` (see the module docstring); ``runs[command]`` is the ``run`` of its stages."""
    preset.check()
    estimates = preset.estimates

    def stage(name, command, options, inputs, estimate_kind, factor=1.0, exclusive=False, description=""):
        return Stage(name, runs[command], {"command": command, **options}, inputs,
                     factor * float(estimates.get(estimate_kind, 60.0)), exclusive, description)

    stages = [_train_stage("teacher", preset, stage)]
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
    for row in preset.rows:
        if row != "teacher":
            stages.append(_train_stage(row, preset, stage))
    for scheme, ratio in preset.pruning:
        stages.append(stage(pruned_row(scheme, ratio), "prune",
                            {"scheme": scheme, "ratio": ratio, "retrain": dict(preset.prune_retrain)},
                            {"model": preset.prune_model}, "prune",
                            description=f"{preset.prune_model} pruned {ratio:.0%} ({scheme}), retrained (Sec. 5.2)"))
    for row in model_rows(preset):
        stages.append(stage(f"eval-{row}", "evaluate",
                            {"split": "test", "beam": preset.beam, "test_size": preset.test_size,
                             "beam_sweep": list(preset.beam_sweep)},
                            {"model": row}, "evaluate", factor=1 + len(preset.beam_sweep) / 2, exclusive=True,
                            description=f"{row} measured: BLEU, PPL, p(t = ŷ), size, speed (Table 1, Sec. 5.1)"))
    return stages


def _train_stage(row: str, preset: Preset, stage) -> Stage:
    """The ``train`` stage of one row of Table 1 (its recipe in :data:`RECIPES`)."""
    base, targets, word_kd, init = RECIPES[row]
    model = preset.teacher if base == "teacher" else preset.student
    overrides = {**{f"data.{key}": value for key, value in preset.data.items()}, "train.seed": preset.seed,
                 **model.overrides}
    inputs = {} if row == "teacher" else {"pipeline": "teacher"}
    options = {"config": model.config, "targets": targets, "objective": "word-kd" if word_kd else "nll"}
    if word_kd:
        inputs["teacher"] = "teacher"
        options["word_kd"] = {"alpha": preset.word_kd_alpha, "temperature": preset.word_kd_temperature}
    if targets != "gold":
        inputs["targets"] = TARGET_STAGES[targets]
    if init is not None:
        inputs["init"] = init
        overrides.update(preset.fine_tune)
    options["overrides"] = overrides
    kind = "teacher" if row == "teacher" else "fine-tune" if init else "student"
    what = {"teacher": "the teacher (Sec. 2.1)", "fine-tune": f"{init} fine-tuned on Seq-Inter targets (Sec. 3.3)",
            "student": f"a student on {targets} targets" + (" with Word-KD (Sec. 3.1)" if word_kd else "")}[kind]
    return stage(row, "train", options, inputs, kind, factor=WORD_KD_COST if word_kd else 1.0, description=what)
