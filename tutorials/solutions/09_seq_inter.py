"""Worked solutions to the exercises of tutorial 9 (sequence-level interpolation, Sec. 3.3)."""

import copy
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tutorials/_common.py
from _common import train, with_training_targets  # noqa: E402
from tinyseqkd.config import load_config  # noqa: E402
from tinyseqkd.data.prepared import prepare  # noqa: E402
from tinyseqkd.decoding import decode_corpus  # noqa: E402
from tinyseqkd.distill import select_closest, smoothed_sentence_bleu  # noqa: E402
from tinyseqkd.evaluate import beam_decoder, corpus_bleu, greedy_output_probabilities, translate_ids  # noqa: E402
from tinyseqkd.threads import set_threads  # noqa: E402

set_threads(1)
reference = "the cat sat on the mat".split()

# --- Exercise 1: "the cat on the mat" by hand -----------------------------------------------------------------------
# 1-grams: the cat on the mat          → 5 of 5 match (the reference has "the" twice)
# 2-grams: the·cat cat·on on·the the·mat → 3 of 4 (cat·on is not in the reference)
# 3-grams: the·cat·on cat·on·the on·the·mat → 1 of 3
# 4-grams: the·cat·on·the cat·on·the·mat → 0 of 2: the first zero-match order counts 1/2 match → 0.5/2
# brevity penalty: 5 words against 6 → exp(1 − 6/5)
by_hand = math.exp(1 - 6 / 5) * (5 / 5 * 3 / 4 * 1 / 3 * 0.5 / 2) ** 0.25
library = smoothed_sentence_bleu("the cat on the mat".split(), reference)
print(f"1. by hand {by_hand:.6f}, smoothed_sentence_bleu {library:.6f}")

# --- Exercise 2: a tie goes to the earlier hypothesis ---------------------------------------------------------------
a, b = "the cat sat on a mat".split(), "the cat sat on one mat".split()  # one "the" replaced: equal match counts
print(f"2. scores {smoothed_sentence_bleu(a, reference):.4f} and {smoothed_sentence_bleu(b, reference):.4f}; "
      f"select_closest([a, b]) = {select_closest([a, b], reference)}, select_closest([b, a]) = "
      f"{select_closest([b, a], reference)}: the earlier wins either way")

# --- Exercise 3: Seq-Inter against fine-tuning on the gold for as long ---------------------------------------------
config = load_config("toy-reverse", ["--train.max_steps=200", "--train.validate_every=200", "--train.valid_examples=0",
                                     "--train.seed=0"])  # tutorial 9's teacher (--quick)
dataset = prepare(config.data, config.train.seed)
pipeline, train_split, test = dataset.pipeline, dataset.splits["train"], dataset.splits["test"]
teacher = train(config, dataset, show=())
kbests = decode_corpus(teacher, train_split.src_ids, beam_size=5, n_best=5)
closest = [hyps[select_closest([pipeline.decode_tgt(h.ids).split() for h in hyps], gold.split())].ids
           for hyps, gold in zip(kbests, train_split.text.tgt)]
fine_tune = load_config("toy-reverse", ["--train.max_steps=100", f"--train.lr={config.train.lr / 10}",
                                        "--train.validate_every=100", "--train.valid_examples=0", "--train.seed=0"])
seq_inter = with_training_targets(dataset, closest, pipeline.decode_tgt_many(closest))
rows = {"teacher": teacher,
        "+ Seq-Inter (ỹ)": train(fine_tune, seq_inter, model=copy.deepcopy(teacher), show=()),
        "+ the gold (y)": train(fine_tune, dataset, model=copy.deepcopy(teacher), show=())}
for name, model in rows.items():
    greedy = translate_ids(model, test.src_ids)
    beam = translate_ids(model, test.src_ids, decode=beam_decoder(5))
    print(f"3. {name:16s} BLEU greedy {corpus_bleu(pipeline.decode_tgt_many(greedy), test.text.refs).score:5.1f}, "
          f"beam {corpus_bleu(pipeline.decode_tgt_many(beam), test.text.refs).score:5.1f}, "
          f"p(t = ŷ) {greedy_output_probabilities(model, test.src_ids, greedy).mean():.1%}")
print("   on this task the gold is always right and always learnable, so fine-tuning on it does better than on ỹ,")
print("   which keeps some of the teacher's mistakes. The paper's case for Seq-Inter is real translation, where the")
print("   gold is often far from anything the model can produce and ỹ is the easier target")
