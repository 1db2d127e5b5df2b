"""Reading the three Bibles out of their Debian packages: SWORD modules in the zText format (build time only).

A zText module keeps its text in zlib-compressed blocks (``ot.bzz``/``nt.bzz``), an index of the blocks
(``*.bzs``) and, for every entry of the module's versification in order, its block, offset and length (``*.bzv``).
The versification tables (books, and verses per chapter) come from ``pysword``, pinned below; this module is used
by ``build.py`` beside it only, never by the installed package.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

PYSWORD_VERSION = "0.2.8"


@dataclass(frozen=True)
class Source:
    """One Bible: its column in the TSV, the pinned Debian package holding it and the SWORD module inside."""

    column: str
    title: str
    package: str
    version: str
    deb_sha256: str
    module: str

    @property
    def deb_name(self) -> str:
        return f"{self.package}_{self.version}_all.deb"


SOURCES = (
    Source("es", "Reina-Valera 1909", "sword-text-sparv", "2.60-1",
           "5c87f9b2bc97457e8a872f5bae7ea7ce59cb3de1dcee73e4d4740451863694cf", "spaRV1909eb"),
    Source("web", "World English Bible", "sword-text-web", "426.0-1",
           "930b23670b352f0829a306501de4bebb5e654a2df02cde2cbe86b802177868e1", "engWEB2015eb"),
    Source("kjv", "King James Version", "sword-text-kjv", "14.3-1",
           "9f463f28ce665f6f528fc723179722bced880a4c5485f7a41bf742838315de57", "engKJV2006eb"),
)

# What a module's conf must say for read_ztext to read it.
EXPECTED_CONF = {"ModDrv": "zText", "SourceType": "OSIS", "CompressType": "ZIP", "BlockType": "BOOK",
                 "Encoding": "UTF-8"}


# -- 1. the Debian packages --------------------------------------------------------------------------------------
def fetch_debs(debs: Path) -> None:
    """Put the pinned ``.deb`` files into ``debs`` (``apt-get download`` the missing ones) and check their sha256."""
    debs.mkdir(parents=True, exist_ok=True)
    missing = [source for source in SOURCES if not (debs / source.deb_name).exists()]
    if missing:
        run(["apt-get", "download", *(f"{source.package}={source.version}" for source in missing)], cwd=debs)
    for source in SOURCES:
        digest = hashlib.sha256((debs / source.deb_name).read_bytes()).hexdigest()
        if digest != source.deb_sha256:
            raise SystemExit(f"{debs / source.deb_name}: sha256 {digest}, expected {source.deb_sha256}")


def unpack_debs(debs: Path, root: Path) -> Path:
    """``dpkg -x`` every package into ``root``; returns the SWORD library directory (``usr/share/sword``)."""
    for source in SOURCES:
        run(["dpkg", "-x", str(debs / source.deb_name), str(root)])
    return root / "usr" / "share" / "sword"


def run(command: list[str], cwd: Path | None = None) -> None:
    """Run a command; if it fails, stop with its own error output."""
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise SystemExit(f"{command[0]} not found: rebuilding needs Debian's apt-get and dpkg") from None
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.strip()}")


# -- 2. reading a zText module -----------------------------------------------------------------------------------
def read_conf(path: Path) -> dict[str, str]:
    """A module's ``mods.d/*.conf`` as key → value (for a repeated key, its first value)."""
    conf: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, equals, value = line.partition("=")
        if equals and not line.startswith("#"):
            conf.setdefault(key.strip(), value.strip())
    return conf


def check_conf(conf: dict[str, str], path: Path) -> None:
    """Stop unless the module is stored the way :func:`read_ztext` reads."""
    for key, expected in EXPECTED_CONF.items():
        if conf.get(key) != expected:
            raise SystemExit(f"{path}: {key}={conf.get(key)}, but this builder reads only {key}={expected}")


def versification(name: str) -> dict[str, list[tuple[str, list[int]]]]:
    """A SWORD versification (``KJV``, ``NRSVA``): testament → [(book, verses in each chapter), ...], in order."""
    try:
        found = importlib.metadata.version("pysword")
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(f"rebuilding needs pysword: pip install pysword=={PYSWORD_VERSION}") from None
    if found != PYSWORD_VERSION:
        raise SystemExit(f"pysword {found} is installed, the build is pinned to {PYSWORD_VERSION}")
    from pysword.canons import canons

    canon = canons[name.lower()]
    return {testament: [(book[1], book[3]) for book in canon[testament]] for testament in ("ot", "nt")}


def read_ztext(data_dir: Path, books_by_testament: dict[str, list[tuple[str, list[int]]]]) -> dict[str, str]:
    """Every verse of a zText module, as reference (``Gen.1.1``) → OSIS markup, in canonical order."""
    verses = {}
    for testament, books in books_by_testament.items():
        blocks = read_blocks(data_dir / f"{testament}.bzs", data_dir / f"{testament}.bzz")
        entries = list(struct.iter_unpack("<IIH", (data_dir / f"{testament}.bzv").read_bytes()))
        refs = list(index_refs(books))
        if len(entries) != len(refs):
            raise SystemExit(f"{data_dir}/{testament}.bzv has {len(entries)} entries, its versification {len(refs)}")
        for ref, (block, start, size) in zip(refs, entries):
            if ref is not None:
                verses[ref] = blocks[block][start:start + size].decode("utf-8") if size else ""
    return verses


def read_blocks(index_path: Path, text_path: Path) -> list[bytes]:
    """The decompressed blocks of a ``.bzz`` file, located by the (offset, size, uncompressed size) of ``.bzs``."""
    text = text_path.read_bytes()
    return [zlib.decompress(text[offset:offset + size])
            for offset, size, _ in struct.iter_unpack("<III", index_path.read_bytes())]


def index_refs(books: list[tuple[str, list[int]]]):
    """The reference of each entry of a testament's verse index, or ``None`` for the entries that hold the
    introductions and titles of the module, the testament, a book or a chapter."""
    yield None  # the module
    yield None  # the testament
    for book, chapter_sizes in books:
        yield None  # the book
        for chapter, size in enumerate(chapter_sizes, start=1):
            yield None  # the chapter
            for verse in range(1, size + 1):
                yield f"{book}.{chapter}.{verse}"
