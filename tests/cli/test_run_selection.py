"""`finale run` on files with several PipelineRuns, `--name`, `-n/--namespace`, `-o yaml` shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from finale.cli.main import main


def _run(name: str, code: int, namespace: str = "") -> str:
    meta = f"{{name: {name}, namespace: {namespace}}}" if namespace else f"{{name: {name}}}"
    return f"""\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {meta}
spec:
  pipelineSpec:
    tasks:
      - name: t
        taskSpec:
          steps:
            - name: s
              image: alpine
              script: |
                echo "in $(context.pipelineRun.namespace)"
                exit {code}
"""


@pytest.fixture
def two_runs(tmp_path: Path) -> Path:
    path = tmp_path / "runs.yaml"
    path.write_text(_run("first", 0) + "---\n" + _run("second", 3))
    return path


def test_each_run_in_turn(two_runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-f", str(two_runs), "-o", "name"]) == 1  # the second failed
    assert capsys.readouterr().out == (
        "pipelinerun.tekton.dev/first\ntaskrun.tekton.dev/first-t\n"
        "pipelinerun.tekton.dev/second\ntaskrun.tekton.dev/second-t\n"
    )


def test_summaries_in_turn(two_runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-f", str(two_runs)]) == 1
    out = capsys.readouterr().out
    assert out.index("PipelineRun first: Succeeded (True)") < out.index("PipelineRun second: Failed (False)")


def test_name_picks_one(two_runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-f", str(two_runs), "--name", "first", "-o", "name"]) == 0
    assert capsys.readouterr().out == "pipelinerun.tekton.dev/first\ntaskrun.tekton.dev/first-t\n"
    assert main(["run", "-f", str(two_runs), "--name", "third"]) == 2
    assert capsys.readouterr().err == (
        "error: --name third: no PipelineRun of that name in the files given (PipelineRuns: first, second)\n"
    )


def test_namespace_sets_the_context_variable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(_run("r", 0))
    assert main(["run", "-f", str(path), "-n", "team-a", "-o", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {item["metadata"]["namespace"] for item in data["items"]} == {"team-a"}
    assert main(["run", "-f", str(path), "--namespace", "team-b"]) == 0
    assert "[t : s] in team-b" in capsys.readouterr().out


def test_namespace_must_match_the_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(_run("r", 0, namespace="ci"))
    assert main(["run", "-f", str(path), "-n", "other"]) == 2
    assert capsys.readouterr().err == (
        f'error: {path}: the namespace from the provided object "ci" does not match the namespace "other"\n'
        "  fix: pass -n ci, or change metadata.namespace\n"
    )


def test_bare_pipeline_run_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n"
        "    - name: t\n      taskSpec:\n        steps: [{name: s, image: alpine, script: 'true'}]\n"
    )
    assert main(["run", "-f", str(path), "--name", "nightly-1", "-n", "ci", "-o", "json"]) == 0
    run = json.loads(capsys.readouterr().out)["items"][0]
    assert (run["metadata"]["name"], run["metadata"]["namespace"]) == ("nightly-1", "ci")


def test_yaml_output_has_no_anchors(two_runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-f", str(two_runs), "-o", "yaml"]) == 1
    out = capsys.readouterr().out
    assert "&id" not in out and "*id" not in out
    assert out.count("\n  kind: PipelineRun\n") == 2


def test_real_process(two_runs: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "finale", "run", "-f", str(two_runs), "-o", "name"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert (done.returncode, done.stdout.count("pipelinerun.tekton.dev/")) == (1, 2)


def test_keep_keeps_the_step_logs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(_run("kept", 0))
    assert main(["run", "-f", str(path), "--keep", "-o", "name"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("working folder kept: ")
    workdir = Path(err.split("working folder kept: ", 1)[1].split(" (step logs in ")[0])
    try:
        assert (workdir / "logs" / "kept-t" / "s.log").read_text() == "in default\n"
    finally:
        import shutil

        shutil.rmtree(workdir)
