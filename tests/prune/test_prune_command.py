"""``tinyseqkd prune`` end to end on a tiny trained model: pruning alone (a sparse pruned.npz, its provenance and the
per-class report), pruning with retraining (an ordinary run that ``train --resume`` continues with its masks), a
two-point sweep (sweep.tsv, sweep.md, the plot or a note), and one error line for each kind of bad input."""

import numpy as np
import pytest

from prune_helpers import toy_checkpoint
from tinyseqkd.checkpoint import load_checkpoint
from tinyseqkd.cli import main
from tinyseqkd.distill.manifest import file_sha256
from tinyseqkd.errors import MissingDependencyError
from tinyseqkd.prune import distribution_lambda, prune_masks
from tinyseqkd.prune.checkpoints import checkpoint_masks
from tinyseqkd.translator import load_translator

pytestmark = pytest.mark.ch10_pruning

RETRAIN = ["--retrain", "--train.max_steps=4", "--train.validate_every=4", "--train.valid_bleu_size=5"]


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return toy_checkpoint(tmp_path_factory.mktemp("toy"))


def prune(capsys, *options):
    code = main(["prune", "--threads", "1", *map(str, options)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_pruning_alone_writes_a_sparse_checkpoint_with_its_provenance_and_prints_the_report(source, tmp_path,
                                                                                          capsys):
    code, out, _ = prune(capsys, "-m", source, "--scheme", "class-distribution", "--ratio", "0.7", "--out", tmp_path)
    assert code == 0
    pruned = tmp_path / "pruned.npz"
    model = load_translator(pruned).model  # translates like any checkpoint
    original = load_checkpoint(source).group("model")
    masks = prune_masks(original, "class-distribution", 0.7)
    weights = dict(model.named_parameters())
    for name, keep in masks.items():
        assert np.all(weights[name].data[~keep] == 0) and np.array_equal(weights[name].data[keep],
                                                                         original[name][keep]), name
    record = load_checkpoint(pruned).header["pruning"]
    assert record["scheme"] == "class-distribution" and record["ratio"] == 0.7 and record["embeddings"] is True
    assert record["source"] == {"path": str(source), "sha256": file_sha256(source)}
    assert record["lambda"] == pytest.approx(distribution_lambda(original, masks))
    assert record["pruned"] == round(0.7 * record["prunable"])
    assert pruned.stat().st_size < 0.5 * source.stat().st_size  # no optimizer state, and 70% of the weights gone
    for line in ("source embedding", "encoder layer 0", "decoder layer 0", "softmax W_o", "all classes"):
        assert line in out
    assert next(line for line in out.splitlines() if line.startswith("all classes")).endswith(" 70.0")


def test_keep_embeddings_leaves_both_embeddings_whole(source, tmp_path, capsys):
    code, _, _ = prune(capsys, "-m", source, "--ratio", "0.5", "--keep-embeddings", "--out", tmp_path)
    assert code == 0
    weights = load_checkpoint(tmp_path / "pruned.npz").group("model")
    original = load_checkpoint(source).group("model")
    for name in ("src_embedding.weight", "tgt_embedding.weight"):
        np.testing.assert_array_equal(weights[name], original[name])
    assert load_checkpoint(tmp_path / "pruned.npz").header["pruning"]["embeddings"] is False


def test_retraining_is_an_ordinary_run_that_resume_continues_with_its_masks(source, tmp_path, capsys):
    run_dir = tmp_path / "retrained"
    code, out, _ = prune(capsys, "-m", source, "--ratio", "0.8", "--out", run_dir, *RETRAIN)
    assert code == 0 and "all classes" in out
    latest = load_checkpoint(run_dir / "latest.npz")
    config = latest.header["config"]
    assert config["prune"] == {"scheme": "class-blind", "ratio": 0.8, "embeddings": True}
    assert config["train"]["init"] == str(source.resolve()) and config["data"]["pipeline"] == str(source.resolve())
    assert latest.header["progress"]["step"] == 4 and (run_dir / "validations.tsv").exists()
    masks = checkpoint_masks(latest)
    pruned = sum(int((~keep).sum()) for keep in masks.values())
    assert pruned == round(0.8 * sum(keep.size for keep in masks.values()))

    assert main(["train", "--resume", str(run_dir), "--train.max_steps=6", "--threads", "1"]) == 0
    resumed = load_checkpoint(run_dir / "latest.npz")
    assert resumed.header["progress"]["step"] == 6
    weights = resumed.group("model")
    for name, keep in checkpoint_masks(resumed).items():
        np.testing.assert_array_equal(keep, masks[name])
        assert np.all(weights[name][~keep] == 0.0), name
    assert any(not np.array_equal(weights[name], latest.group("model")[name]) for name in masks)  # it trained on


def test_running_the_same_retraining_again_continues_it_and_another_one_is_refused(source, tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert prune(capsys, "-m", source, "--ratio", "0.5", "--out", run_dir, *RETRAIN)[0] == 0
    code, out, _ = prune(capsys, "-m", source, "--ratio", "0.5", "--out", run_dir, *RETRAIN[:-3],
                         "--train.max_steps=6", "--train.validate_every=4", "--train.valid_bleu_size=5")
    assert code == 0 and "continuing it" in out
    assert load_checkpoint(run_dir / "latest.npz").header["progress"]["step"] == 6
    code, _, err = prune(capsys, "-m", source, "--ratio", "0.9", "--out", run_dir, *RETRAIN)
    assert code == 2 and err.count("\n") == 1 and "prune.ratio differ" in err


def test_a_two_point_sweep_with_retraining_writes_its_table_and_plot(source, tmp_path, capsys):
    teacher = tmp_path / "teacher-like.npz"  # any checkpoint: its parameters are the ratio's numerator
    teacher.write_bytes(source.read_bytes())
    code, out, _ = prune(capsys, "-m", source, "--scheme", "class-blind", "--ratio", "0.5,0.9", "--out", tmp_path,
                         "--teacher", teacher, "--limit", "12", "--beam", "2", *RETRAIN)
    assert code == 0
    lines = (tmp_path / "sweep.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:]]
    assert [(row["scheme"], row["ratio"]) for row in rows] == [("unpruned", "0"), ("class-blind", "0.5"),
                                                               ("class-blind", "0.9")]
    unpruned, half, most = rows
    assert float(unpruned["sparsity"]) < 0.02 < float(half["sparsity"]) < float(most["sparsity"]) < 0.9
    assert int(most["nonzero_parameters"]) < int(half["nonzero_parameters"]) < int(unpruned["parameters"])
    assert float(most["teacher_ratio"]) == pytest.approx(int(most["parameters"]) / int(most["nonzero_parameters"]))
    assert int(most["weights_bytes"]) < int(half["weights_bytes"]) < int(unpruned["weights_bytes"])
    assert unpruned["retrain_seconds"] == "" and float(most["retrain_seconds"]) > 0
    assert most["checkpoint"] == str(tmp_path / "class-blind-0.9" / "best.npz")
    assert (tmp_path / "class-blind-0.5" / "validations.tsv").exists()
    markdown = (tmp_path / "sweep.md").read_text()
    assert "| class-blind 90% |" in markdown and "(12 sentences), beam 2" in markdown
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "note: no " in out and not (tmp_path / "sweep.png").exists()
    else:
        assert (tmp_path / "sweep.png").stat().st_size > 1000


@pytest.mark.parametrize("options, message", [
    (["--scheme", "class-blnd", "--ratio", "0.8"], "unknown pruning scheme 'class-blnd' (--scheme): did you mean "
                                                   "class-blind?"),
    (["--ratio", "1.0"], "pruning ratio 1.0 (--ratio) must be at least 0 and below 1"),
    (["--ratio", "0.5,0.8,x"], "--ratio 'x': not a number"),
    (["--ratio", "0.8", "--train.lr=0.1"], "add --retrain"),
    (["--ratio", "0.8", "--retrain", "--model.layers=2"], "only --train.KEY=VALUE options"),
    (["--ratio", "0.8", "--retrain", "--train.init=elsewhere"], "starts from the pruned checkpoint, -m"),
    (["--ratio", "0.8", "--limit", "5"], "are for a sweep"),
])
def test_bad_options_are_one_error_line_each(source, tmp_path, capsys, options, message):
    code, _, err = prune(capsys, "-m", source, "--out", tmp_path / "out", *options)
    assert code == 2 and err.count("\n") == 1 and message in err
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_a_foreign_checkpoint_is_one_error_line(tmp_path, capsys):
    foreign = tmp_path / "weights.npz"
    np.savez(foreign, w=np.zeros(3))
    code, _, err = prune(capsys, "-m", foreign, "--ratio", "0.8", "--out", tmp_path / "out")
    assert code == 2 and err.count("\n") == 1 and "weights.npz: an .npz archive but not a tinyseqkd checkpoint" in err
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    code, _, err = prune(capsys, "-m", text, "--ratio", "0.8", "--out", tmp_path / "out")
    assert code == 2 and "notes.txt: not a tinyseqkd checkpoint" in err


def test_sweep_points_are_single_prunes_and_without_matplotlib_the_plot_is_one_note(source, tmp_path, capsys,
                                                                                   monkeypatch):
    def no_matplotlib(feature):
        raise MissingDependencyError(f"{feature} needs matplotlib, which is not installed; fix: pip install it")

    monkeypatch.setattr("tinyseqkd.plotting.require_matplotlib", no_matplotlib)
    code, out, _ = prune(capsys, "-m", source, "--scheme", "class-uniform,class-blind", "--ratio", "0.6", "--out",
                         tmp_path / "sweep", "--limit", "5", "--beam", "1")
    assert code == 0
    notes = [line for line in out.splitlines() if line.startswith("note:")]
    assert notes == [f"note: no {tmp_path / 'sweep' / 'sweep.png'}: the sweep's plot needs matplotlib, which is not "
                     "installed; fix: pip install it"]
    assert not (tmp_path / "sweep" / "sweep.png").exists()
    rows = [line.split("\t") for line in (tmp_path / "sweep" / "sweep.tsv").read_text().splitlines()[1:]]
    assert [row[0] for row in rows] == ["unpruned", "class-uniform", "class-blind"]
    assert all(row[10] == "" for row in rows)  # retrain_seconds: none
    assert prune(capsys, "-m", source, "--scheme", "class-uniform", "--ratio", "0.6", "--out", tmp_path / "one")[0] == 0
    swept = load_checkpoint(tmp_path / "sweep" / "class-uniform-0.6" / "pruned.npz").group("model")
    single = load_checkpoint(tmp_path / "one" / "pruned.npz").group("model")
    for name, array in single.items():
        assert swept[name].tobytes() == array.tobytes(), name
