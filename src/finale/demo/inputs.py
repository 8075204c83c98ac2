"""The files one local run of the seed pipeline needs, written into a work directory.

The Pipeline and the stand-in Tasks are the bundled copies of `examples/buildpacks-gitlab/`
(a test keeps them identical); the reporter is the bundled `gitlab-set-status` Task.
The Secret and PipelineRun are made per run, so the token lives only in a 0600 file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

SEED_PIPELINE = "pipeline-v1beta1.yaml"
STAND_IN_TASKS = ("git-clone.yaml", "buildpacks.yaml")
REPORTER_TASK = "gitlab-set-status.yaml"
TOKEN_SECRET = "gitlab-api-secret"
DASHBOARD_URL = "http://127.0.0.1:9097"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSpec:
    """What varies between runs of the seed pipeline."""

    name: str
    pipeline_name: str = "buildpacks-test-pipeline"
    params: Mapping[str, str]
    timeouts: Mapping[str, str] = field(default_factory=dict)


def seed_params(*, gitlab_url: str, source_url: str, project_path: str, sha: str) -> dict[str, str]:
    """The seed Pipeline's params for one commit of a project served at `gitlab_url`."""
    return {
        "IMAGE": f"registry.example.com/{project_path}:{sha[:12]}",
        "SOURCE_URL": source_url,
        "REPO_PATH_ONLY": project_path,
        "SOURCE_REVISION": sha,
        "GITLAB_HOST": gitlab_url,
        "TEKTON_DASHBOARD_HOST": DASHBOARD_URL,
    }


def pipeline_run_document(spec: RunSpec) -> dict[str, Any]:
    """A v1 PipelineRun for `spec`; both workspaces are emptyDir, as nothing outlives a run."""
    run_spec: dict[str, Any] = {
        "pipelineRef": {"name": spec.pipeline_name},
        "params": [{"name": k, "value": v} for k, v in spec.params.items()],
        "workspaces": [
            {"name": "source-workspace", "emptyDir": {}},
            {"name": "cache-workspace", "emptyDir": {}},
        ],
    }
    if spec.timeouts:
        run_spec["timeouts"] = dict(spec.timeouts)
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"name": spec.name},
        "spec": run_spec,
    }


def secret_document(token: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": TOKEN_SECRET},
        "type": "Opaque",
        "stringData": {"token": token},
    }


def resource_text(name: str) -> str:
    """A bundled file: `demo/<name>` for the seed files, or the reporter Task."""
    base = resources.files("finale").joinpath("resources")
    path = base.joinpath(name) if name == REPORTER_TASK else base.joinpath("demo", name)
    return path.read_text(encoding="utf-8")


def write_shared_files(workdir: Path, *, token: str) -> list[Path]:
    """Write the Pipeline, Tasks and Secret once; returns the paths to give `finale run -f`."""
    workdir.mkdir(parents=True, exist_ok=True)
    paths = [_write(workdir / n, resource_text(n)) for n in (SEED_PIPELINE, *STAND_IN_TASKS)]
    paths.append(_write(workdir / REPORTER_TASK, resource_text(REPORTER_TASK)))
    paths.append(_write_private(workdir / "secret.yaml", json.dumps(secret_document(token))))
    return paths


def write_documents(path: Path, documents: Sequence[Mapping[str, Any]]) -> Path:
    """Write documents as a YAML stream (JSON is YAML, and needs no dumper)."""
    text = "".join(f"---\n{json.dumps(doc, indent=2)}\n" for doc in documents)
    return _write(path, text)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _write_private(path: Path, text: str) -> Path:
    # Created 0600 from the start so the token is never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path
