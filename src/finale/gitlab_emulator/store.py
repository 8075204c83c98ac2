"""Pipelines and jobs: held in memory, optionally written through to a SQLite file.

With a database file every change is saved as it happens, and a new emulator started on the same
file sees the same pipelines, jobs and ids.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from finale.gitlab_emulator.statuses import Job, Pipeline

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pipelines (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
"""


class Store:
    """Thread-safe holder of pipelines and jobs; ids only grow, even across restarts."""

    def __init__(self, db_path: str | Path | None = None) -> None:
        self._lock = threading.RLock()
        self._db = Path(db_path) if db_path is not None else None
        self._pipelines: dict[int, Pipeline] = {}
        self._jobs: dict[int, Job] = {}
        if self._db is not None:
            self._load()

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """One connection per unit of work: commit on success, roll back on error, always close."""
        assert self._db is not None
        conn = sqlite3.connect(self._db, timeout=10)
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    def _load(self) -> None:
        with self.connect() as conn:
            conn.executescript(_SCHEMA)
            for (data,) in conn.execute("SELECT data FROM pipelines"):
                pipeline = Pipeline(**json.loads(data))
                self._pipelines[pipeline.id] = pipeline
            for (data,) in conn.execute("SELECT data FROM jobs"):
                job = Job(**json.loads(data))
                self._jobs[job.id] = job

    @property
    def lock(self) -> threading.RLock:
        """Held by the service around a whole request, so a post is applied atomically."""
        return self._lock

    def next_pipeline_id(self) -> int:
        return max(self._pipelines, default=0) + 1

    def next_iid(self, project_id: int) -> int:
        return max((p.iid for p in self._pipelines.values() if p.project_id == project_id), default=0) + 1

    def next_job_id(self) -> int:
        return max(self._jobs, default=0) + 1

    def pipelines(self, project_id: int | None = None, sha: str | None = None) -> list[Pipeline]:
        """Matching pipelines, newest (highest id) first."""
        with self._lock:
            found = [
                p
                for p in self._pipelines.values()
                if (project_id is None or p.project_id == project_id) and (sha is None or p.sha == sha)
            ]
        return sorted(found, key=lambda p: p.id, reverse=True)

    def pipeline(self, pipeline_id: int) -> Pipeline | None:
        return self._pipelines.get(pipeline_id)

    def jobs(self, pipeline_ids: set[int] | None = None) -> list[Job]:
        """Jobs of the given pipelines (all when None), by id ascending."""
        with self._lock:
            found = [j for j in self._jobs.values() if pipeline_ids is None or j.pipeline_id in pipeline_ids]
        return sorted(found, key=lambda j: j.id)

    def save(self, pipelines: tuple[Pipeline, ...] = (), jobs: tuple[Job, ...] = ()) -> None:
        """Insert or replace records, in memory and (if configured) in the database."""
        with self._lock:
            for pipeline in pipelines:
                self._pipelines[pipeline.id] = pipeline
            for job in jobs:
                self._jobs[job.id] = job
            if self._db is None:
                return
            with self.connect() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO pipelines (id, data) VALUES (?, ?)", [(p.id, _dump(p)) for p in pipelines]
                )
                conn.executemany(
                    "INSERT OR REPLACE INTO jobs (id, data) VALUES (?, ?)", [(j.id, _dump(j)) for j in jobs]
                )

    def clear(self) -> None:
        with self._lock:
            self._pipelines.clear()
            self._jobs.clear()
            if self._db is not None:
                with self.connect() as conn:
                    conn.execute("DELETE FROM pipelines")
                    conn.execute("DELETE FROM jobs")


def _dump(record: Any) -> str:
    return json.dumps(dataclasses.asdict(record), sort_keys=True)
