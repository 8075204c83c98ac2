"""The SQLite outbox on a real file: de-duplication, ordering, retries, restarts."""

import sqlite3
import threading

import pytest

from finale.adapters.serve.outbox import _COLUMNS, _SCHEMA, Outbox, connect
from finale.core.gitlab.events import StatusUpdate
from finale.core.gitlab.state import GitLabState
from finale.testing.fakes import FakeClock


def update(event_id, state, when="2026-01-01T10:00:00.000000Z", *, run="uid-1", description=""):
    final = state in ("success", "failed", "canceled")
    order = {"pending": "0", "running": "1"}.get(state, "2")
    return StatusUpdate(
        event_id=event_id,
        event_type="dev.tekton.event.pipelinerun.x.v1",
        run=run,
        run_name="ci/build-1",
        project="team/sub/app",
        sha="abc1234",
        ref="",
        name="tekton-pipeline",
        target_url="",
        state=GitLabState(state),
        description=description,
        final=final,
        rank=f"{int(final)}|{when}|{order}",
    )


@pytest.fixture
def clock():
    return FakeClock(start=1000.0)


@pytest.fixture
def outbox(tmp_path, clock):
    return Outbox(tmp_path / "outbox.db", clock=clock)


def states(outbox):
    return [(row.update.event_id, row.update.state.value) for row in outbox.due()]


def test_accepts_once_per_event_id(outbox):
    assert outbox.accept(update("a", "running")) == "accepted"
    assert outbox.accept(update("a", "failed")) == "duplicate"
    assert states(outbox) == [("a", "running")]


def test_a_late_running_never_follows_a_final_state(outbox):
    assert outbox.accept(update("f", "failed", "2026-01-01T10:00:05.000000Z")) == "accepted"
    assert outbox.accept(update("r", "running", "2026-01-01T10:00:09.000000Z")) == "stale"
    assert states(outbox) == [("f", "failed")]
    assert outbox.counts() == {"pending": 1, "done": 0, "failed": 0, "superseded": 0, "stale": 1}


def test_a_final_state_supersedes_an_unsent_running(outbox):
    outbox.accept(update("r", "running"))
    outbox.accept(update("c", "canceled", "2026-01-01T10:00:01.000000Z"))
    assert states(outbox) == [("c", "canceled")]
    assert outbox.counts()["superseded"] == 1


def test_repeated_running_is_not_sent_twice(outbox):
    outbox.accept(update("r1", "running"))
    assert outbox.accept(update("r2", "running", "2026-01-01T10:00:03.000000Z")) == "stale"
    assert outbox.accept(update("r0", "pending", "2026-01-01T09:00:00.000000Z")) == "stale"


def test_other_runs_and_commits_are_independent(outbox):
    outbox.accept(update("a", "failed"))
    assert outbox.accept(update("b", "running", run="uid-2")) == "accepted"
    assert states(outbox) == [("a", "failed"), ("b", "running")]


def test_retry_waits_for_its_time_and_done_leaves_the_queue(outbox, clock):
    outbox.accept(update("a", "success"))
    (row,) = outbox.due()
    outbox.mark_retry(row.seq, "HTTP 502: Bad Gateway", delay=30)
    assert outbox.due() == [] and outbox.next_due_in() == 30
    clock.advance(30)
    (again,) = outbox.due()
    assert again.attempts == 1
    assert outbox.problems() == [
        {
            "status": "pending",
            "project": "team/sub/app",
            "sha": "abc1234",
            "name": "tekton-pipeline",
            "run": "ci/build-1",
            "state": "success",
            "attempts": 1,
            "error": "HTTP 502: Bad Gateway",
        }
    ]
    outbox.mark_done(again.seq, posted_id=7)
    assert outbox.due() == [] and outbox.next_due_in() is None
    assert outbox.counts()["done"] == 1 and outbox.problems() == []


def test_a_permanent_refusal_is_kept_as_failed(outbox):
    outbox.accept(update("a", "success"))
    (row,) = outbox.due()
    outbox.mark_failed(row.seq, "HTTP 404: 404 Project Not Found")
    assert outbox.counts()["failed"] == 1
    assert outbox.problems()[0]["error"] == "HTTP 404: 404 Project Not Found"


def test_a_superseded_row_in_flight_is_not_rescheduled(outbox):
    outbox.accept(update("r", "running"))
    (row,) = outbox.due()
    outbox.accept(update("s", "success", "2026-01-01T10:00:01.000000Z"))
    outbox.mark_retry(row.seq, "HTTP 500", delay=0)
    assert states(outbox) == [("s", "success")]


def test_pending_rows_survive_a_restart(tmp_path, clock):
    path = tmp_path / "outbox.db"
    Outbox(path, clock=clock).accept(update("a", "failed", description="Tekton: PipelineRun failed"))
    reopened = Outbox(path, clock=clock)
    (row,) = reopened.due()
    assert row.update == update("a", "failed", description="Tekton: PipelineRun failed")
    assert reopened.accept(update("a", "failed")) == "duplicate"


def test_the_file_is_in_wal_mode(outbox):
    db = sqlite3.connect(outbox.path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        db.close()


def test_an_unknown_schema_version_is_refused(tmp_path):
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 9")
    db.close()
    with pytest.raises(sqlite3.DatabaseError, match="outbox schema version 9, expected 2"):
        Outbox(path)


def test_connect_rolls_back_on_error(outbox):
    outbox.accept(update("a", "running"))
    with pytest.raises(RuntimeError), connect(outbox.path) as db:
        db.execute("DELETE FROM events")
        raise RuntimeError("boom")
    assert outbox.counts()["pending"] == 1
    with connect(outbox.path) as db:
        db.execute("DELETE FROM events")
    assert outbox.counts()["pending"] == 0


def test_claim_takes_one_row_per_key_and_holds_the_key_until_marked(outbox):
    outbox.accept(update("a", "running"))
    outbox.accept(update("b", "running", run="uid-2"))
    first = outbox.claim(5)
    assert [row.update.event_id for row in first] == ["a", "b"]
    outbox.accept(update("c", "failed", "2026-01-01T10:00:05.000000Z"))  # supersedes nothing in flight
    assert outbox.claim(5) == []  # uid-1 has `a` in flight, so `c` waits
    outbox.mark_done(first[0].seq, posted_id=1)
    assert [row.update.event_id for row in outbox.claim(5)] == ["c"]


def test_claims_from_two_threads_never_share_a_key(tmp_path):
    path = tmp_path / "o.db"
    seed = Outbox(path)
    for n in range(40):
        seed.accept(update(f"e{n}", "failed", run=f"uid-{n % 10}", when=f"2026-01-01T10:00:{n:02d}.000000Z"))
    claimed: list[str] = []

    def claim():
        for row in Outbox(path).claim(10):
            claimed.append(row.update.run)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 10


def test_a_version_1_outbox_is_migrated_keeping_its_rows(tmp_path):
    path = tmp_path / "v1.db"
    db = sqlite3.connect(path)
    db.executescript(_SCHEMA)
    db.execute(
        f"INSERT INTO events ({_COLUMNS}) VALUES ('a', 't', 1, 'p', 's', 'n', 'r', 'rn', '', '', "
        "'failed', '', '1|x|2', 'pending')"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    outbox = Outbox(path)
    (row,) = outbox.claim(5)
    assert (row.update.event_id, row.interrupted) == ("a", False)


def test_prune_deletes_finished_rows_past_retention_and_keeps_pending(outbox, clock):
    outbox.accept(update("a", "running"))
    outbox.accept(update("b", "failed", run="uid-2"))
    (row, _) = outbox.claim(5)
    outbox.mark_done(row.seq, posted_id=1)
    clock.advance(3600)
    outbox.accept(update("c", "success", run="uid-3"))
    assert outbox.prune(older_than=1800) == 1
    assert outbox.counts() == {"pending": 2, "done": 0, "failed": 0, "superseded": 0, "stale": 0}
    assert outbox.backlog() == (2, 3600.0)
