"""The libyaml fast path reads exactly what ruamel's pure-Python safe loader reads, or steps aside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from finale.adapters.yaml import fast
from finale.adapters.yaml.fast import load_documents
from finale.adapters.yaml.load import Limits, reference_documents

ROOT = Path(__file__).resolve().parents[3]
CORPUS = sorted(
    p
    for folder in ("tests/scenarios", "tests/fixtures", "examples", "deploy", "tekton")
    for p in (ROOT / folder).rglob("*")
    if p.suffix in (".yaml", ".yml", ".json") and p.is_file()
)
LIMITS = Limits()


def _fast(text: str) -> list[Any] | None:
    return load_documents(text, max_depth=LIMITS.max_depth, max_alias_nodes=LIMITS.max_alias_nodes)


def _reference(text: str) -> list[Any] | None:
    try:
        return reference_documents(text, "f.yaml", LIMITS)
    except Exception:  # an error: the fast path must step aside
        return None


def _typed(value: Any) -> Any:
    """The value with every leaf's type beside it, so 1, 1.0, True and "1" all differ."""
    if isinstance(value, dict):
        return [(k, _typed(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, repr(value))


def test_corpus_is_large() -> None:
    assert len(CORPUS) > 300


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT)))
def test_corpus_file_reads_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    reference, quick = _reference(text), _fast(text)
    if reference is None:
        assert quick is None
        return
    assert quick is not None, "an ordinary file should not need the pure-Python path"
    assert _typed(quick) == _typed(reference)


SCALARS = [
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Yes",
    "0755",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "-12",
    "+7",
    "1e3",
    "1.5e-3",
    "1.10",
    "3.",
    ".5",
    ".inf",
    "-.Inf",
    "+.INF",
    ".nan",
    ".NaN",
    "~",
    "null",
    "Null",
    "NULL",
    "",
    "true",
    "True",
    "TRUE",
    "false",
    "tRUE",
    '"quoted"',
    "'1.10'",
    '"true"',
    "'~'",
    "'null'",
    "2024-01-01",
    "2024-1-1",
    "2024-01-01T10:00:00Z",
    "2024-01-01 10:00:00.5 +02:00",
    "12:30",
    "1:20:30",
    "0",
    "-0",
    "00",
    "09",
    "0.0",
    "1__0",
    "0x_1F",
    "abc def",
    "$(params.x)",
    "'it''s'",
    '"a\\tb\\u00e9"',
    "|\n  block\n  text\n",
    ">-\n  folded\n  text\n",
    "[1, two, 3.0, null]",
    "{a: 1, 'b': yes}",
]


@pytest.mark.parametrize("scalar", SCALARS)
def test_scalar_rule_matches_ruamel(scalar: str) -> None:
    text = f"v: {scalar}\n" if "\n" in scalar else f"v: {scalar}\nin_a_list: [{scalar}]\n"
    quick = _fast(text)
    assert quick is not None
    assert _typed(quick) == _typed(_reference(text))


@pytest.mark.parametrize("key", ["on", "yes", "'1'", '"true"', "'null'", "a b", "$(x)", "'<<'"])
def test_text_keys_match_ruamel(key: str) -> None:
    text = f"{key}: 1\n"
    quick = _fast(text)
    assert quick is not None
    assert _typed(quick) == _typed(_reference(text))


@pytest.mark.parametrize(
    "text",
    [
        "a: !!str yes\n",  # a tag
        "a: ! 1\n",
        "%YAML 1.1\n---\na: yes\n",  # a directive changes the rules
        "%TAG !e! tag:example.com,2000:\n---\na: 1\n",
        "base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n",  # a merge key
        "a: 1\na: 2\n",  # a duplicate key, refused with ruamel's message
        "1: one\n",  # a key that is no text
        "? [a]\n: b\n",
        "a: [1, 2\n",  # a syntax error
        "a: &x [*x]\n",  # an alias inside its own anchor
        "[" * 99 + "]" * 99,  # near the depth limit
        "a: *missing\n",
        "a: 2024-13-45\n",  # no such date
        "a: =\n",  # ruamel resolves a plain `=` to the YAML 1.1 value tag and refuses it
    ],
)
def test_unusual_text_is_left_to_ruamel(text: str) -> None:
    assert _fast(text) is None


def test_alias_count_matches_ruamel_and_expands_nothing() -> None:
    text = "a: &a [x, y]\nb: &b [*a, *a]\nc: [*b, *a]\n"
    assert _fast(text) == _reference(text)
    # a (3 nodes) twice, b (1 + 3 + 3 = 7) once, a once: 16 nodes through aliases.
    assert load_documents(text, max_depth=100, max_alias_nodes=17) is not None
    assert load_documents(text, max_depth=100, max_alias_nodes=16) is None


def test_aliased_values_are_separate_copies() -> None:
    [doc] = _fast("a: &a {x: [1]}\nb: *a\n") or [None]
    assert doc == {"a": {"x": [1]}, "b": {"x": [1]}}
    assert doc["a"] is not doc["b"] and doc["a"]["x"] is not doc["b"]["x"]


def test_multi_document_stream_with_empty_documents() -> None:
    text = "---\n---\na: 1\n---\n# only a comment\n---\n- b\n"
    assert _fast(text) == _reference(text) == [None, {"a": 1}, None, ["b"]]


def test_without_libyaml_the_fast_path_steps_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast, "AVAILABLE", False)
    assert _fast("a: 1\n") is None
