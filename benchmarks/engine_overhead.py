"""Engine overhead per task: a chain and a fan-out of N `true` tasks vs N bare `sh -c true`.

Run: .venv/bin/python benchmarks/engine_overhead.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from finale.adapters.executor.local import LocalExecutor
from finale.adapters.executor.secrets import KeyStore
from finale.core.tekton.parse import pipeline_run
from finale.engine.loop import Engine


class _Clock:
    def now(self) -> float:
        return time.time()


def _spec(n: int, chain: bool) -> dict[str, Any]:
    step = {"name": "t", "image": "busybox", "command": ["true"]}
    tasks = []
    for i in range(n):
        task: dict[str, Any] = {"name": f"t{i}", "taskSpec": {"steps": [step]}}
        if chain and i:
            task["runAfter"] = [f"t{i - 1}"]
        tasks.append(task)
    return {"tasks": tasks}


def run_engine(n: int, chain: bool, parallel: int) -> float:
    spec = _spec(n, chain)
    run = pipeline_run({"metadata": {"name": "bench"}, "spec": {"pipelineSpec": spec}})
    with tempfile.TemporaryDirectory() as tmp:
        executor = LocalExecutor(Path(tmp), KeyStore(), parallel=parallel)
        engine = Engine(run, spec, {}, {}, executor, _Clock())
        start = time.perf_counter()
        result = engine.execute()
        elapsed = time.perf_counter() - start
        executor.wait_idle()
    assert result.condition.reason == "Succeeded", result.condition
    return elapsed


def run_bare(n: int, parallel: int) -> float:
    start = time.perf_counter()
    if parallel == 1:
        for _ in range(n):
            subprocess.run(["sh", "-c", "true"], check=True)
    else:
        with ThreadPoolExecutor(parallel) as pool:
            list(pool.map(lambda _: subprocess.run(["sh", "-c", "true"], check=True), range(n)))
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    repeats = 3
    for label, chain, parallel in (("chain", True, 1), ("fan-out", False, 16)):
        engine = statistics.median(run_engine(n, chain, parallel) for _ in range(repeats))
        bare = statistics.median(run_bare(n, 1 if chain else parallel) for _ in range(repeats))
        per_task_ms = (engine - bare) / n * 1000
        print(
            f"{label:8} {n} tasks: engine {engine:.3f} s, bare sh {bare:.3f} s, "
            f"ratio {engine / bare:.2f}x, overhead {per_task_ms:.2f} ms/task"
        )


if __name__ == "__main__":
    main()
