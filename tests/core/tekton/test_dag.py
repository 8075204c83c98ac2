"""dag: edges from runAfter and dot-form result references, Tekton's order, cycles named as Tekton names them."""

from __future__ import annotations

import pytest
from tekton_tables import load_spec

from finale.core.tekton import dag


@pytest.mark.parametrize(
    ("pipeline", "parents"),
    [
        pytest.param("tasks: [{name: a}, {name: b, runAfter: [a]}]", {"a": (), "b": ("a",)}, id="run-after"),
        pytest.param(
            "tasks: [{name: a}, {name: b, params: [{name: p, value: $(tasks.a.results.r)}]}]",
            {"a": (), "b": ("a",)},
            id="result-in-params",
        ),
        pytest.param(
            "tasks: [{name: a}, {name: b, when: [{input: $(tasks.a.results.r), operator: in, values: [x]}]}]",
            {"a": (), "b": ("a",)},
            id="result-in-when",
        ),
        pytest.param(
            "tasks: [{name: a}, {name: b, taskSpec: {steps: [{script: 'echo $(tasks.a.results.r)'}]}}]",
            {"a": (), "b": ("a",)},
            id="result-in-embedded-step",
        ),
        pytest.param(
            """tasks: [{name: a}, {name: b, params: [{name: p, value: '$(tasks.a.results["r"])'}]}]""",
            {"a": (), "b": ()},
            id="bracket-form-makes-no-edge",
        ),
        pytest.param(
            "tasks: [{name: a}, {name: b, runAfter: [a], params: [{name: p, value: $(tasks.a.results.r)}]}]",
            {"a": (), "b": ("a",)},
            id="both-counted-once",
        ),
        pytest.param(
            "tasks: [{name: a}]\nfinally: [{name: f, params: [{name: p, value: $(tasks.a.results.r)}]}]",
            {"a": ()},
            id="finally-has-no-edges",
        ),
        pytest.param(
            "tasks: [{name: a, params: [{name: p, value: $(tasks.gone.results.r)}]}]", {"a": ()}, id="unknown-dropped"
        ),
    ],
)
def test_parents(pipeline: str, parents: dict[str, tuple[str, ...]]) -> None:
    assert dag.build(load_spec(pipeline)) == parents


@pytest.mark.parametrize(
    ("names", "parents", "order"),
    [
        pytest.param("abc", {}, "abc", id="no-edges-declaration-order"),
        pytest.param("abc", {"a": "c"}, "bca", id="parent-first"),
        pytest.param("cba", {"c": "b", "b": "a"}, "abc", id="chain-declared-backwards"),
        pytest.param("abcd", {"d": "a", "b": "d"}, "acdb", id="child-of-earlier-in-same-pass"),
        pytest.param("abc", {"a": "b", "b": "a"}, "cab", id="cycle-members-last"),
    ],
)
def test_topological_order(names: str, parents: dict[str, str], order: str) -> None:
    assert "".join(dag.topological_order(list(names), {k: list(v) for k, v in parents.items()})) == order


@pytest.mark.parametrize(
    ("names", "deps", "error"),
    [
        pytest.param(["a", "b"], {"b": ["a"]}, None, id="fine"),
        pytest.param(
            ["a", "a"],
            {},
            "task a is already present in Graph, can't add it again: duplicate pipeline task",
            id="duplicate",
        ),
        pytest.param(["a", "b"], {"a": ["b"], "b": ["a"]}, 'cycle detected; task "a" depends on "b"', id="cycle"),
        pytest.param(["x"], {"x": ["x"]}, 'cycle detected; task "x" depends on "x"', id="self-loop"),
        pytest.param(
            ["a"],
            {"a": ["nope"]},
            "couldn't add link between a and nope: task a depends on nope but nope wasn't present in Pipeline",
            id="missing-link",
        ),
    ],
)
def test_graph_error(names: list[str], deps: dict[str, list[str]], error: str | None) -> None:
    assert dag.graph_error(names, deps) == error
