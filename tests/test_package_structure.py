"""The package's shape: no import cycles, and argument parsing only on the command line's side.

Both tests read the source (every ``import`` statement, also those inside functions) instead of importing it, so
they see imports that only run later.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tinyseqkd"
ALLOWED_CYCLES = [  # Tensor's methods call its operations, which build Tensors: one concept spread over four files
    {"tinyseqkd.autograd.function", "tinyseqkd.autograd.ops", "tinyseqkd.autograd.shapes",
     "tinyseqkd.autograd.tensor"},
]
COMMAND_LINE = ("tinyseqkd.commands", "tinyseqkd.cli", "tinyseqkd.__main__")


def module_files() -> dict[str, Path]:
    """``{dotted module name: file}`` for every module of the package (a package is its ``__init__.py``)."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def imported_names(module: str, source: str, is_package: bool = False) -> set[str]:
    """Every dotted name the source of ``module`` imports, at any depth, relative imports made absolute.

    ``from a.b import c`` gives both ``a.b`` and ``a.b.c`` (``c`` may be a submodule or a name in ``a.b``).
    """
    names = set()
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def imports_of(module: str, path: Path) -> set[str]:
    return imported_names(module, path.read_text(encoding="utf-8"), path.name == "__init__.py")


def is_command_line(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in COMMAND_LINE)


def import_graph() -> dict[str, set[str]]:
    """``{module: modules of the package it imports}``; importing a submodule does not count as importing the
    package ``__init__`` that contains it (Python runs it anyway, but it cannot close a cycle through it)."""
    modules = module_files()
    graph = {}
    for module, path in modules.items():
        targets = set()
        for name in imports_of(module, path):
            while name and name not in modules:  # a name inside a module: its module
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                targets.add(name)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm, iteratively)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
    return found


def test_imports_inside_functions_and_relative_imports_are_seen():
    source = "import os\n\ndef f():\n    from ..textfiles import read_lines\n    from . import lstm\n"
    names = imported_names("tinyseqkd.nn.attention", source)
    assert {"os", "tinyseqkd.textfiles", "tinyseqkd.textfiles.read_lines", "tinyseqkd.nn.lstm"} <= names


def test_the_cycle_finder_finds_every_cycle_and_nothing_else():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": {"a"}, "g": set()}
    assert sorted(map(sorted, cycles(graph))) == [["a", "b", "c"], ["d", "e"]]


def test_no_import_cycles_in_the_package():
    graph = import_graph()
    assert "tinyseqkd.commands.train" in graph and "tinyseqkd.cli" in graph
    unexpected = [sorted(cycle) for cycle in cycles(graph) if cycle not in ALLOWED_CYCLES]
    assert not unexpected, f"import cycles: {unexpected}"


def test_only_the_command_line_parses_arguments():
    parsing = sorted(module for module, path in module_files().items()
                     if "argparse" in imports_of(module, path) and not is_command_line(module))
    assert not parsing, f"library modules that import argparse (move the parsing to tinyseqkd/commands/): {parsing}"
