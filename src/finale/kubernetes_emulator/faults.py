"""Injectable faults: error answers for the next requests, and watch connections cut mid-stream."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from finale.kubernetes_emulator.replies import ApiStatus

_REASONS = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout"}


@dataclass(slots=True, kw_only=True)
class _Rule:
    code: int
    remaining: int
    method: str | None
    path_contains: str | None


class Faults:
    """Thread-safe fault plan shared by the request handlers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._drops = 0

    def fail(
        self, code: int = 500, count: int = 1, method: str | None = None, path_contains: str | None = None
    ) -> None:
        """Answer the next `count` matching requests with `code` and a Status body."""
        with self._lock:
            self._rules.append(_Rule(code=code, remaining=count, method=method, path_contains=path_contains))

    def take(self, method: str, path: str) -> ApiStatus | None:
        with self._lock:
            for rule in self._rules:
                if rule.method not in (None, method) or (rule.path_contains and rule.path_contains not in path):
                    continue
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rules.remove(rule)
                reason = _REASONS.get(rule.code, "InternalError")
                return ApiStatus(rule.code, reason, f"injected fault: {reason}")
        return None

    def drop_watches(self) -> None:
        """Every open watch stream is cut without its closing chunk, as a dying apiserver does."""
        with self._lock:
            self._drops += 1

    @property
    def drops(self) -> int:
        with self._lock:
            return self._drops

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()


__all__ = ["Faults"]
