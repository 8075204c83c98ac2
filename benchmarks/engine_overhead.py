"""Engine overhead per TaskRun: whole `finale run -o name` (start-up included) minus as many bare
`sh -c true` processes as TaskRuns ran, divided by that count. Median of 3, paired. Two shapes:
a chain of N `true` tasks, a layered DAG of N tasks (`when` guards, 20 finally tasks), and the
chain again with `script: 'true'` steps: a busybox step's script runs under `bash --posix` (as
its own `sh` behaves), which starts more slowly than `sh`, so that line shows what the shell adds.

Run: .venv/bin/python benchmarks/engine_overhead.py [N]   (bar at N=200: <= 2 ms a task)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from _common import ENV, FINALE, bare_processes, run_once, write_chain, write_layered, write_script_chain


def _taskruns(argv: list[str]) -> int:
    """Run once (the warm-up) and count the TaskRuns it printed: one step process each."""
    done = subprocess.run(argv, env=ENV, capture_output=True, text=True, check=True)
    return sum(line.startswith("taskrun.") for line in done.stdout.splitlines())


def measure(shape: str, write: Callable[[Path, int], Path], n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        argv = [FINALE, "run", "-o", "name", "-f", str(write(Path(tmp), n))]
        runs = _taskruns(argv)
        ours, bare = [], []
        for _ in range(3):
            ours.append(run_once(argv))
            bare.append(bare_processes(runs))
    whole, floor = statistics.median(ours), statistics.median(bare)
    ran = "" if runs == n else f" ({runs} TaskRuns)"
    print(f"finale run, {shape} of {n}{ran}: {whole:.2f} s; {runs} x sh -c true: {floor:.2f} s", end=" ")
    print(f"(ratio {whole / floor:.2f}x)")
    print(f"overhead {(whole - floor) / runs * 1000:.2f} ms a task (bar <= 2 ms)")


def main(n: int) -> None:
    measure("chain", write_chain, n)
    measure("layered DAG", write_layered, n)
    measure("chain of script steps", write_script_chain, n)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
