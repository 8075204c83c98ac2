"""finale: prove and run Tekton pipelines that report to GitLab."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from finale import __version__
from finale.cli.error_handler import EXIT_BAD_INPUT, run_guarded

# Each module in finale.cli.commands defines NAME, HELP, add_arguments(parser) and
# main(args) -> int. Listed here so the help text has a stable order.
COMMAND_MODULES = (
    "run",
    "validate",
    "report",
    "check",
    "instrument",
    "graph",
    "gitlab_emulator",
    "demo",
    "serve",
)


def _load_commands() -> list[ModuleType]:
    modules = []
    for name in COMMAND_MODULES:
        try:
            modules.append(importlib.import_module(f"finale.cli.commands.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"finale.cli.commands.{name}":
                raise
    return modules


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage, which matches our 'bad input' code."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="finale", description=__doc__)
    parser.add_argument("--version", action="version", version=f"finale {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _load_commands():
        command_parser = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(command_parser)
        command_parser.set_defaults(handler=module.main)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else sys.argv[1:])
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    return run_guarded(lambda: int(args.handler(args)))
