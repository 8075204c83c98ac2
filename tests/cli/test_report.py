"""`finale report` in-process: exit codes, the one output line, hostile values verbatim."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from finale.cli.main import main
from finale.testing.fault_http import FaultServer, Reply, json_reply

SHA = "0123456789abcdef0123456789abcdef01234567"
TOKEN = "glpat-cli-SECRET-9"


@pytest.fixture(autouse=True)
def token_env(monkeypatch):
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)


def report(url: str, *extra: str) -> int:
    return main(["report", "--gitlab-url", url, "--project", "group/app", "--sha", SHA, *extra])


def test_posts_and_prints_one_line(capsys):
    with FaultServer(pipeline_id=88) as server:
        code = report(
            server.base_url,
            "--state",
            "running",
            "--name",
            "tekton/ci",
            "--ref",
            "main",
            "--coverage",
            "87.5",
            "--pipeline-id",
            "88",
        )
    out, err = capsys.readouterr()
    assert code == 0
    assert out == f"gitlab: group/app@{SHA} set to running (status 1001, pipeline 88)\n"
    assert err == ""
    assert server.requests[0].json == {
        "state": "running",
        "name": "tekton/ci",
        "ref": "main",
        "coverage": 87.5,
        "pipeline_id": 88,
    }


@pytest.mark.parametrize(
    ("aggregate", "state", "words"),
    [
        ("Succeeded", "success", "all tasks succeeded"),
        ("Completed", "success", "skipped"),
        ("Failed", "failed", "failed"),
        ("None", "failed", "no aggregate"),
    ],
)
def test_tekton_status_maps_to_state_and_default_description(aggregate, state, words):
    with FaultServer() as server:
        assert report(server.base_url, "--tekton-status", aggregate) == 0
    body = server.requests[0].json
    assert body["state"] == state and words in body["description"]


def test_own_description_wins_over_the_default():
    with FaultServer() as server:
        report(server.base_url, "--tekton-status", "Failed", "--description", "build broke")
    assert server.requests[0].json["description"] == "build broke"


def test_transient_fault_then_success_exits_0(capsys):
    with FaultServer(
        [json_reply(409, {"message": "409 Conflict: Resource lock"}), Reply(429, b"Retry later", {"Retry-After": "0"})]
    ) as server:
        assert report(server.base_url, "--state", "success") == 0
    assert len(server.requests) == 3
    assert "set to success" in capsys.readouterr().out


def test_repeated_running_exits_0(capsys):
    refused = json_reply(
        400,
        {"message": 'Cannot transition status via :run from :running (Reason(s): Status cannot transition via "run")'},
    )
    with FaultServer([refused]) as server:
        assert report(server.base_url, "--state", "running") == 0
    assert capsys.readouterr().out == f"gitlab: group/app@{SHA} already running (GitLab kept the existing status)\n"


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (json_reply(401, {"message": "401 Unauthorized"}), "HTTP 401: 401 Unauthorized"),
        (json_reply(404, {"message": "404 Project Not Found"}), "HTTP 404: 404 Project Not Found"),
    ],
)
def test_refusal_exits_1_at_once_with_one_line(capsys, reply, words):
    with FaultServer([reply]) as server:
        assert report(server.base_url, "--state", "success") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: GitLab 127.0.0.1:")
    assert words in err and f"project group/app commit {SHA}" in err
    assert len(server.requests) == 1
    assert TOKEN not in err


def test_unreachable_within_budget_exits_1(capsys):
    with FaultServer() as server:
        url = server.base_url
    assert report(url, "--state", "success", "--retry-budget", "0") == 1
    assert "gave up after 1 attempt(s)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--state", "failure"], "--state: unknown state 'failure'; fix: use one of pending,"),
        (["--state", "Success"], "--state: unknown state 'Success'"),
        (["--tekton-status", "Cancelled"], "--tekton-status: unknown Tekton aggregate status"),
        (["--state", "success", "--coverage", "abc"], "--coverage: 'abc' is not a number"),
        (["--state", "success", "--coverage", "nan"], "--coverage: 'nan' must be a finite"),
        (["--state", "success", "--pipeline-id", "x1"], "--pipeline-id: 'x1' is not a positive"),
        (["--state", "success", "--retry-budget", "-1"], "--retry-budget: '-1' must be a finite"),
    ],
)
def test_bad_input_exits_2_with_a_fix(capsys, args, message):
    assert report("http://127.0.0.1:9", *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err


def test_bad_gitlab_url_exits_2(capsys):
    assert main(["report", "--gitlab-url", "ftp://x", "--project", "1", "--sha", SHA, "--state", "success"]) == 2
    assert "is not an http(s) URL" in capsys.readouterr().err


def test_no_token_exits_2(capsys, monkeypatch):
    monkeypatch.delenv("GITLAB_TOKEN")
    assert report("http://127.0.0.1:9", "--state", "success") == 2
    assert "no GitLab token; fix: pass --token-file FILE or set GITLAB_TOKEN" in (capsys.readouterr().err)


def test_token_with_a_newline_is_refused_without_echo(capsys, monkeypatch):
    monkeypatch.setenv("GITLAB_TOKEN", "abc\nX-Injected: 1")
    assert report("http://127.0.0.1:9", "--state", "success") == 2
    err = capsys.readouterr().err
    assert "token is empty or holds whitespace" in err and "Injected" not in err


def test_token_file_is_read_and_stripped(tmp_path, monkeypatch):
    monkeypatch.delenv("GITLAB_TOKEN")
    token_file = tmp_path / "token"
    token_file.write_text("from-file-token\n")
    with FaultServer() as server:
        assert report(server.base_url, "--state", "success", "--token-file", str(token_file)) == 0
    assert server.requests[0].headers["Private-Token"] == "from-file-token"


def test_missing_token_file_exits_2(tmp_path, capsys):
    assert report("http://127.0.0.1:9", "--state", "success", "--token-file", str(tmp_path / "nope")) == 2
    assert "--token-file: cannot read" in capsys.readouterr().err


def test_state_and_tekton_status_are_exclusive():
    with pytest.raises(SystemExit) as caught:
        report("http://127.0.0.1:9", "--state", "success", "--tekton-status", "Failed")
    assert caught.value.code == 2


def hostile_values(marker) -> list[str]:
    return [
        f"\"; import os; os.system('touch {marker}')",
        f"$(touch {marker})",
        f"`touch {marker}`",
        "'''",
        '"""',
        "first line\nsecond line",
        "ünïcødé ✓ 日本語",
        "back\\slash \\n",
        "$(params.SHA) ${HOME} %s %(x)s {0}",
    ]


@pytest.mark.parametrize("index", range(9))
def test_hostile_values_arrive_verbatim_and_nothing_runs(tmp_path, index):
    marker = tmp_path / "executed"
    value = hostile_values(marker)[index]
    with FaultServer() as server:
        code = main(
            [
                "report",
                "--gitlab-url",
                server.base_url,
                "--project",
                f"g/{value}",
                "--sha",
                value,
                "--state",
                "success",
                "--name",
                value,
                "--ref",
                value,
                "--target-url",
                value,
                "--description",
                value,
            ]
        )
    assert code == 0
    [seen] = server.requests
    assert seen.path_segments[4:] == [f"g/{value}", "statuses", value]
    assert seen.json == {"state": "success", "name": value, "ref": value, "target_url": value, "description": value}
    assert not marker.exists()


def test_python_m_finale_report_subprocess():
    with FaultServer() as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "finale",
                "report",
                "--gitlab-url",
                server.base_url,
                "--project",
                "42",
                "--sha",
                SHA,
                "--tekton-status",
                "Succeeded",
            ],
            env={**os.environ, "GITLAB_TOKEN": TOKEN},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"gitlab: 42@{SHA} set to success (status 1001, pipeline 77)\n"
    assert TOKEN not in done.stdout + done.stderr


def test_report_against_the_gitlab_emulator(tmp_path, capsys, monkeypatch):
    from finale.gitlab_emulator import load_config, serve
    from finale.gitlab_emulator.sample import (
        PROJECT_PATH,
        make_sample_repo,
        sample_config,
    )

    repo = make_sample_repo(tmp_path / "app")
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-developer")
    with serve(load_config(sample_config(repo.path))) as gitlab:
        gitlab.set_faults(lock=1)
        args = [
            "report",
            "--gitlab-url",
            gitlab.base_url + "/",
            "--project",
            PROJECT_PATH,
            "--sha",
            repo.feature,
            "--ref",
            "feature/x",
            "--name",
            "tekton",
        ]
        assert main([*args, "--state", "running"]) == 0
        assert main([*args, "--state", "running"]) == 0
        assert main([*args, "--tekton-status", "Failed"]) == 0
        monkeypatch.setenv("GITLAB_TOKEN", "glpat-reporter")
        assert main([*args, "--state", "success"]) == 1
        [pipeline] = gitlab.pipelines()
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].endswith(f"set to running (status {pipeline['jobs'][0]['id']}, pipeline {pipeline['id']})")
    assert lines[1] == f"gitlab: {PROJECT_PATH}@{repo.feature} already running (GitLab kept the existing status)"
    assert "set to failed" in lines[2]
    assert "HTTP 403: 403 Forbidden" in err
    assert [(j["name"], j["status"]) for j in pipeline["jobs"]] == [("tekton", "failed")]


def test_missing_ca_file_exits_2(tmp_path, capsys):
    missing = tmp_path / "ca.pem"
    assert report("https://127.0.0.1:9", "--state", "success", "--ca-file", str(missing)) == 2
    assert f"cannot use CA bundle '{missing}'" in capsys.readouterr().err


def test_each_retry_is_logged_to_stderr(capsys):
    faults = [json_reply(502, {"message": "502 Bad Gateway"}), Reply(429, b"slow down", {"Retry-After": "0"})]
    with FaultServer(faults) as server:
        assert report(server.base_url, "--state", "success") == 0
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("retry: attempt 1 failed (HTTP 502: 502 Bad Gateway); retrying in ")
    assert lines[1].startswith("retry: attempt 2 failed (HTTP 429: slow down); retrying in 0.0s (")
    assert lines[1].endswith("s of the 60s retry budget left)")
    assert "set to success" in out


def test_404_suggests_checking_the_url_and_api_prefix(capsys):
    with FaultServer([json_reply(404, {"error": "404 Not Found"})]) as server:
        assert report(server.base_url + "/gitlab", "--api-prefix", "/api/v3", "--state", "success") == 1
    err = capsys.readouterr().err
    assert err.endswith(
        f"HTTP 404: 404 Not Found (check the project id or path, the commit SHA and any pipeline id; "
        f"or the API URL {server.base_url}/gitlab/api/v3: check the GitLab URL's path and the API prefix)\n"
    )


def test_501_is_not_retried(capsys):
    with FaultServer([Reply(501, b"Unsupported method ('POST')")]) as server:
        assert report(server.base_url, "--state", "success") == 1
    err = capsys.readouterr().err
    assert len(server.requests) == 1
    assert "retry:" not in err
    assert err.endswith(
        "HTTP 501: Unsupported method ('POST') (the server does not implement this request: "
        "is the GitLab URL a GitLab API?)\n"
    )


def test_the_task_script_logs_retries_in_its_step_log():
    import io

    from finale.adapters.gitlab.task_main import run_from_env

    with FaultServer([json_reply(503, {"message": "down"})]) as server:
        out, err = io.StringIO(), io.StringIO()
        env = {"GITLAB_HOST_URL": server.base_url, "GITLAB_TOKEN": TOKEN, "REPO_FULL_NAME": "group/app"}
        env |= {"SHA": SHA, "STATE": "success", "RETRY_BUDGET": "30"}
        assert run_from_env(env, out, err) == 0
    assert err.getvalue().startswith("retry: attempt 1 failed (HTTP 503: down); retrying in ")
