"""Prometheus metrics for `finale serve`, in a registry of its own (one per service).

Counters follow Prometheus naming (`finale_..._total`); queue depth and oldest pending age are
read from the outbox at scrape time, so they are never stale.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from finale.adapters.serve.outbox import Outbox

CONTENT_TYPE = CONTENT_TYPE_LATEST


class _Backlog(Collector):
    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            depth, age = self._outbox.backlog()
        except sqlite3.Error:
            return  # the scrape still answers; /readyz reports the outbox
        yield GaugeMetricFamily("finale_outbox_pending", "Statuses waiting to be posted to GitLab.", value=depth)
        yield GaugeMetricFamily(
            "finale_outbox_oldest_pending_age_seconds", "Age of the oldest status waiting to be posted.", value=age
        )


class ServeMetrics:
    """The service's counters and gauges; also the sender's `SendObserver`."""

    def __init__(self, outbox: Outbox) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._events = Counter(
            "finale_events_received",
            "Events received, by source (cloudevent, kubernetes) and result (accepted, duplicate, stale, "
            "ignored, rejected, unauthorized, error).",
            ["source", "result"],
            registry=self.registry,
        )
        self._delivered = Counter(
            "finale_statuses_delivered", "Statuses GitLab took, by state.", ["state"], registry=self.registry
        )
        self._retries = Counter("finale_delivery_retries", "Posts to be tried again later.", registry=self.registry)
        self._failed = Counter("finale_delivery_failures", "Posts GitLab refused for good.", registry=self.registry)
        self._resync = Gauge(
            "finale_last_resync_timestamp_seconds",
            "Unix time of the last complete list of PipelineRuns from the Kubernetes API (0: never).",
            registry=self.registry,
        )
        self.registry.register(_Backlog(outbox))

    def event_received(self, source: str, result: str) -> None:
        self._events.labels(source=source, result=result).inc()

    def delivered(self, state: str) -> None:
        self._delivered.labels(state=state).inc()

    def retried(self) -> None:
        self._retries.inc()

    def gave_up(self) -> None:
        self._failed.inc()

    def resynced(self, unix_time: float) -> None:
        """Called by a reconciler after each complete list."""
        self._resync.set(unix_time)

    def resync_from(self, last_resync: Callable[[], float]) -> None:
        """Read the last complete list's Unix time from the reconciler at each scrape instead."""
        self._resync.set_function(last_resync)

    def render(self) -> bytes:
        return generate_latest(self.registry)


__all__ = ["CONTENT_TYPE", "ServeMetrics"]
