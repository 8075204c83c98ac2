"""GitLab emulator: config errors, SQLite across a restart, and the `finale gitlab-emulator` CLI."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from finale.cli.main import main
from finale.errors import ValidationError
from finale.gitlab_emulator import load_config, serve
from finale.gitlab_emulator.http_client import call
from finale.gitlab_emulator.sample import sample_config

FIXTURES = Path(__file__).parent.parent / "fixtures" / "gitlab"


@pytest.fixture
def config_file(tmp_path, repo):
    """The fixture config copied next to a copy of the sample repository."""
    shutil.copytree(repo.path, tmp_path / "app.git")
    target = tmp_path / "emulator.yaml"
    shutil.copy(FIXTURES / "emulator.yaml", target)
    return target


def test_config_file_relative_repository_and_group_roles(config_file, repo):
    config = load_config(config_file)
    assert config.projects[0].repository == (config_file.parent / "app.git").resolve()
    with serve(config) as gitlab:
        answer = call(
            gitlab.base_url,
            "GET",
            f"/api/v4/projects/team%2Fsub%2Fapp/repository/commits/{repo.main}/statuses",
            token="glpat-reader",
        )
        assert (answer.status, answer.json()) == (200, [])


def test_bad_config_lists_every_problem_with_field_and_fix():
    path = FIXTURES / "bad-emulator.yaml"
    with pytest.raises(ValidationError) as caught:
        load_config(path)
    text = str(caught.value)
    for field in (
        "projects[0].id",
        "projects[0].path",
        "projects[0].repository",
        "projects[0].visibility",
        "users[0].roles.team/sub/app",
        "users[0].tokens[0].scopes",
        "faults.throttle",
        "faults.idempotent",
    ):
        assert f"{path}: " in text and field in text
    assert "fix: use one of: private, internal, public" in text


def test_bad_config_on_the_cli_exits_2_without_traceback(capsys):
    code = main(["gitlab-emulator", "--config", str(FIXTURES / "bad-emulator.yaml")])
    err = capsys.readouterr().err
    assert code == 2
    assert "bad-emulator.yaml: " in err and "projects[0].visibility" in err
    assert "Traceback" not in err


def test_missing_config_file(tmp_path, capsys):
    assert main(["gitlab-emulator", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: cannot read file" in capsys.readouterr().err


def test_repository_must_be_a_git_repository_itself(tmp_path, repo):
    (tmp_path / "plain").mkdir()
    inside = repo.path / "sub"
    inside.mkdir(exist_ok=True)
    for folder in (tmp_path / "plain", inside):
        with pytest.raises(ValidationError, match="not a git repository"):
            load_config({"projects": [{"id": 1, "path": "a/b", "repository": str(folder)}]})


def test_duplicate_tokens_are_reported_without_the_token(repo):
    user = {"username": "a", "tokens": [{"value": "glpat-secret-1"}]}
    with pytest.raises(ValidationError) as caught:
        load_config(
            {
                "projects": [{"id": 1, "path": "a/b", "repository": str(repo.path)}],
                "users": [user, {**user, "username": "b"}],
            }
        )
    assert "duplicate tokens.value" in str(caught.value)
    assert "glpat-secret-1" not in str(caught.value)


def test_config_from_dict_rejects_unknown_keys(repo):
    expected = r"unknown field: projects\[0\]\.protected\n  fix: use one of: id, path"
    with pytest.raises(ValidationError, match=expected):
        load_config({"projects": [{"id": 1, "path": "a/b", "repository": str(repo.path), "protected": ["main"]}]})


def test_sqlite_store_survives_a_restart(tmp_path, repo):
    db = tmp_path / "statuses.db"
    config = load_config(sample_config(repo.path))
    sha, path = repo.feature, f"/api/v4/projects/42/statuses/{repo.feature}"
    with serve(config, db_path=db) as gitlab:
        running = call(
            gitlab.base_url,
            "POST",
            path,
            token="glpat-developer",
            json={"state": "running", "ref": "feature/x", "description": "go"},
        ).json()
    with serve(config, db_path=db) as gitlab:
        listed = call(
            gitlab.base_url, "GET", f"/api/v4/projects/42/repository/commits/{sha}/statuses", token="glpat-developer"
        ).json()
        assert listed == [running | {"author": listed[0]["author"]}]
        done = call(
            gitlab.base_url, "POST", path, token="glpat-developer", json={"state": "success", "ref": "feature/x"}
        ).json()
        assert (done["id"], done["status"], done["description"]) == (running["id"], "success", "go")
        other = call(
            gitlab.base_url, "POST", path, token="glpat-developer", json={"state": "running", "ref": "other"}
        ).json()
        assert other["pipeline_id"] == running["pipeline_id"] + 1


def _start(config_file: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "finale", "gitlab-emulator", "--config", str(config_file), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line.startswith("GitLab emulator listening on http://127.0.0.1:"), line
    return proc, line.rsplit(" ", 1)[1]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_serves_logs_masked_and_stops_cleanly(config_file, repo, sig):
    proc, base_url = _start(config_file)
    try:
        answer = call(
            base_url,
            "POST",
            f"/api/v4/projects/42/statuses/{repo.feature}",
            token=None,
            query={"state": "running", "ref": "feature/x", "private_token": "glpat-dev"},
        )
        assert answer.status == 201
    finally:
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert out == ""
    assert f"POST /api/v4/projects/42/statuses/{repo.feature}?state=running" in err
    assert "private_token=[MASKED] 201" in err
    assert "glpat-dev" not in err


def test_cli_with_db_and_port(config_file, repo, tmp_path):
    proc, base_url = _start(config_file, "--db", str(tmp_path / "s.db"), "--port", "0")
    try:
        assert (
            call(base_url, "GET", f"/api/v4/projects/42/repository/commits/{repo.main}", token="glpat-dev").status
            == 200
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert (tmp_path / "s.db").exists()
