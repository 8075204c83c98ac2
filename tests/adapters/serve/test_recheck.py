"""Read before re-posting: a row in flight when the process died is posted only if GitLab lacks it."""

import time

import pytest

from finale.adapters.gitlab.delivery import GitLabDelivery
from finale.adapters.gitlab.wire import StatusRequest
from finale.adapters.serve.outbox import Outbox
from finale.adapters.serve.recheck import GitLabStatusCheck
from finale.adapters.serve.server import Backoff, ServiceConfig, start_service
from finale.core.gitlab.events import CloudEvent, StatusUpdate, status_update
from finale.gitlab_emulator.sample import PROJECT_PATH

TOKEN = "glpat-maintainer"
FAST = ServiceConfig(backoff=Backoff(base=0.05, cap=0.2), drain_seconds=1.0)


def final_update(sha, name="build") -> StatusUpdate:
    run = {
        "metadata": {"name": "r", "namespace": "ci", "uid": "u1", "annotations": {"finale.dev/gitlab-name": name}},
        "spec": {
            "params": [{"name": "REPO_PATH_ONLY", "value": PROJECT_PATH}, {"name": "SOURCE_REVISION", "value": sha}]
        },
        "status": {"conditions": [{"type": "Succeeded", "status": "False", "reason": "Cancelled"}]},
    }
    event = CloudEvent(
        id="e1",
        type="dev.tekton.event.pipelinerun.failed.v1",
        source="",
        subject="",
        time="",
        data={"pipelineRun": run},
    )
    update = status_update(event)
    assert isinstance(update, StatusUpdate)
    return update


def posts(gitlab):
    return [r["json"]["state"] for r in gitlab.requests() if r["method"] == "POST"]


def settle(outbox):
    deadline = time.monotonic() + 10
    while outbox.counts()["pending"] and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.parametrize("landed", [True, False], ids=["gitlab-took-it", "gitlab-never-saw-it"])
def test_a_row_interrupted_mid_post_is_posted_once_in_all(gitlab, repo, tmp_path, landed):
    outbox = Outbox(tmp_path / "outbox.db")
    update = final_update(repo.main)
    outbox.accept(update)
    assert [row.update.event_id for row in outbox.claim(1)] == ["e1"]  # in flight when killed
    if landed:  # GitLab's 201 came back, the process died before the outbox's commit
        GitLabDelivery(gitlab.base_url, TOKEN).post(
            StatusRequest(project=PROJECT_PATH, sha=repo.main, state="canceled", name="build")
        )
    restarted = Outbox(tmp_path / "outbox.db")
    check = GitLabStatusCheck(gitlab.base_url, TOKEN)
    with start_service(restarted, GitLabDelivery(gitlab.base_url, TOKEN), FAST, check=check):
        settle(restarted)
    assert posts(gitlab) == ["canceled"]
    assert restarted.counts()["done"] == 1
    reads = [r for r in gitlab.requests() if r["method"] == "GET" and r["path"].endswith("/statuses")]
    assert len(reads) == 1


def test_a_row_never_claimed_is_posted_without_reading(gitlab, repo, tmp_path):
    outbox = Outbox(tmp_path / "outbox.db")
    outbox.accept(final_update(repo.main))
    with start_service(
        outbox, GitLabDelivery(gitlab.base_url, TOKEN), FAST, check=GitLabStatusCheck(gitlab.base_url, TOKEN)
    ):
        settle(outbox)
    assert posts(gitlab) == ["canceled"]
    assert not [r for r in gitlab.requests() if r["method"] == "GET"]


def test_an_interrupted_running_row_is_not_posted_over_a_final_state(gitlab, repo, tmp_path):
    """Stored by a replica that was not sending; another one posted the final state meanwhile."""
    outbox = Outbox(tmp_path / "outbox.db")
    run = {
        "metadata": {"name": "r", "namespace": "ci", "uid": "u1", "annotations": {"finale.dev/gitlab-name": "build"}},
        "spec": {
            "params": [
                {"name": "REPO_PATH_ONLY", "value": PROJECT_PATH},
                {"name": "SOURCE_REVISION", "value": repo.main},
            ]
        },
        "status": {"conditions": [{"type": "Succeeded", "status": "Unknown", "reason": "Running"}]},
    }
    event = CloudEvent(
        id="e2",
        type="dev.tekton.event.pipelinerun.running.v1",
        source="",
        subject="",
        time="",
        data={"pipelineRun": run},
    )
    outbox.accept(status_update(event))
    outbox.doubt_pending()  # as on taking the Lease
    GitLabDelivery(gitlab.base_url, TOKEN).post(
        StatusRequest(project=PROJECT_PATH, sha=repo.main, state="failed", name="build")
    )
    with start_service(
        outbox, GitLabDelivery(gitlab.base_url, TOKEN), FAST, check=GitLabStatusCheck(gitlab.base_url, TOKEN)
    ):
        settle(outbox)
    assert posts(gitlab) == ["failed"]
