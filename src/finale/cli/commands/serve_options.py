"""`finale serve` options that need more than a type: event authentication and retention."""

from __future__ import annotations

import argparse
import os
import ssl
from pathlib import Path

from finale.adapters.serve.auth import EventAuth, is_loopback, server_tls
from finale.core.tekton.durations import parse_duration_ns
from finale.errors import InputError

TOKEN_ENV = "FINALE_EVENT_TOKEN"
_NO_AUTH = (
    "refusing unauthenticated events on {host}; fix: give --event-token-file FILE (or {env}), or "
    "--tls-cert/--tls-key with --client-ca, or --allow-unauthenticated when a NetworkPolicy (or a "
    "proxy) already limits who reaches the port"
)


def event_auth(args: argparse.Namespace) -> tuple[EventAuth, ssl.SSLContext | None]:
    """Token and TLS from the flags; secure by default off loopback (exit 2 otherwise)."""
    tls = _tls(args.tls_cert, args.tls_key, args.client_ca)
    auth = EventAuth(token=_event_token(args.event_token_file), mtls=args.client_ca is not None)
    if not auth.required and not args.allow_unauthenticated and not is_loopback(args.host):
        raise InputError(_NO_AUTH.format(host=args.host, env=TOKEN_ENV))
    return auth, tls


def _event_token(path: str | None) -> str | None:
    if path is None:
        return os.environ.get(TOKEN_ENV, "").strip() or None
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InputError(f"--event-token-file: cannot read {path}: {exc.strerror}") from None
    if not token:
        raise InputError(f"--event-token-file: {path} is empty; fix: put the token in it")
    return token


def _tls(cert: str | None, key: str | None, client_ca: str | None) -> ssl.SSLContext | None:
    if (cert is None) != (key is None):
        raise InputError("--tls-cert and --tls-key go together; fix: give both or neither")
    if cert is None or key is None:
        if client_ca is not None:
            raise InputError("--client-ca needs --tls-cert and --tls-key; fix: serve HTTPS to check client certs")
        return None
    try:
        return server_tls(Path(cert), Path(key), None if client_ca is None else Path(client_ca))
    except (OSError, ssl.SSLError) as exc:
        # Name the files, never their contents.
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
        raise InputError(f"--tls-cert/--tls-key/--client-ca: cannot load {cert}, {key}: {reason}") from None


def retention_seconds(text: str) -> float:
    """`7d`, or a Go duration such as `168h` or `90m`; `0` keeps rows forever."""
    fix = "; fix: e.g. --retention 7d or --retention 72h (0 keeps rows forever)"
    stripped = text.strip()
    if stripped.endswith("d") and stripped[:-1].isdigit():
        return int(stripped[:-1]) * 86400.0
    try:
        nanoseconds = parse_duration_ns(stripped)
    except ValueError as exc:
        raise InputError(f"--retention: {exc}{fix}") from None
    if nanoseconds < 0:
        raise InputError(f"--retention: {text!r} is negative{fix}")
    return nanoseconds / 1e9
