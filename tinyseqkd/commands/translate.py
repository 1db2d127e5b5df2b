"""``tinyseqkd translate``: translate one sentence per line with a checkpoint (beam search, n-best lists,
attention plots).

Reads a file or standard input, writes a file (atomically) or standard output; line n of the output translates
line n of the input (the input rules are :mod:`tinyseqkd.translator`'s). ``--nbest N`` prints ``N`` lines
``index ||| hypothesis ||| score`` per sentence. The option is spelled as in other translation tools; in the code
the n-best list's length is ``n_best`` everywhere (``Translator.translate``, ``beam_search``), and :func:`run`
is the one place that maps one to the other.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tinyseqkd.commands.options import add_threads_option, check_positive, read_input_lines, write_output_file
from tinyseqkd.errors import ConfigError


def add_parser(subparsers) -> None:
    """Register ``tinyseqkd translate``."""
    parser = subparsers.add_parser(
        "translate", help="translate text with a checkpoint (beam search, n-best lists, attention plots)",
        description="Translate one sentence per line, stdin to stdout by default. With --nbest N, print N lines "
                    "'index ||| hypothesis ||| score' per sentence (index: 0-based line number; score: the "
                    "log-probability, divided by (length + 1)^A with --length-penalty A).")
    parser.add_argument("-m", "--model", required=True, metavar="CHECKPOINT", help="a checkpoint (RUN_DIR/best.npz)")
    parser.add_argument("-i", "--input", metavar="FILE", help="input text (default: standard input)")
    parser.add_argument("-o", "--output", metavar="FILE", help="output file (default: standard output)")
    parser.add_argument("--beam", type=int, default=5, metavar="K", help="beam size (1 = greedy; default 5)")
    parser.add_argument("--nbest", type=int, default=None, metavar="N", help="print the N best translations")
    parser.add_argument("--length-penalty", type=float, default=0.0, metavar="A",
                        help="rank hypotheses by score / (length + 1)^A (default 0: the plain score)")
    parser.add_argument("--batch-size", type=int, default=32, metavar="B", help="sentences per batch (default 32)")
    parser.add_argument("--max-src-len", type=int, default=None, metavar="N",
                        help="longest input line, in source pieces (default 256)")
    parser.add_argument("--plot-attention", metavar="DIR",
                        help='write one attention heat map PNG per sentence into DIR (needs "tinyseqkd[tutorials]")')
    add_threads_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tinyseqkd.progress import ProgressBar
    from tinyseqkd.translator import load_translator

    check_options(args)
    if args.plot_attention:
        _prepare_plots(Path(args.plot_attention))
    translator = load_translator(args.model)
    lines = read_input_lines(args.input)
    progress = ProgressBar(sum(1 for line in lines if line.strip())) if args.input not in (None, "-") else None
    results = translator.translate(lines, beam_size=args.beam, n_best=args.nbest or 1,
                                   length_penalty=args.length_penalty, batch_size=args.batch_size,
                                   max_src_len=args.max_src_len, where=args.input or "standard input",
                                   return_attention=bool(args.plot_attention), progress=progress)
    if progress is not None:
        progress.close()
    text = format_n_best(translator, results) if args.nbest else \
        "".join((translator.text(found[0]) if found else "") + "\n" for found in results)
    if args.output:
        write_output_file(args.output, text)
    else:
        sys.stdout.write(text)
    if args.plot_attention:
        _plot_all(translator, lines, results, Path(args.plot_attention))
    return 0


def check_options(args: argparse.Namespace) -> None:
    """Refuse impossible options before loading anything."""
    check_positive(args, "beam", "nbest", "batch_size", "max_src_len")
    if args.nbest is not None and args.nbest > args.beam:
        raise ConfigError(f"--nbest {args.nbest} is more than the beam holds (--beam {args.beam}); "
                          f"fix: use --beam {args.nbest} or more")
    if args.length_penalty < 0:
        raise ConfigError(f"--length-penalty must be ≥ 0, got {args.length_penalty}")


def format_n_best(translator, results) -> str:
    """``index ||| hypothesis ||| score`` lines, best first within each sentence."""
    return "".join(f"{index} ||| {translator.text(h)} ||| {h.normalized_score:.4f}\n"
                   for index, found in enumerate(results) for h in found)


def _prepare_plots(directory: Path) -> None:
    """Fail before translating if the plots cannot be made: matplotlib missing, or the directory unusable."""
    from tinyseqkd.plotting import require_matplotlib

    require_matplotlib()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"--plot-attention {directory}: cannot create the directory ({error.strerror})") from None


def _plot_all(translator, lines: list[str], results, directory: Path) -> None:
    """One heat map of the best hypothesis per non-empty line: ``DIR/sentence-N.png``."""
    from tinyseqkd.plotting import plot_attention

    digits = len(str(len(lines) - 1))
    for index, (line, found) in enumerate(zip(lines, results)):
        if found:
            best = found[0]
            plot_attention(best.attention, translator.pipeline.src_tokens(line),
                           translator.pipeline.tgt_vocab.decode(best.ids.tolist()) + ["</s>"],
                           directory / f"sentence-{index:0{digits}d}.png", title=f"line {index}")
