"""How long `finale check` takes on a generated 200-task Pipeline with 20 status-guarded finally tasks.

Run: python benchmarks/check_speed.py [TASKS] [FINALLY]
"""

from __future__ import annotations

import sys
import time
from typing import Any

from finale.core.check.verdict import check_documents

STATUSES = (["Succeeded", "Completed"], ["Failed"], ["Completed"], ["Succeeded"])


def generated_pipeline(tasks: int = 200, finals: int = 20, width: int = 10) -> dict[str, Any]:
    """Stages of `width` tasks, each after two of the stage before; every 20th task guarded."""
    dag: list[dict[str, Any]] = []
    for i in range(tasks):
        task: dict[str, Any] = {"name": f"t{i:03d}", "taskRef": {"name": "step"}}
        stage = i // width
        if stage:
            base = (stage - 1) * width
            task["runAfter"] = [f"t{base + i % width:03d}", f"t{base + (i + 1) % width:03d}"]
        if i % 20 == 7:
            task["when"] = [{"input": "$(params.mode)", "operator": "in", "values": ["full"]}]
        dag.append(task)
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
            "params": [{"name": "mode", "default": "quick"}],
            "tasks": dag,
            "finally": reporters + others,
        },
    }


def _measure(tasks: int, finals: int, width: int) -> str:
    doc = generated_pipeline(tasks, finals, width)
    started = time.perf_counter()
    report = check_documents([("generated.yaml", doc)])
    elapsed = time.perf_counter() - started
    return (
        f"finale check: {tasks} tasks ({tasks // width} stages of {width}), {finals} finally tasks: "
        f"{len(report.classes)} classes played in {elapsed:.2f} s ({len(report.problems())} with problems)"
    )


def main(argv: list[str]) -> int:
    tasks = int(argv[1]) if len(argv) > 1 else 200
    finals = int(argv[2]) if len(argv) > 2 else 20
    print(_measure(tasks, finals, 10))
    print(_measure(tasks, finals, 1))  # a chain: the most passes per class
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
