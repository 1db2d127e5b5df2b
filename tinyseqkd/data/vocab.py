"""The vocabulary: tokens ↔ integer ids, with four special tokens at fixed ids.

========  ==  ======================================================
``PAD``   0   pads short sequences in a batch (its embedding is zero)
``UNK``   1   stands for every token that is not in the vocabulary
``BOS``   2   ``<s>``, the decoder's input at the first step
``EOS``   3   ``</s>``, the decoder's output after the last token
========  ==  ======================================================

Regular tokens follow, most frequent first; equal counts are ordered by the token's string, so the same counts
always give the same ids. The saved file is plain text, one token per line in id order (line ``n`` holds id
``n - 1``), so a token may not contain whitespace — the pre-tokenizer never produces one, and the constructor
refuses it rather than write a file that would read back differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from tinyseqkd.errors import CorpusError
from tinyseqkd.textfiles import write_text_atomically

PAD, UNK, BOS, EOS = 0, 1, 2, 3
SPECIALS = ("<pad>", "<unk>", "<s>", "</s>")


class Vocabulary:
    """An ordered list of tokens (the four specials first) and its inverse, ``{token: id}``."""

    def __init__(self, tokens: Sequence[str]):
        tokens = list(tokens)
        if tuple(tokens[:len(SPECIALS)]) != SPECIALS:
            raise ValueError(f"a vocabulary starts with the special tokens {SPECIALS}, got {tokens[:4]}")
        for token in tokens:
            if token.split() != [token]:
                raise ValueError(f"vocabulary token {token!r} is empty or contains whitespace")
        self.tokens = tokens
        self.index = {token: i for i, token in enumerate(tokens)}
        if len(self.index) != len(tokens):
            duplicates = sorted({token for token in tokens if tokens.count(token) > 1})
            raise ValueError(f"duplicate vocabulary tokens: {duplicates[:5]}")

    @classmethod
    def build(cls, counts: Mapping[str, int], *, max_size: int | None = None, min_freq: int = 1) -> Vocabulary:
        """The most frequent tokens of ``counts`` with at least ``min_freq`` occurrences.

        ``max_size`` bounds ``len(vocabulary)``, the four specials included. Ties: the smaller string first.
        """
        if max_size is not None and max_size < len(SPECIALS):
            raise ValueError(f"max_size must be at least {len(SPECIALS)} (the special tokens), got {max_size}")
        kept = [(token, count) for token, count in counts.items() if count >= min_freq and token not in SPECIALS]
        kept.sort(key=lambda item: (-item[1], item[0]))
        if max_size is not None:
            kept = kept[:max_size - len(SPECIALS)]
        return cls(list(SPECIALS) + [token for token, _ in kept])

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.index

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """Tokens → ids, shape (len(tokens),) int32; unknown tokens → ``UNK``. No BOS/EOS are added."""
        get = self.index.get
        return np.fromiter((get(token, UNK) for token in tokens), dtype=np.int32, count=len(tokens))

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Ids → tokens, every id kept (specials included; see ``TextPipeline.decode_tgt`` for clean text)."""
        return [self.tokens[i] for i in ids]

    def save(self, path: str | Path) -> None:
        """One token per line, in id order, UTF-8."""
        write_text_atomically(path, "\n".join(self.tokens) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> Vocabulary:
        """Read a file written by :meth:`save`; a malformed file → ``CorpusError`` naming the line."""
        path = Path(path)
        try:
            lines = path.read_text(encoding="utf-8").split("\n")
        except (OSError, UnicodeDecodeError) as error:
            raise CorpusError(f"{path}: cannot read the vocabulary ({error})") from None
        if lines and lines[-1] == "":
            lines.pop()
        for number, line in enumerate(lines, start=1):
            if number <= len(SPECIALS) and line != SPECIALS[number - 1]:
                raise CorpusError(f"{path}:{number}: expected the special token {SPECIALS[number - 1]!r}, found "
                                  f"{line!r}; fix: point to a vocabulary file that tinyseqkd saved")
            if line.split() != [line]:
                raise CorpusError(f"{path}:{number}: a vocabulary line must hold one token without spaces, found "
                                  f"{line!r}; fix: the file was edited by hand, save it again")
        if len(lines) < len(SPECIALS):
            raise CorpusError(f"{path}:{len(lines) + 1}: the file ends before the {len(SPECIALS)} special tokens; "
                              "fix: point to a vocabulary file that tinyseqkd saved")
        try:
            return cls(lines)
        except ValueError as error:
            raise CorpusError(f"{path}: {error}; fix: the file was edited by hand, save it again") from None
