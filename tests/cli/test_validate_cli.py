"""`finale validate` in-process: exit codes and exact output."""

from __future__ import annotations

import io
import json
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


LISTENER_TYPO = """\
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: el}
spec:
  serviceAccountNmae: el
  triggers:
    - name: push
      bindings: [{ref: push}]
      template: {ref: tt}
"""


def test_triggers_kinds_are_checked_strictly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "el.yaml"
    path.write_text(LISTENER_TYPO)
    assert main(["validate", "-f", str(path)]) == 2
    assert capsys.readouterr().out == (
        f'{path}: spec.serviceAccountNmae: strict decoding error: unknown field "spec.serviceAccountNmae"\n'
        "  fix: did you mean serviceAccountName?\n"
    )


def test_shipped_triggers_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    triggers = Path(__file__).parents[2] / "examples" / "buildpacks-gitlab" / "triggers"
    assert main(["validate", "-f", str(triggers / "eventlistener.yaml"), str(triggers / "triggertemplate.yaml")]) == 0
    assert capsys.readouterr().out == (
        f"{triggers / 'eventlistener.yaml'}: EventListener/gitlab-listener is valid\n"
        f"{triggers / 'triggertemplate.yaml'}: TriggerTemplate/buildpacks-test-pipeline is valid\n"
    )


def test_trigger_binding_and_template_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "apiVersion: triggers.tekton.dev/v1beta1\nkind: TriggerBinding\nmetadata: {name: b}\n"
        "spec:\n  params: [{name: a, valeu: x}]\n---\n"
        "apiVersion: triggers.tekton.dev/v1beta1\nkind: TriggerTemplate\nmetadata: {name: t}\n"
        "spec:\n  params: [{description: d}]\n  resourceTemplates: []\n"
    )
    assert main(["validate", "-f", str(path)]) == 2
    assert capsys.readouterr().out == (
        f'{path}#1: spec.params[0].valeu: strict decoding error: unknown field "spec.params[0].valeu"\n'
        "  fix: did you mean value?\n"
        f'{path}#2: spec.resourceTemplates: strict decoding error: unknown field "spec.resourceTemplates"\n'
        "  fix: did you mean resourcetemplates?\n"
        f"{path}#2: spec.params[0].name: missing field(s)\n"
        "  fix: give the param a name\n"
    )


def test_unknown_kinds_are_not_called_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicaz: 2}\n---\n"
        "apiVersion: example.com/v1\nkind: Blahblah\nmetadata: {name: b}\n---\n"
        + (DATA / "seed_pipeline.yaml").read_text()
    )
    assert main(["validate", "-f", str(path)]) == 0
    assert capsys.readouterr().out == (
        f"{path}#1: Deployment/web (apps/v1) not checked: not a kind finale validates\n"
        f"{path}#2: Blahblah/b (example.com/v1) not checked: not a kind finale validates\n"
        f"{path}#3: Pipeline/buildpacks-test-pipeline is valid\n"
        "1 object(s) checked; not checked: Blahblah, Deployment (finale validates tekton.dev Pipeline, "
        "PipelineRun, Task, TaskRun; triggers.tekton.dev/v1beta1 Triggers objects)\n"
    )


def test_empty_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n")
    assert main(["validate", "-f", str(path)]) == 2
    assert capsys.readouterr().out == (
        f"{path}: no objects in the file (it is empty)\n  fix: give a file holding Tekton YAML\n"
    )


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "el.yaml"
    path.write_text(LISTENER_TYPO + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n")
    assert main(["validate", "-o", "json", "-f", str(path)]) == 2
    assert json.loads(capsys.readouterr().out) == [
        {
            "source": f"{path}#1",
            "object": "EventListener/el",
            "apiVersion": "triggers.tekton.dev/v1beta1",
            "verdict": "invalid",
            "errors": [
                {
                    "path": "spec.serviceAccountNmae",
                    "message": 'strict decoding error: unknown field "spec.serviceAccountNmae"',
                    "fix": "did you mean serviceAccountName?",
                }
            ],
        },
        {"source": f"{path}#2", "object": "Secret/s", "apiVersion": "v1", "verdict": "not-checked", "errors": []},
    ]


def test_real_process_unknown_kind(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n")
    done = subprocess.run(
        [sys.executable, "-m", "finale", "validate", "-f", str(path)], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert "Deployment/web (apps/v1) not checked" in done.stdout
    assert "is valid" not in done.stdout
