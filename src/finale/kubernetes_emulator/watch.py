"""Watch streams: chunked JSON lines of ADDED/MODIFIED/DELETED, BOOKMARK on request, an end at
timeoutSeconds, and 410 Gone (reason Expired) for a version older than the compaction floor."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from finale.kubernetes_emulator.api import Target, shaped
from finale.kubernetes_emulator.faults import Faults
from finale.kubernetes_emulator.replies import ApiStatus
from finale.kubernetes_emulator.store import Store

Send = Callable[[dict[str, Any]], None]
DEFAULT_TIMEOUT = 1800.0  # kube-apiserver picks 30-60 min when the client sets none


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchOptions:
    start: int | None  # None: send the current objects as ADDED first
    deadline: float  # monotonic
    bookmarks: bool
    bookmark_every: float


def options(
    query: Mapping[str, str], bookmark_every: float, clock: Callable[[], float] = time.monotonic
) -> WatchOptions:
    raw = query.get("resourceVersion", "")
    if raw not in ("", "0") and not raw.isdigit():
        raise ApiStatus(400, "BadRequest", f'invalid resource version "{raw}"')
    timeout = query.get("timeoutSeconds", "")
    seconds = float(timeout) if timeout.isdigit() else DEFAULT_TIMEOUT
    return WatchOptions(
        start=None if raw in ("", "0") else int(raw),
        deadline=clock() + seconds,
        bookmarks=query.get("allowWatchBookmarks") in ("true", "1"),
        bookmark_every=bookmark_every,
    )


def stream(
    store: Store, faults: Faults, t: Target, opts: WatchOptions, send: Send, stopping: Callable[[], bool]
) -> bool:
    """Send events until the deadline; False when the stream must be cut (a dropped watch)."""
    drops = faults.drops
    cursor = opts.start
    if cursor is None:
        cursor, items = store.snapshot(t.resource, t.namespace)
        for item in items:
            send({"type": "ADDED", "object": shaped(item, t)})
    last_sent = time.monotonic()
    while (now := time.monotonic()) < opts.deadline and not stopping():
        if faults.drops != drops:
            return False
        wait = min(opts.deadline - now, 0.2)
        try:
            events, complete = store.events_after(t.resource, t.namespace, cursor, wait)
        except ApiStatus as gone:
            send({"type": "ERROR", "object": gone.body()})
            return True
        if faults.drops != drops:
            return False  # cut before sending what changed together with the cut
        for event in events:
            send({"type": event.type, "object": shaped(event.obj, t)})
        cursor = complete
        if events:
            last_sent = time.monotonic()
        elif opts.bookmarks and time.monotonic() - last_sent >= opts.bookmark_every:
            send({"type": "BOOKMARK", "object": _bookmark(t, cursor)})
            last_sent = time.monotonic()
    return True


def _bookmark(t: Target, version: int) -> dict[str, Any]:
    # A bookmark carries only the type and the version to resume from.
    return {
        "apiVersion": f"{t.resource.group}/{t.version}",
        "kind": t.resource.kind,
        "metadata": {"resourceVersion": str(version), "creationTimestamp": None},
    }


def encode(event: dict[str, Any]) -> bytes:
    line = json.dumps(event, separators=(",", ":")).encode() + b"\n"
    return f"{len(line):x}\r\n".encode() + line + b"\r\n"


__all__ = ["WatchOptions", "encode", "options", "stream"]
