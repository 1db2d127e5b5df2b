"""One entry point for every corpus a command can use: :func:`load_corpus` (an embedded name or the user's files).

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

**Filtering.** ``max_len`` drops training pairs whose source or target has more than ``max_len`` pre-tokenized
words (:func:`tinyseqkd.data.tokenize.count_tokens`); valid and test are never filtered, so scores stay
comparable. Every drop is counted in :attr:`Corpus.report`, which the commands print.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tinyseqkd.data.parallel import ParallelText
from tinyseqkd.data.tokenize import count_tokens
from tinyseqkd.errors import ConfigError, CorpusError
from tinyseqkd.textfiles import read_lines

SPLITS = ("train", "valid", "test")
_SPLIT_ALIASES = {"dev": "valid"}
_FILE_NAME = re.compile(r"(?P<split>train|valid|dev|test)\.(?P<lang>[^.\s]+)(?:\.(?P<ref>\d+))?")
_DIRECTION = re.compile(r"(?P<src>[A-Za-z][\w]*)-(?P<tgt>[A-Za-z][\w]*)")
_EMPTY_HINT = "or pass skip_empty=True (--skip-empty) to drop such pairs (their count is reported)"


@dataclass(frozen=True)
class Corpus:
    """A loaded corpus: its splits as :class:`ParallelText` and what loading dropped, as printable lines."""

    name: str
    src_lang: str
    tgt_lang: str
    splits: dict[str, ParallelText]
    report: list[str] = field(default_factory=list)


def load_corpus(spec: str, *, direction: str | None = None, english: str = "web", src_lang: str | None = None,
                tgt_lang: str | None = None, max_len: int | None = None, seed: int = 0,
                skip_empty: bool = False) -> Corpus:
    """Load an embedded corpus by name (``bible-es-en``) or the user's files at ``spec`` (see the module doc).

    ``english`` (web / kjv / mixed) and ``seed`` only concern embedded corpora.
    """
    if spec in embedded_corpora():
        corpus = _load_embedded(spec, direction, english, src_lang, tgt_lang, seed)
    else:
        corpus = _load_files(spec, direction, src_lang, tgt_lang, skip_empty)
    if max_len is not None and "train" in corpus.splits:
        corpus.splits["train"] = _filter_long(corpus.splits["train"], max_len, corpus.report)
    return corpus


# -- embedded corpora -------------------------------------------------------------------------------------------
def embedded_corpora() -> dict:
    """``tinyseqkd.data.embedded.EMBEDDED_CORPORA`` (name → description), or ``{}`` without that module."""
    try:
        from tinyseqkd.data.embedded import EMBEDDED_CORPORA
    except ModuleNotFoundError as error:
        if error.name != "tinyseqkd.data.embedded":
            raise
        return {}
    return EMBEDDED_CORPORA


def _load_embedded(name, direction, english, src_lang, tgt_lang, seed) -> Corpus:
    """An embedded corpus in the direction given by ``direction`` or the languages (default: as listed)."""
    from tinyseqkd.data.embedded import load_embedded

    if direction is not None:
        src, tgt = _parse_direction(direction)
        if (src_lang or tgt_lang) and (src_lang or src, tgt_lang or tgt) != (src, tgt):
            raise ConfigError(f"--direction {direction} disagrees with --src-lang {src_lang} --tgt-lang "
                              f"{tgt_lang}; fix: give only one of them")
    elif src_lang or tgt_lang:
        src, tgt = _resolve_languages(name, sorted(embedded_corpora()[name].languages), src_lang, tgt_lang)
    else:
        src, tgt = embedded_corpora()[name].languages  # the corpus's own order: es-en for bible-es-en
    splits = load_embedded(name, direction=f"{src}-{tgt}", english=english, seed=seed)
    return Corpus(name, src, tgt, dict(splits))


def _parse_direction(direction: str) -> tuple[str, str]:
    match = _DIRECTION.fullmatch(direction)
    if match is None:
        raise ConfigError(f"--direction {direction!r} is not SRC-TGT; fix: write it like es-en")
    return match["src"], match["tgt"]


# -- the user's files -------------------------------------------------------------------------------------------
def _load_files(spec, direction, src_lang, tgt_lang, skip_empty) -> Corpus:
    path = Path(spec)
    if direction:
        src_lang, tgt_lang = _parse_direction(direction)
    if path.is_file():
        return _load_single_tsv(path, src_lang, tgt_lang, skip_empty)
    layout = _find_split_files(path)
    languages = sorted({lang for files in layout.values() for lang in files.by_lang if lang not in ("tsv", "ids")})
    if languages:
        src_lang, tgt_lang = _resolve_languages(spec, languages, src_lang, tgt_lang)
    src_lang, tgt_lang = src_lang or "src", tgt_lang or "tgt"
    report: list[str] = []
    splits = {}
    for split in SPLITS:
        if split in layout and layout[split].has_any("tsv", src_lang, tgt_lang):
            splits[split] = _read_split(split, layout[split], src_lang, tgt_lang, skip_empty, report)
    return Corpus(str(spec), src_lang, tgt_lang, splits, report)


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
                          f"({', '.join(sorted(embedded_corpora())) or 'none installed'}), a .tsv file, a directory "
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


def _resolve_languages(spec, languages, src_lang, tgt_lang) -> tuple[str, str]:
    """Source and target language: given, inferred from the other one, or read from the path (``de-en``)."""
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
    return _select(ParallelText(columns[0], columns[1:], ids), keep)


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


def _load_single_tsv(path: Path, src_lang, tgt_lang, skip_empty) -> Corpus:
    if path.suffix != ".tsv":
        raise CorpusError(f"{path}: a corpus given as one file must be a .tsv (source<TAB>target per line); "
                          "fix: rename it, or give the directory holding train.xx / train.yy")
    split = _SPLIT_ALIASES.get(path.stem, path.stem) if path.stem in SPLITS + tuple(_SPLIT_ALIASES) else "train"
    report: list[str] = []
    text = _read_tsv(path, split, skip_empty, report)
    return Corpus(str(path), src_lang or "src", tgt_lang or "tgt", {split: text}, report)


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
    return _select(ParallelText(columns[0], columns[1:]), keep)


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
        report.append(f"{split}: dropped {_pairs(dropped)} with an empty side (--skip-empty)")
    return keep


def _filter_long(text: ParallelText, max_len: int, report: list[str]) -> ParallelText:
    """Drop pairs whose source or training target has more than ``max_len`` pre-tokenized words."""
    keep = [i for i, (src, tgt) in enumerate(zip(text.src, text.tgt))
            if count_tokens(src) <= max_len and count_tokens(tgt) <= max_len]
    report.append(f"train: dropped {_pairs(len(text) - len(keep))} of {len(text)} longer than {max_len} words "
                  "(--max-len)")
    return _select(text, keep)


def _select(text: ParallelText, keep: list[int]) -> ParallelText:
    """The segments of ``text`` at the indices ``keep`` (sources, every reference, and ids)."""
    if len(keep) == len(text):
        return text
    return ParallelText([text.src[i] for i in keep], [[ref[i] for i in keep] for ref in text.refs],
                        [text.ids[i] for i in keep] if text.ids else [])


def _pairs(n: int) -> str:
    return f"{n:,} pair" + ("" if n == 1 else "s")
