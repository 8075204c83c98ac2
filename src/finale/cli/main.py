"""finale's entry point: `finale --version` answers at once, a command imports only itself."""

from __future__ import annotations

import sys

from finale import __version__
from finale.cli.error_handler import EXIT_BAD_INPUT, run_guarded

TYPE_CHECKING = False  # typing costs start-up time; mypy reads the block below as true
if TYPE_CHECKING:
    from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    words = list(argv) if argv is not None else sys.argv[1:]
    if words == ["--version"]:
        # Scripts ask this to pick a code path; answered before argparse (half the start-up).
        print(f"finale {__version__}")
        return 0
    from finale.cli.parser import build_parser

    parser = build_parser(words)
    args = parser.parse_args(words)
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    return run_guarded(lambda: int(args.handler(args)))
