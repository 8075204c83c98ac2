"""`finale gitlab-emulator`: run the GitLab commit-status API emulator until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from finale.errors import InputError
from finale.gitlab_emulator import load_config, serve

CONFIG_EXAMPLE = """\
config example (repository paths relative to the file):
  projects:
    - {id: 1, path: team/app, repository: ./app, protected_branches: [main]}
  users:
    - username: tekton-bot
      roles: {team/app: maintainer}   # guest, reporter, developer, maintainer or owner
      tokens: [{value: my-token, scopes: [api]}]
  faults: {throttle: 0, lock: 0, server_error: 0}   # 429, 409, 500 for the next N requests
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = CONFIG_EXAMPLE
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "--config", required=True, metavar="FILE", help="YAML or JSON file with projects, users, tokens and faults"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=0, help="port (default: 0, any free port)")
    parser.add_argument("--db", metavar="FILE", help="keep pipelines and statuses in this SQLite file across restarts")


def main(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    try:
        emulator = serve(config, host=args.host, port=args.port, db_path=args.db, log_line=_log_line)
    except OSError as exc:
        raise InputError(f"--host/--port: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"GitLab emulator listening on {emulator.base_url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _log_line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
