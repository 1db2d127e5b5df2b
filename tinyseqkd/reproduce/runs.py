"""The real ``run`` of each kind of stage: its options and inputs as a ``python -m tinyseqkd`` command line.

:func:`tinyseqkd.reproduce.plan.build_stages` leaves how a stage runs to a ``run(context)`` per command; the ones
here (:data:`COMMAND_RUNS`) start the ordinary commands as child processes (:mod:`tinyseqkd.reproduce.process`),
write their command lines into the stage's ``command.txt`` and their output into its ``log.txt``, so that any
stage can be re-run by hand. Each works in its stage's own directory and finds its inputs' finished directories by
role (a run directory is also a checkpoint: ``train``'s ``data.pipeline``, ``train.init`` and ``distill.teacher``
read its ``best.npz``):

=========  =====================================================================================================
train      ``train CONFIG --out DIR`` with ``--data.pipeline``, ``--data.targets``, ``--train.init`` and Word-KD's
           ``--distill.*`` from the inputs (Table 1's rows, Sec. 3.1–3.3); continued with ``train --resume DIR``
distill    ``distill -m TEACHER --out DIR --beam K --nbest N --select beam|bleu`` (Seq-KD, Seq-Inter); running it
           again continues from its finished chunks
prune      ``prune -m MODEL/best.npz --scheme S --ratio R --out DIR --retrain --train.KEY=VALUE`` (Sec. 5.2);
           running it again continues the retraining
evaluate   ``evaluate -m MODEL/best.npz --split test --beam K --json [--limit N] --save-translations DIR >
           evaluation.json`` (Table 1 and Sec. 5.1; ``greedy.txt``, ``beam.txt``, ``ref1.txt``, ... in DIR, the
           stage's own directory), and ``evaluation-beamK.json`` for each beam size of the preset's sweep
=========  =====================================================================================================

Every command gets ``--threads`` = the stage's share of the run's threads (``context.threads``).
"""

from __future__ import annotations

import sys

from tinyseqkd.reproduce.collect import EVALUATION, sweep_file

TINYSEQKD = (sys.executable, "-m", "tinyseqkd")
CHECKPOINT = "best.npz"
LATEST = "latest.npz"


def option_value(value) -> str:
    """A JSON option as the text of ``--section.key=value``: ``True`` → ``true``, ``0.01`` → ``0.01``."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def overrides(options: dict) -> list[str]:
    """``{"train.lr": 0.01}`` → ``["--train.lr=0.01"]``, in the order given."""
    return [f"--{key}={option_value(value)}" for key, value in options.items()]


def train_argv(context) -> list[str]:
    """The ``train`` command of a Table 1 row (see :func:`tinyseqkd.reproduce.plan._train_stage`)."""
    threads = ["--threads", str(context.threads)]
    if context.partial and (context.directory / LATEST).exists():
        return [*TINYSEQKD, "train", "--resume", str(context.directory), *threads]
    options, inputs = context.options, context.inputs
    argv = [*TINYSEQKD, "train", options["config"], "--out", str(context.directory), *threads]
    for role, key in (("pipeline", "data.pipeline"), ("targets", "data.targets"), ("init", "train.init")):
        if role in inputs:
            argv.append(f"--{key}={inputs[role]}")
    if options.get("objective") == "word-kd":
        word_kd = options["word_kd"]
        argv += ["--distill.objective=word_kd", f"--distill.teacher={inputs['teacher']}",
                 f"--distill.alpha={word_kd['alpha']}", f"--distill.temperature={word_kd['temperature']}"]
    return argv + overrides(options.get("overrides", {}))


def distill_argv(context) -> list[str]:
    """The teacher's beam output (Seq-KD) or K-best selection (Seq-Inter) over its training source."""
    options = context.options
    return [*TINYSEQKD, "distill", "-m", str(context.inputs["teacher"]), "--out", str(context.directory),
            "--beam", str(options["beam"]), "--nbest", str(options["nbest"]), "--select", options["select"],
            "--threads", str(context.threads)]


def prune_argv(context) -> list[str]:
    """The model pruned by magnitude and retrained with the mask fixed (Sec. 5.2)."""
    options = context.options
    return [*TINYSEQKD, "prune", "-m", str(context.inputs["model"] / CHECKPOINT), "--scheme", options["scheme"],
            "--ratio", str(options["ratio"]), "--out", str(context.directory), "--retrain",
            "--threads", str(context.threads), *overrides(options.get("retrain", {}))]


def evaluate_argv(context, beam: int, save_translations: bool = False) -> list[str]:
    """One evaluation of the model's best checkpoint on the test split, as one JSON object; with
    ``save_translations``, its greedy and beam output and the references are written into the stage's directory."""
    options = context.options
    argv = [*TINYSEQKD, "evaluate", "-m", str(context.inputs["model"] / CHECKPOINT), "--split",
            options.get("split", "test"), "--beam", str(beam), "--json", "--threads", str(context.threads)]
    if options.get("test_size"):
        argv += ["--limit", str(options["test_size"])]
    if save_translations:
        argv += ["--save-translations", str(context.directory)]
    return argv


def run_train(context) -> None:
    context.run_command(train_argv(context))


def run_distill(context) -> None:
    context.run_command(distill_argv(context))


def run_prune(context) -> None:
    context.run_command(prune_argv(context))


def run_evaluate(context) -> None:
    """The main evaluation (with its translations, when the stage's ``save_translations`` says so), then the beam
    sweep (figures only: its beam output would overwrite the main one's); on a continued attempt, files already
    written are kept."""
    wanted = [(context.options["beam"], EVALUATION, bool(context.options.get("save_translations")))]
    wanted += [(beam, sweep_file(beam), False) for beam in context.options.get("beam_sweep", [])]
    for beam, name, save in wanted:
        target = context.directory / name
        if not target.exists():  # run_command writes it only when the command succeeded
            context.run_command(evaluate_argv(context, beam, save), stdout_to=target)


COMMAND_RUNS = {"train": run_train, "distill": run_distill, "prune": run_prune, "evaluate": run_evaluate}
