"""Worked solutions to the exercises of tutorial 8 (sequence-level knowledge distillation, Sec. 3.2)."""

import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tutorials/_common.py
from _common import multimodal_dataset, train, with_training_targets  # noqa: E402
from tinyseqkd.config import load_config  # noqa: E402
from tinyseqkd.data.synthetic import identify_variant  # noqa: E402
from tinyseqkd.distill import Manifest, distill_corpus  # noqa: E402
from tinyseqkd.distill.manifest import lines_sha256  # noqa: E402
from tinyseqkd.evaluate import beam_decoder, greedy_output_probabilities, translate_ids  # noqa: E402
from tinyseqkd.threads import set_threads  # noqa: E402

set_threads(1)
NAMES = {0: "forward", 1: "reversed", 2: "doubled", None: "invalid"}


def settings(steps, hidden, seed):
    return load_config("toy-reverse", [f"--train.max_steps={steps}", f"--train.validate_every={steps}",
                                       "--train.valid_examples=0", f"--model.hidden_size={hidden}",
                                       f"--model.embedding_size={hidden // 2}", f"--train.seed={seed}"])


def shares(split, outputs, pipeline):
    found = Counter(identify_variant(s, pipeline.decode_tgt(ids)) for s, ids in zip(split.text.src, outputs))
    return {NAMES[k]: f"{v / len(outputs):.0%}" for k, v in found.most_common()}


# --- Exercise 1: the teacher's targets with beam 1 (greedy) and beam 5 ------------------------------------------
config = settings(400, 64, 0)  # tutorial 8's teacher, trained a little less
dataset = multimodal_dataset(config, n_train=4000, n_valid=100, n_test=200, alphabet_size=6, min_len=3, max_len=4,
                             variant_probs=(0.6, 0.25, 0.15))
teacher, train_split = train(config, dataset, show=()), dataset.splits["train"]
greedy = translate_ids(teacher, train_split.src_ids, batch_size=250)
beam = translate_ids(teacher, train_split.src_ids, batch_size=250, decode=beam_decoder(5))
differ = sum(g.tolist() != b.tolist() for g, b in zip(greedy, beam))
print(f"1. beam 1 and beam 5 targets differ for {differ} of {len(beam)} sentences ({differ / len(beam):.1%}); "
      f"greedy {shares(train_split, greedy, dataset.pipeline)}, beam {shares(train_split, beam, dataset.pipeline)}")

# --- Exercise 2: closer variant probabilities ------------------------------------------------------------------------
close = multimodal_dataset(config, n_train=4000, n_valid=100, n_test=200, alphabet_size=6, min_len=3, max_len=4,
                           variant_probs=(0.4, 0.35, 0.25))
close_teacher = train(config, close, show=())
close_train, test = close.splits["train"], close.splits["test"]
targets = translate_ids(close_teacher, close_train.src_ids, batch_size=250, decode=beam_decoder(5))
print(f"2. variants 0.4 / 0.35 / 0.25: gold {shares(close_train, close_train.tgt_ids, close.pipeline)}, "
      f"teacher's beam {shares(close_train, targets, close.pipeline)}")
student_config = settings(600, 32, 1)  # wider than tutorial 8's, to learn within 600 updates
for name, data in (("baseline", close), ("Seq-KD", with_training_targets(close, targets,
                                                                          close.pipeline.decode_tgt_many(targets)))):
    student = train(student_config, data, show=())
    outputs = translate_ids(student, test.src_ids)
    p_hat = greedy_output_probabilities(student, test.src_ids, outputs).mean()
    print(f"   {name:8s} student: p(t = ŷ) {p_hat:.1%}")
print("   the teacher's output mixes the variants more than before (its favourite is less clear), yet the Seq-KD")
print("   student stays far surer than the baseline: the teacher's choice is a function of the source — the same")
print("   source always gets the same target — and that consistency, not a single variant overall, is what it learns")


# --- Exercise 3: an interrupted distillation continues where it stopped ------------------------------------------
def copy_decoder(sources):
    """A stand-in for the teacher: each source's ids as pieces (one hypothesis, score 0)."""
    return [[([str(i) for i in ids], 0.0)] for ids in sources]


def crashing_after_one_chunk():
    calls = []

    def decode(sources):
        if calls:
            raise KeyboardInterrupt("Ctrl-C")
        calls.append(len(sources))
        return copy_decoder(sources)

    return decode


sources = [np.arange(1 + i % 5) for i in range(300)]
texts = [" ".join(map(str, ids)) for ids in sources]
manifest = Manifest(teacher_sha256="0" * 64, pipeline_sha256="0" * 64, beam_size=1, nbest=1, selection="beam",
                    corpus="toy", split="train", source_sha256=lines_sha256(texts), source_sentences=len(texts),
                    chunk_size=100)
with tempfile.TemporaryDirectory() as folder:
    try:
        distill_corpus(crashing_after_one_chunk(), sources, folder, manifest)
    except KeyboardInterrupt:
        print("3. interrupted after the first chunk:", sorted(p.name for p in (Path(folder) / "chunks").iterdir()))
    report = distill_corpus(copy_decoder, sources, folder, manifest)
    print(f"   the second call skipped {report.skipped} chunk and decoded {report.decoded}; merged: {report.merged}")
