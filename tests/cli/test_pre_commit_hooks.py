"""`.pre-commit-hooks.yaml`: the hooks other repositories install."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

HOOKS = Path(__file__).parent.parent.parent / ".pre-commit-hooks.yaml"


def test_hooks_run_validate_and_check_on_yaml_files() -> None:
    hooks = YAML(typ="safe", pure=True).load(HOOKS.read_text())
    assert [(h["id"], h["entry"], h["language"]) for h in hooks] == [
        ("finale-validate", "finale validate -f", "python"),
        ("finale-check", "finale check --skip-missing-pipelines -f", "python"),
    ]
    for hook in hooks:
        pattern = re.compile(hook["files"])
        # pre-commit matches `files` with re.search against the repository-relative path.
        assert pattern.search("deploy/pipeline.yaml")
        assert pattern.search("tekton/run.yml")
        assert not pattern.search("package.json")
        assert not pattern.search("notes.yaml.txt")


def test_entries_take_several_files_after_one_flag(capsys: object) -> None:
    """pre-commit appends every changed file after the entry: `finale validate -f a.yaml b.yaml`."""
    from finale.cli.main import main

    examples = Path(__file__).parent.parent.parent / "examples" / "buildpacks-gitlab"
    files = [str(examples / "pipeline.yaml"), str(examples / "secret.yaml")]
    hooks = YAML(typ="safe", pure=True).load(HOOKS.read_text())
    for hook in hooks:
        argv = hook["entry"].split()[1:] + files
        assert main(argv) in (0, 1), hook["id"]  # 1: check found a problem; never a usage error


def _hook_argv(hook_id: str) -> list[str]:
    hooks = YAML(typ="safe", pure=True).load(HOOKS.read_text())
    return next(h["entry"] for h in hooks if h["id"] == hook_id).split()[1:]


TASK = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps: [{name: s, image: alpine}]\n"


def test_check_hook_passes_quietly_without_a_pipeline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from finale.cli.main import main

    ci = tmp_path / ".gitlab-ci.yml"
    ci.write_text("stages: [build]\nbuild:\n  script: [make]\n")
    task = tmp_path / "task.yaml"
    task.write_text(TASK)
    assert main([*_hook_argv("finale-check"), str(ci), str(task)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"note: {ci}: not a Kubernetes object (no apiVersion, no kind); skipped\n"
        f"note: no Pipeline or PipelineRun in {ci}, {task}: nothing to check\n"
    )


def test_check_hook_checks_each_pipeline(capsys: pytest.CaptureFixture[str]) -> None:
    from finale.cli.main import main

    fixtures = Path(__file__).parent.parent / "fixtures" / "check"
    clean, seed = fixtures / "clean-three-reporters.yaml", fixtures / "seed-original.yaml"
    assert main([*_hook_argv("finale-check"), str(clean), str(seed)]) == 1
    out = capsys.readouterr().out
    assert out.count("result: ") == 2
    assert "distinct runs reports exactly one final status" in out


def test_check_hook_as_a_real_process_on_a_task_file(tmp_path: Path) -> None:
    task = tmp_path / "task.yaml"
    task.write_text(TASK)
    done = subprocess.run(
        [sys.executable, "-m", "finale", *_hook_argv("finale-check"), str(task)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "")
    assert done.stderr == f"note: no Pipeline or PipelineRun in {task}: nothing to check\n"


def test_check_hook_skips_a_pipelinerun_whose_pipeline_is_not_in_the_commit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A commit of a PipelineRun alone: its Pipeline lives in another file pre-commit did not pass."""
    from finale.cli.main import main

    examples = Path(__file__).parent.parent.parent / "examples" / "buildpacks-gitlab"
    assert main([*_hook_argv("finale-check"), str(examples / "pipelinerun.yaml")]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"note: {examples / 'pipelinerun.yaml'}: PipelineRun buildpacks-test-pipeline-run not checked: "
        'its Pipeline "buildpacks-test-pipeline" is not in the files given\n'
        f"note: no Pipeline or PipelineRun left to check in {examples / 'pipelinerun.yaml'}\n"
    )


def test_check_hook_still_checks_the_pipelinerun_when_its_pipeline_comes_along(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from finale.cli.main import main

    examples = Path(__file__).parent.parent.parent / "examples" / "buildpacks-gitlab"
    files = [str(examples / "pipelinerun.yaml"), str(examples / "pipeline.yaml")]
    assert main([*_hook_argv("finale-check"), *files]) == 0
    assert "result: every one of" in capsys.readouterr().out


def test_check_without_the_hook_flag_still_asks_for_the_missing_pipeline(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from finale.cli.main import main

    examples = Path(__file__).parent.parent.parent / "examples" / "buildpacks-gitlab"
    assert main(["check", "-f", str(examples / "pipelinerun.yaml")]) == 2
    assert 'no Pipeline "buildpacks-test-pipeline" in the files given' in capsys.readouterr().err
