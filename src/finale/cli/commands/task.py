"""`finale task print`: the shipped gitlab-set-status Task, for `kubectl apply -f -`."""

from __future__ import annotations

import argparse
import importlib.resources
import sys

from finale.cli.error_handler import EXIT_OK

TASK_RESOURCE = "gitlab-set-status.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("print",),
        help="print: write the Task's YAML to stdout (finale task print | kubectl apply -n NAMESPACE -f -)",
    )


def task_text() -> str:
    return (importlib.resources.files("finale") / "resources" / TASK_RESOURCE).read_text(encoding="utf-8")


def main(args: argparse.Namespace) -> int:
    sys.stdout.write(task_text())
    return EXIT_OK
