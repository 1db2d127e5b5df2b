"""The ``tinyseqkd translate`` command, through the real command line."""

import io
import os
import stat
import sys

import pytest

from decoding_helpers import SOURCES, make_checkpoint
from tinyseqkd.cli import main
from tinyseqkd.translator import DEFAULT_MAX_SRC_LEN, load_translator

pytestmark = pytest.mark.ch05_decoding


def translate(capsys, *options):
    code = main(["translate", "--threads", "1", *map(str, options)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def write_input(tmp_path, text, name="in.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(code, err):
    assert code == 2 and err.startswith("tinyseqkd: error: ") and err.count("\n") == 1, err
    return err


# ---------------------------------------------------------------------------------------------- the command
def test_translate_a_file_keeps_one_output_line_per_input_line(checkpoint, tmp_path, capsys):
    source = write_input(tmp_path, f"{SOURCES[0]}\n\n{SOURCES[2]}\n")
    out = tmp_path / "out.txt"
    code, stdout, stderr = translate(capsys, "-m", checkpoint, "-i", source, "-o", out, "--beam", 3)
    assert code == 0 and stdout == ""
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~current_umask()  # like any file opened for writing
    lines = out.read_text(encoding="utf-8").split("\n")
    assert len(lines) == 4 and lines[1] == "" and lines[3] == ""  # the empty line stays empty
    assert "translated 2 sentences" in stderr  # the progress summary (stderr is not a terminal here)
    expected = load_translator(checkpoint).translate([SOURCES[0]], beam_size=3)[0][0]
    assert lines[0] == load_translator(checkpoint).text(expected)


def test_standard_input_to_standard_output(checkpoint, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{SOURCES[1]}\n".encode())))
    code, stdout, stderr = translate(capsys, "-m", checkpoint, "--beam", 1)
    assert code == 0 and stdout.count("\n") == 1 and stderr == ""


def test_nbest_lines_are_index_hypothesis_score_sorted_best_first(checkpoint, tmp_path, capsys):
    source = write_input(tmp_path, f"{SOURCES[0]}\n\n{SOURCES[3]}\n")
    code, stdout, _ = translate(capsys, "-m", checkpoint, "-i", source, "--beam", 4, "--nbest", 3)
    assert code == 0
    rows = [line.split(" ||| ") for line in stdout.splitlines()]
    assert [int(index) for index, _, _ in rows] == [0, 0, 0, 2, 2, 2]  # line 1 is empty: no entries
    for index in (0, 2):
        scores = [float(score) for i, _, score in rows if int(i) == index]
        assert scores == sorted(scores, reverse=True)


def test_attention_plots_one_png_per_sentence(checkpoint, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    source = write_input(tmp_path, f"{SOURCES[0]}\n{SOURCES[3]}\n")
    code, _, _ = translate(capsys, "-m", checkpoint, "-i", source, "--plot-attention", tmp_path / "plots")
    assert code == 0
    pngs = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert pngs == ["sentence-0.png", "sentence-1.png"]
    assert (tmp_path / "plots" / pngs[0]).read_bytes()[:4] == b"\x89PNG"


def test_attention_plots_without_matplotlib_name_the_extra(checkpoint, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    source = write_input(tmp_path, f"{SOURCES[0]}\n")
    err = one_line_error(*translate(capsys, "-m", checkpoint, "-i", source, "--plot-attention", tmp_path)[::2])
    assert 'pip install "tinyseqkd[tutorials]"' in err


# ---------------------------------------------------------------------------------------------- bad input
def test_an_empty_input_file_is_one_error(checkpoint, tmp_path, capsys):
    source = write_input(tmp_path, "")
    err = one_line_error(*translate(capsys, "-m", checkpoint, "-i", source)[::2])
    assert f"{source}: empty" in err


def test_a_line_longer_than_the_limit_names_the_line_and_writes_nothing(checkpoint, tmp_path, capsys):
    source = write_input(tmp_path, f"{SOURCES[0]}\n{' '.join(['gato'] * 30)}\n")
    out = tmp_path / "out.txt"
    out.write_text("earlier output\n")
    err = one_line_error(*translate(capsys, "-m", checkpoint, "-i", source, "-o", out, "--max-src-len", 20)[::2])
    assert f"{source}:2: the line has 30 source pieces, more than --max-src-len 20" in err
    assert out.read_text() == "earlier output\n"  # untouched
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_invalid_utf8_names_the_line(checkpoint, tmp_path, capsys):
    source = tmp_path / "latin1.txt"
    source.write_bytes(b"el gato\nla casa \xe9s grande\n")
    err = one_line_error(*translate(capsys, "-m", checkpoint, "-i", source)[::2])
    assert f"{source}:2: invalid UTF-8 at byte 9" in err


@pytest.mark.parametrize("options, message", [
    (("--beam", "2", "--nbest", "3"), "--nbest 3 is more than the beam holds (--beam 2)"),
    (("--beam", "0"), "--beam must be at least 1"),
    (("--nbest", "0"), "--nbest must be at least 1"),
    (("--length-penalty", "-1"), "--length-penalty must be ≥ 0"),
])
def test_bad_options_are_one_error_each(checkpoint, tmp_path, capsys, options, message):
    source = write_input(tmp_path, f"{SOURCES[0]}\n")
    err = one_line_error(*translate(capsys, "-m", checkpoint, "-i", source, *options)[::2])
    assert message in err


def test_a_vocabulary_mismatch_is_one_error(tmp_path, capsys):
    path = make_checkpoint(tmp_path / "odd.npz", tgt_vocab_size=40)
    source = write_input(tmp_path, f"{SOURCES[0]}\n")
    err = one_line_error(*translate(capsys, "-m", path, "-i", source)[::2])
    assert "its text pipeline has" in err and "same training run" in err


def test_the_help_states_the_translators_own_length_limit(capsys):
    with pytest.raises(SystemExit):
        main(["translate", "--help"])
    assert f"(default {DEFAULT_MAX_SRC_LEN})" in capsys.readouterr().out
