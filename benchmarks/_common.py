"""Helpers the benchmark scripts share: timing commands side by side, generated pipelines."""

from __future__ import annotations

import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BIN = Path(sys.executable).parent
FINALE = str(BIN / "finale")
PYTHON = sys.executable
# Start-up is measured as users meet it: bytecode caches may be written.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(argv: Sequence[str]) -> float:
    """Wall time of one run of `argv` (output discarded); it must exit 0."""
    start = time.perf_counter()
    subprocess.run(argv, env=ENV, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def paired_medians(commands: Sequence[Sequence[str]], rounds: int = 10) -> list[float]:
    """Median wall time of each command, run in turn `rounds` times after one warm-up each."""
    for argv in commands:
        run_once(argv)
    samples: list[list[float]] = [[] for _ in commands]
    for _ in range(rounds):
        for i, argv in enumerate(commands):
            samples[i].append(run_once(argv))
    return [statistics.median(s) for s in samples]


def peak_rss_mib(argv: Sequence[str]) -> float:
    """Peak resident memory of one child process, in MiB (ru_maxrss of a fresh waiter)."""
    code = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run([PYTHON, "-c", code, *argv], env=ENV, capture_output=True, text=True, check=True)
    return int(done.stdout) / 1024


def own_peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def chain_yaml(n: int) -> str:
    """A Pipeline of `n` tasks, each one step running `true`, each after the one before."""
    lines = ["apiVersion: tekton.dev/v1", "kind: Pipeline", "metadata:", "  name: chain", "spec:", "  tasks:"]
    for i in range(n):
        lines.append(f"    - name: t{i}")
        if i:
            lines.append(f"      runAfter: [t{i - 1}]")
        lines += ["      taskSpec:", "        steps:", "          - name: s", "            image: busybox"]
        lines.append('            command: ["true"]')
    return "\n".join(lines) + "\n"


def layered_yaml(n: int, finals: int = 20, width: int = 10, seed: int = 7) -> str:
    """A Pipeline of `n` `true` tasks in layers of `width`, each after 1-3 tasks of the two layers
    before, every 17th guarded by a `when` that skips it, and `finals` finally tasks guarded by
    `$(tasks.status)` (the shape of check_speed.py's pipelines, with steps to run)."""
    rng = random.Random(seed)
    step = ["      taskSpec:", "        steps:", "          - name: s", "            image: busybox"]
    step.append('            command: ["true"]')
    lines = ["apiVersion: tekton.dev/v1", "kind: Pipeline", "metadata:", "  name: layered", "spec:"]
    lines += ["  params:", "    - name: p", "      default: 'no'", "  tasks:"]
    for i in range(n):
        lines.append(f"    - name: t{i:04d}")
        layer = i // width
        if layer:
            earlier = range(max(0, layer - 2) * width, layer * width)
            after = sorted(f"t{j:04d}" for j in rng.sample(earlier, rng.randint(1, 3)))
            lines.append(f"      runAfter: [{', '.join(after)}]")
        if i % 17 == 16:
            lines.append("      when: [{input: $(params.p), operator: in, values: ['yes']}]")
        lines += step
    lines.append("  finally:")
    for j in range(finals):
        statuses = ", ".join(FINALLY_STATUSES[j % len(FINALLY_STATUSES)])
        lines += [
            f"    - name: f{j:02d}",
            f"      when: [{{input: $(tasks.status), operator: in, values: [{statuses}]}}]",
        ]
        lines += step
    return "\n".join(lines) + "\n"


FINALLY_STATUSES = (["Succeeded", "Completed"], ["Failed"], ["Completed"], ["Succeeded"])


def write_script_chain(folder: Path, n: int) -> Path:
    """The chain with each step a `script: true` (run by the shell chosen for its image)."""
    path = folder / f"script-chain-{n}.yaml"
    path.write_text(chain_yaml(n).replace('command: ["true"]', "script: 'true'"), encoding="utf-8")
    return path


def write_chain(folder: Path, n: int) -> Path:
    path = folder / f"chain-{n}.yaml"
    path.write_text(chain_yaml(n), encoding="utf-8")
    return path


def write_layered(folder: Path, n: int) -> Path:
    path = folder / f"layered-{n}.yaml"
    path.write_text(layered_yaml(n), encoding="utf-8")
    return path


def bare_processes(n: int) -> float:
    """Wall time of `n` `sh -c true` processes one after the other: the floor for a chain."""
    start = time.perf_counter()
    for _ in range(n):
        subprocess.run(["sh", "-c", "true"], check=True)
    return time.perf_counter() - start
