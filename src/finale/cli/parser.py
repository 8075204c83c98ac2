"""finale's argument parser: every command listed, only the one being run imported."""

# To add a command: a row in COMMANDS (name -> module, help), and in that module
# `add_arguments(parser)` (flags only: keep it cheap) and `main(args) -> int`. Building the
# parser imports argparse and, for the command named on the line, its module: `finale validate`
# never loads the engine, the HTTP server or SQLite (tests/cli/test_startup.py guards this).

from __future__ import annotations

import argparse
import importlib
import os
import sys

from finale import __version__

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

DESCRIPTION = "finale: prove and run Tekton pipelines that report to GitLab."

# In `finale --help` order.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": (
        "finale.cli.commands.run",
        "run a PipelineRun (or a bare Pipeline) locally: steps as processes, workspaces as folders",
    ),
    "validate": (
        "finale.cli.commands.validate",
        "check Pipelines, Tasks and runs against Tekton's admission rules, every problem at once",
    ),
    "check": (
        "finale.cli.commands.check",
        "prove every outcome of a Pipeline (or PipelineRun) posts exactly one final GitLab status",
    ),
    "instrument": (
        "finale.cli.commands.instrument",
        "add finally tasks that report the pipeline's end to GitLab (keeps comments and layout)",
    ),
    "graph": (
        "finale.cli.commands.graph",
        "draw a Pipeline's tasks, finally tasks and when guards (Mermaid or dot)",
    ),
    "task": (
        "finale.cli.commands.task",
        "print the gitlab-set-status Task finale ships (finale task print | kubectl apply -f -)",
    ),
    "report": ("finale.cli.commands.report", "post a commit status to GitLab, retrying transient failures"),
    "serve": (
        "finale.cli.commands.serve",
        "report how PipelineRuns end to GitLab, from CloudEvents and the Kubernetes API (no pipeline edits)",
    ),
    "gitlab-emulator": (
        "finale.cli.commands.gitlab_emulator",
        "serve a GitLab commit-status API emulator backed by local git repositories",
    ),
    "demo": (
        "finale.cli.commands.demo",
        "run buildpacks-test-pipeline locally on a good and a broken commit of a sample app, "
        "against a local GitLab emulator, and show the commit statuses GitLab ends up with",
    ),
}


class _Formatter(argparse.HelpFormatter):
    """argparse makes a formatter for every flag added and sizes it with shutil, which imports
    three compression modules: the width is asked of os here, with shutil's rules."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, _terminal_columns() - 2 if width is None else width)


def _terminal_columns() -> int:
    """`shutil.get_terminal_size().columns`: $COLUMNS, else the terminal of stdout, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0 and sys.__stdout__ is not None:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage, which matches our 'bad input' code.

    Abbreviations are off (`--token` must not quietly mean `--token-file`), and words argparse
    does not know are named by their flags only: a mistyped flag's value may be a secret.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", _Formatter)
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


def _command_word(argv: Sequence[str]) -> str | None:
    """The command named on the line: the top-level options (-h, --version) take no value."""
    return next((word for word in argv if not word.startswith("-")), None)


def _listed(argv: Sequence[str], chosen: str | None) -> list[str]:
    """A known command first on the line is all argparse needs to see: each sub-parser costs start-up
    time (argparse looks up translations for it). Help, --version and a mistyped command list them all."""
    if argv and argv[0] == chosen and chosen in COMMANDS:
        return [chosen]
    return list(COMMANDS)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """Every command listed; only the one `argv` names is imported and gets its flags."""
    parser = _Parser(prog="finale", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"finale {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = _command_word(argv)
    for name in _listed(argv, chosen):
        module_name, help_text = COMMANDS[name]
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(command_parser)
            command_parser.set_defaults(handler=module.main)
    return parser
