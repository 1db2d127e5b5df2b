"""The reproduction's plots: the data behind each figure, the message when matplotlib is missing, the files."""

from __future__ import annotations

import sys

import pytest
from test_results_tables import ROWS

from tinyseqkd.reproduce.plots import beam_curve, read_validations, sparsity_curves, write_plots

pytestmark = pytest.mark.ch11_reproduce

TSV = ("step\tepoch\tppl\tbleu\tlr\ttrain_seconds\tbest\n"
       "100\t1\t40.5\t3.10\t0.002\t12.5\t1\n200\t1\t20.0\t8.00\t0.002\t25.0\t1\n")


def test_validations_tsv_is_read_as_numeric_columns(tmp_path):
    (tmp_path / "validations.tsv").write_text(TSV)
    columns = read_validations(tmp_path / "validations.tsv")
    assert columns["step"] == [100, 200] and columns["bleu"] == [3.1, 8.0] and columns["train_seconds"] == [12.5, 25]
    assert read_validations(tmp_path / "absent.tsv")["step"] == []


def test_beam_curve_uses_the_sweep_and_falls_back_on_the_two_columns():
    assert beam_curve({"bleu_greedy": 19.0, "bleu_beam": 21.9}) == [(1, 19.0), (5, 21.9)]
    sweep = {"bleu_greedy": 19.0, "bleu_beam": 21.9, "bleu_by_beam": {"2": 20.5, "5": 21.9, "10": 21.7}}
    assert beam_curve(sweep) == [(1, 19.0), (2, 20.5), (5, 21.9), (10, 21.7)]


def test_sparsity_curves_start_at_the_unpruned_model():
    assert sparsity_curves(ROWS) == {"class-blind": [(0.0, 21.5), (0.8, 21.2)]}


def test_without_matplotlib_nothing_is_drawn_and_the_report_says_how_to_get_plots(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    report = write_plots(tmp_path, ROWS, {}, {})
    assert report.written == [] and "matplotlib is not installed" in report.skipped
    assert 'pip install "tinyseqkd[tutorials]"' in report.skipped
    assert list(tmp_path.iterdir()) == []


def test_with_matplotlib_every_figure_is_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    (tmp_path / "validations.tsv").write_text(TSV)
    report = write_plots(tmp_path, ROWS, {}, {"baseline": tmp_path / "validations.tsv"})
    assert [path.name for path in report.written] == ["learning_curves.png", "bleu_by_beam.png",
                                                       "p_greedy_output.png", "bleu_by_sparsity.png",
                                                       "speed_vs_bleu.png"]
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in report.written)
    assert not list(tmp_path.glob(".*.tmp"))
