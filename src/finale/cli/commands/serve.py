"""`finale serve`: receive Tekton PipelineRun CloudEvents and report them to GitLab.

Runs until SIGINT/SIGTERM (exit 0). Tokens come from files or the environment (GITLAB_TOKEN,
FINALE_EVENT_TOKEN), never from a flag value, so they stay out of process listings.
"""

from __future__ import annotations

import argparse
import math
import signal
import sqlite3
import sys
import threading
from types import FrameType

from finale.adapters.gitlab.delivery import GitLabDelivery
from finale.adapters.gitlab.wire import DEFAULT_API_PREFIX, DEFAULT_TIMEOUT, ReportInputError
from finale.adapters.serve.logs import json_logger, log_line
from finale.adapters.serve.outbox import Outbox
from finale.adapters.serve.recheck import GitLabStatusCheck
from finale.adapters.serve.sender import LogLine
from finale.adapters.serve.server import Backoff, RunningService, ServiceConfig, start_service
from finale.cli.commands.serve_kubernetes import Side, add_kubernetes_arguments, start_kubernetes
from finale.cli.commands.serve_options import event_auth, retention_seconds
from finale.cli.common import add_token_arguments, read_token
from finale.core.gitlab.events import DEFAULT_STATUS_NAME
from finale.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gitlab-url", required=True, help="host (https assumed) or full URL")
    add_token_arguments(parser)
    parser.add_argument("--db", required=True, help="SQLite outbox file (created if missing)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", default="8080", help="port to listen on; 0 picks a free one (default 8080)")
    parser.add_argument(
        "--name",
        default=DEFAULT_STATUS_NAME,
        help=f"status name when the PipelineRun sets none (default {DEFAULT_STATUS_NAME})",
    )
    parser.add_argument("--api-prefix", default=DEFAULT_API_PREFIX, help="default: /api/v4")
    parser.add_argument("--ca-file", default=None, help="PEM CA bundle for GitLab's TLS")
    parser.add_argument("--insecure", action="store_true", help="skip TLS verification")
    parser.add_argument("--timeout", default=str(DEFAULT_TIMEOUT), help="seconds per GitLab request (default 10)")
    parser.add_argument("--max-backoff", default="300", help="longest wait between retries, seconds (default 300)")
    parser.add_argument(
        "--senders", default="4", help="parallel GitLab posts across commits and runs; 1 posts serially (default 4)"
    )
    parser.add_argument(
        "--retention", default="7d", help="keep delivered outbox rows this long: Go duration or Nd; 0 = forever"
    )
    auth = parser.add_argument_group("event authentication")
    auth.add_argument(
        "--event-token-file", default=None, help="bearer token file for events (else env FINALE_EVENT_TOKEN)"
    )
    auth.add_argument("--tls-cert", default=None, help="PEM certificate to serve HTTPS with (needs --tls-key)")
    auth.add_argument("--tls-key", default=None, help="PEM private key of --tls-cert")
    auth.add_argument("--client-ca", default=None, help="PEM CA: require event senders to show a certificate it signed")
    auth.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="accept events without a token or client certificate on a non-loopback address",
    )
    parser.add_argument(
        "--ops-port", default=None, help="extra plain-HTTP port for /healthz, /readyz, /metrics (no events)"
    )
    add_kubernetes_arguments(parser)


def _port(text: str, flag: str = "--port") -> int:
    if not text.strip().isdigit() or int(text) > 65535:
        raise InputError(f"{flag}: {text!r} is not a port number; fix: e.g. {flag} 8080 (0 = any free)")
    return int(text)


def _seconds(flag: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"{flag}: {text!r} must be a number of seconds > 0")
    return value


def _senders(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 64:
        raise InputError(f"--senders: {text!r} must be a whole number from 1 to 64")
    return int(text)


def _open_outbox(path: str) -> Outbox:
    try:
        return Outbox(path)
    except (sqlite3.Error, OSError) as exc:
        raise InputError(f"--db: cannot use {path} as the outbox: {exc}; fix: give a writable file path") from None


def _start(args: argparse.Namespace, log: LogLine) -> tuple[RunningService, Side | None]:
    port = _port(args.port)
    backoff = Backoff(base=1.0, cap=_seconds("--max-backoff", args.max_backoff))
    token = read_token(args.token_file)
    gitlab = {"api_prefix": args.api_prefix, "timeout": _seconds("--timeout", args.timeout), "ca_file": args.ca_file}
    try:
        delivery = GitLabDelivery(args.gitlab_url, token, verify_tls=not args.insecure, **gitlab)
        check = GitLabStatusCheck(args.gitlab_url, token, verify_tls=not args.insecure, **gitlab)
    except ReportInputError as exc:
        raise InputError(str(exc)) from None
    if not args.name.strip():
        raise InputError("--name: empty; fix: give a status name such as tekton-pipeline")
    outbox = _open_outbox(args.db)
    auth, tls = event_auth(args)
    config = ServiceConfig(
        host=args.host,
        port=port,
        status_name=args.name.strip(),
        backoff=backoff,
        senders=_senders(args.senders),
        auth=auth,
        tls=tls,
        ops_port=None if args.ops_port is None else _port(args.ops_port, "--ops-port"),
        retention=retention_seconds(args.retention),
    )
    wake = threading.Event()
    side = start_kubernetes(args, outbox, wake, config.status_name, log) if args.kubernetes else None
    active, verify, ready = (None, None, None) if side is None else (side.can_send, side.verify, side.not_ready)
    try:
        service = start_service(
            outbox, delivery, config, log=log, check=check, wake=wake, active=active, verify=verify, ready=ready
        )
        return service, side
    except OSError as exc:
        raise InputError(
            f"cannot listen on {args.host}:{port}: {exc.strerror or exc}; fix: choose another --host/--port"
        ) from None


def main(args: argparse.Namespace) -> int:
    log = log_line(json_logger(sys.stderr))
    service, side = _start(args, log)
    if side is not None:
        reconciler = side.reconciler
        service.metrics.resync_from(lambda: float(reconciler.last_resync))
        side.observe = service.metrics.event_received
        side.start()
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _on_signal)
    print(f"finale serve listening on {service.base_url}", flush=True)
    try:
        # A short wait keeps the main thread responsive to signals.
        while not stop.wait(0.2):
            pass
    finally:
        log("stopping: posting what is due, pending rows stay in the outbox")
        service.stop()
        if side is not None:
            side.stop()
    return 0
