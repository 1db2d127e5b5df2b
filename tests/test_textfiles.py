"""Reading lines, and the one atomic writer: whole files or none, with the mode the umask gives."""

import os
import stat

import numpy as np
import pytest

from tinyseqkd.checkpoint import load_checkpoint, save_checkpoint
from tinyseqkd.cli import main
from tinyseqkd.errors import CorpusError
from tinyseqkd.textfiles import decode_lines, open_atomically, read_lines, write_text_atomically


@pytest.fixture(params=[0o022, 0o027], ids=["umask022", "umask027"])
def umask(request):
    """Run the test under this umask; written files must get 0o666 minus it (0o644, 0o640), as open() gives."""
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_text_files_get_the_mode_of_the_umask(tmp_path, umask):
    write_text_atomically(tmp_path / "out.txt", "one\ntwo\n")
    with open(tmp_path / "plain.txt", "w") as file:  # what an ordinary write gives, for comparison
        file.write("x")
    assert mode(tmp_path / "out.txt") == mode(tmp_path / "plain.txt") == 0o666 & ~umask


def test_checkpoints_get_the_mode_of_the_umask(tmp_path, umask):
    path = save_checkpoint(tmp_path / "ckpt.npz", step=1)
    assert mode(path) == 0o666 & ~umask and load_checkpoint(path).header["step"] == 1


def test_exported_corpora_get_the_mode_of_the_umask(tmp_path, umask, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("train.de", "train.en", "test.de", "test.en"):
        (corpus / name).write_text("Hallo.\n", encoding="utf-8")
    assert main(["data", "export", str(corpus), str(tmp_path / "out"), "--src-lang", "de", "--threads", "1"]) == 0
    assert {mode(path) for path in (tmp_path / "out").iterdir()} == {0o666 & ~umask}


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "keep.txt"
    path.write_text("old\n")
    with pytest.raises(RuntimeError):
        with open_atomically(path) as file:
            file.write("half of the new")
            raise RuntimeError("crash")
    assert path.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_binary_writes_and_text_writes_with_unix_line_ends(tmp_path):
    with open_atomically(tmp_path / "a.npy", binary=True) as file:
        np.save(file, np.arange(3))
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), np.arange(3))
    write_text_atomically(tmp_path / "b.txt", "é\n")
    assert (tmp_path / "b.txt").read_bytes() == "é\n".encode("utf-8")


def test_read_lines_drops_the_byte_order_mark_and_carriage_returns(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(b"\xef\xbb\xbfone\r\ntwo\n")
    assert read_lines(path) == ["one", "two"] == decode_lines(path.read_bytes(), "x")


def test_read_lines_names_a_missing_file(tmp_path):
    with pytest.raises(CorpusError, match="missing.txt: cannot read"):
        read_lines(tmp_path / "missing.txt")
