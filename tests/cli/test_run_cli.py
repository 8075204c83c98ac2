"""`finale run` in-process: exit codes, output shapes, messages for bad input."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from finale.cli.main import main

PIPELINE = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: hello
spec:
  params:
    - name: who
      default: world
  workspaces:
    - name: out
  tasks:
    - name: greet
      taskRef:
        name: greeter
      params:
        - name: who
          value: $(params.who)
      workspaces:
        - name: dest
          workspace: out
---
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: greeter
spec:
  params:
    - name: who
  workspaces:
    - name: dest
  results:
    - name: greeting
  steps:
    - name: say
      image: busybox
      env:
        - name: TOKEN
          valueFrom:
            secretKeyRef: {name: creds, key: token}
      script: |
        printf 'hello %s' "$(params.who)" | tee $(results.greeting.path) > $(workspaces.dest.path)/greeting.txt
        echo "token is $TOKEN"
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  token: s3cr3t-value
"""


@pytest.fixture
def pipeline_file(tmp_path: Path) -> Path:
    path = tmp_path / "hello.yaml"
    path.write_text(PIPELINE)
    return path


def test_bare_pipeline_runs_with_defaults_and_prints_a_v1_list(
    pipeline_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    code = main(["run", "-f", str(pipeline_file), "-w", f"out={out_dir}", "-p", "who=finale", "-o", "json"])
    printed = capsys.readouterr().out
    assert code == 0
    doc = json.loads(printed)
    assert (doc["apiVersion"], doc["kind"]) == ("v1", "List")
    run, taskrun = doc["items"]
    assert run["kind"] == "PipelineRun" and run["status"]["conditions"][0]["reason"] == "Succeeded"
    assert run["status"]["childReferences"] == [
        {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "name": "hello-run-greet", "pipelineTaskName": "greet"}
    ]
    assert taskrun["metadata"]["labels"]["tekton.dev/pipelineTask"] == "greet"
    assert taskrun["status"]["results"] == [{"name": "greeting", "type": "string", "value": "hello finale"}]
    assert (out_dir / "greeting.txt").read_text() == "hello finale"
    assert "s3cr3t-value" not in printed


def test_yaml_and_name_outputs(pipeline_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-f", str(pipeline_file), "-o", "name"]) == 0
    assert capsys.readouterr().out == "pipelinerun.tekton.dev/hello-run\ntaskrun.tekton.dev/hello-run-greet\n"
    assert main(["run", "-f", str(pipeline_file), "-o", "yaml"]) == 0
    doc = YAML(typ="safe").load(capsys.readouterr().out)
    assert doc["items"][0]["status"]["conditions"][0]["status"] == "True"


def test_summary_masks_secrets_in_logs(pipeline_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-f", str(pipeline_file)]) == 0
    out = capsys.readouterr().out
    assert "[greet : say] token is ***" in out
    assert "s3cr3t-value" not in out
    assert "PipelineRun hello-run: Succeeded (True)" in out


def test_failed_run_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "fail.yaml"
    path.write_text(PIPELINE.replace('echo "token is $TOKEN"', "exit 3"))
    assert main(["run", "-f", str(path), "-o", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["items"][1]["status"]["conditions"][0]["message"] == '"step-say" exited with code 3: Error'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["-p", "nobody=x"], "-p nobody: the Pipeline run from", id="unknown-param"),
        pytest.param(["-p", "novalue"], "-p novalue: expected NAME=VALUE", id="malformed-param"),
        pytest.param(
            ["-w", "nope=/tmp/x"], '-w nope: the Pipeline declares no workspace "nope"', id="unknown-workspace"
        ),
        pytest.param(["--cancel-after", "soon"], "--cancel-after soon: not a duration", id="bad-duration"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(
    pipeline_file: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["run", "-f", str(pipeline_file), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_task_is_named_with_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PIPELINE.split("---")[0])
    assert main(["run", "-f", str(path)]) == 2
    err = capsys.readouterr().err
    assert (
        f'{path}: spec.tasks[0].taskRef.name: no Task "greeter" in the files given (Tasks given: none); '
        "add its file with -f" in err
    )


def test_malformed_yaml_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("kind: Pipeline\nspec:\n  tasks: [a\n")
    assert main(["run", "-f", str(path)]) == 2
    assert f"{path}:" in capsys.readouterr().err


def test_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-f", "no-such.yaml"]) == 2
    assert "no-such.yaml: no such file" in capsys.readouterr().err


def test_stdin_and_python_dash_m(pipeline_file: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "finale", "run", "-f", "-", "-o", "name"],
        input=pipeline_file.read_text(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "pipelinerun.tekton.dev/hello-run"


def test_cancel_after_graceful_mode_still_runs_finally(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "slow.yaml"
    path.write_text(
        """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: slow}
spec:
  pipelineSpec:
    tasks:
      - {name: wait, taskSpec: {steps: [{image: x, script: "sleep 5"}]}}
      - {name: after, runAfter: [wait], taskSpec: {steps: [{image: x, script: "true"}]}}
    finally:
      - name: report
        params: [{name: s, value: $(tasks.status)}]
        taskSpec: {params: [{name: s}], steps: [{image: x, script: 'echo "$(params.s)"'}]}
"""
    )
    code = main(
        ["run", "-f", str(path), "--cancel-after", "300ms", "--cancel-mode", "CancelledRunFinally", "-o", "json"]
    )
    assert code == 1
    items = json.loads(capsys.readouterr().out)["items"]
    cond = items[0]["status"]["conditions"][0]
    assert (cond["reason"], cond["message"]) == ("Cancelled", 'PipelineRun "slow" was cancelled')
    reasons = {
        i["metadata"]["labels"]["tekton.dev/pipelineTask"]: i["status"]["conditions"][0]["reason"] for i in items[1:]
    }
    assert reasons == {"wait": "TaskRunCancelled", "report": "Succeeded"}
    assert items[2]["spec"]["params"] == [{"name": "s", "value": "Failed"}]


def test_stdin_is_read_once(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PIPELINE))
    assert main(["run", "-f", "-", "-o", "name"]) == 0
