"""Local overhead of one `GitLabClient.post_status` against a raw urllib POST (same server).

Run: python benchmarks/report_overhead.py [N]   (target: ratio <= 1.2)
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import urllib.request

from finale.adapters.gitlab.client import GitLabClient, StatusRequest
from finale.testing.fault_http import FaultServer

SHA = "0123456789abcdef0123456789abcdef01234567"
TOKEN = "glpat-bench"
FIELDS = {"state": "success", "name": "tekton", "description": "Pipeline succeeded"}


def raw_post(url: str) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(FIELDS).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "PRIVATE-TOKEN": TOKEN},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        json.loads(response.read())


def median_ms(action, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main(rounds: int) -> int:
    with FaultServer() as server:
        client = GitLabClient(server.base_url, TOKEN)
        url = client.endpoint.status_url("group/app", SHA)
        request = StatusRequest(project="group/app", sha=SHA, **FIELDS)
        for _ in range(20):  # warm up both paths
            raw_post(url)
            client.post_status(request)
        raw = median_ms(lambda: raw_post(url), rounds)
        ours = median_ms(lambda: client.post_status(request), rounds)
    ratio = ours / raw
    print(f"raw urllib POST:        median {raw:.3f} ms over {rounds}")
    print(f"GitLabClient.post_status: median {ours:.3f} ms over {rounds}")
    print(f"ratio: {ratio:.2f}x (target <= 1.2x) {'OK' if ratio <= 1.2 else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
