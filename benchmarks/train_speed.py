"""Training speed: target tokens per second of one update, tinyseqkd beside PyTorch, for the shipped configs.

    python benchmarks/train_speed.py [--threads 2] [--steps 10] [--rounds 3]
                                     [--configs teacher student student-small]
                                     [--word-kd student:teacher | --word-kd none]

For each config the script draws real batches of 64 sentence pairs from the embedded corpus (the config's own BPE
and vocabularies), then times full updates — forward, backward, gradient clipping, SGD step — in a fresh process per
framework: the median of ``--steps`` updates after two warm-up updates, and the process's peak memory. When PyTorch
is installed, the same architecture (``torch_reference.py``, weights copied from ours) is timed on the same batches
and the ratio printed beside. ``--profile`` prints where tinyseqkd's time goes instead.

``--word-kd STUDENT:TEACHER`` (default ``student:teacher``) adds a Word-KD update (Kim & Rush 2016, Sec. 3.1, α = 0.5)
on the student's batches: the teacher's forward pass in evaluation mode without a graph, the student's update on
(1 − α) NLL + α cross-entropy against the teacher's distributions — ``word_kd_objective`` for tinyseqkd, the same
computation written plainly for PyTorch.

Benchmarks need a quiet machine: the load average is printed beside the figures, and both frameworks run in the
same invocation. Even so, a 2-core virtual machine's speed drifts by 10–30% from one minute to the next (seen: the
same Word-KD comparison at 0.82x, 1.29x and 1.66x in three runs), so each framework runs ``--rounds`` times in fresh
processes, alternated (ours, PyTorch; then PyTorch, ours; ...), and the figures are the medians: the ratio is the
median of the rounds' ratios, each from two runs seconds apart. ``--profile`` runs one round. The last line is one
JSON object with every figure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
BATCH_SIZE = 64


# ---------------------------------------------------------------------------------------------- batches
def write_batches(config_name: str, count: int, path: Path) -> dict:
    """Draw ``count`` training batches of the config's data (seeded) and save them; returns the model shape."""
    from tinyseqkd.config import load_config
    from tinyseqkd.data.batching import make_batches
    from tinyseqkd.data.prepared import prepare
    from tinyseqkd.training import model_args_for

    config = load_config(config_name)
    dataset = prepare(config.data, seed=1)
    train = dataset.splits["train"]
    batches = make_batches(train.src_ids, train.tgt_ids, batch_size=BATCH_SIZE, rng=np.random.default_rng(0))
    chosen = np.random.default_rng(1).choice(len(batches), size=count, replace=False)
    arrays = {}
    for n, index in enumerate(chosen):
        b = batches[index]
        arrays.update({f"{n}/src": b.src, f"{n}/src_lengths": b.src_lengths, f"{n}/tgt_in": b.tgt_in,
                       f"{n}/tgt_out": b.tgt_out, f"{n}/tgt_mask": b.tgt_mask})
    np.savez(path, **arrays)
    return model_args_for(config, dataset.pipeline).to_dict()


def model_shape(config_name: str) -> dict:
    """The model shape of a config with its data's vocabularies (the text pipeline is built, no batches drawn)."""
    from tinyseqkd.config import load_config
    from tinyseqkd.data.prepared import prepare
    from tinyseqkd.training import model_args_for

    config = load_config(config_name)
    return model_args_for(config, prepare(config.data, seed=1).pipeline).to_dict()


def read_batches(path: Path) -> list[dict]:
    with np.load(path) as archive:
        count = len({key.split("/")[0] for key in archive.files})
        return [{name: archive[f"{n}/{name}"] for name in ("src", "src_lengths", "tgt_in", "tgt_out", "tgt_mask")}
                for n in range(count)]


# ---------------------------------------------------------------------------------------------- workers
def time_updates(update, batches, warmup: int = 2) -> list[float]:
    for batch in batches[:warmup]:
        update(batch)
    times = []
    for batch in batches[warmup:]:
        start = time.perf_counter()
        update(batch)
        times.append(time.perf_counter() - start)
    return times


def ours(model_args: dict, batches, profile: bool, teacher_args: dict | None = None) -> list[float]:
    from types import SimpleNamespace

    from tinyseqkd.distill.word_kd import word_kd_objective
    from tinyseqkd.model import ModelArgs, Seq2Seq
    from tinyseqkd.objectives import nll_objective
    from tinyseqkd.optim import SGD, clip_grad_norm

    model = Seq2Seq(ModelArgs(**model_args), np.random.default_rng(0))
    optimizer = SGD(model.named_parameters(), lr=0.1)
    objective = nll_objective if teacher_args is None else \
        word_kd_objective(Seq2Seq(ModelArgs(**teacher_args), np.random.default_rng(1)), alpha=0.5)

    def update(arrays):
        optimizer.zero_grad()
        loss, _ = objective(model, SimpleNamespace(**arrays))
        loss.backward()
        clip_grad_norm(optimizer.params.values(), 5.0)
        optimizer.step()

    if profile:
        import cProfile
        import pstats

        time_updates(update, batches[:3])
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [update(b) for b in batches[3:]])
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(20)
    return time_updates(update, batches)


def theirs(model_args: dict, batches, teacher_args: dict | None = None) -> list[float]:
    import torch

    sys.path.insert(0, str(HERE))
    from torch_reference import load_from_tinyseqkd

    from tinyseqkd.model import ModelArgs, Seq2Seq

    model = load_from_tinyseqkd(Seq2Seq(ModelArgs(**model_args), np.random.default_rng(0)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    tensors = [{k: torch.from_numpy(v.astype(np.int64)) for k, v in b.items() if k != "tgt_mask"} for b in batches]
    teacher = None
    if teacher_args is not None:
        teacher = load_from_tinyseqkd(Seq2Seq(ModelArgs(**teacher_args), np.random.default_rng(1))).eval()

    def update(b):
        optimizer.zero_grad()
        log_probs = model(b["src"], b["src_lengths"], b["tgt_in"])
        targets = b["tgt_out"].reshape(-1)
        loss = torch.nn.functional.nll_loss(log_probs.reshape(-1, log_probs.shape[-1]), targets, ignore_index=0)
        if teacher is not None:  # Word-KD, α = 0.5: (1 − α) NLL + α Σ_k −q(k) log p(k), per real target token
            with torch.no_grad():
                q = teacher(b["src"], b["src_lengths"], b["tgt_in"]).exp()
            mask = (targets != 0).to(log_probs.dtype)
            cross = -(q * log_probs).sum(-1).reshape(-1)
            loss = 0.5 * loss + 0.5 * (cross * mask).sum() / mask.sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()

    return time_updates(update, tensors)


def worker(framework: str, threads: int, shape_file: str, batch_file: str, profile: bool,
           teacher_shape_file: str | None = None) -> None:
    """Run in a fresh process: set threads, time the updates, print one JSON line."""
    model_args = json.loads(Path(shape_file).read_text())
    teacher_args = json.loads(Path(teacher_shape_file).read_text()) if teacher_shape_file else None
    batches = read_batches(Path(batch_file))
    if framework == "tinyseqkd":
        from tinyseqkd.threads import set_threads

        set_threads(threads)
        times = ours(model_args, batches, profile, teacher_args)
    else:
        import torch

        torch.set_num_threads(threads)
        times = theirs(model_args, batches, teacher_args)
    median = statistics.median(times)
    tokens = statistics.median(int(b["tgt_mask"].sum()) for b in batches[2:])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"median_step_s": median, "tokens_per_s": tokens / median, "peak_rss_mb": peak_mb}))


# ---------------------------------------------------------------------------------------------- driver
def run_worker(framework, args, shape_file, batch_file, teacher_shape_file=None) -> dict:
    command = [sys.executable, __file__, "--worker", framework, "--threads", str(args.threads),
               "--shape-file", shape_file, "--batch-file", batch_file] + (["--profile"] if args.profile else [])
    if teacher_shape_file:
        command += ["--teacher-shape-file", teacher_shape_file]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{framework} worker failed:\n{result.stderr}")
    if args.profile:
        print(result.stderr, file=sys.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def median_of(rounds: list[dict], framework: str) -> dict:
    """One framework's figures over the rounds: the median of each."""
    return {key: statistics.median(one[framework][key] for one in rounds) for key in rounds[0][framework]}


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", nargs="+", default=["teacher", "student", "student-small"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10, help="timed updates per framework (after 2 warm-up)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="fresh processes per framework, alternated; the figures and the ratio are their medians")
    parser.add_argument("--profile", action="store_true", help="print tinyseqkd's profile to stderr")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--word-kd", default="student:teacher", metavar="STUDENT:TEACHER",
                        help="also time a Word-KD update of STUDENT with TEACHER in the loop ('none': skip)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--shape-file", help=argparse.SUPPRESS)
    parser.add_argument("--batch-file", help=argparse.SUPPRESS)
    parser.add_argument("--teacher-shape-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.threads, args.shape_file, args.batch_file, args.profile, args.teacher_shape_file)
        return

    with_torch = torch_available() and not args.no_torch
    results = {"threads": args.threads, "batch_size": BATCH_SIZE, "load_average_start": os.getloadavg()[0]}
    print(f"threads {args.threads}, batch {BATCH_SIZE}, load average {os.getloadavg()[0]:.2f}")
    runs = [(name, name, None) for name in args.configs]
    if args.word_kd != "none":
        student, teacher = args.word_kd.split(":")
        runs.append((f"word-kd {student}", student, teacher))
    with tempfile.TemporaryDirectory() as tmp:
        for label, name, teacher in runs:
            shape_file, batch_file = f"{tmp}/{name}.json", f"{tmp}/{name}.npz"
            shape = write_batches(name, args.steps + 2, Path(batch_file))
            Path(shape_file).write_text(json.dumps(shape))
            teacher_file = None
            if teacher is not None:
                teacher_file = f"{tmp}/{teacher}-teacher.json"
                teacher_shape = model_shape(teacher)
                if teacher_shape["tgt_vocab_size"] != shape["tgt_vocab_size"]:
                    raise SystemExit(f"--word-kd {args.word_kd}: the two configs' target vocabularies differ")
                Path(teacher_file).write_text(json.dumps(teacher_shape))
            frameworks = ["tinyseqkd", "pytorch"] if with_torch else ["tinyseqkd"]
            rounds = []
            for r in range(1 if args.profile else args.rounds):  # alternated: a slow minute hits both frameworks
                order = frameworks if r % 2 == 0 else frameworks[::-1]
                rounds.append({f: run_worker(f, args, shape_file, batch_file, teacher_file) for f in order})
            row = {"model": f"{shape['layers']}x{shape['hidden_size']}, vocab {shape['tgt_vocab_size']}"}
            row.update({f: median_of(rounds, f) for f in frameworks})
            if teacher is not None:
                row["teacher"] = teacher
            line = f"{label:20s} {row['model']:22s} tinyseqkd {row['tinyseqkd']['tokens_per_s']:8,.0f} tok/s " \
                   f"(peak {row['tinyseqkd']['peak_rss_mb']:5.0f} MB)"
            if with_torch:
                ratios = [one["tinyseqkd"]["tokens_per_s"] / one["pytorch"]["tokens_per_s"] for one in rounds]
                row["ratio"], row["round_ratios"] = statistics.median(ratios), ratios
                line += f" | PyTorch {row['pytorch']['tokens_per_s']:8,.0f} tok/s " \
                        f"(peak {row['pytorch']['peak_rss_mb']:5.0f} MB) | ratio {row['ratio']:.2f}x"
                if len(ratios) > 1:
                    line += " (rounds: " + ", ".join(f"{x:.2f}" for x in ratios) + ")"
            print(line, flush=True)
            results[label] = row
    results["load_average_end"] = os.getloadavg()[0]
    print(f"load average at the end {results['load_average_end']:.2f}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
