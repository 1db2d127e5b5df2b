"""Configuration: TOML files shipped in the package, checked key by key, overridable from the command line.

A config has five sections, each a dataclass below: ``[data]`` (corpus and text processing), ``[model]`` (the
network's shape, which :class:`tinyseqkd.model.ModelArgs` extends by the vocabulary sizes), ``[train]``
(optimisation, validation, stopping), ``[distill]`` (the training objective: plain NLL or Word-KD, Kim & Rush 2016
Sec. 3.1) and ``[prune]`` (magnitude pruning before retraining, Sec. 5.2). Every key has a default, a one-line
description and its allowed values here; ``configs/reference.toml`` lists them all with comments (a test keeps the
two in step).

**What a run is made from.** Five keys name files instead of numbers, and together with the objective they say
which row of the paper's Table 1 a run is (:mod:`tinyseqkd.recipe` reads them): ``data.pipeline`` (whose text
pipeline the run uses), ``data.targets`` (a distilled corpus replacing the gold training targets: Seq-KD, Sec. 3.2,
or Seq-Inter, Sec. 3.3), ``train.init`` (whose weights the run starts from: fine-tuning), ``distill.teacher`` (the
Word-KD teacher) and the ``[prune]`` section. They are part of the run's checkpoint, and ``train --resume`` keeps
them all (:data:`FIXED_ON_RESUME`). :func:`check_config` refuses combinations that cannot be meant, such as a
teacher without the Word-KD objective.

Names are checked, not guessed: an unknown key is rejected with the nearest valid names, a value of the wrong kind
(``lr = "fast"``) with the kind it should be, and a number out of range (``batch_size = 0``) with its range. On
the command line ``--train.lr=0.5`` sets one key; a bare ``--lr=0.5`` works when the key name is unique across
sections.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from importlib import resources
from pathlib import Path

from tinyseqkd.errors import ConfigError


@dataclass(frozen=True)
class Range:
    """The values a number key allows: from ``low`` to ``high``, each end included unless marked open."""

    low: float = 0
    high: float = math.inf
    low_open: bool = False
    high_open: bool = True

    def __contains__(self, value) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def __str__(self) -> str:
        if self.high == math.inf:
            return f"{'>' if self.low_open else '≥'} {self.low:g}"
        return f"in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"


NON_NEGATIVE = Range(0)  # counts and limits where 0 means "none" or "no limit"
AT_LEAST_ONE = Range(1)
POSITIVE = Range(0, low_open=True)


def _key(default, help: str, choices: tuple = (), allowed: Range = NON_NEGATIVE):  # noqa: A002
    """A config key: its default, a one-line description, and its allowed values (``choices`` for text keys,
    ``allowed`` for numbers)."""
    return field(default=default, metadata={"help": help, "choices": choices, "allowed": allowed})


@dataclass
class DataConfig:
    corpus: str = _key("bible-es-en", "embedded corpus name, 'synthetic:TASK' (reverse, copy, multimodal), or a path")
    direction: str = _key("es-en", "translation direction, SRC-TGT (embedded corpus: es-en or en-es)")
    english: str = _key("web", "which English text of bible-es-en: web, kjv, or mixed (drawn per verse)",
                        ("web", "kjv", "mixed"))
    max_len: int = _key(50, "drop training pairs longer than this many words on either side (0 = keep all)")
    train_size: int = _key(0, "use only the first N training pairs (0 = all), for quick runs")
    skip_empty: bool = _key(False, "skip pairs with an empty side instead of stopping with an error")
    bpe_merges: int = _key(8000, "joint BPE merges learned on the training text (0 = whole words)")
    src_vocab_size: int = _key(8000, "source vocabulary size, special tokens included (0 = everything seen)")
    tgt_vocab_size: int = _key(8000, "target vocabulary size, special tokens included (0 = everything seen)")
    min_freq: int = _key(1, "drop tokens seen fewer times than this from the vocabularies", allowed=AT_LEAST_ONE)
    pipeline: str = _key("", "use the text pipeline (BPE + vocabularies) of this checkpoint or run directory instead "
                         "of fitting one ('' = fit on the training text)")
    targets: str = _key("", "a directory written by tinyseqkd distill whose targets replace the training split's "
                        "gold targets ('' = the gold targets)")


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """The network's shape. :class:`tinyseqkd.model.ModelArgs` is this plus the vocabulary sizes the text pipeline
    fixes. Keywords only (so that ModelArgs can take the two sizes first); frozen because a built model's shape
    cannot change (the loader replaces the section instead of editing it)."""

    embedding_size: int = _key(256, "word embedding size (source and target)", allowed=AT_LEAST_ONE)
    hidden_size: int = _key(256, "LSTM and attention size H", allowed=AT_LEAST_ONE)
    layers: int = _key(2, "LSTM layers in the encoder and in the decoder", allowed=AT_LEAST_ONE)
    dropout: float = _key(0.3, "dropout between LSTM layers and on the attentional state h~", allowed=Range(0, 1))
    init_scale: float = _key(0.1, "initial weights uniform in [-init_scale, init_scale]", allowed=POSITIVE)


@dataclass
class TrainConfig:
    optimizer: str = _key("sgd", "sgd (the paper: lr 1.0, halved on plateau) or adam", ("sgd", "adam"))
    lr: float = _key(1.0, "learning rate", allowed=POSITIVE)
    lr_decay: float = _key(0.5, "multiply the rate by this when the validation score stops improving (1 = never)",
                           allowed=Range(0, 1, low_open=True, high_open=False))
    decay_patience: int = _key(0, "validations without improvement tolerated before decaying the rate")
    batch_size: int = _key(64, "sentences per batch (or tokens, see batch_by)", allowed=AT_LEAST_ONE)
    batch_by: str = _key("sentences", "what batch_size counts: sentences or tokens", ("sentences", "tokens"))
    normalize: str = _key("sentences", "divide a batch's summed loss by its sentences (the paper's; SGD lr 1.0 and "
                          "clip 5 assume it) or by the epoch's mean target tokens per batch", ("sentences", "tokens"))
    clip: float = _key(5.0, "clip the global gradient norm to this (0 = no clipping)")
    max_epochs: int = _key(10, "stop after this many passes over the training data (0 = no limit)")
    max_steps: int = _key(0, "stop after this many updates (0 = no limit)")
    max_minutes: float = _key(0.0, "stop after this much training time (0 = no limit)")
    validate_every: int = _key(0, "validate every N updates (0 = at the end of every epoch)")
    early_stopping: str = _key("ppl", "validation score for best checkpoint and early stopping: ppl or bleu",
                               ("ppl", "bleu"))
    patience: int = _key(4, "stop after this many validations without improvement (0 = never stop early)")
    valid_bleu_size: int = _key(300, "valid sentences decoded greedily for BLEU at each validation (0 = all)")
    valid_examples: int = _key(3, "Source / Reference / Hypothesis examples printed at each validation")
    log_every: int = _key(50, "print a progress line every N updates")
    seed: int = _key(1, "seed of every random generator (weights, dropout, batch order)")
    init: str = _key("", "start from the weights of this checkpoint or run directory, e.g. to fine-tune ('' = random "
                     "weights)")


@dataclass
class DistillConfig:
    objective: str = _key("nll", "nll (the gold, or data.targets) or word_kd: mix in the teacher's distributions",
                          ("nll", "word_kd"))
    teacher: str = _key("", "the Word-KD teacher: a checkpoint or run directory ('' with objective = nll)")
    alpha: float = _key(0.5, "Word-KD's weight of the teacher term: (1 - alpha) NLL + alpha CE(q, p)",
                        allowed=Range(0, 1, high_open=False))
    temperature: float = _key(1.0, "Word-KD's softmax temperature T for both distributions (1 = the paper's)",
                              allowed=POSITIVE)


@dataclass
class PruneConfig:
    scheme: str = _key("none", "prune by magnitude at the start: none, class-blind, class-uniform or "
                       "class-distribution", ("none", "class-blind", "class-uniform", "class-distribution"))
    ratio: float = _key(0.0, "the fraction of the prunable weights to prune", allowed=Range(0, 1))
    embeddings: bool = _key(True, "prune the embeddings too (false: the ratio is of the other classes)")


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    distill: DistillConfig = field(default_factory=DistillConfig)
    prune: PruneConfig = field(default_factory=PruneConfig)

    def to_dict(self) -> dict:
        return asdict(self)


SECTIONS = {f.name: f.default_factory for f in fields(Config)}
PATH_KEYS = ("data.pipeline", "data.targets", "train.init", "distill.teacher")  # relative to the current directory
FIXED_ON_RESUME = ("data", "model", "distill", "prune", "train.init")  # what determines a run: never overridden


def check_config(config: Config, where: str = "config") -> None:
    """Refuse combinations of keys that cannot be meant (each key alone was checked when it was set)."""
    d, p = config.distill, config.prune
    if d.objective == "word_kd" and not d.teacher:
        raise ConfigError(f'{where}: distill.objective = "word_kd" needs a teacher; fix: set distill.teacher to the '
                          "teacher's checkpoint (e.g. --distill.teacher=runs/teacher/best.npz)")
    if d.teacher and d.objective != "word_kd":
        raise ConfigError(f'{where}: distill.teacher is set but distill.objective = "{d.objective}", so the teacher '
                          'would go unused; fix: --distill.objective=word_kd, or --distill.teacher= to drop it')
    if p.scheme == "none" and p.ratio > 0:
        raise ConfigError(f"{where}: prune.ratio = {p.ratio:g} but prune.scheme = \"none\"; fix: choose a scheme, "
                          "e.g. --prune.scheme=class-blind")


# ---------------------------------------------------------------------------------------------- loading
def shipped_configs() -> dict[str, Path]:
    """The configs inside the package, by name (``teacher`` for ``configs/teacher.toml``)."""
    folder = resources.files("tinyseqkd") / "configs"
    return {Path(entry.name).stem: Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".toml")}


def find_config(name_or_path: str) -> Path:
    """A shipped config's name or a file path → the file."""
    shipped = shipped_configs()
    if name_or_path in shipped:
        return shipped[name_or_path]
    path = Path(name_or_path)
    if path.is_file():
        return path
    close = difflib.get_close_matches(name_or_path, list(shipped), n=3)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise ConfigError(f"{name_or_path}: no such config file; {hint}shipped configs: {', '.join(sorted(shipped))}")


def load_config(name_or_path: str, overrides: list[str] | tuple = ()) -> Config:
    """Read a TOML config (shipped name or path), check every key and value, then apply ``--key=value`` overrides."""
    path = find_config(name_or_path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    config = config_from_dict(raw, where=str(path))
    apply_overrides(config, overrides)
    check_config(config, f"{path} and the command line" if overrides else str(path))
    return config


def config_from_dict(raw: dict, where: str = "config") -> Config:
    config = Config()
    for section_name, values in raw.items():
        if section_name not in SECTIONS:
            raise ConfigError(f"{where}: unknown section [{section_name}]{_nearest(section_name, SECTIONS)}")
        if not isinstance(values, dict):
            raise ConfigError(f"{where}: [{section_name}] must be a table of keys")
        for key, value in values.items():
            _set(config, section_name, key, value, where)
    return config


def apply_overrides(config: Config, overrides) -> None:
    """Apply ``--section.key=value`` (or ``--key=value`` when unique) command-line overrides."""
    for item in overrides:
        text = item[2:] if item.startswith("--") else item
        if "=" not in text:
            raise ConfigError(f"option {item!r}: write overrides as --section.key=value (e.g. --train.lr=0.5)")
        name, value = text.split("=", 1)
        section_name, key = _locate(name.replace("-", "_"), item)
        spec = _field(getattr(config, section_name), key)
        _set(config, section_name, key, _parse_text(value, spec.type) if spec else value, f"option {item!r}")


def _locate(name: str, item: str) -> tuple[str, str]:
    if "." in name:
        section_name, key = name.split(".", 1)
        if section_name not in SECTIONS:
            raise ConfigError(f"option {item!r}: unknown section {section_name!r}{_nearest(section_name, SECTIONS)}")
        return section_name, key
    owners = [s for s, factory in SECTIONS.items() if name in {f.name for f in fields(factory())}]
    if len(owners) == 1:
        return owners[0], name
    if len(owners) > 1:
        raise ConfigError(f"option {item!r}: {name!r} is in several sections; write {owners[0]}.{name}=...")
    every = [f"{s}.{f.name}" for s, factory in SECTIONS.items() for f in fields(factory())]
    bare = [key.split(".")[1] for key in every]
    raise ConfigError(f"option {item!r}: unknown key {name!r}{_nearest(name, bare + every)}")


def _field(section, key):
    for f in fields(section):
        if f.name == key:
            return f
    return None


def _set(config: Config, section_name: str, key: str, value, where: str) -> None:
    """Check ``value`` against the key's kind and allowed values, then set it (naming ``where`` on error)."""
    section = getattr(config, section_name)
    spec = _field(section, key)
    if spec is None:
        names = [f.name for f in fields(section)]
        raise ConfigError(f"{where}: unknown key {section_name}.{key}{_nearest(key, names)}")
    expected = {"int": int, "float": float, "str": str, "bool": bool}[spec.type]
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if type(value) is not expected:
        raise ConfigError(f"{where}: {section_name}.{key} must be {spec.type} ({spec.metadata['help']}), "
                          f"got {value!r}")
    choices = spec.metadata["choices"]
    if choices and value not in choices:
        raise ConfigError(f"{where}: {section_name}.{key} = {value!r} is not one of {', '.join(choices)}"
                          f"{_nearest(str(value), choices)}")
    allowed = spec.metadata["allowed"]
    if expected in (int, float) and value not in allowed:
        raise ConfigError(f"{where}: {section_name}.{key} must be {allowed} ({spec.metadata['help']}), "
                          f"got {value!r}")
    setattr(config, section_name, replace(section, **{key: value}))


def _parse_text(text: str, kind: str):
    """A command-line value as the kind its key holds (left as text if it does not parse; _set then explains)."""
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
    except ValueError:
        return text
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
    return text


def _nearest(name: str, candidates) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(close)}?" if close else ""


# ---------------------------------------------------------------------------------------------- writing
def to_toml(config: Config) -> str:
    """The resolved config as TOML (what a run directory keeps beside its checkpoints)."""
    lines = []
    for section_name, values in config.to_dict().items():
        lines.append(f"[{section_name}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def reference_keys() -> dict[str, dict]:
    """Every key with its default, for the reference-config test and ``--help`` text."""
    return {name: {f.name: (f.default if f.default is not MISSING else None) for f in fields(factory())}
            for name, factory in SECTIONS.items()}
