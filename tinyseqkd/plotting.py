"""Pictures: attention heat maps, and BLEU against sparsity for pruned models.

- :func:`plot_attention` — where the decoder looked in the source while it wrote each output piece. Row j of the
  picture is a_j, the attention weights of output step j over the source pieces (Luong et al. 2015, Sec. 3.1;
  ``tinyseqkd.nn.attention``); each row sums to 1. A translation that follows the source word by word shows a
  diagonal; reordering shows as a jump.
- :func:`plot_bleu_by_sparsity` — BLEU of pruned and retrained models against the share of weights pruned, one
  line per pruning scheme (Kim & Rush Sec. 5.2; See, Luong & Manning 2016 compare the schemes this way).

Plots need matplotlib, which tinyseqkd does not depend on: ``pip install "tinyseqkd[tutorials]"``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinyseqkd.errors import MissingDependencyError
from tinyseqkd.textfiles import open_atomically

INSTALL_HINT = 'pip install "tinyseqkd[tutorials]"'


def require_matplotlib(feature: str = "--plot-attention"):
    """matplotlib's pyplot with a file-only backend, or one clear error saying that ``feature`` needs it and how to
    install it."""
    try:
        import matplotlib
    except ImportError:
        raise MissingDependencyError(
            f"{feature} needs matplotlib, which is not installed; fix: {INSTALL_HINT}") from None
    matplotlib.use("Agg")  # draw into files; no window, no display needed
    import matplotlib.pyplot as plt

    return plt


def plot_attention(weights: np.ndarray, src_pieces: list[str], out_pieces: list[str], path, title: str = "") -> Path:
    """Save a heat map of ``weights`` (T_out, S): output pieces down the side, source pieces along the top."""
    assert weights.shape == (len(out_pieces), len(src_pieces)), (weights.shape, len(out_pieces), len(src_pieces))
    plt = require_matplotlib()
    height, width = len(out_pieces), len(src_pieces)
    figure, axes = plt.subplots(figsize=(1.5 + 0.35 * width, 1.2 + 0.3 * height))
    image = axes.imshow(weights, cmap="Greys", vmin=0.0, vmax=1.0, aspect="auto")
    axes.set_xticks(range(width), src_pieces, rotation=90)
    axes.set_yticks(range(height), out_pieces)
    axes.xaxis.tick_top()
    axes.xaxis.set_label_position("top")
    axes.set_xlabel("source")
    axes.set_ylabel("output")
    if title:
        axes.set_title(title, fontsize="small", pad=8)
    figure.colorbar(image, ax=axes, fraction=0.04)
    return save_png(plt, figure, path)


def plot_bleu_by_sparsity(curves: dict[str, list[tuple[float, float]]], path, title: str = "",
                          ylabel: str = "BLEU") -> Path:
    """Save a line per scheme of (share of weights pruned, BLEU) points; ``curves`` maps a scheme to its points."""
    plt = require_matplotlib("the sweep's plot")
    figure, axes = plt.subplots(figsize=(6, 4))
    for scheme, points in curves.items():
        points = sorted(points)
        axes.plot([100 * x for x, _ in points], [y for _, y in points], marker="o", label=scheme)
    axes.set(xlabel="weights pruned, %", ylabel=ylabel, title=title or "BLEU after pruning and retraining")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    return save_png(plt, figure, path)


def save_png(plt, figure, path) -> Path:
    """Write ``figure`` as a PNG through the atomic writer (never half a picture) and close it."""
    figure.tight_layout()
    path = Path(path)
    try:
        with open_atomically(path, binary=True) as file:
            figure.savefig(file, format="png", dpi=100)
    finally:
        plt.close(figure)
    return path
