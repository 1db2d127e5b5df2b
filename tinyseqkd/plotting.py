"""Attention heat maps: where the decoder looked in the source while it wrote each output piece.

Row j of the picture is a_j, the attention weights of output step j over the source pieces (Luong et al. 2015,
Sec. 3.1; ``tinyseqkd.nn.attention``); each row sums to 1. A translation that follows the source word by word
shows a diagonal; reordering shows as a jump.

Plots need matplotlib, which tinyseqkd does not depend on: ``pip install "tinyseqkd[tutorials]"``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinyseqkd.errors import MissingDependencyError
from tinyseqkd.textfiles import open_atomically

INSTALL_HINT = 'pip install "tinyseqkd[tutorials]"'


def require_matplotlib():
    """matplotlib's pyplot with a file-only backend, or one clear error saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise MissingDependencyError(
            f"--plot-attention needs matplotlib, which is not installed; fix: {INSTALL_HINT}") from None
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
    figure.tight_layout()
    path = Path(path)
    try:
        with open_atomically(path, binary=True) as file:
            figure.savefig(file, format="png", dpi=100)
    finally:
        plt.close(figure)
    return path
