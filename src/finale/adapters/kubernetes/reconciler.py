"""Level-triggered reading of PipelineRuns: list, watch from the list's resourceVersion, relist
on 410 Gone and every resync period (client-go's reflector and informer resync, by hand)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from finale.adapters.kubernetes.api import Gone, KubeApi, KubeError
from finale.core.gitlab.pipelinerun import mapping

Feed = Callable[[Mapping[str, Any]], None]
LogLine = Callable[[str], None]


class Reconciler:
    """Feeds every listed or watched PipelineRun to `feed`; `listed` is set after the first full list."""

    def __init__(
        self, api: KubeApi, feed: Feed, *, resync: float, log: LogLine, watch_timeout: int = 300, retry: float = 1.0
    ) -> None:
        self._api = api
        self._feed = feed
        self._resync = resync
        self._log = log
        self._watch_timeout = watch_timeout
        self._retry = retry
        self._lock = threading.Lock()  # one relist at a time
        self.listed = threading.Event()
        self.relists = 0
        self.last_resync = 0.0  # wall-clock time of the last complete list

    def relist(self) -> str:
        """Feed every PipelineRun; the list's resourceVersion, to watch from."""
        with self._lock:
            version, runs = self._api.list_runs()
            for run in runs:
                self._feed(run)
            self.relists += 1
            self.last_resync = time.time()
            self.listed.set()
            return version

    def start(self, stop: threading.Event) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self._watch_loop, args=(stop,), name="finale-serve-watch", daemon=True),
            threading.Thread(target=self._resync_loop, args=(stop,), name="finale-serve-resync", daemon=True),
        ]
        for thread in threads:
            thread.start()
        return threads

    def _watch_loop(self, stop: threading.Event) -> None:
        version: str | None = None
        while not stop.is_set():
            try:
                if version is None:
                    version = self.relist()
                version = self._watch(version, stop)
            except Gone as exc:
                self._log(f"watch expired ({exc}); listing again")
                version = None
            except KubeError as exc:
                self._log(f"Kubernetes API: {exc}; retrying in {self._retry:g}s")
                stop.wait(self._retry)
            except Exception as exc:  # a bug or a closed client: the watch must outlive it
                if stop.is_set():
                    return
                self._log(f"watch failed: {type(exc).__name__}: {exc}; listing again in {self._retry:g}s")
                version = None
                stop.wait(self._retry)

    def _watch(self, version: str, stop: threading.Event) -> str:
        for kind, run in self._api.watch_runs(version, self._watch_timeout, stop.is_set):
            if stop.is_set():
                break
            version = str(mapping(run.get("metadata")).get("resourceVersion") or version)
            if kind in ("ADDED", "MODIFIED"):
                self._feed(run)
        return version

    def _resync_loop(self, stop: threading.Event) -> None:
        while not stop.wait(self._resync):
            try:
                self.relist()
            except KubeError as exc:
                self._log(f"resync failed: {exc}; next in {self._resync:g}s")


__all__ = ["Reconciler"]
