"""`finale validate -f` on one small Pipeline against `python -c pass`: median of 10, paired.

Also timed, as floors: importing argparse and re (the parser and the rules' patterns), and those
with typing (which only the YAML reader still imports at run time).

Run: .venv/bin/python benchmarks/validate_startup.py   (bar: ratio <= 3)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from _common import FINALE, PYTHON, paired_medians, write_chain


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        small = write_chain(Path(tmp), 2)
        validate, floor, with_typing, bare = paired_medians(
            [
                [FINALE, "validate", "-f", str(small)],
                [PYTHON, "-c", "import argparse, re"],
                [PYTHON, "-c", "import argparse, re, typing"],
                [PYTHON, "-c", "pass"],
            ]
        )
    print(
        f"finale validate -f (2 tasks): {validate * 1000:.1f} ms; python -c pass: {bare * 1000:.1f} ms; "
        f"python -c 'import argparse, re': {floor * 1000:.1f} ms; "
        f"python -c 'import argparse, re, typing': {with_typing * 1000:.1f} ms"
    )
    print(
        f"ratio {validate / bare:.2f}x (bar <= 3x); argparse and re alone: {floor / bare:.2f}x; "
        f"with typing: {with_typing / bare:.2f}x"
    )


if __name__ == "__main__":
    main()
