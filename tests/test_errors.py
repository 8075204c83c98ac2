"""errors.py draws the exception tree; every exception class finale defines sits where it is drawn."""

from __future__ import annotations

import ast
import functools
import importlib
import re
from pathlib import Path

import pytest

import finale.errors

SRC = Path(__file__).parent.parent / "src" / "finale"
# Control flow inside an emulator, turned into an HTTP reply where raised; never reaches a user.
_REPLIES = {"ApiStatus"}
_NODE = re.compile(r"^(?P<indent>[ |]*)(?:\+-- )?(?P<name>[A-Z][A-Za-z]+)\b")


def _drawn() -> dict[str, str | None]:
    """Each class named in the docstring's tree -> its drawn parent (None for the root)."""
    doc = finale.errors.__doc__ or ""
    lines = [line[4:] for line in doc.splitlines() if line.startswith("    ")]
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in lines:
        match = _NODE.match(line)
        if not match or ("+--" not in line and stack):
            continue
        depth = len(match["indent"])
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[match["name"]] = stack[-1][1] if stack else None
        stack.append((depth, match["name"]))
    return parents


@functools.cache  # parsing every module takes a second or two; each parametrized case asks
def _defined() -> dict[str, str]:
    """Every exception class defined under src/finale -> the module defining it."""
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and (b.id.endswith("Error") or b.id in {"Exception", "InvalidParamValue"})
                for b in node.bases
            ):
                found[node.name] = module
    return found


def _class(name: str) -> type[BaseException]:
    cls = getattr(importlib.import_module(_defined()[name]), name)
    assert isinstance(cls, type) and issubclass(cls, BaseException)
    return cls


def test_every_exception_class_is_drawn() -> None:
    missing = sorted(set(_defined()) - set(_drawn()) - _REPLIES)
    assert missing == [], f"draw these in errors.py's tree: {missing}"


@pytest.mark.parametrize("name", sorted(_drawn()))
def test_each_class_inherits_as_drawn(name: str) -> None:
    parent = _drawn()[name]
    if parent is None:
        assert _class(name) is finale.errors.FinaleError
    else:
        assert _class(parent) in _class(name).__mro__[1:2] + _class(name).__bases__


def test_report_input_error_stays_a_value_error() -> None:
    assert issubclass(_class("ReportInputError"), ValueError)
