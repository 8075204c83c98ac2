"""The emulator's etcd: objects, one global resourceVersion counter, the event history that
watches resume from, and a compaction floor below which a resume answers 410 Gone."""

from __future__ import annotations

import contextlib
import copy
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from finale.kubernetes_emulator import replies
from finale.kubernetes_emulator.resources import Resource

Key = tuple[str, str, str]  # (resource key, namespace, name)
Object = dict[str, Any]


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Event:
    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    key: Key
    obj: Object


class Store:
    """Thread-safe; every change gets the next resourceVersion and one event."""

    def __init__(self, clock: Callable[[], str] = utc_now, first_version: int = 1000) -> None:
        self._changed = threading.Condition()
        self._clock = clock
        self._rv = first_version
        self._floor = first_version  # watches may resume from any version >= this
        self._objects: dict[Key, Object] = {}
        self._events: list[Event] = []

    def now(self) -> str:
        return self._clock()

    @property
    def version(self) -> int:
        with self._changed:
            return self._rv

    def get(self, resource: Resource, namespace: str, name: str) -> Object:
        with self._changed:
            found = self._objects.get((resource.key, namespace, name))
            if found is None:
                raise replies.not_found(resource.group, resource.plural, name)
            return copy.deepcopy(found)

    def snapshot(self, resource: Resource, namespace: str | None) -> tuple[int, list[Object]]:
        """(current resourceVersion, matching objects in key order)."""
        with self._changed:
            keys = sorted(k for k in self._objects if k[0] == resource.key and namespace in (None, k[1]))
            return self._rv, [copy.deepcopy(self._objects[k]) for k in keys]

    def create(self, resource: Resource, namespace: str, obj: Object) -> Object:
        meta = obj.setdefault("metadata", {})
        name = meta.get("name")
        if not isinstance(name, str) or not name:
            raise replies.invalid(
                resource.group, resource.plural, "", "metadata.name: Required value: name is required"
            )
        with self._changed:
            key = (resource.key, namespace, name)
            if key in self._objects:
                raise replies.already_exists(resource.group, resource.plural, name)
            meta.update(namespace=namespace, uid=str(uuid.uuid4()), creationTimestamp=self._clock(), generation=1)
            for dropped in ("resourceVersion", "deletionTimestamp"):
                meta.pop(dropped, None)
            return self._commit("ADDED", key, obj)

    def write(
        self, resource: Resource, namespace: str, name: str, change: Callable[[Object], Object], sub: str
    ) -> Object:
        """Apply `change` to a copy of the stored object, then store it under kube's rules."""
        with self._changed:
            key = (resource.key, namespace, name)
            old = self._objects.get(key)
            if old is None:
                raise replies.not_found(resource.group, resource.plural, name)
            new = change(copy.deepcopy(old))
            if not isinstance(new, dict):
                raise replies.bad_request("the object must be a JSON object")
            wanted = _meta(new).get("resourceVersion")
            # A write carrying a resourceVersion is a precondition: stale means 409.
            if wanted not in (None, "") and str(wanted) != old["metadata"]["resourceVersion"]:
                raise replies.conflict(resource.group, resource.plural, name)
            merged = _merge(resource, old, new, sub)
            _check_finalizers(resource, old, merged)
            if _same(old, merged):
                return copy.deepcopy(old)  # a no-op write does not bump the version
            if merged.get("spec") != old.get("spec"):
                merged["metadata"]["generation"] = int(old["metadata"].get("generation", 1)) + 1
            if merged["metadata"].get("deletionTimestamp") and not merged["metadata"].get("finalizers"):
                return self._remove(key, merged)
            return self._commit("MODIFIED", key, merged)

    def delete(self, resource: Resource, namespace: str, name: str) -> Object:
        """Finalizers hold a delete: only deletionTimestamp is set until they are all removed."""
        with self._changed:
            key = (resource.key, namespace, name)
            old = self._objects.get(key)
            if old is None:
                raise replies.not_found(resource.group, resource.plural, name)
            if not old["metadata"].get("finalizers"):
                return self._remove(key, copy.deepcopy(old))
            if old["metadata"].get("deletionTimestamp"):
                return copy.deepcopy(old)
            held = copy.deepcopy(old)
            held["metadata"].update(deletionTimestamp=self._clock(), deletionGracePeriodSeconds=0)
            return self._commit("MODIFIED", key, held)

    def _commit(self, kind: str, key: Key, obj: Object) -> Object:
        if obj["metadata"].get("finalizers") == []:
            del obj["metadata"]["finalizers"]  # omitempty, as the apiserver serialises it
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)
        self._objects[key] = obj
        self._events.append(Event(self._rv, kind, key, copy.deepcopy(obj)))
        self._changed.notify_all()
        return copy.deepcopy(obj)

    def _remove(self, key: Key, obj: Object) -> Object:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)
        del self._objects[key]
        self._events.append(Event(self._rv, "DELETED", key, copy.deepcopy(obj)))
        self._changed.notify_all()
        return obj

    def events_after(
        self, resource: Resource, namespace: str | None, after: int, timeout: float
    ) -> tuple[list[Event], int]:
        """Events newer than `after` for this resource (waiting up to `timeout` for one), and the
        version up to which the answer is complete. 410 Expired if `after` was compacted away."""
        with self._changed:
            if after < self._floor:
                raise replies.expired(after, self._floor)
            found = self._matching(resource, namespace, after)
            if not found and timeout > 0:
                self._changed.wait(timeout)
                if after < self._floor:
                    raise replies.expired(after, self._floor)
                found = self._matching(resource, namespace, after)
            return found, self._rv

    def _matching(self, resource: Resource, namespace: str | None, after: int) -> list[Event]:
        # Events are in version order: scan back only over the new ones.
        index = len(self._events)
        while index > 0 and self._events[index - 1].rv > after:
            index -= 1
        return [e for e in self._events[index:] if e.key[0] == resource.key and namespace in (None, e.key[1])]

    def compact(self) -> int:
        """Forget the history: a watch resuming from any older version now gets 410 Gone."""
        with self._changed:
            self._floor = self._rv
            self._events.clear()
            self._changed.notify_all()
            return self._floor

    def is_compacted(self, version: int) -> bool:
        with self._changed:
            return version < self._floor

    @contextlib.contextmanager
    def atomically(self) -> Iterator[None]:
        """Hold the store: no reader sees a state between the changes made inside."""
        with self._changed:
            yield

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()


def _meta(obj: Object) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _merge(resource: Resource, old: Object, new: Object, sub: str) -> Object:
    """What the apiserver keeps: identity from the stored object; with a status subresource, the
    main resource ignores .status and /status changes only .status."""
    if sub == "status":
        merged = copy.deepcopy(old)
        merged["status"] = new.get("status")
        if merged["status"] is None:
            merged.pop("status")
        return merged
    merged = dict(new)
    meta = dict(_meta(new))
    for fixed in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
        if fixed in old["metadata"]:
            meta[fixed] = old["metadata"][fixed]
        else:
            meta.pop(fixed, None)
    meta["generation"] = old["metadata"].get("generation", 1)
    merged["metadata"] = meta
    if resource.has_status:
        merged.pop("status", None)
        if "status" in old:
            merged["status"] = copy.deepcopy(old["status"])
    return merged


def _check_finalizers(resource: Resource, old: Object, new: Object) -> None:
    # registry/rest/update.go: no new finalizers once deletion has started.
    if not old["metadata"].get("deletionTimestamp"):
        return
    added = [f for f in new["metadata"].get("finalizers") or [] if f not in (old["metadata"].get("finalizers") or [])]
    if added:
        message = (
            "metadata.finalizers: Forbidden: no new finalizers can be added if the object is being "
            f"deleted, found new finalizers {added}"
        )
        raise replies.invalid(resource.group, resource.plural, old["metadata"]["name"], message)


def _same(old: Object, new: Object) -> bool:
    stripped = {**new, "metadata": {k: v for k, v in new["metadata"].items() if k != "resourceVersion"}}
    reference = {**old, "metadata": {k: v for k, v in old["metadata"].items() if k != "resourceVersion"}}
    return stripped == reference


__all__ = ["Event", "Key", "Object", "Store", "utc_now"]
