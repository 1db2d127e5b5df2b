"""Plain-text files in and out: UTF-8 lines with errors that name the line, and writes that never leave half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tinyseqkd.errors import CorpusError


def decode_lines(data: bytes, name: str) -> list[str]:
    """UTF-8 bytes as lines (split at ``\\n``; a byte-order mark and trailing ``\\r`` dropped).

    Invalid UTF-8 is a :class:`CorpusError` naming ``name``, the line and the byte.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise CorpusError(f"{name}:{line}: invalid UTF-8 at byte {column} of the line (offset {error.start} of "
                          f"the file, {data[error.start:error.start + 1]!r}); fix: convert the file to UTF-8, "
                          "e.g. iconv -f latin1 -t utf-8") from None
    lines = text.removeprefix("\ufeff").split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def read_lines(path) -> list[str]:
    """The lines of a UTF-8 text file (see :func:`decode_lines`); an unreadable file is a CorpusError."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CorpusError(f"{path}: cannot read ({error.strerror}); fix: check the path and permissions") from None
    return decode_lines(data, str(path))


def write_text_atomically(path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it: a crash never leaves half a file."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
