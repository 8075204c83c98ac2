"""`finale validate` in-process: exit codes and exact output."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from finale.cli.main import main

DATA = Path(__file__).parents[1] / "core" / "validation" / "validate_data"

BROKEN = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: broken}
spec:
  tasks:
    - name: build
      runAfter: [clone]
      taskRef: {name: t}
    - name: Test
      taskRef: {name: t}
"""


def test_valid_files_and_directory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-f", str(DATA)]) == 0
    assert capsys.readouterr().out == (
        f"{DATA / 'pipelinerun_v1.yaml'}: PipelineRun/build-and-report-* is valid\n"
        f"{DATA / 'seed_pipeline.yaml'}: Pipeline/buildpacks-test-pipeline is valid\n"
    )


def test_problems_with_fixes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(BROKEN)
    assert main(["validate", "-f", str(path)]) == 2
    assert capsys.readouterr().out == (
        f'{path}: spec.tasks[1].name: invalid value "Test"\n'
        "  fix: Pipeline Task name must be a valid DNS Label: use lowercase letters, digits and "
        "'-', start and end with a letter or digit\n"
        f"{path}: spec.tasks: invalid value: couldn't add link between build and clone: task "
        "build depends on clone but clone wasn't present in Pipeline\n"
        "  fix: runAfter and $(tasks.NAME.results...) must name one of: Test, build\n"
    )


def test_tekton_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(BROKEN)
    assert main(["validate", "--tekton-text", "-f", str(path)]) == 2
    last = capsys.readouterr().out.split("\n", 4)[4]
    assert last == (
        f'{path}: Tekton would say: validation failed: invalid value "Test": '
        "spec.tasks[1].name\nPipeline Task name must be a valid DNS Label.For more info refer to "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names\n"
        "invalid value: couldn't add link between build and clone: task build depends on clone "
        "but clone wasn't present in Pipeline: spec.tasks\n"
    )


def test_yaml_error_names_file_and_line_and_others_still_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "a.yaml"
    bad.write_text("apiVersion: tekton.dev/v1\nkind: [\n")
    good = DATA / "seed_pipeline.yaml"
    assert main(["validate", "-f", str(bad), "-f", str(good)]) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{bad}:3:1: not valid YAML: ")
    assert out[1] == f"{good}: Pipeline/buildpacks-test-pipeline is valid"


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-f", "no-such-file.yaml"]) == 2
    assert capsys.readouterr().out == "no-such-file.yaml: no such file (check the -f argument)\n"


def test_stdin_and_features(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    text = "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  params: [{name: x, enum: [a]}]\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    assert main(["validate", "-f", "-"]) == 2
    assert "feature flag `enable-param-enum` should be set to true" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    assert main(["validate", "-f", "-", "--feature", "enable-param-enum"]) == 0
    assert capsys.readouterr().out == "<stdin>: Pipeline/p is valid\n"


def test_not_an_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "l.yaml"
    path.write_text("- 1\n- 2\n")
    assert main(["validate", "-f", str(path)]) == 2
    assert capsys.readouterr().out == (
        f"{path}: expected a Kubernetes object (a mapping with apiVersion and kind), got list\n"
    )


def test_real_process_exit_code(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(BROKEN)
    done = subprocess.run(
        [sys.executable, "-m", "finale", "validate", "-f", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stdout.startswith(f'{path}: spec.tasks[1].name: invalid value "Test"\n')


def test_empty_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-f", str(tmp_path)]) == 2
    assert capsys.readouterr().out == f"{tmp_path}: no .yaml, .yml or .json files in this directory\n"


def test_multi_document_file_names_each_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "all.yaml"
    path.write_text((DATA / "seed_pipeline.yaml").read_text() + "---\n" + BROKEN)
    assert main(["validate", "-f", str(path)]) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{path}#1: Pipeline/buildpacks-test-pipeline is valid"
    assert out[1] == f'{path}#2: spec.tasks[1].name: invalid value "Test"'
