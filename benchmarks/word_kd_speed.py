"""Word-KD cost (Kim & Rush 2016, Sec. 3.1): a student update with the word-level loss against a baseline update.

    python benchmarks/word_kd_speed.py [--threads 2] [--steps 10] [--teacher teacher] [--student student]

On the same real batches of 64 sentence pairs (the configs' data, BPE and vocabularies), alternating so that a
change in the machine's load hits every variant alike, the script times

- ``baseline``: the plain NLL update as training runs it (``model.loss``: forward, backward, clip 5, SGD step);
- ``word_kd``: the Word-KD update as training runs it (``word_kd_objective``) — the teacher's forward pass (eval
  mode, no graph) on the same batch, the student's forward, both output layers and the loss in one sliced node
  (``distill/word_kd_output.py``), backward, clip, step;
- ``word_kd_unsliced``: the same loss on the full distributions (``teacher_probabilities`` + ``word_kd_loss``,
  the loss's definition), which holds batch × length × vocabulary arrays;
- ``teacher_forward``: the teacher's forward pass alone, up to its attentional states.

The issue's target: ``word_kd`` ≤ ~1.8 × ``baseline``. Weights are random (speed does not depend on them). The load
average is printed beside the figures; the last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from train_speed import read_batches, write_batches  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10, help="timed updates per variant (after 2 warm-up)")
    parser.add_argument("--teacher", default="teacher", help="config of the teacher")
    parser.add_argument("--student", default="student", help="config of the student (same [data] as the teacher)")
    args = parser.parse_args()

    from tinyseqkd.config import load_config
    from tinyseqkd.distill.word_kd import (teacher_output_inputs, teacher_probabilities, word_kd_loss,
                                           word_kd_objective)
    from tinyseqkd.model import ModelArgs, Seq2Seq
    from tinyseqkd.optim import SGD, clip_grad_norm
    from tinyseqkd.threads import set_threads

    set_threads(args.threads)
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        student_shape = write_batches(args.student, args.steps + 2, Path(tmp) / "batches.npz")
        batches = [SimpleNamespace(**b) for b in read_batches(Path(tmp) / "batches.npz")]
    teacher_config, student_config = load_config(args.teacher), load_config(args.student)
    if teacher_config.data != student_config.data:
        raise SystemExit("teacher and student configs must share the [data] section (same vocabularies)")
    m = teacher_config.model
    teacher_shape = dict(student_shape, embedding_size=m.embedding_size, hidden_size=m.hidden_size, layers=m.layers,
                         dropout=m.dropout, init_scale=m.init_scale)
    student = Seq2Seq(ModelArgs(**student_shape), np.random.default_rng(0))
    teacher = Seq2Seq(ModelArgs(**teacher_shape), np.random.default_rng(1))
    optimizer = SGD(student.named_parameters(), lr=0.1)

    def update(loss_of):
        def run(batch):
            optimizer.zero_grad()
            loss = loss_of(batch)
            loss.backward()
            clip_grad_norm(optimizer.params.values(), 5.0)
            optimizer.step()
        return run

    def unsliced(batch):
        log_probs = student(batch.src, batch.src_lengths, batch.tgt_in)
        return word_kd_loss(log_probs, teacher_probabilities(teacher, batch), batch.tgt_out, batch.tgt_mask,
                            alpha=0.5)

    objective = word_kd_objective(teacher, alpha=0.5)
    variants = {
        "baseline": update(student.loss),
        "word_kd": update(lambda b: objective(student, b)[0]),
        "word_kd_unsliced": update(unsliced),
        "teacher_forward": lambda b: teacher_output_inputs(teacher, b),
    }
    times = {name: [] for name in variants}
    for step, batch in enumerate(batches):
        for name, run in variants.items():
            start = time.perf_counter()
            run(batch)
            if step >= 2:
                times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    results = {"threads": args.threads, "teacher": args.teacher, "student": args.student,
               "load_average_start": load_start, "median_s": medians,
               "word_kd_over_baseline": medians["word_kd"] / medians["baseline"],
               "unsliced_over_baseline": medians["word_kd_unsliced"] / medians["baseline"],
               "load_average_end": os.getloadavg()[0]}
    print(f"threads {args.threads}; student {args.student}, teacher {args.teacher}; load average "
          f"{load_start:.2f} → {results['load_average_end']:.2f}")
    for name, seconds in medians.items():
        print(f"  {name:18s} {seconds * 1000:8.1f} ms  ({seconds / medians['baseline']:.2f}x baseline)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
