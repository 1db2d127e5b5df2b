"""results.md and results.json rendered from fixed, made-up figures (golden lines), including claims that fail."""

from __future__ import annotations

import json

import pytest

from tinyseqkd.reproduce import paper
from tinyseqkd.reproduce.results import build_results, check_lines, render_markdown, write_results

pytestmark = pytest.mark.ch11_reproduce

SIGNATURE = "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"


def figures(greedy, beam, ppl, p, median, parameters, nonzero, greedy_speed, beam_speed, seconds, **extra):
    return {"bleu_greedy": greedy, "bleu_beam": beam, "perplexity": ppl, "p_greedy_output": p,
            "p_greedy_output_median": median, "p_greedy_output_short": 3 * p, "short_sentences": 150,
            "parameters": parameters, "nonzero_parameters": nonzero,
            "words_per_second_greedy": greedy_speed, "words_per_second_beam": beam_speed,
            "training_seconds": seconds, "bleu_signature": SIGNATURE, **extra}


# Made up, but shaped like a small reproduction: Seq-KD wins greedy, Word-KD does *not* beat the baseline (a ✗),
# the speed ratio falls short (a ✗), Seq-Inter was not built (–).
ROWS = {
    "seq-kd": figures(21.3, 21.5, 31.0, 0.064, 0.021, 2_500_000, 2_500_000, 20_000.0, 2_600.0, 1500.0),
    "teacher": figures(28.2, 29.8, 9.9, 0.013, 0.002, 6_300_000, 6_300_000, 9_000.0, 5_000.0, 1800.0),
    "baseline": figures(19.0, 21.9, 15.1, 0.008, 0.001, 2_500_000, 2_500_000, 19_500.0, 2_700.0, 1500.0),
    "word-kd": figures(18.5, 21.0, 14.8, 0.009, 0.001, 2_500_000, 2_500_000, 19_800.0, 2_650.0, 2400.0),
    "prune-class-blind-80": figures(20.9, 21.2, 33.5, 0.060, 0.020, 2_500_000, 500_000, 20_000.0, 2_600.0, 300.0,
                                    pruned_from="seq-kd", scheme="class-blind", ratio=0.8),
}
VERSIONS = {"tinyseqkd": "0.1.0", "python": "3.11.9", "numpy": "2.0.0", "numba": "0.60.0", "sacrebleu": "2.6.0"}


def results():
    return build_results({1: ROWS}, preset="quick", summary="a made-up run", versions=VERSIONS,
                         meta={"threads": 2, "jobs": 1})


def test_table_1_puts_our_rows_in_the_papers_order_beside_its_numbers():
    lines = render_markdown(results()).splitlines()
    assert "## Table 1 (one seed: 1)" in lines
    start = lines.index("| model | BLEU K=1 | BLEU K=5 | gap | PPL | p(t = ŷ) | median | "
                        "p(t = ŷ), sources ≤ 15 words | paper K=1 | paper K=5 | paper gap | paper PPL | "
                        "paper p(t = ŷ) |")
    assert lines[start + 2:start + 7] == [
        "| teacher | 28.2 | 29.8 | 1.6 | 9.9 | 1.30% | 0.20% | 3.90% | 17.7 | 19.5 | 1.8 | 6.7 | 1.3% |",
        "| baseline | 19.0 | 21.9 | 2.9 | 15.1 | 0.80% | 0.10% | 2.40% | 14.7 | 17.6 | 2.9 | 8.2 | 0.9% |",
        "| Word-KD | 18.5 | 21.0 | 2.5 | 14.8 | 0.90% | 0.10% | 2.70% | 15.4 | 17.7 | 2.3 | 8.0 | 1.0% |",
        "| Seq-KD | 21.3 | 21.5 | 0.2 | 31.0 | 6.40% | 2.10% | 19.20% | 18.9 | 19.0 | 0.1 | 22.7 | 16.9% |",
        "| Seq-KD, 80% pruned (class-blind) | 20.9 | 21.2 | 0.3 | 33.5 | 6.00% | 2.00% | 18.00% | – | – | – | – | "
        "– |",
    ]


def test_size_speed_pruning_and_deltas():
    text = render_markdown(results())
    assert "| teacher | 6,300,000 | 6,300,000 | 9,000 | 5,000 | 30:00 |" in text
    assert "| Seq-KD, 80% pruned (class-blind) | 2,500,000 | 500,000 | 20,000 | 2,600 | 5:00 |" in text
    assert "| Seq-KD, 80% pruned (class-blind) | 500,000 | 12.6× | 20.9 | 21.2 | 19.1 |" in text
    assert "| Seq-KD − baseline, BLEU K=1 | +2.3 | +4.2 |" in text
    assert "| Word-KD − baseline, BLEU K=1 | -0.5 | +0.7 |" in text
    assert "| greedy–beam gap, Seq-KD | +0.2 | +0.1 |" in text
    assert "| Seq-KD − Word-KD, BLEU K=1 | +2.8 | +3.5 |" in text
    assert "| greedy–beam gap, Seq-KD − baseline | -2.7 | -2.8 |" in text
    assert "| Seq-KD + Seq-Inter − Seq-KD, BLEU K=5 | – | +0.3 |" in text  # not built in this preset
    assert "| Seq-KD, 80% pruned (class-blind) − unpruned, BLEU K=5 | -0.3 |" in text
    assert "| p(t = ŷ), Seq-KD ÷ baseline | 8.0× | 18.8× |" in text
    assert "| p(t = ŷ), teacher + Seq-Inter ÷ teacher | – | 6.3× |" in text
    assert ("| teacher parameters ÷ non-zero parameters, Seq-KD, 80% pruned (class-blind) | 12.6× | 13.0× |"
            in text)
    assert "| words/s, Seq-KD greedy ÷ teacher beam | 4.0× | 10.0× |" in text


def test_claims_are_checked_with_passes_failures_and_rows_not_measured():
    unpruned = f"paper {paper.PRUNED_BLEU[0.8]:.1f} vs {paper.UNPRUNED_BLEU:.1f} unpruned"
    assert check_lines(results()) == [
        "✓ 1/1 Seq-KD's greedy BLEU is above the baseline's (Table 1, Sec. 3.2): ours 21.3 vs 19.0, difference +2.3; "
        "paper 18.9 vs 14.7",
        "✓ 1/1 Seq-KD shrinks the greedy–beam gap (Table 1, Sec. 3.2): ours 0.2 vs 2.9, difference -2.7; paper 0.1 "
        "vs 2.9 for the baseline",
        "✓ 1/1 Seq-KD's p(t = ŷ) is above the baseline's (Table 1, Sec. 3.2): ours 6.40% vs 0.80%; paper 16.9% vs "
        "0.9%",
        "✓ 1/1 Seq-KD's p(t = ŷ) is several-fold (≥ 3×) the baseline's (Table 1, Sec. 3.2): ours 6.40% vs 0.80%; "
        "paper 16.9% vs 0.9%",
        "✓ 1/1 Seq-KD's perplexity on the gold is higher than the baseline's (Table 1): ours 31.0 vs 15.1; paper "
        "22.7 vs 8.2",
        "✗ 0/1 Word-KD's greedy BLEU is above the baseline's (Table 1, Sec. 3.1): ours 18.5 vs 19.0, difference "
        "-0.5; paper 15.4 vs 14.7",
        "✓ 1/1 Seq-KD's greedy BLEU is above Word-KD's (Table 1, Sec. 3.2): ours 21.3 vs 18.5, difference +2.8; "
        "paper 18.9 vs 15.4",
        "– teacher + Seq-Inter decoding greedily matches the teacher's beam (Table 1, Sec. 3.3): ours not measured "
        "in this preset; paper 19.6 vs 19.5",
        "– Seq-Inter improves the Seq-KD student (beam) (Table 1, Sec. 3.3): ours not measured in this preset; "
        "paper 19.3 vs 19.0",
        "✓ 1/1 pruning 80% of the weights costs at most 1 BLEU (beam) (Sec. 5.2): ours 21.2 vs 21.5 unpruned, "
        f"difference -0.3; {unpruned}",
        "✗ 0/1 the student decoding greedily is ≥ 5× faster than the teacher's beam (Sec. 5.1): ours 4.0×; paper "
        "about 10×",
    ]
    text = render_markdown(results())
    assert "\n- ✗ 0/1 Word-KD's greedy BLEU is above the baseline's (Table 1, Sec. 3.1): ours 18.5 vs 19.0" in text
    assert "## Each seed" not in text  # one seed: the tables above are that seed's


def test_provenance_and_the_json_file_rebuild_the_markdown(tmp_path):
    json_path, markdown_path = write_results(tmp_path, results())
    text = markdown_path.read_text()
    assert text.startswith("# Kim & Rush (2016) reproduced with tinyseqkd: preset `quick`\n\nA made-up run. ")
    assert f"- BLEU: sacrebleu, {SIGNATURE}\n" in text
    assert ("- tinyseqkd 0.1.0, python 3.11.9, numpy 2.0.0, numba 0.60.0, sacrebleu 2.6.0\n"
            "- threads: 2, jobs: 1\n") in text
    loaded = json.loads(json_path.read_text())
    assert list(loaded["rows"]) == ["teacher", "baseline", "word-kd", "seq-kd", "prune-class-blind-80"]
    assert render_markdown(loaded) == text
    assert loaded["checks"][5]["holds"] is False and loaded["checks"][7]["holds"] is None
    assert (loaded["checks"][5]["holds_in"], loaded["checks"][5]["seeds"]) == (0, 1)
    assert loaded["seeds"] == [1] and list(loaded["per_seed"]) == ["1"] and loaded["spread"] == {}
    assert loaded["per_seed"]["1"]["seq-kd"] == loaded["rows"]["seq-kd"] == ROWS["seq-kd"]


def test_class_blind_against_the_other_schemes_at_80_percent():
    pruned = {name: {**ROWS["prune-class-blind-80"], "scheme": scheme, "bleu_beam": bleu}
              for name, scheme, bleu in (("prune-class-blind-80", "class-blind", 21.2),
                                         ("prune-class-uniform-80", "class-uniform", 21.4),
                                         ("prune-class-distribution-80", "class-distribution", 20.0))}
    lines = check_lines(build_results({1: {**ROWS, **pruned}}, preset="full", versions=VERSIONS))
    assert ("✗ 0/1 class-blind pruning beats the other schemes at 80% (Sec. 5.2): ours 21.2 vs the best other 21.4, "
            "difference -0.2; paper as See et al. (2016) found") in lines
