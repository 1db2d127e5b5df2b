"""A tutorial's ``--quick`` run, twelve times: seeds 0, 1, 2 × ``--threads 1`` and ``2`` × the numba kernels and
their numpy twins (``TINYSEQKD_KERNELS=numpy``, which round differently: the stand-in for another CPU).

    python benchmarks/tutorial_runs.py TUTORIAL [--seeds 0 1 2] [--threads 1 2] [--kernels numba numpy]

``TUTORIAL`` is the chapter's number (``09``) or its file name (``09_seq_inter.py``). Each run is ``python
tutorials/NN_topic.py --quick --seed S --threads T`` in its own process, one after another (never two side by
side), and its figures are read from the JSON line the tutorial prints last; nested keys become columns named
``outer.inner``. Printed: the date, the commit, the machine and the load average; the fields that are the same in
every run; a markdown table with one row per run (every figure that varies, the run's wall-clock and CPU seconds);
the min–max of every numeric figure; for every true/false figure (a direction the text states), in how many runs
it was true; and, on the last line, one JSON object with all of it. ``docs/tutorial-runs.md`` holds such tables.

Wall-clock seconds count the time the run waited for a busy core; CPU seconds (user + system of the run's process)
do not, so on a shared machine they are the fairer measure of the work done.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = ROOT / "tutorials"
RUN_KEYS = ("seed", "threads", "kernels")  # the first columns: what makes one run differ from another
SAME_BY_DESIGN = ("tutorial", "quick")


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


def find_tutorial(name: str) -> Path:
    """``09`` or ``09_seq_inter.py`` → tutorials/09_seq_inter.py."""
    matches = sorted(TUTORIALS.glob(name if name.endswith(".py") else f"{name}_*.py"))
    if len(matches) != 1:
        raise SystemExit(f"no single tutorial matches {name!r}: {[path.name for path in matches]}")
    return matches[0]


def flatten(figures: dict, prefix: str = "") -> dict:
    """{"baseline": {"bleu": 91.2}} → {"baseline.bleu": 91.2}; lists stay whole."""
    flat = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def one_run(tutorial: Path, seed: int, threads: int, kernels: str, figures: Path) -> dict:
    """One ``--quick`` run in its own process: its JSON line (flattened), plus its wall-clock and CPU seconds."""
    env = {**os.environ, "TINYSEQKD_KERNELS": kernels}
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    result = subprocess.run([sys.executable, str(tutorial), "--quick", "--seed", str(seed), "--threads", str(threads),
                             "--figures", str(figures)], capture_output=True, text=True, env=env, cwd=ROOT)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"seed {seed}, {threads} threads, {kernels}: the tutorial failed\n{result.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {**flatten(json.loads(result.stdout.splitlines()[-1])),
            "wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1)}


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def split_columns(runs: list[dict]) -> tuple[dict, list[str]]:
    """The fields the same in every run (printed once, unless a number or a direction), and the columns of the
    table."""
    keys = [key for key in runs[0] if key not in RUN_KEYS]
    keys += [key for run in runs[1:] for key in run if key not in keys and key not in RUN_KEYS]
    same = {key: runs[0].get(key) for key in keys
            if not is_number(runs[0].get(key)) and not isinstance(runs[0].get(key), bool)
            and all(run.get(key) == runs[0].get(key) for run in runs)}
    return same, [key for key in keys if key not in same and key not in SAME_BY_DESIGN]


def table(runs: list[dict], columns: list[str]) -> str:
    header = [*RUN_KEYS, *columns]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(":---" if key == "kernels" else "---:" for key in header) + "|"]
    for run in runs:
        lines.append("| " + " | ".join(cell(run.get(key, "–")) for key in header) + " |")
    return "\n".join(lines)


def summary(runs: list[dict], columns: list[str]) -> dict:
    """The min–max of every numeric figure, and in how many runs each true/false figure was true."""
    spans, held = {}, {}
    for key in columns:
        values = [run[key] for run in runs if key in run]
        if values and all(isinstance(value, bool) for value in values):
            held[key] = sum(values)
        elif values and all(is_number(value) for value in values):
            spans[key] = [min(values), max(values)]
    return {"runs": len(runs), "held": held, "ranges": spans}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tutorial", help="the chapter's number (09) or its file name (09_seq_inter.py)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--kernels", nargs="+", default=["numba", "numpy"], choices=["numba", "numpy"])
    args = parser.parse_args()
    tutorial = find_tutorial(args.tutorial)
    print(f"date: {datetime.date.today().isoformat()}; commit: {commit()}; machine: {machine()}; "
          f"load average at the start: {os.getloadavg()[0]:.2f}")
    print(f"command: python benchmarks/tutorial_runs.py {tutorial.name[:2]} --seeds {' '.join(map(str, args.seeds))} "
          f"--threads {' '.join(map(str, args.threads))} --kernels {' '.join(args.kernels)}\n")
    runs = []
    with tempfile.TemporaryDirectory(prefix="tutorial-runs-") as figures:
        for seed in args.seeds:
            for threads in args.threads:
                for kernels in args.kernels:
                    runs.append(one_run(tutorial, seed, threads, kernels, Path(figures)))
                    print(f"  done: seed {seed}, {threads} threads, {kernels}", file=sys.stderr, flush=True)
    same, columns = split_columns(runs)
    for key, value in same.items():
        print(f"same in every run: {key} = {cell(value)}")
    print()
    print(table(runs, columns))
    result = summary(runs, columns)
    print()
    for key, count in result["held"].items():
        print(f"{key}: true in {count} of {len(runs)} runs")
    for key, (low, high) in result["ranges"].items():
        print(f"{key}: {cell(low)}–{cell(high)}")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print(json.dumps({"tutorial": tutorial.name, "same": same, "summary": result, "runs": runs}, ensure_ascii=False))


if __name__ == "__main__":
    main()
