"""Switchable faults: throttling (429), lock conflicts (409), server errors (500/502).

Shapes follow GitLab's docs: Rack::Attack throttles answer plain-text `Retry later` with
`Retry-After`, `RateLimit-ResetTime` and the `RateLimit-*` headers (`RateLimit-Reset` is Unix
time); application limits answer 429 without them; the commit-status service turns a lease it
cannot get into 409 with its own message (`conflict!` in `lib/api/commit_statuses.rb`); proxies
in front of GitLab answer 502 with HTML.
Application limits answer 429 with a JSON body and `Retry-After` but no `RateLimit-*` headers.
"""

from __future__ import annotations

import dataclasses
import threading
from email.utils import formatdate
from typing import Any

from finale.gitlab_emulator.config import Faults
from finale.gitlab_emulator.config_loader import parse_faults
from finale.gitlab_emulator.replies import Reply, message

RATE_LIMIT = 2000
LOCK_CONFLICT_TEXT = "Another update to this commit status is in progress"
APP_LIMIT_TEXT = "This endpoint has been requested too many times. Try again later."
_BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class FaultSwitch:
    """The current faults; counts are used up one request at a time."""

    def __init__(self, faults: Faults) -> None:
        self._lock = threading.Lock()
        self._faults = faults
        self._server_errors_sent = 0

    def current(self) -> Faults:
        return self._faults

    def set(self, **changes: Any) -> Faults:
        """Validate and merge changes (e.g. throttle=2, idempotent=True); InputError if bad."""
        with self._lock:
            self._faults = parse_faults(changes, self._faults)
            return self._faults

    def reset(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults
            self._server_errors_sent = 0

    def _take(self, name: str) -> bool:
        with self._lock:
            left = getattr(self._faults, name)
            if left <= 0:
                return False
            self._faults = dataclasses.replace(self._faults, **{name: left - 1})
            return True

    def before_request(self, now: float) -> Reply | None:
        """A fault answering ahead of GitLab itself (rate limiter, proxy), or None."""
        if self._take("throttle"):
            return throttled(now, self._faults.retry_after)
        if self._take("app_throttle"):
            return app_throttled(self._faults.retry_after)
        if self._take("server_error"):
            with self._lock:
                self._server_errors_sent += 1
                odd = self._server_errors_sent % 2 == 1
            if odd:
                return message(500, "500 Internal Server Error")
            return Reply(status=502, body=_BAD_GATEWAY_HTML.encode(), content_type="text/html")
        return None

    def take_lock(self) -> Reply | None:
        if self._take("lock"):
            return message(409, LOCK_CONFLICT_TEXT)
        return None

    def rate_limit_headers(self, now: float) -> tuple[tuple[str, str], ...]:
        """Headers Rack::Attack adds to every answer while throttles are on."""
        if not self._faults.rate_limit_headers and self._faults.throttle <= 0:
            return ()
        return _limit_headers(now, self._faults.retry_after, observed=1)


def throttled(now: float, retry_after: int) -> Reply:
    """Rack::Attack: plain text, Retry-After, RateLimit-ResetTime and the RateLimit-* set."""
    headers = (
        ("Retry-After", str(retry_after)),
        *_limit_headers(now, retry_after, observed=RATE_LIMIT + 1),
        ("RateLimit-ResetTime", formatdate(now + retry_after, usegmt=True)),
    )
    return Reply(status=429, body=b"Retry later\n", content_type="text/plain", headers=headers)


def app_throttled(retry_after: int) -> Reply:
    """An application limit (`check_rate_limit!`): JSON body, Retry-After, no RateLimit-*."""
    reply = message(429, {"error": APP_LIMIT_TEXT})
    return Reply(status=429, body=reply.body, headers=(("Retry-After", str(retry_after)),))


def _limit_headers(now: float, retry_after: int, observed: int) -> tuple[tuple[str, str], ...]:
    return (
        ("RateLimit-Name", "throttle_authenticated_api"),
        ("RateLimit-Limit", str(RATE_LIMIT)),
        ("RateLimit-Observed", str(observed)),
        ("RateLimit-Remaining", str(max(RATE_LIMIT - observed, 0))),
        ("RateLimit-Reset", str(int(now) + retry_after)),
    )
