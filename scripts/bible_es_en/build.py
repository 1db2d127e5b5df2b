"""Build the embedded corpus ``bible-es-en``: 31k Bible verses in Spanish, each with two English translations.

Run from a checkout of tinyseqkd (by default it rewrites the shipped files in ``tinyseqkd/data/corpora/``)::

    python scripts/bible_es_en/build.py [--out DIR] [--debs DIR]

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
2. Each module is read directly (``sword.py``): ``ot.bzs`` locates the zlib-compressed blocks of
   ``ot.bzz``, and ``ot.bzv`` gives, for every entry of the versification in order (a header for the module, the
   testament, each book and each chapter, then the chapter's verses), its block, offset and length.
3. The OSIS markup of each verse is cleaned (``osis.py``): footnotes, cross-references, speaker labels
   (Song of Songs) and headings are dropped with their content, but canonical psalm titles are kept, being verse
   text (the Spanish has them inside verse 1 too); other tags are removed, those of lines, paragraphs and lists
   leaving a space; entities are decoded; the KJV's paragraph signs ``¶`` and stray USFM markers (``\\nd``) are
   removed; whitespace is normalised. Two kinds of tag sit between words with no space around them: where a
   footnote is removed, a space is left unless punctuation follows (``God`` + note + ``created`` →
   ``God created``); and the words that the RV1909 marks as added (``<transChange>``) are set off by spaces,
   except an added enclitic pronoun, which joins its verb (``díjo`` + ``le`` → ``díjole``). Two habits of the
   RV1909 are undone (``osis.tidy_spanish``): the subscriptions it appends to Paul's letters (``Escrita de Roma
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
import tempfile
import time
from collections import Counter
from pathlib import Path

from osis import clean_osis, tidy_spanish  # the modules beside this script (it is run as a script, not installed)
from sword import (PYSWORD_VERSION, SOURCES, check_conf, fetch_debs, read_conf, read_ztext, unpack_debs,
                   versification)

CORPUS = "bible-es-en"
TSV_NAME = f"{CORPUS}.tsv.gz"
README_NAME = f"{CORPUS}.README"
COLUMNS = ("ref", "split", "es", "web", "kjv")
SPLIT_MIN_VERSES = 1000  # test and valid each take whole chapters until they hold at least this many verses
REBUILD_COMMAND = "python scripts/bible_es_en/build.py"
SHIPPED = Path(__file__).resolve().parents[2] / "tinyseqkd" / "data" / "corpora"  # where the package reads them


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

It rewrites this README and bible-es-en.tsv.gz in tinyseqkd/data/corpora/ (--out DIR writes elsewhere).
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
    parser = argparse.ArgumentParser(prog=REBUILD_COMMAND,
                                     description="Rebuild the embedded Spanish-English Bible corpus.")
    parser.add_argument("--out", type=Path, default=SHIPPED,
                        help="where to write bible-es-en.tsv.gz and its README (default: tinyseqkd/data/corpora)")
    parser.add_argument("--debs", type=Path, default=None,
                        help="directory for the Debian packages, reused if they are there (default: temporary)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    build(args.out, args.debs)
    print(f"built in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
