"""The end of a ``tinyseqkd prune`` sweep: the unpruned model and every pruned one measured on one split, written as
``DIR/sweep.tsv`` (for programs), ``DIR/sweep.md`` (for people) and ``DIR/sweep.png`` (BLEU against the share of
weights pruned, one line per scheme; when matplotlib is installed).

Kim & Rush (Sec. 5.2) prune their best student (Seq-KD + Seq-Inter, 19.3 BLEU) by 50, 80 and 90% with retraining
and report BLEU and how many times fewer parameters than the teacher it keeps: 13× at 80%, at 19.1 BLEU — 0.2 below
the unpruned student, 0.4 below the teacher's 19.5. Each row here: BLEU with greedy and beam decoding, the non-zero
parameters and the teacher's parameters divided by them (``--teacher``), the size on disk (the checkpoint file,
and the weights alone as stored) and the seconds of retraining updates. The measurements are
:func:`tinyseqkd.evaluate.evaluate_translator`'s, as ``tinyseqkd evaluate`` makes them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tinyseqkd.commands.evaluate import checkpoint_split, first_sentences, megabytes
from tinyseqkd.errors import CheckpointError, MissingDependencyError

COLUMNS = ("scheme", "ratio", "sparsity", "bleu_greedy", "bleu_beam", "parameters", "nonzero_parameters",
           "teacher_ratio", "file_bytes", "weights_bytes", "retrain_seconds", "checkpoint")
UNPRUNED = "unpruned"


def evaluate_sweep(args: argparse.Namespace, source, points: list[dict], out: Path) -> list[dict]:
    """Measure the unpruned ``source`` (a Translator) and each point (``prune_point``'s dicts); write the table,
    its Markdown and the plot into ``out``. Returns the rows."""
    from tinyseqkd.evaluate import evaluate_translator
    from tinyseqkd.translator import load_translator

    split, beam = args.split or "test", args.beam or 5
    name, sources, references = first_sentences(*checkpoint_split(source.header, split, str(source.path)),
                                                args.limit)
    teacher = teacher_parameters(args.teacher) if args.teacher else None
    print(f"evaluating the sweep on {name} ({len(sources):,} sentences, beam {beam}) ...", flush=True)
    rows, signature = [], ""
    for point in [{"scheme": UNPRUNED, "ratio": 0.0, "checkpoint": source.path, "retrain_seconds": None}, *points]:
        translator = source if point["scheme"] == UNPRUNED else load_translator(point["checkpoint"])
        evaluation, _, _ = evaluate_translator(translator, sources, references, where=name, beam_size=beam,
                                               batch_size=args.batch_size or 64)
        signature = evaluation.bleu_signature
        rows.append(sweep_row(point, evaluation, teacher))
        print(f"  {point['scheme']} {point['ratio']:g}: BLEU {evaluation.bleu_greedy:.2f} greedy, "
              f"{evaluation.bleu_beam:.2f} beam", flush=True)
    write_sweep(out, rows, f"{source.path} pruned, evaluated on {name} ({len(sources):,} sentences), beam {beam}",
                signature)
    return rows


def teacher_parameters(path) -> int:
    """How many parameters the model of checkpoint ``path`` has (the teacher of ``--teacher``)."""
    from tinyseqkd.checkpoint import load_checkpoint

    weights = load_checkpoint(path).group("model")
    if not weights:
        raise CheckpointError(f"{path}: holds no model weights; fix: give --teacher a checkpoint written by "
                              "tinyseqkd train (RUN_DIR/best.npz)")
    return sum(array.size for array in weights.values())


def sweep_row(point: dict, e, teacher: int | None) -> dict:
    """One row of the table: the point and its :class:`~tinyseqkd.evaluate.Evaluation`."""
    return {"scheme": point["scheme"], "ratio": point["ratio"], "sparsity": 1 - e.nonzero_parameters / e.parameters,
            "bleu_greedy": e.bleu_greedy, "bleu_beam": e.bleu_beam, "parameters": e.parameters,
            "nonzero_parameters": e.nonzero_parameters,
            "teacher_ratio": teacher / e.nonzero_parameters if teacher and e.nonzero_parameters else None,
            "file_bytes": e.file_bytes, "weights_bytes": e.weights_bytes,
            "retrain_seconds": point["retrain_seconds"], "checkpoint": str(point["checkpoint"])}


# ------------------------------------------------------------------------------------------- the files
def write_sweep(out: Path, rows: list[dict], title: str, signature: str) -> None:
    """``sweep.tsv``, ``sweep.md`` and (with matplotlib) ``sweep.png`` in ``out``; a one-line note without it."""
    from tinyseqkd.plotting import plot_bleu_by_sparsity
    from tinyseqkd.textfiles import write_text_atomically

    write_text_atomically(out / "sweep.tsv", sweep_tsv(rows))
    markdown = sweep_markdown(rows, title, signature)
    write_text_atomically(out / "sweep.md", markdown)
    print(markdown, flush=True)
    try:
        plot_bleu_by_sparsity(bleu_curves(rows), out / "sweep.png", title="BLEU (beam) after pruning")
    except MissingDependencyError as error:
        print(f"note: no {out / 'sweep.png'}: {error}", flush=True)
        return
    print(f"wrote {out / 'sweep.tsv'}, {out / 'sweep.md'} and {out / 'sweep.png'}", flush=True)


def sweep_tsv(rows: list[dict]) -> str:
    """The rows as tab-separated values under a header of :data:`COLUMNS` (an unknown value is empty)."""
    def cell(value):
        return "" if value is None else f"{value:.6g}" if isinstance(value, float) else str(value)

    lines = ["\t".join(COLUMNS)] + ["\t".join(cell(row[column]) for column in COLUMNS) for row in rows]
    return "\n".join(lines) + "\n"


def sweep_markdown(rows: list[dict], title: str, signature: str) -> str:
    """The rows as a Markdown table a person reads."""
    header = ["model", "pruned", "BLEU K=1", "BLEU K=beam", "non-zero parameters", "teacher ÷ non-zero",
              "checkpoint file", "weights", "retraining"]
    lines = [f"{title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        model = UNPRUNED if row["scheme"] == UNPRUNED else f"{row['scheme']} {100 * row['ratio']:g}%"
        cells = [model, f"{100 * row['sparsity']:.1f}%", f"{row['bleu_greedy']:.2f}", f"{row['bleu_beam']:.2f}",
                 f"{row['nonzero_parameters']:,} of {row['parameters']:,}",
                 "–" if row["teacher_ratio"] is None else f"{row['teacher_ratio']:.1f}×",
                 "–" if row["file_bytes"] is None else megabytes(row["file_bytes"]), megabytes(row["weights_bytes"]),
                 "–" if row["retrain_seconds"] is None else f"{row['retrain_seconds']:.0f} s"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"BLEU signature: {signature}",
              "pruned: the share of all parameters that are zero; retraining: seconds of updates (validation "
              "excluded)"]
    return "\n".join(lines) + "\n"


def bleu_curves(rows: list[dict]) -> dict[str, list[tuple[float, float]]]:
    """Per scheme, its (sparsity, beam BLEU) points, each starting from the unpruned model's."""
    start = [(row["sparsity"], row["bleu_beam"]) for row in rows if row["scheme"] == UNPRUNED]
    curves: dict[str, list[tuple[float, float]]] = {}
    for row in rows:
        if row["scheme"] != UNPRUNED:
            curves.setdefault(row["scheme"], list(start)).append((row["sparsity"], row["bleu_beam"]))
    return curves
