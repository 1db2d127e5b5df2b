"""Tutorial 5 — Decoding: greedy search, beam search, n-best lists, and the probability of the model's own output.

Motivation
    A trained model gives p(y_j | y_<j, s) one word at a time; a translation needs a whole sentence. Greedy search
    takes the best word at every step; beam search keeps the K best partial sentences and usually finds a more
    probable one. Sequence-level distillation is built from beam search: the teacher's beam output becomes the
    student's training data (Kim & Rush 2016, Sec. 3.2).

This tutorial trains a small model on the *multimodal* toy task, where every source has four correct translations
(two word orders × plain or doubled words), drawn with probabilities 0.4 / 0.3 / 0.2 / 0.1 (``--variant-probs``
changes them). A model trained on such data spreads its probability over the variants — watch what greedy and beam
search make of that.

Run it
    python tutorials/05_decoding.py [--quick] [--variant-probs P0 P1 [P2 [P3]]] [--length-penalty A]
                                    [--section.key=value ...]

    Config keys override the tutorial's, as in tutorial 4 (``--train.max_steps=2000``).

Read beside it: tinyseqkd/decoding.py, tinyseqkd/kernels/beam.py, tinyseqkd/evaluate.py.
"""

import argparse
import math
import tempfile

import numpy as np

from tinyseqkd.config import load_config
from tinyseqkd.data.corpus import Corpus
from tinyseqkd.data.prepared import PreparedData, encode_corpus, fit_pipeline
from tinyseqkd.data.synthetic import identify_variant, multimodal_task
from tinyseqkd.decoding import beam_search, greedy_decode
from tinyseqkd.errors import ConfigError
from tinyseqkd.evaluate import greedy_output_probabilities
from tinyseqkd.training import Trainer

VARIANT_NAMES = ["forward", "reversed", "forward, doubled", "reversed, doubled"]


def section(title):
    print(f"\n=== {title} ===")


def main(quick: bool, variant_probs: tuple[float, ...], length_penalty: float, overrides: list[str]) -> None:
    section("1. Train on the multimodal task")
    steps = 300 if quick else 1200
    config = load_config("toy-reverse", ["--data.corpus=synthetic:multimodal", f"--train.max_steps={steps}",
                                         f"--train.validate_every={steps}", "--train.log_every=100",
                                         "--train.valid_examples=0", "--model.hidden_size=96", *overrides])
    print("variants drawn with probabilities", ", ".join(f"{name} {p:g}" for name, p in zip(VARIANT_NAMES,
                                                                                          variant_probs)))
    try:
        dataset = multimodal_dataset(config, variant_probs)
    except ValueError as error:  # not a distribution over 2 to 4 variants
        raise SystemExit(f"--variant-probs: {error}") from None
    model = _trained_model(config, dataset)

    test = dataset.splits["test"]
    pipeline = dataset.pipeline
    n = 100 if quick else len(test)
    src = [ids for ids in test.src_ids[:n]]
    lengths = np.array([len(ids) for ids in src])
    padded = np.zeros((n, lengths.max()), np.int64)
    for i, ids in enumerate(src):
        padded[i, :len(ids)] = ids

    section("2. Greedy vs beam search, and the variants they choose")
    greedy = greedy_decode(model, padded, lengths)
    beams = beam_search(model, padded, lengths, beam_size=5, n_best=5, length_penalty=length_penalty)
    print(f"(beam search ranks finished hypotheses by score / (length + 1) ** {length_penalty:g})")
    for name, outputs in [("greedy", greedy), ("beam 5", [found[0].ids for found in beams])]:
        variants = [identify_variant(test.text.src[i], pipeline.decode_tgt(ids)) for i, ids in enumerate(outputs)]
        counts = {VARIANT_NAMES[k] if k is not None else "no valid variant": variants.count(k)
                  for k in [0, 1, 2, 3, None]}
        print(f"{name:7s}", {k: v for k, v in counts.items() if v})

    section("3. An n-best list: the model's favourite translations of one source")
    print("source:", test.text.src[0])
    for rank, hypothesis in enumerate(beams[0], start=1):
        text = pipeline.decode_tgt(hypothesis.ids)
        print(f"  {rank}. p = {math.exp(hypothesis.score):.3f}  {text}")

    section("4. p(t = ŷ): how much probability the model puts on its own greedy output")
    p = greedy_output_probabilities(model, src, greedy).mean()
    print(f"average p(greedy output) = {p:.1%} — far from 100%: the mass is spread over the variants.")
    print("A Seq-KD student, trained on the teacher's beam output, sees one variant per source and puts much\n"
          "more mass on it (Kim & Rush: 0.9% → 16.9% on WMT); that is why its greedy output is as good as beam.")

    section("Summary")
    print("Greedy: one word at a time. Beam: the K best partial sentences, finished ones kept aside, sorted by\n"
          "log-probability (optionally length-normalised). The n-best list is the pool Seq-Inter picks from.")
    print("\nExercises:\n"
          "  1. Run this tutorial with --variant-probs 0.5 0.5: do greedy and beam still agree?\n"
          "  2. Run it with --length-penalty 1.0: which variant (short or doubled) gains?\n"
          "  3. Time greedy_decode and beam_search on the whole test set: how much does the beam cost?")


def multimodal_dataset(config, variant_probs) -> PreparedData:
    """The multimodal task with the given variant probabilities (a config names the task, not its probabilities):
    the steps of ``prepare`` — corpus, text pipeline fitted on train, every split encoded — written out."""
    corpus = Corpus(config.data.corpus, "src", "tgt", multimodal_task(variant_probs=variant_probs,
                                                                      seed=config.train.seed))
    return encode_corpus(corpus, fit_pipeline(config.data, corpus.splits["train"]))


def _trained_model(config, dataset):
    """Train the tutorial's model in a throw-away run directory, printing only the progress lines."""
    def log(line):
        if line.startswith(("epoch", "validation")):
            print(" ", line)

    with tempfile.TemporaryDirectory() as run_dir:
        trainer = Trainer(config, dataset, run_dir, log=log)
        trainer.fit()
        return trainer.model.eval()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a few seconds")
    parser.add_argument("--variant-probs", type=float, nargs="+", default=[0.4, 0.3, 0.2, 0.1], metavar="P",
                        help="probabilities of the 2 to 4 variants, in the order listed in the docstring "
                             "(default: 0.4 0.3 0.2 0.1)")
    parser.add_argument("--length-penalty", type=float, default=0.0, metavar="A",
                        help="beam search's length normalisation exponent (default: 0, plain log-probability)")
    args, config_overrides = parser.parse_known_args()  # the rest: --section.key=value, checked by load_config
    try:
        main(args.quick, tuple(args.variant_probs), args.length_penalty, config_overrides)
    except ConfigError as error:
        parser.error(str(error))
