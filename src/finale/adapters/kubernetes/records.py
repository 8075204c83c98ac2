"""What finale writes on PipelineRuns: its finalizer while a final state is undelivered, and the
delivered state as an annotation (merge patches carrying the read resourceVersion; 409 -> re-read)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from finale.adapters.kubernetes.api import Conflict, KubeApi, Run
from finale.core.gitlab.pipelinerun import ANNOTATION_REPORTED, FINALIZER, mapping

LogLine = Callable[[str], None]
_TRIES = 5


class RunRecords:
    """Finalizer and annotation writes, each re-read and retried on Conflict."""

    def __init__(self, api: KubeApi, *, finalizer: bool, log: LogLine) -> None:
        self._api = api
        self._finalizer = finalizer
        self._log = log

    def hold(self, run: Mapping[str, Any]) -> None:
        """Add the finalizer, so a pruner cannot delete the run before its state is delivered."""
        meta = mapping(run.get("metadata"))
        if not self._finalizer or meta.get("deletionTimestamp") or FINALIZER in (meta.get("finalizers") or []):
            return
        self._retry(run, _with_finalizer)

    def record(self, namespace: str, name: str, uid: str, state: str) -> bool:
        """Annotate the delivered state and drop the finalizer; False if the run is gone or replaced."""
        for _ in range(_TRIES):
            run = self._api.get_run(namespace, name)
            if run is None or mapping(run.get("metadata")).get("uid") != uid:
                return False
            try:
                self._api.patch_run(namespace, name, _reported(run, state))
                return True
            except Conflict:
                continue
        self._log(f"{namespace}/{name}: still conflicting after {_TRIES} tries; the next resync records it")
        return False

    def _retry(self, run: Mapping[str, Any], change: Callable[[Mapping[str, Any]], Run | None]) -> None:
        meta = mapping(run.get("metadata"))
        namespace, name, uid = str(meta.get("namespace")), str(meta.get("name")), meta.get("uid")
        current: Mapping[str, Any] | None = run
        for _ in range(_TRIES):
            if current is None or mapping(current.get("metadata")).get("uid") != uid:
                return
            patch = change(current)
            if patch is None:
                return
            try:
                self._api.patch_run(namespace, name, patch)
                return
            except Conflict:
                current = self._api.get_run(namespace, name)


def _finalizers(run: Mapping[str, Any]) -> list[str]:
    return [str(f) for f in mapping(run.get("metadata")).get("finalizers") or []]


def _with_finalizer(run: Mapping[str, Any]) -> Run | None:
    meta = mapping(run.get("metadata"))
    if meta.get("deletionTimestamp") or FINALIZER in _finalizers(run):
        return None  # no new finalizers once deletion has started
    # A merge patch replaces the whole list: the resourceVersion makes a concurrent change a 409.
    return {"metadata": {"resourceVersion": meta.get("resourceVersion"), "finalizers": [*_finalizers(run), FINALIZER]}}


def _reported(run: Mapping[str, Any], state: str) -> Run:
    meta = mapping(run.get("metadata"))
    patch: Run = {
        "metadata": {"resourceVersion": meta.get("resourceVersion"), "annotations": {ANNOTATION_REPORTED: state}}
    }
    if FINALIZER in _finalizers(run):
        patch["metadata"]["finalizers"] = [f for f in _finalizers(run) if f != FINALIZER]
    return patch


__all__ = ["RunRecords"]
