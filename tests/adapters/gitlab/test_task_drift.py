"""The Task YAML is generated: both copies match the renderer, the script matches the modules."""

from __future__ import annotations

import ast
import importlib.resources
import subprocess
import sys
from pathlib import Path

from finale.adapters.gitlab import task_render, task_yaml
from finale.adapters.yaml.load import parse_text

ROOT = Path(__file__).resolve().parents[3]
CATALOG_COPY = ROOT / "tekton" / "task" / "gitlab-set-status" / "0.1" / "gitlab-set-status.yaml"
REGENERATE = "regenerate: python -m finale.adapters.gitlab.task_render > {}"


def packaged_text() -> str:
    resource = importlib.resources.files("finale") / "resources" / "gitlab-set-status.yaml"
    return resource.read_text(encoding="utf-8")


def test_packaged_resource_matches_the_renderer():
    assert packaged_text() == task_render.render_task(), REGENERATE.format(
        "src/finale/resources/gitlab-set-status.yaml"
    )


def test_catalog_copy_is_identical_to_the_resource():
    assert CATALOG_COPY.read_text(encoding="utf-8") == packaged_text(), REGENERATE.format(
        CATALOG_COPY.relative_to(ROOT)
    )


def test_embedded_script_is_the_client_modules_verbatim():
    [doc] = parse_text(packaged_text(), "gitlab-set-status.yaml")
    [step] = doc.data["spec"]["steps"]
    script = step["script"]
    assert script.startswith("#!/usr/bin/env python3\n")
    for name in task_render.SCRIPT_MODULES:
        source = task_render.strip_finale_imports(task_render._module_source(name)).strip("\n")
        assert source in script, f"{name} drifted from the Task script"
    ast.parse(script)  # still valid Python
    imports = [n for n in ast.walk(ast.parse(script)) if isinstance(n, ast.ImportFrom)]
    assert not [n.module for n in imports if (n.module or "").startswith("finale")]


def test_params_reach_the_script_only_through_env():
    [doc] = parse_text(packaged_text(), "gitlab-set-status.yaml")
    [step] = doc.data["spec"]["steps"]
    assert "$(" not in step["script"]  # Tekton would substitute it: no param text in code
    env = {e["name"]: e for e in step["env"]}
    for param in task_yaml.PARAMS:
        if param.name.startswith("GITLAB_TOKEN_") or param.name == "IMAGE":
            continue
        assert env[param.name]["value"] == f"$(params.{param.name})"
    secret = env["GITLAB_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert secret == {"name": "$(params.GITLAB_TOKEN_SECRET_NAME)", "key": "$(params.GITLAB_TOKEN_SECRET_KEY)"}


def test_catalog_0_2_params_keep_names_and_defaults():
    [doc] = parse_text(packaged_text(), "gitlab-set-status.yaml")
    params = {p["name"]: p.get("default") for p in doc.data["spec"]["params"]}
    assert {
        k: params[k]
        for k in (
            "GITLAB_HOST_URL",
            "API_PATH_PREFIX",
            "REPO_FULL_NAME",
            "GITLAB_TOKEN_SECRET_NAME",
            "GITLAB_TOKEN_SECRET_KEY",
            "SHA",
            "TARGET_URL",
            "DESCRIPTION",
            "CONTEXT",
            "STATE",
            "COVERAGE",
        )
    } == {
        "GITLAB_HOST_URL": "gitlab.com",
        "API_PATH_PREFIX": "/api/v4",
        "REPO_FULL_NAME": None,
        "GITLAB_TOKEN_SECRET_NAME": "gitlab-api-secret",
        "GITLAB_TOKEN_SECRET_KEY": "token",
        "SHA": None,
        "TARGET_URL": None,
        "DESCRIPTION": None,
        "CONTEXT": "continuous-integration/tekton",
        "STATE": None,
        "COVERAGE": "",
    }
    assert doc.data["apiVersion"] == "tekton.dev/v1" and doc.data["kind"] == "Task"
    annotations = doc.data["metadata"]["annotations"]
    for key in ("pipelines.minVersion", "categories", "tags", "displayName", "platforms"):
        assert annotations[f"tekton.dev/{key}"]
    assert [r["name"] for r in doc.data["spec"]["results"]] == ["GITLAB_STATUS_ID", "GITLAB_PIPELINE_ID"]


def test_catalog_samples_are_valid_yaml():
    samples = sorted((CATALOG_COPY.parent / "samples").glob("*.yaml"))
    assert [s.name for s in samples] == ["pipeline.yaml", "pipelinerun.yaml", "secret.yaml"]
    for sample in samples:
        assert parse_text(sample.read_text(encoding="utf-8"), sample.name)


def test_regeneration_command_prints_the_resource():
    done = subprocess.run(
        [sys.executable, "-m", "finale.adapters.gitlab.task_render"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout == packaged_text()


def test_the_step_runs_restricted_in_the_image_param_pinned_by_digest():
    [doc] = parse_text(packaged_text(), "gitlab-set-status.yaml")
    [step] = doc.data["spec"]["steps"]
    image = next(p for p in doc.data["spec"]["params"] if p["name"] == "IMAGE")
    assert step["image"] == "$(params.IMAGE)" and "IMAGE" not in {e["name"] for e in step["env"]}
    assert image["default"].split("@sha256:")[1].isalnum() and len(image["default"].split("@sha256:")[1]) == 64
    assert step["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 65532,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert step["computeResources"]["requests"] == {"cpu": "10m", "memory": "32Mi"}
