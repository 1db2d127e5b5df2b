"""Assignment markers: regions found with their assignment, hint and function; every malformed pairing is an error
naming the file and line; stubs replace exactly the body between the markers."""

import textwrap
from types import SimpleNamespace

import pytest

from tinyseqkd.assignments import MarkerError, find_regions, parse_regions, stub_regions

MODULE = textwrap.dedent('''\
    """A module. A docstring may show the syntax without marking anything:

        # --- assignment docs: not a region ---
    """


    class Op:
        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved
            # --- assignment grads: g times the derivative of tanh ---
            out = g * (1 - y * y)
            return out
            # --- end assignment grads ---


    def helper(x):
        def inner(v):
            # --- assignment other ---
            return v + 1
            # --- end assignment other ---
        return inner(x)
    ''')


def test_regions_carry_their_assignment_lines_hint_and_enclosing_function():
    regions = parse_regions(MODULE, "pkg/mod.py")
    assert [(r.name, r.start, r.end, r.function, r.hint, r.indent) for r in regions] == [
        ("grads", 11, 14, "Op.backward", "g times the derivative of tanh", " " * 8),
        ("other", 19, 21, "helper.inner", "", " " * 8),
    ]
    assert regions[0].location == "pkg/mod.py::Op.backward"


def test_stubs_replace_the_body_at_the_marker_s_indentation_and_keep_the_markers():
    stubbed = stub_regions(MODULE, parse_regions(MODULE, "pkg/mod.py"))
    lines = stubbed.splitlines()
    assert lines[10:13] == [
        "        # --- assignment grads: g times the derivative of tanh ---",
        '        raise NotImplementedError("assignment grads: g times the derivative of tanh")',
        "        # --- end assignment grads ---",
    ]
    assert "return v + 1" not in stubbed and "out = g" not in stubbed
    assert "(y,) = ctx.saved" in stubbed and "return inner(x)" in stubbed  # lines outside regions stay
    namespace = {}
    exec(compile(stubbed, "mod.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="assignment grads: g times"):
        namespace["Op"].backward(SimpleNamespace(saved=(0.5,)), 1.0)
    with pytest.raises(NotImplementedError, match="assignment other: implement this region"):
        namespace["helper"](1)


def test_stubbing_only_some_regions_leaves_the_others_solved():
    grads = [r for r in parse_regions(MODULE, "pkg/mod.py") if r.name == "grads"]
    namespace = {}
    exec(stub_regions(MODULE, grads), namespace)
    assert namespace["helper"](1) == 2


def _module(body: str) -> str:
    return "def f(x):\n" + textwrap.indent(textwrap.dedent(body), "    ")


@pytest.mark.parametrize("body, line, message", [
    ("# --- assignment a ---\nreturn x\n", 2, "never closed"),
    ("return x\n# --- end assignment a ---\n", 3, "without a start marker"),
    ("# --- assignment a ---\n# --- assignment b ---\nreturn x\n# --- end assignment b ---\n"
     "# --- end assignment a ---\n", 3, "do not nest"),
    ("# --- assignment a ---\nreturn x\n# --- end assignment b ---\n", 4, "ends assignment 'b'"),
    ("# --- assignment a ---\n# --- end assignment a ---\n", 3, "is empty"),
    ("# --- assignment a ---\nif x:\n    return x\n    # --- end assignment a ---\n", 5, "indented differently"),
    ("# --- assignment: a (solution) ---\nreturn x\n", 2, "malformed assignment marker"),
    ("# --- assignment A ---\nreturn x\n# --- end assignment A ---\n", 2, "malformed assignment marker"),
    ("# --- end assignment ---\n", 2, "malformed assignment marker"),
])
def test_malformed_markers_are_errors_naming_file_and_line(body, line, message):
    with pytest.raises(MarkerError, match=rf"^pkg/mod\.py:{line}: .*{message}"):
        parse_regions(_module(body), "pkg/mod.py")


def test_a_region_outside_any_function_is_refused():
    source = "X = 1\n# --- assignment a ---\nY = 2\n# --- end assignment a ---\n"
    with pytest.raises(MarkerError, match=r"^pkg/mod\.py:2: .*not inside a function"):
        parse_regions(source, "pkg/mod.py")


def test_markers_cutting_a_statement_in_half_cannot_be_stubbed():
    source = _module("y = (x +\n     # --- assignment a ---\n     1)\n     # --- end assignment a ---\nreturn y\n")
    regions = parse_regions(source, "pkg/mod.py")
    with pytest.raises(MarkerError, match="not valid Python"):
        stub_regions(source, regions)


def test_find_regions_walks_a_tree_with_paths_from_its_parent(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "mod.py").write_text(MODULE)
    (package / "plain.py").write_text("def g():\n    return 1\n")
    regions = find_regions(package)
    assert [(r.path, r.name) for r in regions] == [("pkg/sub/mod.py", "grads"), ("pkg/sub/mod.py", "other")]
    (package / "broken.py").write_text(_module("# --- assignment a ---\nreturn x\n"))
    with pytest.raises(MarkerError, match=r"pkg/broken\.py:2"):
        find_regions(package)
