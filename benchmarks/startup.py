"""`finale --version` against `python -c pass`: median of 10, paired, after one warm-up each.

Run: .venv/bin/python benchmarks/startup.py   (bar: ratio <= 2)
"""

from __future__ import annotations

from _common import FINALE, PYTHON, paired_medians


def main() -> None:
    version, bare = paired_medians([[FINALE, "--version"], [PYTHON, "-c", "pass"]])
    print(f"finale --version: {version * 1000:.1f} ms; python -c pass: {bare * 1000:.1f} ms")
    print(f"ratio {version / bare:.2f}x (bar <= 2x)")


if __name__ == "__main__":
    main()
