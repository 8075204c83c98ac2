"""Operating `finale serve` over real HTTP: probes, Prometheus metrics, retention, JSON log lines."""

import http.client
import io
import json
import threading
import time
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from finale.adapters.gitlab.delivery import GitLabDelivery
from finale.adapters.serve.logs import json_logger, log_line
from finale.adapters.serve.outbox import Outbox
from finale.adapters.serve.sender import Backoff
from finale.adapters.serve.server import ServiceConfig, start_service
from finale.gitlab_emulator.sample import PROJECT_PATH

TOKEN = "glpat-maintainer"
FAST = ServiceConfig(backoff=Backoff(base=0.05, cap=0.2), drain_seconds=1.0)


def get(service, path):
    connection = http.client.HTTPConnection(service.host, service.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read().decode()
    finally:
        connection.close()


def send_final(service, sha, uid="uid-1", reason="Failed"):
    run = {
        "metadata": {"name": f"build-{uid}", "namespace": "ci", "uid": uid},
        "spec": {
            "params": [{"name": "REPO_PATH_ONLY", "value": PROJECT_PATH}, {"name": "SOURCE_REVISION", "value": sha}]
        },
        "status": {"conditions": [{"type": "Succeeded", "status": "False", "reason": reason}]},
    }
    connection = http.client.HTTPConnection(service.host, service.port, timeout=10)
    try:
        connection.request(
            "POST",
            "/",
            body=json.dumps({"pipelineRun": run}),
            headers={
                "Ce-Id": str(uuid.uuid4()),
                "Ce-Type": "dev.tekton.event.pipelinerun.failed.v1",
                "Ce-Source": "/x",
                "Ce-Specversion": "1.0",
                "Content-Type": "application/json",
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def samples(text):
    """{(name, sorted labels): value} from Prometheus text."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.fixture
def service(gitlab, tmp_path):
    delivery = GitLabDelivery(gitlab.base_url, TOKEN)
    with start_service(Outbox(tmp_path / "o.db"), delivery, FAST) as running:
        yield running


def test_healthz_and_readyz_answer_ok_when_the_outbox_is_open(service):
    assert get(service, "/healthz")[0::2] == (200, '{"status": "ok"}\n')
    assert get(service, "/readyz")[0::2] == (200, '{"status": "ready"}\n')


def test_readyz_lists_every_reason_not_to_be_ready(service, tmp_path):
    service.readiness.add("kubernetes", lambda: "first list of PipelineRuns not done yet")
    status, _, body = get(service, "/readyz")
    assert (status, json.loads(body)) == (
        503,
        {"status": "not ready", "reasons": ["kubernetes: first list of PipelineRuns not done yet"]},
    )
    service.readiness.add("kubernetes", lambda: None)
    assert get(service, "/readyz")[0] == 200
    (tmp_path / "o.db").unlink()
    (tmp_path / "o.db").mkdir()  # the outbox can no longer be opened
    status, _, body = get(service, "/readyz")
    assert status == 503 and json.loads(body)["reasons"][0].startswith("outbox: cannot read o.db: ")
    assert get(service, "/healthz")[0] == 200  # alive all the same: a restart would not help


def test_metrics_count_events_deliveries_retries_and_the_backlog(service, gitlab, repo):
    gitlab.set_faults(server_error=1)
    assert send_final(service, repo.main) == 202
    wait_for(lambda: service.outbox.counts()["done"] == 1)
    service.metrics.resynced(1_700_000_000.0)
    status, content_type, text = get(service, "/metrics")
    assert status == 200 and content_type.startswith("text/plain; version=")
    found = samples(text)
    assert found[("finale_events_received_total", (("result", "accepted"), ("source", "cloudevent")))] == 1
    assert found[("finale_statuses_delivered_total", (("state", "failed"),))] == 1
    assert found[("finale_delivery_retries_total", ())] == 1
    assert found[("finale_outbox_pending", ())] == 0
    assert found[("finale_outbox_oldest_pending_age_seconds", ())] == 0
    assert found[("finale_last_resync_timestamp_seconds", ())] == 1_700_000_000.0


def test_the_resync_gauge_can_follow_a_reconciler(service):
    class Reconciler:
        last_resync = 0.0

    reconciler = Reconciler()
    service.metrics.resync_from(lambda: reconciler.last_resync)
    reconciler.last_resync = 1_800_000_000.0
    assert samples(get(service, "/metrics")[2])[("finale_last_resync_timestamp_seconds", ())] == 1_800_000_000.0


def test_metrics_show_pending_rows_while_gitlab_refuses_them(gitlab, repo, tmp_path):
    gitlab.set_faults(server_error=1000)
    config = ServiceConfig(backoff=Backoff(base=30, cap=60), drain_seconds=0.1)
    with start_service(Outbox(tmp_path / "o.db"), GitLabDelivery(gitlab.base_url, TOKEN), config) as running:
        send_final(running, repo.main)
        wait_for(lambda: running.outbox.problems())
        found = samples(get(running, "/metrics")[2])
    assert found[("finale_outbox_pending", ())] == 1
    assert found[("finale_outbox_oldest_pending_age_seconds", ())] >= 0
    assert found[("finale_delivery_retries_total", ())] == 1


def test_retention_prunes_delivered_rows_and_keeps_pending_ones(gitlab, repo, tmp_path):
    config = ServiceConfig(backoff=FAST.backoff, drain_seconds=0.1, retention=0.05, prune_every=0.05)
    outbox = Outbox(tmp_path / "o.db")
    with start_service(outbox, GitLabDelivery(gitlab.base_url, TOKEN), config) as running:
        for n in range(3):
            send_final(running, repo.main, uid=f"u{n}")
        wait_for(lambda: sum(outbox.counts().values()) == 0)
    assert len([r for r in gitlab.requests() if r["method"] == "POST"]) == 3


def test_json_log_lines_from_many_threads_never_interleave():
    stream = io.StringIO()
    log = log_line(json_logger(stream, name="finale.serve.test"))
    message = "x" * 5000 + "\nsecond line of one record"

    def spam(n):
        for i in range(200):
            log(message, thread=n, i=i, level="warning")

    threads = [threading.Thread(target=spam, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1600
    records = [json.loads(line) for line in lines]
    assert {r["msg"] for r in records} == {message}
    assert {r["level"] for r in records} == {"warning"}
    assert records[0]["time"].endswith("+00:00")
