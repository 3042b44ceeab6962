"""The import layers hold: task functions and clustering import no engine, service, CLI or
export readers, and no module of src/zooagg takes part in an import cycle (imports under
`if TYPE_CHECKING:` are for the type checker only and do not count)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parent.parent / "src" / "zooagg"
#: layers that may not import these (module prefixes)
FORBIDDEN = {
    "zooagg.tasks": ("zooagg.engine", "zooagg.service", "zooagg.cli", "zooagg.exports", "zooagg.run",
                     "zooagg.report", "zooagg.consensus"),
    # the project plugins are task functions too (they may use the task families' helpers)
    "zooagg.projects": ("zooagg.engine", "zooagg.service", "zooagg.cli", "zooagg.exports", "zooagg.run",
                        "zooagg.report", "zooagg.consensus"),
    "zooagg.clustering": ("zooagg.engine", "zooagg.service", "zooagg.cli", "zooagg.exports", "zooagg.run",
                          "zooagg.tasks", "zooagg.report", "zooagg.consensus"),
}


def _name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in SRC.rglob("*.py") if "migrations" not in p.parts}


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, package: bool) -> None:
        self.module, self.package, self.found = module, package, set[str]()

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
                (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.update(a.name for a in node.names if a.name.startswith("zooagg"))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        target = node.module or ""
        if node.level:
            base = self.module.split(".") if self.package else self.module.split(".")[:-1]
            base = base[:len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        if target.startswith("zooagg"):
            for alias in node.names:
                full = f"{target}.{alias.name}"
                self.found.add(full if full in MODULES else target)


def _graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        visitor = _Imports(module, path.name == "__init__.py")
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        graph[module] = {m for m in visitor.found if m in MODULES and m != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while (top := stack.pop()) != node:
                component.append(top)
            if component:
                found.append(sorted([node, *component]))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_tasks_and_clustering_import_no_higher_layer() -> None:
    broken = [(module, target) for module, targets in _graph().items() for layer, banned in FORBIDDEN.items()
              if module.startswith(layer) for target in sorted(targets) if target.startswith(banned)]
    assert broken == []


def test_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _route_modules() -> set[str]:
    """The service modules that define routes (an `APIRouter`)."""
    return {module for module, path in MODULES.items()
            if module.startswith("zooagg.service.") and "APIRouter(" in path.read_text(encoding="utf-8")}


def test_no_route_module_imports_another() -> None:
    """What route modules share lives in a module of its own (state.py, web_session.py, access.py),
    so a page or a route can move without dragging another route module with it."""
    routes = _route_modules()
    assert {"zooagg.service.web", "zooagg.service.web_swap", "zooagg.service.caesar"} <= routes
    graph = _graph()
    assert sorted((module, target) for module in routes for target in graph[module] & routes) == []
