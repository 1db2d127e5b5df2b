"""The build script of the embedded Bible corpus (scripts/bible_es_en/, not installed): OSIS cleaning, whole-chapter
splits, and (slow) that it reproduces the shipped files byte for byte."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ch03_data

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "bible_es_en"
SHIPPED = ROOT / "tinyseqkd" / "data" / "corpora"


def load_script(name: str):
    """A module of scripts/bible_es_en/ by path (its siblings importable, as when it runs as a script)."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    spec = importlib.util.spec_from_file_location(f"bible_es_en_{name}", SCRIPTS / f"{name}.py")
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder, osis, sword = (load_script(name) for name in ("build", "osis", "sword"))


# -- the builder ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("markup, text", [
    ('<w>God</w><note placement="foot">Hebrew “Elohim”</note><w>created</w> it.', "God created it."),
    ('coins</q> <note placement="foot">An assarion…</note> <q>?”', "coins?”"),
    ('<title>A heading</title> <w>Blessed</w> <title canonical="true" type="psalm">A Psalm.</title>x',
     "Blessed A Psalm. x"),
    ("<speaker>Beloved</speaker> <l sID='1'/>Let him kiss me<l eID='1'/><l sID='2'/>for your love",
     "Let him kiss me for your love"),
    ('<w>y díjo</w><transChange type="added">le</transChange><w>Dios</w>', "y díjole Dios"),
    ('<w>no</w><transChange type="added">lo</transChange><w>hizo</w>', "no lo hizo"),
    ('Amen. <div eID="b1" osisID="Rev" type="book"/> <title>Glossary</title> Abba is…', "Amen."),
    ("¶ by my name \\nd <divineName>JEHOVAH</divineName> &amp; more", "by my name JEHOVAH & more"),
])
def test_clean_osis(markup, text):
    assert osis.clean_osis(markup) == text


def test_chapter_openings_in_capitals_get_their_usual_spelling():
    usual = {"después": "después", "jehová": "Jehová", "ti": "ti", "a": "a"}
    assert osis.recase_chapter_opening("Y DESPUÉS movió", usual) == "Y después movió"
    psalm = "Salmo de David. A TI, oh JEHOVÁ"  # only the first run of capitals opens the chapter
    assert osis.recase_chapter_opening(psalm, usual) == "Salmo de David. A ti, oh JEHOVÁ"
    assert osis.recase_chapter_opening("JEHOVÁ es mi pastor", usual) == "Jehová es mi pastor"


def test_splits_take_whole_chapters_by_hash():
    refs = [f"Book{b}.{c}.{v}" for b in range(3) for c in range(1, 40) for v in range(1, 30)]
    split_of = builder.assign_splits(refs)
    verses = {split: 29 * sum(1 for s in split_of.values() if s == split) for split in ("valid", "test")}
    assert all(builder.SPLIT_MIN_VERSES <= count < builder.SPLIT_MIN_VERSES + 29 for count in verses.values())
    assert builder.assign_splits(list(reversed(refs))) == split_of


def missing_build_tools() -> str:
    """Why the builder cannot run here ("" if it can)."""
    if not (shutil.which("apt-get") and shutil.which("dpkg")):
        return "needs Debian's apt-get and dpkg"
    if importlib.util.find_spec("pysword") is None:
        return f"needs pysword=={sword.PYSWORD_VERSION} (pip install pysword=={sword.PYSWORD_VERSION})"
    return ""


@pytest.mark.slow
@pytest.mark.skipif(bool(missing_build_tools()), reason=missing_build_tools() or "tools present")
def test_the_builder_reproduces_the_shipped_files(tmp_path):
    command = [sys.executable, str(SCRIPTS / "build.py"), "--out", str(tmp_path / "out"), "--debs",
               str(tmp_path / "debs")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert builder.SHIPPED == SHIPPED
    for name in (builder.TSV_NAME, builder.README_NAME):
        assert (tmp_path / "out" / name).read_bytes() == (SHIPPED / name).read_bytes(), name
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == sorted([builder.TSV_NAME,
                                                                                 builder.README_NAME])
