"""The generated Task script, run as its own process with params in env vars, as Tekton would."""

from __future__ import annotations

import importlib.resources
import subprocess
import sys

import pytest

from finale.adapters.yaml.load import parse_text
from finale.testing.fault_http import FaultServer, json_reply

SHA = "0123456789abcdef0123456789abcdef01234567"
TOKEN = "glpat-task-SECRET"


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    text = importlib.resources.files("finale") / "resources" / "gitlab-set-status.yaml"
    [doc] = parse_text(text.read_text(encoding="utf-8"), "gitlab-set-status.yaml")
    path = tmp_path_factory.mktemp("task") / "set-status.py"
    path.write_text(doc.data["spec"]["steps"][0]["script"], encoding="utf-8")
    return path


def run_script(script, tmp_path, **env):
    results = {"RESULT_STATUS_ID": str(tmp_path / "status-id"), "RESULT_PIPELINE_ID": str(tmp_path / "pipeline-id")}
    # -I -S: no site-packages, so finale itself cannot be imported: the script stands alone.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(script)],
        env={"GITLAB_TOKEN": TOKEN, "RETRY_BUDGET": "5", **results, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_posts_and_writes_results(script, tmp_path):
    with FaultServer(pipeline_id=88) as server:
        done = run_script(
            script,
            tmp_path,
            GITLAB_HOST_URL=server.base_url,
            API_PATH_PREFIX="/api/v4",
            REPO_FULL_NAME="group/app",
            SHA=SHA,
            STATE="Completed",
            CONTEXT="tekton-pipeline",
            TARGET_URL="",
            DESCRIPTION="",
            COVERAGE="",
            REF="main",
            PIPELINE_ID="",
            SSL_VERIFY="true",
            CA_BUNDLE="",
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"gitlab: group/app@{SHA} set to success (status 1001, pipeline 88)\n"
    assert (tmp_path / "status-id").read_text() == "1001"
    assert (tmp_path / "pipeline-id").read_text() == "88"
    [seen] = server.requests
    assert seen.raw_path == f"/api/v4/projects/group%2Fapp/statuses/{SHA}"
    assert seen.headers["Private-Token"] == TOKEN
    body = seen.json
    assert body["state"] == "success" and body["name"] == "tekton-pipeline"
    assert body["ref"] == "main" and "skipped" in body["description"]
    assert TOKEN not in done.stdout + done.stderr


HOSTILE = [
    "\"; import os; os.system('touch {marker}')",
    "$(touch {marker})",
    "`touch {marker}`",
    "'''",
    '"""',
    "first line\nsecond line",
    "ünïcødé ✓ 日本語",
    "back\\slash \\n",
    "$(params.SHA) ${{HOME}} %s %(x)s {{0}}",
]


@pytest.mark.parametrize("template", HOSTILE)
def test_hostile_env_values_arrive_verbatim(script, tmp_path, template):
    marker = tmp_path / "executed"
    value = template.format(marker=marker)
    with FaultServer() as server:
        done = run_script(
            script,
            tmp_path,
            GITLAB_HOST_URL=server.base_url,
            REPO_FULL_NAME=f"g/{value}",
            SHA=value,
            STATE="failed",
            CONTEXT=value,
            REF=value,
            TARGET_URL=value,
            DESCRIPTION=value,
        )
    assert done.returncode == 0, done.stderr
    [seen] = server.requests
    assert seen.path_segments[4:] == [f"g/{value}", "statuses", value]
    assert seen.json == {"state": "failed", "name": value, "ref": value, "target_url": value, "description": value}
    assert not marker.exists()


def test_repeated_running_is_success_with_empty_results(script, tmp_path):
    refused = json_reply(400, {"message": "Cannot transition status via :run from :running"})
    with FaultServer([refused]) as server:
        done = run_script(
            script, tmp_path, GITLAB_HOST_URL=server.base_url, REPO_FULL_NAME="42", SHA=SHA, STATE="running"
        )
    assert done.returncode == 0, done.stderr
    assert "already running" in done.stdout
    assert (tmp_path / "status-id").read_text() == ""


def test_completed_state_turns_completed_into_canceled(script, tmp_path):
    # A Pipeline without DAG guards only ends Completed after a graceful stop.
    with FaultServer() as server:
        done = run_script(
            script,
            tmp_path,
            GITLAB_HOST_URL=server.base_url,
            REPO_FULL_NAME="42",
            SHA=SHA,
            STATE="Completed",
            COMPLETED_STATE="canceled",
            DESCRIPTION="",
        )
    assert done.returncode == 0, done.stderr
    [seen] = server.requests
    assert seen.json["state"] == "canceled"
    assert seen.json["description"] == "Tekton: the run stopped before every task ran"


def test_refusal_exits_1(script, tmp_path):
    with FaultServer([json_reply(403, {"message": "403 Forbidden"})]) as server:
        done = run_script(
            script, tmp_path, GITLAB_HOST_URL=server.base_url, REPO_FULL_NAME="42", SHA=SHA, STATE="success"
        )
    assert done.returncode == 1
    assert done.stderr.startswith("error: GitLab 127.0.0.1:") and "HTTP 403" in done.stderr
    assert not (tmp_path / "status-id").exists()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STATE": "failure"}, "param STATE: unknown state 'failure'"),
        (
            {"STATE": "Completed", "COMPLETED_STATE": "cancelled"},
            "param COMPLETED_STATE: expected success, failed or canceled, got 'cancelled'",
        ),
        ({"STATE": "success", "COVERAGE": "abc"}, "param COVERAGE must be a number"),
        ({"STATE": "success", "PIPELINE_ID": "-3"}, "param PIPELINE_ID must be a finite"),
        ({"STATE": "success", "SSL_VERIFY": "maybe"}, "param SSL_VERIFY must be true or false"),
        ({"STATE": "success", "GITLAB_TOKEN": ""}, "token is empty"),
        ({"STATE": "success", "REPO_FULL_NAME": ""}, "the project is empty"),
    ],
)
def test_bad_params_exit_2_before_any_request(script, tmp_path, env, message):
    with FaultServer() as server:
        done = run_script(
            script, tmp_path, **{"GITLAB_HOST_URL": server.base_url, "REPO_FULL_NAME": "42", "SHA": SHA, **env}
        )
    assert done.returncode == 2
    assert message in done.stderr
    assert server.requests == []
