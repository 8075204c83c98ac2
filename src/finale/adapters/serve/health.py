"""Readiness for `/readyz`: named checks that other parts (the outbox, a reconciler) register.

A check returns None when ready, else a short reason; the service is ready when all are.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

ReadinessCheck = Callable[[], str | None]


class Readiness:
    """A thread-safe set of readiness checks; a check that raises counts as not ready."""

    def __init__(self) -> None:
        self._checks: dict[str, ReadinessCheck] = {}
        self._lock = threading.Lock()

    def add(self, name: str, check: ReadinessCheck) -> None:
        """Register (or replace) the check called `name`."""
        with self._lock:
            self._checks[name] = check

    def remove(self, name: str) -> None:
        with self._lock:
            self._checks.pop(name, None)

    def reasons(self) -> list[str]:
        """Why the service is not ready, one `name: reason` each; empty when ready."""
        with self._lock:
            checks = sorted(self._checks.items())
        found = []
        for name, check in checks:
            try:
                reason = check()
            except Exception as exc:
                reason = f"{type(exc).__name__}: {exc}"
            if reason is not None:
                found.append(f"{name}: {reason}")
        return found


__all__ = ["Readiness", "ReadinessCheck"]
