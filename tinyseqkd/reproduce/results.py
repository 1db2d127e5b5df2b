"""The reproduction's results: ``results.json`` (every figure) and ``results.md`` (our tables beside the paper's).

results.md holds, for the rows a preset built:

1. Table 1 (Kim & Rush 2016): BLEU greedy (K = 1) and beam (K = 5), their gap, perplexity, p(t = ŷ) (mean and
   median) — ours, then the paper's;
2. size, decoding speed (Sec. 5.1) and training time of every row;
3. the pruned students (Sec. 5.2): non-zero parameters, how many times fewer than the teacher, BLEU;
4. the deltas that matter (:func:`tinyseqkd.reproduce.findings.deltas`);
5. the paper's claims as checks, ✓ / ✗ / – (not measured) (:func:`tinyseqkd.reproduce.findings.checks`);
6. the sacrebleu signatures and the versions of everything that computed the figures.

The functions are pure up to :func:`write_results`; the markdown is rendered from the JSON data alone, so
``results.md`` can always be rebuilt from ``results.json``.
"""

from __future__ import annotations

import json
import platform
from dataclasses import asdict
from pathlib import Path

from tinyseqkd.progress import clock
from tinyseqkd.reproduce import findings, paper
from tinyseqkd.reproduce.presets import TABLE_ROWS
from tinyseqkd.textfiles import write_text_atomically

MARKS = {True: "✓", False: "✗", None: "–"}
MISSING = "–"


def build_results(rows: dict, *, preset: str, summary: str = "", versions: dict | None = None,
                  meta: dict | None = None, notes=()) -> dict:
    """Everything results.json holds: our rows (in Table 1's order, pruned rows last), deltas, checks, the paper's
    numbers, the signatures and versions, ``meta`` (e.g. threads, jobs, total seconds) and the preset's ``notes``
    (what its checks can and cannot show)."""
    order = [row for row in TABLE_ROWS if row in rows] + [row for row in rows if row not in TABLE_ROWS]
    rows = {row: rows[row] for row in order}
    return {
        "preset": preset, "summary": summary, "notes": list(notes), "rows": rows,
        "labels": {row: paper.row_label(row, figures) for row, figures in rows.items()},
        "deltas": findings.deltas(rows), "checks": findings.checks(rows),
        "paper": {"table_1": {row: asdict(values) for row, values in paper.TABLE_1.items()},
                  "pruned_bleu": {str(ratio): bleu for ratio, bleu in paper.PRUNED_BLEU.items()},
                  "unpruned_bleu": paper.UNPRUNED_BLEU,
                  "pruned_80_fewer_than_teacher": paper.PRUNED_80_FEWER_THAN_TEACHER,
                  "student_greedy_over_teacher_beam": paper.STUDENT_GREEDY_OVER_TEACHER_BEAM},
        "signatures": sorted({figures["bleu_signature"] for figures in rows.values() if figures.get("bleu_signature")}),
        "versions": versions if versions is not None else collect_versions(),
        "meta": meta or {},
    }


def collect_versions() -> dict:
    """The versions of Python, tinyseqkd and the packages that computed the figures."""
    from importlib import metadata

    from tinyseqkd import __version__

    versions = {"tinyseqkd": __version__, "python": platform.python_version()}
    for package in ("numpy", "numba", "sacrebleu"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    versions["machine"] = f"{platform.system()} {platform.machine()}"
    return versions


def write_results(out, results: dict) -> tuple[Path, Path]:
    """Write ``OUT/results.json`` and ``OUT/results.md`` atomically; returns their paths."""
    out = Path(out)
    json_path, markdown_path = out / "results.json", out / "results.md"
    write_text_atomically(json_path, json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    write_text_atomically(markdown_path, render_markdown(results))
    return json_path, markdown_path


def check_lines(results: dict) -> list[str]:
    """The claims as lines to print: ``✓ claim (section): ours …; paper …``."""
    return [f"{MARKS[check['holds']]} {check['claim']} ({check['section']}): ours {check['ours']}; "
            f"paper {check['paper']}" for check in results["checks"]]


# ---------------------------------------------------------------------------------------------- markdown
def render_markdown(results: dict) -> str:
    rows, labels = results["rows"], results["labels"]
    title = f"# Kim & Rush (2016) reproduced with tinyseqkd: preset `{results['preset']}`"
    summary = results["summary"]
    intro = (f"{summary[:1].upper()}{summary[1:]}. " if summary else "") + (
        "Every figure is in results.json. The paper's figures are English→German (WMT 2014) with a 4×1000 teacher "
        "and 2×500 students; ours are far smaller, so compare the shape (signs and ratios), not the values.")
    parts = [title, intro, "## Table 1", _table_1(rows, labels), "## Size, speed and training time",
             _size_and_speed(rows, labels)]
    pruned = findings.pruned_rows(rows)
    if pruned:
        parts += ["## Pruning (Sec. 5.2)", _pruning(rows, labels, pruned)]
    parts += ["## Deltas", _deltas(results["deltas"]), "## The paper's claims, checked on our figures",
              "\n".join(f"- {line}" for line in check_lines(results))]
    if results.get("notes"):
        parts += ["## Reading this preset's checks", "\n".join(f"- {note}" for note in results["notes"])]
    parts += ["## Measured with", _provenance(results)]
    return "\n\n".join(parts) + "\n"


def _table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|---|" + "--:|" * (len(header) - 1)]
    return "\n".join(lines + ["| " + " | ".join(cells) + " |" for cells in body])


def _number(value, spec: str = ".1f", suffix: str = "") -> str:
    return MISSING if value is None else f"{value:{spec}}{suffix}"


def _table_1(rows: dict, labels: dict) -> str:
    header = ["model", "BLEU K=1", "BLEU K=5", "gap", "PPL", "p(t = ŷ)", "median", "paper K=1", "paper K=5",
              "paper gap", "paper PPL", "paper p(t = ŷ)"]
    body = []
    for row, figures in rows.items():
        ours = [_number(figures.get("bleu_greedy")), _number(figures.get("bleu_beam")),
                _number(findings.gap(rows, row)), _number(figures.get("perplexity")),
                _number(figures.get("p_greedy_output"), ".2%"), _number(figures.get("p_greedy_output_median"), ".2%")]
        known = paper.TABLE_1.get(row) if "ratio" not in figures else None
        theirs = ([f"{known.bleu_greedy:.1f}", f"{known.bleu_beam:.1f}", f"{known.gap:.1f}", f"{known.perplexity:.1f}",
                   f"{known.p_greedy_output:.1%}"] if known else [MISSING] * 5)
        body.append([labels[row], *ours, *theirs])
    return _table(header, body)


def _size_and_speed(rows: dict, labels: dict) -> str:
    header = ["model", "parameters", "non-zero", "greedy words/s", "beam words/s", "training"]
    body = [[labels[row], _number(f.get("parameters"), ","), _number(f.get("nonzero_parameters"), ","),
             _number(f.get("words_per_second_greedy"), ",.0f"), _number(f.get("words_per_second_beam"), ",.0f"),
             MISSING if f.get("training_seconds") is None else clock(f["training_seconds"])]
            for row, f in rows.items()]
    return _table(header, body)


def _pruning(rows: dict, labels: dict, pruned: list[str]) -> str:
    header = ["model", "non-zero parameters", "teacher ÷ non-zero", "BLEU K=1", "BLEU K=5", "paper BLEU"]
    teacher_parameters = rows.get("teacher", {}).get("parameters")
    body = []
    for row in pruned:
        f = rows[row]
        fewer = findings.ratio(teacher_parameters, f.get("nonzero_parameters"))
        known = paper.PRUNED_BLEU.get(f["ratio"]) if f.get("scheme") == "class-blind" else None
        body.append([labels[row], _number(f.get("nonzero_parameters"), ","), _number(fewer, ".1f", "×"),
                     _number(f.get("bleu_greedy")), _number(f.get("bleu_beam")), _number(known)])
    return _table(header, body)


def _deltas(found: list[dict]) -> str:
    def cell(value, unit):
        return _number(value, "+.1f") if unit == "bleu" else _number(value, ".1f", "×")

    return _table(["", "ours", "paper"], [[d["name"], cell(d["ours"], d["unit"]), cell(d["paper"], d["unit"])]
                                         for d in found])


def _provenance(results: dict) -> str:
    lines = [f"- BLEU: sacrebleu, {signature}" for signature in results["signatures"]] or ["- BLEU: sacrebleu"]
    lines.append("- " + ", ".join(f"{name} {version}" for name, version in results["versions"].items()))
    if results["meta"]:
        lines.append("- " + ", ".join(f"{key}: {value}" for key, value in results["meta"].items()))
    return "\n".join(lines)
