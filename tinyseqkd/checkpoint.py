"""Checkpoints: named arrays in an ``.npz`` archive plus a JSON header, written atomically, read without pickle.

One file holds everything a run needs to continue exactly:

- ``model/<name>`` — every parameter; ``optim/<key>`` — optimizer arrays (Adam moments, pruning masks);
- ``__header__`` — UTF-8 JSON: format name and version, tinyseqkd version, the CPU threads in force, model
  arguments, config, step, best score, optimizer scalars, the state of every random generator, and whatever else
  the caller adds (the text pipeline, for instance; ``pruning`` for a pruned model: scheme, ratio, embeddings, λ
  and the checkpoint it was pruned from, see :func:`tinyseqkd.prune.checkpoints.pruning_record`).

Format 2 stores a pruned model sparse (Kim & Rush Sec. 5.2): every mostly-zero float array (pruned weights, Adam's
moments, which are zero where the weights are pruned) as a bitmask and its non-zero values, every mask as one bit
per entry (:func:`tinyseqkd.prune.sparse.pack_arrays`); a dense array stays as it is, so an unpruned model's file
is the plain ``.npz`` format 1 wrote, and format 1 files are still read.

Saving goes through :func:`tinyseqkd.textfiles.open_atomically` (a temporary file beside the target, renamed into
place), so a crash mid-save leaves the previous checkpoint intact; the file gets the umask's mode, like any other.
Loading uses ``numpy.load(allow_pickle=False)``: a checkpoint can never run code. A truncated, corrupt or foreign
file, or one written by a newer format version, raises :class:`CheckpointError` with one message naming the file
and what is wrong.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinyseqkd import __version__
from tinyseqkd.errors import CheckpointError
from tinyseqkd.prune.sparse import pack_arrays, unpack_arrays
from tinyseqkd.textfiles import open_atomically
from tinyseqkd.threads import threads_in_force

FORMAT_NAME = "tinyseqkd-checkpoint"
FORMAT_VERSION = 2  # 2: mostly-zero arrays stored sparse; 1: every array dense
HEADER_KEY = "__header__"


@dataclass
class Checkpoint:
    """A loaded checkpoint: the JSON header and the named arrays."""

    path: Path
    header: dict
    arrays: dict[str, np.ndarray]

    def group(self, prefix: str) -> dict[str, np.ndarray]:
        """The arrays saved under ``prefix/`` with the prefix removed (``group("model")`` is a state dict)."""
        start = len(prefix) + 1
        return {key[start:]: array for key, array in self.arrays.items() if key.startswith(prefix + "/")}


def save_checkpoint(path, *, model=None, optimizer=None, rngs: dict | None = None, **header) -> Path:
    """Write ``model``'s parameters, ``optimizer``'s state, the generators' states and ``header`` to ``path``.

    ``header`` values must be JSON-able (numbers, strings, lists, dicts). Returns the path written.
    """
    path = Path(path)
    arrays = {}
    full_header = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "tinyseqkd_version": __version__,
                   "threads": threads_in_force()}
    if model is not None:
        arrays.update({f"model/{name}": array for name, array in model.state_dict().items()})
    if optimizer is not None:
        scalars, optimizer_arrays = optimizer.state_dict()
        full_header["optimizer"] = scalars
        arrays.update({f"optim/{key}": array for key, array in optimizer_arrays.items()})
    if rngs:
        full_header["rng"] = {name: rng.bit_generator.state for name, rng in rngs.items()}
    full_header.update(header)
    arrays[HEADER_KEY] = np.frombuffer(json.dumps(full_header).encode("utf-8"), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open_atomically(path, binary=True) as file:
        np.savez(file, **pack_arrays(arrays))
    return path


def load_checkpoint(path) -> Checkpoint:
    """Read and verify a checkpoint; every problem becomes one :class:`CheckpointError` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file (a run keeps them as RUN_DIR/best.npz and latest.npz)")
    with open(path, "rb") as file:
        magic = file.read(4)
    if not magic:
        raise CheckpointError(f"{path}: the file is empty (an interrupted copy?); use another checkpoint")
    if magic != b"PK\x03\x04":
        raise CheckpointError(f"{path}: not a tinyseqkd checkpoint (not an .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except ValueError as error:
        if "pickle" in str(error):
            raise CheckpointError(f"{path}: holds pickled Python objects; tinyseqkd never loads those") from None
        raise CheckpointError(f"{path}: not a tinyseqkd checkpoint ({error})") from None
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as error:
        raise _corrupt(path, error) from None
    header = _read_header(path, arrays.pop(HEADER_KEY, None))
    try:
        arrays = unpack_arrays(arrays)  # format 1 has nothing packed: its arrays come back as they are
    except (ValueError, TypeError) as error:
        raise _corrupt(path, error) from None
    return Checkpoint(path, header, arrays)


def _corrupt(path: Path, error: Exception) -> CheckpointError:
    return CheckpointError(f"{path}: truncated or corrupt ({type(error).__name__}: {error}); use another checkpoint "
                           "(a run keeps best.npz and latest.npz) or train again")


def _read_header(path: Path, raw) -> dict:
    if raw is None:
        raise CheckpointError(f"{path}: an .npz archive but not a tinyseqkd checkpoint (it has no {HEADER_KEY})")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: the checkpoint header is corrupt ({error})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise CheckpointError(f"{path}: not a tinyseqkd checkpoint (format {header.get('format')!r})")
    version = header.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: written by a newer tinyseqkd ({header.get('tinyseqkd_version')}, checkpoint format "
            f"{version}); this is tinyseqkd {__version__}, which reads format {FORMAT_VERSION} and older. "
            "Upgrade with: pip install -U tinyseqkd"
        )
    return header


def restore(checkpoint: Checkpoint, *, model=None, optimizer=None, rngs: dict | None = None) -> None:
    """Put a checkpoint's state back into a model, an optimizer and generators (each optional)."""
    try:
        if model is not None:
            model.load_state_dict(checkpoint.group("model"))
        if optimizer is not None:
            optimizer.load_state_dict(checkpoint.header["optimizer"], checkpoint.group("optim"))
    except (ValueError, KeyError) as error:
        raise CheckpointError(f"{checkpoint.path}: does not fit this model or optimizer: {error}") from None
    for name, rng in (rngs or {}).items():
        if name not in checkpoint.header.get("rng", {}):
            raise CheckpointError(f"{checkpoint.path}: has no saved state for the random generator {name!r}")
        rng.bit_generator.state = checkpoint.header["rng"][name]


def thread_change_note(checkpoint: Checkpoint) -> str | None:
    """A note when ``checkpoint`` was written with another thread count than the one in force now, else None.

    A resumed run repeats an uninterrupted one exactly only on the same number of threads: a matrix product split
    over another number of threads may add its terms in another order, which changes the last bits of a float32.
    """
    saved, now = checkpoint.header.get("threads"), threads_in_force()
    if saved is None or now is None or saved == now:
        return None
    return (f"note: {checkpoint.path} was written with {saved} thread{'s' if saved != 1 else ''} and this run uses "
            f"{now}; results can differ from an uninterrupted run in the last digits (continue with --threads "
            f"{saved} to repeat it exactly)")
