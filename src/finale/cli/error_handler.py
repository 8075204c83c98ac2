"""One handler at the CLI edge: known errors print a message, bugs print a traceback."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # kept out of `finale --version`'s imports, as finale.errors is
if TYPE_CHECKING:
    from collections.abc import Callable

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130


def run_guarded(command: Callable[[], int]) -> int:
    """Run `command`, turning finale's errors into exit codes and one clear message."""
    from finale.errors import FinaleError, InputError

    try:
        return command()
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except FinaleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception:
        import traceback

        print("finale hit a bug; please report it with this traceback:", file=sys.stderr)
        traceback.print_exc()
        return EXIT_BUG
