"""Tutorial 8's ``--quick`` run, twelve times: seeds 0, 1, 2 × ``--threads 1`` and ``2`` × the numba kernels and
their numpy twins (``TINYSEQKD_KERNELS=numpy``, which round differently: the stand-in for another CPU).

    python benchmarks/tutorial08_runs.py [--seeds 0 1 2] [--threads 1 2] [--kernels numba numpy]

Each run is ``python tutorials/08_seq_kd.py --quick --seed S --threads T`` in its own process, one after another
(never two side by side), and its figures are read from the JSON line the tutorial prints last. Printed: the date,
the commit, the machine and the load average; a markdown table (baseline and Seq-KD: greedy and beam 5 BLEU,
p(t = ŷ); the teacher's share of "forward" outputs; the run's wall-clock and CPU seconds); how often Seq-KD's greedy
BLEU and p(t = ŷ) were above the baseline's, with the min–max of every column; and, on the last line, one JSON
object with all of it. ``docs/tutorial-08-runs.md`` holds one such table.

Wall-clock seconds count the time the run waited for a busy core; CPU seconds (user + system of the run's process)
do not, so on a shared machine they are the fairer measure of the work done.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "tutorials" / "08_seq_kd.py"
COLUMNS = ("bleu_greedy", "bleu_beam", "p_greedy_output")
QUARTILES = re.compile(r"^(\S+)\s+quartiles of p\(t = ŷ\): \[([^\]]+)\]", flags=re.MULTILINE)


def machine() -> str:
    """The CPU's model name (what ``lscpu | grep "Model name"`` shows) and the number of cores."""
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} cores"


def commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "tutorials", "tinyseqkd"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return result.stdout.strip() + (" (with uncommitted changes in tutorials/ or tinyseqkd/)" if dirty else "")


def one_run(seed: int, threads: int, kernels: str, figures: Path) -> dict:
    """One ``--quick`` run in its own process: its JSON line, plus its wall-clock and CPU seconds."""
    env = {**os.environ, "TINYSEQKD_KERNELS": kernels}
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    result = subprocess.run([sys.executable, str(TUTORIAL), "--quick", "--seed", str(seed), "--threads", str(threads),
                             "--figures", str(figures)], capture_output=True, text=True, env=env, cwd=ROOT)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"seed {seed}, {threads} threads, {kernels}: the tutorial failed\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.splitlines()[-1])
    quartiles = {name: [float(q) for q in values.split()]  # section 3's printed lines
                 for name, values in QUARTILES.findall(result.stdout)}
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seed": seed, "threads": threads, "kernels": kernels, **figures, "p_quartiles": quartiles,
            "wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1)}


def table(runs: list[dict]) -> str:
    lines = ["| seed | threads | kernels | baseline greedy | baseline beam 5 | Seq-KD greedy | Seq-KD beam 5 "
             "| p(t = ŷ) baseline | p(t = ŷ) Seq-KD | teacher ŷ forward | wall s | CPU s |",
             "|---:|---:|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in runs:
        base, seq = run["baseline"], run["seq_kd"]
        lines.append(f"| {run['seed']} | {run['threads']} | {run['kernels']} | {base['bleu_greedy']:.1f} "
                     f"| {base['bleu_beam']:.1f} | {seq['bleu_greedy']:.1f} | {seq['bleu_beam']:.1f} "
                     f"| {base['p_greedy_output']:.1%} | {seq['p_greedy_output']:.1%} "
                     f"| {run['teacher_modes'].get('forward', 0.0):.1%} | {run['wall_seconds']:.0f} "
                     f"| {run['cpu_seconds']:.0f} |")
    return "\n".join(lines)


def summary(runs: list[dict]) -> dict:
    """How often each direction held, and the min–max of every figure over the runs."""
    def span(values):
        return [min(values), max(values)]

    return {
        "runs": len(runs),
        "seq_kd_greedy_above_baseline": sum(r["seq_kd"]["bleu_greedy"] > r["baseline"]["bleu_greedy"] for r in runs),
        "seq_kd_p_above_baseline": sum(r["seq_kd"]["p_greedy_output"] > r["baseline"]["p_greedy_output"]
                                       for r in runs),
        **{f"{student}_{column}": span([r[student][column] for r in runs])
           for student in ("baseline", "seq_kd") for column in COLUMNS},
        "teacher_forward": span([r["teacher_modes"].get("forward", 0.0) for r in runs]),
        "teacher_invalid": span([r["teacher_modes"].get("no valid variant", 0.0) for r in runs]),
        **{f"{name}_p_quartiles": [span([r["p_quartiles"][name][i] for r in runs]) for i in range(3)]
           for name in ("baseline", "Seq-KD")},
        "wall_seconds": span([r["wall_seconds"] for r in runs]),
        "cpu_seconds": span([r["cpu_seconds"] for r in runs]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--kernels", nargs="+", default=["numba", "numpy"], choices=["numba", "numpy"])
    args = parser.parse_args()
    print(f"date: {datetime.date.today().isoformat()}; commit: {commit()}; machine: {machine()}; "
          f"load average at the start: {os.getloadavg()[0]:.2f}")
    print(f"command: python benchmarks/tutorial08_runs.py --seeds {' '.join(map(str, args.seeds))} "
          f"--threads {' '.join(map(str, args.threads))} --kernels {' '.join(args.kernels)}\n")
    runs = []
    with tempfile.TemporaryDirectory(prefix="tutorial08-runs-") as figures:
        for seed in args.seeds:
            for threads in args.threads:
                for kernels in args.kernels:
                    runs.append(one_run(seed, threads, kernels, Path(figures)))
                    print(f"  done: seed {seed}, {threads} threads, {kernels}", file=sys.stderr, flush=True)
    print(table(runs))
    result = summary(runs)
    print(f"\nSeq-KD's greedy BLEU above the baseline's in {result['seq_kd_greedy_above_baseline']} of {len(runs)} "
          f"runs; its p(t = ŷ) above the baseline's in {result['seq_kd_p_above_baseline']} of {len(runs)}.")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print(json.dumps({"summary": result, "runs": runs}))


if __name__ == "__main__":
    main()
