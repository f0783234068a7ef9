"""The package is layered: no import cycles, every module importable on its own, and the
statistics modules free of the notebook and plotting machinery (issue 14, DESIGN.md §3).

The import graph is read from the source with :mod:`ast`, so an import inside a function
counts as much as one at the top: a cycle hidden in a function still ties the modules
together. Importing a submodule also runs its package's ``__init__``; that implicit step is
not an edge here (a package importing its own submodules is not a cycle).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pmresearch"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules() -> dict[str, Path]:
    """Every module under pmresearch/, by dotted name (the demo workspace folder holds none)."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))
            if "_bundled" not in path.parts}


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The pmresearch modules ``name`` imports anywhere in its source.

    ``from . import x`` names the submodule ``x`` when there is one, else the package itself
    (``x`` is then a name its ``__init__`` defines).
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
    return {module for module in found if module in modules and module != name}


def import_graph() -> dict[str, set[str]]:
    modules = package_modules()
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as ``[a, b, …, a]``, or None: a depth-first search that meets a module still
    on its own path has gone round a loop."""
    state: dict[str, str] = {}  # "open" while on the path, "done" once every import is seen
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


# ------------------------------------------------------------------ the checker itself


def test_find_cycle_names_the_loop():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]


def test_find_cycle_accepts_a_diamond():
    # Two paths to the same module are not a cycle.
    assert find_cycle({"a": {"b", "c"}, "b": {"d"}, "c": {"d"}, "d": set()}) is None


def test_imports_inside_functions_and_relative_imports_are_edges():
    graph = import_graph()
    # coding/lexicon.py reads the default folder from _resources (`from .._resources import …`);
    # __init__'s lazy re-exports are imports inside a function.
    assert "pmresearch._resources" in graph["pmresearch.coding.lexicon"]
    assert {"pmresearch.packs", "pmresearch.workspace"} <= graph["pmresearch"]


# ------------------------------------------------------------------ the package


def test_the_import_graph_has_no_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_bottom_layer_imports_nothing_from_the_package():
    graph = import_graph()
    bottom = ["pmresearch._version", "pmresearch.catalogue", "pmresearch.errors",
              "pmresearch._resources"]
    assert {module: sorted(graph[module]) for module in bottom} == dict.fromkeys(bottom, [])


def run_fresh(code: str) -> str:
    """Run ``code`` in a new interpreter (nothing imported yet) and return its stdout."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=PACKAGE.parent, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_module_imports_with_none_of_the_package_loaded_before_it():
    # Each module is imported with every pmresearch module unloaded first: a module that only
    # imports because another one of the package loaded its dependency first fails here.
    # Third-party libraries stay loaded (one interpreter, not one per module), which hides
    # nothing: a module's own imports of them still run.
    code = """
import importlib, json, sys, traceback

errors = {}
for name in json.loads(sys.argv[1]):
    for loaded in [m for m in sys.modules if m == "pmresearch" or m.startswith("pmresearch.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:
        errors[name] = traceback.format_exception_only(error)[-1].strip()
print(json.dumps(errors))
"""
    done = subprocess.run([sys.executable, "-c", code, json.dumps(sorted(package_modules()))],
                          capture_output=True, text=True, cwd=PACKAGE.parent, timeout=1800)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {}


@pytest.mark.parametrize("module", ["pmresearch.estimates", "pmresearch.weighting",
                                    "pmresearch.performance"])
def test_statistics_modules_leave_notebook_and_plotting_out(module):
    loaded = run_fresh(f"import sys, {module}; "
                       "print(sorted(m for m in ('IPython', 'matplotlib') if m in sys.modules))")
    assert loaded.strip() == "[]"
