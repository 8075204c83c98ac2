"""`finale validate -f` on one small Pipeline against `python -c pass`: median of 10, paired.

Also timed: importing the libraries validate stands on (argparse, dataclasses, ruamel.yaml) and
nothing else, the floor for this design.

Run: .venv/bin/python benchmarks/validate_startup.py   (bar: ratio <= 3)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from _common import FINALE, PYTHON, paired_medians, write_chain


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        small = write_chain(Path(tmp), 2)
        validate, yaml_only, libraries, bare = paired_medians(
            [
                [FINALE, "validate", "-f", str(small)],
                [PYTHON, "-c", "import ruamel.yaml"],
                [PYTHON, "-c", "import argparse, dataclasses, ruamel.yaml"],
                [PYTHON, "-c", "pass"],
            ]
        )
    print(
        f"finale validate -f (2 tasks): {validate * 1000:.1f} ms; python -c pass: {bare * 1000:.1f} ms; "
        f"python -c 'import ruamel.yaml': {yaml_only * 1000:.1f} ms; "
        f"python -c 'import argparse, dataclasses, ruamel.yaml': {libraries * 1000:.1f} ms"
    )
    print(
        f"ratio {validate / bare:.2f}x (bar <= 3x); importing the YAML library alone: {yaml_only / bare:.2f}x; "
        f"the three libraries: {libraries / bare:.2f}x"
    )


if __name__ == "__main__":
    main()
