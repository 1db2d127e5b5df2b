"""``tinyseqkd distill``: a teacher's translations of a corpus, the data of Seq-KD and Seq-Inter (Kim & Rush 2016,
Sec. 3.2 and 3.3).

    tinyseqkd distill -m runs/teacher --out distilled/beam                          # Seq-KD: the beam's best (K = 5)
    tinyseqkd distill -m runs/teacher --out distilled/inter --beam 35 --nbest 35 --select bleu     # Seq-Inter
    tinyseqkd train student --out runs/seq-kd --data.pipeline=runs/teacher --data.targets=distilled/beam

The source is the teacher's own training split, read with the teacher's ``[data]`` section and seed
(:func:`tinyseqkd.recipe.distillation_source`), so that a student with the same ``[data]`` trains on exactly these
sources (``train`` checks their count and SHA-256). The work is the library's (:mod:`tinyseqkd.distill`): chunks of
``--chunk-size`` sentences written atomically, so that running the same command again after Ctrl-C or a crash
continues where it stopped; ``--shard i/N`` for N processes or machines; ``--merge`` to gather shards written into
directories of their own. The result is byte-identical to one uninterrupted, unsharded run on the same thread count
(``--threads``; BLAS sums may depend on it) and ``--batch-size`` (recorded in the manifest).
"""

from __future__ import annotations

import argparse
import sys
import time

from tinyseqkd.commands.options import add_threads_option, check_positive
from tinyseqkd.errors import ConfigError

EPILOG = """Seq-Inter (--select bleu) keeps the teacher's K-best list (--nbest K, at most --beam; the paper: K = 35)
and writes, per sentence, the hypothesis with the highest smoothed sentence BLEU against the gold target, counted on
words (BPE undone); ties go to the teacher's higher-ranked hypothesis.
Sharding: run "--shard 1/2" and "--shard 2/2" (same options) into one --out on a shared disk (the last one to
finish merges), or each into its own directory and then: tinyseqkd distill --merge PART1 PART2 --out DIR
"""


def add_parser(subparsers) -> None:
    """Register ``tinyseqkd distill``."""
    parser = subparsers.add_parser(
        "distill", help="decode a corpus with a teacher: Seq-KD and Seq-Inter training targets", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Translate the teacher's training source with its beam search and write the distilled targets "
                    "(pieces, readable text, provenance) into --out. Resumable: run the same command again.")
    parser.add_argument("-m", "--model", metavar="TEACHER", help="the teacher: a checkpoint or run directory")
    parser.add_argument("--out", required=True, metavar="DIR", help="the distilled-corpus directory")
    parser.add_argument("--corpus", metavar="NAME|PATH",
                        help="decode this corpus instead of the teacher's (read with the teacher's [data] settings)")
    parser.add_argument("--split", default="train", choices=("train", "valid", "test"), help="default: train")
    parser.add_argument("--beam", type=int, default=5, metavar="K", help="the teacher's beam size (default 5)")
    parser.add_argument("--nbest", type=int, default=1, metavar="K",
                        help="hypotheses kept per sentence, at most --beam (default 1; Seq-Inter: 35)")
    parser.add_argument("--select", choices=("beam", "bleu"), default="beam",
                        help="beam: the beam's best (Seq-KD); bleu: the K-best closest to the gold (Seq-Inter)")
    parser.add_argument("--keep-kbest", action="store_true", help="also write every K-best list (train.kbest.jsonl)")
    parser.add_argument("--chunk-size", type=int, default=256, metavar="N",
                        help="sentences per chunk, the unit of resuming and sharding (default 256)")
    parser.add_argument("--shard", default="1/1", metavar="i/N", help="decode only shard i of N (default 1/1)")
    parser.add_argument("--merge", nargs="+", metavar="PART_DIR",
                        help="gather the chunks of shards written into these directories into --out (no decoding)")
    parser.add_argument("--batch-size", type=int, default=64, metavar="B", help="sentences per batch (default 64)")
    parser.add_argument("--length-penalty", type=float, default=0.0, metavar="A",
                        help="rank hypotheses by score / (length + 1)^A (default 0: the plain score)")
    add_threads_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.merge:
        return merge_parts(args)
    check_options(args)
    from tinyseqkd.distill import Shard

    shard = Shard.parse(args.shard)
    job = prepare_job(args)
    print(f"distilling {job.manifest.source_sentences:,} sentences of {job.manifest.corpus} {args.split} with "
          f"{job.teacher_file} (beam {args.beam}, {args.nbest}-best, select {args.select})"
          + (f", shard {shard.index}/{shard.count}" if shard.count > 1 else "") + f" into {args.out}", flush=True)
    progress = ChunkProgress()
    try:
        report = job.run(shard, progress)
    except KeyboardInterrupt:
        progress.close()
        print(f"interrupted: the finished chunks are kept in {args.out}; run the same command again to continue",
              file=sys.stderr)
        return 130
    progress.close()
    print(f"decoded {report.decoded} chunk(s)" + (f", {report.skipped} done before" if report.skipped else ""))
    if report.merged:
        print(f"wrote {args.out}/train.pieces and train.txt ({job.manifest.source_sentences:,} sentences). Train a "
              f"student on them with: tinyseqkd train CONFIG --data.pipeline={job.teacher_file} "
              f"--data.targets={args.out}")
    else:
        print(f"shard {shard.index}/{shard.count} is done; the corpus is complete when every shard is (then merge "
              "with: tinyseqkd distill --merge PART_DIR ... --out DIR, if the shards wrote into directories of their "
              "own)")
    return 0


def check_options(args: argparse.Namespace) -> None:
    """Refuse impossible options before loading anything."""
    if not args.model:
        raise ConfigError("distill needs the teacher: -m CHECKPOINT (or --merge PART_DIR ... to gather shards)")
    check_positive(args, "beam", "nbest", "chunk_size", "batch_size")
    if args.nbest > args.beam:
        raise ConfigError(f"--nbest {args.nbest} is more than the beam holds (--beam {args.beam}); fix: use --beam "
                          f"{args.nbest} or more")
    if args.select == "bleu" and args.nbest < 2:
        raise ConfigError("--select bleu picks the closest of the teacher's K-best list: give --nbest K (the paper: "
                          "--beam 35 --nbest 35)")
    if args.length_penalty < 0:
        raise ConfigError(f"--length-penalty must be ≥ 0, got {args.length_penalty}")


class DistillJob:
    """The teacher, its source sentences and the manifest: everything one ``distill_corpus`` call needs."""

    def __init__(self, args, teacher_file, translator, corpus_name, text):
        from tinyseqkd.data.tokenize import detokenize, pretokenize
        from tinyseqkd.distill import closest_to_gold, pieces_to_words, teacher_decoder, teacher_manifest

        self.args, self.teacher_file = args, teacher_file
        pipeline = translator.pipeline
        self.sources = pipeline.encode_src_many(text.src)
        self.manifest = teacher_manifest(
            teacher_file, pipeline, text.src, corpus=corpus_name, split=args.split, beam_size=args.beam,
            nbest=args.nbest, selection=args.select, chunk_size=args.chunk_size, keep_kbest=args.keep_kbest,
            decoding={"length_penalty": args.length_penalty, "batch_size": args.batch_size})
        self.decoder = teacher_decoder(translator.model, pipeline.tgt_vocab, beam_size=args.beam, nbest=args.nbest,
                                       length_penalty=args.length_penalty, batch_size=args.batch_size)
        words = pieces_to_words(pipeline)
        self.to_text = lambda pieces: detokenize(words(pieces))
        self.select = closest_to_gold([pretokenize(gold) for gold in text.tgt], words) \
            if args.select == "bleu" else None

    def run(self, shard, progress):
        from tinyseqkd.distill import distill_corpus

        return distill_corpus(self.decoder, self.sources, self.args.out, self.manifest, shard=shard,
                              progress=progress, to_text=self.to_text, select=self.select)


def prepare_job(args: argparse.Namespace) -> DistillJob:
    from tinyseqkd.recipe import checkpoint_file, distillation_source
    from tinyseqkd.translator import load_translator

    teacher_file = checkpoint_file(args.model, "-m/--model")
    translator = load_translator(teacher_file)
    corpus_name, text = distillation_source(translator.header, str(teacher_file), args.corpus, args.split)
    return DistillJob(args, teacher_file, translator, corpus_name, text)


class ChunkProgress:
    """``progress(done, total)`` for :func:`tinyseqkd.distill.distill_corpus` → a :class:`ProgressBar` with ETA
    over the sentences still to decode; one line per chunk when standard error is not a terminal (a log)."""

    def __init__(self):
        self.bar, self.done = None, 0

    def __call__(self, done: int, total: int) -> None:
        from tinyseqkd.progress import ProgressBar

        if self.bar is None:
            if done:
                print(f"{done:,} of {total:,} sentences were distilled before: continuing", flush=True)
            self.bar, self.done = ProgressBar(total - done, doing="distilling", done="distilled"), done
            return
        self.bar(done - self.done)
        self.done = done
        if not self.bar.live:
            print(self.bar.line(time.perf_counter()), file=self.bar.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def merge_parts(args: argparse.Namespace) -> int:
    """``--merge PART_DIR ... --out DIR``: gather the shards' chunks and write the final files (no decoding)."""
    from pathlib import Path

    from tinyseqkd.distill import merge, read_manifest

    if args.model:
        raise ConfigError("--merge gathers chunks that shards already decoded: it takes no -m (run each shard with "
                          "-m, then merge)")
    out = Path(args.out)
    if not (out / "manifest.json").exists():
        manifest = read_manifest(args.merge[0])
        out.mkdir(parents=True, exist_ok=True)
        manifest.save(out)
    merge(out, args.merge)
    print(f"merged {', '.join(args.merge)} into {out}: train.pieces and train.txt "
          f"({read_manifest(out).source_sentences:,} sentences)")
    return 0
