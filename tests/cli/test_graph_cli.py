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


def test_one_graph_per_pipeline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "two.yaml"
    target.write_text(
        "kind: Pipeline\nmetadata: {name: a}\nspec: {tasks: [{name: x}]}\n---\n"
        "kind: Pipeline\nmetadata: {name: b}\nspec: {tasks: [{name: y}]}\n"
    )
    assert main(["graph", "-f", str(target)]) == 0
    assert capsys.readouterr().out == (
        'flowchart TB\n  %% a\n  subgraph tasks\n    t_x["x"]\n  end\n'
        '\nflowchart TB\n  %% b\n  subgraph tasks\n    t_y["y"]\n  end\n'
    )


def test_nothing_to_draw_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "run.yaml"
    target.write_text("kind: PipelineRun\nspec: {pipelineRef: {name: p}}\n")
    assert main(["graph", "-f", str(target)]) == 2
    assert capsys.readouterr().err == (
        f"error: {target}: no Pipeline and no PipelineRun with an embedded spec.pipelineSpec "
        "to draw\n  fix: pass the Pipeline file with -f (a PipelineRun's pipelineRef is not "
        "followed)\n"
    )


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
    assert once.count("flowchart TB") == 2
