"""SQLite outbox: every accepted status is on disk before the sender tries GitLab.

Rows are `pending` until posted (`done`), refused for good (`failed`), overtaken by a newer
status for the same (project, sha, name, run) before being sent (`superseded`), or stored but
never to be sent because a newer or equal status already exists (`stale`). A claimed row is in
flight; at most one row per key is, so parallel senders keep each key's order.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from finale.clock import Clock, SystemClock
from finale.core.gitlab.events import StatusUpdate
from finale.core.gitlab.state import GitLabState

Verdict = Literal["accepted", "duplicate", "stale"]
STATUSES = ("pending", "done", "failed", "superseded", "stale")
_SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    received_at REAL NOT NULL,
    project TEXT NOT NULL,
    sha TEXT NOT NULL,
    name TEXT NOT NULL,
    run TEXT NOT NULL,
    run_name TEXT NOT NULL,
    ref TEXT NOT NULL,
    target_url TEXT NOT NULL,
    state TEXT NOT NULL,
    description TEXT NOT NULL,
    rank TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    posted_id INTEGER
);
CREATE INDEX events_key ON events (project, sha, name, run, rank);
CREATE INDEX events_due ON events (status, next_attempt_at);
"""
# Version 2: a claimed row is in flight (claimed_at set); `interrupted` marks a row that was in
# flight when a previous process died, so GitLab may already hold it.
_MIGRATE_TO_2 = """
ALTER TABLE events ADD COLUMN claimed_at REAL;
ALTER TABLE events ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
CREATE INDEX events_received ON events (status, received_at);
"""
# The oldest due pending row of each key that has no row in flight and no older pending row.
_CLAIMABLE = """
SELECT e.seq, e.project, e.sha, e.name, e.run FROM events e
WHERE e.status = 'pending' AND e.next_attempt_at <= ? AND e.claimed_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM events f
    WHERE f.project = e.project AND f.sha = e.sha AND f.name = e.name AND f.run = e.run
    AND (f.claimed_at IS NOT NULL OR (f.status = 'pending' AND f.seq < e.seq)))
ORDER BY e.seq LIMIT ?
"""
_COLUMNS = (
    "event_id, event_type, received_at, project, sha, name, run, run_name, ref, target_url, "
    "state, description, rank, status"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxRow:
    seq: int
    update: StatusUpdate
    attempts: int
    interrupted: bool = False  # was in flight when a previous process stopped


@contextlib.contextmanager
def connect(path: Path | str) -> Iterator[sqlite3.Connection]:
    """One transaction: commit on success, roll back on any error, always close."""
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous = FULL")
        # IMMEDIATE takes the write lock up front, so check-then-insert cannot interleave.
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    finally:
        db.close()


class Outbox:
    """Durable queue of commit statuses; safe to share between threads (one connection per call)."""

    def __init__(self, path: Path | str, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._create()

    def _create(self) -> None:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            # WAL lets /outbox reads run beside the receiver's writes; FULL keeps a 2xx honest.
            db.execute("PRAGMA journal_mode=WAL")
        finally:
            db.close()
        with connect(self.path) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, 1, _SCHEMA_VERSION):
                raise sqlite3.DatabaseError(f"{self.path}: outbox schema version {version}, expected {_SCHEMA_VERSION}")
            steps = (_SCHEMA, _MIGRATE_TO_2)[version:] if version < _SCHEMA_VERSION else ()
            for script in steps:
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    def accept(self, update: StatusUpdate, doubtful: bool = False) -> Verdict:
        """Store `update` once; it overtakes older pending rows and never a newer one.

        `doubtful`: GitLab may already hold it (found by reconciling, not pushed), so the sender
        reads the commit's statuses before posting, as for an interrupted row.
        """
        with connect(self.path) as db:
            if db.execute("SELECT 1 FROM events WHERE event_id = ?", (update.event_id,)).fetchone():
                return "duplicate"
            latest = db.execute(
                "SELECT rank, state FROM events WHERE project = ? AND sha = ? AND name = ? "
                "AND run = ? ORDER BY rank DESC, seq DESC LIMIT 1",
                update.key,
            ).fetchone()
            # A late `running` after `failed`, or a repeat of the state already there, must
            # never reach GitLab: it would reopen or duplicate the commit's status.
            stale = latest is not None and (
                latest[0] >= update.rank or (not update.final and latest[1] == update.state.value)
            )
            self._insert(db, update, "stale" if stale else "pending")
            if stale:
                return "stale"
            if doubtful:
                db.execute("UPDATE events SET interrupted = 1 WHERE event_id = ?", (update.event_id,))
            db.execute(
                "UPDATE events SET status = 'superseded' WHERE project = ? AND sha = ? "
                "AND name = ? AND run = ? AND status = 'pending' AND event_id != ?",
                (*update.key, update.event_id),
            )
            return "accepted"

    def _insert(self, db: sqlite3.Connection, update: StatusUpdate, status: str) -> None:
        db.execute(
            f"INSERT INTO events ({_COLUMNS}) VALUES ({', '.join('?' * 14)})",
            (
                update.event_id,
                update.event_type,
                self._clock.now(),
                update.project,
                update.sha,
                update.name,
                update.run,
                update.run_name,
                update.ref,
                update.target_url,
                update.state.value,
                update.description,
                update.rank,
                status,
            ),
        )

    def due(self, limit: int = 20) -> list[OutboxRow]:
        """Pending rows whose next attempt time has come, oldest first (not claimed)."""
        with connect(self.path) as db:
            rows = db.execute(
                f"SELECT seq, attempts, interrupted, {_COLUMNS} FROM events WHERE status = 'pending' "
                "AND next_attempt_at <= ? ORDER BY seq LIMIT ?",
                (self._clock.now(), limit),
            ).fetchall()
        return [_row(r) for r in rows]

    def claim(self, limit: int) -> list[OutboxRow]:
        """Mark up to `limit` due rows in flight, at most one per key, oldest first.

        One transaction under SQLite's write lock: no two callers can claim rows of one key, and
        a key's next row is claimable only once its row in flight is marked.
        """
        with connect(self.path) as db:
            seqs: list[int] = []
            keys: set[tuple[object, ...]] = set()
            for seq, *key in db.execute(_CLAIMABLE, (self._clock.now(), limit * 4)).fetchall():
                if tuple(key) not in keys and len(seqs) < limit:
                    keys.add(tuple(key))
                    seqs.append(int(seq))
            marks = ",".join("?" * len(seqs))
            db.execute(f"UPDATE events SET claimed_at = ? WHERE seq IN ({marks})", (self._clock.now(), *seqs))
            rows = db.execute(
                f"SELECT seq, attempts, interrupted, {_COLUMNS} FROM events WHERE seq IN ({marks}) ORDER BY seq",
                seqs,
            ).fetchall()
        return [_row(r) for r in rows]

    def release(self, seqs: list[int] | None = None) -> int:
        """Give claimed rows back unsent; None: every claim, left by a process that stopped mid-post.

        Those rows are marked `interrupted`: GitLab may have taken the post before the process died.
        """
        with connect(self.path) as db:
            if seqs is None:
                cursor = db.execute("UPDATE events SET claimed_at = NULL, interrupted = 1 WHERE claimed_at IS NOT NULL")
            else:
                marks = ",".join("?" * len(seqs))
                cursor = db.execute(f"UPDATE events SET claimed_at = NULL WHERE seq IN ({marks})", seqs)
            return int(cursor.rowcount)

    def doubt_pending(self) -> int:
        """Every pending row may be in GitLab already (another replica was sending): check first."""
        with connect(self.path) as db:
            return int(db.execute("UPDATE events SET interrupted = 1 WHERE status = 'pending'").rowcount)

    def delivered(self, update: StatusUpdate) -> bool:
        """Whether this update's state for its key is done (posted, or GitLab had it)."""
        with connect(self.path) as db:
            found = db.execute(
                "SELECT 1 FROM events WHERE project = ? AND sha = ? AND name = ? AND run = ? AND state = ? "
                "AND status = 'done' LIMIT 1",
                (*update.key, update.state.value),
            ).fetchone()
        return found is not None

    def unrecorded_finals(self, limit: int = 200) -> list[tuple[int, StatusUpdate]]:
        """Delivered final rows not yet recorded on their PipelineRun (`--kubernetes`), oldest first."""
        with connect(self.path) as db:
            db.execute("CREATE TABLE IF NOT EXISTS recorded (seq INTEGER PRIMARY KEY)")
            rows = db.execute(
                f"SELECT seq, attempts, interrupted, {_COLUMNS} FROM events e WHERE status = 'done' "
                "AND rank LIKE '1%' AND NOT EXISTS (SELECT 1 FROM recorded r WHERE r.seq = e.seq) "
                "ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
        return [(int(r[0]), _row(r).update) for r in rows]

    def mark_recorded(self, seqs: list[int]) -> None:
        if seqs:
            with connect(self.path) as db:
                db.executemany("INSERT OR IGNORE INTO recorded (seq) VALUES (?)", [(s,) for s in seqs])

    def in_flight(self) -> int:
        with connect(self.path) as db:
            return int(db.execute("SELECT COUNT(*) FROM events WHERE claimed_at IS NOT NULL").fetchone()[0])

    def next_due_in(self) -> float | None:
        """Seconds until the earliest pending row is due (0 if overdue), None if none pending."""
        with connect(self.path) as db:
            (at,) = db.execute("SELECT MIN(next_attempt_at) FROM events WHERE status = 'pending'").fetchone()
        return None if at is None else max(0.0, float(at) - self._clock.now())

    def mark_done(self, seq: int, posted_id: int | None) -> None:
        self._update(seq, "status = 'done', attempts = attempts + 1, last_error = '', posted_id = ?", (posted_id,))

    def mark_retry(self, seq: int, error: str, delay: float) -> None:
        # Only a still-pending row is rescheduled: a newer status may have superseded it.
        self._update(
            seq,
            "attempts = attempts + 1, last_error = ?, next_attempt_at = ?",
            (error, self._clock.now() + delay),
            only_pending=True,
        )

    def mark_failed(self, seq: int, error: str) -> None:
        self._update(seq, "status = 'failed', attempts = attempts + 1, last_error = ?", (error,))

    def _update(self, seq: int, assignments: str, values: tuple[object, ...], only_pending: bool = False) -> None:
        guard = " AND status = 'pending'" if only_pending else ""
        with connect(self.path) as db:
            db.execute(f"UPDATE events SET {assignments} WHERE seq = ?{guard}", (*values, seq))
            # The post is over whatever its outcome: the key's next row may go.
            db.execute("UPDATE events SET claimed_at = NULL WHERE seq = ?", (seq,))

    def prune(self, older_than: float) -> int:
        """Delete finished rows received more than `older_than` seconds ago; pending rows stay.

        A pruned key forgets its event ids and ranks: an event for it arriving later is new.
        """
        with connect(self.path) as db:
            cursor = db.execute(
                "DELETE FROM events WHERE status != 'pending' AND received_at < ? AND claimed_at IS NULL",
                (self._clock.now() - older_than,),
            )
            return int(cursor.rowcount)

    def backlog(self) -> tuple[int, float]:
        """Pending rows and the age in seconds of the oldest (0 when none)."""
        with connect(self.path) as db:
            query = "SELECT COUNT(*), MIN(received_at) FROM events WHERE status = 'pending'"
            count, oldest = db.execute(query).fetchone()
        return int(count), (0.0 if oldest is None else max(0.0, self._clock.now() - float(oldest)))

    def counts(self) -> dict[str, int]:
        with connect(self.path) as db:
            found = dict(db.execute("SELECT status, COUNT(*) FROM events GROUP BY status"))
        return {status: int(found.get(status, 0)) for status in STATUSES}

    def problems(self, limit: int = 10) -> list[dict[str, object]]:
        """The latest failed rows and retried pending rows, with their last error."""
        with connect(self.path) as db:
            rows = db.execute(
                "SELECT status, project, sha, name, run_name, state, attempts, last_error "
                "FROM events WHERE last_error != '' AND status IN ('failed', 'pending') "
                "ORDER BY seq DESC LIMIT ?",
                (limit,),
            ).fetchall()
        keys = ("status", "project", "sha", "name", "run", "state", "attempts", "error")
        return [dict(zip(keys, row, strict=True)) for row in rows]


def _row(raw: tuple[object, ...]) -> OutboxRow:
    (
        seq,
        attempts,
        interrupted,
        event_id,
        event_type,
        _,
        project,
        sha,
        name,
        run,
        run_name,
        ref,
        url,
        state,
        description,
        rank,
        _status,
    ) = raw
    update = StatusUpdate(
        event_id=str(event_id),
        event_type=str(event_type),
        run=str(run),
        run_name=str(run_name),
        project=str(project),
        sha=str(sha),
        ref=str(ref),
        name=str(name),
        target_url=str(url),
        state=GitLabState(str(state)),
        description=str(description),
        final=str(rank).startswith("1"),
        rank=str(rank),
    )
    return OutboxRow(seq=int(str(seq)), update=update, attempts=int(str(attempts)), interrupted=bool(interrupted))


__all__ = ["STATUSES", "Outbox", "OutboxRow", "Verdict", "connect"]
