"""Who may post events: a shared bearer token (compared in constant time) and/or TLS client
certificates signed by a given CA (mTLS, checked by the ssl module before any byte is read).
"""

from __future__ import annotations

import hmac
import ipaddress
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

BEARER = "Bearer "


@dataclass(frozen=True, slots=True, kw_only=True)
class EventAuth:
    """What an event must carry; with neither a token nor mTLS every event is trusted."""

    token: str | None = field(default=None, repr=False)
    mtls: bool = False  # the listening socket demands a client certificate

    @property
    def required(self) -> bool:
        return self.token is not None or self.mtls

    def allows(self, headers: Mapping[str, str]) -> bool:
        """True when the `Authorization: Bearer` header holds the token (or none is set)."""
        if self.token is None:
            return True
        given = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if not given.startswith(BEARER):
            return False
        # compare_digest takes time independent of where the strings differ.
        return hmac.compare_digest(given[len(BEARER) :].strip().encode(), self.token.encode())


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name may resolve anywhere


def server_tls(cert: Path, key: Path, client_ca: Path | None) -> ssl.SSLContext:
    """A server context (TLS 1.2+); with `client_ca`, clients must show a certificate it signed.

    Raises OSError or ssl.SSLError naming nothing secret when a file is unusable.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile=cert, keyfile=key)
    if client_ca is not None:
        context.load_verify_locations(cafile=client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


__all__ = ["EventAuth", "is_loopback", "server_tls"]
