"""`finale serve` over real HTTP on 127.0.0.1: Tekton CloudEvents in, GitLab statuses out."""

import dataclasses
import http.client
import json
import socket
import time
import uuid

import pytest

from finale.adapters.gitlab.delivery import GitLabDelivery
from finale.adapters.serve.outbox import Outbox
from finale.adapters.serve.server import Backoff, ServiceConfig, start_service
from finale.gitlab_emulator.sample import PROJECT_PATH

TOKEN = "glpat-maintainer"
FAST = ServiceConfig(backoff=Backoff(base=0.05, cap=0.2), drain_seconds=1.0)


@pytest.fixture
def service(gitlab, tmp_path):
    with start_service(Outbox(tmp_path / "outbox.db"), GitLabDelivery(gitlab.base_url, TOKEN), FAST) as running:
        yield running


def pipelinerun(sha, status="Unknown", reason="Running", message="", when="2026-01-01T10:00:00Z", uid="uid-1"):
    return {
        "metadata": {"name": "build-1", "namespace": "ci", "uid": uid},
        "spec": {
            "params": [{"name": "REPO_PATH_ONLY", "value": PROJECT_PATH}, {"name": "SOURCE_REVISION", "value": sha}]
        },
        "status": {
            "conditions": [
                {
                    "type": "Succeeded",
                    "status": status,
                    "reason": reason,
                    "message": message,
                    "lastTransitionTime": when,
                }
            ]
        },
    }


def send(base_url, kind, run, *, event_id=None, headers=None, body=None):
    """POST one binary-mode CloudEvent the way Tekton's controller does."""
    sent = (
        {
            "Ce-Id": event_id or str(uuid.uuid4()),
            "Ce-Type": f"dev.tekton.event.pipelinerun.{kind}.v1",
            "Ce-Source": "/apis///namespaces/ci/pipelineruns/build-1",
            "Ce-Specversion": "1.0",
            "Content-Type": "application/json",
        }
        if headers is None
        else headers
    )
    raw = json.dumps({"pipelineRun": run}).encode() if body is None else body
    return request(base_url, "POST", "/", raw, sent)


def request(base_url, method, path, body=None, headers=None):
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def settle(base_url, timeout=10.0):
    """Wait until nothing is pending; return the /outbox counts."""
    deadline = time.monotonic() + timeout
    while True:
        counts = request(base_url, "GET", "/outbox")[1]["counts"]
        if counts["pending"] == 0 or time.monotonic() > deadline:
            return counts
        time.sleep(0.02)


def jobs(gitlab):
    return [(j["name"], j["status"]) for p in gitlab.pipelines() for j in p["jobs"]]


def posted_states(gitlab):
    return [r["json"]["state"] for r in gitlab.requests() if r["method"] == "POST"]


def test_hard_cancel_is_reported_canceled(service, gitlab, repo):
    run = pipelinerun(repo.main, "False", "Cancelled", 'PipelineRun "build-1" was cancelled')
    assert send(service.base_url, "failed", run)[0] == 202
    assert settle(service.base_url)["done"] == 1
    assert jobs(gitlab) == [("tekton-pipeline", "canceled")]
    (post,) = [r for r in gitlab.requests() if r["method"] == "POST"]
    assert post["json"]["description"] == 'Tekton: PipelineRun was cancelled: PipelineRun "build-1" was cancelled'


def test_pipeline_timeout_is_reported_failed(service, gitlab, repo):
    message = 'PipelineRun "build-1" failed to finish within "1h0m0s"'
    run = pipelinerun(repo.main, "False", "PipelineRunTimeout", message)
    send(service.base_url, "failed", run)
    settle(service.base_url)
    assert jobs(gitlab) == [("tekton-pipeline", "failed")]


def test_started_then_successful_moves_one_job_from_running_to_success(service, gitlab, repo):
    status, answer = send(service.base_url, "started", pipelinerun(repo.main, "Unknown", "Started"))
    assert (status, answer["result"], answer["state"]) == (202, "accepted", "running")
    settle(service.base_url)
    assert jobs(gitlab) == [("tekton-pipeline", "running")]
    send(service.base_url, "successful", pipelinerun(repo.main, "True", "Succeeded", when="2026-01-01T10:05:00Z"))
    settle(service.base_url)
    assert jobs(gitlab) == [("tekton-pipeline", "success")]
    assert posted_states(gitlab) == ["running", "success"]


def test_a_duplicate_event_is_answered_200_and_posted_once(service, gitlab, repo):
    run = pipelinerun(repo.main, "True", "Succeeded")
    assert send(service.base_url, "successful", run, event_id="same")[0] == 202
    status, answer = send(service.base_url, "successful", run, event_id="same")
    assert (status, answer["result"]) == (200, "duplicate")
    settle(service.base_url)
    assert posted_states(gitlab) == ["success"]


def test_out_of_order_running_does_not_reopen_a_failed_run(service, gitlab, repo):
    send(service.base_url, "failed", pipelinerun(repo.main, "False", "Failed", when="2026-01-01T10:05:00Z"))
    late = send(service.base_url, "running", pipelinerun(repo.main, "Unknown", "Running", when="2026-01-01T10:01:00Z"))
    assert late == (200, {"result": "stale", "id": late[1]["id"], "state": "running"})
    settle(service.base_url)
    assert posted_states(gitlab) == ["failed"]
    assert jobs(gitlab) == [("tekton-pipeline", "failed")]


def test_gitlab_errors_keep_the_event_until_it_is_delivered(service, gitlab, repo):
    gitlab.set_faults(server_error=3)
    assert send(service.base_url, "failed", pipelinerun(repo.main, "False", "Failed"))[0] == 202
    counts = settle(service.base_url)
    assert counts["done"] == 1 and counts["failed"] == 0
    assert [r["status"] for r in gitlab.requests() if r["method"] == "POST"] == [500, 502, 500, 201]
    assert jobs(gitlab) == [("tekton-pipeline", "failed")]


def test_a_throttled_post_waits_as_long_as_gitlab_asks(gitlab, repo, tmp_path):
    gitlab.set_faults(throttle=1, retry_after=30)
    outbox = Outbox(tmp_path / "o.db")
    config = ServiceConfig(backoff=Backoff(base=0.05, cap=60), drain_seconds=0.1)
    with start_service(outbox, GitLabDelivery(gitlab.base_url, TOKEN), config) as running:
        send(running.base_url, "failed", pipelinerun(repo.main, "False", "Failed"))
        deadline = time.monotonic() + 10
        while not outbox.problems() and time.monotonic() < deadline:
            time.sleep(0.02)
    (problem,) = outbox.problems()
    assert problem["status"] == "pending" and problem["error"].endswith("HTTP 429: Retry later")
    assert 25 < outbox.next_due_in() <= 30


def test_a_permanent_refusal_is_given_up_and_shown_masked(gitlab, repo, tmp_path):
    delivery = GitLabDelivery(gitlab.base_url, "glpat-outsider")
    with start_service(Outbox(tmp_path / "o.db"), delivery, FAST) as running:
        send(running.base_url, "successful", pipelinerun(repo.main, "True", "Succeeded"))
        counts = settle(running.base_url)
        report = request(running.base_url, "GET", "/outbox")[1]
    assert counts["failed"] == 1 and counts["pending"] == 0
    (problem,) = report["problems"]
    assert problem["status"] == "failed" and "HTTP 404" in problem["error"]
    assert "glpat-outsider" not in json.dumps(report)
    assert len(gitlab.requests()) == 1


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gitlab_down_then_restart_delivers_pending_rows(gitlab, repo, tmp_path):
    path = tmp_path / "outbox.db"
    down = GitLabDelivery(f"http://127.0.0.1:{_closed_port()}", TOKEN, timeout=2)
    with start_service(Outbox(path), down, dataclasses.replace(FAST, drain_seconds=0.2)) as first:
        assert send(first.base_url, "failed", pipelinerun(repo.main, "False", "Cancelled"))[0] == 202
        assert send(first.base_url, "failed", pipelinerun(repo.feature, "False", "Failed", uid="u2"))[0] == 202
    assert Outbox(path).counts()["pending"] == 2
    assert gitlab.requests() == []
    with start_service(Outbox(path), GitLabDelivery(gitlab.base_url, TOKEN), FAST) as second:
        assert settle(second.base_url)["done"] == 2
    assert sorted(jobs(gitlab)) == [("tekton-pipeline", "canceled"), ("tekton-pipeline", "failed")]


def test_stopping_flushes_a_retry_that_falls_due(gitlab, repo, tmp_path):
    gitlab.set_faults(server_error=1)
    with start_service(Outbox(tmp_path / "o.db"), GitLabDelivery(gitlab.base_url, TOKEN), FAST) as running:
        assert send(running.base_url, "successful", pipelinerun(repo.main, "True", "Succeeded"))[0] == 202
    assert [r["status"] for r in gitlab.requests()] == [500, 201]
    assert Outbox(tmp_path / "o.db").counts()["done"] == 1


def test_ignored_runs_are_answered_200_and_counted(service, gitlab):
    run = {"metadata": {"name": "x", "namespace": "ci"}, "spec": {}, "status": {}}
    status, answer = send(service.base_url, "started", run)
    assert status == 200 and answer["result"] == "ignored"
    assert answer["reason"].startswith("PipelineRun ci/x names no GitLab project")
    assert request(service.base_url, "GET", "/outbox")[1]["counts"]["ignored"] == 1
    assert gitlab.requests() == []


@pytest.mark.parametrize(
    ("headers", "body", "error"),
    [
        pytest.param({"Content-Type": "application/json"}, b'{"pipelineRun": {}}', "not a CloudEvent", id="no-ce"),
        pytest.param(
            {"ce-id": "1", "ce-type": "dev.tekton.event.pipelinerun.failed.v1"},
            b"{oops",
            "body is not valid JSON",
            id="bad-json",
        ),
        pytest.param(
            {"ce-id": "1", "ce-type": "dev.tekton.event.pipelinerun.failed.v1"},
            b'{"taskRun": {}}',
            "dev.tekton.event.pipelinerun.failed.v1: data has no pipelineRun object",
            id="no-pipelinerun",
        ),
    ],
)
def test_malformed_events_get_400_with_a_json_error(service, headers, body, error):
    status, answer = send(service.base_url, "failed", None, headers=headers, body=body)
    assert status == 400 and answer["error"].startswith(error)
    assert request(service.base_url, "GET", "/outbox")[1]["counts"]["pending"] == 0


def test_structured_mode_is_accepted_too(service, gitlab, repo):
    envelope = {
        "specversion": "1.0",
        "id": "s1",
        "source": "/x",
        "type": "dev.tekton.event.pipelinerun.successful.v1",
        "data": {"pipelineRun": pipelinerun(repo.main, "True", "Succeeded")},
    }
    status, answer = send(
        service.base_url,
        "successful",
        None,
        body=json.dumps(envelope).encode(),
        headers={"Content-Type": "application/cloudevents+json"},
    )
    assert (status, answer["result"]) == (202, "accepted")
    settle(service.base_url)
    assert jobs(gitlab) == [("tekton-pipeline", "success")]


class BrokenDelivery:
    """A delivery with a bug in it: the row must end failed, not be retried forever."""

    def post(self, request):
        raise RuntimeError("boom")


def test_a_bug_in_delivery_fails_the_row_with_its_reason(tmp_path, repo):
    with start_service(Outbox(tmp_path / "o.db"), BrokenDelivery(), FAST) as running:
        send(running.base_url, "successful", pipelinerun(repo.main, "True", "Succeeded"))
        settle(running.base_url)
        report = request(running.base_url, "GET", "/outbox")[1]
    assert report["counts"]["failed"] == 1
    assert report["problems"][0]["error"] == "internal error: RuntimeError: boom"


def test_health_and_unknown_pages(service):
    assert request(service.base_url, "GET", "/healthz") == (200, {"status": "ok"})
    assert request(service.base_url, "GET", "/nope")[0] == 404
