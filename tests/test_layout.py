"""The package's shape: data flows one way, no import cycles, no module over 500 lines."""
from __future__ import annotations

import ast
import re
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
    {"evaluation", "web", "bench", "training"},
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


#: Stages below ``query``: they take the :class:`Query` it builds, never the question's text.
READ_QUESTION_ONCE = {"retrieval", "answer", "pipeline"}
#: Where a question enters as text (and is read once, into a Query).
ENTRY_POINTS = {("assistant.pipeline", "Assistant.ask"), ("assistant.pipeline", "Assistant.search"),
                ("assistant.pipeline", "Assistant.read"), ("assistant.pipeline", "Assistant._previous"),
                ("assistant.pipeline", "Assistant.rank_candidates")}
QUESTION_PARAMETERS = {"question", "query", "questions", "previous", "follow_up_of"}


def question_strings(module: str, source: str) -> list[str]:
    """Functions of ``source`` with a question-like parameter (see QUESTION_PARAMETERS) annotated as ``str``."""
    found = []

    def visit(node, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                arguments = child.args.posonlyargs + child.args.args + child.args.kwonlyargs
                for argument in arguments:
                    annotation = ast.unparse(argument.annotation) if argument.annotation else ""
                    if argument.arg in QUESTION_PARAMETERS and re.search(r"\bstr\b", annotation) \
                            and (module, name) not in ENTRY_POINTS:
                        found.append(f"{module}.{name}({argument.arg}: {annotation})")
                visit(child, f"{name}.")

    visit(ast.parse(source), "")
    return found


def test_no_function_below_query_takes_the_question_as_text():
    taking = [found for path in PACKAGE.rglob("*.py") if module_name(path).split(".")[1:2] and
              module_name(path).split(".")[1] in READ_QUESTION_ONCE
              for found in question_strings(module_name(path), path.read_text(encoding="utf-8"))]
    assert taking == []


def test_the_question_check_sees_a_string_parameter():
    planted = "class Retriever:\n    def search(self, query: str, k: int = 5): ...\ndef score(question: str | None): ...\n"
    assert question_strings("assistant.retrieval", planted) == [
        "assistant.retrieval.Retriever.search(query: str)", "assistant.retrieval.score(question: str | None)"]
    assert question_strings("assistant.retrieval", "def search(query: Query): ...\n") == []
