"""The package's shape: data flows one way, no import cycles, no module over 500 lines."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "assistant"
MAX_LINES = 500
#: Stages from the bottom up; a module may import only its own stage or lower ones.
LAYERS = [
    {"config"},
    {"ingest"},
    {"embedding", "lexical"},
    {"store", "translation", "engine"},
    {"query", "indexer"},
    {"retrieval"},
    {"answer"},
    {"pipeline"},
    {"evaluation", "web", "bench"},
    {"cli"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every assistant module a file imports, at the top or inside a function."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("assistant"):
                found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)  # `from .answer import quotes`
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("assistant"))
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: {target for target in imports_of(path) if target in modules and target != name}
            for name, path in modules.items()}


def stage(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    return next(level for level, names in enumerate(LAYERS) if top in names)


def test_no_module_is_over_500_lines():
    long = {module_name(path): n for path in PACKAGE.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_every_module_belongs_to_a_stage():
    for module in graph():
        if module != "assistant":
            stage(module)  # raises StopIteration for a module no stage names


def test_lower_stages_never_import_higher_ones():
    upward = [(module, target) for module, targets in graph().items() if module != "assistant"
              for target in targets if stage(target) > stage(module)]
    assert upward == []


def test_no_import_cycles():
    edges = graph()
    # A package's __init__ re-exports its own modules: that edge is not a cycle
    # by itself, so only edges leaving the package count in one direction.
    state: dict[str, int] = {}
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges[module]):
            if target.startswith(module + "."):
                continue
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_checks_see_a_cycle_and_an_upward_import(tmp_path, monkeypatch):
    """The cycle and layer checks work: a planted cycle and upward import are found."""
    fake = {"assistant.ingest.a": {"assistant.ingest.b"}, "assistant.ingest.b": {"assistant.ingest.a"}}
    monkeypatch.setattr(__import__(__name__), "graph", lambda: fake)
    try:
        test_no_import_cycles()
    except AssertionError:
        pass
    else:
        raise AssertionError("a cycle went unseen")
    assert stage("assistant.ingest.a") < stage("assistant.web.app")
