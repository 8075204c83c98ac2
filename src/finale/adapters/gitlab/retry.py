"""The reporter's retry policy: which answers are worth asking again, and how long to wait.

409/429/5xx and lost connections are transient; GitLab's own wait (Retry-After, RateLimit-Reset)
is honoured exactly, else capped exponential backoff with jitter, never past the budget.
Stdlib only: the `gitlab-set-status` Task script inlines this module.
"""

from __future__ import annotations

from dataclasses import dataclass

BACKOFF_BASE = 0.5
BACKOFF_CAP = 10.0
MIN_ATTEMPT_TIMEOUT = 0.5  # a retry squeezed into the budget still gets this long to answer

# 501 Not Implemented and 505 are answers about the request, not the server's health
# (RFC 9110 15.6.2, 15.6.6): asking again gets the same answer.
NEVER_RETRIED = (501, 505)


@dataclass(frozen=True, slots=True)
class Transient:
    """A failed try worth repeating: why, and the wait GitLab asked for, if any."""

    reason: str
    server_wait: float | None  # Retry-After or RateLimit-Reset, honoured exactly


def is_transient(code: int) -> bool:
    """An HTTP answer that may change if asked again later (lock, throttle, server trouble)."""
    return code in (409, 429) or (code >= 500 and code not in NEVER_RETRIED)


def next_wait(outcome: Transient, attempt: int, remaining: float, jitter: float) -> float | None:
    """How long to sleep before try `attempt + 1`, or None if that would pass the budget.

    `jitter` in [0, 1) spreads the backoff between half and all of it.
    """
    if outcome.server_wait is not None:
        # Trying before GitLab's own deadline is pointless; never sleep past ours.
        return outcome.server_wait if outcome.server_wait < remaining else None
    if remaining <= 0:
        return None
    backoff = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** (attempt - 1))
    return min(backoff * (0.5 + jitter / 2), remaining)
