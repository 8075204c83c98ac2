"""The parallel sender on a real SQLite file: keys in parallel, each key in order, nothing twice."""

import threading
import time
from collections import Counter

from finale.adapters.gitlab.wire import PostedStatus
from finale.adapters.serve.outbox import Outbox
from finale.adapters.serve.sender import Backoff, Sender
from finale.core.gitlab.events import StatusUpdate
from finale.core.gitlab.state import GitLabState


class GatedDelivery:
    """Holds every post until `gate` opens; records what was in flight at once."""

    def __init__(self):
        self.gate = threading.Event()
        self.lock = threading.Lock()
        self.in_flight = Counter()
        self.most_in_flight = 0
        self.same_key_overlaps = 0
        self.posted = []  # (run, state) in the order posts finished

    def post(self, request):
        key = (request.project, request.sha, request.name, request.description)
        with self.lock:
            self.in_flight[key] += 1
            self.same_key_overlaps += self.in_flight[key] > 1
            self.most_in_flight = max(self.most_in_flight, sum(self.in_flight.values()))
        self.gate.wait(30)
        with self.lock:
            self.in_flight[key] -= 1
            self.posted.append((request.description, request.state))
        return PostedStatus(state=request.state, status_id=1, pipeline_id=1, already=False, attempts=1)

    def count_in_flight(self):
        with self.lock:
            return sum(self.in_flight.values())


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def keyed(event_id, state, run, when="2026-01-01T10:00:00.000000Z"):
    # The description names the run, so the delivery can tell keys apart from the request alone.
    final = state in ("success", "failed", "canceled")
    return StatusUpdate(
        event_id=event_id,
        event_type="dev.tekton.event.pipelinerun.x.v1",
        run=run,
        run_name=f"ci/{run}",
        project="team/app",
        sha="abc1234",
        ref="",
        name="tekton-pipeline",
        target_url="",
        state=GitLabState(state),
        description=run,
        final=final,
        rank=f"{int(final)}|{when}|1",
    )


def start(outbox, delivery, workers):
    stop, wake = threading.Event(), threading.Event()
    sender = Sender(outbox, delivery, Backoff(base=0.05, cap=0.1), workers=workers)
    thread = threading.Thread(target=sender.run, args=(stop, wake, 5.0), daemon=True)
    thread.start()
    return stop, wake, thread


def test_keys_go_in_parallel_and_each_key_keeps_its_order(tmp_path):
    outbox = Outbox(tmp_path / "o.db")
    runs = [f"uid-{n}" for n in range(8)]
    for run in runs:
        outbox.accept(keyed(f"r-{run}", "running", run))
    delivery = GatedDelivery()
    stop, wake, thread = start(outbox, delivery, workers=4)
    wait_for(lambda: delivery.count_in_flight() == 4)
    for run in runs:  # finals arrive while four runs' `running` posts are in flight
        outbox.accept(keyed(f"s-{run}", "success", run, "2026-01-01T10:00:05.000000Z"))
    wake.set()
    assert outbox.in_flight() == 4
    delivery.gate.set()
    wait_for(lambda: outbox.counts()["pending"] == 0 and outbox.in_flight() == 0)
    stop.set()
    wake.set()
    thread.join(10)
    assert delivery.most_in_flight == 4 and delivery.same_key_overlaps == 0
    for run in runs:
        assert [state for posted_run, state in delivery.posted if posted_run == run] in (
            ["running", "success"],
            ["success"],
        )
    assert Counter(delivery.posted).most_common(1)[0][1] == 1  # nothing posted twice
    counts = outbox.counts()
    assert counts["done"] + counts["superseded"] == 16 and counts["done"] >= 8


def test_one_worker_posts_serially(tmp_path):
    outbox = Outbox(tmp_path / "o.db")
    for n in range(3):
        outbox.accept(keyed(f"f-{n}", "failed", f"uid-{n}"))
    delivery = GatedDelivery()
    stop, wake, thread = start(outbox, delivery, workers=1)
    wait_for(lambda: delivery.count_in_flight() == 1)
    assert outbox.in_flight() == 1
    delivery.gate.set()
    wait_for(lambda: outbox.counts()["done"] == 3)
    stop.set()
    wake.set()
    thread.join(10)
    assert delivery.most_in_flight == 1
    assert delivery.posted == [("uid-0", "failed"), ("uid-1", "failed"), ("uid-2", "failed")]


def test_a_restart_releases_posts_left_in_flight_and_sends_each_once(tmp_path):
    path = tmp_path / "o.db"
    first = Outbox(path)
    for n in range(3):
        first.accept(keyed(f"f-{n}", "failed", f"uid-{n}"))
    assert len(first.claim(2)) == 2  # a process claimed two rows, then died before marking them
    reopened = Outbox(path)
    assert [row.update.run for row in reopened.claim(5)] == ["uid-2"]  # the claimed keys stay held
    assert reopened.release() == 3
    assert [row.interrupted for row in reopened.due()] == [True, True, True]
    delivery = GatedDelivery()
    delivery.gate.set()
    stop, wake, thread = start(reopened, delivery, workers=3)
    wait_for(lambda: reopened.counts()["done"] == 3)
    stop.set()
    wake.set()
    thread.join(10)
    assert sorted(delivery.posted) == [("uid-0", "failed"), ("uid-1", "failed"), ("uid-2", "failed")]
    assert reopened.in_flight() == 0


def test_stopping_gives_unsent_claims_back(tmp_path):
    outbox = Outbox(tmp_path / "o.db")
    outbox.accept(keyed("f-0", "failed", "uid-0"))
    delivery = GatedDelivery()
    stop, wake, thread = start(outbox, delivery, workers=1)
    wait_for(lambda: delivery.count_in_flight() == 1)
    outbox.accept(keyed("f-1", "failed", "uid-1"))
    stop.set()
    wake.set()
    delivery.gate.set()
    thread.join(10)
    assert not thread.is_alive()
    assert outbox.in_flight() == 0 and outbox.counts()["pending"] + outbox.counts()["done"] == 2
