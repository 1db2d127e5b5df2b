"""The paper's measurements (Kim & Rush 2016, Table 1 and Sec. 6) and the ``tinyseqkd evaluate`` command.

- **BLEU** with greedy (K = 1) and beam (K = 5) decoding: sacrebleu's corpus BLEU of the detokenized output
  against every reference the split has (the embedded corpus's valid and test splits have two); its signature is
  printed so that a number can be compared with others. **chrF** of the beam output, the same way.
- **Perplexity** on the gold targets: exp of the mean negative log-likelihood per target token (``</s>``
  included), teacher-forced (the PPL column).
- **p(t = ŷ)**: the model's probability of its own greedy output, ``exp log p(ŷ </s> | s)`` teacher-forced,
  averaged over the sentences (DESIGN.md §1; the paper: 0.9% for the baseline student, 16.9% after Seq-KD — the
  reason greedy decoding comes close to beam search after sequence-level distillation).
- **Speed** in source words per second (pre-tokenized words of the source text; decoding only, batched), for
  greedy and beam decoding.
- **Parameters**, total and non-zero (after pruning, See et al. 2016, the two differ).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass

import numpy as np

from tinyseqkd.data.batching import make_batches, make_src_batches
from tinyseqkd.data.tokenize import count_tokens
from tinyseqkd.decoding import beam_search, evaluation_mode, greedy_decode


# ------------------------------------------------------------------------------------------- model scores
def perplexity(model, src_ids, tgt_ids, batch_size: int = 64, batch_by: str = "sentences") -> float:
    """exp(total NLL / target tokens) over a whole split, in eval mode (no dropout); batches as
    :func:`~tinyseqkd.data.batching.make_batches` cuts them (``batch_size`` sentences or tokens)."""
    total_nll, total_tokens = 0.0, 0
    with evaluation_mode(model):
        for batch in make_batches(src_ids, tgt_ids, batch_size=batch_size, batch_by=batch_by, rng=None):
            loss, _ = model.loss(batch)
            total_nll += loss.item() * batch.n_tgt_tokens
            total_tokens += batch.n_tgt_tokens
    return math.exp(total_nll / max(total_tokens, 1))


def sequence_log_probs(model, src_ids, tgt_ids, batch_size: int = 64) -> np.ndarray:
    """log p(y </s> | s) of each pair, teacher-forced: the sum of the model's log-probabilities. → (N,) float64."""
    totals = np.zeros(len(src_ids))
    with evaluation_mode(model):
        for batch in make_batches(src_ids, tgt_ids, batch_size=batch_size, rng=None):
            log_probs = model(batch.src, batch.src_lengths, batch.tgt_in).data  # (B, T, V)
            picked = np.take_along_axis(log_probs, batch.tgt_out[:, :, None].astype(np.int64), axis=2)[:, :, 0]
            totals[batch.index] = (picked * batch.tgt_mask).sum(axis=1, dtype=np.float64)  # (B,)
    return totals


def mean_probability(model, src_ids, outputs, batch_size: int = 64) -> float:
    """The mean of p(y </s> | s) over the sentences; for the model's own greedy outputs, that is p(t = ŷ)."""
    return float(np.exp(sequence_log_probs(model, src_ids, outputs, batch_size)).mean()) if len(src_ids) else 0.0


# ------------------------------------------------------------------------------------------- translating ids
def translate_ids(model, src_ids, batch_size: int = 64, decode=greedy_decode,
                  batch_by: str = "sentences") -> list[np.ndarray]:
    """Decode every source (batched by length), returned in the input order.

    ``decode(model, src, src_lengths)`` returns one id array per row: :func:`greedy_decode` or a
    :func:`beam_decoder`.
    """
    batches, _ = make_src_batches(src_ids, batch_size, batch_by)
    outputs = [None] * len(src_ids)
    for batch in batches:
        for row, ids in zip(batch.index, decode(model, batch.src, batch.src_lengths)):
            outputs[row] = ids
    return outputs


def beam_decoder(beam_size: int, length_penalty: float = 0.0):
    """A ``decode`` function for :func:`translate_ids` that keeps the best hypothesis of a beam search."""
    def decode(model, src, src_lengths):
        found = beam_search(model, src, src_lengths, beam_size, length_penalty=length_penalty)
        return [hypotheses[0].ids for hypotheses in found]
    return decode


def timed_translation(model, src_ids, batch_size: int, decode) -> tuple[list[np.ndarray], float]:
    """:func:`translate_ids` and the seconds it took (after one untimed sentence, which loads the compiled
    kernels: the first call of each pays for that once)."""
    translate_ids(model, src_ids[:1], batch_size, decode)
    start = time.perf_counter()
    outputs = translate_ids(model, src_ids, batch_size, decode)
    return outputs, time.perf_counter() - start


# ------------------------------------------------------------------------------------------- text metrics
def corpus_bleu(hypotheses: list[str], references: list[list[str]]):
    """sacrebleu corpus BLEU; ``references[k][i]`` is the k-th reference of sentence i."""
    import sacrebleu

    return sacrebleu.corpus_bleu(hypotheses, references)


def bleu_and_signature(hypotheses: list[str], references: list[list[str]]) -> tuple[float, str]:
    """sacrebleu's corpus BLEU (its defaults: 13a tokenization, exp smoothing) and its signature."""
    from sacrebleu.metrics import BLEU

    metric = BLEU()
    return metric.corpus_score(hypotheses, references).score, str(metric.get_signature())


def chrf_and_signature(hypotheses: list[str], references: list[list[str]]) -> tuple[float, str]:
    """sacrebleu's corpus chrF (character 6-grams, β = 2) and its signature."""
    from sacrebleu.metrics import CHRF

    metric = CHRF()
    return metric.corpus_score(hypotheses, references).score, str(metric.get_signature())


# ------------------------------------------------------------------------------------------- the whole table row
@dataclass
class Evaluation:
    """One row of the paper's Table 1, plus speed and size."""

    sentences: int
    source_words: int
    bleu_greedy: float
    bleu_beam: float
    beam_size: int
    chrf_beam: float
    perplexity: float
    p_greedy_output: float  # p(t = ŷ)
    words_per_second_greedy: float
    words_per_second_beam: float
    parameters: int
    nonzero_parameters: int
    bleu_signature: str
    chrf_signature: str


def evaluate_model(model, pipeline, sources: list[str], references: list[list[str]], *, beam_size: int = 5,
                   length_penalty: float = 0.0, batch_size: int = 64,
                   src_ids: list[np.ndarray] | None = None) -> tuple[Evaluation, list[str], list[str]]:
    """Every measurement of the module docstring on one split. Returns the evaluation and the greedy and beam
    translations (detokenized). ``src_ids`` may pass the sources already encoded (each non-empty)."""
    src_ids = src_ids if src_ids is not None else pipeline.encode_src_many(sources)
    gold_ids = pipeline.encode_tgt_many(references[0])
    words = sum(count_tokens(text) for text in sources)
    greedy_ids, greedy_seconds = timed_translation(model, src_ids, batch_size, greedy_decode)
    beam_ids, beam_seconds = timed_translation(model, src_ids, batch_size, beam_decoder(beam_size, length_penalty))
    greedy_text, beam_text = pipeline.decode_tgt_many(greedy_ids), pipeline.decode_tgt_many(beam_ids)
    bleu_greedy, _ = bleu_and_signature(greedy_text, references)
    bleu_beam, bleu_signature = bleu_and_signature(beam_text, references)
    chrf, chrf_signature = chrf_and_signature(beam_text, references)
    evaluation = Evaluation(
        sentences=len(sources), source_words=words, bleu_greedy=bleu_greedy, bleu_beam=bleu_beam,
        beam_size=beam_size, chrf_beam=chrf, perplexity=perplexity(model, src_ids, gold_ids, batch_size),
        p_greedy_output=mean_probability(model, src_ids, greedy_ids, batch_size),
        words_per_second_greedy=words / max(greedy_seconds, 1e-9),
        words_per_second_beam=words / max(beam_seconds, 1e-9),
        parameters=model.num_parameters(), nonzero_parameters=model.num_parameters(nonzero=True),
        bleu_signature=bleu_signature, chrf_signature=chrf_signature)
    return evaluation, greedy_text, beam_text


def format_evaluation(e: Evaluation, title: str) -> str:
    """The evaluation as a small aligned table a person reads."""
    rows = [
        ("BLEU greedy (K=1)", f"{e.bleu_greedy:.2f}"),
        (f"BLEU beam (K={e.beam_size})", f"{e.bleu_beam:.2f}"),
        (f"chrF beam (K={e.beam_size})", f"{e.chrf_beam:.2f}"),
        ("perplexity", f"{e.perplexity:.2f}"),
        ("p(t = ŷ)", f"{100 * e.p_greedy_output:.2f}%"),
        ("speed greedy", f"{e.words_per_second_greedy:,.0f} source words/s"),
        (f"speed beam (K={e.beam_size})", f"{e.words_per_second_beam:,.0f} source words/s"),
        ("parameters", f"{e.parameters:,} (non-zero {e.nonzero_parameters:,})"),
    ]
    lines = [title] + [f"  {name:<20} {value}" for name, value in rows]
    lines += [f"  BLEU signature: {e.bleu_signature}", f"  chrF signature: {e.chrf_signature}"]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- the command
def add_parser(subparsers) -> None:
    """Register ``tinyseqkd evaluate``."""
    from tinyseqkd.cli import add_common_options
    from tinyseqkd.data.commands import add_corpus_options

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
    parser.add_argument("--save-translations", metavar="DIR", help="write greedy.txt and beam.txt into DIR")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    add_corpus_options(parser)
    add_common_options(parser)
    parser.set_defaults(run=run_evaluate)


def run_evaluate(args) -> int:
    from tinyseqkd.translate import DEFAULT_MAX_SRC_LEN, check_positive, load_translator, write_atomically

    for option in ("beam", "batch_size", "max_src_len"):
        check_positive(args, option)
    translator = load_translator(args.model)
    name, sources, references = _evaluation_text(args, translator)
    src_ids = translator.encode_lines(sources, name, args.max_src_len or DEFAULT_MAX_SRC_LEN, allow_empty=False)
    evaluation, greedy_text, beam_text = evaluate_model(
        translator.model, translator.pipeline, sources, references, beam_size=args.beam,
        length_penalty=args.length_penalty, batch_size=args.batch_size, src_ids=src_ids)
    if args.save_translations:
        from pathlib import Path

        directory = Path(args.save_translations)
        directory.mkdir(parents=True, exist_ok=True)
        write_atomically(directory / "greedy.txt", "".join(line + "\n" for line in greedy_text))
        write_atomically(directory / "beam.txt", "".join(line + "\n" for line in beam_text))
    if args.json:
        print(json.dumps({"checkpoint": str(args.model), "data": name, **asdict(evaluation)}))
    else:
        title = (f"{args.model}: {name}, {evaluation.sentences:,} sentences, {evaluation.source_words:,} source "
                 f"words, {len(references)} reference(s)")
        print(format_evaluation(evaluation, title))
    return 0


def _evaluation_text(args, translator) -> tuple[str, list[str], list[list[str]]]:
    """(a name for messages, source lines, references) from --src/--ref, --corpus, or the checkpoint's corpus."""
    from tinyseqkd.errors import ConfigError
    from tinyseqkd.translate import read_lines

    if args.src or args.ref:
        if not (args.src and args.ref):
            raise ConfigError("--src and --ref go together: give both (or neither, to use --corpus)")
        if args.corpus:
            raise ConfigError("give either --corpus or --src/--ref, not both")
        sources = read_lines(args.src)
        references = [read_lines(path) for path in args.ref]
        for path, lines in zip(args.ref, references):
            if len(lines) != len(sources):
                raise ConfigError(f"{path} has {len(lines)} lines but {args.src} has {len(sources)}; fix: line n of "
                                  "each reference must translate line n of the source")
        return args.src, sources, references
    corpus = _corpus(args, translator.header)
    if args.split not in corpus.splits or not len(corpus.splits[args.split]):
        raise ConfigError(f"{corpus.name} has no {args.split} split; choose --split from "
                          f"{', '.join(corpus.splits)}")
    text = corpus.splits[args.split]
    return f"{corpus.name} {args.split}", text.src, text.refs


def _corpus(args, header: dict):
    """--corpus (an embedded name, a path, or synthetic:TASK), else the corpus the checkpoint was trained on."""
    from tinyseqkd.config import DataConfig, config_from_dict
    from tinyseqkd.data.commands import corpus_from_args
    from tinyseqkd.data.prepared import SYNTHETIC_PREFIX, corpus_for_config
    from tinyseqkd.errors import ConfigError

    if args.corpus and not args.corpus.startswith(SYNTHETIC_PREFIX):
        return corpus_from_args(args, args.corpus, splits=[args.split])
    if args.corpus:
        return corpus_for_config(DataConfig(corpus=args.corpus, max_len=0), args.seed, [args.split])
    if "config" not in header:
        raise ConfigError(f"{args.model}: the checkpoint does not say which corpus it was trained on; "
                          "fix: give --corpus NAME or --src FILE --ref FILE")
    config = config_from_dict(header["config"], where=str(args.model))
    return corpus_for_config(config.data, config.train.seed, [args.split])
