"""`finale serve --kubernetes`: the reconciler feeding the outbox, delivery recorded on the runs,
CloudEvents checked against the API, and the Lease deciding which replica sends."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from finale.adapters.kubernetes.api import KubeApi, KubeError
from finale.adapters.kubernetes.lease import LeaderElector, LeaseTiming
from finale.adapters.kubernetes.reconciler import Reconciler
from finale.adapters.kubernetes.records import RunRecords
from finale.adapters.serve.outbox import Outbox
from finale.adapters.serve.server import VerifyUnavailable
from finale.core.gitlab.events import CloudEvent
from finale.core.gitlab.pipelinerun import (
    ANNOTATION_REPORTED,
    FINALIZER,
    Ignored,
    StatusUpdate,
    mapping,
    mismatch,
    run_update,
)

LogLine = Callable[[str], None]
_RECORD_POLL = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class KubernetesOptions:
    resync: float = 600.0
    finalizer: bool = False
    lease_namespace: str = ""  # "" : no election, this process always sends
    lease_name: str = "finale-serve"
    identity: str = ""
    timing: LeaseTiming = field(default_factory=LeaseTiming)
    watch_timeout: int = 300
    # After taking the Lease, wait this long before sending (the GitLab request timeout): a post
    # the previous holder began before stepping down has landed or failed by then.
    handover_grace: float = 10.0


class KubernetesSide:
    """Everything the API adds to the service; `start` runs it on daemon threads."""

    def __init__(
        self,
        api: KubeApi,
        outbox: Outbox,
        wake: threading.Event,
        options: KubernetesOptions,
        *,
        status_name: str,
        log: LogLine,
    ) -> None:
        self._api, self._outbox, self._wake, self._options = api, outbox, wake, options
        self._status_name, self._log = status_name, log
        self._stop = threading.Event()
        self._sending_from = 0.0
        # Metrics hook (source, result), set once the service runs: events received by source.
        self.observe: Callable[[str, str], None] = lambda _source, _result: None
        self.records = RunRecords(api, finalizer=options.finalizer, log=log)
        self.reconciler = Reconciler(
            api, self.feed, resync=options.resync, log=log, watch_timeout=options.watch_timeout
        )
        self.elector: LeaderElector | None = None
        self._lease_thread: threading.Thread | None = None
        if options.lease_namespace:
            self.elector = LeaderElector(
                api,
                namespace=options.lease_namespace,
                name=options.lease_name,
                identity=options.identity,
                timing=options.timing,
                on_change=self._leading,
                log=log,
            )

    def is_active(self) -> bool:
        """Whether this process sends and reconciles: the Lease holder, or the only replica."""
        return self.elector is None or self.elector.is_leader()

    def can_send(self) -> bool:
        """The sender's gate: active, and past the hand-over grace after taking the Lease."""
        return self.is_active() and time.monotonic() >= self._sending_from

    def is_ready(self) -> bool:
        return self.reconciler.listed.is_set()

    def not_ready(self) -> str | None:
        """For /readyz: ready once the first full list of PipelineRuns is in (leader or not)."""
        return None if self.is_ready() else "the first list of PipelineRuns is not complete"

    def start(self) -> None:
        self.reconciler.start(self._stop)
        threading.Thread(target=self._record_loop, name="finale-serve-record", daemon=True).start()
        if self.elector is not None:
            threading.Thread(
                target=self.elector.run, args=(self._stop,), name="finale-serve-lease", daemon=True
            ).start()

    def stop(self) -> None:
        self._stop.set()

    def _leading(self, leading: bool) -> None:
        if not leading:
            return
        self._sending_from = time.monotonic() + self._options.handover_grace
        # The previous holder may have posted any of our pending rows: read GitLab before each.
        self._outbox.doubt_pending()
        threading.Thread(target=self._relist_quietly, name="finale-serve-takeover", daemon=True).start()

    def _relist_quietly(self) -> None:
        try:
            self.reconciler.relist()
        except (KubeError, sqlite3.Error) as exc:
            self._log(f"relist on taking the Lease failed: {exc}; the watch or resync retries")

    def feed(self, run: Mapping[str, Any]) -> None:
        """One PipelineRun as the API shows it -> the outbox, like a CloudEvent (leader only)."""
        if self._stop.is_set() or not self.is_active():
            return
        try:
            self._feed(run)
        except (KubeError, sqlite3.Error) as exc:
            self._log(f"reconciling {mapping(run.get('metadata')).get('name')}: {exc}; the next resync retries")

    def _feed(self, run: Mapping[str, Any]) -> None:
        update = run_update(run, default_name=self._status_name)
        meta = mapping(run.get("metadata"))
        if isinstance(update, Ignored):
            reported = mapping(meta.get("annotations")).get(ANNOTATION_REPORTED)
            if reported and FINALIZER in (meta.get("finalizers") or []):
                self.records.record(
                    str(meta.get("namespace")), str(meta.get("name")), str(meta.get("uid")), str(reported)
                )
            return
        self.records.hold(run)
        # Found by reading, not pushed: another replica or a lost outbox may have posted it already.
        verdict = self._outbox.accept(update, doubtful=update.final)
        self.observe("kubernetes", verdict)
        if verdict == "accepted":
            self._wake.set()
        elif update.final and self._outbox.delivered(update):
            self._record(update)

    def _record(self, update: StatusUpdate) -> bool:
        namespace, _, name = update.run_name.partition("/")
        return self.records.record(namespace, name, update.run, update.state.value)

    def _record_loop(self) -> None:
        """Record each delivered final state on its run (annotation; finalizer off)."""
        while not self._stop.wait(_RECORD_POLL):
            if not self.is_active():
                continue
            try:
                done = self._outbox.unrecorded_finals()
                recorded = [seq for seq, update in done if self._record_or_gone(update)]
                self._outbox.mark_recorded(recorded)
            except (KubeError, sqlite3.Error) as exc:
                self._log(f"recording delivered states: {exc}; retrying")

    def _record_or_gone(self, update: StatusUpdate) -> bool:
        try:
            self._record(update)
        except KubeError as exc:
            self._log(f"recording {update.run_name}: {exc}; retrying")
            return False
        return True

    def verify(self, event: CloudEvent, update: StatusUpdate) -> StatusUpdate | Ignored:
        """Post only what the API confirms: the run exists, same uid, same condition."""
        claimed = mapping(event.data.get("pipelineRun"))
        meta = mapping(claimed.get("metadata"))
        if not meta.get("name"):
            return Ignored(event_id=update.event_id, reason="not posted: the event's run has no name to check")
        try:
            live = self._api.get_run(str(meta.get("namespace") or "default"), str(meta["name"]))
        except KubeError as exc:
            raise VerifyUnavailable(str(exc)) from None
        why = mismatch(claimed, live)
        if why is not None:
            if live is not None:
                self.feed(live)  # what the API holds is what gets reported
            return Ignored(event_id=update.event_id, reason=f"not posted: {why}")
        assert live is not None
        reported = mapping(mapping(live.get("metadata")).get("annotations")).get(ANNOTATION_REPORTED)
        if update.final and reported == update.state.value:
            return Ignored(event_id=update.event_id, reason=f"{update.run_name}: {reported} already reported")
        if self.is_active():
            self.records.hold(live)
        return update


__all__ = ["KubernetesOptions", "KubernetesSide"]
