"""``tinyseqkd quickstart`` (train, evaluate and translate with one small model; the README's "What you can do"),
end to end on the embedded corpus with a few seconds of training."""

from tinyseqkd.cli import main


def test_quickstart_trains_evaluates_and_translates(tmp_path, capsys):
    run_dir = tmp_path / "quick"
    code = main(["quickstart", "--minutes", "0.05", "--test-size", "6", "--examples", "2", "--out", str(run_dir),
                 "--threads", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert (run_dir / "best.npz").exists() and (run_dir / "validations.tsv").exists()
    for step in ("1/3 training a 1 x 64 model", "2/3 evaluating", "3/3 translating 2 test verses"):
        assert step in out
    for column in ("BLEU greedy (K=1)", "BLEU beam (K=5)", "perplexity", "p(t = ŷ)", "parameters"):
        assert column in out
    assert out.count("Beam K=5:") == 2 and out.count("Reference 2:") == 2


def test_quickstart_refuses_to_overwrite_a_run(tmp_path, capsys):
    (tmp_path / "latest.npz").write_bytes(b"")
    assert main(["quickstart", "--out", str(tmp_path)]) != 0
    assert "already holds a run" in capsys.readouterr().err
