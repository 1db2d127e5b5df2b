# %% [markdown]
# # Tutorial 8 — Sequence-level knowledge distillation (Kim & Rush 2016, Sec. 3.2)
#
# **Why.** Word-KD (tutorial 7) matches the teacher word by word, but translation is judged by whole sentences.
# Kim & Rush distil at the sequence level instead: the student should put its mass on the sentences the teacher
# would write. The sum over all sentences is intractable, so they approximate the teacher's distribution by its
# mode, the beam search output ŷ, and simply **train the student on (s, ŷ) with the plain NLL**.
#
# **The equation** (Sec. 3.2):
#
#     L_SEQ-KD = −Σ_t q(t | s) log p(t | s)  ≈  −log p(ŷ | s),      ŷ = beam search of the teacher (K = 5)
#
# Why it helps a small student (Sec. 5): gold data often has several good translations of a source; a student
# with little capacity spreads its mass over them and mixes them up. The teacher's beam picks one, consistently.
# The multimodal toy task shows this in seconds; a short Bible section follows.
#
# **Read beside it:** `tinyseqkd/distill/seq_kd.py` — `teacher_decoder` (batched beam search → pieces),
# `distill_corpus` (chunked, resumable, shardable), `tinyseqkd/distill/store.py` (files and the checked load),
# `manifest.py` (provenance).

# %%
import json
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from _common import multimodal_dataset, options, save_figure, section, train, tutorial_config, with_training_targets
from tinyseqkd.config import config_from_dict
from tinyseqkd.data.prepared import prepare
from tinyseqkd.data.synthetic import identify_variant
from tinyseqkd.distill import distill_corpus, load_distilled_targets, teacher_decoder, teacher_manifest
from tinyseqkd.distill.manifest import lines_sha256
from tinyseqkd.evaluate import beam_decoder, corpus_bleu, greedy_output_probabilities, translate_ids
from tinyseqkd.kernels import kernels_in_use
from tinyseqkd.translator import load_translator


def add_options(parser):
    parser.add_argument("--teacher", type=Path, help="a trained bible-es-en checkpoint for section 4 (e.g. "
                        "runs/teacher/best.npz from `tinyseqkd train teacher`); default: train a small one")


args = options("Tutorial 8 — sequence-level knowledge distillation", add_options, config=True)
scratch = tempfile.TemporaryDirectory(prefix="tutorial08-")  # removed when the script ends
work = Path(scratch.name)
VARIANTS = {0: "forward", 1: "reversed", 2: "doubled", None: "no valid variant"}

# %% [markdown]
# ## 1. The teacher, and its beam output over the training source
#
# The multimodal task of tutorial 7 (variants drawn 0.6 / 0.25 / 0.15) and its 1 × 64 teacher. `distill_corpus`
# decodes the whole training source with `teacher_decoder` (beam 5) chunk by chunk into a directory — the manifest,
# one file per chunk, then `train.pieces` (the teacher's pieces, to map back to its exact ids) and `train.txt`
# (readable). Count the variants: the gold targets mix them in the drawn proportions (62 / 23 / 15%); the
# teacher's output is mostly "forward" (92–97% in the twelve runs listed in section 2) — one mode per source,
# chosen far more consistently than the data. Where the teacher is unsure it writes "reversed", or a mix (invalid,
# at most 1.3%).

# %%
section("1. The teacher, and its beam output over the training source")
steps = 1000  # the same toy settings with and without --quick: the full run trains more students instead
config = tutorial_config(args, "toy-reverse", [f"--train.max_steps={steps}", f"--train.validate_every={steps}",
                                               "--train.valid_examples=0"])
dataset = multimodal_dataset(config, n_train=6000, n_valid=100, n_test=200,
                             alphabet_size=6, min_len=3, max_len=4, variant_probs=(0.6, 0.25, 0.15))
pipeline, train_split, test = dataset.pipeline, dataset.splits["train"], dataset.splits["test"]
teacher = train(config, dataset, run_dir=work / "teacher")

manifest = teacher_manifest(work / "teacher" / "best.npz", pipeline, train_split.text.src,
                            corpus="synthetic:multimodal", beam_size=5, chunk_size=2000)
report = distill_corpus(teacher_decoder(teacher, pipeline.tgt_vocab, beam_size=5, batch_size=250),
                        train_split.src_ids, work / "distilled", manifest,
                        to_text=lambda pieces: pipeline.decode_tgt(pipeline.tgt_vocab.encode(pieces)))
print(f"decoded {report.decoded} chunks into {work / 'distilled'}:",
      sorted(path.name for path in (work / "distilled").iterdir()))
distilled = load_distilled_targets(work / "distilled", len(train_split), lines_sha256(train_split.text.src))
distilled_ids = distilled.ids(pipeline.tgt_vocab)
distilled_text = (work / "distilled" / "train.txt").read_text().splitlines()
modes = {}  # the share of each variant, for section 5
for name, texts in (("gold", train_split.text.tgt), ("teacher ŷ", distilled_text)):
    counts = Counter(identify_variant(s, t) for s, t in zip(train_split.text.src, texts))
    modes[name] = {VARIANTS[k]: v / len(texts) for k, v in counts.most_common()}
    print(f"{name:10s}", {variant: f"{share:.0%}" for variant, share in modes[name].items()})

# %% [markdown]
# ## 2. Two students: on the gold targets, and on the teacher's ŷ (Seq-KD)
#
# The same small student (1 × 16: little capacity, like the paper's 2 × 500 beside a 4 × 1000 teacher), the same
# number of updates (1,200), the plain NLL; only the targets differ (`with_training_targets` swaps the training
# split's targets). BLEU counts all three variants as references, so any valid variant scores.
#
# One setting differs from the paper's: the students' initial weights are uniform in ±0.3, not ±0.1. In a 16-wide
# model ±0.1 leaves every attention score near zero, so attention starts uniform and its gradient is tiny
# (`scripts/attention_at_init.py` measures it; `docs/student-recipe.md` has the figures). Such a student sits
# near 0 BLEU for a long time before attention takes hold, and the moment it does depends on float rounding. In an
# earlier version of this chapter, at ±0.1 and 800 updates, Seq-KD beat the baseline in only 2 of 6 runs. The
# paper's ±0.1 is for layers of 500 and 1,000 units.
#
# The paper's Table 1 in miniature. `benchmarks/tutorial_runs.py 08` ran `--quick` for seeds 0, 1, 2, on 1 and
# 2 threads, with the numba kernels and with their numpy twins (`TINYSEQKD_KERNELS=numpy`, which round
# differently, as another machine would). `docs/tutorial-08-runs.md` has the table. Over those 12 runs:
#
# - greedy BLEU: 91.2–99.8 for the baseline, 97.6–100.0 for Seq-KD, higher in 12 of 12 runs (paper: 14.7 and 18.9).
#   The toy is easy: both students end near the ceiling, so this difference is small;
# - the gap between beam 5 and greedy: 0.0–1.7 for the baseline, 0.0 for Seq-KD in every run (paper: 2.9 and 0.1).
#   After Seq-KD, greedy search is as good as beam search, and 5× cheaper;
# - p(t = ŷ), the probability of the student's own greedy output: 56–63% against 94–98%, higher in 12 of 12 runs
#   (paper: 0.9% and 16.9%). This is the largest and steadiest effect.
#
# One thread or two gave the same figures to the last digit; the kernels and the numpy twins did not. Without
# `--quick` the pair is trained with three more student seeds, and the last line gives their mean.

# %%
section("2. Two students: on the gold targets, and on the teacher's ŷ (Seq-KD)")
STUDENT_HIDDEN, STUDENT_STEPS, STUDENT_INIT = 16, 1200, 0.3  # small; ±0.3: why, in the text above
targets = {"baseline": dataset, "Seq-KD": with_training_targets(dataset, distilled_ids, distilled_text)}
references = test.text.refs  # all three variants of every test source
p_each = {}  # the first seed's p(t = ŷ) per sentence, for section 3
figures = {name: [] for name in targets}  # per seed: (BLEU greedy, BLEU beam 5, mean p(t = ŷ)), for section 5
student_seeds = list(range(args.seed + 1, args.seed + (2 if args.quick else 5)))
print(f"{'':14s} {'BLEU greedy':>11s} {'BLEU beam 5':>11s} {'gap':>5s} {'p(t = ŷ)':>9s}")
for seed in student_seeds:
    student_config = tutorial_config(args, "toy-reverse", [
        f"--train.max_steps={STUDENT_STEPS}", f"--model.hidden_size={STUDENT_HIDDEN}",
        f"--model.embedding_size={STUDENT_HIDDEN // 2}", f"--model.init_scale={STUDENT_INIT}",
        f"--train.validate_every={STUDENT_STEPS}",
        "--train.valid_examples=0", f"--train.seed={seed}"])
    for name, data in targets.items():
        student = train(student_config, data, show=())
        greedy = translate_ids(student, test.src_ids)
        beam = translate_ids(student, test.src_ids, decode=beam_decoder(5))
        bleu_greedy = corpus_bleu(pipeline.decode_tgt_many(greedy), references).score
        bleu_beam = corpus_bleu(pipeline.decode_tgt_many(beam), references).score
        p_hat = greedy_output_probabilities(student, test.src_ids, greedy)  # p(t = ŷ) of each sentence
        p_each.setdefault(name, p_hat)
        figures[name].append((bleu_greedy, bleu_beam, p_hat.mean()))
        print(f"{name:8s} s={seed:<3d} {bleu_greedy:11.1f} {bleu_beam:11.1f} {bleu_beam - bleu_greedy:5.1f} "
              f"{p_hat.mean():9.1%}")


# %% [markdown]
# ## 3. The distribution of p(t = ŷ), before and after Seq-KD
#
# One number per test sentence: the probability the student gives its own greedy output. The baseline's median is
# 0.58–0.61 over the 12 runs, with quartiles from 0.47 to 0.72: its mass is spread over the variants. The Seq-KD
# student's median is 0.98–0.99 and its lower quartile at least 0.96.

# %%
def draw_p_hat(plt):
    figure, axes = plt.subplots(figsize=(5.5, 3.2))
    bins = np.linspace(0, 1, 21)
    for name, values in p_each.items():
        axes.hist(values, bins=bins, alpha=0.6, label=f"{name} (mean {values.mean():.0%})")
    axes.set(xlabel="p(t = ŷ) of one test sentence", ylabel="sentences")
    axes.legend()
    return figure


section("3. The distribution of p(t = ŷ), before and after Seq-KD")
for name, values in p_each.items():
    print(f"{name:9s} quartiles of p(t = ŷ): {np.round(np.quantile(values, [0.25, 0.5, 0.75]), 2)}")
save_figure(args, "08_p_hat.png", draw_p_hat)

# %% [markdown]
# ## 4. The same on the Bible corpus
#
# Real text has no named "variants", but the teacher's output is still simpler than the gold: fewer distinct
# pieces, more regular sentences. With `--teacher runs/teacher/best.npz` (from `tinyseqkd train teacher`) the
# teacher is yours; otherwise a 1 × 64 model is trained for 3 minutes (a weak teacher, ~8 BLEU) — or, with
# `--quick`, for a few updates only, so that the steps run in a second (its "translations" are not yet any).
#
# From the 3-minute teacher we got, over the first 500 training verses: gold 22.5 pieces per verse and 1,432
# distinct pieces, the teacher's ŷ 19.8 and 257 — shorter, and written with a sixth of the vocabulary. Its ŷ for
# Genesis 1:1 was "I will give thanks to you.": a weak teacher's favourite phrases. A student trained on such
# targets learns the teacher's habits, good and bad — which is why the teacher should be as good as you can make it.

# %%
section("4. The same on the Bible corpus")
if args.teacher:
    loaded = load_translator(args.teacher)  # the model and its text pipeline, checked
    bible_teacher, bible_pipeline, teacher_path = loaded.model, loaded.pipeline, args.teacher
    teacher_config = config_from_dict(loaded.header["config"])  # the data it was trained on
    bible_data = prepare(teacher_config.data, teacher_config.train.seed, pipeline=bible_pipeline)
else:
    small = ["--data.train_size=1000", "--data.bpe_merges=300", "--data.max_len=20", "--model.hidden_size=32",
             "--model.embedding_size=32", "--train.max_steps=30", "--train.valid_bleu_size=20"] if args.quick else \
        ["--train.max_minutes=3", "--data.max_len=30", "--train.valid_bleu_size=100"]
    bible_config = tutorial_config(args, "student-small", ["--train.lr=0.01", "--train.validate_every=400", *small])
    bible_data = prepare(bible_config.data, args.seed)
    bible_pipeline, teacher_path = bible_data.pipeline, work / "bible-teacher" / "best.npz"
    bible_teacher = train(bible_config, bible_data, run_dir=work / "bible-teacher")
bible_train = bible_data.splits["train"]
n = 16 if args.quick else 500
sources = bible_train.src_ids[:n]
bible_manifest = teacher_manifest(teacher_path, bible_pipeline, bible_train.text.src[:n], corpus="bible-es-en",
                                  beam_size=5, chunk_size=256)
distill_corpus(teacher_decoder(bible_teacher, bible_pipeline.tgt_vocab, beam_size=5), sources,
               work / "bible-distilled", bible_manifest,
               to_text=lambda pieces: bible_pipeline.decode_tgt(bible_pipeline.tgt_vocab.encode(pieces)))
bible_text = (work / "bible-distilled" / "train.txt").read_text().splitlines()
for i in range(2):
    print(f"  source : {bible_train.text.src[i]}\n  gold   : {bible_train.text.tgt[i]}\n  teacher: {bible_text[i]}")
gold_pieces = [bible_pipeline.tgt_tokens(text) for text in bible_train.text.tgt[:n]]
teacher_pieces = (work / "bible-distilled" / "train.pieces").read_text().splitlines()
teacher_pieces = [line.split() for line in teacher_pieces]
for name, pieces in (("gold", gold_pieces), ("teacher ŷ", teacher_pieces)):
    print(f"{name:10s} {np.mean([len(p) for p in pieces]):5.1f} pieces per verse, "
          f"{len({piece for p in pieces for piece in p}):5d} distinct pieces in {n} verses")

# %% [markdown]
# ## 5. The headline figures, in one line
#
# The last line the script prints is one JSON object: section 2's figures — with `--quick` those of the one pair of
# students, without it the mean over the four seeds (`student_seeds` says which) — and section 1's mode shares.
# `tests/test_tutorials.py` and `benchmarks/tutorial_runs.py` read it.

# %%
section("5. The headline figures, in one line")


def mean_figures(rows):
    greedy, beam, p_hat = np.mean(rows, axis=0)
    return {"bleu_greedy": round(float(greedy), 2), "bleu_beam": round(float(beam), 2),
            "p_greedy_output": round(float(p_hat), 4)}


print(json.dumps({
    "tutorial": "08", "seed": args.seed, "quick": args.quick, "threads": args.threads, "kernels": kernels_in_use(),
    "student_seeds": student_seeds,
    "figures": "one student seed" if len(student_seeds) == 1 else f"mean over {len(student_seeds)} student seeds",
    "student": f"1 x {STUDENT_HIDDEN}, init ±{STUDENT_INIT}, {STUDENT_STEPS} updates",
    "baseline": mean_figures(figures["baseline"]), "seq_kd": mean_figures(figures["Seq-KD"]),
    "teacher_modes": {variant: round(share, 4) for variant, share in modes["teacher ŷ"].items()},
    "gold_modes": {variant: round(share, 4) for variant, share in modes["gold"].items()},
}))

# %% [markdown]
# ## Summary
#
# Seq-KD replaces the training targets by the teacher's beam output and changes nothing else. On data with several
# good translations per source, the student learns one consistent mode: it is surer of its output (p(t = ŷ) up),
# and greedy decoding comes close to beam search. The same from the command line: `tinyseqkd distill -m
# runs/teacher --out runs/distill-beam`, then `tinyseqkd train student --out runs/seq-kd
# --data.pipeline=runs/teacher --data.targets=runs/distill-beam`.
#
# ## Exercises (worked solutions: `tutorials/solutions/08_seq_kd.py`)
#
# 1. Distil with beam 1 (greedy) instead of 5: do the teacher's targets change? Count the sentences that differ.
# 2. Make the variants closer, `variant_probs=(0.4, 0.35, 0.25)`: is the teacher's output still one mode per
#    source? What happens to the Seq-KD student's p(t = ŷ)?
# 3. Interrupt a distillation: call `distill_corpus` with a `decode_chunk` that raises after the first chunk, then
#    call it again with the real decoder. How many chunks does the second call decode?
