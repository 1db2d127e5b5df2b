"""Results over several seeds: each figure's mean and sample sd, the shared teacher rows' one value, each claim
checked per seed (holds_in of seeds), and the bootstrap intervals deciding the "is above" claims."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from test_results_tables import ROWS, VERSIONS

from tinyseqkd.reproduce.results import build_results, check_lines, render_markdown
from tinyseqkd.reproduce.seeds import mean_and_sd, mean_rows

pytestmark = pytest.mark.ch11_reproduce


def with_changes(changes: dict) -> dict:
    """ROWS with some figures changed: ``{row: {figure: value}}``."""
    rows = copy.deepcopy(ROWS)
    for row, figures in changes.items():
        rows[row].update(figures)
    return rows


# Seed 2: every student 1 BLEU better greedy, Word-KD 1.6 better still (above the baseline there: 21.1 vs 20.0).
SEED_2 = with_changes({"baseline": {"bleu_greedy": 20.0}, "word-kd": {"bleu_greedy": 21.1},
                       "seq-kd": {"bleu_greedy": 22.3}, "prune-class-blind-80": {"bleu_greedy": 21.9}})


def two_seeds(**options) -> dict:
    return build_results({1: ROWS, 2: SEED_2}, preset="quick", versions=VERSIONS, **options)


def test_mean_and_sample_sd():
    assert mean_and_sd([1.0, 2.0, 6.0]) == (3.0, pytest.approx(np.std([1, 2, 6], ddof=1)))
    assert mean_and_sd([1.0, 2.0, 6.0])[1] == pytest.approx(2.6457513)  # sqrt(14 / 2), n - 1
    assert mean_and_sd([4.5]) == (4.5, None)  # one seed: no spread
    assert mean_and_sd([7, 7, 7]) == (7, 0.0) and isinstance(mean_and_sd([7, 7])[0], int)
    assert mean_and_sd([None, 2.0, 4.0, True]) == (3.0, pytest.approx(2 ** 0.5))  # not numbers: left out
    assert mean_and_sd([]) == (None, None)


def test_mean_rows_average_every_numeric_figure_and_the_shared_rows_have_no_spread():
    one = {"teacher": {"bleu_beam": 30.0, "bleu_signature": "sig"},
           "seq-kd": {"bleu_greedy": 20.0, "parameters": 100, "bleu_by_beam": {"2": 19.0, "10": 21.0},
                      "scheme": "x"}}
    two = copy.deepcopy(one)
    two["seq-kd"].update(bleu_greedy=23.0, bleu_by_beam={"2": 20.0, "10": 22.0})
    rows, spread = mean_rows({"1": one, "2": two}, shared=("teacher",))
    assert rows["seq-kd"] == {"bleu_greedy": 21.5, "parameters": 100, "bleu_by_beam": {"2": 19.5, "10": 21.5},
                              "scheme": "x"}
    assert spread == {"seq-kd": {"bleu_greedy": pytest.approx(2.1213203), "parameters": 0.0}}
    assert rows["teacher"] == one["teacher"]
    assert mean_rows({"1": one}, shared=("teacher",)) == (one, {})


def test_results_json_keeps_every_seeds_figures_and_the_mean_with_its_spread():
    results = json.loads(json.dumps(two_seeds()))
    assert results["seeds"] == [1, 2] and list(results["per_seed"]) == ["1", "2"]
    assert results["per_seed"]["2"]["word-kd"]["bleu_greedy"] == 21.1
    assert results["rows"]["word-kd"]["bleu_greedy"] == pytest.approx(19.8)
    assert results["spread"]["word-kd"]["bleu_greedy"] == pytest.approx(np.std([18.5, 21.1], ddof=1))
    assert results["spread"]["word-kd"]["bleu_beam"] == 0.0
    assert "teacher" not in results["spread"] and results["shared_rows"] == ["teacher"]
    seq_kd = next(d for d in results["deltas"] if d["name"] == "Seq-KD − baseline, BLEU K=1")
    assert seq_kd["ours"] == pytest.approx(2.3) and seq_kd["sd"] == pytest.approx(0.0, abs=1e-12)
    assert seq_kd["by_seed"]["2"]["ours"] == pytest.approx(2.3) and seq_kd["interval"] is None


def test_a_claim_holds_only_when_it_holds_in_every_seed():
    results = two_seeds()
    word_kd = next(check for check in results["checks"] if check["claim"].startswith("Word-KD's greedy BLEU"))
    assert (word_kd["holds"], word_kd["holds_in"], word_kd["seeds"]) == (False, 1, 2)
    assert [own["holds"] for own in word_kd["by_seed"].values()] == [False, True]
    not_built = next(check for check in results["checks"] if check["claim"].startswith("Seq-Inter improves"))
    assert (not_built["holds"], not_built["holds_in"], not_built["seeds"]) == (None, 0, 0)
    lines = check_lines(results)
    assert lines[0].startswith("✓ 2/2 Seq-KD's greedy BLEU is above the baseline's (Table 1, Sec. 3.2): ours 21.8 "
                               "vs 19.5, difference +2.3; ")
    assert lines[5].startswith("✗ 1/2 Word-KD's greedy BLEU is above the baseline's (Table 1, Sec. 3.1): ours 19.8 "
                               "vs 19.5")
    assert lines[7].startswith("– teacher + Seq-Inter decoding greedily")
    assert check_lines(results, "2")[5].startswith("✓ Word-KD's greedy BLEU is above the baseline's (Table 1, Sec. "
                                                   "3.1): ours 21.1 vs 20.0, difference +1.1; ")


def test_results_md_gives_mean_and_sd_states_the_seeds_and_each_seeds_tables_one_click_away():
    text = render_markdown(two_seeds())
    assert "## Table 1 (mean ± sd over 2 seeds: 1, 2)" in text
    assert "| Word-KD | 19.8 ± 1.8 | 21.0 | 1.2 ± 1.8 | 14.8 | 0.90% | 0.10% | 2.70% |" in text
    assert "| teacher | 28.2 | 29.8 | 1.6 | 9.9 | 1.30% | 0.20% | 3.90% |" in text  # shared: one value
    assert "| Word-KD − baseline, BLEU K=1 | +0.3 ± 1.1 | +0.7 |" in text  # -0.5 and +1.1
    assert "trained once, with the first seed, and shared by every seed" in text
    block = text.split("<details><summary>seed 2</summary>")[1].split("</details>")[0]
    assert "| Word-KD | 21.1 | 21.0 | -0.1 | 14.8 |" in block
    assert "- ✓ Word-KD's greedy BLEU is above the baseline's" in block
    assert "<details><summary>seed 1</summary>" in text and text.count("</details>") == 2


# ---------------------------------------------------------------------------------------------- intervals
SPREAD = np.linspace(-1.0, 1.0, 1001)  # made-up bootstrap draws around 0: percentiles 2.5 / 97.5 = -0.95 / +0.95


def fake_draws(shift: dict):
    """Bootstrap draws of each system: its figure's BLEU plus ``shift[(seed, row, decoding)] × SPREAD`` (none: no
    spread)."""
    per_seed = {"1": ROWS, "2": SEED_2}

    def draws(seed, row, decoding):
        if row not in per_seed[seed]:
            return None
        return per_seed[seed][row][f"bleu_{decoding}"] + shift.get((seed, row, decoding), 0.0) * SPREAD
    return draws


def test_an_above_claim_needs_its_interval_above_0_in_that_seed():
    # Seq-KD above Word-KD by 2.8 (seed 1) and 1.2 (seed 2); seed 2's Seq-KD draws spread by ±2.2 BLEU: its interval
    # [1.2 - 2.09, 1.2 + 2.09] straddles 0, so the claim fails there although the point values say above.
    results = two_seeds(draws=fake_draws({("2", "seq-kd", "greedy"): 2.2}))
    check = next(check for check in results["checks"] if check["claim"] == "Seq-KD's greedy BLEU is above Word-KD's")
    assert check["by_seed"]["1"]["interval"] == pytest.approx([2.8, 2.8])
    assert check["by_seed"]["2"]["interval"] == pytest.approx([1.2 - 2.09, 1.2 + 2.09])
    assert [own["holds"] for own in check["by_seed"].values()] == [True, False]
    assert (check["holds"], check["holds_in"]) == (False, 1)
    # The seed mean's interval is over the per-draw mean of the seeds' differences: (2.8 + 1.2 + 2.2 × SPREAD) / 2.
    assert check["interval"] == pytest.approx([2.0 - 1.045, 2.0 + 1.045])
    line = next(line for line in check_lines(results) if "above Word-KD's" in line)
    assert line.startswith("✗ 1/2 Seq-KD's greedy BLEU is above Word-KD's (Table 1, Sec. 3.2): ours 21.8 vs 19.8, "
                           "difference +2.0 [+1.0, +3.0]; ")
    delta = next(d for d in results["deltas"] if d["name"] == "Seq-KD − Word-KD, BLEU K=1")
    assert delta["interval"] == check["interval"] and delta["by_seed"]["2"]["interval"] == pytest.approx([-0.89, 3.29])
    text = render_markdown(results)
    assert "| Seq-KD − Word-KD, BLEU K=1 | +2.0 ± 1.1 [+1.0, +3.0] | +3.5 |" in text
    assert "| Seq-KD − Word-KD, BLEU K=1 | +1.2 [-0.9, +3.3] | +3.5 |" in text.split("seed 2</summary>")[1]
    assert render_markdown(json.loads(json.dumps(results))) == text


def test_a_below_claim_needs_its_interval_below_0_and_an_at_most_claim_keeps_its_point_rule():
    # The gap difference (Seq-KD − baseline) is -2.7 in both seeds. In seed 1 the baseline's beam draws spread by ±4
    # and Seq-KD's by ±1 on the same draws, so the difference spreads by ±3: [-2.7 - 2.85, -2.7 + 2.85], not below 0.
    results = two_seeds(draws=fake_draws({("1", "baseline", "beam"): 4.0, ("1", "seq-kd", "beam"): 1.0}))
    gap = next(check for check in results["checks"] if check["claim"] == "Seq-KD shrinks the greedy–beam gap")
    assert gap["by_seed"]["1"]["interval"] == pytest.approx([-2.7 - 2.85, -2.7 + 2.85])
    assert gap["rule"] == "below" and gap["by_seed"]["1"]["holds"] is False and gap["by_seed"]["2"]["holds"] is True
    # Pruning within 1 BLEU: the pruned row's beam is 0.3 below Seq-KD's, whose draws spread by ±1 in seed 1: the
    # interval reaches below -1, but the claim is judged on the values, the interval shown beside.
    pruning = next(check for check in results["checks"] if check["claim"].startswith("pruning 80%"))
    assert pruning["rule"] == "point" and pruning["by_seed"]["1"]["interval"][0] < -1
    assert (pruning["holds"], pruning["holds_in"]) == (True, 2)



def test_a_claim_about_the_shared_teacher_rows_alone_is_one_measurement_not_one_per_seed():
    teacher_rows = {"teacher-seq-inter": {**ROWS["teacher"], "bleu_greedy": 29.9, "bleu_beam": 30.0}}
    results = build_results({1: {**ROWS, **teacher_rows}, 2: {**SEED_2, **teacher_rows}}, preset="quick",
                            versions=VERSIONS)
    matches = next(check for check in results["checks"] if check["claim"].startswith("teacher + Seq-Inter"))
    assert (matches["holds"], matches["holds_in"], matches["seeds"]) == (True, 1, 1)
    seq_kd = next(check for check in results["checks"] if check["claim"].startswith("Seq-KD's greedy BLEU is above"))
    assert seq_kd["seeds"] == 2


def test_rows_of_one_seed_passed_without_their_seed_get_a_plain_error():
    with pytest.raises(TypeError, match=r"\{1: rows\}"):
        build_results(ROWS, preset="quick", versions=VERSIONS)
