"""Run the seed pipeline (and variants) with `finale run` against a real GitLab emulator.

Each test gets a fresh emulator on 127.0.0.1 serving two sample-app repositories: one whose
build is instant and one whose build takes 2 s (for timeouts and cancellation).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from finale.demo.inputs import RunSpec, pipeline_run_document, secret_document, seed_params
from finale.demo.runner import run_pipeline
from finale.demo.sample_app import SampleRepo, make_sample_repo
from finale.demo.statuses import read_statuses
from finale.gitlab_emulator import load_config, serve

from .harness import (
    PROJECTS,
    REPORTER_TASK,
    SLOW_BUILD_SECONDS,
    STAND_INS,
    Outcome,
    SeedRunner,
    load_pipeline,
    write_json,
)


@dataclass(frozen=True)
class Gitlab:
    base_url: str
    token: str


@pytest.fixture(scope="session")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SampleRepo]:
    base = tmp_path_factory.mktemp("seed-repos")
    return {
        "fast": make_sample_repo(base / "fast"),
        "slow": make_sample_repo(base / "slow", build_seconds=SLOW_BUILD_SECONDS),
    }


@pytest.fixture
def gitlab(repos: dict[str, SampleRepo]) -> Iterator[Gitlab]:
    token = f"glpat-{secrets.token_urlsafe(16)}"
    projects = [
        {"id": i, "path": PROJECTS[k], "repository": str(repos[k].path), "protected_branches": ["main"]}
        for i, k in enumerate(("fast", "slow"), start=1)
    ]
    user = {
        "username": "tekton-bot",
        "roles": {path: "maintainer" for path in PROJECTS.values()},
        "tokens": [{"value": token, "scopes": ["api"]}],
    }
    with serve(load_config({"projects": projects, "users": [user]})) as running:
        yield Gitlab(base_url=running.base_url, token=token)


@pytest.fixture
def run_seed(tmp_path: Path, gitlab: Gitlab, repos: dict[str, SampleRepo]) -> SeedRunner:
    """Run a Pipeline from the example (optionally changed) on one commit; read GitLab back."""
    counter = iter(range(1, 100))

    def run(
        *,
        pipeline: str | Mapping[str, Any] = "pipeline-v1beta1.yaml",
        commit: str = "good",
        app: str = "fast",
        timeouts: Mapping[str, str] | None = None,
        args: Sequence[str] = (),
        source_url: str | None = None,
        tasks: Sequence[Path] = STAND_INS,
        secret_token: str | None = None,
    ) -> Outcome:
        document = load_pipeline(pipeline) if isinstance(pipeline, str) else pipeline
        repo = repos[app]
        sha = repo.good_sha if commit == "good" else repo.broken_sha
        run_name = f"seed-run-{next(counter)}"
        spec = RunSpec(
            name=run_name,
            pipeline_name=document["metadata"]["name"],
            params=seed_params(
                gitlab_url=gitlab.base_url,
                source_url=source_url or str(repo.path),
                project_path=PROJECTS[app],
                sha=sha,
            ),
            timeouts=timeouts or {},
        )
        files = [
            write_json(tmp_path / f"{run_name}-pipeline.yaml", document),
            *tasks,
            REPORTER_TASK,
            write_json(tmp_path / f"{run_name}-secret.yaml", secret_document(secret_token or gitlab.token)),
            write_json(tmp_path / f"{run_name}-run.yaml", pipeline_run_document(spec)),
        ]
        result = run_pipeline(files, args, cwd=tmp_path, timeout=60)
        statuses = read_statuses(gitlab.base_url, PROJECTS[app], sha, gitlab.token)
        return Outcome(run=result, statuses=statuses, run_name=run_name)

    return run
