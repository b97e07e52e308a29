"""The shape of the package: imports point down (cli -> services -> store -> core), the pure
models import no storage, and no module imports one that imports it back, not even inside a
function. Read from the source with ast, so an import hidden in a function body counts."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "crmcli"

# Lower layers first; a module may import its own layer and the layers before it.
LAYERS = (
    ("core", ("crmcli.core",)),
    ("models", ("crmcli.reports.models",)),
    ("store", ("crmcli.store",)),
    ("services", ("crmcli.records", "crmcli.reports", "crmcli.transfer", "crmcli.demo")),
    ("cli", ("crmcli.cli", "crmcli.__main__")),
)
ALLOWED = {
    "core": {"core"},
    "models": {"core", "models"},  # pure: no storage, no clock of their own
    "store": {"core", "store"},
    "services": {"core", "models", "store", "services"},
    "cli": {"core", "models", "store", "services", "cli"},
}


def module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names[".".join(parts).removesuffix(".__init__")] = path
    return names


def import_graph() -> dict[str, set[str]]:
    """Each crmcli module and the crmcli modules it imports anywhere in its body."""
    modules = module_names()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def layer_of(module: str) -> str | None:
    found = None
    for layer, prefixes in LAYERS:
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                found = layer  # later (more specific or higher) entries win: models over reports
                if layer == "models":
                    return layer
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_every_module_is_in_a_layer() -> None:
    stray = [m for m in module_names() if m != "crmcli" and layer_of(m) is None]
    assert stray == []


def test_imports_point_down() -> None:
    graph = import_graph()
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if module != "crmcli"
        and layer_of(target) is not None
        and layer_of(target) not in ALLOWED[layer_of(module) or "cli"]
    )
    assert upward == []


def test_no_import_cycles() -> None:
    assert cycles(import_graph()) == []


def test_services_and_store_never_import_typer() -> None:
    offenders = []
    for name, path in module_names().items():
        if layer_of(name) in ("core", "models", "store", "services"):
            text = path.read_text(encoding="utf-8")
            if "import typer" in text or "from typer" in text or "import click" in text:
                offenders.append(name)
    assert offenders == []


def test_the_checks_can_fail() -> None:
    """The graph tools above find what they look for."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_of("crmcli.reports.models.rfm") == "models"
    assert layer_of("crmcli.reports.sales") == "services"
    assert "services" not in ALLOWED[layer_of("crmcli.store.db") or ""]
    graph = import_graph()
    assert "crmcli.store.db" in graph["crmcli.cli.app"] or any(
        "crmcli.store" in t for t in graph["crmcli.cli.app"]
    )
