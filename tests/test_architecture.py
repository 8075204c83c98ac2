"""Imports point inward: the core does no I/O, and only the CLI knows about the adapters."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src" / "finale"
IO_MODULES = {
    "os",
    "subprocess",
    "socket",
    "pathlib",
    "time",
    "datetime.now",
    "http",
    "urllib",
    "sqlite3",
    "threading",
    "logging",
    "shutil",
    "tempfile",
    "signal",
    "sys",
    "io",
    "selectors",
    "random",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", sorted(SRC.glob("core/*.py")), ids=lambda p: p.name)
def test_core_does_no_io(module: Path) -> None:
    imported = _imports(module)
    bad = {n for n in imported if n.split(".")[0] in IO_MODULES}
    assert not bad, f"{module.name} imports {sorted(bad)}"
    outward = {
        n for n in imported if n.startswith(("finale.adapters", "finale.cli", "finale.engine", "finale.testing"))
    }
    assert not outward, f"{module.name} imports {sorted(outward)}"
