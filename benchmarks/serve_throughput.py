"""`finale serve` on loopback: time to accept one CloudEvent (stored before the 202) and to
deliver N final statuses to the GitLab emulator; then serial vs parallel delivery when every
GitLab request takes LATENCY_MS more (a real GitLab answers in 100-200 ms).

Run: python benchmarks/serve_throughput.py [N] [LATENCY_MS]
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from finale.adapters.gitlab.delivery import Delivery, GitLabDelivery
from finale.adapters.gitlab.wire import PostedStatus, StatusRequest
from finale.adapters.serve.outbox import Outbox
from finale.adapters.serve.server import ServiceConfig, start_service
from finale.gitlab_emulator import load_config, serve
from finale.gitlab_emulator.sample import PROJECT_PATH, make_sample_repo, sample_config


def event_body(sha: str, index: int) -> bytes:
    run = {
        "metadata": {"name": f"run-{index}", "namespace": "ci", "uid": f"uid-{index}"},
        "spec": {
            "params": [{"name": "REPO_PATH_ONLY", "value": PROJECT_PATH}, {"name": "SOURCE_REVISION", "value": sha}]
        },
        "status": {"conditions": [{"type": "Succeeded", "status": "True", "reason": "Succeeded"}]},
    }
    return json.dumps({"pipelineRun": run}).encode()


class _Instant:
    """A GitLab that answers at once, so phase 1 times only the receiver and the outbox."""

    def post(self, request: StatusRequest) -> PostedStatus:
        return PostedStatus(state=request.state, status_id=1, pipeline_id=1, already=False, attempts=1)


class _Slow:
    """The real client against the emulator, each request `latency` seconds slower."""

    def __init__(self, delivery: Delivery, latency: float) -> None:
        self._delivery = delivery
        self._latency = latency

    def post(self, request: StatusRequest) -> PostedStatus:
        time.sleep(self._latency)
        return self._delivery.post(request)


def run(outbox_path: Path, delivery: Delivery, sha: str, count: int, senders: int = 4) -> tuple[list[float], float]:
    """Send `count` events; per-event accept times (ms) and seconds until all were delivered."""
    with start_service(Outbox(outbox_path), delivery, ServiceConfig(senders=senders)) as service:
        connection = http.client.HTTPConnection(service.host, service.port, timeout=10)
        samples = []
        start = time.perf_counter()
        for index in range(count):
            sent = time.perf_counter()
            connection.request(
                "POST",
                "/",
                body=event_body(sha, index),
                headers={
                    "Ce-Id": f"e{index}",
                    "Ce-Type": "dev.tekton.event.pipelinerun.successful.v1",
                    "Ce-Specversion": "1.0",
                    "Ce-Source": "/x",
                    "Content-Type": "application/json",
                },
            )
            response = connection.getresponse()
            response.read()
            assert response.status == 202, response.status
            samples.append((time.perf_counter() - sent) * 1000)
        while Outbox(outbox_path).counts()["pending"]:
            time.sleep(0.01)
        connection.close()
        return samples, time.perf_counter() - start


def _report(label: str, samples: list[float], total: float) -> None:
    count = len(samples)
    print(
        f"{label}: accept (stored, then 202) median {statistics.median(samples):.2f} ms, "
        f"p95 {sorted(samples)[int(count * 0.95)]:.2f} ms; {count} delivered in {total:.2f} s "
        f"({count / total:.0f} statuses/s)"
    )


def main(count: int, latency_ms: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_sample_repo(Path(tmp) / "app")
        _report("instant GitLab", *run(Path(tmp) / "a.db", _Instant(), repo.main, count))
        with serve(load_config(sample_config(repo.path))) as gitlab:
            delivery = GitLabDelivery(gitlab.base_url, "glpat-maintainer")
            _report("GitLab emulator (same process)", *run(Path(tmp) / "b.db", delivery, repo.main, count))
            slow = _Slow(delivery, latency_ms / 1000)
            few = max(1, count // 4)  # each run is its own key, so all of them may go in parallel
            rates = {}
            for senders in (1, 8):
                gitlab.reset()
                _, total = run(Path(tmp) / f"s{senders}.db", slow, repo.main, few, senders)
                rates[senders] = few / total
                label = f"GitLab +{latency_ms} ms per request, --senders {senders}"
                print(f"{label}: {few} posts in {total:.2f} s ({rates[senders]:.1f} posts/s)")
            print(f"parallel/serial: {rates[8] / rates[1]:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 100))
