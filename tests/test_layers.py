"""The one-way rule between core's packages, read from the imports of every module (lazy ones inside functions
included): a package imports only from packages before it in LAYERS, and core never imports streamlit. (The one
late binding: a Python schema migration names its analysis function by path, core/storage/schema.py `Step`.)"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "core"
# the flow of data, first to last; "core" is the modules at the top of core/ (model, errors, settings, …)
LAYERS = ("core", "storage", "ingest", "analysis", "queries", "work", "cli")


def layer_of(module: str) -> str:
    """'core.analysis.sentiment' → 'analysis'; 'core.model' → 'core'; the entry point `python -m core` → 'cli'."""
    if module == "core.__main__":
        return "cli"
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (CORE / parts[1]).is_dir()) else "core"


def module_name(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module this file imports, as absolute names."""
    return imports_in(path.read_text(), module=module_name(path), is_package=path.name == "__init__.py")


def imports_in(source: str, *, module: str, is_package: bool) -> set[str]:
    here = module.split(".")
    package = here if is_package else here[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            found.add(".".join(base + ([node.module] if node.module else [])))
    return found


MODULES = sorted(p for p in CORE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_package_is_a_layer():
    packages = {p.name for p in CORE.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(LAYERS) - {"core"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CORE)))
def test_imports_go_one_way(path):
    own = LAYERS.index(layer_of(module_name(path)))
    later = sorted(name for name in imports(path)
                   if name.startswith("core.") and LAYERS.index(layer_of(name)) > own)
    assert not later, f"{module_name(path)} ({LAYERS[own]}) imports from a later layer: {later}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(CORE)))
def test_core_never_imports_streamlit(path):
    assert not {name for name in imports(path) if name.split(".")[0] == "streamlit"}


def test_the_rule_sees_lazy_and_relative_imports():
    source = "import json\ndef f():\n    from ..queries import views\n    from .sentiment import LABELS\n"
    assert imports_in(source, module="core.analysis.topics", is_package=False) == {
        "json", "core.queries", "core.analysis.sentiment"}
    assert [layer_of(m) for m in ("core.queries.views", "core.model", "core.analysis")] == [
        "queries", "core", "analysis"]
