"""The package's import graph: no circles between modules or packages, and no import upward.

Every ``import`` statement counts, at module level or inside a function: an import deferred into a
function still makes the module depend on the other one when the function runs, so a circle through
it is a circle (only imports under ``if TYPE_CHECKING:`` are left out: they never run). Third-party
imports are not part of the graph.

The packages stand in layers (``LAYERS``, lowest first; ``docs/DESIGN_NOTES.md`` says the same). A
unit — a subpackage of ``simgen``, or a top-level module — imports units of its own layer or lower,
never one above (and the circle tests keep peers from importing each other back). A new package or
top-level module must be given its layer here.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "simgen"

LAYERS = (
    # core: data types, maths and plumbing every stage shares (they import one another, without circles)
    ("types", "json_records", "geometry", "seeding", "io", "validation", "registry", "resources", "metrics",
     "plots", "visibility_model", "resource_limits", "script_config"),
    ("simulators", "trajectories"),  # a SceneSpec in a physics backend; camera paths through a scene
    ("scene",),  # scene builders (procedural, from a file, from a simulator's own scenes) and assets
    ("renderers",),  # a scene state and a camera → RGB, depth, ids (the simulators' own renderers, Blender)
    ("episodes",),  # record episodes: simulator + renderer + scene + trajectory + dynamics → episode files
    ("qa",),  # verified questions about recorded episodes
    ("llm", "export"),  # compile families with an LLM; merge and export QA
    ("eval",),  # score models on exported data
    ("job_config", "sweep", "cli"),  # the simgen command: its config schema, sweeps, the entry point
)
# Imports that break the rules today, each with its reason; the test fails on any other, and on an
# entry here that no longer occurs (the list only shrinks).
KNOWN: dict[tuple[str, str], str] = {}
LAYER = {unit: i for i, units in enumerate(LAYERS) for unit in units}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_only(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return test is not None and "TYPE_CHECKING" in ast.unparse(test)


def _import_nodes(tree: ast.AST):
    for node in ast.iter_child_nodes(tree):
        if _type_checking_only(node):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        yield from _import_nodes(node)


def _known(name: str) -> str | None:
    """The simgen module ``name`` refers to (a name imported from a module is that module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(name: str) -> dict[str, int]:
    """simgen modules that module ``name`` imports, each with the line of its first import."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        for target in targets:
            module = _known(target) if target.split(".")[0] == "simgen" else None
            if module and module != name and module != "simgen":
                found.setdefault(module, node.lineno)
    return found


ALL_EDGES = {name: imports(name) for name in MODULES}
GRAPH = {m: {t: line for t, line in targets.items() if (m, t) not in KNOWN} for m, targets in ALL_EDGES.items()}


def unit(module: str) -> str:
    """The layered unit a module belongs to: its subpackage of simgen, or itself if it is top-level."""
    return module.split(".")[1] if module.count(".") >= 1 else module


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_scan_sees_imports_inside_functions_and_relative_imports(tmp_path):
    # the parser's own conventions, on modules whose imports are known
    assert "simgen.qa.program" in GRAPH["simgen.qa.dsl"]  # module level
    assert "simgen.resources" in GRAPH["simgen.qa.qa_config"]  # inside qa_config_node
    assert "simgen.episodes.writer" in GRAPH["simgen.episodes.rerender"]  # inside rerender_episode
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back():
    found = cycles({m: set(targets) for m, targets in GRAPH.items()})
    assert not found, "import circles between modules:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_no_package_imports_itself_back():
    graph: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        graph.setdefault(unit(module), set()).update(unit(t) for t in targets if unit(t) != unit(module))
    found = cycles(graph)
    assert not found, "import circles between packages:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_every_package_has_a_layer():
    units = {unit(m) for m in MODULES if m != "simgen"}
    missing = sorted(units - set(LAYER))
    assert not missing, f"give these units a layer in LAYERS (and docs/DESIGN_NOTES.md): {missing}"
    assert not set(LAYER) - units, f"LAYERS names units that do not exist: {sorted(set(LAYER) - units)}"


def test_imports_point_down_the_layers():
    upward = [
        f"{MODULES[m].relative_to(PACKAGE.parent)}:{line} imports {t} "
        f"({unit(m)}, layer {LAYER.get(unit(m))} → {unit(t)}, layer {LAYER.get(unit(t))}; see LAYERS)"
        for m, targets in sorted(GRAPH.items()) for t, line in sorted(targets.items())
        if unit(t) != unit(m) and LAYER.get(unit(t), -1) > LAYER.get(unit(m), -1)
    ]
    assert not upward, "imports that do not point to a lower layer:\n" + "\n".join(upward)


def test_known_exceptions_still_occur():
    gone = [f"{m} → {t}" for m, t in KNOWN if t not in ALL_EDGES.get(m, {})]
    assert not gone, f"remove these from KNOWN, they no longer occur: {gone}"


def test_no_private_names_across_packages():
    # a package's _private names are its own: another package that needs one needs a public API
    bad = [f"{MODULES[m].relative_to(PACKAGE.parent)}:{node.lineno} imports {node.module}.{a.name}"
           for m in sorted(MODULES) for node in _import_nodes(ast.parse(MODULES[m].read_text(encoding="utf-8")))
           if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("simgen.")
           and unit(node.module) != unit(m) for a in node.names if a.name.startswith("_")]
    assert not bad, "private names imported across packages:\n" + "\n".join(bad)
