"""Decoding speed: source words per second, greedy and beam 5, batched and one sentence at a time, for a teacher and a
student — with PyTorch's batched beam search on the same model beside ours.

    python benchmarks/decode_speed.py [--teacher CKPT] [--student CKPT] [--threads 1] [--sentences 200]
                                      [--single 16] [--seqkd-sentences 2000] [--no-torch]

**What is decoded.** With checkpoints, their own models and text pipelines. Without (the default: nothing is
trained), randomly initialised models of the shipped ``teacher`` (2 × 256) and ``student-small`` (1 × 64) shapes
with 8,000-word vocabularies, reading the valid split of the embedded corpus encoded with a word-level 8,000-word
vocabulary fitted on its training split (pieces ≈ words; the real configs' BPE makes sequences ~10% longer). If the
embedded corpus is not installed, random ids with 8–45 words per sentence stand in.

**What the numbers mean.** Source words (pre-tokenized) per second of decoding, batches of 64 sentences sorted by
length (or one sentence at a time), timed as ``tinyseqkd evaluate`` times them (``evaluate.timed_translation``:
after an untimed warm-up sentence and a garbage collection; runs under 0.1 s repeated). A random model almost never
says ``</s>``, so every sentence runs to its length limit (2 × its length + 10 steps), about twice the steps a
trained model takes: absolute figures are pessimistic, but comparisons between rows do the same work. The PyTorch
column runs ``torch_beam.py`` (the same search, same limits, done sentences leaving the batch) on
``torch_reference.py``'s copy of the same weights, at the faster of 1 and ``--threads`` threads (PyTorch's pool can
be several times slower at 2 threads than at 1 on two cores); "agree" is the share of sentences where both found the
same best hypothesis.

**Seq-KD cost.** The teacher decodes ``--seqkd-sentences`` training sentences at beam 5; the time is extrapolated
to the whole training split, which sequence-level distillation must translate once.

Targets (issue 14): our beam 5 ≥ 2.5× PyTorch's batched beam search; the student's greedy ≥ 12× faster than the
teacher's beam 5. The machine is shared: the load average is printed, and ``--threads 1`` is advised while others work. The
last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BATCH_SIZE = 64
BEAM = 5


# ---------------------------------------------------------------------------------------------- what to decode
def random_model(config_name: str, vocab_size: int = 8000):
    """A randomly initialised Seq2Seq of a shipped config's shape (seeded)."""
    from tinyseqkd.config import load_config
    from tinyseqkd.model import ModelArgs, Seq2Seq

    m = load_config(config_name).model
    args = ModelArgs.from_config(m, vocab_size, vocab_size)
    return Seq2Seq(args, np.random.default_rng(0)).eval()


def load_model(checkpoint: str):
    from tinyseqkd.translator import load_translator

    translator = load_translator(checkpoint)
    return translator.model, translator.pipeline


def corpus_text():
    """(valid sources, train sources, description) of the embedded corpus, or None if it is not installed."""
    from tinyseqkd.data.embedded import EMBEDDED_CORPORA
    from tinyseqkd.data.prepared import load_corpus

    if "bible-es-en" not in EMBEDDED_CORPORA:
        return None
    corpus = load_corpus("bible-es-en", max_len=50)
    return corpus.splits["valid"].src, corpus.splits["train"].src, "bible-es-en (es→en)"


def word_pipeline(train_sources: list[str]):
    """A word-level pipeline with an 8,000-word source vocabulary, fitted on the training sources."""
    from tinyseqkd.data.text_pipeline import TextPipeline

    return TextPipeline.fit(train_sources, ["x"], bpe_merges=0, src_vocab_size=8000, tgt_vocab_size=None)


def stand_in_sentences(n: int, seed: int, vocab_size: int) -> tuple[list[np.ndarray], list[int]]:
    """Random ids (8–45 per sentence) when the embedded corpus is missing; words = ids."""
    rng = np.random.default_rng(seed)
    ids = [rng.integers(4, vocab_size, rng.integers(8, 46)).astype(np.int32) for _ in range(n)]
    return ids, [len(x) for x in ids]


# ---------------------------------------------------------------------------------------------- timing
def words_per_second(model, src_ids, words: int, decode, batch_size: int) -> float:
    from tinyseqkd.evaluate import timed_translation

    _, seconds = timed_translation(model, src_ids, batch_size, decode)
    return words / seconds


def torch_beam_words_per_second(model, src_ids, words: int, threads: int) -> tuple[float, int, list]:
    """PyTorch's batched beam 5 on a copy of ``model`` at its best of 1 and ``threads`` threads.

    Returns words/s, the thread count that gave it, and the best hypotheses (input order). Both counts are tried
    because PyTorch's thread pool can be several times slower at 2 threads than at 1 on a 2-core machine.
    """
    import torch

    sys.path.insert(0, str(HERE))
    from torch_beam import torch_beam_search
    from torch_reference import load_from_tinyseqkd

    from tinyseqkd.data.batching import make_src_batches

    torch_model = load_from_tinyseqkd(model).eval()
    batches, _ = make_src_batches(src_ids, BATCH_SIZE)
    as_torch = [(torch.from_numpy(b.src.astype(np.int64)), torch.from_numpy(b.src_lengths.astype(np.int64)))
                for b in batches]

    def decode_all() -> tuple[float, list]:
        torch_beam_search(torch_model, as_torch[0][0][:1], as_torch[0][1][:1], BEAM)  # warm-up
        outputs = [None] * len(src_ids)
        start = time.perf_counter()
        for batch, (src, lengths) in zip(batches, as_torch):
            for row, ids in zip(batch.index, torch_beam_search(torch_model, src, lengths, BEAM)):
                outputs[row] = ids
        return words / (time.perf_counter() - start), outputs

    best = (0.0, 1, [])
    for count in sorted({1, threads}):
        torch.set_num_threads(count)
        rate, outputs = decode_all()
        if rate > best[0]:
            best = (rate, count, outputs)
    return best


def measure(name: str, model, src_ids, words, single: int, with_torch: bool, threads: int) -> dict:
    """Greedy and beam 5, batched and one at a time (the first ``single`` sentences), and PyTorch's beam 5."""
    from tinyseqkd.decoding import greedy_decode
    from tinyseqkd.evaluate import beam_decoder, translate_ids

    total, few = sum(words), sum(words[:single])
    row = {"model": f"{model.args.layers}x{model.args.hidden_size}, vocab {model.args.tgt_vocab_size}",
           "parameters": model.num_parameters()}
    for label, decode in (("greedy", greedy_decode), (f"beam{BEAM}", beam_decoder(BEAM))):
        row[f"{label}_batched"] = words_per_second(model, src_ids, total, decode, BATCH_SIZE)
        row[f"{label}_single"] = words_per_second(model, src_ids[:single], few, decode, 1)
    line = (f"{name:8s} {row['model']:18s} greedy {row['greedy_batched']:8,.0f} batched {row['greedy_single']:7,.0f} "
            f"single | beam {BEAM} {row[f'beam{BEAM}_batched']:7,.0f} batched {row[f'beam{BEAM}_single']:6,.0f} single")
    if with_torch:
        row[f"torch_beam{BEAM}_batched"], row["torch_threads"], theirs = torch_beam_words_per_second(
            model, src_ids, total, threads)
        ours = translate_ids(model, src_ids, BATCH_SIZE, beam_decoder(BEAM))
        row["torch_agree"] = float(np.mean([a.tolist() == b for a, b in zip(ours, theirs)]))
        row["ours_over_torch"] = row[f"beam{BEAM}_batched"] / row[f"torch_beam{BEAM}_batched"]
        line += (f" | PyTorch beam {BEAM} {row[f'torch_beam{BEAM}_batched']:7,.0f} batched, "
                 f"{row['torch_threads']} thread{'s' if row['torch_threads'] > 1 else ''} "
                 f"(ours {row['ours_over_torch']:.2f}x, agree {100 * row['torch_agree']:.0f}%)")
    print(line + "  [source words/s]", flush=True)
    return row


def seqkd_cost(model, src_ids, words, n_train: int, n_train_words: int) -> dict:
    """Teacher beam 5 over some training sentences, extrapolated (by words) to the whole training split."""
    from tinyseqkd.evaluate import beam_decoder

    rate = words_per_second(model, src_ids, sum(words), beam_decoder(BEAM), BATCH_SIZE)
    hours = n_train_words / rate / 3600
    print(f"Seq-KD: teacher beam {BEAM} on {len(src_ids):,} training sentences: {rate:,.0f} words/s -> the whole "
          f"training split ({n_train:,} sentences, {n_train_words:,} words) in about {hours:.2f} h", flush=True)
    return {"sentences": len(src_ids), "words_per_second": rate, "train_sentences": n_train,
            "train_words": n_train_words, "extrapolated_hours": hours}


# ---------------------------------------------------------------------------------------------- driver
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teacher", metavar="CKPT", help="teacher checkpoint (default: random 'teacher' shape)")
    parser.add_argument("--student", metavar="CKPT", help="student checkpoint (default: random 'student-small')")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sentences", type=int, default=200, help="valid sentences decoded in batches")
    parser.add_argument("--single", type=int, default=16, help="of which decoded one at a time")
    parser.add_argument("--seqkd-sentences", type=int, default=2000, help="training sentences for the Seq-KD cost")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    args = parser.parse_args()

    from tinyseqkd.data.tokenize import count_tokens
    from tinyseqkd.threads import set_threads

    threads = set_threads(args.threads)
    with_torch = not args.no_torch and _torch_available()
    print(f"threads {threads}, batch {BATCH_SIZE}, load average {os.getloadavg()[0]:.2f}", flush=True)
    results = {"threads": threads, "batch_size": BATCH_SIZE, "beam": BEAM, "load_average_start": os.getloadavg()[0]}
    text = corpus_text()
    models = {}
    for role, checkpoint, shape in (("teacher", args.teacher, "teacher"), ("student", args.student, "student-small")):
        models[role] = load_model(checkpoint) if checkpoint else (random_model(shape), None)
    shared_pipeline = word_pipeline(text[1]) if text else None
    results["data"] = text[2] if text else "random ids, 8-45 per sentence (the embedded corpus is not installed)"
    print(f"data: {results['data']}; models: {', '.join(args_or_random(args))}", flush=True)

    for role, (model, pipeline) in models.items():
        if text:
            valid = text[0][:args.sentences]
            src_ids = (pipeline or shared_pipeline).encode_src_many(valid)
            words = [count_tokens(line) for line in valid]
        else:
            src_ids, words = stand_in_sentences(args.sentences, 1, model.args.src_vocab_size)
        results[role] = measure(role, model, src_ids, words, args.single, with_torch, threads)

    t, s = results["teacher"], results["student"]
    results["student_greedy_over_teacher_beam"] = s["greedy_batched"] / t[f"beam{BEAM}_batched"]
    print(f"student greedy / teacher beam {BEAM} (batched): {results['student_greedy_over_teacher_beam']:.1f}x "
          f"(target >= 12x)" + (f"; our beam {BEAM} / PyTorch's: teacher {t['ours_over_torch']:.2f}x, "
                                f"student {s['ours_over_torch']:.2f}x (target >= 2.5x)" if with_torch else ""))

    if args.seqkd_sentences:
        teacher, pipeline = models["teacher"]
        if text:
            train = text[1]
            src_ids = (pipeline or shared_pipeline).encode_src_many(train[:args.seqkd_sentences])
            words = [count_tokens(line) for line in train[:args.seqkd_sentences]]
            n_train, n_words = len(train), sum(count_tokens(line) for line in train)
        else:  # no corpus: the same stand-in sentences, extrapolated to the expected training split size
            src_ids, words = stand_in_sentences(args.seqkd_sentences, 2, teacher.args.src_vocab_size)
            n_train = 29_000
            n_words = round(n_train * np.mean(words))
        results["seqkd"] = seqkd_cost(teacher, src_ids, words, n_train, n_words)
    results["load_average_end"] = os.getloadavg()[0]
    print(f"load average at the end {results['load_average_end']:.2f}")
    print(json.dumps(results))


def args_or_random(args) -> list[str]:
    return [args.teacher or "random teacher (2x256)", args.student or "random student-small (1x64)"]


def _torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


if __name__ == "__main__":
    main()
