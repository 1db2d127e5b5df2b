"""The user's own corpus on disk: :func:`read_user_corpus`, reached through :func:`tinyseqkd.data.prepared.load_corpus`.

**Layouts of the user's own corpus.** ``spec`` is a directory or a file-name prefix, and the files in it are
named ``<split>.<lang>`` (one sentence per line, line ``n`` of one file translating line ``n`` of the other)::

    data/train.de  data/train.en  data/valid.de  data/valid.en  data/test.de  data/test.en  data/test.en.1

- ``spec="data"`` (a directory) or ``spec="data/iwslt."`` (a prefix: ``data/iwslt.train.de``, …).
- Splits are ``train``, ``valid`` (``dev`` is read as ``valid``) and ``test``; any of them may be absent.
- ``test.en`` is the first reference (``refs[0]``); further references are ``test.en.1``, ``test.en.2``, …
  (numbered from 1 without gaps). ``test.ids`` (optional) names the segments, one per line.
- Or a split may be one TSV file, ``<split>.tsv``, with ``source<TAB>target[<TAB>more references]`` per line;
  a path straight to a ``.tsv`` file is one split, named after the file (``test.tsv`` → test; other names → train).

**Languages** come from ``src_lang``/``tgt_lang`` or ``direction="de-en"``. When only one is given and the files
hold exactly two languages, the other is inferred; when neither is given, the path must name the pair (as in
``iwslt14.de-en/``). TSV corpora without languages are called ``src`` and ``tgt``.

**Reading rules.** Files are UTF-8 (a leading byte-order mark is ignored); lines end at ``\\n`` only (a ``\\r``
before it is dropped), so line numbers agree with ``wc -l`` and editors. A line that is empty or only
whitespace is an error by default, since it usually means the files are misaligned; ``skip_empty=True``
(``--skip-empty``) drops such pairs instead and :attr:`Corpus.report` says how many.

**Splits.** ``splits`` names the splits to read (default: every one there is). Only their files are read, so
a problem in the training files does not stop ``evaluate --split valid``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tinyseqkd.data.corpus import SPLITS, Corpus, ParallelText, pairs, parse_direction, resolve_languages
from tinyseqkd.data.embedded import EMBEDDED_CORPORA
from tinyseqkd.errors import CorpusError
from tinyseqkd.textfiles import read_lines

_SPLIT_ALIASES = {"dev": "valid"}
_FILE_NAME = re.compile(r"(?P<split>train|valid|dev|test)\.(?P<lang>[^.\s]+)(?:\.(?P<ref>\d+))?")
_EMPTY_HINT = "or pass skip_empty=True (--skip-empty) to drop such pairs (their count is reported)"


def read_user_corpus(spec: str, *, direction: str | None = None, src_lang: str | None = None,
                     tgt_lang: str | None = None, skip_empty: bool = False, splits=None) -> Corpus:
    """The corpus at ``spec`` (a directory, a file-name prefix or a .tsv file), as the module docstring says.

    ``splits`` (default: all) names the splits to read; the files of the others are not opened.
    """
    path = Path(spec)
    if direction:
        src_lang, tgt_lang = parse_direction(direction)
    wanted = [split for split in SPLITS if splits is None or split in splits]
    if path.is_file():
        return _load_single_tsv(path, src_lang, tgt_lang, skip_empty, wanted)
    layout = _find_split_files(path)
    languages = sorted({lang for files in layout.values() for lang in files.by_lang if lang not in ("tsv", "ids")})
    if languages:
        src_lang, tgt_lang = resolve_languages(spec, languages, src_lang, tgt_lang)
    src_lang, tgt_lang = src_lang or "src", tgt_lang or "tgt"
    report: list[str] = []
    texts = {}
    for split in wanted:
        if split in layout and layout[split].has_any("tsv", src_lang, tgt_lang):
            texts[split] = _read_split(split, layout[split], src_lang, tgt_lang, skip_empty, report)
        elif splits is not None:
            present = [name for name in SPLITS if name in layout and layout[name].has_any("tsv", src_lang, tgt_lang)]
            raise CorpusError(f"{spec}: no {split} split (files found for {', '.join(present) or 'no split'} in "
                              f"{src_lang}-{tgt_lang}); fix: choose one of those splits, or add {split}.{src_lang} "
                              f"and {split}.{tgt_lang}")
    return Corpus(str(spec), src_lang, tgt_lang, texts, report)


@dataclass
class _SplitFiles:
    """The files of one split: ``stem`` is the path up to the split name (``data/dev``), ``by_lang`` maps a
    language (or ``tsv`` / ``ids``) to ``{reference number: file}`` (0 for ``dev.en``, 1 for ``dev.en.1``)."""

    stem: str
    by_lang: dict[str, dict[int, Path]] = field(default_factory=dict)

    def has_any(self, *langs: str) -> bool:
        return any(lang in self.by_lang for lang in langs)

    def require(self, lang: str) -> Path:
        if 0 not in self.by_lang.get(lang, {}):
            present = sorted(f.name for numbered in self.by_lang.values() for f in numbered.values())
            raise CorpusError(f"{self.stem}.{lang}: missing (beside {', '.join(present)}); fix: add the file, "
                              "or remove the split's other files")
        return self.by_lang[lang][0]


def _find_split_files(path: Path) -> dict[str, _SplitFiles]:
    """The corpus files in a directory (``data``) or after a prefix (``data/iwslt.``), by split."""
    directory, prefix = (path, "") if path.is_dir() else (path.parent, path.name)
    if not directory.is_dir():
        raise CorpusError(f"no corpus at {str(path)!r}: it is neither an embedded corpus name "
                          f"({', '.join(sorted(EMBEDDED_CORPORA)) or 'none installed'}), a .tsv file, a directory "
                          "nor a prefix of files like PREFIXtrain.de; fix: check the path")
    layout: dict[str, _SplitFiles] = {}
    for file in sorted(directory.iterdir()):
        match = _FILE_NAME.fullmatch(file.name[len(prefix):]) if file.name.startswith(prefix) else None
        if match is None or not file.is_file():
            continue
        split = _SPLIT_ALIASES.get(match["split"], match["split"])
        files = layout.setdefault(split, _SplitFiles(str(directory / (prefix + match["split"]))))
        if not files.stem.endswith(match["split"]):
            raise CorpusError(f"{file}: both {split}.* and {match['split']}.* files exist; fix: keep one "
                              "(dev is read as valid)")
        files.by_lang.setdefault(match["lang"], {})[int(match["ref"] or 0)] = file
    if not layout:
        raise CorpusError(f"no corpus files at {str(path)!r}: expected names like train.de / train.en / test.en "
                          "(or train.tsv) in that directory or after that prefix; fix: rename or point elsewhere")
    return layout


def _read_split(split, files: _SplitFiles, src_lang, tgt_lang, skip_empty, report) -> ParallelText:
    if "tsv" in files.by_lang:
        if files.has_any(src_lang, tgt_lang):
            raise CorpusError(f"{files.stem}.tsv: the {split} split is given both as a .tsv and as one file per "
                              "language; fix: keep one of them")
        return _read_tsv(files.by_lang["tsv"][0], split, skip_empty, report)
    paths = [files.require(src_lang)] + _reference_files(files, tgt_lang, split)
    columns = [read_lines(path) for path in paths]
    ids_path = files.by_lang.get("ids", {}).get(0)
    ids = read_lines(ids_path) if ids_path else []
    _check_same_length(paths + [ids_path] if ids_path else paths, columns + [ids] if ids_path else columns)
    keep = _nonempty_rows(paths, columns, skip_empty, split, report)
    return ParallelText(columns[0], columns[1:], ids).select(keep)


def _reference_files(files: _SplitFiles, tgt_lang: str, split: str) -> list[Path]:
    """``split.tgt``, then ``split.tgt.1``, ``split.tgt.2``, … (no gaps allowed)."""
    numbered = files.by_lang.get(tgt_lang, {})
    paths = [files.require(tgt_lang)]
    for number in sorted(n for n in numbered if n):
        if number != len(paths):
            raise CorpusError(f"{numbered[number]}: reference {number} has no reference {len(paths)} before it; "
                              f"fix: number extra references {split}.{tgt_lang}.1, .2, … without gaps")
        paths.append(numbered[number])
    return paths


def _load_single_tsv(path: Path, src_lang, tgt_lang, skip_empty, wanted) -> Corpus:
    if path.suffix != ".tsv":
        raise CorpusError(f"{path}: a corpus given as one file must be a .tsv (source<TAB>target per line); "
                          "fix: rename it, or give the directory holding train.xx / train.yy")
    split = _SPLIT_ALIASES.get(path.stem, path.stem) if path.stem in SPLITS + tuple(_SPLIT_ALIASES) else "train"
    report: list[str] = []
    if split not in wanted:
        raise CorpusError(f"{path}: holds the {split} split only, not {' or '.join(wanted)}; fix: choose the "
                          f"{split} split, or give the directory that holds the others")
    texts = {split: _read_tsv(path, split, skip_empty, report)}
    return Corpus(str(path), src_lang or "src", tgt_lang or "tgt", texts, report)


def _read_tsv(path: Path, split: str, skip_empty: bool, report: list[str]) -> ParallelText:
    """``source<TAB>target[<TAB>reference 2…]`` per line; every line has as many fields as the first."""
    lines = read_lines(path)
    rows = [line.split("\t") for line in lines]
    expected = next((len(row) for row in rows if "".join(row).strip()), 2)
    if expected < 2:
        raise CorpusError(f"{path}:1: expected source<TAB>target, found no tab; fix: separate the source and "
                          "the target with one tab character")
    for number, row in enumerate(rows, start=1):
        if len(row) != expected and "".join(row).strip():
            raise CorpusError(f"{path}:{number}: expected {expected} tab-separated fields (source, target"
                              f"{', more references' if expected > 2 else ''}) like the first line, found "
                              f"{len(row)}; fix: remove or add tabs on that line")
    rows = [row if len(row) == expected else [""] * expected for row in rows]
    columns = [list(column) for column in zip(*rows)] if rows else [[] for _ in range(expected)]
    keep = _nonempty_rows([path] * expected, columns, skip_empty, split, report)
    return ParallelText(columns[0], columns[1:]).select(keep)


def _check_same_length(files: list[Path], columns: list[list[str]]) -> None:
    for file, column in zip(files[1:], columns[1:]):
        if len(column) != len(columns[0]):
            raise CorpusError(f"{files[0]} has {len(columns[0])} lines but {file} has {len(column)}; fix: line n "
                              "of one file must translate line n of the other (look for a split or merged line)")


def _nonempty_rows(files, columns, skip_empty, split, report) -> list[int]:
    """Indices of rows with no empty field; an empty one is an error unless ``skip_empty``."""
    keep = []
    for i, row in enumerate(zip(*columns)):
        empty = next((k for k, text in enumerate(row) if not text.strip()), None)
        if empty is None:
            keep.append(i)
        elif not skip_empty:
            raise CorpusError(f"{files[empty]}:{i + 1}: empty line; fix: remove line {i + 1} from every file "
                              f"of the {split} split, {_EMPTY_HINT}")
    dropped = len(columns[0]) - len(keep)
    if dropped:
        report.append(f"{split}: dropped {pairs(dropped)} with an empty side (--skip-empty)")
    return keep
