"""The reproduction's figures, as PNG files beside results.md — when matplotlib is installed.

1. ``learning_curves.png`` — validation perplexity and BLEU against training time, every row (each run's
   ``validations.tsv``: step, epoch, ppl, bleu, lr, train_seconds, best);
2. ``bleu_by_beam.png`` — BLEU against the beam size, per row: after Seq-KD (Sec. 3.2) greedy decoding comes close
   to beam search, so the student's curve is flat where the baseline's climbs;
3. ``p_greedy_output.png`` — p(t = ŷ), the probability of the model's own greedy output, per row (Table 1);
4. ``bleu_by_sparsity.png`` — BLEU of the pruned students against the share of weights pruned, per scheme
   (Sec. 5.2);
5. ``speed_vs_bleu.png`` — source words per second against BLEU, greedy and beam, per row (Sec. 5.1).

matplotlib is optional (``pip install "tinyseqkd[tutorials]"``): without it :func:`write_plots` writes nothing and
says so. The data behind each figure comes from small pure functions, tested without matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tinyseqkd.plotting import save_png
from tinyseqkd.reproduce.findings import pruned_rows
from tinyseqkd.textfiles import read_lines

INSTALL_HINT = 'pip install "tinyseqkd[tutorials]"'
VALIDATION_COLUMNS = ("step", "epoch", "ppl", "bleu", "lr", "train_seconds", "best")


@dataclass
class PlotReport:
    written: list[Path] = field(default_factory=list)
    skipped: str | None = None  # why nothing was drawn


# ---------------------------------------------------------------------------------------------- the data
def read_validations(path) -> dict[str, list[float]]:
    """``validations.tsv`` as columns (numbers); an absent file gives empty columns."""
    columns = {name: [] for name in VALIDATION_COLUMNS}
    path = Path(path)
    if not path.exists():
        return columns
    lines = read_lines(path)
    header = lines[0].split("\t") if lines else []
    for line in lines[1:]:
        for name, value in zip(header, line.split("\t")):
            if name in columns:
                columns[name].append(float(value))
    return columns


def beam_curve(figures: dict) -> list[tuple[int, float]]:
    """(beam size, BLEU) points of one row: its ``bleu_by_beam`` sweep, else greedy (K = 1) and its beam column."""
    points = {int(k): bleu for k, bleu in (figures.get("bleu_by_beam") or {}).items()}
    if "bleu_greedy" in figures:
        points.setdefault(1, figures["bleu_greedy"])
    if "bleu_beam" in figures:
        points.setdefault(int(figures.get("beam_size", 5)), figures["bleu_beam"])
    return sorted(points.items())


def sparsity_curves(rows: dict) -> dict[str, list[tuple[float, float]]]:
    """Per pruning scheme, (share of weights pruned, beam BLEU) points, starting from the unpruned model."""
    curves: dict[str, list[tuple[float, float]]] = {}
    for row in pruned_rows(rows):
        figures = rows[row]
        points = curves.setdefault(figures.get("scheme", "?"), [])
        source = rows.get(figures.get("pruned_from"), {})
        if not points and "bleu_beam" in source:
            points.append((0.0, source["bleu_beam"]))
        sparsity = 1 - figures["nonzero_parameters"] / figures["parameters"]
        points.append((sparsity, figures["bleu_beam"]))
    return {scheme: sorted(points) for scheme, points in curves.items()}


# ---------------------------------------------------------------------------------------------- drawing
def write_plots(out, rows: dict, labels: dict, validations: dict) -> PlotReport:
    """Draw the five figures into ``out``; ``validations`` maps rows to their ``validations.tsv``."""
    try:
        import matplotlib
    except ImportError:
        return PlotReport(skipped=f"no plots: matplotlib is not installed ({INSTALL_HINT} to get them)")
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    report = PlotReport()
    for name, draw in (("learning_curves.png", _learning_curves), ("bleu_by_beam.png", _bleu_by_beam),
                       ("p_greedy_output.png", _p_greedy_output), ("bleu_by_sparsity.png", _bleu_by_sparsity),
                       ("speed_vs_bleu.png", _speed_vs_bleu)):
        figure = draw(plt, rows, labels, validations)
        if figure is not None:
            report.written.append(save_png(plt, figure, Path(out) / name))
    return report


def _learning_curves(plt, rows, labels, validations):
    curves = {row: read_validations(path) for row, path in validations.items()}
    curves = {row: columns for row, columns in curves.items() if columns["step"]}
    if not curves:
        return None
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for row, columns in curves.items():
        minutes = [seconds / 60 for seconds in columns["train_seconds"]]
        left.plot(minutes, columns["ppl"], marker=".", label=labels.get(row, row))
        right.plot(minutes, columns["bleu"], marker=".", label=labels.get(row, row))
    from matplotlib.ticker import FuncFormatter

    left.set(xlabel="training minutes", ylabel="validation perplexity", yscale="log", title="perplexity")
    plain = FuncFormatter(lambda value, _: f"{value:g}")  # 40, not 4 × 10¹
    left.yaxis.set_major_formatter(plain)
    left.yaxis.set_minor_formatter(plain)
    right.set(xlabel="training minutes", ylabel="validation BLEU (greedy)", title="BLEU")
    right.legend(fontsize="small")
    return figure


def _bleu_by_beam(plt, rows, labels, validations):
    figure, axes = plt.subplots(figsize=(6, 4))
    beams = set()
    for row, figures in rows.items():
        points = beam_curve(figures)
        if points:
            axes.plot(*zip(*points), marker="o", label=labels.get(row, row))
            beams.update(beam for beam, _ in points)
    axes.set_xticks(sorted(beams))
    axes.set(xlabel="beam size K", ylabel="test BLEU", title="BLEU by beam size (Seq-KD: greedy ≈ beam)")
    axes.legend(fontsize="small")
    return figure


def _p_greedy_output(plt, rows, labels, validations):
    shown = [row for row, figures in rows.items() if figures.get("p_greedy_output") is not None]
    if not shown:
        return None
    figure, axes = plt.subplots(figsize=(7, 4))
    axes.bar(range(len(shown)), [100 * rows[row]["p_greedy_output"] for row in shown])
    axes.set_xticks(range(len(shown)), [labels.get(row, row) for row in shown], rotation=30, ha="right")
    axes.set(ylabel="p(t = ŷ), %", title="probability of the model's own greedy output")
    return figure


def _bleu_by_sparsity(plt, rows, labels, validations):
    curves = sparsity_curves(rows)
    if not curves:
        return None
    figure, axes = plt.subplots(figsize=(6, 4))
    for scheme, points in curves.items():
        axes.plot([100 * share for share, _ in points], [bleu for _, bleu in points], marker="o", label=scheme)
    axes.set(xlabel="weights pruned, %", ylabel="test BLEU (beam)", title="pruning and retraining (Sec. 5.2)")
    axes.legend(fontsize="small")
    return figure


def _speed_vs_bleu(plt, rows, labels, validations):
    figure, axes = plt.subplots(figsize=(7, 4.5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (row, figures) in enumerate(rows.items()):
        for kind, marker in (("greedy", "o"), ("beam", "s")):
            speed, bleu = figures.get(f"words_per_second_{kind}"), figures.get(f"bleu_{kind}")
            if speed is not None and bleu is not None:
                axes.scatter(speed, bleu, marker=marker, color=colours[i % len(colours)],
                             label=labels.get(row, row) if kind == "greedy" else None)
    axes.set(xlabel="source words / second", ylabel="test BLEU", title="speed and quality (● greedy, ■ beam 5)")
    axes.legend(fontsize="x-small")
    return figure
