"""Sequence-level knowledge distillation (Kim & Rush 2016, Sec. 3.2): the teacher's beam output as the new corpus.

Seq-KD runs the teacher's beam search (K = 5 in the paper) over the whole training source and trains the student
with the plain NLL on (s, ŷ), ŷ the beam's best hypothesis. Seq-Inter (Sec. 3.3) keeps the teacher's K-best list
instead (K = 35) and takes the hypothesis closest to the gold target (:mod:`tinyseqkd.distill.seq_inter`).

Decoding a training set takes minutes to hours, so :func:`distill_corpus` works chunk by chunk into a distilled-
corpus directory (:mod:`tinyseqkd.distill.store`): finished chunks are skipped on a second run, ``shard`` splits
the chunks between processes, and the final files are written once every chunk exists. The decoding itself is a
callable, ``decode_chunk(sources) → per sentence a K-best list [(pieces, score), …], best first``, so that the
loop can be tested with a fake decoder; :func:`teacher_decoder` makes the real one from a model's batched beam
search (:func:`tinyseqkd.decoding.decode_corpus`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinyseqkd.distill.manifest import (
    DistilledCorpusError,
    Manifest,
    check_same_distillation,
    file_sha256,
    lines_sha256,
    pipeline_sha256,
    read_manifest,
)
from tinyseqkd.distill.seq_inter import select_closest
from tinyseqkd.distill.store import Hypothesis, SentenceRecord, Shard, merge, missing_chunks, write_chunk

DecodeChunk = Callable[[list[np.ndarray]], list[list[tuple[list[str], float]]]]
Selector = Callable[[int, list[Hypothesis]], int]


@dataclass
class DistillReport:
    """What one call of :func:`distill_corpus` did."""

    chunks_in_shard: int
    decoded: int  # chunks decoded by this call
    skipped: int  # chunks of this shard found complete (an earlier, interrupted run)
    merged: bool  # every chunk of every shard exists and the final files were written


def distill_corpus(decode_chunk: DecodeChunk, sources: Sequence[np.ndarray], out_dir, manifest: Manifest, *,
                   shard: Shard = Shard(), progress: Callable[[int, int], None] | None = None,
                   to_text: Callable[[list[str]], str] = " ".join, select: Selector | None = None) -> DistillReport:
    """Decode this shard's missing chunks of ``sources`` into ``out_dir``; merge when every chunk is there.

    sources: the training source as id arrays, ``manifest.source_sentences`` of them (``manifest.chunk_size``
    fixes the chunks). ``progress(done, total)`` is called before the first chunk and after each, counting this
    shard's sentences (chunks found complete count as done). ``to_text(pieces)`` makes the readable copy (BPE
    undone, detokenized). ``select(sentence, kbest)`` picks the target's index in the K-best list: required for
    ``selection = "bleu"`` (see :func:`closest_to_gold`); by default the beam's best, index 0.
    """
    if len(sources) != manifest.source_sentences:
        raise ValueError(f"{len(sources)} sources, but the manifest says {manifest.source_sentences}")
    if manifest.selection == "bleu" and select is None:
        raise ValueError("selection 'bleu' (Seq-Inter) needs select=closest_to_gold(references, …)")
    mine = shard.chunks(manifest.chunks)
    if not mine and manifest.chunks:
        raise DistilledCorpusError(f"--shard {shard.index}/{shard.count}: only {manifest.chunks} chunks of "
                                   f"{manifest.chunk_size} sentences to share, none for this shard; fix: use at most "
                                   f"{manifest.chunks} shards or a smaller chunk size")
    out_dir = Path(out_dir)
    _prepare_directory(out_dir, manifest)
    todo = missing_chunks(out_dir, manifest, mine)
    total = sum(len(manifest.chunk_range(c)) for c in mine)
    done = total - sum(len(manifest.chunk_range(c)) for c in todo)
    if progress is not None:
        progress(done, total)
    for chunk in todo:
        sentences = manifest.chunk_range(chunk)
        kbests = decode_chunk([sources[i] for i in sentences])
        if len(kbests) != len(sentences):
            raise ValueError(f"decode_chunk returned {len(kbests)} results for {len(sentences)} sources")
        records = [_record(i, kbest, manifest, to_text, select) for i, kbest in zip(sentences, kbests)]
        write_chunk(out_dir, manifest, chunk, records)
        done += len(sentences)
        if progress is not None:
            progress(done, total)
    complete = not missing_chunks(out_dir, manifest)
    if complete:
        merge(out_dir)
    return DistillReport(len(mine), len(todo), len(mine) - len(todo), complete)


def _prepare_directory(out_dir: Path, manifest: Manifest) -> None:
    """Create the directory and its manifest, or check that the one there describes the same distillation."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if (out_dir / "manifest.json").exists():
        check_same_distillation(read_manifest(out_dir), manifest, out_dir)
    else:
        manifest.save(out_dir)


def _record(sentence: int, kbest, manifest: Manifest, to_text, select) -> SentenceRecord:
    hypotheses = [Hypothesis(list(pieces), float(score)) for pieces, score in kbest]
    if not 1 <= len(hypotheses) <= manifest.nbest:
        raise ValueError(f"sentence {sentence}: decode_chunk returned {len(hypotheses)} hypotheses, expected 1 to "
                         f"nbest = {manifest.nbest}")
    chosen = select(sentence, hypotheses) if select is not None else 0
    target = hypotheses[chosen]
    return SentenceRecord(target, to_text(target.pieces), chosen, hypotheses if manifest.keep_kbest else None)


def closest_to_gold(references: Sequence[Sequence[str]], to_tokens: Callable[[list[str]], list[str]] | None = None
                    ) -> Selector:
    """Seq-Inter's choice (Sec. 3.3): the hypothesis with the highest smoothed sentence BLEU against the gold.

    ``references[i]`` is sentence i's gold target as tokens; ``to_tokens(pieces)`` turns a hypothesis into the same
    kind of tokens (e.g. BPE undone, so that BLEU counts words as in the paper); by default pieces are compared.
    Ties: the earliest, i.e. the teacher's higher-ranked hypothesis.
    """
    def select(sentence: int, kbest: list[Hypothesis]) -> int:
        candidates = [h.pieces if to_tokens is None else to_tokens(h.pieces) for h in kbest]
        return select_closest(candidates, references[sentence])

    return select


def teacher_decoder(model, vocabulary, *, beam_size: int = 5, nbest: int = 1, length_penalty: float = 0.0,
                    max_len_ratio: float = 2.0, max_len_extra: int = 10, batch_size: int = 64) -> DecodeChunk:
    """``decode_chunk`` from a model's batched beam search: ids → the teacher's pieces through its target vocabulary.

    The pieces map back to exactly the ids the teacher produced (every id has its own vocabulary entry, ``<unk>``
    included). Scores are log p(ŷ </s> | s).
    """
    from tinyseqkd.decoding import decode_corpus

    def decode_chunk(sources: list[np.ndarray]) -> list[list[tuple[list[str], float]]]:
        nonempty = [i for i, ids in enumerate(sources) if len(ids)]
        found = decode_corpus(model, [sources[i] for i in nonempty], beam_size=beam_size, n_best=nbest,
                              length_penalty=length_penalty, batch_size=batch_size, max_len_ratio=max_len_ratio,
                              max_len_extra=max_len_extra)
        results = [[([], 0.0)] for _ in sources]  # an empty source translates as an empty target
        for i, hypotheses in zip(nonempty, found):
            results[i] = [(vocabulary.decode(h.ids.tolist()), h.score) for h in hypotheses]
        return results

    return decode_chunk


def pieces_to_words(pipeline) -> Callable[[list[str]], list[str]]:
    """``pieces → words``: the teacher's BPE pieces glued back into the (pre-tokenized) words they spell.

    Seq-Inter's sentence BLEU compares these with the gold target's pre-tokenized words (Sec. 3.3: BLEU counts
    words, not subword pieces); :func:`tinyseqkd.data.tokenize.detokenize` of them is the readable copy.
    """
    if pipeline.bpe is None:
        return list
    return pipeline.bpe.decode


def teacher_manifest(teacher_path, pipeline, source_texts: Sequence[str], *, corpus: str, split: str = "train",
                     beam_size: int = 5, nbest: int = 1, selection: str = "beam", chunk_size: int = 256,
                     keep_kbest: bool = False, decoding: dict | None = None) -> Manifest:
    """The manifest of a distillation by the checkpoint at ``teacher_path`` (hashes computed here)."""
    return Manifest(teacher_sha256=file_sha256(teacher_path), pipeline_sha256=pipeline_sha256(pipeline.to_dict()),
                    beam_size=beam_size, nbest=nbest, selection=selection, corpus=corpus, split=split,
                    source_sha256=lines_sha256(source_texts), source_sentences=len(source_texts),
                    chunk_size=chunk_size, keep_kbest=keep_kbest, decoding=dict(decoding or {}),
                    teacher_path=str(teacher_path))
