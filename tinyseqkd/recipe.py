"""What a training run is made from besides numbers: its text pipeline, training targets, starting weights, teacher
and pruning masks (Kim & Rush 2016, Sec. 3.1–3.3 and 5.2; DESIGN §4).

Each row of the paper's Table 1 is one combination of config keys (``configs/reference.toml`` explains each)::

    row                            data.targets           distill.objective   train.init
    baseline                       (gold)                 nll                 —
    Word-KD            (Sec. 3.1)  (gold)                 word_kd             —
    Seq-KD             (Sec. 3.2)  teacher's beam output  nll                 —
    Seq-KD + Word-KD               teacher's beam output  word_kd             —
    X + Seq-Inter      (Sec. 3.3)  K-best pick ỹ          nll                 X (at a smaller train.lr)
    Seq-KD + Seq-Inter + Word-KD   K-best pick ỹ          word_kd             the Seq-KD student

and every student of one comparison sets ``data.pipeline`` to the teacher, so that vocabularies are never a confound
and the distilled pieces map back to exactly the teacher's ids. ``[prune]`` prunes the starting weights by
magnitude (Sec. 5.2) and the optimizer keeps the masks.

The functions below turn those keys into objects for :class:`tinyseqkd.training.Trainer` and check them, each
failure one error naming the key, the file and the fix — raised before the run writes anything. What the run used
is recorded in its checkpoints (:func:`recipe_record`: the teacher's and the targets' SHA-256), so that
``train --resume`` rebuilds the same run and refuses one whose teacher or targets changed on disk
(:func:`check_unchanged`). Paths are relative to the current directory; a run directory stands for its
``best.npz``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from tinyseqkd.checkpoint import load_checkpoint
from tinyseqkd.config import PATH_KEYS, Config
from tinyseqkd.data.corpus import ParallelText
from tinyseqkd.data.prepared import EncodedSplit, PreparedData, prepare
from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.distill.manifest import file_sha256, lines_sha256, pipeline_sha256
from tinyseqkd.distill.store import PIECES, DistilledTargets, load_distilled_targets
from tinyseqkd.errors import CheckpointError, ConfigError


# ------------------------------------------------------------------------------------------- paths
def checkpoint_file(path: str, key: str) -> Path:
    """The checkpoint a config key names: the file itself, or a run directory's ``best.npz``."""
    file = Path(path) / "best.npz" if Path(path).is_dir() else Path(path)
    if not file.is_file():
        raise ConfigError(f"{key} = {path!r}: no such checkpoint; fix: give a checkpoint file or a run directory "
                          "that holds best.npz")
    return file


def absolute_paths(config: Config) -> Config:
    """The config with its path keys (:data:`tinyseqkd.config.PATH_KEYS`) made absolute, as a run records them,
    so that ``--resume`` finds the same files from any directory."""
    config = replace(config)
    for key in PATH_KEYS:
        section_name, name = key.split(".")
        section = getattr(config, section_name)
        if getattr(section, name):
            setattr(config, section_name, replace(section, **{name: os.path.abspath(getattr(section, name))}))
    return config


# ------------------------------------------------------------------------------------------- data
def pipeline_of(path: str, key: str) -> TextPipeline:
    """The text pipeline a checkpoint (or run directory) was trained with."""
    file = checkpoint_file(path, key)
    header = load_checkpoint(file).header
    if "pipeline" not in header:
        raise CheckpointError(f"{key} = {path!r}: {file} carries no text pipeline; fix: use a checkpoint written by "
                              "tinyseqkd train")
    return TextPipeline.from_dict(header["pipeline"])


def distillation_source(teacher_header: dict, where: str, corpus: str | None = None,
                        split: str = "train") -> tuple[str, ParallelText]:
    """(corpus name, the split) that ``tinyseqkd distill`` decodes: the teacher's own training split by default.

    It is read with the teacher's ``[data]`` section and seed (``corpus`` replaces only the corpus name), exactly
    as :func:`prepare_dataset` reads a run's: so a student with the same ``[data]`` has the same training sources,
    whose count and SHA-256 :func:`use_distilled_targets` checks.
    """
    from tinyseqkd.config import config_from_dict
    from tinyseqkd.data.prepared import corpus_for_config

    if "config" not in teacher_header:
        raise CheckpointError(f"{where}: the checkpoint does not say which corpus it was trained on; fix: use a "
                              "checkpoint written by tinyseqkd train")
    config = config_from_dict(teacher_header["config"], where=where)
    data = replace(config.data, corpus=corpus) if corpus else config.data
    return data.corpus, corpus_for_config(data, config.train.seed, [split]).splits[split]


def prepare_dataset(config: Config, pipeline: TextPipeline | None = None
                    ) -> tuple[PreparedData, DistilledTargets | None]:
    """The run's data: encoded with ``pipeline`` (a resumed run's), else ``data.pipeline``'s, else ``train.init``'s,
    else a pipeline fitted on the training text; with the training targets replaced by ``data.targets``'s."""
    d = config.data
    if pipeline is None and (d.pipeline or config.train.init):
        pipeline = pipeline_of(d.pipeline, "data.pipeline") if d.pipeline else pipeline_of(config.train.init,
                                                                                            "train.init")
    dataset = prepare(d, config.train.seed, pipeline=pipeline)
    targets = use_distilled_targets(dataset, d.targets) if d.targets else None
    return dataset, targets


def use_distilled_targets(dataset: PreparedData, directory: str) -> DistilledTargets:
    """Replace the training split's targets by a distilled corpus's (Sec. 3.2, 3.3); sources and valid stay.

    The corpus must come from exactly these training sources (count and SHA-256) and the run's text pipeline; its
    pieces become exactly the teacher's ids. Checked in full before anything changes.
    """
    train = dataset.splits["train"]
    targets = load_distilled_targets(directory, len(train), lines_sha256(train.text.src))
    targets.check_pipeline(dataset.pipeline)
    ids = targets.ids(dataset.pipeline.tgt_vocab)
    text = ParallelText(train.text.src, [dataset.pipeline.decode_tgt_many(ids)], train.text.ids)
    dataset.corpus.splits["train"] = text
    dataset.splits["train"] = EncodedSplit(text, train.src_ids, ids)
    return targets


# ------------------------------------------------------------------------------------------- models
@dataclass
class Teacher:
    """The Word-KD teacher (Sec. 3.1): its model in evaluation mode, its file and that file's SHA-256."""

    model: object
    path: Path
    sha256: str


def load_teacher(path: str, pipeline: TextPipeline) -> Teacher:
    """Load ``distill.teacher``; it must share the student's text pipeline, or its ids would mean other words."""
    from tinyseqkd.translator import load_translator  # here, not above: it loads the decoder

    file = checkpoint_file(path, "distill.teacher")
    translator = load_translator(file)
    if pipeline_sha256(translator.pipeline.to_dict()) != pipeline_sha256(pipeline.to_dict()):
        raise ConfigError(
            f"distill.teacher = {file}: a teacher that does not fit its student: its text pipeline "
            f"({_sizes(translator.pipeline)}) is not this run's ({_sizes(pipeline)}), so its word ids would mean "
            f"other words; fix: train the student with the teacher's pipeline, --data.pipeline={file}")
    return Teacher(translator.model, file, file_sha256(file))


def load_initial_weights(model, path: str, pipeline: TextPipeline, run: str) -> Path:
    """Copy ``train.init``'s weights into ``model`` (fine-tuning); its shapes and pipeline must be the run's."""
    file = checkpoint_file(path, "train.init")
    checkpoint = load_checkpoint(file)
    saved = checkpoint.header.get("pipeline")
    if saved is not None and pipeline_sha256(saved) != pipeline_sha256(pipeline.to_dict()):
        raise ConfigError(f"train.init = {file}: its text pipeline is not the one of the run {run}, so its weights "
                          f"would read other words; fix: --data.pipeline={file} (or leave data.pipeline empty: a "
                          "run with train.init then uses its pipeline)")
    weights = checkpoint.group("model")
    for name, parameter in model.named_parameters():
        if name not in weights or weights[name].shape != parameter.shape:
            there = weights[name].shape if name in weights else "missing"
            raise ConfigError(f"train.init = {file}: its model does not fit the run {run}: parameter {name} is "
                              f"{there} there and {parameter.shape} here; fix: use the [model] section of the run "
                              f"that wrote {file} ({_shape(checkpoint.header)})")
    model.load_state_dict({name: weights[name] for name, _ in model.named_parameters()})
    return file


def prune_at_start(model, optimizer, prune, source: Path | None = None) -> tuple[str, dict]:
    """Prune ``model`` by ``[prune]`` (Sec. 5.2) and fix the masks in ``optimizer``; returns the sparsity report
    and the record checkpoints keep under ``pruning`` (:func:`tinyseqkd.prune.checkpoints.pruning_record`;
    ``source`` is the checkpoint the weights came from)."""
    from tinyseqkd.prune.checkpoints import prune_with_record

    masks, record = prune_with_record(model, prune.scheme, prune.ratio, prune_embeddings=prune.embeddings,
                                      source=source)
    optimizer.set_masks(masks)
    return sparsity_text(model, optimizer.masks), record


def sparsity_text(model, masks) -> str:
    """The per-class sparsity report of a model and its masks, as a table."""
    from tinyseqkd.prune import format_sparsity_report, model_weights, sparsity_report

    return format_sparsity_report(sparsity_report(model_weights(model), masks))


# ------------------------------------------------------------------------------------------- provenance
def recipe_record(teacher: Teacher | None, targets: DistilledTargets | None, init: Path | None) -> dict:
    """What a checkpoint records about the files the run was made from (JSON-able)."""
    record = {}
    if teacher is not None:
        record["teacher_sha256"] = teacher.sha256
    if targets is not None:
        record["targets_sha256"] = file_sha256(targets.directory / PIECES)
        record["targets_teacher_sha256"] = targets.manifest.teacher_sha256
        record["targets_selection"] = targets.manifest.selection
    if init is not None:
        record["init_sha256"] = file_sha256(init)
    return record


def check_unchanged(recorded: dict, now: dict, checkpoint, config: Config) -> None:
    """Refuse to resume a run whose teacher or distilled targets are no longer the files it started with."""
    for key, config_key, value in (("teacher_sha256", "distill.teacher", config.distill.teacher),
                                   ("targets_sha256", "data.targets", config.data.targets)):
        if key in recorded and recorded[key] != now.get(key):
            raise CheckpointError(
                f"{checkpoint}: {config_key} = {value} has changed since this run started (sha256 "
                f"{recorded[key][:12]}… then, {str(now.get(key))[:12]}… now), so resuming would train another "
                "experiment; fix: put the original file back, or start a new run")


def describe_recipe(config: Config, teacher: Teacher | None, targets: DistilledTargets | None,
                    sparsity: str | None) -> list[str]:
    """The lines of a run's description that say what it is made from (objective, teacher, targets, init, pruning)."""
    d, lines = config.distill, []
    if teacher is not None:
        lines.append(f"objective: Word-KD (Sec. 3.1), alpha {d.alpha:g}, temperature {d.temperature:g}; teacher "
                     f"{teacher.path} (sha256 {teacher.sha256[:12]}…)")
    else:
        lines.append("objective: NLL of the training targets")
    if targets is not None:
        m = targets.manifest
        kind = "Seq-KD beam output (Sec. 3.2)" if m.selection == "beam" else \
            f"Seq-Inter, the closest of {m.nbest} by sentence BLEU (Sec. 3.3)"
        lines.append(f"targets: {targets.directory}: {kind}, beam {m.beam_size}, teacher sha256 "
                     f"{m.teacher_sha256[:12]}…")
    else:
        lines.append("targets: the gold training targets")
    if config.data.pipeline or config.train.init:
        lines.append(f"text pipeline: from {config.data.pipeline or config.train.init}")
    if config.train.init:
        lines.append(f"init: the weights of {config.train.init} (lr {config.train.lr:g})")
    if sparsity is not None:
        p = config.prune
        lines.append(f"pruning: {p.scheme}, ratio {p.ratio:g}{'' if p.embeddings else ', embeddings kept'}; "
                     "masks fixed while training (Sec. 5.2)\n" + sparsity)
    return lines


def _sizes(pipeline: TextPipeline) -> str:
    bpe = f"{len(pipeline.bpe):,} BPE merges" if pipeline.bpe is not None else "no BPE"
    return f"{bpe}, vocabularies {len(pipeline.src_vocab):,} / {len(pipeline.tgt_vocab):,}"


def _shape(header: dict) -> str:
    args = header.get("model_args", {})
    return (f"{args.get('layers', '?')} x {args.get('hidden_size', '?')}, embeddings {args.get('embedding_size', '?')}"
            f", vocabularies {args.get('src_vocab_size', '?')} / {args.get('tgt_vocab_size', '?')}")
