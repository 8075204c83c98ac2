"""Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package does:
take the Lease when its holder has not renewed within leaseDuration (timed on our own clock from
when we saw the record change), renew every retryPeriod, step down when renewals fail for
renewDeadline, and release it (holder cleared) on a clean stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from finale.adapters.kubernetes.api import Conflict, KubeApi

LogLine = Callable[[str], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaseTiming:
    """client-go's defaults (leaderelection.LeaderElectionConfig as controllers set it)."""

    duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0


def _micro_time(moment: float) -> str:
    # metav1.MicroTime: RFC 3339 with microseconds.
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    """`is_leader()` is what gates sending; `on_change(True)` runs on taking the Lease."""

    def __init__(
        self,
        api: KubeApi,
        *,
        namespace: str,
        name: str,
        identity: str,
        timing: LeaseTiming = LeaseTiming(),
        on_change: Callable[[bool], None] = lambda _leading: None,
        log: LogLine = lambda _line: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api, self._namespace, self._name, self._identity = api, namespace, name, identity
        self._timing, self._on_change, self._log, self._clock = timing, on_change, log, clock
        self._leading = threading.Event()
        self._observed: tuple[Any, ...] | None = None
        self._observed_at = 0.0
        self._renewed_at = 0.0

    def is_leader(self) -> bool:
        # By the clock, not by the loop: a renewal stuck in a slow request must not extend leadership.
        return self._leading.is_set() and self._clock() - self._renewed_at <= self._timing.renew_deadline

    def run(self, stop: threading.Event) -> None:
        """Try to acquire or renew every retry period until `stop`; then release if leading."""
        while not stop.is_set():
            started = self._clock()
            try:
                held = self._try()
            except Exception as exc:  # any failure counts as a missed renewal, never as leading
                self._log(f"Lease {self._namespace}/{self._name}: {type(exc).__name__}: {exc}")
                held = False
            self._settle(held, started)
            stop.wait(self._timing.retry_period)
        if self.is_leader():
            self._release()

    def _settle(self, held: bool, started: float) -> None:
        if held:
            # Counted from when the renewal was sent: the Lease may have been written any time after.
            self._renewed_at = started
            if not self._leading.is_set():
                self._leading.set()
                self._log(f"{self._identity} leads (Lease {self._namespace}/{self._name})")
                self._on_change(True)
        elif self._leading.is_set() and self._clock() - self._renewed_at > self._timing.renew_deadline:
            self._leading.clear()
            self._log(f"{self._identity} lost the Lease: no renewal for {self._timing.renew_deadline:g}s")
            self._on_change(False)

    def _try(self) -> bool:
        lease = self._api.get_lease(self._namespace, self._name)
        now = self._clock()
        if lease is None:
            return self._write(None, now)
        spec = lease.get("spec") or {}
        record = tuple(sorted((k, str(v)) for k, v in spec.items()))
        if record != self._observed:
            self._observed, self._observed_at = record, now
        holder = spec.get("holderIdentity") or ""
        duration = float(spec.get("leaseDurationSeconds") or self._timing.duration)
        if holder and holder != self._identity and now < self._observed_at + duration:
            return False  # someone else holds a Lease we saw renewed recently
        return self._write(lease, now)

    def _write(self, lease: dict[str, Any] | None, now: float) -> bool:
        wall = _micro_time(time.time())
        old = (lease or {}).get("spec") or {}
        ours = old.get("holderIdentity") == self._identity
        spec = {
            "holderIdentity": self._identity,
            "leaseDurationSeconds": round(self._timing.duration),
            "acquireTime": old.get("acquireTime") if ours else wall,
            "renewTime": wall,
            "leaseTransitions": int(old.get("leaseTransitions") or 0) + (0 if ours or lease is None else 1),
        }
        meta: dict[str, Any] = {"name": self._name, "namespace": self._namespace}
        if lease is not None:
            meta["resourceVersion"] = lease["metadata"]["resourceVersion"]
        body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta, "spec": spec}
        try:
            self._api.write_lease(self._namespace, body, create=lease is None)
        except Conflict:
            return False  # another candidate wrote first
        self._observed, self._observed_at = tuple(sorted((k, str(v)) for k, v in spec.items())), now
        return True

    def _release(self) -> None:
        """ReleaseOnCancel: clear the holder so another replica takes over at once."""
        self._leading.clear()
        try:
            lease = self._api.get_lease(self._namespace, self._name)
            if lease and (lease.get("spec") or {}).get("holderIdentity") == self._identity:
                lease["spec"].update(holderIdentity="", leaseDurationSeconds=1)
                self._api.write_lease(self._namespace, lease, create=False)
        except Exception as exc:  # the Lease then expires on its own after its duration
            self._log(f"Lease {self._namespace}/{self._name}: not released: {type(exc).__name__}: {exc}")


__all__ = ["LeaderElector", "LeaseTiming"]
