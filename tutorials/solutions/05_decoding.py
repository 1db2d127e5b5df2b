"""Worked solutions to the exercises of tutorial 5 (greedy search, beam search, p(t = ŷ))."""

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tutorials/_common.py
from _common import multimodal_dataset, train  # noqa: E402
from tinyseqkd.config import load_config  # noqa: E402
from tinyseqkd.data.synthetic import identify_variant  # noqa: E402
from tinyseqkd.decoding import decode_corpus  # noqa: E402
from tinyseqkd.evaluate import greedy_output_probabilities, translate_ids  # noqa: E402
from tinyseqkd.threads import set_threads  # noqa: E402

set_threads(1)
NAMES = {0: "forward", 1: "reversed", 2: "forward, doubled", 3: "reversed, doubled", None: "invalid"}
STEPS = 300  # the tutorial's --quick budget


def trained(variant_probs):
    config = load_config("toy-reverse", ["--data.corpus=synthetic:multimodal", f"--train.max_steps={STEPS}",
                                         f"--train.validate_every={STEPS}", "--train.valid_examples=0",
                                         "--model.hidden_size=96"])
    dataset = multimodal_dataset(config, variant_probs=variant_probs)
    return train(config, dataset, show=()), dataset


def variants(dataset, outputs):
    test = dataset.splits["test"]
    found = Counter(identify_variant(test.text.src[i], dataset.pipeline.decode_tgt(ids)) for i, ids in
                    enumerate(outputs))
    return {NAMES[k]: v for k, v in found.most_common()}


# --- Exercise 1: two equally likely variants ------------------------------------------------------------------------
model, dataset = trained((0.5, 0.5))
src_ids = dataset.splits["test"].src_ids
greedy = translate_ids(model, src_ids)
beam = [found[0].ids for found in decode_corpus(model, src_ids, beam_size=5)]
agree = sum(g.tolist() == b.tolist() for g, b in zip(greedy, beam))
print(f"1. variants 0.5 / 0.5: greedy {variants(dataset, greedy)}, beam {variants(dataset, beam)}")
p_hat = greedy_output_probabilities(model, src_ids, greedy).mean()
print(f"   greedy and beam agree on {agree} of {len(src_ids)} sentences; p(t = ŷ) = {p_hat:.1%} — with two equal "
      "modes no single output can hold much mass")

# --- Exercise 2: length normalisation ------------------------------------------------------------------------------
model, dataset = trained((0.4, 0.3, 0.2, 0.1))
src_ids = dataset.splits["test"].src_ids
outputs = {}
for alpha in (0.0, 1.0):
    outputs[alpha] = [found[0].ids for found in decode_corpus(model, src_ids, beam_size=5, length_penalty=alpha)]
    mean_length = sum(len(ids) for ids in outputs[alpha]) / len(src_ids)
    print(f"2. length penalty {alpha:g}: {variants(dataset, outputs[alpha])}, mean length {mean_length:.2f}")
changed = sum(a.tolist() != b.tolist() for a, b in zip(outputs[0.0], outputs[1.0]))
print(f"   {changed} of {len(src_ids)} outputs change. Dividing the score by (length + 1) favours longer hypotheses, "
      "but a doubled variant is no longer than a plain one — \"CC\" is one piece, like \"C\" — so the variants "
      "compete on probability alone; only hypotheses of other lengths (invalid ones) move, and rarely")

# --- Exercise 3: what the beam costs -------------------------------------------------------------------------------
start = time.perf_counter()
translate_ids(model, src_ids)
greedy_seconds = time.perf_counter() - start
start = time.perf_counter()
decode_corpus(model, src_ids, beam_size=5)
beam_seconds = time.perf_counter() - start
print(f"3. {len(src_ids)} test sentences: greedy {greedy_seconds:.2f} s, beam 5 {beam_seconds:.2f} s "
      f"({beam_seconds / greedy_seconds:.1f}x) — about the beam size, less the batching gains")
