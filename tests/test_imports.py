"""The import graph of chatkit is a tree of floors (docs: /work/shared/DESIGN.md): no cycle, and the ground floors
import nothing above them.

Every ``import`` in chatkit/ counts, at the top of a module or inside a function: one hidden in a function
to dodge a cycle is still a cycle. Read from the source with ``ast``, so nothing is imported to check it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "chatkit"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str) -> set[str]:
    """The chatkit modules ``name`` imports anywhere in its source; ``from . import x`` is the submodule x."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: imported(name) for name in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of modules that import each other, directly or not (Tarjan's strongly connected components)."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def loop(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """A path that starts and ends at the group's first module, staying inside the group."""
    start = min(group)
    paths = {start: [start]}
    todo = [start]
    while todo:
        node = todo.pop(0)
        for nxt in sorted(graph[node] & group):
            if nxt == start:
                return paths[node] + [start]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                todo.append(nxt)
    raise AssertionError(f"no loop in {group}")


def test_the_import_graph_has_no_cycle():
    found = cycles(GRAPH)
    assert not found, "import cycles (move the shared concept down a floor):\n" + "\n".join(
        f"{len(group)} modules: {', '.join(sorted(group))}\n  for one: {' -> '.join(loop(GRAPH, group))}"
        for group in found)


def test_settings_is_the_ground_floor():
    assert GRAPH["chatkit.settings"] == set()


def test_messages_import_only_settings_and_their_catalogues():
    assert GRAPH["chatkit.messages"] <= {"chatkit.settings", "chatkit.messages.en", "chatkit.messages.zh"}


def test_the_graph_is_read_as_python_resolves_it():
    """The reader itself: relative imports, submodules named in ``from . import``, imports inside functions."""
    assert "chatkit.messages.en" in GRAPH["chatkit.messages"]  # from . import en, zh
    assert "chatkit.sandbox.server" in GRAPH["chatkit.connect"]  # inside connect's _resolve
    assert "chatkit.config" in GRAPH["chatkit.connect"]  # from .config import …
    ring = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(ring) == [{"a", "b", "c"}] and loop(ring, {"a", "b", "c"}) == ["a", "b", "c", "a"]


def test_tokens_counts_the_sandbox_models_in_a_fresh_process():
    """chatkit.tokens never imports the sandbox: `import chatkit` loads it, and it tells tokens how to count."""
    code = ("from chatkit import tokens; "
            "print(tokens.encoding_name('smollm2-135m-instruct'), tokens.encoding_name('smollm2-135m-reasoning'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["sandbox", "sandbox"]
