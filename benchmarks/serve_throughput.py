"""`finale serve` on loopback: time to accept one CloudEvent (stored before the 202) and to
deliver N final statuses to the GitLab emulator.

Run: python benchmarks/serve_throughput.py [N]
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


def run(outbox_path: Path, delivery: Delivery, sha: str, count: int) -> tuple[list[float], float]:
    """Send `count` events; per-event accept times (ms) and seconds until all were delivered."""
    with start_service(Outbox(outbox_path), delivery, ServiceConfig()) as service:
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


def main(count: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_sample_repo(Path(tmp) / "app")
        _report("instant GitLab", *run(Path(tmp) / "a.db", _Instant(), repo.main, count))
        with serve(load_config(sample_config(repo.path))) as gitlab:
            delivery = GitLabDelivery(gitlab.base_url, "glpat-maintainer")
            _report("GitLab emulator (same process)", *run(Path(tmp) / "b.db", delivery, repo.main, count))
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
