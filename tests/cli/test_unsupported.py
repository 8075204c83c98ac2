"""Features a local run cannot stand in for: refused up front, alike in every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from finale.cli.main import main

RESOLVER_RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {name: r}
spec:
  pipelineRef:
    resolver: git
    params:
      - {name: url, value: https://example.com/repo.git}
      - {name: pathInRepo, value: pipeline.yaml}
"""
BUNDLE_RUN = """\
apiVersion: tekton.dev/v1beta1
kind: PipelineRun
metadata: {name: r}
spec:
  pipelineRef: {name: p, bundle: registry.example.com/p:1}
"""
PIPELINE_IN_PIPELINE = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: outer}
spec:
  tasks:
    - name: inner
      pipelineRef: {name: other}
"""
STEP_ACTION = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
    - name: build
      taskSpec:
        steps:
          - name: clone
            ref: {name: git-clone}
"""

CASES = {
    "git-resolver": (
        RESOLVER_RUN,
        "finale cannot run remote Pipelines (git resolver) locally: {f}: spec.pipelineRef.resolver: "
        "resolver: git\n  fix: fetch its YAML, give it with -f and refer to it by name\n",
    ),
    "bundle": (
        BUNDLE_RUN,
        "finale cannot run remote Pipelines (bundles) locally: {f}: spec.pipelineRef.bundle: "
        "bundle: registry.example.com/p:1\n  fix: fetch its YAML, give it with -f and refer to it by name\n",
    ),
    "pipelines-in-pipelines": (
        PIPELINE_IN_PIPELINE,
        "finale cannot run pipelines in pipelines locally: {f}: spec.tasks[0].pipelineRef: the PipelineTask "
        "runs a Pipeline (pipelineRef)\n  fix: inline that Pipeline's tasks, or run it on its own with finale run\n",
    ),
    "step-action": (
        STEP_ACTION,
        "finale cannot run StepActions locally: {f}: spec.tasks[0].taskSpec.steps[0].ref: the step refers to "
        "StepAction git-clone\n  fix: write the StepAction's image and script into the step\n",
    ),
}


@pytest.mark.parametrize("command", ["run", "check", "graph", "instrument"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_with_exit_2(case: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, message = CASES[case]
    target = tmp_path / "p.yaml"
    target.write_text(text)
    # Refused before validation: no "set enable-api-fields=alpha" first for pipelines in pipelines.
    assert main([command, "-f", str(target)]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", "error: " + message.format(f=target))


def test_remote_task_is_refused_only_by_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "p.yaml"
    target.write_text(
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  tasks:\n"
        "    - name: a\n      taskRef: {resolver: hub, params: [{name: name, value: t}]}\n"
    )
    assert main(["graph", "-f", str(target)]) == 0
    capsys.readouterr()
    assert main(["run", "-f", str(target)]) == 2
    assert capsys.readouterr().err == (
        f"error: finale cannot run remote Tasks (hub resolver) locally: {target}: spec.tasks[0].taskRef.resolver: "
        "resolver: hub\n  fix: fetch its YAML, give it with -f and refer to it by name\n"
    )


def test_real_process(tmp_path: Path) -> None:
    target = tmp_path / "run.yaml"
    target.write_text(RESOLVER_RUN)
    done = subprocess.run(
        [sys.executable, "-m", "finale", "check", "-f", str(target)], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("error: finale cannot run remote Pipelines (git resolver) locally: ")
