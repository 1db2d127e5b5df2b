"""The reproduction's results: ``results.json`` (every figure) and ``results.md`` (our tables beside the paper's).

results.md holds, for the rows a preset built, every cell as the mean ± sd over the seeds
(:mod:`tinyseqkd.reproduce.seeds`; a plain value for one seed or a shared teacher row):

1. how the seeds and the intervals were used, and why the teacher is shared;
2. Table 1 (Kim & Rush 2016): BLEU greedy (K = 1) and beam (K = 5), their gap, perplexity, p(t = ŷ) (mean, median,
   and the mean over the sources of at most 15 words) — ours, then the paper's;
3. size, decoding speed (Sec. 5.1) and training time of every row;
4. the pruned students (Sec. 5.2): non-zero parameters, how many times fewer than the teacher, BLEU;
5. the deltas that matter (:func:`tinyseqkd.reproduce.findings.deltas`), with paired bootstrap 95% intervals of the
   BLEU differences (:mod:`tinyseqkd.reproduce.bootstrap`): ``+2.3 ± 0.4 [+1.1, +3.5]``;
6. the paper's claims checked in each seed, ✓ 3/3 / ✗ 2/3 / – (not measured)
   (:func:`tinyseqkd.reproduce.findings.checks`);
7. with several seeds, each seed's tables, deltas and checks in a ``<details>`` block;
8. the sacrebleu signatures and the versions of everything that computed the figures.

The functions are pure up to :func:`write_results`; the markdown is rendered from the JSON data alone, so
``results.md`` can always be rebuilt from ``results.json``.
"""

from __future__ import annotations

import json
import platform
from dataclasses import asdict
from pathlib import Path

from tinyseqkd.progress import clock
from tinyseqkd.reproduce import bootstrap, findings, paper, seeds
from tinyseqkd.reproduce.plan import SHARED_ROWS
from tinyseqkd.reproduce.presets import TABLE_ROWS
from tinyseqkd.textfiles import write_text_atomically

MARKS = {True: "✓", False: "✗", None: "–"}
MISSING = "–"


def build_results(per_seed: dict, *, preset: str, summary: str = "", versions: dict | None = None,
                  meta: dict | None = None, notes=(), shared=SHARED_ROWS, draws=None) -> dict:
    """Everything results.json holds, from ``per_seed`` (``{seed: {row: figures}}``, every seed's rows; a
    ``shared`` row, the teacher's, is the same in each): the seeds' mean rows (in Table 1's order, pruned rows last)
    and their spread, the per-seed figures, deltas and checks over the seeds (:mod:`tinyseqkd.reproduce.seeds`), the
    paper's numbers, the signatures and versions, ``meta`` (e.g. threads, jobs, total seconds) and the preset's
    ``notes`` (what its checks can and cannot show). ``draws(seed, row, decoding)`` gives the bootstrap draws of a
    system's BLEU (:class:`tinyseqkd.reproduce.bootstrap.SavedTranslations`); without it, no intervals."""
    _check_per_seed(per_seed)
    per_seed = {str(seed): _in_table_order(rows) for seed, rows in per_seed.items()}
    rows, spread = seeds.mean_rows(per_seed, shared)
    seed_intervals, mean_intervals = seeds.intervals(per_seed, draws)
    deltas = seeds.combined_deltas(rows, per_seed, seed_intervals, mean_intervals)
    return {
        "preset": preset, "summary": summary, "notes": list(notes), "seeds": [int(seed) for seed in per_seed],
        "shared_rows": [row for row in shared if row in rows], "rows": rows, "spread": spread, "per_seed": per_seed,
        "labels": {row: paper.row_label(row, figures) for row, figures in rows.items()},
        "deltas": deltas, "checks": seeds.combined_checks(rows, per_seed, seed_intervals, mean_intervals, deltas,
                                                      shared),
        "intervals": {"method": "paired bootstrap on the test sentences (sacrebleu's resampling)",
                      "samples": bootstrap.N_SAMPLES, "level": bootstrap.LEVEL} if draws is not None else None,
        "paper": {"table_1": {row: asdict(values) for row, values in paper.TABLE_1.items()},
                  "pruned_bleu": {str(ratio): bleu for ratio, bleu in paper.PRUNED_BLEU.items()},
                  "unpruned_bleu": paper.UNPRUNED_BLEU,
                  "pruned_80_fewer_than_teacher": paper.PRUNED_80_FEWER_THAN_TEACHER,
                  "student_greedy_over_teacher_beam": paper.STUDENT_GREEDY_OVER_TEACHER_BEAM},
        "signatures": sorted({figures["bleu_signature"] for rows_of in per_seed.values()
                              for figures in rows_of.values() if figures.get("bleu_signature")}),
        "versions": versions if versions is not None else collect_versions(),
        "meta": meta or {},
    }


def _check_per_seed(per_seed: dict) -> None:
    for seed, rows in per_seed.items():
        if not isinstance(rows, dict) or not all(isinstance(figures, dict) for figures in rows.values()):
            raise TypeError(f"build_results takes {{seed: {{row: figures}}}}; seed {seed!r} holds no rows of figures "
                            "(one seed's rows go in as {1: rows})")


def _in_table_order(rows: dict) -> dict:
    order = [row for row in TABLE_ROWS if row in rows] + [row for row in rows if row not in TABLE_ROWS]
    return {row: rows[row] for row in order}


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


def check_lines(results: dict, seed: str | None = None) -> list[str]:
    """The claims as lines to print: ``✓ 3/3 claim (section): ours …, difference +2.3 [+1.1, +3.5]; paper …``
    over the seeds, or ``✓ claim …`` for one ``seed`` (as results.json keys it, ``"1"``)."""
    lines = []
    for check in results["checks"]:
        own = check if seed is None else check["by_seed"].get(seed, {"holds": None, "ours": MISSING,
                                                                      "interval": None, "difference": None})
        mark = MARKS[own["holds"]]
        if seed is None and check["holds"] is not None:
            mark += f" {check['holds_in']}/{check['seeds']}"
        difference = "" if own.get("difference") is None else (
            f", difference {_signed(own['difference'])}{_interval(own['interval'])}")
        lines.append(f"{mark} {check['claim']} ({check['section']}): ours {own['ours']}{difference}; "
                     f"paper {check['paper']}")
    return lines


# ---------------------------------------------------------------------------------------------- markdown
def render_markdown(results: dict) -> str:
    rows, labels = results["rows"], results["labels"]
    per_seed = results["per_seed"]
    title = f"# Kim & Rush (2016) reproduced with tinyseqkd: preset `{results['preset']}`"
    summary = results["summary"]
    intro = (f"{summary[:1].upper()}{summary[1:]}. " if summary else "") + (
        "Every figure is in results.json. The paper's figures are English→German (WMT 2014) with a 4×1000 teacher "
        "and 2×500 students; ours are far smaller, so compare the shape (signs and ratios), not the values.")
    over = _over_seeds(results)
    parts = [title, intro, "## Seeds and intervals", _seeds_notes(results),
             f"## Table 1 ({over})", _table_1(per_seed, labels),
             f"## Size, speed and training time ({over})", _size_and_speed(per_seed, labels)]
    if findings.pruned_rows(rows):
        parts += [f"## Pruning (Sec. 5.2, {over})", _pruning(per_seed, labels)]
    parts += [f"## Deltas ({over}; [95% interval])", _deltas(results["deltas"]),
              f"## The paper's claims, checked in each seed ({_seed_count(results)})",
              "\n".join(f"- {line}" for line in check_lines(results))]
    if len(per_seed) > 1:
        parts += ["## Each seed", "\n\n".join(_one_seed(results, seed) for seed in per_seed)]
    if results.get("notes"):
        parts += ["## Reading this preset's checks", "\n".join(f"- {note}" for note in results["notes"])]
    parts += ["## Measured with", _provenance(results)]
    return "\n\n".join(parts) + "\n"


def _seed_count(results: dict) -> str:
    """``3 seeds: 1, 2, 3`` or ``one seed: 1``."""
    names = ", ".join(str(seed) for seed in results["seeds"])
    return f"one seed: {names}" if len(results["seeds"]) == 1 else f"{len(results['seeds'])} seeds: {names}"


def _over_seeds(results: dict) -> str:
    """What a table's cells are: ``mean ± sd over 3 seeds: 1, 2, 3`` or ``one seed: 1``."""
    return _seed_count(results) if len(results["seeds"]) == 1 else f"mean ± sd over {_seed_count(results)}"


def _seeds_notes(results: dict) -> str:
    shared = [results["labels"][row] for row in results["shared_rows"]]
    lines = [
        f"- Every student row was trained once per seed ({_seed_count(results)}; the seed sets the student's "
        "initialisation, dropout and batch order); a cell is the mean ± the sample standard deviation (n − 1) over "
        "the seeds, a plain value when there is one seed or every seed gave the same (to the precision shown).",
        (f"- The teacher rows ({', '.join(shared)}) are trained once, with the first seed, and shared by every seed: "
         "the comparisons are between students taught by the same teacher, the spread over seeds measures the "
         "students' own variability, and a teacher per seed would cost a full teacher each on the Bible corpus."
         if shared else "- No teacher row was measured."),
        "- A claim is checked in each seed: ✓ 3/3 holds in all three, ✗ 2/3 in two of them (✗ unless it holds in "
        "every seed).",
    ]
    if results.get("intervals"):
        lines.append(
            f"- [low, high]: a paired bootstrap {results['intervals']['level']:.0%} interval of a BLEU difference "
            f"({results['intervals']['samples']:,} draws of the test sentences with sacrebleu's resampling, the "
            "same draws for every system); for a mean over seeds, over the per-draw mean of the seeds' differences. "
            "A claim that one row is above another holds in a seed only when its interval lies above 0; the "
            "'matches' and 'at most' claims are judged on the values, their interval beside.")
    return "\n".join(lines)


def _one_seed(results: dict, seed: str) -> str:
    """A ``<details>`` block with one seed's tables, deltas and checks."""
    one = {seed: results["per_seed"][seed]}
    labels = results["labels"]
    parts = [f"<details><summary>seed {seed}</summary>", f"#### Table 1, seed {seed}", _table_1(one, labels),
             f"#### Size, speed and training time, seed {seed}", _size_and_speed(one, labels)]
    if findings.pruned_rows(results["per_seed"][seed]):
        parts += [f"#### Pruning, seed {seed}", _pruning(one, labels)]
    parts += [f"#### Deltas, seed {seed}", _deltas(results["deltas"], seed),
              f"#### The paper's claims, seed {seed}", "\n".join(f"- {line}" for line in check_lines(results, seed)),
              "</details>"]
    return "\n\n".join(parts)


def _table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|---|" + "--:|" * (len(header) - 1)]
    return "\n".join(lines + ["| " + " | ".join(cells) + " |" for cells in body])


def _number(value, spec: str = ".1f", suffix: str = "") -> str:
    return MISSING if value is None else f"{value:{spec}}{suffix}"


def _signed(value) -> str:
    return _number(value, "+.1f")


def _interval(interval) -> str:
    return "" if interval is None else f" [{interval[0]:+.1f}, {interval[1]:+.1f}]"


def _values(per_seed: dict, row: str, figure) -> list:
    """``figure(rows of a seed)`` in every seed that has ``row``; a string names a figure of ``row``."""
    get = (lambda rows: rows[row].get(figure)) if isinstance(figure, str) else figure
    return [get(rows) for rows in per_seed.values() if row in rows]


def _cell(values: list, spec: str = ".1f", suffix: str = "", show=None) -> str:
    """``mean ± sd`` of the values over the seeds; the plain mean for one value or values equal to the precision
    shown (an sd that shows as 0); – for none."""
    mean, sd = seeds.mean_and_sd(values)
    show = show or (lambda value: _number(value, spec, suffix))
    if mean is None:
        return MISSING
    return show(mean) if not sd or show(sd) == show(0) else f"{show(mean)} ± {show(sd)}"


def _table_1(per_seed: dict, labels: dict) -> str:
    header = ["model", "BLEU K=1", "BLEU K=5", "gap", "PPL", "p(t = ŷ)", "median", "p(t = ŷ), sources ≤ 15 words",
              "paper K=1", "paper K=5", "paper gap", "paper PPL", "paper p(t = ŷ)"]
    body = []
    for row in seeds.rows_in_order(per_seed):
        ours = [_cell(_values(per_seed, row, "bleu_greedy")), _cell(_values(per_seed, row, "bleu_beam")),
                _cell(_values(per_seed, row, lambda rows: findings.gap(rows, row))),
                _cell(_values(per_seed, row, "perplexity")),
                _cell(_values(per_seed, row, "p_greedy_output"), ".2%"),
                _cell(_values(per_seed, row, "p_greedy_output_median"), ".2%"),
                _cell(_values(per_seed, row, "p_greedy_output_short"), ".2%")]
        figures = next(rows[row] for rows in per_seed.values() if row in rows)
        known = paper.TABLE_1.get(row) if "ratio" not in figures else None
        theirs = ([f"{known.bleu_greedy:.1f}", f"{known.bleu_beam:.1f}", f"{known.gap:.1f}", f"{known.perplexity:.1f}",
                   f"{known.p_greedy_output:.1%}"] if known else [MISSING] * 5)
        body.append([labels[row], *ours, *theirs])
    return _table(header, body)


def _size_and_speed(per_seed: dict, labels: dict) -> str:
    header = ["model", "parameters", "non-zero", "greedy words/s", "beam words/s", "training"]
    body = [[labels[row], _cell(_values(per_seed, row, "parameters"), ","),
             _cell(_values(per_seed, row, "nonzero_parameters"), ","),
             _cell(_values(per_seed, row, "words_per_second_greedy"), ",.0f"),
             _cell(_values(per_seed, row, "words_per_second_beam"), ",.0f"),
             _cell(_values(per_seed, row, "training_seconds"), show=clock)]
            for row in seeds.rows_in_order(per_seed)]
    return _table(header, body)


def _pruning(per_seed: dict, labels: dict) -> str:
    header = ["model", "non-zero parameters", "teacher ÷ non-zero", "BLEU K=1", "BLEU K=5", "paper BLEU"]
    body = []
    for row in seeds.rows_in_order(per_seed):
        figures = next(rows[row] for rows in per_seed.values() if row in rows)
        if "ratio" not in figures:
            continue
        fewer = _values(per_seed, row, lambda rows: findings.ratio(rows.get("teacher", {}).get("parameters"),
                                                                   rows[row].get("nonzero_parameters")))
        known = paper.PRUNED_BLEU.get(figures["ratio"]) if figures.get("scheme") == "class-blind" else None
        body.append([labels[row], _cell(_values(per_seed, row, "nonzero_parameters"), ","),
                     _cell(fewer, ".1f", "×"), _cell(_values(per_seed, row, "bleu_greedy")),
                     _cell(_values(per_seed, row, "bleu_beam")), _number(known)])
    return _table(header, body)


def _deltas(found: list[dict], seed: str | None = None) -> str:
    """Each delta: over the seeds ``+2.3 ± 0.4 [+1.1, +3.5]`` (mean ± sd [the mean's interval]), or one seed's."""
    def cell(value, sd, interval, unit):
        if value is None:
            return MISSING
        spec, suffix = ("+.1f", "") if unit == "bleu" else (".1f", "×")
        spread = f" ± {sd:.1f}{suffix}" if sd and f"{sd:.1f}" != "0.0" else ""
        return f"{value:{spec}}{suffix}{spread}{_interval(interval)}"

    body = []
    for d in found:
        own = d if seed is None else {"sd": None, **d["by_seed"].get(seed, {"ours": None, "interval": None})}
        body.append([d["name"], cell(own["ours"], own["sd"], own["interval"], d["unit"]),
                     cell(d["paper"], None, None, d["unit"])])
    return _table(["", "ours", "paper"], body)


def _provenance(results: dict) -> str:
    lines = [f"- BLEU: sacrebleu, {signature}" for signature in results["signatures"]] or ["- BLEU: sacrebleu"]
    lines.append("- " + ", ".join(f"{name} {version}" for name, version in results["versions"].items()))
    if results["meta"]:
        lines.append("- " + ", ".join(f"{key}: {value}" for key, value in results["meta"].items()))
    return "\n".join(lines)
