"""`finale graph` in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from finale.cli.main import main

FIXTURES = Path(__file__).parent.parent / "fixtures" / "instrument"


def test_seed_after_instrumenting(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "-f", str(FIXTURES / "seed-after.yaml")]) == 0
    assert capsys.readouterr().out == (
        "flowchart TB\n"
        "  %% buildpacks-test-pipeline\n"
        "  subgraph tasks\n"
        '    t_fetch_repository["fetch-repository"]\n'
        '    t_buildpacks["buildpacks"]\n'
        "  end\n"
        "  t_fetch_repository --> t_buildpacks\n"
        "  subgraph finally\n"
        '    t_report_pipeline_failed_to_gitlab["report-pipeline-failed-to-gitlab"]\n'
        '    t_report_pipeline_success_to_gitlab["report-pipeline-success-to-gitlab"]\n'
        '    t_report_pipeline_canceled_to_gitlab["report-pipeline-canceled-to-gitlab"]\n'
        "  end\n"
        '  tasks ==>|"when $(tasks.status) in [Failed, None]"| '
        "t_report_pipeline_failed_to_gitlab\n"
        '  tasks ==>|"when $(tasks.status) in [Succeeded]"| '
        "t_report_pipeline_success_to_gitlab\n"
        '  tasks ==>|"when $(tasks.status) in [Completed]"| '
        "t_report_pipeline_canceled_to_gitlab\n"
    )


def test_dot_for_an_embedded_pipeline_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "-f", str(FIXTURES / "pipelinerun-after.yaml"), "--format", "dot"]) == 0
    assert capsys.readouterr().out == (
        'digraph "build-" {\n'
        "  compound=true;\n"
        "  node [shape=box];\n"
        "  subgraph cluster_tasks {\n"
        '    label="tasks";\n'
        '    "build";\n'
        "  }\n"
        "  subgraph cluster_finally {\n"
        '    label="finally";\n'
        '    "report-pipeline-status-to-gitlab";\n'
        "  }\n"
        '  "build" -> "report-pipeline-status-to-gitlab" [ltail=cluster_tasks];\n'
        "}\n"
    )


def _pipeline(name: str, tasks: str, finally_: str = "") -> str:
    return f"apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {{name: {name}}}\nspec:\n  tasks: {tasks}\n" + (
        f"  finally: {finally_}\n" if finally_ else ""
    )


def test_several_pipelines_make_one_valid_mermaid_flowchart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "two.yaml"
    target.write_text(
        _pipeline("a", "[{name: x, taskRef: {name: t}}]", "[{name: f, taskRef: {name: t}}]")
        + "---\n"
        + _pipeline("b", "[{name: x, taskRef: {name: t}}, {name: y, runAfter: [x], taskRef: {name: t}}]")
    )
    assert main(["graph", "-f", str(target)]) == 0
    # Mermaid draws one diagram per document: one flowchart, a subgraph per pipeline, ids apart.
    assert capsys.readouterr().out == (
        "flowchart TB\n"
        '  subgraph p1 ["a"]\n'
        "    subgraph p1_tasks [tasks]\n"
        '      p1_t_x["x"]\n'
        "    end\n"
        "    subgraph p1_finally [finally]\n"
        '      p1_t_f["f"]\n'
        "    end\n"
        "    p1_tasks ==> p1_t_f\n"
        "  end\n"
        '  subgraph p2 ["b"]\n'
        "    subgraph p2_tasks [tasks]\n"
        '      p2_t_x["x"]\n'
        '      p2_t_y["y"]\n'
        "    end\n"
        "    p2_t_x --> p2_t_y\n"
        "  end\n"
    )


def test_dot_keeps_one_digraph_per_pipeline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "two.yaml"
    target.write_text(
        _pipeline("a", "[{name: x, taskRef: {name: t}}]") + "---\n" + _pipeline("b", "[{name: y, taskRef: {name: t}}]")
    )
    assert main(["graph", "-f", str(target), "-o", "dot"]) == 0
    assert capsys.readouterr().out.count("digraph ") == 2  # `dot` renders each graph of a file


def test_nothing_to_draw_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "run.yaml"
    target.write_text(
        "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec: {steps: [{name: s, image: a}]}\n"
    )
    assert main(["graph", "-f", str(target)]) == 2
    assert capsys.readouterr().err == (
        f"error: {target}: no Pipeline and no PipelineRun with an embedded spec.pipelineSpec "
        "to draw\n  fix: pass the Pipeline file with -f (a PipelineRun's pipelineRef is not "
        "followed)\n"
    )


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        pytest.param(
            "[{name: x, runafter: [y], taskRef: {name: t}}]",
            'spec.tasks[0].runafter: strict decoding error: unknown field "spec.tasks[0].runafter"\n'
            "  fix: did you mean runAfter?",
            id="typo",
        ),
        pytest.param(
            "[{name: x, runAfter: [y], taskRef: {name: t}}, {name: y, runAfter: [x], taskRef: {name: t}}]",
            'spec.tasks: invalid value: cycle detected; task "x" depends on "y"\n',
            id="cycle",
        ),
        pytest.param(
            "[{name: x, runAfter: [nope], taskRef: {name: t}}]",
            "spec.tasks: invalid value: couldn't add link between x and nope",
            id="missing-task",
        ),
    ],
)
def test_invalid_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], tasks: str, message: str) -> None:
    target = tmp_path / "p.yaml"
    target.write_text(_pipeline("p", tasks))
    assert main(["graph", "-f", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: {target}: {message}")


def test_bad_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["graph", "-f", str(FIXTURES / "seed-after.yaml"), "--format", "png"])
    assert info.value.code == 2
    assert "invalid choice: 'png'" in capsys.readouterr().err


def test_several_files_after_one_flag(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(FIXTURES / "seed-after.yaml"), str(FIXTURES / "pipelinerun-after.yaml")]
    assert main(["graph", "-f", *files]) == 0
    once = capsys.readouterr().out
    assert main(["graph", "-f", files[0], "-f", files[1]]) == 0
    assert capsys.readouterr().out == once
    assert once.count("flowchart TB") == 1
    assert once.count("\n  subgraph p") == 2
