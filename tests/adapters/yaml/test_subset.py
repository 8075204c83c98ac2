"""The quick reader (`subset.py`) reads exactly what ruamel's safe loader reads, or steps aside:
on every file of the project, on generated documents and on mangled ones."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml as pyyaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from finale.adapters.yaml.load import Limits
from finale.adapters.yaml.reference import reference_documents
from finale.adapters.yaml.subset import read_subset

ROOT = Path(__file__).resolve().parents[3]
CORPUS = sorted(
    p
    for folder in ("tests/scenarios", "tests/fixtures", "examples", "deploy", "tekton")
    for p in (ROOT / folder).rglob("*")
    if p.suffix in (".yaml", ".yml", ".json") and p.is_file()
)
LIMITS = Limits()
# Derandomized: the same examples on every run, so a run passes or fails for the code alone.
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def _quick(text: str, limits: Limits = LIMITS) -> list[Any] | None:
    return read_subset(text, max_depth=limits.max_depth, max_alias_nodes=limits.max_alias_nodes)


def _reference(text: str) -> list[Any] | None:
    try:
        return reference_documents(text, "f.yaml", LIMITS)
    except Exception:  # an error: the quick reader must step aside
        return None


def _typed(value: Any) -> Any:
    """The value with every leaf's type beside it, so 1, 1.0, True and "1" all differ."""
    if isinstance(value, dict):
        return [(k, _typed(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, repr(value))


def assert_same_or_declined(text: str) -> list[Any] | None:
    quick = _quick(text)
    if quick is not None:
        reference = _reference(text)
        assert reference is not None, f"ruamel refuses this text, the quick reader read {quick!r}"
        assert _typed(quick) == _typed(reference)
    return quick


def test_corpus_is_large() -> None:
    assert len(CORPUS) > 300


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT)))
def test_corpus_file_reads_the_same(path: Path) -> None:
    assert_same_or_declined(path.read_text(encoding="utf-8"))


def test_nearly_every_corpus_file_is_read_quickly() -> None:
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in CORPUS}
    declined = [name for name, text in texts.items() if _quick(text) is None and _reference(text)]
    # What remains: commit SHAs written as a plain 000...0 (an int to YAML 1.2, left to ruamel).
    assert len(declined) <= len(CORPUS) // 50, declined


COMMON_SCALARS = [
    "abc def",
    "$(params.x)",
    "0123456789abcdef0123456789abcdef01234567",
    "0.1.0",
    "v1.2.3",
    "10m",
    "1h0m0s",
    "-12",
    "0",
    "-0",
    "1.10",
    "0.0",
    "~",
    "null",
    "true",
    "False",
    "yes",
    "on",
    "http://example.com:8080/x#y",
    "a#b",
    "--flag",
    "-x",
    "'it''s'",
    '"a\\tb\\u00e9"',
    '"quoted"',
    "'1.10'",
    '"true"',
    "|\n  block\n  text\n",
    ">-\n  folded\n  text\n",
    "|+\n  kept\n\n",
    "[1, two, 3.0, null]",
    "{a: 1, 'b': yes}",
    "[]",
    "{}",
]
RARE_SCALARS = [
    "0755",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "+7",
    "1e3",
    "1.5e-3",
    "3.",
    ".5",
    ".inf",
    "-.Inf",
    ".nan",
    "2024-01-01",
    "2024-01-01T10:00:00Z",
    "2024-01-01 10:00:00.5 +02:00",
    "12:30",
    "1:20:30",
    "00",
    "09",
    "=",
    "0x_1F",
]


@pytest.mark.parametrize("scalar", COMMON_SCALARS)
def test_common_scalars_are_read_quickly_and_the_same(scalar: str) -> None:
    text = f"v: {scalar}\n" if "\n" in scalar else f"v: {scalar}\nin_a_list: [{scalar}]\nitems:\n- {scalar}\n"
    assert assert_same_or_declined(text) is not None


@pytest.mark.parametrize("scalar", RARE_SCALARS)
def test_rare_scalars_match_ruamel_or_are_left_to_it(scalar: str) -> None:
    assert_same_or_declined(f"v: {scalar}\nin_a_list: [{scalar}]\n")


@pytest.mark.parametrize("key", ["on", "yes", "'1'", '"true"', "'null'", "a b", "$(x)", "'<<'", "a:b"])
def test_text_keys_match_ruamel(key: str) -> None:
    assert assert_same_or_declined(f"{key}: 1\n") is not None


@pytest.mark.parametrize(
    "text",
    [
        "a: !!str yes\n",  # a tag
        "%YAML 1.1\n---\na: yes\n",  # a directive changes the rules
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
        "a: 1\r\nb: 2\r\n",  # CRLF: ruamel reads it
        "\ufeffa: 1\n",
        "a:\n\t- b\n",  # a tab as indentation
        "a: b: c\n",
        "a:\n  b: 1\n c: 2\n",  # an indentation that matches no level
        "key: |2\n   indented\n",  # an indentation indicator
        "a: 'open\n",
        "s: |\n \n  x\n",  # ruamel refuses a leading line of spaces before a block scalar's text
        "a: 1\n...\n...\n",
        "a: &x &y {p: q}\n",
        "a: &x\n  &y [1]\n",
        "a: &x\n  b: &x [1, 2]\nc: *x\n",  # a reused anchor: ruamel warns and picks its own node
        "a: {probe::[x]}\n",  # a plain key's colon right before a value: only a quoted key may
    ],
)
def test_unusual_or_wrong_text_is_left_to_ruamel(text: str) -> None:
    assert _quick(text) is None


def test_alias_count_matches_ruamel_and_expands_nothing() -> None:
    text = "a: &a [x, y]\nb: &b\n  - *a\n  - *a\nc:\n  - *b\n  - *a\n"
    assert assert_same_or_declined(text) == _reference(text)
    # a (3 nodes) twice, b (1 + 3 + 3 = 7) once, a once: 16 nodes through aliases.
    assert _quick(text, Limits(max_alias_nodes=17)) is not None
    assert _quick(text, Limits(max_alias_nodes=16)) is None


def test_aliased_values_are_separate_copies() -> None:
    [doc] = _quick("a: &a\n  x: [1]\nb: *a\n") or [None]
    assert doc == {"a": {"x": [1]}, "b": {"x": [1]}}
    assert doc["a"] is not doc["b"] and doc["a"]["x"] is not doc["b"]["x"]


def test_multi_document_stream_with_empty_documents() -> None:
    text = "---\n---\na: 1\n---\n# only a comment\n---\n- b\n...\n"
    assert _quick(text) == _reference(text) == [None, {"a": 1}, None, ["b"]]


def test_block_scalars_keep_ruamels_lines_and_chomping() -> None:
    text = (
        "lit: |\n  a\n\n   b\n  c\n\n\nclip: >\n  x\n  y\n\n  z\nstrip: |-\n  s\n\n"
        "keep: |+\n  k\n\n\nlast: 1\nseq:\n- |\n  item\n- >-\n  folded\n"
    )
    assert assert_same_or_declined(text) is not None


def test_plain_and_quoted_scalars_over_several_lines() -> None:
    text = (
        "plain: a long\n  text over\n\n  lines\nsingle: 'one\n  two''s\n\n  three'\n"
        'double: "x\\\n  y \\t\n  z"\nflow: [a, "b",\n  c]\n'
    )
    assert assert_same_or_declined(text) is not None


# Generated documents: any plain data, written by ruamel and PyYAML in several styles and by json.

_KEYS = st.text(alphabet="abcXYZ019_-.$():/ #'\"", min_size=1, max_size=8)
_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    _TEXT,
    st.sampled_from(["", " x", "x ", "a: b", "- a", "#c", "yes", "1.0", "0x1", "~", "2024-01-01", "a\n\nb\n"]),
)
DATA = st.recursive(
    _LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=25,
)


def _ruamel_dump(data: Any, flow: bool | None, width: int, offset: int) -> str:
    writer = YAML(typ="safe", pure=True)
    writer.default_flow_style = flow
    writer.width = width
    writer.indent(mapping=2, sequence=2 + offset, offset=offset)
    out = io.StringIO()
    writer.dump({"doc": data}, out)
    return out.getvalue()


@SETTINGS
@given(DATA, st.sampled_from([False, None, True]), st.sampled_from([20, 80, 4096]), st.sampled_from([0, 2]))
def test_documents_written_by_ruamel_read_the_same(data: Any, flow: bool | None, width: int, offset: int) -> None:
    assert_same_or_declined(_ruamel_dump(data, flow, width, offset))


@SETTINGS
@given(DATA, st.sampled_from([False, None]), st.sampled_from([20, 80]))
def test_documents_written_by_pyyaml_read_the_same(data: Any, flow: bool | None, width: int) -> None:
    text = pyyaml.safe_dump({"doc": data}, default_flow_style=flow, width=width, allow_unicode=True)
    assert_same_or_declined(text)


@SETTINGS
@given(DATA, st.sampled_from([None, 2]))
def test_json_reads_the_same(data: Any, indent: int | None) -> None:
    assert_same_or_declined(json.dumps({"doc": data}, indent=indent))


def test_ordinary_generated_documents_are_read_quickly() -> None:
    tasks = [{"name": f"t{i}", "runAfter": [f"t{i - 1}"], "params": [{"name": "p", "value": "x y"}]} for i in range(5)]
    data = {"tasks": tasks}
    for flow in (False, None):
        assert assert_same_or_declined(pyyaml.safe_dump(data, default_flow_style=flow)) is not None
        assert assert_same_or_declined(_ruamel_dump(data, flow, 80, 2)) is not None
    assert assert_same_or_declined(json.dumps(data, indent=2)) is not None


# Mangled documents: a corpus file with a few characters changed must read the same or be left.

_EDITS = ["", " ", "  ", ":", "- ", "#", "'", '"', "\n", "\t", "[", "{", "&a ", "*a", "|", ">", "\\", ",", "? "]
_MANGLE = st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(_EDITS)),
    min_size=1,
    max_size=4,
)
_SAMPLES = [CORPUS[i].read_text(encoding="utf-8") for i in range(0, len(CORPUS), max(1, len(CORPUS) // 40))]


@SETTINGS
@given(st.sampled_from(_SAMPLES), _MANGLE, st.booleans())
@example(_SAMPLES[0], [(0.5, "\n")], True)
def test_mangled_documents_read_the_same_or_are_left_to_ruamel(
    text: str, edits: list[tuple[float, str]], replace: bool
) -> None:
    for where, what in edits:
        at = int(where * len(text))
        text = text[:at] + what + text[at + (1 if replace else 0) :]
    assert_same_or_declined(text)


@SETTINGS
@given(st.text(alphabet="0123456789+-._:eExXoObBaAfFtTzZiInNulsy~=<# '\"/", min_size=1, max_size=12))
def test_random_scalars_resolve_as_ruamel_does(scalar: str) -> None:
    assert_same_or_declined(f"v: {scalar}\nl: [{scalar}]\n")
