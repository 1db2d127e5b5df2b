"""What the reproduction found in one seed: the deltas that matter and the paper's claims checked on its figures.

Input: ``rows``, a dict row name → figures of one seed (the keys of ``tinyseqkd evaluate --json``: ``bleu_greedy``,
``bleu_beam``, ``perplexity``, ``p_greedy_output``, ``parameters``, ``nonzero_parameters``,
``words_per_second_greedy``, ``words_per_second_beam``, ...; a pruned row adds ``pruned_from``, ``scheme`` and
``ratio``). A claim whose rows were not built (a preset without Seq-Inter, say) is reported as not measured.

**BLEU comparisons** (:func:`comparisons`): every BLEU difference a claim relies on, as terms ``[coefficient, row,
decoding]`` (Seq-KD − baseline, greedy: ``[[1, "seq-kd", "greedy"], [-1, "baseline", "greedy"]]``), so that
:mod:`tinyseqkd.reproduce.bootstrap` can give it a paired bootstrap 95% interval on the test sentences. A claim that
one row is above (or below) another holds only when that interval lies above (below) 0: a difference the choice of
test sentences could have made is not a finding. The "at least" and "within" claims (teacher + Seq-Inter matches
the teacher's beam; pruning costs at most 1 BLEU) keep their rule on the point values and show the interval beside.
Without an interval (translations not saved), every claim falls back on its point rule.

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


# The BLEU comparisons the claims rely on, by name.
SEQ_KD_OVER_BASELINE = "Seq-KD − baseline, BLEU K=1"
WORD_KD_OVER_BASELINE = "Word-KD − baseline, BLEU K=1"
SEQ_KD_OVER_WORD_KD = "Seq-KD − Word-KD, BLEU K=1"
GAP_SEQ_KD_MINUS_BASELINE = "greedy–beam gap, Seq-KD − baseline"
TEACHER_SEQ_INTER_OVER_TEACHER_BEAM = "teacher + Seq-Inter K=1 − teacher K=5"
SEQ_INTER_OVER_SEQ_KD = "Seq-KD + Seq-Inter − Seq-KD, BLEU K=5"
CLASS_BLIND_OVER_OTHERS = "class-blind − the best other scheme at 80%, BLEU K=5"


def bleu(rows: dict, row: str, decoding: str):
    """``row``'s BLEU with ``decoding`` ("greedy" or "beam"), or None."""
    return _get(rows, row, f"bleu_{decoding}")


def comparison_value(rows: dict, terms) -> float | None:
    """The sum of ``coefficient × BLEU`` over ``terms``; None when a row was not measured."""
    values = [bleu(rows, row, decoding) for _, row, decoding in terms]
    return None if None in values else sum(c * value for (c, _, _), value in zip(terms, values))


def _comparison(name: str, terms, paper_value) -> dict:
    return {"name": name, "terms": [list(term) for term in terms], "paper": paper_value}


def _gap_terms(row: str, sign: int = 1) -> list:
    return [[sign, row, "beam"], [-sign, row, "greedy"]]


def pruned_comparison_name(rows: dict, row: str) -> str:
    return f"{paper.row_label(row, rows[row])} − unpruned, BLEU K=5"


def best_other_at_80(rows: dict) -> tuple[str | None, str | None]:
    """(the class-blind row pruned 80%, the other scheme's 80% row with the best beam BLEU), None for either that
    was not built; when some other scheme's BLEU is missing, that row (so that the claim reads "not measured")."""
    at_80 = {rows[row].get("scheme"): row for row in pruned_rows(rows) if rows[row]["ratio"] == 0.8}
    others = [row for scheme, row in at_80.items() if scheme != "class-blind"]
    unmeasured = [row for row in others if bleu(rows, row, "beam") is None]
    if not others or unmeasured:
        return at_80.get("class-blind"), (unmeasured or [None])[0]
    return at_80.get("class-blind"), max(others, key=lambda row: bleu(rows, row, "beam"))


def comparisons(rows: dict) -> list[dict]:
    """Every BLEU difference a claim relies on, ``{"name", "terms", "paper"}`` (see the module docstring); the
    Table 1 ones always, a row's gap and a pruned row's only when the row was built."""
    t = paper.TABLE_1
    found = [
        _comparison(SEQ_KD_OVER_BASELINE, [[1, "seq-kd", "greedy"], [-1, "baseline", "greedy"]],
                    round(t["seq-kd"].bleu_greedy - t["baseline"].bleu_greedy, 1)),
        _comparison(WORD_KD_OVER_BASELINE, [[1, "word-kd", "greedy"], [-1, "baseline", "greedy"]],
                    round(t["word-kd"].bleu_greedy - t["baseline"].bleu_greedy, 1)),
        _comparison(SEQ_KD_OVER_WORD_KD, [[1, "seq-kd", "greedy"], [-1, "word-kd", "greedy"]],
                    round(t["seq-kd"].bleu_greedy - t["word-kd"].bleu_greedy, 1)),
    ]
    for row in rows:
        if row in paper.ROW_LABELS:
            found.append(_comparison(f"greedy–beam gap, {paper.row_label(row)}", _gap_terms(row),
                                     t[row].gap if row in t else None))
    found += [
        _comparison(GAP_SEQ_KD_MINUS_BASELINE, _gap_terms("seq-kd") + _gap_terms("baseline", -1),
                    round(t["seq-kd"].gap - t["baseline"].gap, 1)),
        _comparison(TEACHER_SEQ_INTER_OVER_TEACHER_BEAM, [[1, "teacher-seq-inter", "greedy"], [-1, "teacher", "beam"]],
                    round(t["teacher-seq-inter"].bleu_greedy - t["teacher"].bleu_beam, 1)),
        _comparison(SEQ_INTER_OVER_SEQ_KD, [[1, "seq-kd-seq-inter", "beam"], [-1, "seq-kd", "beam"]],
                    round(t["seq-kd-seq-inter"].bleu_beam - t["seq-kd"].bleu_beam, 1)),
    ]
    for row in pruned_rows(rows):
        figures = rows[row]
        known = paper.PRUNED_BLEU.get(figures["ratio"]) if figures.get("scheme") == "class-blind" else None
        found.append(_comparison(pruned_comparison_name(rows, row),
                                 [[1, row, "beam"], [-1, figures.get("pruned_from"), "beam"]],
                                 None if known is None else round(known - paper.UNPRUNED_BLEU, 1)))
    class_blind, best_other = best_other_at_80(rows)
    if class_blind and best_other:
        found.append(_comparison(CLASS_BLIND_OVER_OTHERS, [[1, class_blind, "beam"], [-1, best_other, "beam"]], None))
    return found


def deltas(rows: dict) -> list[dict]:
    """``[{"name", "ours", "paper", "unit"}]``: ``unit`` is ``"bleu"`` (a signed difference; these also carry their
    ``terms``, see :func:`comparisons`) or ``"times"``."""
    t = paper.TABLE_1
    found = [{**comparison, "ours": comparison_value(rows, comparison["terms"]), "unit": "bleu"}
             for comparison in comparisons(rows)]
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


def _claim(claim: str, section: str, paper_text: str, values: tuple, holds, ours_format: str, *,
           comparison: str | None = None, rule: str = "point", intervals: dict | None = None,
           rows: tuple[str, ...] = ()) -> dict:
    """One check. ``holds(*values)`` is asked only when every value it needs was measured. ``rule`` "above" or
    "below": the check holds only when the 95% interval of ``comparison`` (from ``intervals``, by name) lies above
    (below) 0; "point": by ``holds`` alone, the interval shown beside. ``rows``: the rows it reads, where that
    matters to the seeds (a check of the shared teacher rows alone is one measurement, not one per seed)."""
    measured = all(value is not None for value in values)
    interval = (intervals or {}).get(comparison) if comparison else None
    if not measured:
        verdict = None
    elif rule != "point" and interval is not None:
        verdict = interval[0] > 0 if rule == "above" else interval[1] < 0
    else:
        verdict = bool(holds(*values))
    return {"claim": claim, "section": section, "paper": paper_text,
            "ours": ours_format.format(*values) if measured else "not measured in this preset",
            "holds": verdict, "rule": rule, "comparison": comparison, "interval": interval if measured else None,
            "rows": list(rows)}


def checks(rows: dict, intervals: dict | None = None) -> list[dict]:
    """The paper's claims, each ``{"claim", "section", "paper", "ours", "holds", "rule", "comparison",
    "interval"}`` (``holds`` None: not measured); ``intervals`` maps comparison names to their 95% interval
    ``[low, high]`` in this seed (see the module docstring)."""
    def greedy(row):
        return bleu(rows, row, "greedy")

    def beam(row):
        return bleu(rows, row, "beam")

    def several_fold(ours, other):
        return ours >= SEVERAL_FOLD * other

    def judged(comparison, rule="above"):  # "above"/"below": by the interval; "point": the interval beside
        return {"comparison": comparison, "rule": rule, "intervals": intervals}

    two = "{:.1f} vs {:.1f}"
    found = [
        _claim("Seq-KD's greedy BLEU is above the baseline's", "Table 1, Sec. 3.2", "18.9 vs 14.7",
               (greedy("seq-kd"), greedy("baseline")), operator.gt, two, **judged(SEQ_KD_OVER_BASELINE)),
        _claim("Seq-KD shrinks the greedy–beam gap", "Table 1, Sec. 3.2", "0.1 vs 2.9 for the baseline",
               (gap(rows, "seq-kd"), gap(rows, "baseline")), operator.lt, two,
               **judged(GAP_SEQ_KD_MINUS_BASELINE, "below")),
        _claim("Seq-KD's p(t = ŷ) is above the baseline's", "Table 1, Sec. 3.2", "16.9% vs 0.9%",
               (_get(rows, "seq-kd", "p_greedy_output"), _get(rows, "baseline", "p_greedy_output")), operator.gt,
               "{:.2%} vs {:.2%}"),
        _claim(f"Seq-KD's p(t = ŷ) is several-fold (≥ {SEVERAL_FOLD:g}×) the baseline's", "Table 1, Sec. 3.2",
               "16.9% vs 0.9%", (_get(rows, "seq-kd", "p_greedy_output"), _get(rows, "baseline", "p_greedy_output")),
               several_fold, "{:.2%} vs {:.2%}"),
        _claim("Seq-KD's perplexity on the gold is higher than the baseline's", "Table 1", "22.7 vs 8.2",
               (_get(rows, "seq-kd", "perplexity"), _get(rows, "baseline", "perplexity")), operator.gt, two),
        _claim("Word-KD's greedy BLEU is above the baseline's", "Table 1, Sec. 3.1", "15.4 vs 14.7",
               (greedy("word-kd"), greedy("baseline")), operator.gt, two, **judged(WORD_KD_OVER_BASELINE)),
        _claim("Seq-KD's greedy BLEU is above Word-KD's", "Table 1, Sec. 3.2", "18.9 vs 15.4",
               (greedy("seq-kd"), greedy("word-kd")), operator.gt, two, **judged(SEQ_KD_OVER_WORD_KD)),
        _claim("teacher + Seq-Inter decoding greedily matches the teacher's beam", "Table 1, Sec. 3.3",
               "19.6 vs 19.5", (greedy("teacher-seq-inter"), beam("teacher")), operator.ge, two,
               **judged(TEACHER_SEQ_INTER_OVER_TEACHER_BEAM, "point"), rows=("teacher-seq-inter", "teacher")),
        _claim("Seq-Inter improves the Seq-KD student (beam)", "Table 1, Sec. 3.3", "19.3 vs 19.0",
               (beam("seq-kd-seq-inter"), beam("seq-kd")), operator.gt, two, **judged(SEQ_INTER_OVER_SEQ_KD)),
    ]
    class_blind, best_other = best_other_at_80(rows)
    if class_blind:
        parent = rows[class_blind].get("pruned_from")
        found.append(_claim(f"pruning 80% of the weights costs at most {PRUNING_TOLERANCE:g} BLEU (beam)",
                            "Sec. 5.2", f"{paper.PRUNED_BLEU[0.8]:.1f} vs {paper.UNPRUNED_BLEU:.1f} unpruned",
                            (beam(class_blind), beam(parent)),
                            lambda ours, other: ours >= other - PRUNING_TOLERANCE, two + " unpruned",
                            **judged(pruned_comparison_name(rows, class_blind), "point")))
        if best_other:
            found.append(_claim("class-blind pruning beats the other schemes at 80%", "Sec. 5.2",
                                "as See et al. (2016) found", (beam(class_blind), beam(best_other)), operator.gt,
                                "{:.1f} vs the best other {:.1f}", **judged(CLASS_BLIND_OVER_OTHERS)))
    student = speed_student(rows)
    found.append(_claim(f"the student decoding greedily is ≥ {SPEED_AT_LEAST:g}× faster than the teacher's beam",
                        "Sec. 5.1", "about 10×",
                        (ratio(_get(rows, student, "words_per_second_greedy"),
                               _get(rows, "teacher", "words_per_second_beam")),),
                        lambda times: times >= SPEED_AT_LEAST, "{:.1f}×"))
    return found
