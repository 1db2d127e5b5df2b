"""A reversible pre-tokenizer: punctuation split from words, with joiner marks so the text can be rebuilt exactly.

Neural MT works on tokens, but BLEU and people read text. This module turns one into the other without loss,
in the style of OpenNMT's tokenizer ("aggressive" mode, joiner annotation):

    "Hello, world (again)!"  →  ["Hello", "￭,", "world", "(￭", "again", "￭)", "￭!"]

- A **word** is a maximal run of letters, digits and combining marks (``é`` written as ``e`` + U+0301 stays one
  word). Every other character (punctuation, symbols, ``_``) is a token of its own.
- Two tokens that were glued together in the text get the **joiner** ``￭`` (U+FFED) on the punctuation side of
  the glue: on the left of the right token if that one is punctuation (``world`` + ``￭!``), else on the right of
  the left token (``(￭`` + ``again``). Words stay unmarked, so ``world`` is the same token before a comma or a
  space — which is what byte-pair encoding and the vocabulary want.
- :func:`detokenize` joins tokens with one space, except across a joiner.

**Normalisation.** The round trip ``detokenize(pretokenize(text)) == normalize(text)`` holds for every string,
where :func:`normalize` is ``" ".join(text.split())``: every run of whitespace (Python's ``str.isspace``, which
includes tabs, newlines, no-break spaces and the Unicode line separators) becomes one ASCII space, and both ends
are stripped. Nothing else changes: no case folding, no Unicode normalisation.

**Reserved characters.** The joiner ``￭``, the subword mark ``＠`` (U+FF20, used by :mod:`tinyseqkd.data.bpe`)
and the escape ``␛`` (U+241B) never appear in a token except in their marking role: a text that contains them
has them escaped (``␛j``, ``␛s``, ``␛e``) into a single atomic token, and :func:`detokenize` puts them back.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

JOINER = "\uffed"  # ￭ glues a token to its neighbour (OpenNMT's joiner)
SUBWORD_MARK = "\uff20"  # ＠ ends a subword that continues into the next one (see bpe.py)
ESCAPE = "\u241b"  # ␛ starts the two-character escape of a reserved character found in the text

_ESCAPES = {ESCAPE: ESCAPE + "e", JOINER: ESCAPE + "j", SUBWORD_MARK: ESCAPE + "s"}
_UNESCAPES = {code: char for char, code in _ESCAPES.items()}
_RESERVED = re.compile("[" + "".join(_ESCAPES) + "]")
_ESCAPED = re.compile(re.escape(ESCAPE) + "[ejs]")


def _combining_mark_class() -> str:
    """A regex character class body with every combining mark (Unicode category M*) of planes 0, 1 and 14."""
    codepoints = [c for plane in (range(0x20000), range(0xE0000, 0xE1000)) for c in plane
                  if unicodedata.category(chr(c))[0] == "M"]
    ranges, start = [], codepoints[0]
    for previous, current in zip(codepoints, codepoints[1:] + [None]):
        if current != previous + 1:
            ranges.append(f"{chr(start)}-{chr(previous)}" if previous > start else chr(start))
            start = current
    return "".join(ranges)


# One piece of a space-free chunk: an escaped reserved character, a word run, or any other single character.
_PIECE = re.compile(
    rf"(?P<escape>{re.escape(ESCAPE)}[ejs])|(?P<word>(?:[^\W_]|[{_combining_mark_class()}])+)|(?P<other>.)",
    re.DOTALL,
)


def normalize(text: str) -> str:
    """Runs of whitespace → one space, ends stripped: the only change the round trip makes to a text."""
    return " ".join(text.split())


def pretokenize(text: str) -> list[str]:
    """Split ``text`` into words and punctuation, marking glued neighbours with :data:`JOINER`.

    ``detokenize(pretokenize(text)) == normalize(text)`` for every ``text``. The common case, a chunk between
    spaces that is a plain word (``str.isalnum``), takes a fast path with no regular expression; the other
    chunks (``world!``, ``(again)``) repeat a lot in a corpus, so their splits are cached.
    """
    tokens: list[str] = []
    for chunk in text.split():
        if chunk.isalnum():
            tokens.append(chunk)
        else:
            tokens.extend(_split_chunk(chunk))
    return tokens


def count_tokens(text: str) -> int:
    """``len(pretokenize(text))``, the length unit of ``--max-len`` and of corpus statistics."""
    return len(pretokenize(text))


def detokenize(tokens: Iterable[str]) -> str:
    """Join tokens with single spaces, except across a :data:`JOINER`; then restore escaped reserved characters.

    Works on any token sequence a model may produce (a stray joiner or escape is harmless).
    """
    parts: list[str] = []
    glue_next = True  # nothing before the first token
    for token in tokens:
        glue_left = token.startswith(JOINER)
        core = token[1:] if glue_left else token
        glue_right = core.endswith(JOINER)
        core = core[:-1] if glue_right else core
        if not core:  # a lone joiner (only a model makes one): glue its neighbours
            glue_next = True
            continue
        if not (glue_left or glue_next):
            parts.append(" ")
        parts.append(core)
        glue_next = glue_right
    return _unescape("".join(parts))


def _escape(chunk: str) -> str:
    """Replace each reserved character by its two-character escape (``￭`` → ``␛j``)."""
    if _RESERVED.search(chunk) is None:
        return chunk
    return _RESERVED.sub(lambda match: _ESCAPES[match.group()], chunk)


def _unescape(text: str) -> str:
    """Undo :func:`_escape`; an escape character not followed by a known code stays as it is."""
    if ESCAPE not in text:
        return text
    return _ESCAPED.sub(lambda match: _UNESCAPES[match.group()], text)


@functools.lru_cache(maxsize=1 << 16)
def _split_chunk(chunk: str) -> tuple[str, ...]:
    """Split a space-free chunk into pieces and put a joiner on the punctuation side of each glue."""
    matches = list(_PIECE.finditer(_escape(chunk)))
    pieces = [match.group() for match in matches]
    is_word = [match.lastgroup == "word" for match in matches]
    for i in range(1, len(pieces)):
        if not is_word[i]:
            pieces[i] = JOINER + pieces[i]  # "world" + "￭!"
        else:
            pieces[i - 1] = pieces[i - 1] + JOINER  # "(￭" + "again"; the left piece is never a word here
    return tuple(pieces)
