"""``tinyseqkd evaluate`` through the real command line: BLEU equal to sacrebleu's own command line, every
column of the paper's table, parameter counts, and one error line for each bad option."""

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from decoding_helpers import SOURCES
from tinyseqkd.cli import main
from tinyseqkd.translator import load_translator

pytestmark = pytest.mark.ch05_decoding

SACREBLEU = Path(sys.executable).with_name("sacrebleu")


def evaluate(capsys, *options):
    code = main(["evaluate", "--threads", "1", *map(str, options)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def references(checkpoint, tmp_path):
    """The source file, and two reference files made from the model's own translations with some words changed,
    so that BLEU is neither 0 nor 100."""
    translator = load_translator(checkpoint)
    sources = SOURCES * 3
    outputs = [translator.text(found[0]) for found in translator.translate(sources, beam_size=5)]
    def with_zebra(text):  # a word the model cannot say, in the middle: the n-grams across it are missing
        words = text.split()
        return " ".join(words[:len(words) // 2] + ["zebra"] + words[len(words) // 2:])

    first = [with_zebra(text) for text in outputs]
    second = [text if i % 2 else "zebra" for i, text in enumerate(outputs)]
    files = {"src.es": sources, "ref.en": first, "ref.en.1": second}
    for name, lines in files.items():
        (tmp_path / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return tmp_path / "src.es", [tmp_path / "ref.en", tmp_path / "ref.en.1"]


def sacrebleu_cli(hypotheses: Path, references) -> float:
    result = subprocess.run([str(SACREBLEU), *map(str, references), "-i", str(hypotheses), "-b", "-w", "4"],
                            capture_output=True, text=True, check=True)
    return float(result.stdout.strip())


@pytest.mark.skipif(not SACREBLEU.exists(), reason="the sacrebleu command is not installed beside python")
def test_bleu_equals_the_sacrebleu_command_line_on_the_same_files(checkpoint, references, tmp_path, capsys):
    source, refs = references
    saved = tmp_path / "saved"
    code, out, _ = evaluate(capsys, "-m", checkpoint, "--src", source, "--ref", *refs, "--json",
                            "--save-translations", saved)
    assert code == 0
    report = json.loads(out)
    assert 0 < report["bleu_beam"] < 100
    assert report["bleu_signature"].startswith("nrefs:2|")
    assert round(report["bleu_beam"], 4) == sacrebleu_cli(saved / "beam.txt", refs)
    assert round(report["bleu_greedy"], 4) == sacrebleu_cli(saved / "greedy.txt", refs)


def test_the_table_names_every_column_of_the_paper(checkpoint, references, capsys):
    source, refs = references
    code, out, _ = evaluate(capsys, "-m", checkpoint, "--src", source, "--ref", refs[0], "--beam", 3)
    assert code == 0
    for column in ("BLEU greedy (K=1)", "BLEU beam (K=3)", "chrF", "perplexity", "p(t = ŷ)", "speed greedy",
                   "source words/s", "parameters", "BLEU signature: nrefs:1|"):
        assert column in out
    assert re.search(r"p\(t = ŷ\) +\d+\.\d\d% mean, \d+\.\d\d% median", out)


def test_without_a_corpus_the_checkpoints_own_corpus_is_used(checkpoint, capsys):
    code, out, _ = evaluate(capsys, "-m", checkpoint, "--json", "--beam", 2)
    report = json.loads(out)
    assert code == 0 and report["data"] == "synthetic:reverse test" and report["sentences"] == 200


def test_parameter_counts_see_pruned_weights(checkpoint, references, capsys):
    source, refs = references
    report = json.loads(evaluate(capsys, "-m", checkpoint, "--src", source, "--ref", refs[0], "--json")[1])
    model = load_translator(checkpoint).model
    assert report["parameters"] == model.num_parameters() == sum(p.size for p in model.parameters())
    assert report["nonzero_parameters"] == model.num_parameters(nonzero=True) <= report["parameters"]
    assert 0 < report["p_greedy_output"] < 1 and 0 < report["p_greedy_output_median"] < 1
    assert math.isfinite(report["perplexity"])


@pytest.mark.parametrize("make_options, message", [
    (lambda src, refs: ["--src", src], "--src and --ref go together"),
    (lambda src, refs: ["--src", src, "--ref", refs[0], "--corpus", "x"], "either --corpus or --src/--ref"),
    (lambda src, refs: ["--corpus", "synthetic:reverse", "--split", "train", "--batch-size", "0"],
     "--batch-size must be at least 1"),
])
def test_bad_options_are_one_error_each(checkpoint, references, capsys, make_options, message):
    source, refs = references
    code, _, err = evaluate(capsys, "-m", checkpoint, *make_options(source, refs))
    assert code == 2 and err.count("\n") == 1 and message in err


def test_references_of_another_length_and_empty_source_lines_are_refused(checkpoint, references, tmp_path, capsys):
    source, refs = references
    short = tmp_path / "short.en"
    short.write_text("the cat\n")
    code, _, err = evaluate(capsys, "-m", checkpoint, "--src", source, "--ref", short)
    assert code == 2 and f"{short} has 1 lines but {source} has 12" in err
    holey = tmp_path / "holey.es"
    holey.write_text("el gato\n\n", encoding="utf-8")
    refs2 = tmp_path / "two.en"
    refs2.write_text("the cat\nthe dog\n")
    code, _, err = evaluate(capsys, "-m", checkpoint, "--src", holey, "--ref", refs2)
    assert code == 2 and f"{holey}:2: the line is empty" in err


EVERY_FIGURE = {"checkpoint", "data", "sentences", "source_words", "bleu_greedy", "bleu_beam", "beam_size",
                "bleu_signature", "chrf_beam", "chrf_signature", "perplexity", "p_greedy_output",
                "p_greedy_output_median", "p_greedy_output_short", "short_sentences", "words_per_second_greedy",
                "words_per_second_beam", "parameters", "nonzero_parameters", "file_bytes", "weights_bytes"}


def test_json_is_exactly_one_object_on_standard_output_with_every_figure(checkpoint, capsys):
    code, out, _ = evaluate(capsys, "-m", checkpoint, "--split", "test", "--beam", 2, "--json", "--limit", 3)
    assert code == 0 and out.count("\n") == 1  # one line: nothing else is printed on standard output
    report = json.loads(out)
    assert set(report) == EVERY_FIGURE
    assert report["file_bytes"] == checkpoint.stat().st_size


def test_limit_evaluates_only_the_first_sentences(checkpoint, references, tmp_path, capsys):
    source, refs = references
    limited = json.loads(evaluate(capsys, "-m", checkpoint, "--src", source, "--ref", *refs, "--json",
                                  "--limit", 5)[1])
    first = {}
    for path in (source, *refs):
        first[path] = tmp_path / f"first5-{path.name}"
        first[path].write_text("".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:5]),
                               encoding="utf-8")
    expected = json.loads(evaluate(capsys, "-m", checkpoint, "--src", first[source], "--ref",
                                   *(first[path] for path in refs), "--json")[1])
    assert limited["sentences"] == 5 and limited["data"] == f"{source} (first 5)"
    for figure in ("bleu_greedy", "bleu_beam", "chrf_beam", "perplexity", "p_greedy_output", "source_words"):
        assert limited[figure] == expected[figure], figure
    code, _, err = evaluate(capsys, "-m", checkpoint, "--limit", 0)
    assert code == 2 and "--limit must be at least 1" in err


def test_size_on_disk_counts_the_file_and_the_weights_stored_sparse(checkpoint, tmp_path, capsys):
    from tinyseqkd.prune import packed_nbytes
    from tinyseqkd.prune.checkpoints import prune_checkpoint

    prune_checkpoint(checkpoint, tmp_path / "pruned.npz", "class-blind", 0.9)
    dense = json.loads(evaluate(capsys, "-m", checkpoint, "--json", "--limit", 4, "--beam", 1)[1])
    pruned = json.loads(evaluate(capsys, "-m", tmp_path / "pruned.npz", "--json", "--limit", 4, "--beam", 1)[1])
    for path, report in ((checkpoint, dense), (tmp_path / "pruned.npz", pruned)):
        assert report["file_bytes"] == path.stat().st_size
        assert report["weights_bytes"] == packed_nbytes(load_translator(path).model.state_dict())
    assert pruned["weights_bytes"] < dense["weights_bytes"]  # (this model's matrices are tiny: a few go sparse)
    assert pruned["parameters"] == dense["parameters"] and pruned["nonzero_parameters"] < 0.15 * dense["parameters"]
    _, out, _ = evaluate(capsys, "-m", tmp_path / "pruned.npz", "--limit", 4, "--beam", 1)
    assert re.search(r"size on disk +\d+\.\d\d MB checkpoint file, \d+\.\d\d MB weights only", out)


def test_save_translations_writes_both_outputs_and_every_reference_line_aligned(checkpoint, references, tmp_path,
                                                                               capsys):
    source, refs = references
    saved = tmp_path / "saved"
    assert evaluate(capsys, "-m", checkpoint, "--src", source, "--ref", *refs, "--save-translations", saved)[0] == 0
    assert sorted(path.name for path in saved.iterdir()) == ["beam.txt", "greedy.txt", "ref1.txt", "ref2.txt"]
    for k, path in enumerate(refs, 1):
        assert (saved / f"ref{k}.txt").read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    assert len((saved / "greedy.txt").read_text(encoding="utf-8").splitlines()) == 12


def test_p_of_the_greedy_output_over_the_short_sources_only(checkpoint, tmp_path, capsys):
    """``p_greedy_output_short`` is the mean over the sources of at most 15 words, ``short_sentences`` their count."""
    long_source = " ".join(SOURCES)  # 16 words
    fifteen = long_source.rsplit(" ", 1)[0]  # 15 words: still short
    files = {"short": [*SOURCES, fifteen], "mixed": [*SOURCES, fifteen, long_source], "long": [long_source]}
    reports = {}
    for name, lines in files.items():
        (tmp_path / f"{name}.es").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        (tmp_path / f"{name}.en").write_text("the cat\n" * len(lines), encoding="utf-8")
        reports[name] = json.loads(evaluate(capsys, "-m", checkpoint, "--src", tmp_path / f"{name}.es", "--ref",
                                            tmp_path / f"{name}.en", "--json")[1])
    assert len(long_source.split()) == 16 and len(fifteen.split()) == 15
    assert reports["mixed"]["short_sentences"] == 5 and reports["long"]["short_sentences"] == 0
    def close(value):  # a random model's probabilities are tiny (~1e-12): relative tolerance only
        return pytest.approx(value, rel=1e-5, abs=0)

    assert reports["mixed"]["p_greedy_output_short"] == close(reports["short"]["p_greedy_output"])
    assert reports["short"]["p_greedy_output_short"] == close(reports["short"]["p_greedy_output"])
    mixed_mean = (5 * reports["short"]["p_greedy_output"] + reports["long"]["p_greedy_output"]) / 6
    assert reports["mixed"]["p_greedy_output"] == close(mixed_mean)
    assert reports["mixed"]["p_greedy_output"] != close(reports["mixed"]["p_greedy_output_short"])
    assert reports["long"]["p_greedy_output_short"] is None
    _, out, _ = evaluate(capsys, "-m", checkpoint, "--src", tmp_path / "mixed.es", "--ref", tmp_path / "mixed.en")
    assert re.search(r"p\(t = ŷ\) ≤ 15 words +\d+\.\d\d% mean over the 5 sources of at most 15 words", out)
