"""The paper's own numbers: Kim & Rush, "Sequence-Level Knowledge Distillation" (EMNLP 2016, arXiv:1606.07947),
English→German, WMT 2014 (newstest2014).

Table 1 (a 4×1000 teacher, 2×500 students), the pruning of the best 2×500 student (Sec. 5.2) and the decoding
speed (Sec. 5.1). Our reproduction is far smaller (a different corpus, models of a few million parameters), so
what should carry over is the *shape*: the signs and rough ratios listed in :mod:`tinyseqkd.reproduce.findings`,
not the values.

Where the figures come from: Table 1 and Sec. 5.2 of the paper. What was checked, and against what:

- the abstract (arXiv:1606.07947): the best student beats the baseline by 4.2 / 1.7 BLEU greedy / beam, as
  Seq-KD + Seq-Inter's 18.9 / 19.3 do the baseline's 14.7 / 17.6; and "13× fewer parameters ... a decrease of
  0.4 BLEU", which is the 80%-pruned 19.1 against the teacher's 19.5;
- third-party summaries of the paper (reading notes and a distillation survey quoting Table 1 and Sec. 5.2): the
  BLEU pairs of the teacher, baseline, Word-KD and Seq-KD rows, Seq-KD's perplexity and p(t = ŷ) against the
  baseline's (22.7 vs 8.2, 16.9% vs 0.9%), and the pruned 19.1 (80%) and 18.5 (90%);
- not re-checked: the teacher + Seq-Inter row, the remaining perplexities and p(t = ŷ), and the 50%-pruned 19.3.

Table 1 also has 2×500 rows for Baseline + Seq-Inter, Word-KD + Seq-Inter, Seq-KD + Word-KD and
Seq-KD + Seq-Inter + Word-KD. No copy of the table that could be checked gave their figures, so they are left
out: our tables show "–" in the paper's columns for those rows rather than numbers nobody verified.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PaperRow:
    """One row of the paper's Table 1: BLEU with greedy (K = 1) and beam (K = 5) decoding, perplexity, p(t = ŷ)."""

    label: str
    bleu_greedy: float
    bleu_beam: float
    perplexity: float
    p_greedy_output: float  # a fraction: 0.009 is the paper's 0.9%

    @property
    def gap(self) -> float:
        """How much beam search adds to greedy decoding."""
        return round(self.bleu_beam - self.bleu_greedy, 1)


# Keyed by the names of our rows (and stages). Our "seq-kd-word-kd" and "baseline-seq-inter" rows have no entry
# (see the module docstring): their paper columns stay empty.
TABLE_1 = {
    "teacher": PaperRow("teacher 4×1000", 17.7, 19.5, 6.7, 0.013),
    "teacher-seq-inter": PaperRow("teacher + Seq-Inter", 19.6, 19.8, 10.4, 0.082),
    "baseline": PaperRow("student 2×500 baseline", 14.7, 17.6, 8.2, 0.009),
    "word-kd": PaperRow("Word-KD", 15.4, 17.7, 8.0, 0.010),
    "seq-kd": PaperRow("Seq-KD", 18.9, 19.0, 22.7, 0.169),
    "seq-kd-seq-inter": PaperRow("Seq-KD + Seq-Inter", 18.9, 19.3, 15.8, 0.076),
}

# Sec. 5.2: the best 2×500 student (Seq-KD + Seq-Inter) pruned by magnitude (class-blind) and retrained; the
# paper's beam BLEU, which we compare with our beam (K = 5) BLEU.
PRUNED_BLEU = {0.5: 19.3, 0.8: 19.1, 0.9: 18.5}
UNPRUNED_BLEU = 19.3  # Seq-KD + Seq-Inter, the model Sec. 5.2 prunes: 80% pruned costs it 0.2 BLEU (19.3 → 19.1)
# The abstract's "13× fewer parameters ... with a decrease of 0.4 BLEU" is measured against the TEACHER's beam BLEU
# (19.5 → 19.1), not against the unpruned student.
TEACHER_BLEU = TABLE_1["teacher"].bleu_beam  # 19.5
PRUNED_80_FEWER_THAN_TEACHER = 13.0  # the 80% pruned student has 13× fewer parameters than the teacher

# Sec. 5.1: the 2×500 student decoding greedily is about 10× faster than the teacher with beam search (K = 5).
STUDENT_GREEDY_OVER_TEACHER_BEAM = 10.0

# How our rows are named in tables.
ROW_LABELS = {
    "teacher": "teacher",
    "teacher-seq-inter": "teacher + Seq-Inter",
    "baseline": "baseline",
    "word-kd": "Word-KD",
    "seq-kd": "Seq-KD",
    "seq-kd-word-kd": "Seq-KD + Word-KD",
    "baseline-seq-inter": "baseline + Seq-Inter",
    "seq-kd-seq-inter": "Seq-KD + Seq-Inter",
}


def row_label(row: str, figures: dict | None = None) -> str:
    """A row's name in tables; a pruned row says what was pruned how far: ``Seq-KD, 80% pruned (class-blind)``."""
    if figures and "ratio" in figures:
        base = ROW_LABELS.get(figures.get("pruned_from", ""), figures.get("pruned_from", "student"))
        return f"{base}, {100 * figures['ratio']:g}% pruned ({figures.get('scheme', '?')})"
    return ROW_LABELS.get(row, row)
