"""Peak RSS of `finale run -o name` on chains of 500, 1000 and 2000 `true` tasks.

Run: .venv/bin/python benchmarks/run_memory.py   (growth per task should stay a few KiB: the
TaskRun objects themselves; the baseline is `python -c pass`, measured in the same run)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from _common import FINALE, PYTHON, peak_rss_mib, write_chain

SIZES = (500, 1000, 2000)


def main() -> None:
    bare = peak_rss_mib([PYTHON, "-c", "pass"])
    print(f"python -c pass: {bare:.1f} MiB peak RSS")
    previous: tuple[int, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            rss = peak_rss_mib([FINALE, "run", "-o", "name", "-f", str(write_chain(Path(tmp), n))])
            growth = "" if previous is None else f", +{(rss - previous[1]) * 1024 / (n - previous[0]):.1f} KiB a task"
            print(f"finale run, chain of {n}: {rss:.1f} MiB peak RSS ({rss / bare:.2f}x python){growth}", flush=True)
            previous = (n, rss)


if __name__ == "__main__":
    main()
