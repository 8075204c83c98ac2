"""`finale run -o name` on chains of N `true` tasks: cost per task as N grows (linear = flat).

Run: .venv/bin/python benchmarks/run_scaling.py [N ...]   (bar: per-task at 1000 <= 1.3x per-task at 100)
The baseline is N bare `sh -c true` processes, measured in the same run.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from _common import FINALE, bare_processes, run_once, write_chain

SIZES = (100, 200, 500, 1000, 2000)


def main(sizes: tuple[int, ...]) -> None:
    print("| N | finale run | per task | N x `sh -c true` | per process | ratio | per task vs first N |")
    print("|---|---|---|---|---|---|---|")
    first = None
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = write_chain(Path(tmp), n)
            run_once([FINALE, "run", "-o", "name", "-f", str(path)]) if n == sizes[0] else None  # warm-up
            ours = run_once([FINALE, "run", "-o", "name", "-f", str(path)])
            bare = bare_processes(n)
            per_task = ours / n * 1000
            first = first or per_task
            print(
                f"| {n} | {ours:.2f} s | {per_task:.2f} ms | {bare:.2f} s | {bare / n * 1000:.2f} ms "
                f"| {ours / bare:.2f}x | {per_task / first:.2f}x |",
                flush=True,
            )


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or SIZES)
