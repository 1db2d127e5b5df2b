"""The distilled corpus on disk: resumable chunks, shards, a byte-identical merge, and a checked load.

Layout of a distilled-corpus directory::

    manifest.json            provenance (tinyseqkd.distill.manifest)
    chunks/chunk-000000.jsonl …   one file per chunk of ``chunk_size`` sentences, written atomically
    train.pieces             the targets, one sentence per line, the teacher's BPE pieces joined by spaces
    train.txt                the same targets detokenized, for a person to read
    train.kbest.jsonl        (only with ``keep_kbest``) per sentence the K-best list and the index chosen

A chunk file is JSON lines: a header ``{"chunk": c, "first": i, "sentences": n}``, then one object per sentence,
``{"pieces": "...", "text": "...", "score": s}`` (+ ``"selected"`` and ``"kbest": [{"pieces", "score"}, …]`` with
``keep_kbest``). It appears under its final name only when complete (temporary file + ``os.replace``), so a chunk
that exists is finished: after Ctrl-C or a crash, a second run skips those and decodes the rest.

**Shards.** ``--shard i/N`` (1 ≤ i ≤ N) decodes the chunks c with ``c mod N = i − 1``: round-robin, so each shard
gets sentences from the whole corpus and about the same amount of work. Shards may write into one directory (a
shared disk) or into directories of their own whose chunks :func:`merge` then gathers. A chunk's content depends
only on its sentences (it is decoded as one unit, whatever the shard), so the merged files are byte-identical to
those of one unsharded run — given the same teacher, options and thread count (BLAS sums can depend on threads).

**Loading.** :func:`load_distilled_targets` checks the manifest against the training source a run is about to use
(sentence count and SHA-256) and, given the student's target vocabulary, maps every piece back to the exact id the
teacher produced — an unknown piece means the student does not share the teacher's pipeline, and is an error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from tinyseqkd.distill.manifest import (
    DistilledCorpusError,
    Manifest,
    check_same_distillation,
    pipeline_sha256,
    read_manifest,
)
from tinyseqkd.errors import ConfigError
from tinyseqkd.textfiles import write_text_atomically

CHUNKS = "chunks"
PIECES, TEXT, KBEST = "train.pieces", "train.txt", "train.kbest.jsonl"


class Shard(NamedTuple):
    """Shard ``index`` (1-based) of ``count``: the chunks c with c mod count = index − 1."""

    index: int = 1
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/4"`` → Shard(2, 4); anything else is a :class:`ConfigError` naming ``--shard``."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
            raise ConfigError(f"--shard {text!r}: expected i/N with 1 <= i <= N, e.g. --shard 1/2 and --shard 2/2 for "
                              "two processes")
        return cls(int(match.group(1)), int(match.group(2)))

    def chunks(self, total: int) -> range:
        """This shard's chunk numbers among ``total``."""
        return range(self.index - 1, total, self.count)


class Hypothesis(NamedTuple):
    """One stored hypothesis: its pieces (a list of strings without whitespace) and the teacher's log-probability."""

    pieces: list[str]
    score: float


@dataclass
class SentenceRecord:
    """What a chunk keeps for one sentence: the chosen target, its readable text, and maybe the K-best list."""

    target: Hypothesis
    text: str
    selected: int = 0
    kbest: list[Hypothesis] | None = None

    def to_json(self) -> str:
        if "\n" in self.text or "\r" in self.text:
            raise ValueError(f"the readable text of a target must be one line, got {self.text!r}")
        record = {"pieces": _join(self.target.pieces), "text": self.text, "score": float(self.target.score)}
        if self.kbest is not None:
            record["selected"] = self.selected
            record["kbest"] = [{"pieces": _join(h.pieces), "score": float(h.score)} for h in self.kbest]
        return json.dumps(record, ensure_ascii=False)


def _join(pieces: list[str]) -> str:
    for piece in pieces:
        if not piece or piece.split() != [piece]:
            raise ValueError(f"a target piece must be non-empty and without whitespace, got {piece!r}")
    return " ".join(pieces)


# ------------------------------------------------------------------------------------------- chunks
def chunk_path(directory, chunk: int) -> Path:
    return Path(directory) / CHUNKS / f"chunk-{chunk:06d}.jsonl"


def write_chunk(directory, manifest: Manifest, chunk: int, records: list[SentenceRecord]) -> Path:
    """Write one complete chunk atomically (it appears under its name only when whole)."""
    sentences = manifest.chunk_range(chunk)
    if len(records) != len(sentences):
        raise ValueError(f"chunk {chunk} holds sentences {sentences.start}-{sentences.stop - 1}, got {len(records)} "
                         "records")
    header = json.dumps({"chunk": chunk, "first": sentences.start, "sentences": len(sentences)})
    path = chunk_path(directory, chunk)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, "\n".join([header] + [record.to_json() for record in records]) + "\n")
    return path


def read_chunk(path: Path, manifest: Manifest, chunk: int) -> list[dict]:
    """The sentence records of one chunk file, checked against the manifest's chunking."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")[:-1]  # not splitlines: text may hold U+2028
        header, records = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, IndexError) as error:
        raise DistilledCorpusError(f"{path}: unreadable chunk ({error}); fix: delete it and run distill again "
                                   "to decode it anew") from None
    sentences = manifest.chunk_range(chunk)
    expected = {"chunk": chunk, "first": sentences.start, "sentences": len(sentences)}
    if header != expected or len(records) != len(sentences):
        raise DistilledCorpusError(f"{path}: holds {header} with {len(records)} records, expected {expected}; fix: "
                                   "delete it and run distill again to decode it anew")
    return records


def missing_chunks(directory, manifest: Manifest, chunks=None) -> list[int]:
    """The chunks (of ``chunks``, default all) that have no complete file in ``directory`` yet."""
    chunks = range(manifest.chunks) if chunks is None else chunks
    return [c for c in chunks if not chunk_path(directory, c).is_file()]


# ------------------------------------------------------------------------------------------- merge
def merge(directory, parts=()) -> None:
    """Gather the chunks (from ``directory`` and any shard directories ``parts``) into the final files.

    Every part must hold the same distillation as ``directory`` (its manifest); chunks found only in a part are
    copied into ``directory/chunks`` first. Writes :data:`PIECES`, :data:`TEXT` (and :data:`KBEST`) atomically.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    for part in map(Path, parts):
        check_same_distillation(read_manifest(part), manifest, part)
        for chunk in missing_chunks(directory, manifest):
            source = chunk_path(part, chunk)
            if source.is_file():
                read_chunk(source, manifest, chunk)  # refuse a damaged chunk before copying it
                chunk_path(directory, chunk).parent.mkdir(parents=True, exist_ok=True)
                write_text_atomically(chunk_path(directory, chunk), source.read_text(encoding="utf-8"))
    missing = missing_chunks(directory, manifest)
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" …" if len(missing) > 10 else "")
        raise DistilledCorpusError(f"{directory}: {len(missing)} of {manifest.chunks} chunks are not decoded yet "
                                   f"(chunks {shown}); fix: run the missing shards (or distill again to resume), "
                                   "then merge")
    pieces, text, kbest = [], [], []
    for chunk in range(manifest.chunks):
        for record in read_chunk(chunk_path(directory, chunk), manifest, chunk):
            pieces.append(record["pieces"])
            text.append(record["text"])
            if manifest.keep_kbest:
                kbest.append(json.dumps({"selected": record["selected"], "kbest": record["kbest"]},
                                        ensure_ascii=False))
    if manifest.keep_kbest:
        write_text_atomically(directory / KBEST, "".join(line + "\n" for line in kbest))
    write_text_atomically(directory / TEXT, "".join(line + "\n" for line in text))
    write_text_atomically(directory / PIECES, "".join(line + "\n" for line in pieces))  # last: marks completion


# ------------------------------------------------------------------------------------------- loading
@dataclass
class DistilledTargets:
    """A distilled corpus read back: its manifest and, per sentence, the teacher's target pieces."""

    directory: Path
    manifest: Manifest
    pieces: list[list[str]]

    def __len__(self) -> int:
        return len(self.pieces)

    def check_pipeline(self, pipeline) -> None:
        """Refuse a student whose text pipeline (BPE + vocabularies) is not the teacher's (DESIGN §4)."""
        if pipeline_sha256(pipeline.to_dict()) != self.manifest.pipeline_sha256:
            raise DistilledCorpusError(
                f"{self.directory}: distilled by a teacher with another text pipeline (BPE and vocabularies) than "
                "this run's; fix: train the student with the teacher's pipeline, so that the pieces map back to the "
                "teacher's ids")

    def ids(self, vocabulary) -> list[np.ndarray]:
        """The pieces as the teacher's ids, through the (shared) target vocabulary: (T_i,) int32 per sentence.

        A piece the vocabulary lacks means the student's pipeline is not the teacher's; that is an error, not
        ``<unk>``, so the ids are always exactly those the teacher produced.
        """
        index = vocabulary.index
        result = []
        for number, sentence in enumerate(self.pieces, start=1):
            unknown = [piece for piece in sentence if piece not in index]
            if unknown:
                raise DistilledCorpusError(
                    f"{self.directory / PIECES}:{number}: piece {unknown[0]!r} is not in the target vocabulary; "
                    "the corpus was distilled with another text pipeline. Fix: train the student with the teacher's "
                    "pipeline (same BPE and vocabularies)")
            result.append(np.array([index[piece] for piece in sentence], dtype=np.int32))
        return result


def load_distilled_targets(directory, expected_source_count: int, expected_source_hash: str) -> DistilledTargets:
    """Read a finished distilled corpus made from exactly the given training source (count and SHA-256).

    Any mismatch, an incomplete directory or a damaged file is one :class:`DistilledCorpusError` that names the
    directory and says what to do.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    if (manifest.source_sentences, manifest.source_sha256) != (expected_source_count, expected_source_hash):
        raise DistilledCorpusError(
            f"{directory}: distilled from {manifest.source_sentences:,} source sentences (sha256 "
            f"{manifest.source_sha256[:12]}…, {manifest.corpus} {manifest.split}), but this run's training source has "
            f"{expected_source_count:,} (sha256 {expected_source_hash[:12]}…). Fix: distill again with the same [data] "
            "settings as this run (corpus, direction, max_len, train_size; for synthetic corpora and english = mixed "
            "also train.seed), or point to the matching directory")
    path = directory / PIECES
    if not path.is_file():
        done = manifest.chunks - len(missing_chunks(directory, manifest))
        raise DistilledCorpusError(f"{directory}: not finished ({done} of {manifest.chunks} chunks decoded, no "
                                   f"{PIECES}); fix: run distill again to resume, or merge the shards")
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines[-1] == "":
        lines.pop()
    if len(lines) != manifest.source_sentences:
        raise DistilledCorpusError(f"{path}: {len(lines):,} lines for {manifest.source_sentences:,} sentences; "
                                   "fix: merge again (tinyseqkd distill … --merge) or distill again")
    return DistilledTargets(directory, manifest, [line.split(" ") if line else [] for line in lines])
