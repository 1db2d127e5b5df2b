"""The paper's own numbers: Kim & Rush (2016), English→German WMT 2014, as summarised in DESIGN.md §1.

Table 1 (a 4×1000 teacher, 2×500 students), the pruning of the best 2×500 student (Sec. 5.2) and the decoding
speed (Sec. 5.1). Our reproduction is far smaller (a different corpus, models of a few million parameters), so
what should carry over is the *shape*: the signs and rough ratios listed in :mod:`tinyseqkd.reproduce.findings`,
not the values.
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


# Keyed by the names of our rows (and stages); the rows of Table 1 that DESIGN.md §1 lists.
TABLE_1 = {
    "teacher": PaperRow("teacher 4×1000", 17.7, 19.5, 6.7, 0.013),
    "teacher-seq-inter": PaperRow("teacher + Seq-Inter", 19.6, 19.8, 10.4, 0.082),
    "baseline": PaperRow("student 2×500 baseline", 14.7, 17.6, 8.2, 0.009),
    "word-kd": PaperRow("Word-KD", 15.4, 17.7, 8.0, 0.010),
    "seq-kd": PaperRow("Seq-KD", 18.9, 19.0, 22.7, 0.169),
    "seq-kd-seq-inter": PaperRow("Seq-KD + Seq-Inter", 18.9, 19.3, 15.8, 0.076),
}

# Sec. 5.2: the best 2×500 student pruned by magnitude and retrained; the paper's BLEU, which we compare with our
# beam (K = 5) BLEU. Its unpruned score is 0.4 above the 80% one ("13× fewer parameters for −0.4 BLEU").
PRUNED_BLEU = {0.5: 19.3, 0.8: 19.1, 0.9: 18.5}
UNPRUNED_BLEU = 19.5
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
