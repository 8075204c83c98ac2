"""The client against finale's GitLab emulator: real statuses, real refusals, switchable faults."""

from __future__ import annotations

import pytest

from finale.adapters.gitlab.client import GitLabClient, StatusRequest
from finale.errors import ReportError
from finale.gitlab_emulator.sample import (
    PROJECT_ID,
    PROJECT_PATH,
)
from finale.testing.fakes import FakeClock


def client(gitlab, token="glpat-developer", **kwargs) -> GitLabClient:
    return GitLabClient(gitlab.base_url, token, clock=kwargs.pop("clock", FakeClock()), **kwargs)


def jobs(gitlab):
    return [(j["name"], j["status"]) for p in gitlab.pipelines() for j in p["jobs"]]


def test_running_then_success_updates_one_job(gitlab, repo):
    reporter = client(gitlab)
    base = dict(project=PROJECT_PATH, sha=repo.feature, name="tekton", ref="feature/x")
    running = reporter.post_status(StatusRequest(state="running", **base))
    again = reporter.post_status(StatusRequest(state="running", **base))
    done = reporter.post_status(StatusRequest(state="success", **base))
    assert running.status_id == done.status_id and running.pipeline_id == done.pipeline_id
    assert again.already and again.status_id is None
    assert jobs(gitlab) == [("tekton", "success")]


@pytest.mark.parametrize("project", [str(PROJECT_ID), PROJECT_PATH, "team%2Fsub%2Fapp"])
def test_project_by_id_path_or_encoded_path(gitlab, repo, project):
    posted = client(gitlab).post_status(
        StatusRequest(project=project, sha=repo.feature, state="success", ref="feature/x")
    )
    assert posted.status_id is not None and posted.pipeline_id is not None


@pytest.mark.parametrize(
    ("faults", "waits"),
    [
        pytest.param({"throttle": 2}, [1.0, 1.0], id="429-retry-after"),
        pytest.param({"app_throttle": 1}, [1.0], id="429-app-limit"),
        pytest.param({"lock": 2}, None, id="409-lock"),
        pytest.param({"server_error": 3}, None, id="500-502-html"),
    ],
)
def test_faults_still_land_the_status(gitlab, repo, faults, waits):
    gitlab.set_faults(**faults)
    clock = FakeClock()
    reporter = client(gitlab, jitter=lambda: 1.0, clock=clock)
    posted = reporter.post_status(
        StatusRequest(project=PROJECT_PATH, sha=repo.feature, state="failed", ref="feature/x")
    )
    assert posted.status_id is not None
    assert jobs(gitlab) == [("default", "failed")]
    expected = waits if waits is not None else [0.5, 1.0, 2.0][: sum(faults.values())]
    assert clock.waits == expected


@pytest.mark.parametrize(
    ("token", "project", "ref", "words"),
    [
        pytest.param("glpat-nobody", PROJECT_PATH, "feature/x", "HTTP 401: 401 Unauthorized", id="unknown-token"),
        pytest.param(
            "glpat-developer-expired",
            PROJECT_PATH,
            "feature/x",
            "HTTP 401: invalid_token: Token is expired",
            id="expired-token",
        ),
        pytest.param(
            "glpat-developer-read", PROJECT_PATH, "feature/x", "HTTP 403: insufficient_scope", id="read-api-token"
        ),
        pytest.param("glpat-reporter", PROJECT_PATH, "feature/x", "HTTP 403: 403 Forbidden", id="reporter-role"),
        pytest.param("glpat-developer", PROJECT_PATH, "main", "HTTP 403: 403 Forbidden", id="protected-ref"),
        pytest.param(
            "glpat-developer", "team/none", "feature/x", "HTTP 404: 404 Project Not Found", id="unknown-project"
        ),
    ],
)
def test_refusals_fail_at_once(gitlab, repo, token, project, ref, words):
    clock = FakeClock()
    reporter = client(gitlab, token=token, clock=clock)
    with pytest.raises(ReportError) as caught:
        reporter.post_status(StatusRequest(project=project, sha=repo.feature, state="success", ref=ref))
    assert words in str(caught.value)
    assert clock.waits == [] and token not in str(caught.value)


def test_unknown_commit_is_404(gitlab):
    with pytest.raises(ReportError, match="HTTP 404: 404 Commit Not Found"):
        client(gitlab).post_status(StatusRequest(project=PROJECT_PATH, sha="f" * 40, state="success"))


def test_over_long_fields_are_accepted_after_cutting(gitlab, repo):
    posted = client(gitlab).post_status(
        StatusRequest(
            project=PROJECT_PATH,
            sha=repo.feature,
            state="success",
            ref="feature/x",
            description="d" * 400,
            target_url="https://dash.example/" + "p" * 400,
        )
    )
    assert posted.status_id is not None


def test_skipped_after_running_is_refused(gitlab, repo):
    reporter = client(gitlab)
    base = dict(project=PROJECT_PATH, sha=repo.feature, ref="feature/x")
    reporter.post_status(StatusRequest(state="running", **base))
    with pytest.raises(ReportError, match="Cannot transition status via :skip from :running"):
        reporter.post_status(StatusRequest(state="skipped", **base))


def test_idempotent_server_answers_2xx_for_repeats(gitlab, repo):
    gitlab.set_faults(idempotent=True)
    reporter = client(gitlab)
    base = dict(project=PROJECT_PATH, sha=repo.feature, ref="feature/x", state="running")
    first = reporter.post_status(StatusRequest(**base))
    second = reporter.post_status(StatusRequest(**base))
    assert not second.already and second.status_id == first.status_id
