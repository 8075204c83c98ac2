"""The gitlab-set-status Task inside a PipelineRun run by `finale run`, as a `finally` reporter."""

from __future__ import annotations

import importlib.resources
import json
import subprocess
import sys
from pathlib import Path

import pytest

from finale.gitlab_emulator import load_config, serve
from finale.gitlab_emulator.sample import PROJECT_PATH, make_sample_repo, sample_config
from finale.testing.fault_http import FaultServer, json_reply

SHA = "0123456789abcdef0123456789abcdef01234567"
TOKEN = "glpat-developer"
TASK = importlib.resources.files("finale") / "resources" / "gitlab-set-status.yaml"


def pipeline_docs(build_exit: int) -> list[dict]:
    param = {"name": "DESC"}
    report_params = {
        "STATE": "$(tasks.status)",
        "GITLAB_HOST_URL": "$(params.GITLAB_HOST)",
        "REPO_FULL_NAME": "$(params.PROJECT)",
        "SHA": "$(params.SHA)",
        "REF": "$(params.REF)",
        "TARGET_URL": "http://dash.example/#/pipelineruns/$(context.pipelineRun.name)",
        "CONTEXT": "$(params.DESC)",
        "DESCRIPTION": "$(params.DESC)",
        "RETRY_BUDGET": "5",
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "gitlab-api-secret"},
            "stringData": {"token": TOKEN},
        },
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "Task",
            "metadata": {"name": "build"},
            "spec": {"steps": [{"name": "build", "image": "alpine", "script": f"#!/bin/sh\nexit {build_exit}\n"}]},
        },
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "Pipeline",
            "metadata": {"name": "ci"},
            "spec": {
                "params": [{"name": n} for n in ("GITLAB_HOST", "PROJECT", "SHA", "REF")] + [param],
                "tasks": [{"name": "build", "taskRef": {"name": "build"}}],
                "finally": [
                    {
                        "name": "report",
                        "taskRef": {"name": "gitlab-set-status"},
                        "params": [{"name": k, "value": v} for k, v in report_params.items()],
                    }
                ],
            },
        },
        {
            "apiVersion": "tekton.dev/v1",
            "kind": "PipelineRun",
            "metadata": {"name": "ci-run"},
            "spec": {"pipelineRef": {"name": "ci"}},
        },
    ]


def run_pipeline(tmp_path, gitlab_url, *, desc, build_exit=0, project="group/app", sha=SHA, ref="main"):
    files = tmp_path / "run.json"
    files.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": pipeline_docs(build_exit)}))
    # A real `python -m finale run`: the steps are processes of that run, not of pytest.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "finale",
            "run",
            "-f",
            str(files),
            "-f",
            str(TASK),
            "-o",
            "json",
            "-p",
            f"GITLAB_HOST={gitlab_url}",
            "-p",
            f"PROJECT={project}",
            "-p",
            f"SHA={sha}",
            "-p",
            f"REF={ref}",
            "-p",
            f"DESC={desc}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert TOKEN not in done.stdout + done.stderr
    items = {i["metadata"]["name"]: i for i in json.loads(done.stdout)["items"]}
    return done.returncode, items


def condition(item) -> tuple[str, str]:
    [cond] = item["status"]["conditions"]
    return cond["status"], cond["reason"]


def results(item) -> dict[str, str]:
    return {r["name"]: r["value"] for r in item["status"].get("results", [])}


@pytest.mark.parametrize(
    "desc",
    [
        "\"; import os; os.system('touch {marker}')",
        "$(touch {marker}) `touch {marker}` ''' \"\"\" ünï ✓ \\ $(params.SHA)",
        "first line\nsecond line",
    ],
)
def test_hostile_params_arrive_verbatim_through_finale_run(tmp_path, desc):
    marker = tmp_path / "executed"
    value = desc.format(marker=marker)
    with FaultServer(pipeline_id=88) as server:
        code, items = run_pipeline(tmp_path, server.base_url, desc=value)
    assert code == 0
    assert condition(items["ci-run"]) == ("True", "Succeeded")
    assert results(items["ci-run-report"]) == {"GITLAB_STATUS_ID": "1001", "GITLAB_PIPELINE_ID": "88"}
    [seen] = server.requests
    assert seen.json == {
        "state": "success",
        "name": value,
        "ref": "main",
        "target_url": "http://dash.example/#/pipelineruns/ci-run",
        "description": value,
    }
    assert seen.headers["Private-Token"] == TOKEN
    assert not marker.exists()


def test_failed_build_reports_failed(tmp_path):
    with FaultServer() as server:
        code, items = run_pipeline(tmp_path, server.base_url, desc="ci", build_exit=3)
    assert condition(items["ci-run"])[0] == "False"
    assert condition(items["ci-run-report"]) == ("True", "Succeeded")
    assert server.requests[0].json["state"] == "failed"
    assert code != 0


def test_gitlab_refusal_fails_the_reporter(tmp_path):
    with FaultServer([json_reply(401, {"message": "401 Unauthorized"})]) as server:
        _, items = run_pipeline(tmp_path, server.base_url, desc="ci")
    assert condition(items["ci-run-report"])[0] == "False"
    assert condition(items["ci-run"])[0] == "False"
    assert len(server.requests) == 1


def test_reports_to_the_gitlab_emulator(tmp_path):
    repo = make_sample_repo(tmp_path / "app")
    with serve(load_config(sample_config(repo.path))) as gitlab:
        gitlab.set_faults(throttle=1, retry_after=0)
        code, items = run_pipeline(
            tmp_path, gitlab.base_url, desc="tekton", project=PROJECT_PATH, sha=repo.feature, ref="feature/x"
        )
        [pipeline] = gitlab.pipelines()
    assert code == 0
    assert [(j["name"], j["status"]) for j in pipeline["jobs"]] == [("tekton", "success")]
    assert results(items["ci-run-report"])["GITLAB_PIPELINE_ID"] == str(pipeline["id"])


SAMPLES = Path(__file__).resolve().parents[2] / "tekton/task/gitlab-set-status/0.1/samples"


def test_sample_pipeline_reports_running_then_success(tmp_path):
    run = {
        "apiVersion": "tekton.dev/v1",
        "kind": "PipelineRun",
        "metadata": {"name": "sample"},
        "spec": {"pipelineRef": {"name": "build-and-report"}},
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "gitlab-api-secret"},
        "stringData": {"token": TOKEN},
    }
    (tmp_path / "run.json").write_text(json.dumps({"kind": "List", "apiVersion": "v1", "items": [run, secret]}))
    with FaultServer() as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "finale",
                "run",
                "-f",
                str(tmp_path / "run.json"),
                "-f",
                str(SAMPLES / "pipeline.yaml"),
                "-f",
                str(TASK),
                "-o",
                "name",
                "-p",
                f"GITLAB_HOST={server.base_url}",
                "-p",
                "PROJECT=group/app",
                "-p",
                f"SHA={SHA}",
                "-p",
                "REF=main",
                "-p",
                "DASHBOARD_URL=http://dash",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 0, done.stderr
    assert [r.json["state"] for r in server.requests] == ["running", "success"]
    assert server.requests[0].json["target_url"] == ("http://dash/#/namespaces/default/pipelineruns/sample")
    assert "all tasks succeeded" in server.requests[1].json["description"]
