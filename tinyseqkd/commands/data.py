"""The ``tinyseqkd data`` commands — ``list``, ``stats``, ``export`` — on embedded corpora and corpora on disk.

They read corpora with the corpus options every command shares (:mod:`tinyseqkd.commands.options`)::

    tinyseqkd data list
    tinyseqkd data stats bible-es-en --direction en-es --max-len 50
    tinyseqkd data stats my_corpus/ --src-lang de --tgt-lang en --skip-empty
    tinyseqkd data export bible-es-en exported/          # train.es train.en … test.en test.en.1 test.ids
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tinyseqkd.commands.options import add_corpus_options, add_threads_option, corpus_from_args
from tinyseqkd.errors import CorpusError
from tinyseqkd.textfiles import write_text_atomically


def add_parser(subparsers) -> None:
    """Register ``tinyseqkd data {list,stats,export}``."""
    data = subparsers.add_parser("data", help="list, inspect and export corpora",
                                 description="List, inspect and export corpora.")
    data.set_defaults(run=lambda args: data.print_help())
    commands = data.add_subparsers(dest="data_command", metavar="SUBCOMMAND")

    listing = commands.add_parser("list", help="the corpora embedded in tinyseqkd")
    listing.set_defaults(run=run_list)

    stats = commands.add_parser("stats", help="segments, words, vocabulary and lengths per split")
    stats.add_argument("corpus", metavar="NAME|PATH", help="an embedded corpus name or a corpus on disk")
    add_corpus_options(stats)
    stats.set_defaults(run=run_stats)

    export = commands.add_parser("export", help="write a corpus as plain-text files (train.es, train.en, …)")
    export.add_argument("corpus", metavar="NAME|PATH", help="an embedded corpus name or a corpus on disk")
    export.add_argument("directory", metavar="DIR", help="where to write the files (created if missing)")
    export.add_argument("--force", action="store_true", help="overwrite files that already exist")
    add_corpus_options(export)
    export.set_defaults(run=run_export)

    for command in (listing, stats, export):
        add_threads_option(command)


# -- list -------------------------------------------------------------------------------------------------------
def run_list(args: argparse.Namespace) -> int:
    from tinyseqkd.data.embedded import EMBEDDED_CORPORA

    corpora = EMBEDDED_CORPORA
    if not corpora:
        print("no embedded corpora are installed")
    for corpus in corpora.values():
        sizes = ", ".join(f"{split} {count:,}" for split, count in corpus.segments.items())
        print(f"{corpus.name}  ({'-'.join(corpus.languages)})  {sizes} segments")
        print(f"    {corpus.description}")
        print(f"    licence: {corpus.licence}")
    return 0


# -- stats ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SideStats:
    """Counts for one side of one split; lengths in pre-tokenized words."""

    words: int
    chars: int
    vocab: int
    percentiles: tuple[int, int, int, int]  # 50th, 90th, 99th, max


def side_stats(texts: Sequence[str]) -> SideStats:
    """Words (pre-tokenized tokens), characters, distinct words and length percentiles of some sentences."""
    import numpy as np

    from tinyseqkd.data.tokenize import pretokenize

    vocabulary: set[str] = set()
    lengths = np.zeros(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        tokens = pretokenize(text)
        lengths[i] = len(tokens)
        vocabulary.update(tokens)
    if len(texts):
        # "inverted_cdf": the smallest length that p% of the sentences do not exceed (always a real length)
        p50, p90, p99 = (int(p) for p in np.percentile(lengths, [50, 90, 99], method="inverted_cdf"))
        percentiles = (p50, p90, p99, int(lengths.max()))
    else:
        percentiles = (0, 0, 0, 0)
    return SideStats(int(lengths.sum()), sum(len(text) for text in texts), len(vocabulary), percentiles)


def run_stats(args: argparse.Namespace) -> int:
    corpus = corpus_from_args(args)
    print(f"{corpus.name}: {corpus.src_lang} → {corpus.tgt_lang}")
    for line in corpus.report:
        print(f"  {line}")
    header = (f"{'split':<6} {'side':<6} {'segments':>9} {'words':>11} {'chars':>12} {'vocab':>8}"
              "  length p50/p90/p99/max")
    print(header)
    for split, text in corpus.splits.items():
        sides = [(corpus.src_lang, text.src), (corpus.tgt_lang, text.tgt)]
        sides += [(f"{corpus.tgt_lang}.{k}", ref) for k, ref in enumerate(text.refs[1:], start=1)]
        for side, texts in sides:
            s = side_stats(texts)
            lengths = "/".join(str(p) for p in s.percentiles)
            print(f"{split:<6} {side:<6} {len(texts):>9,} {s.words:>11,} {s.chars:>12,} {s.vocab:>8,}  {lengths}")
    return 0


# -- export -----------------------------------------------------------------------------------------------------
def export_files(corpus) -> dict[str, list[str]]:
    """``{file name: lines}`` in the layout :func:`load_corpus` reads: ``test.en``, ``test.en.1``, ``test.ids``…"""
    files = {}
    for split, text in corpus.splits.items():
        files[f"{split}.{corpus.src_lang}"] = text.src
        for k, ref in enumerate(text.refs):
            files[f"{split}.{corpus.tgt_lang}" + (f".{k}" if k else "")] = ref
        if text.ids:
            files[f"{split}.ids"] = text.ids
    return files


def run_export(args: argparse.Namespace) -> int:
    corpus = corpus_from_args(args)
    directory = Path(args.directory)
    files = export_files(corpus)
    existing = [name for name in files if (directory / name).exists()]
    if existing and not args.force:
        raise CorpusError(f"{directory / existing[0]} already exists ({len(existing)} of the {len(files)} files "
                          "to write do); fix: choose another directory or pass --force to overwrite")
    for name, lines in files.items():
        _check_one_line_each(name, lines)
    directory.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        write_text_atomically(directory / name, "".join(line + "\n" for line in lines))
    for line in corpus.report:
        print(line)
    print(f"wrote {len(files)} files to {directory}: {', '.join(files)}")
    return 0


def _check_one_line_each(name: str, lines: Sequence[str]) -> None:
    for number, line in enumerate(lines, start=1):
        if "\n" in line or "\r" in line:
            raise CorpusError(f"{name}:{number}: the segment contains a line break, so the exported files would "
                              "no longer be aligned; fix: clean the corpus first")
