"""Byte-pair encoding (Sennrich, Haddow & Birch, 2016): rare words as sequences of frequent subwords.

**Learning.** Start from every word split into characters and repeat ``num_merges`` times: count each adjacent
pair of symbols over the corpus (weighted by word frequency), merge the most frequent pair everywhere into one
new symbol, and record the merge. tinyseqkd learns one merge table **jointly** over source and target training
text (their word counts are summed; Sennrich et al.'s "joint BPE"), so names and numbers shared by both languages
are split the same way on both sides; each side still has its own vocabulary.

**Symbols.** A symbol that does not end its word carries the subword mark ``＠`` (U+FF20): ``"lower"`` starts
as ``l＠ o＠ w＠ e＠ r``, and merging ``(a＠, b)`` gives ``a + b`` (``lo＠``, ``low＠``, …, ``lower``). So a
word-final ``er`` and a word-inner ``er＠`` are different symbols, as with the paper's ``</w>``, and the encoded
pieces *are* the symbols: ``["low＠", "er"]`` reads back as ``"lower"`` without a table. Tokens must not contain
``＠`` or whitespace; :func:`tinyseqkd.data.tokenize.pretokenize` escapes ``＠``.

**Speed.** Recounting every pair after each merge is what makes naive BPE take minutes. Here the pair counts are
updated incrementally: an index maps each pair to the word types that contain it, a merge rewrites only those
words and adds the difference of their pair counts, and a heap with lazy deletion finds the most frequent pair.
Ties go to the smallest pair in string order, so the merges are deterministic.

**Applying** merges to a word repeats "merge the adjacent pair that was learned first" until none is left
(the order of learning is the priority); results are cached per word type.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping
from pathlib import Path

from tinyseqkd.data.tokenize import SUBWORD_MARK
from tinyseqkd.errors import CorpusError
from tinyseqkd.textfiles import write_text_atomically

HEADER = "#tinyseqkd-bpe v1: one merge per line, 'left right', learned first = applied first"

Pair = tuple[str, str]


class BPE:
    """An ordered list of merges, and the functions that apply and undo them.

    ``encode(tokens) -> pieces`` and ``decode(pieces) -> tokens`` with ``decode(encode(tokens)) == tokens``.
    """

    def __init__(self, merges: Iterable[Pair]):
        self.merges: list[Pair] = [tuple(pair) for pair in merges]
        self._rank: dict[Pair, int] = {pair: rank for rank, pair in enumerate(self.merges)}
        self._parents: dict[str, Pair] = {}  # merged symbol → the (first learned) pair it was merged from
        for left, right in self.merges:
            self._parents.setdefault(left[:-1] + right, (left, right))
        self._cache: dict[str, tuple[str, ...]] = {}

    def __len__(self) -> int:
        return len(self.merges)

    @classmethod
    def learn(cls, word_counts: Mapping[str, int], num_merges: int, *, min_count: int = 2) -> BPE:
        """Learn up to ``num_merges`` merges from ``{token: count}`` (join source and target counts first).

        Stops early when the most frequent pair occurs fewer than ``min_count`` times.
        """
        return cls(_learn_merges(word_counts, num_merges, min_count))

    def encode_word(self, token: str) -> tuple[str, ...]:
        """One token → its subword pieces, e.g. ``"lower"`` → ``("low＠", "er")``."""
        pieces = self._cache.get(token)
        if pieces is None:
            pieces = self._cache[token] = self._apply_merges(initial_symbols(token))
        return pieces

    def encode(self, tokens: Iterable[str]) -> list[str]:
        """Tokens → subword pieces (every piece but the last of a token ends with ``＠``)."""
        pieces: list[str] = []
        for token in tokens:
            pieces.extend(self.encode_word(token))
        return pieces

    def split_unknown(self, pieces: Iterable[str], known: Container[str]) -> list[str]:
        """Split each piece that is not in ``known`` back into the two pieces it was merged from, recursively.

        This is subword-nmt's vocabulary filter: a rare piece that did not make it into a size-limited
        vocabulary becomes smaller pieces that did, instead of ``<unk>``. Characters are never split.
        """
        out: list[str] = []
        stack = list(pieces)[::-1]
        while stack:
            piece = stack.pop()
            if piece in known or piece not in self._parents:
                out.append(piece)
            else:
                left, right = self._parents[piece]
                stack += [right, left]
        return out

    @staticmethod
    def decode(pieces: Iterable[str]) -> list[str]:
        """Subword pieces → tokens: glue each piece that ends with ``＠`` to the next one.

        A sequence that stops inside a word (a model output may) still yields that partial word.
        """
        tokens: list[str] = []
        word: list[str] = []
        for piece in pieces:
            if piece.endswith(SUBWORD_MARK):
                word.append(piece[:-1])
            else:
                word.append(piece)
                tokens.append("".join(word))
                word = []
        if word:
            tokens.append("".join(word))
        return tokens

    def _apply_merges(self, symbols: list[str]) -> tuple[str, ...]:
        """Merge the best-ranked adjacent pair (everywhere in the word) until no learned pair is left."""
        rank = self._rank
        while len(symbols) > 1:
            ranked = [(rank[pair], pair) for pair in zip(symbols, symbols[1:]) if pair in rank]
            if not ranked:
                break
            _, best = min(ranked)
            symbols = merge_pair(symbols, best)
        return tuple(symbols)

    def save(self, path: str | Path) -> None:
        """Write the merges as plain text: :data:`HEADER`, then ``left right`` per line, in learning order."""
        write_text_atomically(path, "\n".join([HEADER, *self.to_list()]) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> BPE:
        """Read a file written by :meth:`save` (a malformed file → ``CorpusError`` naming the line)."""
        path = Path(path)
        try:
            lines = path.read_text(encoding="utf-8").split("\n")
        except (OSError, UnicodeDecodeError) as error:
            raise CorpusError(f"{path}: cannot read the BPE merges ({error})") from None
        if lines[0] != HEADER:
            raise CorpusError(f"{path}:1: not a tinyseqkd BPE merges file (expected the header {HEADER!r}); "
                              "fix: point to the bpe.merges file that TextPipeline.save wrote")
        return cls(_parse_merge(path, number, line) for number, line in enumerate(lines[1:], start=2) if line)

    def to_list(self) -> list[str]:
        """The merges as ``"left right"`` strings (JSON-able)."""
        return [f"{left} {right}" for left, right in self.merges]

    @classmethod
    def from_list(cls, merges: Iterable[str]) -> BPE:
        return cls(tuple(merge.split(" ")) for merge in merges)


def initial_symbols(token: str) -> list[str]:
    """A token as its characters, all but the last marked as continuing: ``"low"`` → ``["l＠", "o＠", "w"]``."""
    if SUBWORD_MARK in token or token.split() != [token]:
        raise ValueError(f"cannot apply BPE to {token!r}: tokens must be non-empty, without whitespace or "
                         f"{SUBWORD_MARK!r} (pretokenize() escapes it)")
    return [char + SUBWORD_MARK for char in token[:-1]] + [token[-1]]


def merge_pair(symbols: list[str], pair: Pair) -> list[str]:
    """Replace every occurrence of ``pair`` in ``symbols`` (left to right, not overlapping) by the merged symbol."""
    left, right = pair
    merged = left[:-1] + right  # left always ends with the subword mark
    out: list[str] = []
    i, n = 0, len(symbols)
    while i < n:
        if i + 1 < n and symbols[i] == left and symbols[i + 1] == right:
            out.append(merged)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def _learn_merges(word_counts: Mapping[str, int], num_merges: int, min_count: int) -> list[Pair]:
    """The learning loop: pop the most frequent pair, rewrite the words that contain it, update the counts."""
    words = [initial_symbols(word) for word in word_counts]
    freqs = list(word_counts.values())
    pair_counts: Counter[Pair] = Counter()
    words_with: defaultdict[Pair, set[int]] = defaultdict(set)  # may list words that lost the pair since
    for index, (symbols, freq) in enumerate(zip(words, freqs)):
        for pair in zip(symbols, symbols[1:]):
            pair_counts[pair] += freq
            words_with[pair].add(index)
    heap = [(-count, pair) for pair, count in pair_counts.items()]
    heapq.heapify(heap)

    merges: list[Pair] = []
    while len(merges) < num_merges and heap:
        negative_count, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -negative_count:
            continue  # stale: the count changed after this entry was pushed
        if -negative_count < min_count:
            break
        merges.append(pair)
        changed = _merge_everywhere(pair, words, freqs, words_with.pop(pair), pair_counts, words_with)
        for changed_pair in changed:
            if changed_pair in pair_counts:
                heapq.heappush(heap, (-pair_counts[changed_pair], changed_pair))
    return merges


def _merge_everywhere(pair: Pair, words: list[list[str]], freqs: list[int], indices: set[int],
                      pair_counts: Counter[Pair], words_with: defaultdict[Pair, set[int]]) -> list[Pair]:
    """Apply one merge to the words at ``indices``; update pair counts and index; return the pairs that changed."""
    merged = pair[0][:-1] + pair[1]
    delta: Counter[Pair] = Counter()
    for index in indices:
        old = words[index]
        new = merge_pair(old, pair)
        if len(new) == len(old):
            continue  # this word lost the pair through an earlier merge
        freq = freqs[index]
        old_window, new_window = _changed_windows(old, new, merged)
        for old_pair in zip(old_window, old_window[1:]):
            delta[old_pair] -= freq
        for new_pair in zip(new_window, new_window[1:]):
            delta[new_pair] += freq
            words_with[new_pair].add(index)
        words[index] = new
    changed = [changed_pair for changed_pair, difference in delta.items() if difference]
    for changed_pair in changed:
        pair_counts[changed_pair] += delta[changed_pair]
        if pair_counts[changed_pair] <= 0:
            del pair_counts[changed_pair]
            words_with.pop(changed_pair, None)
    return changed


def _changed_windows(old: list[str], new: list[str], merged: str) -> tuple[list[str], list[str]]:
    """The stretches of ``old`` and ``new`` whose pairs a merge changed.

    Before the first ``merged`` symbol and after the last one the two words are identical, so only the pairs
    from one symbol before the first to one symbol after the last can differ (``X A B Y`` → ``X AB Y``: the
    windows are the whole words; in a long word they are a few symbols).
    """
    start = max(new.index(merged) - 1, 0)
    same_tail = new[::-1].index(merged)  # symbols after the last merged one, shared by old and new
    return old[start:len(old) - same_tail + 1], new[start:len(new) - same_tail + 1]


def _parse_merge(path: Path, number: int, line: str) -> Pair:
    fields = line.split(" ")
    if len(fields) != 2 or not all(fields):
        raise CorpusError(f"{path}:{number}: expected 'left right' (two symbols and one space), found {line!r}; "
                          "fix: the file was edited or truncated, save the pipeline again")
    return fields[0], fields[1]
