"""Engine overhead per task: whole `finale run -o name` (start-up included) on a chain of N
`true` tasks, minus N bare `sh -c true` processes, divided by N. Median of 3, paired.

Run: .venv/bin/python benchmarks/engine_overhead.py [N]   (bar at N=200: <= 2 ms a task)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from _common import FINALE, bare_processes, run_once, write_chain


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_chain(Path(tmp), n)
        argv = [FINALE, "run", "-o", "name", "-f", str(path)]
        run_once(argv)
        ours, bare = [], []
        for _ in range(3):
            ours.append(run_once(argv))
            bare.append(bare_processes(n))
    whole, floor = statistics.median(ours), statistics.median(bare)
    print(f"finale run, chain of {n}: {whole:.2f} s; {n} x sh -c true: {floor:.2f} s (ratio {whole / floor:.2f}x)")
    print(f"overhead {(whole - floor) / n * 1000:.2f} ms a task (bar <= 2 ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
