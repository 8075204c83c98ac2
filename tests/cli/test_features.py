"""`--feature`: every flag finale implements is accepted; the rest are refused by name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from finale.cli.main import main

# Shaped like upstream's examples/v1/pipelineruns/alpha/consume-artifacts-from-task.yaml.
ARTIFACTS = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: consume-artifacts-
spec:
  pipelineSpec:
    tasks:
      - name: produce
        taskSpec:
          steps:
            - name: produce
              image: bash
              script: echo '{}' > $(artifacts.path)
      - name: consume
        runAfter: [produce]
        taskSpec:
          steps:
            - name: consume
              image: python
              script: echo '$(tasks.produce.outputs.image)'
"""


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    path = tmp_path / "artifacts.yaml"
    path.write_text(ARTIFACTS)
    return path


def test_artifacts_validate_with_the_flag_the_error_names(artifacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-f", str(artifacts)]) == 2
    assert "pass --feature enable-artifacts" in capsys.readouterr().out
    assert main(["validate", "-f", str(artifacts), "--feature", "enable-artifacts"]) == 0
    assert capsys.readouterr().out == f"{artifacts}: PipelineRun/consume-artifacts-* is valid\n"


@pytest.mark.parametrize("command", ["check", "graph"])
def test_artifacts_pass_check_and_graph_alike(
    command: str, artifacts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "-f", str(artifacts), "--feature", "enable-artifacts"]) in (0, 1)
    assert capsys.readouterr().err == ""


def test_run_refuses_artifacts_up_front(artifacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "-f", str(artifacts), "--feature", "enable-artifacts"]) == 2
    assert capsys.readouterr().err == (
        f"error: finale cannot run artifacts locally: {artifacts}: spec.pipelineSpec.tasks[0].taskSpec.steps[0]: "
        "the step reads or writes artifacts (enable-artifacts)\n"
        "  fix: pass the values as results instead for the local run\n"
        f"finale cannot run artifacts locally: {artifacts}: spec.pipelineSpec.tasks[1].taskSpec.steps[0]: "
        "the step reads or writes artifacts (enable-artifacts)\n"
        "  fix: pass the values as results instead for the local run\n"
    )


@pytest.mark.parametrize("flag", ["enable-cel-in-whenexpression", "enable-param-enum", "enable-artifacts=true"])
def test_implemented_flags_are_accepted(flag: str, artifacts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-f", str(artifacts), "--feature", "enable-artifacts", "--feature", flag]) == 0


def test_unimplemented_flag_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["validate", "-f", "x.yaml", "--feature", "coschedule"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "'coschedule' is a Tekton feature flag whose behaviour finale does not implement locally" in err
    assert "enable-artifacts, enable-api-fields=alpha|beta|stable" in err
    assert "(not implemented: await-sidecar-readiness, coschedule, " in err


def test_real_process(artifacts: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "finale", "validate", "-f", str(artifacts), "--feature", "enable-artifacts"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
