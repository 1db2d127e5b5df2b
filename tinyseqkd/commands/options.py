"""What several subcommands share: ``--threads``, the corpus options, checks of numeric options, and reading the
input / writing the output files that options name.

Every command reads corpora the same way (:func:`add_corpus_options` and :func:`corpus_from_args`, see
:func:`tinyseqkd.data.corpus.load_corpus`) and takes ``--threads`` (:func:`add_threads_option`; ``cli.main`` applies
it through :func:`tinyseqkd.threads.set_threads` before the command runs).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tinyseqkd.errors import ConfigError, CorpusError
from tinyseqkd.textfiles import decode_lines, read_lines, write_text_atomically

STANDARD_INPUT = "standard input"


# ------------------------------------------------------------------------------------------- options
def add_threads_option(parser: argparse.ArgumentParser) -> None:
    """``--threads N``, which every subcommand takes."""
    parser.add_argument(
        "--threads", type=int, default=None, metavar="N",
        help="CPU threads for matrix products and numba kernels (default: the cores not busy with other work now)",
    )


def add_corpus_options(parser: argparse.ArgumentParser) -> None:
    """The options that say which corpus to read and how (see :func:`tinyseqkd.data.prepared.load_corpus`)."""
    group = parser.add_argument_group("corpus options")
    group.add_argument("--direction", metavar="SRC-TGT", default=None,
                       help="translation direction, e.g. es-en or en-es (embedded corpora: default es-en)")
    group.add_argument("--english", choices=("web", "kjv", "mixed"), default="web",
                       help="embedded Bible: which English translation is the training target (default: web)")
    group.add_argument("--max-len", type=int, default=None, metavar="N",
                       help="drop training pairs with more than N pre-tokenized words on either side")
    group.add_argument("--src-lang", default=None, metavar="XX", help="source language of a corpus on disk")
    group.add_argument("--tgt-lang", default=None, metavar="YY", help="target language of a corpus on disk")
    group.add_argument("--skip-empty", action="store_true",
                       help="drop pairs with an empty line instead of stopping with an error (the count is shown)")
    group.add_argument("--seed", type=int, default=0, help="seed for corpus choices such as --english mixed")


def corpus_from_args(args: argparse.Namespace, spec: str | None = None, splits=None):
    """Load ``spec`` (default: ``args.corpus``) with the options of :func:`add_corpus_options` → a Corpus
    (only ``splits``, if given)."""
    from tinyseqkd.data.prepared import load_corpus  # here, not above: it loads numpy

    return load_corpus(spec if spec is not None else args.corpus, direction=args.direction, english=args.english,
                       src_lang=args.src_lang, tgt_lang=args.tgt_lang, max_len=args.max_len, seed=args.seed,
                       skip_empty=args.skip_empty, splits=splits)


def check_positive(args: argparse.Namespace, *options: str) -> None:
    """Each of ``options`` (attribute names, e.g. ``"batch_size"``) is None or at least 1, else a ConfigError."""
    for option in options:
        value = getattr(args, option)
        if value is not None and value < 1:
            raise ConfigError(f"--{option.replace('_', '-')} must be at least 1, got {value}")


# ------------------------------------------------------------------------------------------- files
def read_input_lines(path: str | None) -> list[str]:
    """The lines of the UTF-8 file ``path``, or of standard input when ``path`` is None or ``-``.

    An empty input is an error: there is nothing to translate or evaluate.
    """
    if path in (None, "-"):
        name, lines = STANDARD_INPUT, decode_lines(sys.stdin.buffer.read(), STANDARD_INPUT)
    else:
        name, lines = str(path), read_lines(path)
    if not lines:
        raise CorpusError(f"{name}: empty, nothing to translate; fix: give one sentence per line")
    return lines


def write_output_file(path, text: str) -> None:
    """Write ``text`` to ``path`` atomically; a missing directory is an error (it is not created)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ConfigError(f"{path}: the directory {path.parent} does not exist; fix: create it first")
    write_text_atomically(path, text)
