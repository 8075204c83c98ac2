"""`finale demo`: run the seed pipeline on a good and a broken commit against a local GitLab."""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--plain",
        action="store_true",
        help="print plain progress lines even on a terminal",
    )


def main(args: argparse.Namespace) -> int:
    from finale.demo import run_demo

    return run_demo(sys.stdout, live=False if args.plain else None)
