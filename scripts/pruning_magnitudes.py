"""Per-class weight magnitudes of a checkpoint, and what class-blind pruning at a ratio takes from each class.

    python scripts/pruning_magnitudes.py CHECKPOINT [--ratio 0.8]

Printed per weight class (``tinyseqkd.prune.classes``, See et al.'s classes): its size, the mean and median |w|,
the share of weights still inside the initial range ±init_scale, and the share that class-blind pruning at the
ratio removes (one threshold for every class, Sec. 5.2). The last line is one JSON object with every figure.
``docs/pruning-recovery.md`` reads these figures beside the retraining curves.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from tinyseqkd.prune.classes import model_weights, weight_classes
from tinyseqkd.prune.masks import pruned_count, smallest
from tinyseqkd.translator import load_translator


def class_figures(checkpoint, ratio: float) -> dict:
    model = load_translator(checkpoint).model
    init = model.args.init_scale
    weights = model_weights(model)
    classes = weight_classes(weights)
    everything = np.concatenate([weight_class.values(weights) for weight_class in classes])
    threshold = np.abs(everything)[smallest(np.abs(everything), pruned_count(ratio, everything.size))].max()
    figures = {}
    for weight_class in classes:
        values = np.abs(weight_class.values(weights))
        figures[weight_class.name] = {
            "size": int(values.size), "mean_abs": float(values.mean()), "median_abs": float(np.median(values)),
            "inside_init": float(np.mean(values <= init)), "pruned": float(np.mean(values <= threshold))}
    return {"init_scale": init, "ratio": ratio, "threshold": float(threshold), "classes": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--ratio", type=float, default=0.8)
    args = parser.parse_args()
    found = class_figures(args.checkpoint, args.ratio)
    print(f"initial weights ±{found['init_scale']}; class-blind {args.ratio:.0%}: every |w| <= "
          f"{found['threshold']:.4f} is pruned")
    print(f"{'class':28s} {'size':>9s} {'mean |w|':>9s} {'median |w|':>10s} {'inside ±init':>12s} {'pruned':>7s}")
    for name, figures in found["classes"].items():
        print(f"{name:28s} {figures['size']:9,d} {figures['mean_abs']:9.4f} {figures['median_abs']:10.4f} "
              f"{figures['inside_init']:12.1%} {figures['pruned']:7.1%}")
    print(json.dumps(found))


if __name__ == "__main__":
    main()
