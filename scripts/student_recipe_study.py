"""The student recipe's learning-curve study: validation BLEU against updates for several training settings.

The Bible presets of ``tinyseqkd reproduce`` train 2 x 128 students, and every student of one comparison gets the
same recipe and budget. This script is how that recipe was chosen (``docs/student-recipe.md`` gives the measured
curves and the reasons; ``tinyseqkd/reproduce/presets.py`` the recipe itself):

    python scripts/student_recipe_study.py run NAME STEPS [--section.key=value ...]   # one setting, one thread
    python scripts/student_recipe_study.py report RUN_DIR [RUN_DIR ...] --out docs/student-recipe

``run`` trains the shipped ``student`` config on the gold bible-es-en data with the overrides given, at a constant
learning rate (no halving) and without early stopping, validating every 250 updates (greedy BLEU on the shipped
300 valid verses), so that the curves show each setting alone. ``report`` reads the runs' ``validations.tsv`` and
writes ``OUT.md`` (a table: BLEU at each validation, per setting) and ``OUT.png`` (the curves, with matplotlib), then
prints one JSON object with the curves as its last line.

Runs are counted in updates, never in minutes, so a busy machine changes how long a run takes but not its curve.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

STUDY_KEYS = ["--train.max_minutes=0", "--train.max_epochs=0", "--train.validate_every=250",
              "--train.early_stopping=bleu", "--train.patience=0", "--train.lr_decay=1", "--train.log_every=250"]


def run(name: str, steps: int, overrides: list[str], root: Path) -> int:
    """Train one setting into ``root/name`` (one thread; see the module docstring)."""
    argv = [sys.executable, "-m", "tinyseqkd", "train", "student", "--out", str(root / name), "--threads", "1",
            *STUDY_KEYS, f"--train.max_steps={steps}", *overrides]
    print(" ".join(argv), flush=True)
    return subprocess.call(argv)


def read_curve(run_dir: Path) -> dict:
    """``{"name", "settings", "steps", "bleu", "ppl"}`` from a run's ``validations.tsv`` and ``config.toml``."""
    lines = (run_dir / "validations.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:]]
    return {"name": run_dir.name, "settings": settings_of(run_dir),
            "batch_size": batch_size_of(run_dir),
            "steps": [int(row["step"]) for row in rows], "bleu": [float(row["bleu"]) for row in rows],
            "ppl": [float(row["ppl"]) for row in rows]}


def settings_of(run_dir: Path) -> str:
    """The settings that vary in the study, read from the run's resolved config."""
    import tomllib

    path = run_dir / "config.toml"
    if not path.exists():
        return ""
    config = tomllib.loads(path.read_text())
    train, model = config.get("train", {}), config.get("model", {})
    return (f"lr {train.get('lr')}, batch {train.get('batch_size')}, dropout {model.get('dropout')}, "
            f"init ±{model.get('init_scale')}")


def batch_size_of(run_dir: Path) -> int:
    """The run's sentences per update (the x axis of the second panel: training sentences seen)."""
    import tomllib

    return int(tomllib.loads((run_dir / "config.toml").read_text())["train"]["batch_size"])


def markdown_table(curves: list[dict]) -> str:
    """One row per validation step, one column per setting (BLEU; '' where a run did not reach that step)."""
    steps = sorted({step for curve in curves for step in curve["steps"]})
    lines = ["| updates | " + " | ".join(curve["name"] for curve in curves) + " |",
             "|---:|" + "---:|" * len(curves)]
    for step in steps:
        cells = []
        for curve in curves:
            by_step = dict(zip(curve["steps"], curve["bleu"]))
            cells.append(f"{by_step[step]:.1f}" if step in by_step else "")
        lines.append(f"| {step:,} | " + " | ".join(cells) + " |")
    legend = [f"- `{curve['name']}`: {curve['settings']}" for curve in curves]
    return "\n".join(lines + [""] + legend) + "\n"


def draw(curves: list[dict], path: Path) -> bool:
    """The curves as a PNG (False when matplotlib is not installed)."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (by_update, by_sentence) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for curve in curves:
        sentences = [step * curve["batch_size"] / 1000 for step in curve["steps"]]
        by_update.plot(curve["steps"], curve["bleu"], marker="o", markersize=3, label=curve["name"])
        by_sentence.plot(sentences, curve["bleu"], marker="o", markersize=3, label=curve["name"])
    by_update.set(xlabel="updates", ylabel="validation BLEU (greedy, 300 verses)")
    by_sentence.set(xlabel="training sentences seen (thousands; an epoch is 26.9)")
    figure.suptitle("2 x 128 student on bible-es-en, gold targets, constant learning rate")
    for axes in (by_update, by_sentence):
        axes.grid(alpha=0.3)
    by_update.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return True


def report(run_dirs: list[Path], out: Path) -> dict:
    curves = [read_curve(run_dir) for run_dir in run_dirs]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text(markdown_table(curves))
    drew = draw(curves, out.with_suffix(".png"))
    print(markdown_table(curves))
    print(f"wrote {out.with_suffix('.md')}" + (f" and {out.with_suffix('.png')}" if drew else ""))
    return {"curves": curves}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="train one setting")
    run_parser.add_argument("name")
    run_parser.add_argument("steps", type=int)
    run_parser.add_argument("--root", type=Path, default=Path("runs/student-recipe-study"))
    report_parser = commands.add_parser("report", help="table and figure of finished (or running) settings")
    report_parser.add_argument("run_dirs", nargs="+", type=Path)
    report_parser.add_argument("--out", type=Path, default=Path("docs/student-recipe-curves"))
    args, rest = parser.parse_known_args()
    if args.command == "run":
        return run(args.name, args.steps, rest, args.root)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    print(json.dumps(report(args.run_dirs, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
