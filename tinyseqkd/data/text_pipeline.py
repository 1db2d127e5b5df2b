"""TextPipeline: the whole path from a sentence to token ids and back, for one model.

    text ──pretokenize──▶ tokens ──BPE──▶ subword pieces ──vocabulary──▶ int32 ids
    text ◀─detokenize─── tokens ◀─undo── subword pieces ◀──vocabulary─── ids (cut at </s>)

A model is only meaningful together with the pipeline that made its ids, so checkpoints carry it:
:meth:`TextPipeline.to_dict` is JSON-able for a checkpoint header, and :meth:`TextPipeline.save` writes the same
content as plain files (``bpe.merges``, ``vocab.src``, ``vocab.tgt``, ``pipeline.json``) a person can read.

One BPE merge table serves both sides (learned jointly, see :mod:`tinyseqkd.data.bpe`); each side has its own
vocabulary. A BPE piece that a size-limited vocabulary left out is split back into the smaller pieces it was
merged from (:meth:`BPE.split_unknown`) before it would become ``<unk>``. Encoding caches the ids of each word
type, so a corpus is encoded at dictionary-lookup speed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from tinyseqkd.data.bpe import BPE
from tinyseqkd.data.tokenize import detokenize, pretokenize
from tinyseqkd.data.vocab import BOS, EOS, PAD, Vocabulary
from tinyseqkd.errors import CorpusError

FORMAT = "tinyseqkd-text-pipeline"
VERSION = 1


class TextPipeline:
    """Pre-tokenizer + optional joint BPE + one vocabulary per side."""

    def __init__(self, src_vocab: Vocabulary, tgt_vocab: Vocabulary, bpe: BPE | None = None):
        self.src_vocab = src_vocab
        self.tgt_vocab = tgt_vocab
        self.bpe = bpe
        self._word_ids: dict[str, dict[str, list[int]]] = {"src": {}, "tgt": {}}  # token → its pieces' ids

    @classmethod
    def fit(cls, src_texts: Sequence[str], tgt_texts: Sequence[str], *, bpe_merges: int,
            src_vocab_size: int | None, tgt_vocab_size: int | None, min_freq: int = 1) -> TextPipeline:
        """Learn BPE (``bpe_merges`` > 0) on both sides' training text, then a vocabulary per side.

        ``bpe_merges=0`` keeps whole pre-tokenized words. A vocabulary size counts the four special tokens;
        ``None`` keeps every token seen at least ``min_freq`` times.
        """
        src_words = _count_tokens(src_texts)
        tgt_words = _count_tokens(tgt_texts)
        bpe = BPE.learn(src_words + tgt_words, bpe_merges) if bpe_merges > 0 else None
        src_pieces = _count_pieces(src_words, bpe)
        tgt_pieces = _count_pieces(tgt_words, bpe)
        return cls(Vocabulary.build(src_pieces, max_size=src_vocab_size, min_freq=min_freq),
                   Vocabulary.build(tgt_pieces, max_size=tgt_vocab_size, min_freq=min_freq), bpe)

    # -- text → ids -------------------------------------------------------------------------------------------
    def src_tokens(self, text: str) -> list[str]:
        """The source pieces the model sees, as strings (for inspection)."""
        return [piece for token in pretokenize(text) for piece in self._word_pieces(token, self.src_vocab)]

    def tgt_tokens(self, text: str) -> list[str]:
        """The target pieces the model sees, as strings (for inspection)."""
        return [piece for token in pretokenize(text) for piece in self._word_pieces(token, self.tgt_vocab)]

    def encode_src(self, text: str) -> np.ndarray:
        """A source sentence → ids (S,) int32, no special tokens."""
        return self._encode(text, "src", self.src_vocab)

    def encode_tgt(self, text: str) -> np.ndarray:
        """A target sentence → ids (T,) int32, no special tokens (batching adds ``<s>`` and ``</s>``)."""
        return self._encode(text, "tgt", self.tgt_vocab)

    def encode_src_many(self, texts: Iterable[str]) -> list[np.ndarray]:
        return [self.encode_src(text) for text in texts]

    def encode_tgt_many(self, texts: Iterable[str]) -> list[np.ndarray]:
        return [self.encode_tgt(text) for text in texts]

    # -- ids → text -------------------------------------------------------------------------------------------
    def decode_tgt(self, ids: Iterable[int]) -> str:
        """Target ids → text: stop at the first ``</s>``, drop ``<pad>``/``<s>``, undo BPE, detokenize.

        An ``<unk>`` stays in the text as ``<unk>``, so a reader sees where the vocabulary fell short.
        """
        kept: list[int] = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            if i not in (PAD, BOS):
                kept.append(i)
        pieces = self.tgt_vocab.decode(kept)
        tokens = self.bpe.decode(pieces) if self.bpe is not None else pieces
        return detokenize(tokens)

    def decode_tgt_many(self, batch_of_ids: Iterable[Iterable[int]]) -> list[str]:
        return [self.decode_tgt(ids) for ids in batch_of_ids]

    # -- saving -----------------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Everything needed to rebuild the pipeline, as JSON-able lists and strings."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "bpe_merges": self.bpe.to_list() if self.bpe is not None else None,
            "src_vocab": list(self.src_vocab.tokens),
            "tgt_vocab": list(self.tgt_vocab.tokens),
        }

    @classmethod
    def from_dict(cls, d: dict) -> TextPipeline:
        _check_format(d, "the pipeline dictionary")
        bpe = BPE.from_list(d["bpe_merges"]) if d["bpe_merges"] is not None else None
        return cls(Vocabulary(d["src_vocab"]), Vocabulary(d["tgt_vocab"]), bpe)

    def save(self, directory: str | Path) -> None:
        """Write ``pipeline.json``, ``vocab.src``, ``vocab.tgt`` and (with BPE) ``bpe.merges`` into ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.src_vocab.save(directory / "vocab.src")
        self.tgt_vocab.save(directory / "vocab.tgt")
        if self.bpe is not None:
            self.bpe.save(directory / "bpe.merges")
        header = {"format": FORMAT, "version": VERSION, "bpe": self.bpe is not None,
                  "bpe_merges": len(self.bpe) if self.bpe is not None else 0,
                  "src_vocab_size": len(self.src_vocab), "tgt_vocab_size": len(self.tgt_vocab)}
        (directory / "pipeline.json").write_text(json.dumps(header, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> TextPipeline:
        directory = Path(directory)
        path = directory / "pipeline.json"
        try:
            header = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CorpusError(f"{path}: cannot read the text pipeline ({error}); "
                              "fix: point to a directory written by TextPipeline.save") from None
        _check_format(header, str(path))
        bpe = BPE.load(directory / "bpe.merges") if header["bpe"] else None
        return cls(Vocabulary.load(directory / "vocab.src"), Vocabulary.load(directory / "vocab.tgt"), bpe)

    # -- internals --------------------------------------------------------------------------------------------
    def _word_pieces(self, token: str, vocab: Vocabulary) -> list[str]:
        """A token's BPE pieces, those missing from ``vocab`` split into smaller known ones where possible."""
        if self.bpe is None:
            return [token]
        return self.bpe.split_unknown(self.bpe.encode_word(token), vocab.index)

    def _encode(self, text: str, side: str, vocab: Vocabulary) -> np.ndarray:
        cache = self._word_ids[side]
        ids: list[int] = []
        for token in pretokenize(text):
            token_ids = cache.get(token)
            if token_ids is None:
                token_ids = cache[token] = vocab.encode(self._word_pieces(token, vocab)).tolist()
            ids.extend(token_ids)
        return np.array(ids, dtype=np.int32)


def _count_tokens(texts: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(pretokenize(text))
    return counts


def _count_pieces(word_counts: Counter[str], bpe: BPE | None) -> Counter[str]:
    """Subword counts from word counts (each word type is encoded once)."""
    if bpe is None:
        return word_counts
    pieces: Counter[str] = Counter()
    for word, count in word_counts.items():
        for piece in bpe.encode_word(word):
            pieces[piece] += count
    return pieces


def _check_format(d: dict, where: str) -> None:
    if d.get("format") != FORMAT:
        raise CorpusError(f"{where}: not a tinyseqkd text pipeline (format {d.get('format')!r}); "
                          "fix: point to what TextPipeline.save or to_dict wrote")
    if d.get("version", 0) > VERSION:
        raise CorpusError(f"{where}: text pipeline version {d['version']} is newer than this tinyseqkd "
                          f"understands ({VERSION}); fix: upgrade tinyseqkd")
