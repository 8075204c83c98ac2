"""The local stand-in Tasks' scripts, run directly as the engine would run them.

These pin what each stand-in does on its own (clone, build, results, log lines), so a
failure here points at the Task, not at the engine.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from finale.adapters.yaml.load import read_files
from finale.demo.sample_app import SampleRepo, make_sample_repo

from .harness import EXAMPLE

_VARIABLE = re.compile(r"\$\((params|workspaces|results)\.([A-Za-z0-9_-]+)(?:\.path)?\)")


def run_step(task_file: str, tmp: Path, params: Mapping[str, str], args: Sequence[str] = ()) -> tuple[int, str, dict]:
    """Run the Task's only step with its env filled in; returns exit code, log, results.

    `args` stand for the step's expanded `args` (an array param), which this does not expand.
    """
    spec: dict[str, Any] = read_files([str(EXAMPLE / "tasks" / task_file)])[0].data["spec"]
    values = {p["name"]: p.get("default", "") for p in spec["params"]} | dict(params)
    results_dir = tmp / "results"
    results_dir.mkdir(exist_ok=True)

    def substitute(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            kind, name = match.groups()
            if kind == "params":
                return values[name]
            if kind == "workspaces":
                return str(tmp / "workspace")
            return str(results_dir / name)

        return _VARIABLE.sub(one, text)

    [step] = spec["steps"]
    env = {e["name"]: substitute(e["value"]) for e in step["env"]}
    script = tmp / "script"
    script.write_text(step["script"], encoding="utf-8")
    script.chmod(0o755)
    (tmp / "workspace").mkdir(exist_ok=True)
    done = subprocess.run(
        [str(script), *args],
        env={"PATH": os.environ["PATH"], "HOME": str(tmp), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    results = {p.name: p.read_text() for p in results_dir.iterdir()}
    return done.returncode, done.stdout + done.stderr, results


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> SampleRepo:
    return make_sample_repo(tmp_path_factory.mktemp("stand-in") / "app")


def test_git_clone_checks_out_the_revision_and_writes_results(repo: SampleRepo, tmp_path) -> None:
    code, log, results = run_step("git-clone.yaml", tmp_path, {"url": str(repo.path), "revision": repo.broken_sha})

    assert code == 0, log
    assert results["commit"] == repo.broken_sha
    assert results["url"] == str(repo.path)
    assert results["committer-date"].strip().isdigit()
    assert "Helo" in (tmp_path / "workspace" / "greet.sh").read_text()


def test_git_clone_empties_the_workspace_first(repo: SampleRepo, tmp_path) -> None:
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / "stale.txt").write_text("from an earlier run")

    code, log, _ = run_step("git-clone.yaml", tmp_path, {"url": str(repo.path)})

    assert code == 0, log
    assert not (tmp_path / "workspace" / "stale.txt").exists()


def test_git_clone_of_a_missing_repository_fails(tmp_path) -> None:
    code, log, results = run_step("git-clone.yaml", tmp_path, {"url": str(tmp_path / "nothing")})

    assert code != 0
    assert "does not exist" in log
    assert "commit" not in results


@pytest.mark.parametrize(
    ("commit", "code", "expected_log"),
    [
        pytest.param("good", 0, "test passed: Hello, World!", id="good"),
        pytest.param("broken", 1, "test failed: expected 'Hello, World!'", id="broken"),
    ],
)
def test_buildpacks_without_pack_runs_the_apps_build(
    repo: SampleRepo, tmp_path, commit: str, code: int, expected_log: str
) -> None:
    sha = repo.good_sha if commit == "good" else repo.broken_sha
    run_step("git-clone.yaml", tmp_path, {"url": str(repo.path), "revision": sha})

    exit_code, log, results = run_step(
        "buildpacks.yaml",
        tmp_path,
        {"APP_IMAGE": "registry.example.com/demo/greeter:1", "BUILDER_IMAGE": "builder:base"},
    )

    assert exit_code == code, log
    assert "pack not found: running the app's own ./build.sh instead of builder builder:base" in log
    assert expected_log in log
    if code == 0:
        assert results["APP_IMAGE_URL"] == "registry.example.com/demo/greeter:1"
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", results["APP_IMAGE_DIGEST"])


def test_buildpacks_sets_env_vars_for_the_build(tmp_path) -> None:
    (tmp_path / "workspace").mkdir()
    (tmp_path / "workspace" / "build.sh").write_text('echo "mode=$BUILD_MODE"\n')

    code, log, _ = run_step(
        "buildpacks.yaml",
        tmp_path,
        {"APP_IMAGE": "x", "BUILDER_IMAGE": "b"},
        ["BUILD_MODE=release", "no-equals-sign"],
    )

    assert code == 0, log
    assert "mode=release" in log
    assert "ignoring ENV_VARS entry without KEY=: no-equals-sign" in log


def test_buildpacks_with_nothing_to_build_says_how_to_fix_it(tmp_path) -> None:
    code, log, _ = run_step("buildpacks.yaml", tmp_path, {"APP_IMAGE": "x", "BUILDER_IMAGE": "b"})

    assert code == 1
    assert "no build.sh or Makefile" in log
