"""Files in and out: UTF-8 lines with errors that name the line, and writes that never leave half a file.

Reading: :func:`read_lines` (a file) and :func:`decode_lines` (bytes already read, e.g. standard input).

Writing: :func:`open_atomically` is the one way tinyseqkd writes a file (checkpoints, vocabularies, BPE merges,
exported corpora, translations, plots). It writes into a new temporary file beside the target and renames it over
the target only when everything was written, so a crash or Ctrl-C never leaves half a file and never destroys the
previous version. The temporary file is created with mode 0666 minus the umask, exactly like a file opened with
``open(path, "w")`` (``tempfile.mkstemp`` would give 0600, and a class sharing a directory could not read an
instructor's checkpoint). :func:`write_text_atomically` is the short form for a string.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path

from tinyseqkd.errors import CorpusError


# ------------------------------------------------------------------------------------------- reading
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


# ------------------------------------------------------------------------------------------- writing
@contextmanager
def open_atomically(path, binary: bool = False):
    """``with open_atomically(path) as file:`` — write ``file``; ``path`` appears only once the block succeeds.

    Text mode writes UTF-8 with ``\\n`` line ends; ``binary=True`` gives a byte stream (``numpy.savez``,
    ``savefig`` write into it). The data is flushed to disk before the rename. If the block raises, the
    temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    handle, temporary = _create_beside(path)
    try:
        with (os.fdopen(handle, "wb") if binary else
              os.fdopen(handle, "w", encoding="utf-8", newline="\n")) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text_atomically(path, text: str) -> None:
    """Write ``text`` to ``path`` through :func:`open_atomically`."""
    with open_atomically(path) as file:
        file.write(text)


def _create_beside(path: Path) -> tuple[int, Path]:
    """A new, uniquely named file ``.NAME.RANDOM.tmp`` in ``path``'s directory → (file descriptor, its path).

    ``os.open`` with mode 0o666 lets the operating system apply the umask, as for any newly created file;
    ``O_EXCL`` makes sure that the name is new.
    """
    while True:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temporary
        except FileExistsError:  # one chance in four billion: draw another name
            continue
