"""Build the embedded corpus ``bible-es-en``: 31k Bible verses in Spanish, each with two English translations.

Run from a checkout of tinyseqkd (by default it rewrites the shipped files beside this script)::

    python -m tinyseqkd.data.corpora.build_bible_es_en [--out DIR] [--debs DIR]

``--debs DIR`` keeps the downloaded Debian packages in DIR (and reuses them on the next run); without it they
go to a temporary directory. Nothing but the two output files is written to ``--out``.

**Sources.** Three public-domain Bibles as Debian packages them: SWORD modules in the zText format with OSIS
markup (each module's ``mods.d/*.conf`` says so, and the builder checks it).

====  ===================  ================  =======  ==============  =============
text  translation          Debian package    version  SWORD module    versification
====  ===================  ================  =======  ==============  =============
es    Reina-Valera 1909    sword-text-sparv  2.60-1   spaRV1909eb     KJV
web   World English Bible  sword-text-web    426.0-1  engWEB2015eb    NRSVA
kjv   King James Version   sword-text-kjv    14.3-1   engKJV2006eb    KJV
====  ===================  ================  =======  ==============  =============

**Steps.**

1. ``apt-get download PACKAGE=VERSION`` fetches the packages (unless ``--debs`` already holds them); their sha256
   must be the pinned ones; ``dpkg -x`` unpacks them into a temporary directory.
2. Each module is read directly (:func:`read_ztext`): ``ot.bzs`` locates the zlib-compressed blocks of
   ``ot.bzz``, and ``ot.bzv`` gives, for every entry of the versification in order (a header for the module, the
   testament, each book and each chapter, then the chapter's verses), its block, offset and length.
3. The OSIS markup of each verse is cleaned (:func:`clean_osis`): footnotes, cross-references, speaker labels
   (Song of Songs) and headings are dropped with their content, but canonical psalm titles are kept, being verse
   text (the Spanish has them inside verse 1 too); other tags are removed, those of lines, paragraphs and lists
   leaving a space; entities are decoded; the KJV's paragraph signs ``¶`` and stray USFM markers (``\\nd``) are
   removed; whitespace is normalised. Two kinds of tag sit between words with no space around them: where a
   footnote is removed, a space is left unless punctuation follows (``God`` + note + ``created`` →
   ``God created``); and the words that the RV1909 marks as added (``<transChange>``) are set off by spaces,
   except an added enclitic pronoun, which joins its verb (``díjo`` + ``le`` → ``díjole``). Two habits of the
   RV1909 are undone (:func:`tidy_spanish`): the subscriptions it appends to Paul's letters (``Escrita de Roma
   á los Efesios por Tichîco.``) are cut, as the KJV module has them as headings; and the words in capitals
   that open each chapter (``EN el principio``) get their usual spelling (``En el principio``).
4. Verses are aligned by reference (``Gen.1.1``), in the order of the Spanish module (KJV versification). A verse
   is dropped when it is missing or empty in any of the three texts, or when one module has another verse's
   text under its number (:data:`MISNUMBERED`: the Spanish module follows the Hebrew numbering in a few
   chapters, and the WEB moves a doxology); the README lists the dropped verses.
5. Whole chapters go to one split. Chapters are sorted by the sha256 of ``"bible-es-en:" + chapter`` (``"Gen.1"``)
   and taken in that order into *test* until it holds at least 1,000 verses, then into *valid* likewise; all
   other chapters are *train*. The rule depends on the chapter names alone, so no library or seed can move it.
6. ``bible-es-en.tsv.gz`` is UTF-8 text: a header line ``ref split es web kjv``, then one tab-separated line per
   verse in canonical order (no field holds a tab or a newline), gzip-compressed at level 9 with no file name
   and ``mtime=0``. ``bible-es-en.README`` records provenance, counts and the sha256 of the uncompressed TSV.

**Needed only to rebuild** (the installed package never imports this script): Debian's ``apt-get`` and ``dpkg``,
and ``pysword==0.2.8`` from PyPI (``pip install pysword==0.2.8``), whose tables give each versification's books
and verses per chapter. The same packages always give the same TSV; the gzip bytes depend on zlib too.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import importlib.metadata
import re
import struct
import subprocess
import tempfile
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

CORPUS = "bible-es-en"
TSV_NAME = f"{CORPUS}.tsv.gz"
README_NAME = f"{CORPUS}.README"
COLUMNS = ("ref", "split", "es", "web", "kjv")
SPLIT_MIN_VERSES = 1000  # test and valid each take whole chapters until they hold at least this many verses
PYSWORD_VERSION = "0.2.8"
REBUILD_COMMAND = "python -m tinyseqkd.data.corpora.build_bible_es_en"


@dataclass(frozen=True)
class Source:
    """One Bible: its column in the TSV, the pinned Debian package holding it and the SWORD module inside."""

    column: str
    title: str
    package: str
    version: str
    deb_sha256: str
    module: str

    @property
    def deb_name(self) -> str:
        return f"{self.package}_{self.version}_all.deb"


SOURCES = (
    Source("es", "Reina-Valera 1909", "sword-text-sparv", "2.60-1",
           "5c87f9b2bc97457e8a872f5bae7ea7ce59cb3de1dcee73e4d4740451863694cf", "spaRV1909eb"),
    Source("web", "World English Bible", "sword-text-web", "426.0-1",
           "930b23670b352f0829a306501de4bebb5e654a2df02cde2cbe86b802177868e1", "engWEB2015eb"),
    Source("kjv", "King James Version", "sword-text-kjv", "14.3-1",
           "9f463f28ce665f6f528fc723179722bced880a4c5485f7a41bf742838315de57", "engKJV2006eb"),
)

# What a module's conf must say for read_ztext to read it.
EXPECTED_CONF = {"ModDrv": "zText", "SourceType": "OSIS", "CompressType": "ZIP", "BlockType": "BOOK",
                 "Encoding": "UTF-8"}


# -- 1. the Debian packages --------------------------------------------------------------------------------------
def fetch_debs(debs: Path) -> None:
    """Put the pinned ``.deb`` files into ``debs`` (``apt-get download`` the missing ones) and check their sha256."""
    debs.mkdir(parents=True, exist_ok=True)
    missing = [source for source in SOURCES if not (debs / source.deb_name).exists()]
    if missing:
        run(["apt-get", "download", *(f"{source.package}={source.version}" for source in missing)], cwd=debs)
    for source in SOURCES:
        digest = hashlib.sha256((debs / source.deb_name).read_bytes()).hexdigest()
        if digest != source.deb_sha256:
            raise SystemExit(f"{debs / source.deb_name}: sha256 {digest}, expected {source.deb_sha256}")


def unpack_debs(debs: Path, root: Path) -> Path:
    """``dpkg -x`` every package into ``root``; returns the SWORD library directory (``usr/share/sword``)."""
    for source in SOURCES:
        run(["dpkg", "-x", str(debs / source.deb_name), str(root)])
    return root / "usr" / "share" / "sword"


def run(command: list[str], cwd: Path | None = None) -> None:
    """Run a command; if it fails, stop with its own error output."""
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise SystemExit(f"{command[0]} not found: rebuilding needs Debian's apt-get and dpkg") from None
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.strip()}")


# -- 2. reading a zText module -----------------------------------------------------------------------------------
def read_conf(path: Path) -> dict[str, str]:
    """A module's ``mods.d/*.conf`` as key → value (for a repeated key, its first value)."""
    conf: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, equals, value = line.partition("=")
        if equals and not line.startswith("#"):
            conf.setdefault(key.strip(), value.strip())
    return conf


def check_conf(conf: dict[str, str], path: Path) -> None:
    """Stop unless the module is stored the way :func:`read_ztext` reads."""
    for key, expected in EXPECTED_CONF.items():
        if conf.get(key) != expected:
            raise SystemExit(f"{path}: {key}={conf.get(key)}, but this builder reads only {key}={expected}")


def versification(name: str) -> dict[str, list[tuple[str, list[int]]]]:
    """A SWORD versification (``KJV``, ``NRSVA``): testament → [(book, verses in each chapter), ...], in order."""
    try:
        found = importlib.metadata.version("pysword")
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(f"rebuilding needs pysword: pip install pysword=={PYSWORD_VERSION}") from None
    if found != PYSWORD_VERSION:
        raise SystemExit(f"pysword {found} is installed, the build is pinned to {PYSWORD_VERSION}")
    from pysword.canons import canons

    canon = canons[name.lower()]
    return {testament: [(book[1], book[3]) for book in canon[testament]] for testament in ("ot", "nt")}


def read_ztext(data_dir: Path, books_by_testament: dict[str, list[tuple[str, list[int]]]]) -> dict[str, str]:
    """Every verse of a zText module, as reference (``Gen.1.1``) → OSIS markup, in canonical order."""
    verses = {}
    for testament, books in books_by_testament.items():
        blocks = read_blocks(data_dir / f"{testament}.bzs", data_dir / f"{testament}.bzz")
        entries = list(struct.iter_unpack("<IIH", (data_dir / f"{testament}.bzv").read_bytes()))
        refs = list(index_refs(books))
        if len(entries) != len(refs):
            raise SystemExit(f"{data_dir}/{testament}.bzv has {len(entries)} entries, its versification {len(refs)}")
        for ref, (block, start, size) in zip(refs, entries):
            if ref is not None:
                verses[ref] = blocks[block][start:start + size].decode("utf-8") if size else ""
    return verses


def read_blocks(index_path: Path, text_path: Path) -> list[bytes]:
    """The decompressed blocks of a ``.bzz`` file, located by the (offset, size, uncompressed size) of ``.bzs``."""
    text = text_path.read_bytes()
    return [zlib.decompress(text[offset:offset + size])
            for offset, size, _ in struct.iter_unpack("<III", index_path.read_bytes())]


def index_refs(books: list[tuple[str, list[int]]]):
    """The reference of each entry of a testament's verse index, or ``None`` for the entries that hold the
    introductions and titles of the module, the testament, a book or a chapter."""
    yield None  # the module
    yield None  # the testament
    for book, chapter_sizes in books:
        yield None  # the book
        for chapter, size in enumerate(chapter_sizes, start=1):
            yield None  # the chapter
            for verse in range(1, size + 1):
                yield f"{book}.{chapter}.{verse}"


# -- 3. cleaning OSIS markup -------------------------------------------------------------------------------------
NOTE_MARK = "\x00"  # where a footnote was removed
ADDED_MARK = "\x01"  # where words marked as added by the translator begin or end

# What each element's tags leave in the text. An element not listed stops the build, so that a new release of a
# module cannot slip markup through unnoticed.
TAG_LEAVES = {
    # inline: words, added words, quotations, the divine name, ...: the tags vanish
    "w": "", "q": "", "divineName": "", "seg": "", "foreign": "", "name": "", "rdg": "", "catchWord": "",
    "reference": "", "transChange": ADDED_MARK,
    # structure: lines, line groups, paragraphs, lists, chapters, books, milestones, kept titles: a space
    "l": " ", "lg": " ", "lb": " ", "div": " ", "p": " ", "list": " ", "item": " ", "chapter": " ",
    "milestone": " ", "title": " ",
}
OSIS_TAG_OR_TEXT = re.compile(r"<(?P<end>/?)(?P<name>[A-Za-z]+)(?P<attributes>[^>]*?)(?P<empty>/?)>|[^<]+")
ENCLITIC = re.compile(r"(\w+)\x01(lo|la|los|las|le|les|me|te|se|nos|os)\x01")
# The words after which an added pronoun is a word of its own ("no lo hizo"), found by reading all 117 added
# pronouns of RV1909 2.60 that follow a word directly: 12 follow these words, the other 105 end a verb ("díjole").
NOT_VERBS = {"no", "que", "y", "como", "cuánto", "os", "ellos", "gentes", "jehová", "dios", "josué"}
USFM_MARKER = re.compile(r"\\[a-z]+\*?")  # a leftover in the KJV: "by my name \nd JEHOVAH"
NOTE_BEFORE_PUNCTUATION = re.compile(r"\s*\x00[\x00\s]*(?=[.,;:!?)\]”’])")  # "coins <note/> ?" → "coins?"


def clean_osis(markup: str) -> str:
    """The plain text of one verse of OSIS markup (the rules are in the module's docstring)."""
    text = html.unescape(strip_tags(markup)).replace("¶", "")
    text = USFM_MARKER.sub("", text)
    text = join_added_words(text)
    text = NOTE_BEFORE_PUNCTUATION.sub("", text).replace(NOTE_MARK, " ")
    return " ".join(text.split())


def strip_tags(markup: str) -> str:
    """The text of the markup with the tags replaced as :data:`TAG_LEAVES` says, notes and non-canonical
    titles and speaker labels dropped with their content, and nothing after the end of a book."""
    pieces = []
    dropping = None  # the element being dropped, until its end tag
    for match in OSIS_TAG_OR_TEXT.finditer(markup):
        name = match["name"]
        if dropping:
            if match["end"] and name == dropping:
                dropping = None
        elif name is None:
            pieces.append(match[0])
        elif is_dropped(name, match["attributes"]) and not match["end"]:
            dropping = None if match["empty"] else name
            pieces.append(NOTE_MARK if name == "note" else " ")
        elif is_end_of_book(name, match["attributes"]):
            break  # the WEB appends its glossary to the last verse of Revelation
        elif name in TAG_LEAVES:
            pieces.append(TAG_LEAVES[name])
        else:
            raise SystemExit(f"unknown OSIS element <{name}> in {markup!r}")
    return "".join(pieces)


def is_dropped(name: str, attributes: str) -> bool:
    """Footnotes and cross-references, speaker labels, and titles other than canonical (psalm) titles."""
    return name in ("note", "speaker") or (name == "title" and 'canonical="true"' not in attributes)


def is_end_of_book(name: str, attributes: str) -> bool:
    return name == "div" and 'type="book"' in attributes and "eID=" in attributes


def join_added_words(text: str) -> str:
    """Resolve :data:`ADDED_MARK`: an added enclitic pronoun joins its verb, other added words between two
    letters are set off by a space, and elsewhere the mark just goes."""
    text = ENCLITIC.sub(attach_pronoun, text)
    text = re.sub(r"(?<=\w)\x01+(?=\w)", " ", text)
    return text.replace(ADDED_MARK, "")


def attach_pronoun(match: re.Match) -> str:
    word, pronoun = match.groups()
    if word.lower() in NOT_VERBS:
        return match[0]
    return word + pronoun + ADDED_MARK


# -- 3b. two habits of the RV1909 --------------------------------------------------------------------------------
SUBSCRIPTION = re.compile(r"(?<=Amén\.) .+")
WORD = re.compile(r"\w+")


def tidy_spanish(verses: dict[str, str]) -> None:
    """Undo two habits of the RV1909 text that its translations do not share (in place)."""
    cut_subscriptions(verses)
    usual = usual_casing(verses.values())
    for ref, text in verses.items():
        if ref.endswith(".1"):
            verses[ref] = recase_chapter_opening(text, usual)


def cut_subscriptions(verses: dict[str, str]) -> None:
    """Remove the subscription that the RV1909 appends to the last verse of Paul's letters and Hebrews, after
    the final "Amén." ("Escrita de Roma á los Efesios por Tichîco."): the KJV module marks it as a heading."""
    last_verse_of_book = {ref.split(".")[0]: ref for ref in verses}
    for ref in last_verse_of_book.values():
        verses[ref] = SUBSCRIPTION.sub("", verses[ref])


def usual_casing(texts) -> dict[str, str]:
    """Lower-cased word → its most frequent spelling in ``texts``, words in capitals left out (``"jehová"`` →
    ``"Jehová"``, ``"después"`` → ``"después"``)."""
    counts = Counter(word for text in texts for word in WORD.findall(text) if not is_capitals(word))
    usual: dict[str, str] = {}
    for word, _ in counts.most_common():
        usual.setdefault(word.lower(), word)
    return usual


def is_capitals(word: str) -> bool:
    return len(word) > 1 and word.isupper()


def recase_chapter_opening(text: str, usual: dict[str, str]) -> str:
    """The RV1909 prints a chapter's first words in capitals, after the title in the Psalms ("Salmo de David.
    A TI, oh Jehová"): give the first run of capitalised words (with the one-letter words just before it)
    their usual spelling, the first of them with a capital ("A ti, oh Jehová", "Y después movió")."""
    words = list(WORD.finditer(text))
    start = next((i for i, word in enumerate(words) if is_capitals(word[0])), None)
    if start is None:
        return text
    while start > 0 and len(words[start - 1][0]) == 1 and words[start - 1][0].isupper():
        start -= 1
    end = start
    while end < len(words) and words[end][0].isupper():
        end += 1
    pieces, done = [], words[start].start()
    for word in words[start:end]:
        spelling = usual.get(word[0].lower(), word[0].lower())
        pieces += [text[done:word.start()], spelling]
        done = word.end()
    opening = "".join(pieces)
    return text[:words[start].start()] + opening[0].upper() + opening[1:] + text[done:]


# -- 4. alignment ------------------------------------------------------------------------------------------------
# Verses whose text sits, in one module, under another verse's number: there the module follows another
# numbering, merges two verses, or moves a sentence to the neighbouring verse. Found by comparing each Spanish
# verse's length and proper names with its KJV neighbours' (and the WEB's with the KJV's), and checked by eye;
# each range (in KJV numbering, ends included) is dropped.
MISNUMBERED = {
    "es": (
        # the Spanish (Hebrew) numbering, shifted by one or more verses from the KJV's across a chapter
        "Num.12.16-Num.13.33", "Num.29.40-Num.30.16", "1Sam.23.29-1Sam.24.22", "1Kgs.22.43-1Kgs.22.53",
        "1Chr.21.15-1Chr.21.30", "2Chr.33.10-2Chr.33.25", "Job.38.39-Job.40.24", "Hos.11.12-Hos.12.14",
        "Jonah.1.17-Jonah.2.10",
        # two verses merged into one, or a sentence under the neighbouring verse's number
        "Judg.14.18-Judg.14.20", "1Sam.15.24-1Sam.15.25", "2Sam.2.31-2Sam.2.32", "2Sam.20.25-2Sam.20.26",
        "1Kgs.16.29-1Kgs.16.30", "1Kgs.18.33-1Kgs.18.34", "1Chr.1.30-1Chr.1.32", "1Chr.2.34-1Chr.2.35",
        "Job.35.15-Job.35.16", "Ps.137.3-Ps.137.4", "Acts.19.40-Acts.19.41", "2Cor.13.12-2Cor.13.14",
    ),
    "web": ("Rom.14.23-Rom.14.23",),  # ends with the doxology that the KJV has as Rom.16.25-27
}


def misnumbered_refs(order: list[str]) -> dict[str, set[str]]:
    """Column → the references that :data:`MISNUMBERED` names, its ranges read in the canonical ``order``."""
    position = {ref: index for index, ref in enumerate(order)}
    refs: dict[str, set[str]] = {}
    for column, ranges in MISNUMBERED.items():
        refs[column] = set()
        for span in ranges:
            first, last = span.split("-")
            refs[column].update(order[position[first]:position[last] + 1])
    return refs


def align(texts: dict[str, dict[str, str]]) -> tuple[list[tuple[str, ...]], dict[str, str]]:
    """``[(ref, es, web, kjv), ...]`` for the verses present, non-empty and well numbered in all texts, in the
    Spanish text's order, and the dropped references with the reason (``"empty in web"``)."""
    columns = [source.column for source in SOURCES]
    misnumbered = misnumbered_refs(list(texts["es"]))
    verses, dropped = [], {}
    for ref in texts["es"]:
        problems = [problem for column in columns
                    if (problem := problem_with(ref, texts[column], misnumbered.get(column, set()), column))]
        if problems:
            dropped[ref] = ", ".join(problems)
        else:
            verses.append((ref, *(texts[column][ref] for column in columns)))
    return verses, dropped


def problem_with(ref: str, verses: dict[str, str], misnumbered: set[str], column: str) -> str | None:
    """Why one text's verse cannot be used (``"missing in web"``), or None if it can."""
    if ref not in verses:
        return f"missing in {column}"
    if not verses[ref]:
        return f"empty in {column}"
    if ref in misnumbered:
        return f"misnumbered in {column}"
    return None


# -- 5. splits ---------------------------------------------------------------------------------------------------
def chapter_of(ref: str) -> str:
    """``"Gen.1.1"`` → ``"Gen.1"``."""
    return ref.rsplit(".", 1)[0]


def assign_splits(refs: list[str]) -> dict[str, str]:
    """Chapter → split: chapters in the order of their hash fill test, then valid, to SPLIT_MIN_VERSES each."""
    verses_in = Counter(chapter_of(ref) for ref in refs)
    by_hash = sorted(verses_in, key=lambda chapter: hashlib.sha256(f"{CORPUS}:{chapter}".encode()).hexdigest())
    filled = {"test": 0, "valid": 0}
    split_of = {}
    for chapter in by_hash:
        split = next((split for split, count in filled.items() if count < SPLIT_MIN_VERSES), "train")
        if split != "train":
            filled[split] += verses_in[chapter]
        split_of[chapter] = split
    return split_of


# -- 6. output ---------------------------------------------------------------------------------------------------
def tsv_bytes(rows: list[tuple[str, ...]]) -> bytes:
    """The TSV file: the header and one line per row; fails if a field holds a tab or a line break."""
    for row in rows:
        if any(field != " ".join(field.split()) or not field for field in row):
            raise SystemExit(f"{row[0]}: a field is empty or holds a tab, a line break or other odd whitespace")
    lines = ["\t".join(COLUMNS), *("\t".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_gzip(path: Path, data: bytes) -> None:
    """Compress reproducibly: level 9, no file name and time 0 in the header."""
    with path.open("wb") as file, gzip.GzipFile(filename="", mode="wb", fileobj=file, compresslevel=9,
                                                 mtime=0) as compressed:
        compressed.write(data)


def as_ranges(refs: list[str], order: list[str]) -> str:
    """References as runs of neighbours in ``order``: ``"Acts.8.37, Job.38.39-Job.40.24"``."""
    position = {ref: index for index, ref in enumerate(order)}
    runs: list[list[str]] = []
    for ref in refs:
        if runs and position[ref] == position[runs[-1][-1]] + 1:
            runs[-1].append(ref)
        else:
            runs.append([ref])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)


def readme_text(confs: dict[str, dict[str, str]], rows, dropped: dict[str, str], order: list[str],
                unused_web: list[str], tsv_sha256: str) -> str:
    """The provenance file shipped beside the corpus."""
    counts = Counter(row[1] for row in rows)
    chapters = {split: len({chapter_of(row[0]) for row in rows if row[1] == split}) for split in counts}
    sources = "\n".join(
        f"- {source.column}: {source.title} — Debian package {source.package} {source.version} "
        f"(sha256 {source.deb_sha256}), SWORD module {source.module} version {confs[source.column]['Version']} "
        f"of {confs[source.column]['SwordVersionDate']}, versification {confs[source.column]['Versification']}, "
        f"licence: {confs[source.column]['DistributionLicense']}."
        for source in SOURCES)
    splits = "\n".join(f"- {split}: {counts[split]:,} verses in {chapters[split]:,} chapters"
                       for split in ("train", "valid", "test"))
    reasons = Counter(dropped.values())
    dropped_lines = "\n".join(
        f"- {reason} ({count}): {as_ranges([ref for ref, why in dropped.items() if why == reason], order)}"
        for reason, count in sorted(reasons.items()))
    unused_books = ", ".join(dict.fromkeys(ref.split(".")[0] for ref in unused_web))
    return f"""\
bible-es-en: Spanish → English Bible verses, with two English references
========================================================================

{len(rows):,} verses, each in Spanish (Reina-Valera 1909) and in two English translations: the World English
Bible (modern English; the training target by default) and the King James Version (archaic English; a second
reference, or the target with english="kjv").

File: bible-es-en.tsv.gz, UTF-8, gzip. A header line, then one tab-separated line per verse in canonical order:
ref (OSIS reference, e.g. Gen.1.1), split (train / valid / test), es, web, kjv. Fields hold no tab or line break.
sha256 of the uncompressed TSV: {tsv_sha256}

Sources
-------
All three texts are in the public domain. "World English Bible" is a trademark of eBible.org; this corpus keeps
its verse text unchanged and only removes footnotes, headings and markup.

{sources}

Cleaning
--------
Footnotes, cross-references, speaker labels and headings are dropped; canonical psalm titles are kept (they are
verse text, and the Spanish has them in verse 1 too); all other markup is removed, leaving a space where a
line, paragraph or footnote separated words; the KJV's paragraph signs (¶) and stray USFM markers (\\nd) are
removed; the subscriptions that the RV1909 appends to Paul's letters and Hebrews are cut (the KJV module has
them as headings), and the capitals that open its chapters are given their usual spelling ("EN el principio" →
"En el principio"); whitespace is normalised.

Verses are aligned by reference. {len(dropped)} verses are dropped, because they are missing or empty in one of
the texts, or because one module has there the text of a neighbouring verse (the Spanish module follows the
Hebrew numbering in a few chapters and merges a few pairs of verses; the WEB's Rom.14.23 holds Rom.16.25-27):
{dropped_lines}
Verse boundaries can still differ by a clause here and there, as between any two translations.

Not used: {len(unused_web):,} verses of the WEB outside the KJV versification, in {unused_books}.

Splits
------
Whole chapters: chapters sorted by sha256("bible-es-en:" + chapter, e.g. "Gen.1") fill test, then valid,
until each holds at least {SPLIT_MIN_VERSES:,} verses; all other chapters are train. No chapter is in two splits.

{splits}

Rebuild
-------
From the root of a checkout of tinyseqkd, on Debian (apt-get and dpkg) with pysword {PYSWORD_VERSION}:

    pip install pysword=={PYSWORD_VERSION}
    {REBUILD_COMMAND}

It rewrites this README and bible-es-en.tsv.gz beside build_bible_es_en.py (--out DIR writes elsewhere).
"""


# -- the command -------------------------------------------------------------------------------------------------
def read_bibles(sword: Path) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Column → {ref: clean verse text} for the three Bibles, and column → module conf."""
    texts, confs = {}, {}
    for source in SOURCES:
        conf_path = sword / "mods.d" / f"{source.module}.conf"
        conf = read_conf(conf_path)
        check_conf(conf, conf_path)
        markup = read_ztext(sword / conf["DataPath"], versification(conf["Versification"]))
        texts[source.column] = {ref: clean_osis(verse) for ref, verse in markup.items()}
        confs[source.column] = conf
    tidy_spanish(texts["es"])
    return texts, confs


def build(out: Path, debs: Path | None) -> None:
    """Fetch, read, clean, align, split and write the corpus into ``out``."""
    with tempfile.TemporaryDirectory(prefix=f"{CORPUS}-") as temporary:
        debs = debs or Path(temporary) / "debs"
        fetch_debs(debs)
        texts, confs = read_bibles(unpack_debs(debs, Path(temporary) / "root"))
    verses, dropped = align(texts)
    split_of = assign_splits([ref for ref, *_ in verses])
    rows = [(ref, split_of[chapter_of(ref)], *translations) for ref, *translations in verses]
    unused_web = [ref for ref, text in texts["web"].items() if text and ref not in texts["es"]]
    tsv = tsv_bytes(rows)
    sha256 = hashlib.sha256(tsv).hexdigest()
    out.mkdir(parents=True, exist_ok=True)
    write_gzip(out / TSV_NAME, tsv)
    readme = readme_text(confs, rows, dropped, list(texts["es"]), unused_web, sha256)
    (out / README_NAME).write_text(readme, encoding="utf-8")
    counts = Counter(row[1] for row in rows)
    print(f"{out / TSV_NAME}: {len(rows):,} verses (train {counts['train']:,}, valid {counts['valid']:,}, "
          f"test {counts['test']:,}); {len(dropped)} dropped; sha256 of the TSV {sha256}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinyseqkd.data.corpora.build_bible_es_en",
                                     description="Rebuild the embedded Spanish-English Bible corpus.")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="where to write bible-es-en.tsv.gz and its README (default: beside this script)")
    parser.add_argument("--debs", type=Path, default=None,
                        help="directory for the Debian packages, reused if they are there (default: temporary)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    build(args.out, args.debs)
    print(f"built in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
