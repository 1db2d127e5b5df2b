"""Peak memory of training: ``tinyseqkd train CONFIG`` for a few updates, and the most memory it ever held.

    python benchmarks/train_memory.py [--config teacher] [--steps 50] [--threads 1] [--code DIR]

Runs the ordinary command in a child process (embedded corpus, the config's batches, seed 1, then the closing
validation) and reports the child's peak resident set size (``ru_maxrss``): what the operating system had to give
it, interpreter, numpy and numba included. Memory does not depend on the machine's load, so this figure is stable
where the speed benchmarks are not. ``--code DIR`` runs another checkout's package (``PYTHONPATH=DIR``), to compare
before and after a change with everything else equal. The last line is one JSON object.

Where the teacher's ~550 MB go (measured on 2026-11-29, RSS of one process at each point; issue 14's target is 500):
Python and numpy 26 MB; importing numba 65 MB, and its first compiled kernel another 45 MB (LLVM's machinery:
every later kernel costs ~1 MB); the prepared Bible corpus ~125 MB (77 MB of live objects — the texts, id arrays, the
tokenizer's and BPE's caches — the rest freed but not returned; clearing the caches after encoding or packing the
ids into one array measured no lower peak); weights, gradients and Adam's two moments 4 × 6.3 M floats = 100 MB;
and the step itself, ~200 MB on the longest batch (48 × 93 target tokens), mostly what the LSTM backward needs:
the four gates of every layer and step (69 MB), h and c (31 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="teacher", help="a shipped config or a config file")
    parser.add_argument("--steps", type=int, default=50, help="training updates (the same batches for every run)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--code", default=None, help="a checkout whose tinyseqkd package to run (default: installed)")
    args = parser.parse_args()

    env = dict(os.environ)
    if args.code:
        env["PYTHONPATH"] = os.path.abspath(args.code)
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "tinyseqkd", "train", args.config, "--out", os.path.join(out, "run"),
                   "--threads", str(args.threads), f"--train.max_steps={args.steps}", "--train.max_minutes=0",
                   f"--train.validate_every={args.steps}", "--train.seed=1"]
        start = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"the training run failed (exit {result.returncode}):\n{result.stderr}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kilobytes on Linux
    code = args.code or "installed package"
    print(f"{args.config}, {args.steps} updates, {args.threads} thread(s), {code}: peak RSS {peak_mb:,.0f} MB "
          f"({seconds:.0f} s)")
    print(json.dumps({"config": args.config, "steps": args.steps, "threads": args.threads, "code": code,
                      "peak_rss_mb": round(peak_mb, 1), "seconds": round(seconds, 1)}))


if __name__ == "__main__":
    main()
