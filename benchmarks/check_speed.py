"""How long `finale check` takes, as a whole process, on generated layered Pipelines.

Each Pipeline: layers of 10 tasks, each task after 1-3 tasks of the two layers before, every
17th task guarded by a `when`, and 20 finally tasks guarded by `$(tasks.status)` (two of them
reporters). Printed next to `python -c pass` and `finale validate` on the same file, measured
in the same run (median of several, after a warm-up run).

Run: python benchmarks/check_speed.py [TASKS ...]   (default: 200 1000)
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STATUSES = (["Succeeded", "Completed"], ["Failed"], ["Completed"], ["Succeeded"])
REPEAT = 5


def _task(i: int, width: int, rng: random.Random) -> dict[str, Any]:
    task: dict[str, Any] = {"name": f"t{i:04d}", "taskRef": {"name": "step"}}
    layer = i // width
    if layer:
        earlier = range(max(0, layer - 2) * width, layer * width)
        task["runAfter"] = sorted({f"t{j:04d}" for j in rng.sample(earlier, rng.randint(1, 3))})
    if i % 17 == 16:
        task["when"] = [{"input": f"$(params.p{i % 5})", "operator": "in", "values": ["yes"]}]
    return task


def generated_pipeline(tasks: int = 200, finals: int = 20, width: int = 10, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    reporters = [
        {
            "name": "report-failed",
            "when": [{"input": "$(tasks.status)", "operator": "in", "values": ["Failed"]}],
            "taskRef": {"name": "gitlab-set-status"},
            "params": [{"name": "STATE", "value": "failed"}],
        },
        {
            "name": "report-success",
            "when": [{"input": "$(tasks.status)", "operator": "in", "values": ["Succeeded", "Completed"]}],
            "taskRef": {"name": "gitlab-set-status"},
            "params": [{"name": "STATE", "value": "success"}],
        },
    ]
    others = [
        {
            "name": f"notify-{j:02d}",
            "onError": "continue",
            "when": [{"input": "$(tasks.status)", "operator": "in", "values": STATUSES[j % len(STATUSES)]}],
            "taskRef": {"name": "notify"},
        }
        for j in range(finals - len(reporters))
    ]
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "Pipeline",
        "metadata": {"name": "generated"},
        "spec": {
            "params": [{"name": f"p{k}", "default": "no"} for k in range(5)],
            "tasks": [_task(i, width, rng) for i in range(tasks)],
            "finally": reporters + others,
        },
    }


def _median(argv: list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(argv, env=env, capture_output=True, check=False)  # warm-up (bytecode, caches)
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _peak_rss_mb(argv: list[str]) -> float:
    subprocess.run(argv, capture_output=True, check=False)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv[1:]] or [200, 1000]
    python = sys.executable
    baseline = _median([python, "-c", "pass"])
    print(f"python -c pass: {baseline:.3f} s (median of {REPEAT})")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"generated-{n}.json"
            path.write_text(json.dumps(generated_pipeline(n)), encoding="utf-8")
            check = _median([python, "-m", "finale", "check", "-f", str(path)])
            validate = _median([python, "-m", "finale", "validate", "-f", str(path)])
            rss = _peak_rss_mb([python, "-m", "finale", "check", "-f", str(path)])
            print(
                f"finale check, {n} tasks: {check:.3f} s = {check / baseline:.1f}x python -c pass, "
                f"{check / validate:.2f}x finale validate ({validate:.3f} s); peak RSS so far {rss:.0f} MB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
