"""What the reproduction found: the deltas that matter and the paper's claims checked on our figures.

Input: ``rows``, a dict row name → figures (the keys of ``tinyseqkd evaluate --json``: ``bleu_greedy``,
``bleu_beam``, ``perplexity``, ``p_greedy_output``, ``parameters``, ``nonzero_parameters``,
``words_per_second_greedy``, ``words_per_second_beam``, ...; a pruned row adds ``pruned_from``, ``scheme`` and
``ratio``). A claim whose rows were not built (a preset without Seq-Inter, say) is reported as not measured.

The checks are printed and written into results.md, never asserted by the tests: whether the paper's pattern
shows at our scale is the finding, and a tuned evaluation would hide it.
"""

from __future__ import annotations

import operator

from tinyseqkd.reproduce import paper

SEVERAL_FOLD = 3.0  # "p(t = ŷ) rises several-fold": at least this ratio (the paper: 18.8×)
PRUNING_TOLERANCE = 1.0  # 80% pruned within this many BLEU of the unpruned model (the paper: −0.4)
SPEED_AT_LEAST = 5.0  # student greedy ÷ teacher beam of the paper's order (the paper: ~10×)


def _get(rows: dict, row: str, key: str):
    return rows.get(row, {}).get(key)


def gap(rows: dict, row: str) -> float | None:
    """Beam BLEU − greedy BLEU of ``row`` (what beam search adds)."""
    greedy, beam = _get(rows, row, "bleu_greedy"), _get(rows, row, "bleu_beam")
    return None if greedy is None or beam is None else beam - greedy


def pruned_rows(rows: dict) -> list[str]:
    return [row for row, figures in rows.items() if "ratio" in figures]


def speed_student(rows: dict) -> str | None:
    """The student whose greedy speed is compared with the teacher's beam: Seq-KD's (Sec. 5.1), else the baseline."""
    return next((row for row in ("seq-kd", "baseline") if row in rows), None)


def ratio(a, b) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def difference(a, b) -> float | None:
    return None if a is None or b is None else a - b


def deltas(rows: dict) -> list[dict]:
    """``[{"name", "ours", "paper", "unit"}]``: ``unit`` is ``"bleu"`` (a signed difference) or ``"times"``."""
    t = paper.TABLE_1
    found = [
        {"name": "Seq-KD − baseline, BLEU K=1",
         "ours": difference(_get(rows, "seq-kd", "bleu_greedy"), _get(rows, "baseline", "bleu_greedy")),
         "paper": round(t["seq-kd"].bleu_greedy - t["baseline"].bleu_greedy, 1), "unit": "bleu"},
        {"name": "Word-KD − baseline, BLEU K=1",
         "ours": difference(_get(rows, "word-kd", "bleu_greedy"), _get(rows, "baseline", "bleu_greedy")),
         "paper": round(t["word-kd"].bleu_greedy - t["baseline"].bleu_greedy, 1), "unit": "bleu"},
    ]
    for row in rows:
        if row in paper.ROW_LABELS:
            found.append({"name": f"greedy–beam gap, {paper.row_label(row)}", "ours": gap(rows, row),
                          "paper": t[row].gap if row in t else None, "unit": "bleu"})
    for row, over in (("seq-kd", "baseline"), ("teacher-seq-inter", "teacher")):
        found.append({"name": f"p(t = ŷ), {paper.row_label(row)} ÷ {paper.row_label(over)}",
                      "ours": ratio(_get(rows, row, "p_greedy_output"), _get(rows, over, "p_greedy_output")),
                      "paper": round(t[row].p_greedy_output / t[over].p_greedy_output, 1), "unit": "times"})
    for row in pruned_rows(rows):
        figures = rows[row]
        is_paper_row = figures["ratio"] == 0.8 and figures.get("scheme") == "class-blind"
        found.append({"name": f"teacher parameters ÷ non-zero parameters, {paper.row_label(row, figures)}",
                      "ours": ratio(_get(rows, "teacher", "parameters"), figures.get("nonzero_parameters")),
                      "paper": paper.PRUNED_80_FEWER_THAN_TEACHER if is_paper_row else None, "unit": "times"})
    student = speed_student(rows)
    found.append({"name": f"words/s, {paper.row_label(student or 'seq-kd')} greedy ÷ teacher beam",
                  "ours": ratio(_get(rows, student, "words_per_second_greedy"),
                                 _get(rows, "teacher", "words_per_second_beam")),
                  "paper": paper.STUDENT_GREEDY_OVER_TEACHER_BEAM, "unit": "times"})
    return found


def _claim(claim: str, section: str, paper_text: str, values: tuple, holds, ours_format: str) -> dict:
    """One check. ``holds(*values)`` is asked only when every value it needs was measured."""
    measured = all(value is not None for value in values)
    return {"claim": claim, "section": section, "paper": paper_text,
            "ours": ours_format.format(*values) if measured else "not measured in this preset",
            "holds": bool(holds(*values)) if measured else None}


def checks(rows: dict) -> list[dict]:
    """The paper's claims, each ``{"claim", "section", "paper", "ours", "holds"}`` (``holds`` None: not measured)."""
    def greedy(row):
        return _get(rows, row, "bleu_greedy")

    def beam(row):
        return _get(rows, row, "bleu_beam")

    def several_fold(ours, other):
        return ours >= SEVERAL_FOLD * other

    two = "{:.1f} vs {:.1f}"
    found = [
        _claim("Seq-KD's greedy BLEU is above the baseline's", "Table 1, Sec. 3.2", "18.9 vs 14.7",
               (greedy("seq-kd"), greedy("baseline")), operator.gt, two),
        _claim("Seq-KD shrinks the greedy–beam gap", "Table 1, Sec. 3.2", "0.1 vs 2.9 for the baseline",
               (gap(rows, "seq-kd"), gap(rows, "baseline")), operator.lt, two),
        _claim("Seq-KD's p(t = ŷ) is above the baseline's", "Table 1, Sec. 3.2", "16.9% vs 0.9%",
               (_get(rows, "seq-kd", "p_greedy_output"), _get(rows, "baseline", "p_greedy_output")), operator.gt,
               "{:.2%} vs {:.2%}"),
        _claim(f"Seq-KD's p(t = ŷ) is several-fold (≥ {SEVERAL_FOLD:g}×) the baseline's", "Table 1, Sec. 3.2",
               "16.9% vs 0.9%", (_get(rows, "seq-kd", "p_greedy_output"), _get(rows, "baseline", "p_greedy_output")),
               several_fold, "{:.2%} vs {:.2%}"),
        _claim("Seq-KD's perplexity on the gold is higher than the baseline's", "Table 1", "22.7 vs 8.2",
               (_get(rows, "seq-kd", "perplexity"), _get(rows, "baseline", "perplexity")), operator.gt, two),
        _claim("Word-KD's greedy BLEU is above the baseline's", "Table 1, Sec. 3.1", "15.4 vs 14.7",
               (greedy("word-kd"), greedy("baseline")), operator.gt, two),
        _claim("Seq-KD's greedy BLEU is above Word-KD's", "Table 1, Sec. 3.2", "18.9 vs 15.4",
               (greedy("seq-kd"), greedy("word-kd")), operator.gt, two),
        _claim("teacher + Seq-Inter decoding greedily matches the teacher's beam", "Table 1, Sec. 3.3",
               "19.6 vs 19.5", (greedy("teacher-seq-inter"), beam("teacher")), operator.ge, two),
        _claim("Seq-Inter improves the Seq-KD student (beam)", "Table 1, Sec. 3.3", "19.3 vs 19.0",
               (beam("seq-kd-seq-inter"), beam("seq-kd")), operator.ge, two),
    ]
    at_80 = {rows[row].get("scheme"): row for row in pruned_rows(rows) if rows[row]["ratio"] == 0.8}
    if "class-blind" in at_80:
        row = at_80["class-blind"]
        found.append(_claim(f"pruning 80% of the weights costs at most {PRUNING_TOLERANCE:g} BLEU (beam)",
                            "Sec. 5.2", "19.1 vs 19.5 unpruned", (beam(row), beam(rows[row].get("pruned_from"))),
                            lambda ours, other: ours >= other - PRUNING_TOLERANCE, two + " unpruned"))
        others = [beam(other) for scheme, other in at_80.items() if scheme != "class-blind"]
        if others:
            best_other = None if None in others else max(others)
            found.append(_claim("class-blind pruning beats the other schemes at 80%", "Sec. 5.2",
                                "as See et al. (2016) found", (beam(row), best_other), operator.ge,
                                "{:.1f} vs the best other {:.1f}"))
    student = speed_student(rows)
    found.append(_claim(f"the student decoding greedily is ≥ {SPEED_AT_LEAST:g}× faster than the teacher's beam",
                        "Sec. 5.1", "about 10×",
                        (ratio(_get(rows, student, "words_per_second_greedy"),
                               _get(rows, "teacher", "words_per_second_beam")),),
                        lambda times: times >= SPEED_AT_LEAST, "{:.1f}×"))
    return found
