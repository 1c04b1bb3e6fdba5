"""The package's layers import one way: read statically from every module's imports.

Layers, from the bottom: ``errors``/``naming``/``registry`` and the like; ``smooths``
(spline bases on arrays); ``families`` (data only); ``structures``; ``priors``;
``formula``; ``backend`` (the PyMC graph and the likelihoods); ``samplers``; ``results``;
then ``model``, ``persistence``, ``cli`` on top. A module's dependencies are its imports
anywhere in the file (function-level imports too, but not those under
``if TYPE_CHECKING:``), followed transitively through the package; importing
``bayesglmm.a.b`` also imports the package ``bayesglmm.a``, but never counts the root
``bayesglmm/__init__.py``, which imports everything for users.
"""

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "bayesglmm"
HEAVY = ("pymc", "pytensor", "nutpie", "numba")
TOP = ("model", "persistence", "cli", "studies", "templates")

RULES: dict[str, tuple[str, ...]] = {
    "families": (
        *HEAVY,
        "bayesglmm.priors",
        "bayesglmm.structures",
        "bayesglmm.formula",
        "bayesglmm.backend",
        "bayesglmm.samplers",
        "bayesglmm.results",
        *(f"bayesglmm.{name}" for name in TOP),
    ),
    "smooths": (
        *HEAVY,
        "bayesglmm.families",
        "bayesglmm.priors",
        "bayesglmm.structures",
        "bayesglmm.formula",
        "bayesglmm.backend",
        "bayesglmm.samplers",
        "bayesglmm.results",
        *(f"bayesglmm.{name}" for name in TOP),
    ),
    "structures": (
        "bayesglmm.families",
        "bayesglmm.priors",
        "bayesglmm.formula",
        "bayesglmm.backend",
        "bayesglmm.samplers",
        "bayesglmm.results",
        *(f"bayesglmm.{name}" for name in TOP),
    ),
    "priors": (
        "bayesglmm.formula",
        "bayesglmm.structures",
        "bayesglmm.backend",
        "bayesglmm.samplers",
        "bayesglmm.results",
        *(f"bayesglmm.{name}" for name in TOP),
    ),
    "formula": (
        *HEAVY,
        "bayesglmm.priors",
        "bayesglmm.backend",
        "bayesglmm.samplers",
        "bayesglmm.results",
        *(f"bayesglmm.{name}" for name in TOP),
    ),
    "backend": (
        "bayesglmm.samplers",
        "bayesglmm.results",
        *(f"bayesglmm.{name}" for name in TOP),
    ),
    "samplers": ("bayesglmm.results", *(f"bayesglmm.{name}" for name in TOP)),
}
"""Per subpackage: modules (and their submodules) none of its modules may import,
directly or through other modules of the package."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST):
    """Every node except the bodies of ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
                continue
            stack.append(child)


@cache
def direct_imports(module: str) -> frozenset[str]:
    """Absolute names the module imports at run time."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(names)


def _internal(name: str) -> list[str]:
    """The package modules importing ``name`` runs, its parent packages included, without
    the root package."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts) + 1) if ".".join(parts[:i]) in MODULES]


@cache
def all_imports(module: str) -> frozenset[str]:
    """Every name the module imports, directly or through modules of the package."""
    seen, names, queue = {module}, set(), [module]
    while queue:
        for name in direct_imports(queue.pop()):
            names.add(name)
            for inner in _internal(name):
                if inner not in seen:
                    seen.add(inner)
                    queue.append(inner)
    return frozenset(names)


def _matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations() -> list[str]:
    found = []
    for module in sorted(MODULES):
        layer = module.split(".")[1] if "." in module else ""
        names = sorted(all_imports(module))
        for forbidden in RULES.get(layer, ()):
            hits = [name for name in names if _matches(name, forbidden)]
            if hits:
                found.append(f"{module} imports {forbidden} ({hits[0]})")
    return found


def test_layers_import_one_way():
    assert violations() == []


def test_the_checker_sees_imports():
    assert "bayesglmm.families.family" in all_imports("bayesglmm.families")
    assert any(_matches(name, "pymc") for name in all_imports("bayesglmm.backend.pymc_model"))
    assert "bayesglmm.formula.spec" not in direct_imports("bayesglmm.priors.defaults")


def test_subpackages_form_no_cycle():
    """Module-level and function-level imports between subpackages form no cycle, the
    top-level modules aside (``results.fit`` saves through ``persistence``)."""
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        if module.count(".") < 1 or module.split(".")[1] in TOP:
            continue
        source = module.split(".")[1]
        for name in direct_imports(module):
            for inner in _internal(name):
                target = inner.split(".")[1]
                if target != source and target not in TOP:
                    graph.setdefault(source, set()).add(target)
    order, state = [], {}

    def visit(node, path):
        if state.get(node) == "done":
            return
        assert state.get(node) != "open", f"import cycle: {' -> '.join([*path, node])}"
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            visit(target, [*path, node])
        state[node] = "done"
        order.append(node)

    for node in sorted(graph):
        visit(node, [])
    assert order
