"""``tinyseqkd evaluate``: a checkpoint measured the way Kim & Rush (2016) report models.

The measurements are :func:`tinyseqkd.evaluate.evaluate_model`'s; this module chooses the text (``--src/--ref``,
``--corpus``, or the corpus the checkpoint was trained on; ``--limit N``: its first N sentences), prints the table
(:func:`format_evaluation`) or, with ``--json``, exactly one JSON object on standard output (every figure; the
reproduction reads it), and saves the translations on request.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from tinyseqkd.commands.options import (add_corpus_options, add_threads_option, check_positive, corpus_from_args,
                                        read_input_lines, write_output_file)
from tinyseqkd.errors import ConfigError


def add_parser(subparsers) -> None:
    """Register ``tinyseqkd evaluate``."""
    parser = subparsers.add_parser(
        "evaluate", help="BLEU (greedy and beam), chrF, perplexity, p(t=ŷ), speed and size of a checkpoint",
        description="Measure a checkpoint the way Kim & Rush (2016) report models. Without --corpus or --src, "
                    "the checkpoint's own training corpus is used.")
    parser.add_argument("-m", "--model", required=True, metavar="CHECKPOINT", help="a checkpoint (RUN_DIR/best.npz)")
    parser.add_argument("--corpus", metavar="NAME|PATH", help="an embedded corpus, synthetic:TASK, or a corpus on disk")
    parser.add_argument("--src", metavar="FILE", help="source sentences, one per line (instead of --corpus)")
    parser.add_argument("--ref", metavar="FILE", nargs="+", help="reference file(s) for --src, line-aligned")
    parser.add_argument("--split", default="test", choices=("train", "valid", "test"), help="default: test")
    parser.add_argument("--beam", type=int, default=5, metavar="K", help="beam size of the beam column (default 5)")
    parser.add_argument("--length-penalty", type=float, default=0.0, metavar="A",
                        help="rank beam hypotheses by score / (length + 1)^A (default 0: the plain score)")
    parser.add_argument("--batch-size", type=int, default=64, metavar="B", help="sentences per batch (default 64)")
    parser.add_argument("--max-src-len", type=int, default=None, metavar="N",
                        help="longest source line, in source pieces (default 256)")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="evaluate only the first N sentences of the text (default: all)")
    parser.add_argument("--save-translations", metavar="DIR",
                        help="write greedy.txt, beam.txt and the references (ref1.txt, ref2.txt, ...) into DIR")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (every figure) on standard output instead of a table")
    add_corpus_options(parser)
    add_threads_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tinyseqkd.evaluate import evaluate_translator
    from tinyseqkd.translator import load_translator

    check_positive(args, "beam", "batch_size", "max_src_len", "limit")
    translator = load_translator(args.model)
    name, sources, references = first_sentences(*_evaluation_text(args, translator), args.limit)
    evaluation, greedy_text, beam_text = evaluate_translator(
        translator, sources, references, where=name, max_src_len=args.max_src_len, beam_size=args.beam,
        length_penalty=args.length_penalty, batch_size=args.batch_size)
    if args.save_translations:
        save_translations(Path(args.save_translations), greedy_text, beam_text, references)
    if args.json:
        print(json.dumps({"checkpoint": str(args.model), "data": name, **asdict(evaluation)}))
    else:
        title = (f"{args.model}: {name}, {evaluation.sentences:,} sentences, {evaluation.source_words:,} source "
                 f"words, {len(references)} reference(s)")
        print(format_evaluation(evaluation, title))
    return 0


def save_translations(directory: Path, greedy_text: list[str], beam_text: list[str],
                      references: list[list[str]]) -> None:
    """``greedy.txt``, ``beam.txt`` and ``ref1.txt`` … ``refN.txt`` (the references the BLEU was computed
    against), one line per sentence: everything needed to recompute or resample the BLEU scores."""
    from tinyseqkd.evaluate import BEAM_FILE, GREEDY_FILE, reference_file

    directory.mkdir(parents=True, exist_ok=True)
    files = {GREEDY_FILE: greedy_text, BEAM_FILE: beam_text}
    files.update({reference_file(k): lines for k, lines in enumerate(references, 1)})
    for name, lines in files.items():
        write_output_file(directory / name, "".join(line + "\n" for line in lines))


def format_evaluation(e, title: str) -> str:
    """An :class:`tinyseqkd.evaluate.Evaluation` as a small aligned table a person reads."""
    from tinyseqkd.evaluate import SHORT_SOURCE_WORDS

    rows = [
        ("BLEU greedy (K=1)", f"{e.bleu_greedy:.2f}"),
        (f"BLEU beam (K={e.beam_size})", f"{e.bleu_beam:.2f}"),
        (f"chrF beam (K={e.beam_size})", f"{e.chrf_beam:.2f}"),
        ("perplexity", f"{e.perplexity:.2f}"),
        ("p(t = ŷ)", f"{100 * e.p_greedy_output:.2f}% mean, {100 * e.p_greedy_output_median:.2f}% median"),
        (f"p(t = ŷ) ≤ {SHORT_SOURCE_WORDS} words", "no source that short" if e.p_greedy_output_short is None else
         f"{100 * e.p_greedy_output_short:.2f}% mean over the {e.short_sentences:,} sources of at most "
         f"{SHORT_SOURCE_WORDS} words"),
        ("speed greedy", f"{e.words_per_second_greedy:,.0f} source words/s"),
        (f"speed beam (K={e.beam_size})", f"{e.words_per_second_beam:,.0f} source words/s"),
        ("parameters", f"{e.parameters:,} (non-zero {e.nonzero_parameters:,})"),
        ("size on disk", (f"{megabytes(e.file_bytes)} checkpoint file, " if e.file_bytes is not None else "")
         + f"{megabytes(e.weights_bytes)} weights only"),
    ]
    lines = [title] + [f"  {name:<20} {value}" for name, value in rows]
    lines += [f"  BLEU signature: {e.bleu_signature}", f"  chrF signature: {e.chrf_signature}"]
    return "\n".join(lines)


def megabytes(count: int) -> str:
    """A byte count as megabytes (10^6 bytes) with two decimals: ``"1.25 MB"``."""
    return f"{count / 1e6:,.2f} MB"


def first_sentences(name: str, sources: list[str], references: list[list[str]],
                    limit: int | None) -> tuple[str, list[str], list[list[str]]]:
    """The first ``limit`` sentences (and their references) of a text; all of them when ``limit`` is None."""
    if limit is None or limit >= len(sources):
        return name, sources, references
    return f"{name} (first {limit})", sources[:limit], [lines[:limit] for lines in references]


def checkpoint_split(header: dict, split: str, where: str) -> tuple[str, list[str], list[list[str]]]:
    """(a name, source lines, references) of ``split`` of the corpus a checkpoint (its ``header``) was trained on."""
    from tinyseqkd.config import config_from_dict
    from tinyseqkd.data.prepared import corpus_for_config

    if "config" not in header:
        raise ConfigError(f"{where}: the checkpoint does not say which corpus it was trained on; "
                          "fix: give --corpus NAME or --src FILE --ref FILE")
    config = config_from_dict(header["config"], where=where)
    return _split_text(corpus_for_config(config.data, config.train.seed, [split]), split)


def _split_text(corpus, split: str) -> tuple[str, list[str], list[list[str]]]:
    if split not in corpus.splits or not len(corpus.splits[split]):
        raise ConfigError(f"{corpus.name} has no {split} split; choose --split from {', '.join(corpus.splits)}")
    text = corpus.splits[split]
    return f"{corpus.name} {split}", text.src, text.refs


def _evaluation_text(args: argparse.Namespace, translator) -> tuple[str, list[str], list[list[str]]]:
    """(a name for messages, source lines, references) from --src/--ref, --corpus, or the checkpoint's corpus."""
    if args.src or args.ref:
        if not (args.src and args.ref):
            raise ConfigError("--src and --ref go together: give both (or neither, to use --corpus)")
        if args.corpus:
            raise ConfigError("give either --corpus or --src/--ref, not both")
        sources = read_input_lines(args.src)
        references = [read_input_lines(path) for path in args.ref]
        for path, lines in zip(args.ref, references):
            if len(lines) != len(sources):
                raise ConfigError(f"{path} has {len(lines)} lines but {args.src} has {len(sources)}; fix: line n of "
                                  "each reference must translate line n of the source")
        return args.src, sources, references
    if not args.corpus:
        return checkpoint_split(translator.header, args.split, str(args.model))
    return _split_text(_corpus(args), args.split)


def _corpus(args: argparse.Namespace):
    """--corpus: an embedded name, a path, or synthetic:TASK."""
    from tinyseqkd.config import DataConfig
    from tinyseqkd.data.prepared import SYNTHETIC_PREFIX, corpus_for_config

    if args.corpus.startswith(SYNTHETIC_PREFIX):
        return corpus_for_config(DataConfig(corpus=args.corpus, max_len=0), args.seed, [args.split])
    return corpus_from_args(args, args.corpus, splits=[args.split])
