"""Using a trained model: :func:`load_translator`, and the ``tinyseqkd translate`` command.

A model's ids only mean something with the text pipeline that made them, and a checkpoint's header carries both
(``model_args`` and ``pipeline``). :func:`load_translator` rebuilds the two, checks that they agree, and returns a
:class:`Translator` in evaluation mode — the one way to get a ready model (distillation loads its teacher with it)::

    translator = load_translator("runs/teacher/best.npz")
    for hypothesis in translator.translate(["En el principio creó Dios los cielos y la tierra."], n_best=3)[0]:
        print(translator.text(hypothesis), hypothesis.score)

Input rules (``translate`` and ``evaluate``): UTF-8 text, one sentence per line, line n of the output translating
line n of the input. An empty (or blank) line is translated as an empty line (an n-best list has no entries for
it; ``evaluate`` refuses one). A line longer than ``--max-src-len`` source pieces (default 256; the LSTM has no
hard limit, but time and memory grow with the length) is an error naming the line. An empty input is an error.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinyseqkd.checkpoint import load_checkpoint, restore
from tinyseqkd.data.text_pipeline import TextPipeline
from tinyseqkd.decoding import Hypothesis, decode_corpus
from tinyseqkd.errors import CheckpointError, ConfigError, CorpusError, TinySeqKDError
from tinyseqkd.model import ModelArgs, Seq2Seq
from tinyseqkd.textfiles import decode_lines, write_text_atomically

DEFAULT_MAX_SRC_LEN = 256


# ------------------------------------------------------------------------------------------- the translator
@dataclass
class Translator:
    """A model in evaluation mode with its text pipeline, and the checkpoint header they came from."""

    model: Seq2Seq
    pipeline: TextPipeline
    path: Path
    header: dict

    def encode_lines(self, lines: list[str], where: str = "input", max_src_len: int = DEFAULT_MAX_SRC_LEN,
                     allow_empty: bool = True) -> list[np.ndarray]:
        """Source ids of every line (an empty array for an empty line); a too long line is an error."""
        encoded = []
        for number, line in enumerate(lines, start=1):
            ids = self.pipeline.encode_src(line)
            if len(ids) > max_src_len:
                raise CorpusError(f"{where}:{number}: the line has {len(ids)} source pieces, more than --max-src-len "
                                  f"{max_src_len}; fix: split the line, or raise --max-src-len")
            if not len(ids) and not allow_empty:
                raise CorpusError(f"{where}:{number}: the line is empty; fix: remove it (and its references)")
            encoded.append(ids)
        return encoded

    def translate(self, lines: list[str], *, beam_size: int = 5, n_best: int = 1, length_penalty: float = 0.0,
                  batch_size: int = 32, max_src_len: int = DEFAULT_MAX_SRC_LEN, where: str = "input",
                  return_attention: bool = False, progress=None) -> list[list[Hypothesis]]:
        """The n-best list of every line (see :func:`tinyseqkd.decoding.beam_search`); ``[]`` for an empty line."""
        src_ids = self.encode_lines(lines, where, max_src_len)
        nonempty = [i for i, ids in enumerate(src_ids) if len(ids)]
        found = decode_corpus(self.model, [src_ids[i] for i in nonempty], beam_size=beam_size, n_best=n_best,
                              length_penalty=length_penalty, batch_size=batch_size,
                              return_attention=return_attention, progress=progress)
        results: list[list[Hypothesis]] = [[] for _ in lines]
        for i, hypotheses in zip(nonempty, found):
            results[i] = hypotheses
        return results

    def text(self, hypothesis: Hypothesis) -> str:
        """A hypothesis as detokenized text."""
        return self.pipeline.decode_tgt(hypothesis.ids)


def load_translator(checkpoint) -> Translator:
    """Rebuild the model and text pipeline of a checkpoint; any problem is one :class:`CheckpointError`."""
    loaded = load_checkpoint(checkpoint)
    path, header = loaded.path, loaded.header
    missing = [key for key in ("model_args", "pipeline") if key not in header]
    if missing:
        raise CheckpointError(f"{path}: the header has no {' or '.join(missing)}, so the model cannot be rebuilt "
                              "for translation; fix: use a checkpoint written by tinyseqkd train (RUN_DIR/best.npz)")
    try:
        args = ModelArgs.from_dict(header["model_args"])
        pipeline = TextPipeline.from_dict(header["pipeline"])
    except (TypeError, KeyError, ValueError, TinySeqKDError) as error:
        raise CheckpointError(f"{path}: the model arguments or text pipeline in the header are broken ({error})") \
            from None
    sizes = (len(pipeline.src_vocab), len(pipeline.tgt_vocab))
    if sizes != (args.src_vocab_size, args.tgt_vocab_size):
        raise CheckpointError(
            f"{path}: the model has vocabularies of {args.src_vocab_size:,} (source) and {args.tgt_vocab_size:,} "
            f"(target) words but its text pipeline has {sizes[0]:,} and {sizes[1]:,}, so ids would mean the wrong "
            "words; fix: use a checkpoint whose model and pipeline come from the same training run")
    model = Seq2Seq(args, np.random.default_rng(0))
    restore(loaded, model=model)
    return Translator(model.eval(), pipeline, path, header)


# ------------------------------------------------------------------------------------------- files
def read_lines(path: str | None) -> list[str]:
    """The lines of a UTF-8 file (``None`` or ``-``: standard input); an empty input is an error."""
    name = "standard input" if path in (None, "-") else str(path)
    try:
        data = sys.stdin.buffer.read() if path in (None, "-") else Path(path).read_bytes()
    except OSError as error:
        raise CorpusError(f"{name}: cannot read ({error.strerror}); fix: check the path") from None
    lines = decode_lines(data, name)
    if not lines:
        raise CorpusError(f"{name}: empty, nothing to translate; fix: give one sentence per line")
    return lines


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it: nothing is ever written half."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ConfigError(f"{path}: the directory {path.parent} does not exist; fix: create it first")
    write_text_atomically(path, text)


class ProgressBar:
    """``translating [#####.....] 120/500 sentences, 35 sentences/s, 0:11 left`` on stderr.

    On a terminal the line is redrawn (at most 5 times a second); otherwise only a summary line is printed at the
    end, so that logs stay readable.
    """

    def __init__(self, total: int, stream=None, width: int = 24):
        self.total, self.done, self.width = total, 0, width
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.start = self.last_draw = time.perf_counter()

    def __call__(self, n: int) -> None:
        self.done += n
        now = time.perf_counter()
        if self.live and (now - self.last_draw > 0.2 or self.done >= self.total):
            self.last_draw = now
            self.stream.write("\r" + self.line(now))
            self.stream.flush()

    def line(self, now: float) -> str:
        rate = self.done / max(now - self.start, 1e-9)
        filled = self.width * self.done // max(self.total, 1)
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        return (f"translating [{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} sentences, "
                f"{rate:.1f} sentences/s, {int(left) // 60}:{int(left) % 60:02d} left")

    def close(self) -> None:
        seconds = time.perf_counter() - self.start
        end = "\n" if self.live else f"translated {self.done} sentences in {seconds:.1f} s\n"
        self.stream.write(end)
        self.stream.flush()


# ------------------------------------------------------------------------------------------- the command
def add_parser(subparsers) -> None:
    """Register ``tinyseqkd translate``."""
    from tinyseqkd.cli import add_common_options

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
    parser.add_argument("--max-src-len", type=int, default=DEFAULT_MAX_SRC_LEN, metavar="N",
                        help=f"longest input line, in source pieces (default {DEFAULT_MAX_SRC_LEN})")
    parser.add_argument("--plot-attention", metavar="DIR",
                        help='write one attention heat map PNG per sentence into DIR (needs "tinyseqkd[tutorials]")')
    add_common_options(parser)
    parser.set_defaults(run=run_translate)


def check_positive(args, option: str) -> None:
    value = getattr(args, option)
    if value is not None and value < 1:
        raise ConfigError(f"--{option.replace('_', '-')} must be at least 1, got {value}")


def run_translate(args) -> int:
    for option in ("beam", "nbest", "batch_size", "max_src_len"):
        check_positive(args, option)
    if args.nbest is not None and args.nbest > args.beam:
        raise ConfigError(f"--nbest {args.nbest} is more than the beam holds (--beam {args.beam}); "
                          f"fix: use --beam {args.nbest} or more")
    if args.length_penalty < 0:
        raise ConfigError(f"--length-penalty must be ≥ 0, got {args.length_penalty}")
    if args.plot_attention:
        _prepare_plots(Path(args.plot_attention))
    translator = load_translator(args.model)
    lines = read_lines(args.input)
    progress = ProgressBar(sum(1 for line in lines if line.strip())) if args.input not in (None, "-") else None
    results = translator.translate(lines, beam_size=args.beam, n_best=args.nbest or 1,
                                   length_penalty=args.length_penalty, batch_size=args.batch_size,
                                   max_src_len=args.max_src_len, where=args.input or "standard input",
                                   return_attention=bool(args.plot_attention), progress=progress)
    if progress is not None:
        progress.close()
    text = format_nbest(translator, results) if args.nbest else \
        "".join((translator.text(found[0]) if found else "") + "\n" for found in results)
    if args.output:
        write_atomically(Path(args.output), text)
    else:
        sys.stdout.write(text)
    if args.plot_attention:
        _plot_all(translator, lines, results, Path(args.plot_attention))
    return 0


def format_nbest(translator: Translator, results: list[list[Hypothesis]]) -> str:
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


def _plot_all(translator: Translator, lines: list[str], results: list[list[Hypothesis]], directory: Path) -> None:
    from tinyseqkd.plotting import plot_attention

    digits = len(str(len(lines) - 1))
    for index, (line, found) in enumerate(zip(lines, results)):
        if found:
            best = found[0]
            plot_attention(best.attention, translator.pipeline.src_tokens(line),
                           translator.pipeline.tgt_vocab.decode(best.ids.tolist()) + ["</s>"],
                           directory / f"sentence-{index:0{digits}d}.png", title=f"line {index}")
