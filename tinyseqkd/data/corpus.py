"""What a corpus is inside tinyseqkd: splits of aligned sentences (:class:`ParallelText`) in a :class:`Corpus`.

Every kind of corpus — synthetic, embedded or the user's files — arrives in this one shape, and obeys the rules
kept here: the split names, the translation direction, and the length filter of training pairs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tinyseqkd.data.tokenize import count_tokens
from tinyseqkd.errors import ConfigError, CorpusError

SPLITS = ("train", "valid", "test")
_DIRECTION = re.compile(r"(?P<src>[A-Za-z][\w]*)-(?P<tgt>[A-Za-z][\w]*)")


@dataclass(frozen=True)
class ParallelText:
    """One split (train / valid / test) of a parallel corpus, as plain (detokenized) text.

    ``refs[k][i]`` is the k-th reference translation of ``src[i]``. ``refs[0]`` is the training target; further
    references (for example the King James Version beside the World English Bible) are used for multi-reference
    BLEU. ``ids`` names each segment where the corpus has names (``"Gen.1.1"``), else it is empty.
    """

    src: list[str]
    refs: list[list[str]]
    ids: list[str] = field(default_factory=list)

    def __post_init__(self):
        if not self.refs:
            raise ValueError("a ParallelText needs at least one reference")
        for k, ref in enumerate(self.refs):
            if len(ref) != len(self.src):
                raise ValueError(f"reference {k} has {len(ref)} segments, the source has {len(self.src)}")
        if self.ids and len(self.ids) != len(self.src):
            raise ValueError(f"{len(self.ids)} ids for {len(self.src)} segments")

    @property
    def tgt(self) -> list[str]:
        """The training target: the first reference."""
        return self.refs[0]

    def __len__(self) -> int:
        return len(self.src)

    def select(self, keep) -> ParallelText:
        """The segments at the indices ``keep`` (sources, every reference, and ids)."""
        keep = list(keep)
        if keep == list(range(len(self))):
            return self
        return ParallelText([self.src[i] for i in keep], [[ref[i] for i in keep] for ref in self.refs],
                            [self.ids[i] for i in keep] if self.ids else [])


@dataclass(frozen=True)
class Corpus:
    """A loaded corpus: its splits as :class:`ParallelText` and what loading dropped, as printable lines."""

    name: str
    src_lang: str
    tgt_lang: str
    splits: dict[str, ParallelText]
    report: list[str] = field(default_factory=list)


def parse_direction(direction: str) -> tuple[str, str]:
    """``"es-en"`` → ``("es", "en")``; anything else is a ConfigError."""
    match = _DIRECTION.fullmatch(direction)
    if match is None:
        raise ConfigError(f"--direction {direction!r} is not SRC-TGT; fix: write it like es-en")
    return match["src"], match["tgt"]


def resolve_languages(spec, languages, src_lang, tgt_lang) -> tuple[str, str]:
    """Source and target language among ``languages``: given, inferred from the other one, or read from the path
    (``iwslt14.de-en/``)."""
    if not (src_lang and tgt_lang) and len(languages) == 2:
        if src_lang in languages:
            tgt_lang = next(lang for lang in languages if lang != src_lang)
        elif tgt_lang in languages:
            src_lang = next(lang for lang in languages if lang != tgt_lang)
        elif not (src_lang or tgt_lang):
            for a, b in (languages, languages[::-1]):
                if re.search(rf"(?<![A-Za-z]){a}[-_]{b}(?![A-Za-z])", str(Path(spec).resolve())):
                    src_lang, tgt_lang = a, b
    for role, lang in (("source", src_lang), ("target", tgt_lang)):
        if lang not in languages:
            raise CorpusError(f"{spec}: cannot tell the {role} language (files exist for {', '.join(languages)}, "
                              f"given {lang!r}); fix: pass --src-lang and --tgt-lang (or --direction SRC-TGT)")
    return src_lang, tgt_lang


def check_split_names(splits) -> None:
    """Raise a ConfigError unless every name in ``splits`` is one of :data:`SPLITS`."""
    for split in splits or ():
        if split not in SPLITS:
            raise ConfigError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")


def filter_long(text: ParallelText, max_len: int, report: list[str]) -> ParallelText:
    """Drop pairs whose source or training target has more than ``max_len`` pre-tokenized words (and say so)."""
    keep = [i for i, (src, tgt) in enumerate(zip(text.src, text.tgt))
            if count_tokens(src) <= max_len and count_tokens(tgt) <= max_len]
    report.append(f"train: dropped {pairs(len(text) - len(keep))} of {len(text)} longer than {max_len} words "
                  "(--max-len)")
    return text.select(keep)


def pairs(n: int) -> str:
    """``"1 pair"``, ``"2,500 pairs"``."""
    return f"{n:,} pair" + ("" if n == 1 else "s")
