"""finale: prove and run Tekton pipelines that report to GitLab."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from finale import __version__
from finale.cli.error_handler import EXIT_BAD_INPUT, run_guarded

# Each module in finale.cli.commands defines NAME, HELP, add_arguments(parser) and
# main(args) -> int. Listed so `finale --help` shows them in the README's order.
COMMAND_MODULES = (
    "run",
    "validate",
    "check",
    "instrument",
    "graph",
    "report",
    "serve",
    "gitlab_emulator",
    "demo",
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
    """argparse exits 2 on bad usage, which matches our 'bad input' code.

    Abbreviations are off (`--token` must not quietly mean `--token-file`), and words argparse
    does not know are named by their flags only: a mistyped flag's value may be a secret.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = getattr(parsed, "command", None) or "COMMAND"
            self.error(f"unrecognized arguments: {_without_values(extras)}; see finale {command} --help")
        return parsed


def _without_values(words: list[str]) -> str:
    """`--tokn SECRET` shows as `--tokn VALUE`: what follows an unknown flag may be a secret."""
    shown: list[str] = []
    for word in words:
        if word.startswith("-") and word != "-":
            flag, sep, _ = word.partition("=")
            shown.append(f"{flag}=VALUE" if sep else flag)
        elif shown and shown[-1].startswith("-") and not shown[-1].endswith("=VALUE"):
            shown.append("VALUE")
        else:
            shown.append(word)
    return " ".join(shown)


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
