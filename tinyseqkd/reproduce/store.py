"""Where the stages of a reproduction keep their work, and how a finished stage is told from an unfinished one.

Layout under the output directory ``OUT`` (``tinyseqkd reproduce --out OUT``)::

    OUT/stages/NAME-KEY12/     one directory per stage and cache key (the key's first 12 hex digits)
        stage.json             what the stage is (name, key, options, inputs, version) and its attempts so far
        command.txt            the command line(s) it ran, to re-run it by hand
        log.txt                everything it printed, attempt after attempt
        done.json              written atomically, last: the stage finished (its key, seconds, time)
        ...                    the stage's own files (best.npz, validations.tsv, evaluation.json, ...)
    OUT/stages.json            the current graph: each stage's directory, key, status and seconds
    OUT/.lock                  the process id of the reproduction using OUT, while it runs

A directory with ``done.json`` is finished and is never touched again. One with ``stage.json`` but no
``done.json`` holds an attempt that was interrupted or crashed: the next run gives it back to the stage as
*partial* work to continue (``train --resume``). Directories of other keys (an option since changed) stay where
they are: changing the option back finds them finished.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tinyseqkd.reproduce.stages import ReproduceError, Stage
from tinyseqkd.textfiles import write_text_atomically

STAGES_FOLDER = "stages"
KEY_DIGITS = 12
DONE, STARTED, LOG, COMMAND = "done.json", "stage.json", "log.txt", "command.txt"
INDEX, LOCK = "stages.json", ".lock"


def stage_directory(out, name: str, key: str) -> Path:
    """``OUT/stages/NAME-KEY12``."""
    return Path(out) / STAGES_FOLDER / f"{name}-{key[:KEY_DIGITS]}"


def finished_record(directory: Path, key: str) -> dict | None:
    """The ``done.json`` of ``directory`` if it marks ``key`` as finished, else None."""
    try:
        record = json.loads((directory / DONE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("key") == key else None


def holds_partial_work(directory: Path) -> bool:
    """An earlier attempt started in ``directory`` and did not finish."""
    return (directory / STARTED).exists() and not (directory / DONE).exists()


def stage_state(directory: Path, key: str) -> str:
    """``"done"``, ``"partial"`` (an attempt started and did not finish) or ``"to run"``."""
    if finished_record(directory, key) is not None:
        return "done"
    return "partial" if holds_partial_work(directory) else "to run"


def mark_started(directory: Path, stage: Stage, key: str, input_directories: dict[str, Path]) -> int:
    """Create the directory, write ``stage.json`` with one more attempt; returns the attempt's number (1, 2, ...)."""
    directory.mkdir(parents=True, exist_ok=True)
    attempts = 0
    try:
        attempts = int(json.loads((directory / STARTED).read_text(encoding="utf-8")).get("attempts", 0))
    except (OSError, ValueError, AttributeError):
        pass
    record = {"name": stage.name, "key": key, "options": stage.options,
              "inputs": {role: path.name for role, path in input_directories.items()},
              "version": _version(), "attempts": attempts + 1, "started": _now()}
    write_text_atomically(directory / STARTED, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return attempts + 1


def mark_done(directory: Path, stage: Stage, key: str, seconds: float) -> dict:
    """Write ``done.json`` atomically (the stage's last act); returns the record."""
    record = {"name": stage.name, "key": key, "seconds": round(seconds, 3), "finished": _now(),
              "version": _version()}
    write_text_atomically(directory / DONE, json.dumps(record, indent=2) + "\n")
    return record


def write_index(out, entries: list[dict]) -> None:
    """``OUT/stages.json``: one entry per stage of the current graph, in topological order."""
    write_text_atomically(Path(out) / INDEX, json.dumps({"stages": entries}, indent=2) + "\n")


class OutputLock:
    """``with OutputLock(out):`` — one reproduction at a time in ``out`` (two would write the same stages).

    The lock file holds the owner's process id; a lock left by a process that no longer exists is taken over.
    """

    def __init__(self, out):
        self.path = Path(out) / LOCK

    def __enter__(self) -> OutputLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                handle = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                owner = self._owner()
                if owner is not None and _alive(owner):
                    raise ReproduceError(f"{self.path.parent} is in use by another reproduction (process {owner}); "
                                         f"fix: wait for it, or if it has gone, delete {self.path}") from None
                self.path.unlink(missing_ok=True)  # stale: its process is gone
                continue
            with os.fdopen(handle, "w") as file:
                file.write(f"{os.getpid()}\n")
            return self
        raise ReproduceError(f"could not take {self.path}; fix: delete it if no reproduction is running")

    def __exit__(self, *exc_info) -> None:
        if self._owner() == os.getpid():
            self.path.unlink(missing_ok=True)

    def _owner(self) -> int | None:
        try:
            return int(self.path.read_text().strip())
        except (OSError, ValueError):
            return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _version() -> str:
    from tinyseqkd import __version__

    return __version__
