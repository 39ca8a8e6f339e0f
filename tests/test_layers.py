"""The layering, read from the source: every module's imports parsed with ``ast``.

Fails on an import cycle, an upward import (against :data:`rollingball._layers.LAYERS`), an
import inside a function without a comment on its line giving the reason, Manim outside the
scenes and the render command, a public name that hides a module, and a
``docs/architecture.md`` that does not present the layers in order.
"""

from __future__ import annotations

import ast
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import rollingball
from rollingball._layers import LAYER_NAMES, LAYERS, MANIM_MODULES, layer_of

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("rollingball", "scenes")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _files() -> dict[str, Path]:
    out = {}
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            out[_module_name(path)] = path
    return out


FILES = _files()


@dataclass(frozen=True)
class Import:
    source: str  #: the importing module
    target: str  #: the imported project module (or a third-party name)
    line: int
    nested: bool  #: inside a function or class body
    comment: str  #: the comment on the import's lines ("" when none)
    where: str  #: file:line

    def __str__(self) -> str:
        return f"{self.where}: {self.source} imports {self.target}"


def _canonical(name: str) -> str:
    """``rollingball.scenes`` (the wheel's name for ``scenes/``) is ``scenes``."""
    if name == "rollingball.scenes" or name.startswith("rollingball.scenes."):
        return "scenes" + name[len("rollingball.scenes"):]
    return name


def _resolve(base: str, name: str | None) -> str:
    """``from base import name``: the module ``base.name`` when it exists, else ``base``."""
    base = _canonical(base)
    if name is not None and f"{base}.{name}" in FILES:
        return f"{base}.{name}"
    return base


def _comment(lines: list[str], node: ast.stmt) -> str:
    notes = []
    for text in lines[node.lineno - 1:node.end_lineno]:
        if "#" in text:
            notes.append(text.split("#", 1)[1].strip())
    return " ".join(notes)


def _imports(module: str, path: Path) -> list[Import]:
    text = path.read_text()
    lines = text.splitlines()
    tree = ast.parse(text, filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    found: list[Import] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                 ast.ClassDef, ast.Lambda))
            if isinstance(child, ast.Import):
                targets = [_resolve(a.name, None) for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    parts = package.split(".")
                    head = ".".join(parts[:len(parts) - child.level + 1])
                    base = f"{head}.{child.module}" if child.module else head
                else:
                    base = child.module or ""
                targets = [_resolve(base, a.name) for a in child.names]
            else:
                visit(child, inner)
                continue
            for target in dict.fromkeys(targets):
                found.append(Import(module, target, child.lineno, nested,
                                    _comment(lines, child), f"{rel}:{child.lineno}"))

    visit(tree, False)
    return found


IMPORTS = [imp for module, path in FILES.items() for imp in _imports(module, path)]
PROJECT = [imp for imp in IMPORTS if layer_of(imp.target) is not None]


def test_every_module_has_a_layer():
    assert [m for m in FILES if layer_of(m) is None] == []


def test_no_upward_import():
    upward = [str(imp) + f" ({LAYER_NAMES[layer_of(imp.source)]} -> "
              f"{LAYER_NAMES[layer_of(imp.target)]})"
              for imp in PROJECT if layer_of(imp.target) > layer_of(imp.source)]
    assert upward == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


def test_cycle_finder_finds_a_planted_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle():
    """Deferred imports count too: a late import does not remove the dependency.  A parent
    package's ``__init__`` is not an edge of its submodules (Python runs it first, always)."""
    edges: dict[str, set[str]] = {}
    for imp in PROJECT:
        if imp.target != imp.source and imp.target in FILES:
            edges.setdefault(imp.source, set()).add(imp.target)
    assert _cycles(edges) == []


_NOQA = re.compile(r"^(noqa(:\s*[A-Z0-9, ]+)?|type:\s*ignore(\[[^\]]*\])?|pragma:[^#]*)\s*")


def _reason(comment: str) -> str:
    """The comment less linter directives (``noqa: E402``, ``type: ignore``)."""
    text = comment
    while True:
        text = text.strip(" -")
        stripped = _NOQA.sub("", text, count=1)
        if stripped == text:
            return text
        text = stripped


def test_reason_strips_linter_directives():
    assert _reason("noqa: E402") == ""
    assert _reason("noqa: PLC0415 - deferred: optional dependency manim") == (
        "deferred: optional dependency manim")


def test_imports_inside_functions_state_their_reason():
    silent = [str(imp) for imp in IMPORTS if imp.nested and not _reason(imp.comment)]
    assert silent == []


def test_manim_only_in_the_scenes_and_the_render_command():
    def allowed(module: str) -> bool:
        return any(module == m or module.startswith(m + ".") for m in MANIM_MODULES)

    stray = [str(imp) for imp in IMPORTS
             if imp.target.split(".")[0] == "manim" and not allowed(imp.source)]
    assert stray == []


def test_the_referee_imports_no_projection_code():
    """numeric.distance (the invariant's referee) shares no algorithm with the projections:
    nothing it imports, directly or not, is a projection module."""
    edges: dict[str, set[str]] = {}
    for imp in PROJECT:
        edges.setdefault(imp.source, set()).add(imp.target)
    seen, todo = set(), ["rollingball.numeric.distance"]
    while todo:
        m = todo.pop()
        for t in edges.get(m, ()):
            if t not in seen and t != "rollingball":
                seen.add(t)
                todo.append(t)
    banned = ("rollingball.numeric.projection", "rollingball.numeric.graph_newton",
              "rollingball.numeric.offset",
              "rollingball.numeric.contacts", "rollingball.numeric.offset_projection")
    assert sorted(t for t in seen if any(t == b or t.startswith(b + ".") for b in banned)) == []


def test_checks_see_a_planted_violation(tmp_path):
    """The parser finds a silent nested import, an upward one and a manim import."""
    src = ("import numpy as np\n"
           "def f():\n"
           "    from rollingball.engine import loop\n"
           "    import manim  # deferred: optional dependency manim\n")
    fake = tmp_path / "planted.py"
    fake.write_text(src)
    imps = _imports("rollingball.numeric.planted", fake)
    got = {(i.target, i.nested, bool(_reason(i.comment))) for i in imps}
    assert got == {("numpy", False, False), ("rollingball.engine.loop", True, False),
                   ("manim", True, True)}
    assert layer_of("rollingball.engine.loop") > layer_of("rollingball.numeric.planted")


# ------------------------------------------------------------------------ public face
def test_public_names_are_sorted_complete_and_hide_no_module():
    names = rollingball.__all__
    assert names == sorted(names)
    assert [n for n in names if not hasattr(rollingball, n)] == []
    modules = {m.name for m in pkgutil.iter_modules(rollingball.__path__)}
    assert sorted(set(names) & modules) == []
    # no public name of the facade is a module object standing where a submodule is expected
    for name in names:
        obj = getattr(rollingball, name)
        if hasattr(obj, "__file__") and name != "catalog":
            pytest.fail(f"rollingball.{name} is a module")
    # every public class and function of the facade is defined in a layer below it
    for name in names:
        owner = getattr(getattr(rollingball, name), "__module__", None)
        if isinstance(owner, str) and owner.startswith("rollingball"):
            assert layer_of(owner) <= layer_of("rollingball"), (name, owner)


# ----------------------------------------------------------------------------- the doc
def test_architecture_doc_presents_the_layers_in_order():
    text = (ROOT / "docs" / "architecture.md").read_text()
    heads = [m.group(1) for m in re.finditer(r"^\|\s*`?([a-z_]+)`?\s*\|", text, re.M)]
    layers = [h for h in heads if h in LAYER_NAMES]
    assert layers == list(LAYER_NAMES)
    assert len(LAYERS) == len(set(LAYER_NAMES))
