"""The package's shape, read from the source tree: no import circle, no module over 800 lines.

The graph is built with ``ast`` from every module under ``src/zephyr``. An edge ``a -> b`` is an import of ``b`` by
``a`` anywhere in ``a`` (at module level or inside a function: a circle hidden behind a function-level import is still
a circle to a reader), except under ``if TYPE_CHECKING:``. ``from x import y`` where ``y`` is a submodule is an edge
to ``x.y``; importing a package for one of its submodules does not count as an edge to the package (Python runs the
package's ``__init__`` first, whatever the layout).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import zephyr

_ROOT = Path(zephyr.__file__).parent
_MAX_LINES = 800


def _module_names() -> dict[str, tuple[Path, bool]]:
    modules: dict[str, tuple[Path, bool]] = {}
    for path in sorted(_ROOT.rglob("*.py")):
        parts = ["zephyr", *path.relative_to(_ROOT).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        modules[".".join(parts)] = (path, is_package)
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    """The zephyr modules one module imports (outside ``if TYPE_CHECKING:`` blocks)."""

    def __init__(self, name: str, is_package: bool, modules: set[str]) -> None:
        self.package = name if is_package else name.rpartition(".")[0]
        self.modules = modules
        self.found: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node):
            for child in node.body:
                self.visit(child)
        for child in node.orelse:
            self.visit(child)
        self.visit(node.test)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name in self.modules:
                self.found.add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            module = ".".join([*base, *([node.module] if node.module else [])])
        else:
            module = node.module or ""
        for alias in node.names:
            submodule = f"{module}.{alias.name}"
            if submodule in self.modules:
                self.found.add(submodule)
            elif module in self.modules:
                self.found.add(module)


def import_graph() -> dict[str, set[str]]:
    """Every zephyr module and the zephyr modules it imports."""
    modules = _module_names()
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        visitor = _Imports(name, is_package, set(modules))
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        graph[name] = visitor.found - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            if pending:
                nxt = pending.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _describe(component: list[str], graph: dict[str, set[str]]) -> str:
    members = set(component)
    return "; ".join(f"{name} -> {', '.join(sorted(graph[name] & members))}" for name in component)


def test_no_import_circle_in_the_package() -> None:
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import circles (move what both sides share into the module it belongs to):\n" + "\n".join(
        _describe(component, graph) for component in found
    )


def test_the_graph_sees_submodules_relative_and_function_level_imports() -> None:
    graph = import_graph()
    assert "zephyr.routing" in graph["zephyr"]  # from zephyr.routing import APIRouter
    assert "zephyr._routing.router" in graph["zephyr.routing"]
    assert len(graph) > 100


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set(), "c": {"a", "b"}}, []),
    ],
)
def test_the_cycle_finder_finds_circles(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected


def test_imports_under_type_checking_and_function_bodies_are_told_apart() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from zephyr import routing\n"
        "def f():\n    from zephyr import responses\n"
    )
    visitor = _Imports("zephyr.x", False, {"zephyr", "zephyr.routing", "zephyr.responses"})
    visitor.visit(ast.parse(source))
    assert visitor.found == {"zephyr.responses"}


def test_no_module_over_800_lines() -> None:
    long = {
        name: count
        for name, (path, _) in _module_names().items()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > _MAX_LINES
    }
    assert not long, f"modules over {_MAX_LINES} lines (split each along the concepts it holds): {long}"
