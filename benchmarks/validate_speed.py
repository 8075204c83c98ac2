"""Admission validation speed: a chain of N PipelineTasks with params, results and guards.

Run: .venv/bin/python benchmarks/validate_speed.py [N]
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from finale.core.validation.document import validate_document


def _pipeline(n: int) -> dict[str, Any]:
    tasks = [
        {
            "name": f"t{i}",
            "taskRef": {"name": "x"},
            "runAfter": [f"t{i - 1}"] if i else [],
            "params": [
                {"name": "v", "value": f"$(tasks.t{i - 1}.results.r) $(params.p)" if i else "x"},
                {"name": "w", "value": ["$(params.arr[*])"]},
            ],
            "when": [{"input": "$(params.p)", "operator": "in", "values": ["a"]}],
        }
        for i in range(n)
    ]
    finally_ = [{"name": "report", "taskRef": {"name": "x"}, "params": [{"name": "s", "value": "$(tasks.status)"}]}]
    return {
        "apiVersion": "tekton.dev/v1",
        "kind": "Pipeline",
        "metadata": {"name": "big"},
        "spec": {"params": [{"name": "p"}, {"name": "arr", "type": "array"}], "tasks": tasks, "finally": finally_},
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    doc = _pipeline(n)
    if validate_document(doc):
        raise SystemExit("the benchmark pipeline should be valid")
    times = []
    for _ in range(30):
        start = time.perf_counter()
        validate_document(doc)
        times.append(time.perf_counter() - start)
    print(f"validate {n} tasks: median {statistics.median(times) * 1000:.1f} ms, min {min(times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
