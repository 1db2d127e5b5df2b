"""The reproduction as a graph of stages, each identified by a hash of everything that determines it.

Kim & Rush (2016) build their Table 1 from a chain of ordinary runs: a teacher (Sec. 2.1), its beam output over the
training source (Seq-KD, Sec. 3.2) and its K-best lists (Seq-Inter, Sec. 3.3), students trained on gold data, with
the word-level term (Word-KD, Sec. 3.1) or on the teacher's output, fine-tunes, pruned students (Sec. 5.2), and an
evaluation of each (Table 1, Sec. 5.1). Here each of those runs is a :class:`Stage`:

- its **name** (also the start of its directory's name);
- its **inputs**: a role → stage-name mapping, e.g. ``{"teacher": "teacher", "targets": "distill-beam"}``; the
  stages it depends on are the values, and its ``run`` finds their finished directories under the same roles;
- its **options**: JSON data that determine what it computes (the resolved config, the command's arguments);
- its ``run(context)``: does the work in ``context.directory`` (see :mod:`tinyseqkd.reproduce.runner`);
- an **estimate** of its seconds, for the run's ETA, and whether it must run **exclusive** (alone on the machine,
  as a timing must: on 2 cores one busy neighbour can make a step many times slower).

**Cache key** (:func:`cache_key`): the SHA-256 of the stage's name, options, its inputs' keys (by role) and the
tinyseqkd version. A changed option changes that stage's key and, through the inputs, the key of every stage
downstream — exactly the stages whose results it invalidates; nothing else changes. Keys are computed from JSON
with sorted keys, so dict order does not matter, but ``1`` and ``1.0`` are different options.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tinyseqkd import __version__
from tinyseqkd.errors import TinySeqKDError


class ReproduceError(TinySeqKDError):
    """The reproduction's graph or its output directory cannot be used as given (the message says why)."""


@dataclass
class Stage:
    """One ordinary run of the reproduction (see the module docstring)."""

    name: str
    run: Callable  # run(context: StageContext) -> None, see tinyseqkd.reproduce.runner
    options: dict = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)  # role -> name of the stage it needs
    estimate_seconds: float = 60.0
    exclusive: bool = False
    description: str = ""

    @property
    def dependencies(self) -> list[str]:
        """The names of the stages this one needs, each once, in the order of ``inputs``."""
        return list(dict.fromkeys(self.inputs.values()))


def canonical_json(value, where: str) -> str:
    """``value`` as JSON with sorted keys and no spaces: the same data always gives the same text.

    Only JSON data (str, int, float, bool, None, lists, tuples, dicts with string keys) may determine a stage; a
    path, say, would tie the key to one machine's directories. Anything else is a :class:`ReproduceError`.
    """
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ReproduceError(f"{where}: options must be JSON data (strings, numbers, booleans, lists, dicts with "
                             f"string keys) and finite: {error}") from None


def cache_key(stage: Stage, input_keys: dict[str, str], version: str = __version__) -> str:
    """SHA-256 (hex) of the stage's name, options, its inputs' keys by role, and the tinyseqkd version."""
    payload = {"name": stage.name, "options": stage.options, "inputs": input_keys, "version": version}
    text = canonical_json(payload, f"stage {stage.name!r}")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class StageGraph:
    """Stages checked to form a graph (unique names, known inputs, no cycle), in a stable topological order.

    ``order`` lists every stage after the stages it needs; among stages free to go at the same time, the one
    given first comes first. ``keys`` holds each stage's :func:`cache_key`.
    """

    def __init__(self, stages: Iterable[Stage], version: str = __version__):
        self.stages: dict[str, Stage] = {}
        for stage in stages:
            if stage.name in self.stages:
                raise ReproduceError(f"two stages are named {stage.name!r}; fix: give each stage its own name")
            _check_name(stage.name)
            self.stages[stage.name] = stage
        for stage in self.stages.values():
            for role, needed in stage.inputs.items():
                if needed not in self.stages:
                    close = difflib.get_close_matches(needed, list(self.stages), n=3)
                    hint = f" (did you mean {', '.join(close)}?)" if close else ""
                    raise ReproduceError(f"stage {stage.name!r} needs {needed!r} as its {role}, but there is no "
                                         f"such stage{hint}")
        self.order: list[str] = self._topological_order()
        self.keys: dict[str, str] = {}
        for name in self.order:
            stage = self.stages[name]
            input_keys = {role: self.keys[needed] for role, needed in stage.inputs.items()}
            self.keys[name] = cache_key(stage, input_keys, version)

    def __len__(self) -> int:
        return len(self.stages)

    def __getitem__(self, name: str) -> Stage:
        return self.stages[name]

    def _topological_order(self) -> list[str]:
        """Kahn's algorithm, always taking the earliest-given stage whose inputs are all placed."""
        placed: list[str] = []
        waiting = list(self.stages)  # in the order given
        while waiting:
            ready = next((name for name in waiting
                          if all(needed in placed for needed in self.stages[name].dependencies)), None)
            if ready is None:
                raise ReproduceError(f"the stages {', '.join(waiting)} need each other in a cycle; fix: remove "
                                     "one of the inputs that close it")
            placed.append(ready)
            waiting.remove(ready)
        return placed

    def upstream(self, targets: Iterable[str]) -> list[str]:
        """``targets`` and every stage they need, directly or not, in topological order."""
        wanted: set[str] = set()
        pending = list(targets)
        while pending:
            name = pending.pop()
            if name not in self.stages:
                close = difflib.get_close_matches(name, list(self.stages), n=3)
                raise ReproduceError(f"no stage is named {name!r}; "
                                     + (f"did you mean {', '.join(close)}?" if close else
                                        f"stages: {', '.join(self.order)}"))
            if name not in wanted:
                wanted.add(name)
                pending.extend(self.stages[name].dependencies)
        return [name for name in self.order if name in wanted]

    def downstream(self, name: str) -> list[str]:
        """The stages that need ``name``, directly or not (not ``name`` itself), in topological order."""
        affected = {name}
        for other in self.order:
            if any(needed in affected for needed in self.stages[other].dependencies):
                affected.add(other)
        return [other for other in self.order if other in affected and other != name]


def _check_name(name: str) -> None:
    """A stage name becomes part of a directory name: letters, digits, ``-``, ``_`` and ``.`` only."""
    if not name or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in name) or name.startswith("."):
        raise ReproduceError(f"stage name {name!r}: use letters, digits, '-', '_' and '.' (not first), e.g. "
                             "'seq-kd' or 'prune-class-blind-80'")
