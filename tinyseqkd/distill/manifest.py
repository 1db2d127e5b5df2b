"""What a distilled corpus records about itself (DESIGN §4: distilled corpora are data with provenance).

A distilled corpus (the teacher's beam output ŷ for Seq-KD, Sec. 3.2, or the K-best pick ỹ for Seq-Inter,
Sec. 3.3) is only meaningful together with what made it: which teacher, which decoding, which source sentences.
``manifest.json`` in the corpus directory holds that:

=========================  ===========================================================================
``format``, ``version``    ``tinyseqkd-distilled-corpus``, :data:`FORMAT_VERSION`
``teacher_sha256``         SHA-256 of the teacher's checkpoint file (``teacher_path`` is where it was)
``pipeline_sha256``        SHA-256 of the teacher's text pipeline (BPE + vocabularies): a student must share it
``beam_size``, ``nbest``   the beam width and K, the number of hypotheses kept per sentence
``selection``              ``"beam"`` (the beam's best, Seq-KD) or ``"bleu"`` (closest to the gold, Seq-Inter)
``decoding``               the other decoding options (length penalty, length limits), as given
``corpus``, ``split``      where the sources came from (e.g. ``bible-es-en``, ``train``)
``source_sha256``          SHA-256 of the source sentences as a text file (:func:`lines_sha256`) …
``source_sentences``       … and their number: a training run checks both before it uses the targets
``chunk_size``             sentences per chunk (fixes which sentences each chunk and shard holds)
``keep_kbest``             whether the chunks also keep the whole K-best list
``tinyseqkd_version``      the version that wrote it; ``created`` the UTC time the first chunk was started
=========================  ===========================================================================

Two runs may write into one directory (resuming, or several shards) only if every field except the last two and
``teacher_path`` is equal (:meth:`Manifest.determining`); otherwise :class:`DistilledCorpusError` says what differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path

from tinyseqkd import __version__
from tinyseqkd.errors import TinySeqKDError
from tinyseqkd.textfiles import write_text_atomically

FORMAT = "tinyseqkd-distilled-corpus"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SELECTIONS = ("beam", "bleu")
INFORMATIVE = ("teacher_path", "tinyseqkd_version", "created")  # may differ between runs writing one directory


class DistilledCorpusError(TinySeqKDError):
    """A distilled-corpus directory does not fit the run that uses it (or is incomplete, or not one at all)."""


def file_sha256(path) -> str:
    """SHA-256 of a file's bytes, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def lines_sha256(lines: Iterable[str]) -> str:
    """SHA-256 of the lines as a UTF-8 text file, each line ended by ``\\n`` (equal to ``sha256sum`` of that file)."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def pipeline_sha256(pipeline_dict: dict) -> str:
    """SHA-256 of a text pipeline's ``to_dict()`` as canonical JSON: equal exactly when BPE and vocabularies are."""
    return hashlib.sha256(json.dumps(pipeline_dict, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Manifest:
    """The provenance of one distilled corpus (fields in the module docstring)."""

    teacher_sha256: str
    pipeline_sha256: str
    beam_size: int
    nbest: int
    selection: str
    corpus: str
    split: str
    source_sha256: str
    source_sentences: int
    chunk_size: int
    keep_kbest: bool = False
    decoding: dict = field(default_factory=dict)
    teacher_path: str = ""
    tinyseqkd_version: str = __version__
    created: str = field(default_factory=utc_now)
    format: str = FORMAT
    version: int = FORMAT_VERSION

    def __post_init__(self):
        if self.selection not in SELECTIONS:
            raise ValueError(f"selection must be one of {SELECTIONS}, got {self.selection!r}")
        if not 1 <= self.nbest <= self.beam_size:
            raise ValueError(f"nbest must be between 1 and beam_size = {self.beam_size}, got {self.nbest}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be positive, got {self.chunk_size}")

    @property
    def chunks(self) -> int:
        """How many chunks the corpus is cut into (the last one may be shorter)."""
        return -(-self.source_sentences // self.chunk_size)

    def chunk_range(self, chunk: int) -> range:
        """The sentence numbers of one chunk."""
        start = chunk * self.chunk_size
        return range(start, min(start + self.chunk_size, self.source_sentences))

    def determining(self) -> dict:
        """The fields two runs writing into one directory must share."""
        return {key: value for key, value in self.to_dict().items() if key not in INFORMATIVE}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict, where: str) -> Manifest:
        if values.get("format") != FORMAT:
            raise DistilledCorpusError(f"{where}: not a tinyseqkd distilled corpus (format {values.get('format')!r}); "
                                       "fix: point to a directory that tinyseqkd distill wrote")
        if not isinstance(values.get("version"), int) or values["version"] > FORMAT_VERSION:
            raise DistilledCorpusError(f"{where}: distilled-corpus format {values.get('version')} is newer than this "
                                       f"tinyseqkd ({__version__}) reads ({FORMAT_VERSION}); fix: upgrade tinyseqkd")
        known = {f.name for f in fields(cls)}
        missing = sorted(known - set(values) - set(INFORMATIVE))
        if missing:
            raise DistilledCorpusError(f"{where}: the manifest lacks {', '.join(missing)}; fix: distill again")
        try:
            return cls(**{key: value for key, value in values.items() if key in known})
        except (TypeError, ValueError) as error:
            raise DistilledCorpusError(f"{where}: malformed manifest ({error}); fix: distill again") from None

    def save(self, directory) -> None:
        write_text_atomically(Path(directory) / MANIFEST, json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")


def read_manifest(directory) -> Manifest:
    """The manifest of a distilled-corpus directory; a missing or foreign one is a :class:`DistilledCorpusError`."""
    path = Path(directory) / MANIFEST
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DistilledCorpusError(f"{directory}: no {MANIFEST}, so not a distilled corpus; fix: point to the --out "
                                   "directory of tinyseqkd distill") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DistilledCorpusError(f"{path}: cannot read the manifest ({error}); fix: distill again") from None
    if not isinstance(values, dict):
        raise DistilledCorpusError(f"{path}: the manifest is not a JSON object; fix: distill again")
    return Manifest.from_dict(values, str(path))


def check_same_distillation(existing: Manifest, wanted: Manifest, directory) -> None:
    """Refuse to mix two different distillations in one directory (resume and shards must agree)."""
    old, new = existing.determining(), wanted.determining()
    differing = [key for key in new if old.get(key) != new[key]]
    if differing:
        details = "; ".join(f"{key}: {old.get(key)!r} there, {new[key]!r} now" for key in differing)
        raise DistilledCorpusError(f"{directory} holds a different distillation ({details}); fix: use another --out "
                                   "directory, or delete this one to start over")
