"""The DAG and finally group of a Pipeline, as exact Mermaid and dot text."""

from __future__ import annotations

from typing import Any

import pytest
from ruamel.yaml import YAML

from finale.core.graph import (
    Edge,
    build_graph,
    format_dot,
    format_mermaid,
    format_when,
    pipeline_spec_of,
    result_sources,
)


def load(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


SPEC = load("""
tasks:
  - name: clone
    taskRef: {name: git-clone}
  - name: build
    runAfter: [clone]
    when:
      - input: $(params.revision)
        operator: in
        values: [main, release]
    params:
      - {name: commit, value: $(tasks.clone.results.commit)}
  - name: test
    params:
      - {name: commit, value: $(tasks.clone.results.commit)}
finally:
  - name: report-failed
    when: [{input: $(tasks.status), operator: in, values: [Failed, None]}]
  - name: cleanup
""")


def test_mermaid_text() -> None:
    assert format_mermaid(build_graph(SPEC, "demo")) == (
        "flowchart TB\n"
        "  %% demo\n"
        "  subgraph tasks\n"
        '    t_clone["clone"]\n'
        '    t_build["build<br/>when $(params.revision) in [main, release]"]\n'
        '    t_test["test"]\n'
        "  end\n"
        "  t_clone -- results --> t_build\n"
        "  t_clone -. results .-> t_test\n"
        "  subgraph finally\n"
        '    t_report_failed["report-failed"]\n'
        '    t_cleanup["cleanup"]\n'
        "  end\n"
        '  tasks ==>|"when $(tasks.status) in [Failed, None]"| t_report_failed\n'
        "  tasks ==> t_cleanup\n"
    )


def test_dot_text() -> None:
    assert format_dot(build_graph(SPEC, "demo")) == (
        'digraph "demo" {\n'
        "  compound=true;\n"
        "  node [shape=box];\n"
        "  subgraph cluster_tasks {\n"
        '    label="tasks";\n'
        '    "clone";\n'
        '    "build" [label="build\\nwhen $(params.revision) in [main, release]"];\n'
        '    "test";\n'
        "  }\n"
        '  "clone" -> "build" [label="results"];\n'
        '  "clone" -> "test" [style=dashed, label="results"];\n'
        "  subgraph cluster_finally {\n"
        '    label="finally";\n'
        '    "report-failed";\n'
        '    "cleanup";\n'
        "  }\n"
        '  "test" -> "report-failed" [ltail=cluster_tasks, '
        'label="when $(tasks.status) in [Failed, None]"];\n'
        '  "test" -> "cleanup" [ltail=cluster_tasks];\n'
        "}\n"
    )


def test_without_finally_there_is_no_finally_group() -> None:
    graph = build_graph(load("tasks: [{name: a}, {name: b, runAfter: [a]}]"), "p")
    assert format_mermaid(graph) == (
        'flowchart TB\n  %% p\n  subgraph tasks\n    t_a["a"]\n    t_b["b"]\n  end\n  t_a --> t_b\n'
    )
    assert "cluster_finally" not in format_dot(graph)


def test_quotes_in_labels_are_escaped() -> None:
    graph = build_graph(
        load("""
tasks:
  - name: a
    when: [{cel: "'$(params.x)' == \\"y\\""}]
"""),
        'say "x"',
    )
    assert "    t_a[\"a<br/>when cel: '$(params.x)' == #quot;y#quot;\"]" in format_mermaid(graph)
    dot = format_dot(graph)
    assert dot.startswith('digraph "say \\"x\\"" {')
    assert '"a" [label="a\\nwhen cel: \'$(params.x)\' == \\"y\\""]' in dot


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        pytest.param("{params: [{name: p, value: $(tasks.a.results.r)}]}", ("a",), id="params"),
        pytest.param("{params: [{name: p, value: [x, '$(tasks.a.results.r[*])']}]}", ("a",), id="array-param"),
        pytest.param("{when: [{input: $(tasks.b.results.r), operator: in, values: [x]}]}", ("b",), id="when-input"),
        pytest.param("{when: [{cel: \"'$(tasks.b.results.r)' == 'x'\"}]}", ("b",), id="cel"),
        pytest.param("{matrix: {params: [{name: p, value: [$(tasks.c.results.r)]}]}}", ("c",), id="matrix"),
        pytest.param("{taskSpec: {steps: [{script: 'echo $(tasks.d.results.r.key)'}]}}", ("d",), id="embedded-step"),
        pytest.param("{params: [{name: p, value: '$(tasks.a.results[\"r\"])'}]}", (), id="bracket-form-no-edge"),
        pytest.param("{displayName: $(tasks.a.results.r)}", (), id="display-name-no-edge"),
        pytest.param(
            "{taskRef: {resolver: git, params: [{name: p, value: $(tasks.a.results.r)}]}}",
            (),
            id="task-ref-params-no-edge",
        ),
    ],
)
def test_result_sources(task: str, expected: tuple[str, ...]) -> None:
    assert result_sources(load(task)) == expected


def test_edges_merge_run_after_and_results_and_ignore_unknown_tasks() -> None:
    graph = build_graph(
        load("""
tasks:
  - {name: a}
  - {name: b, runAfter: [a], params: [{name: p, value: $(tasks.a.results.r)}]}
  - {name: c, params: [{name: p, value: $(tasks.gone.results.r)}]}
""")
    )
    assert graph.edges == (Edge(source="a", target="b", kind="both"),)
    assert graph.sinks() == ("b", "c")


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ([{"input": "$(params.a)", "operator": "notin", "values": ["x"]}], "$(params.a) notin [x]"),
        ([{"input": "a", "operator": "in", "values": ["b"]}, {"cel": "1 == 1"}], "a in [b] and cel: 1 == 1"),
        (None, ""),
    ],
)
def test_format_when(when: Any, expected: str) -> None:
    assert format_when(when) == expected


@pytest.mark.parametrize(
    ("doc", "expected_name"),
    [
        pytest.param("{kind: Pipeline, metadata: {name: p}, spec: {tasks: []}}", "p", id="v1"),
        pytest.param(
            "{apiVersion: tekton.dev/v1beta1, kind: Pipeline, spec: {tasks: []}}", "pipeline", id="v1beta1-unnamed"
        ),
        pytest.param(
            "{kind: PipelineRun, metadata: {generateName: run-}, spec: {pipelineSpec: {tasks: []}}}",
            "run-",
            id="pipelinerun",
        ),
    ],
)
def test_pipeline_spec_of(doc: str, expected_name: str) -> None:
    found = pipeline_spec_of(load(doc))
    assert found is not None
    assert found[0] == expected_name


@pytest.mark.parametrize(
    "doc",
    ["{kind: PipelineRun, spec: {pipelineRef: {name: p}}}", "{kind: Task, spec: {steps: []}}", "{kind: Pipeline}"],
)
def test_pipeline_spec_of_nothing_to_draw(doc: str) -> None:
    assert pipeline_spec_of(load(doc)) is None
