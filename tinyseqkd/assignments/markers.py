"""Solution regions marked in the package's own source, and the stubs that replace them in a student's copy.

A region is a run of lines inside a function body, between two comment lines that name the assignment::

    def class_blind_keep(values, ratio):
        \"\"\"One global magnitude threshold: the ratio·N smallest |w| over all classes go.\"\"\"
        # --- assignment pruning: the ratio·N smallest |w| of all classes together go ---
        scores = np.abs(np.concatenate(values))
        return ~smallest(scores, pruned_count(ratio, scores.size))
        # --- end assignment pruning ---

The text after the name and a colon is the hint a student sees (optional). In a student's workspace the lines
between the markers become one line at the start marker's indentation, and the markers stay, so the student sees
where to write::

        # --- assignment pruning: the ratio·N smallest |w| of all classes together go ---
        raise NotImplementedError("assignment pruning: the ratio·N smallest |w| of all classes together go")
        # --- end assignment pruning ---

To list every region of the package: ``grep -rn -- "--- assignment" tinyseqkd/``. Only real comments count (the
file is tokenized), so a docstring that shows the syntax, like this one, marks nothing. Regions do not nest, start
and end share their indentation, and each sits inside a function (a stub at module level would break the import).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

from tinyseqkd.errors import TinySeqKDError

START = re.compile(r"# --- assignment (?P<name>[a-z0-9][a-z0-9-]*)(?:: (?P<hint>.*\S))? ---")
END = re.compile(r"# --- end assignment (?P<name>[a-z0-9][a-z0-9-]*) ---")
LOOKS_LIKE_A_MARKER = re.compile(r"#\s*-+\s*(end\s+)?assignment\b")
SYNTAX = "# --- assignment NAME: hint --- … # --- end assignment NAME ---"


class MarkerError(TinySeqKDError):
    """Assignment markers that do not pair up (the message names the file and line)."""


@dataclass(frozen=True)
class Region:
    """One marked region: ``start`` and ``end`` are the 1-based lines of its two markers."""

    name: str  # the assignment it belongs to
    path: str  # relative to the tree that was searched, with "/" separators
    start: int
    end: int
    indent: str
    hint: str
    function: str  # qualified name of the innermost enclosing function, e.g. "Mul.backward"

    @property
    def location(self) -> str:
        """``path::function``, the way the assignment catalog names a region."""
        return f"{self.path}::{self.function}"

    @property
    def stub(self) -> str:
        """The line that replaces the region's body in a student's workspace."""
        message = f"assignment {self.name}: {self.hint or 'implement this region (see INSTRUCTIONS.md)'}"
        quoted = f'"{message}"' if '"' not in message and "\\" not in message else repr(message)
        return f"{self.indent}raise NotImplementedError({quoted})\n"


def _comment_lines(text: str, where: str) -> list[tuple[int, str, str]]:
    """(line number, indentation, comment) of every comment that stands alone on its line."""
    lines = text.splitlines()
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                line = lines[token.start[0] - 1]
                if not line[: token.start[1]].strip():
                    found.append((token.start[0], line[: token.start[1]], token.string.rstrip()))
    except (tokenize.TokenError, SyntaxError) as error:
        raise MarkerError(f"{where}: cannot be tokenized ({error}); fix the file's syntax first") from None
    return found


def _functions(text: str, where: str) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function in the module, outer ones first."""
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        raise MarkerError(f"{where}:{error.lineno}: not valid Python ({error.msg})") from None
    spans = []

    def visit(node, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno, name))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return spans


def _enclosing_function(spans: list[tuple[int, int, str]], start: int, end: int) -> str | None:
    """The innermost function holding the body lines start+1 … end-1 (a function's last line, for ast, is its last
    statement's: the end marker after a final ``return`` lies past it)."""
    inside = [name for first, last, name in spans if first < start and end - 1 <= last]
    return inside[-1] if inside else None


def parse_regions(text: str, path: str) -> list[Region]:
    """Every marked region of one module's source ``text`` (``path`` names it in errors and in the regions)."""
    if "assignment" not in text:
        return []
    regions, open_marker = [], None
    for number, indent, comment in _comment_lines(text, path):
        if not LOOKS_LIKE_A_MARKER.match(comment):
            continue
        start, end = START.fullmatch(comment), END.fullmatch(comment)
        where = f"{path}:{number}"
        if not start and not end:
            raise MarkerError(f"{where}: malformed assignment marker {comment!r}; the syntax is {SYNTAX} "
                              "(NAME in lower case, digits and '-')")
        if start:
            if open_marker:
                raise MarkerError(f"{where}: assignment {start['name']!r} starts inside the region "
                                  f"{open_marker[1]['name']!r} opened at line {open_marker[0]}; regions do not "
                                  "nest: close the first one with '# --- end assignment "
                                  f"{open_marker[1]['name']} ---'")
            open_marker = (number, start, indent)
            continue
        if not open_marker:
            raise MarkerError(f"{where}: '# --- end assignment {end['name']} ---' without a start marker above it")
        first, opened, opened_indent = open_marker
        if end["name"] != opened["name"]:
            raise MarkerError(f"{where}: ends assignment {end['name']!r} but the open region (line {first}) is "
                              f"{opened['name']!r}")
        if indent != opened_indent:
            raise MarkerError(f"{where}: the end marker is indented differently from its start marker at line "
                              f"{first}; put both at the indentation of the lines between them")
        if number == first + 1:
            raise MarkerError(f"{where}: the region of {end['name']!r} opened at line {first} is empty")
        regions.append(Region(opened["name"], path, first, number, opened_indent, opened["hint"] or "", ""))
        open_marker = None
    if open_marker:
        raise MarkerError(f"{path}:{open_marker[0]}: assignment {open_marker[1]['name']!r} is never closed; add "
                          f"'# --- end assignment {open_marker[1]['name']} ---' after its last line")
    return _name_functions(regions, text, path)


def _name_functions(regions: list[Region], text: str, path: str) -> list[Region]:
    if not regions:
        return regions
    spans, named = _functions(text, path), []
    for region in regions:
        function = _enclosing_function(spans, region.start, region.end)
        if function is None:
            raise MarkerError(f"{path}:{region.start}: the region of {region.name!r} is not inside a function; "
                              "a stub there would break the import: mark lines of a function body")
        named.append(Region(region.name, region.path, region.start, region.end, region.indent, region.hint,
                            function))
    return named


def find_regions(root: Path) -> list[Region]:
    """Every region in the ``.py`` files under ``root`` (paths relative to ``root.parent``, e.g.
    ``tinyseqkd/prune/masks.py``), in file and line order."""
    root = Path(root)
    regions = []
    for file in sorted(root.rglob("*.py")):
        if "__pycache__" in file.parts:
            continue
        relative = file.relative_to(root.parent).as_posix()
        regions += parse_regions(file.read_text(encoding="utf-8"), relative)
    return regions


def stub_regions(text: str, regions: list[Region]) -> str:
    """``text`` with the body of each region (all from this file) replaced by its stub line."""
    lines = text.splitlines(keepends=True)
    for region in sorted(regions, key=lambda r: r.start, reverse=True):
        lines[region.start:region.end - 1] = [region.stub]
    stubbed = "".join(lines)
    try:
        compile(stubbed, regions[0].path if regions else "<stubbed>", "exec")
    except SyntaxError as error:
        raise MarkerError(f"{error.filename}:{error.lineno}: the stubbed module is not valid Python ({error.msg}); "
                          "markers must enclose whole statements of one block") from None
    return stubbed
