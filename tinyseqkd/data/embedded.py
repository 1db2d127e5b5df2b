"""Corpora shipped inside tinyseqkd, so that everything runs offline on real text.

``bible-es-en`` holds 30,867 Bible verses in Spanish (Reina-Valera 1909), each with two English translations:
the World English Bible (``web``, modern English) and the King James Version (``kjv``, archaic English). Every
verse thus has two valid translations in two styles, which makes the corpus a small, natural test of what
sequence-level distillation does with a multimodal target distribution (``english="mixed"``).

For example::

    splits = load_embedded("bible-es-en")              # Spanish → WEB; valid and test also hold the KJV
    splits["test"].src[0], splits["test"].refs[0][0], splits["test"].refs[1][0], splits["test"].ids[0]
    splits = load_embedded("bible-es-en", direction="en-es", english="kjv")   # KJV English → Spanish

The data file sits in ``tinyseqkd/data/corpora/`` beside ``bible-es-en.README``, which tells where every verse
comes from and how the three texts were cleaned, aligned and split (whole chapters, so no chapter is in two
splits). The build script that rebuilds it byte for byte is not part of the installed package: it is
``scripts/bible_es_en/build.py`` in a checkout of tinyseqkd.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from tinyseqkd.data.corpus import SPLITS, ParallelText
from tinyseqkd.errors import CorpusError

DIRECTIONS = ("es-en", "en-es")
ENGLISH_TEXTS = ("web", "kjv", "mixed")
COLUMNS = ("ref", "split", "es", "web", "kjv")  # the header of the shipped TSV
DATA_PACKAGE = "tinyseqkd.data.corpora"


@dataclass(frozen=True)
class EmbeddedCorpus:
    """What is known about an embedded corpus without reading it (``tinyseqkd data list`` prints this)."""

    name: str
    description: str
    languages: tuple[str, str]
    licence: str
    source: str  # the data file in tinyseqkd/data/corpora
    segments: dict[str, int]  # split → number of segments


EMBEDDED_CORPORA: dict[str, EmbeddedCorpus] = {
    "bible-es-en": EmbeddedCorpus(
        name="bible-es-en",
        description="Bible verses: Spanish (Reina-Valera 1909) with two English translations, the modern World "
                    "English Bible and the archaic King James Version; split by whole chapters",
        languages=("es", "en"),
        licence="public domain",
        source="bible-es-en.tsv.gz",
        segments={"train": 28_846, "valid": 1_005, "test": 1_016},
    ),
}


def load_embedded(name: str, *, direction: str = "es-en", english: str = "web", seed: int = 0,
                  splits=SPLITS) -> dict[str, ParallelText]:
    """The train / valid / test splits of an embedded corpus (those named in ``splits``).

    ``direction`` is ``"es-en"`` (Spanish source) or ``"en-es"`` (English source, ``refs = [spanish]``).
    ``english`` picks the English text: ``"web"``, ``"kjv"``, or ``"mixed"``, where each verse's English is
    drawn at random from the two (``numpy.random.default_rng(seed)``, one draw per verse in file order).

    For es→en, ``refs[0]`` is the chosen English, the training target; valid and test also carry the other
    English text as a second reference for multi-reference BLEU (with ``"mixed"``: the WEB first, then the KJV).
    ``ids`` are the verse references (``"Gen.1.1"``).
    """
    check_choice(name, EMBEDDED_CORPORA, "embedded corpus")
    check_choice(direction, DIRECTIONS, f"direction for {name}")
    check_choice(english, ENGLISH_TEXTS, f"English text (english=) for {name}")
    table = read_table(EMBEDDED_CORPORA[name].source)
    target = english_target(table, english, seed)
    return {split: split_text(table, split, target, direction, english)
            for split in SPLITS if split in splits}


def english_target(table: dict[str, tuple[str, ...]], english: str, seed: int) -> list[str]:
    """The English text of every verse (file order) as ``english`` picks it."""
    if english != "mixed":
        return list(table[english])
    use_kjv = np.random.default_rng(seed).integers(0, 2, size=len(table["ref"]), dtype=np.int8)
    return [kjv if pick else web for web, kjv, pick in zip(table["web"], table["kjv"], use_kjv.tolist())]


def split_text(table: dict[str, tuple[str, ...]], split: str, target: list[str], direction: str,
               english: str) -> ParallelText:
    """One split as a ParallelText, in the direction asked for."""
    rows = [i for i, name in enumerate(table["split"]) if name == split]

    def column(values) -> list[str]:
        return [values[i] for i in rows]

    spanish, chosen, ids = column(table["es"]), column(target), column(table["ref"])
    if direction == "en-es":
        return ParallelText(chosen, [spanish], ids)
    if split == "train":
        return ParallelText(spanish, [chosen], ids)
    first, second = ("kjv", "web") if english == "kjv" else ("web", "kjv")  # for evaluation: both English texts
    return ParallelText(spanish, [column(table[first]), column(table[second])], ids)


@lru_cache(maxsize=None)
def read_table(source: str) -> dict[str, tuple[str, ...]]:
    """A shipped TSV as column → values (in file order); read once per process."""
    try:
        packed = resources.files(DATA_PACKAGE).joinpath(source).read_bytes()
    except FileNotFoundError:
        raise CorpusError(f"{source}: missing from the installed tinyseqkd; fix: reinstall it, or rebuild the "
                          "file with scripts/bible_es_en/build.py from a checkout") from None
    header, body = gzip.decompress(packed).decode("utf-8").split("\n", 1)
    if tuple(header.split("\t")) != COLUMNS:
        raise CorpusError(f"{source}: line 1 is {header!r}, expected the columns {' '.join(COLUMNS)}")
    # One split of the whole text, not one per line (3x faster): row r's fields are fields[5r:5r+5].
    fields = body.replace("\n", "\t").split("\t")[:-1]
    table = {column: tuple(fields[k::len(COLUMNS)]) for k, column in enumerate(COLUMNS)}
    if len(fields) % len(COLUMNS) or not set(table["split"]) <= set(SPLITS):
        raise CorpusError(f"{source}: line {first_malformed_line(body)} is not {' TAB '.join(COLUMNS)} with a "
                          f"split among {', '.join(SPLITS)}; fix: reinstall tinyseqkd")
    return table


def first_malformed_line(body: str) -> int:
    """The number of the first line (the header is line 1) that is not five fields with a known split."""
    for number, line in enumerate(body.splitlines(), start=2):
        fields = line.split("\t")
        if len(fields) != len(COLUMNS) or fields[1] not in SPLITS:
            return number
    return len(body.splitlines()) + 1


def check_choice(value: str, choices, what: str) -> None:
    """Raise a CorpusError naming the valid choices unless ``value`` is one of them."""
    if value not in choices:
        raise CorpusError(f"unknown {what}: {value!r}; choose one of: {', '.join(choices)}")
