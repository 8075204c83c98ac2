"""Outbox upkeep: delete finished rows older than the retention period, so the file stops growing."""

from __future__ import annotations

import sqlite3
import threading

from finale.adapters.serve.outbox import Outbox
from finale.adapters.serve.sender import LogLine


def prune_forever(outbox: Outbox, retention: float, every: float, stop: threading.Event, log: LogLine) -> None:
    """Prune at once, then every `every` seconds until `stop`; errors are logged and retried."""
    while True:
        try:
            pruned = outbox.prune(retention)
        except sqlite3.Error as exc:
            log(f"outbox upkeep failed, will retry: {exc}", level="warning")
        else:
            if pruned:
                log(f"pruned {pruned} finished outbox rows older than {retention:g}s", pruned=pruned)
        if stop.wait(every):
            return


__all__ = ["prune_forever"]
