"""Sparse storage: a pruned model is smaller on disk (Kim & Rush Sec. 5.2 count a pruned student's parameters; See,
Luong & Manning, CoNLL 2016, store only the survivors).

A mostly-zero array is stored as three plain arrays, which ``numpy.load(allow_pickle=False)`` reads back:

- ``bits``   — uint8, one bit per entry (``numpy.packbits`` of the C-order flat array): 1 where a value is stored;
- ``values`` — the stored entries, in C order, in the array's own dtype;
- ``shape``  — int64, the array's shape.

An entry is stored when its bit pattern is not all zeros, so −0.0 and NaN survive and the round trip is
bit-identical for any array; pruned weights are written as +0.0 (``Optimizer.set_mask``) and take no space.

Why a bitmask and not a list of indices: the index of a stored entry costs 4 bytes as a uint32, the bitmask costs
1/8 byte for *every* entry, so the bitmask is smaller whenever more than 1 entry in 32 is stored. Measured on a
1000 × 1000 float32 matrix (``benchmarks/prune_storage.py``), as a fraction of the dense ``.npz``::

    sparsity            50%     80%     90%
    uint32 indices     1.00    0.40    0.20
    bitmask            0.53    0.23    0.13

:func:`pack_arrays` / :func:`unpack_arrays` apply this to a whole ``{key: array}`` dict, as a checkpoint is saved
and loaded: a float array goes sparse when that is smaller (counting the archive's per-array overhead) as
``KEY::bits``, ``KEY::values``, ``KEY::shape``; a bool array (a pruning mask) is always packed to one bit per entry,
its bits under another name, ``KEY::mask`` and ``KEY::shape``, so that a sparse array whose values were lost cannot
pass for a mask; every other array is left as it is.
"""

from __future__ import annotations

import io

import numpy as np

BITS, VALUES, SHAPE, MASK = "::bits", "::values", "::shape", "::mask"  # key suffixes of packed arrays
ARCHIVE_ENTRY_BYTES = 256  # what one more array costs in an .npz besides its data (zip headers + .npy header)


# ------------------------------------------------------------------ one array
def stored_entries(array: np.ndarray) -> np.ndarray:
    """Flat bool vector: True where the entry's bits are not all zero (every value but +0.0)."""
    flat = np.ascontiguousarray(array).reshape(-1)
    if flat.dtype == np.bool_:
        return flat.copy()
    return flat.view(np.dtype(f"u{flat.dtype.itemsize}")) != 0


def to_sparse(array: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """array → (bits, values, shape): see the module docstring."""
    array = np.asarray(array)
    stored = stored_entries(array)
    values = np.ascontiguousarray(array).reshape(-1)[stored]
    return np.packbits(stored), values, np.array(array.shape, dtype=np.int64)


def from_bits(bits: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """(bits, shape) → the bool array (a mask) whose :func:`to_sparse` bits they are. Raises ValueError when the
    bits are not a uint8 vector long enough for the shape."""
    shape = tuple(int(n) for n in np.asarray(shape).reshape(-1))
    size = int(np.prod(shape, dtype=np.int64))
    bits = np.asarray(bits)
    if bits.dtype != np.uint8 or bits.ndim != 1 or bits.size != (size + 7) // 8:
        raise ValueError(f"sparse array: {bits.size} bytes of {bits.dtype} bits for an array of shape {shape}")
    return np.unpackbits(bits, count=size).astype(bool).reshape(shape)


def from_sparse(bits: np.ndarray, values: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """(bits, values, shape) → the array, bit-identical to the one :func:`to_sparse` was given."""
    stored = from_bits(bits, shape)
    if int(stored.sum()) != values.size:
        raise ValueError(f"sparse array: the bitmask marks {int(stored.sum())} entries but {values.size} values "
                         "are stored")
    array = np.zeros(stored.shape, dtype=values.dtype)
    array[stored] = values.reshape(-1)
    return array


def sparse_nbytes(array: np.ndarray) -> int:
    """Bytes the sparse form takes in an archive, its two extra arrays' overhead included."""
    count = int(np.count_nonzero(stored_entries(array)))
    return (array.size + 7) // 8 + count * array.itemsize + 8 * array.ndim + 2 * ARCHIVE_ENTRY_BYTES


# ------------------------------------------------------------------ a dict of arrays (a checkpoint)
def pack_arrays(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Replace every float array that is smaller sparse by its ``KEY::bits``, ``KEY::values``, ``KEY::shape``
    and every bool array by ``KEY::mask``, ``KEY::shape``; the other arrays pass unchanged."""
    packed = {}
    for key, array in arrays.items():
        array = np.asarray(array)
        if array.dtype == np.bool_ and array.ndim > 0:
            bits, _, shape = to_sparse(array)
            packed[key + MASK], packed[key + SHAPE] = bits, shape
        elif array.dtype.kind == "f" and array.ndim > 0 and sparse_nbytes(array) < array.nbytes:
            packed[key + BITS], packed[key + VALUES], packed[key + SHAPE] = to_sparse(array)
        else:
            packed[key] = array
    return packed


def unpack_arrays(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The inverse of :func:`pack_arrays` (a dict that holds no packed arrays comes back as it is).

    A packed array with a part missing or parts that disagree (a damaged file) raises ValueError."""
    unpacked = {}
    for key, array in arrays.items():
        if key.endswith(SHAPE):
            base = key[: -len(SHAPE)]
            if base + MASK in arrays:
                unpacked[base] = from_bits(arrays[base + MASK], array)
            elif base + BITS in arrays and base + VALUES in arrays:
                unpacked[base] = from_sparse(arrays[base + BITS], arrays[base + VALUES], array)
            else:
                raise ValueError(f"sparse array {base!r}: parts are missing (it has {SHAPE} but not {MASK}, or "
                                 f"not both {BITS} and {VALUES})")
        elif key.endswith((BITS, VALUES, MASK)):
            base = key.rpartition("::")[0]
            if base + SHAPE not in arrays:
                raise ValueError(f"sparse array {base!r}: its {SHAPE} part is missing")
        else:
            unpacked[key] = array
    return unpacked


def save_arrays(file, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` packed into an ``.npz`` (a path or an open binary file). Not atomic by itself: the
    checkpoint writer packs with :func:`pack_arrays` and writes through its own atomic writer."""
    np.savez(file, **pack_arrays(arrays))


def packed_nbytes(arrays: dict[str, np.ndarray]) -> int:
    """The size in bytes of :func:`save_arrays`'s ``.npz`` of ``arrays`` (written into memory): e.g. a model's
    weights alone, without the optimizer state a checkpoint adds."""
    buffer = io.BytesIO()
    save_arrays(buffer, arrays)
    return buffer.getbuffer().nbytes


def load_arrays(file) -> dict[str, np.ndarray]:
    """Read what :func:`save_arrays` wrote (without pickle) and unpack it."""
    with np.load(file, allow_pickle=False) as archive:
        return unpack_arrays({key: archive[key] for key in archive.files})
