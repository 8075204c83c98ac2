"""Leader election on a coordination.k8s.io/v1 Lease against the emulator, through lightkube."""

import threading

from kube_stack import FAST_LEASE, KUBE_TOKEN, eventually
from lightkube import KubeConfig

from finale.adapters.kubernetes.api import KubeApi
from finale.adapters.kubernetes.lease import LeaderElector


def candidate(kube, tmp_path, identity, changes):
    api = KubeApi(KubeConfig.from_file(kube.kubeconfig(tmp_path / f"{identity}.kubeconfig", KUBE_TOKEN)))
    elector = LeaderElector(
        api,
        namespace="ci",
        name="finale-serve",
        identity=identity,
        timing=FAST_LEASE,
        on_change=lambda leading: changes.append((identity, leading)),
    )
    stop = threading.Event()
    thread = threading.Thread(target=elector.run, args=(stop,), daemon=True)
    thread.start()
    return elector, stop, thread, api


def test_one_of_two_candidates_leads_and_a_clean_stop_hands_over_at_once(kube, tmp_path):
    changes = []
    a = candidate(kube, tmp_path, "a", changes)
    eventually(a[0].is_leader)
    b = candidate(kube, tmp_path, "b", changes)
    lease = kube.get("leases", "ci", "finale-serve")
    assert (lease["spec"]["holderIdentity"], lease["spec"]["leaseDurationSeconds"]) == ("a", 2)
    a[1].set()
    a[2].join(timeout=5)
    eventually(b[0].is_leader, timeout=FAST_LEASE.duration)  # released: no wait for expiry
    assert not a[0].is_leader()
    assert changes == [("a", True), ("b", True)]
    lease = kube.get("leases", "ci", "finale-serve")["spec"]
    assert (lease["holderIdentity"], lease["leaseTransitions"]) == ("b", 1)
    b[1].set()
    b[2].join(timeout=5)
    for c in (a, b):
        c[3].close()


def test_a_leader_whose_renewals_fail_steps_down_after_the_renew_deadline(kube, tmp_path):
    changes = []
    a = candidate(kube, tmp_path, "a", changes)
    eventually(a[0].is_leader)
    kube.faults.fail(500, count=10_000, method="PUT")  # no renewal can land any more
    eventually(lambda: ("a", False) in changes, timeout=10)
    assert changes == [("a", True), ("a", False)] and not a[0].is_leader()
    kube.faults.clear()
    eventually(a[0].is_leader, timeout=10)  # still the holder: it takes the Lease back
    a[1].set()
    a[2].join(timeout=5)
    a[3].close()


def test_a_lease_its_holder_stopped_renewing_is_taken_after_the_lease_duration(kube, tmp_path):
    spec = {
        "holderIdentity": "crashed-pod",
        "leaseDurationSeconds": 1,
        "leaseTransitions": 3,
        "renewTime": "2026-01-01T00:00:00.000000Z",
        "acquireTime": "2026-01-01T00:00:00.000000Z",
    }
    kube.create("leases", "ci", {"metadata": {"name": "finale-serve"}, "spec": spec})
    changes = []
    b = candidate(kube, tmp_path, "b", changes)
    eventually(b[0].is_leader, timeout=10)
    lease = kube.get("leases", "ci", "finale-serve")["spec"]
    assert (lease["holderIdentity"], lease["leaseTransitions"]) == ("b", 4)
    b[1].set()
    b[2].join(timeout=5)
    b[3].close()


def test_candidates_racing_for_a_free_lease_get_one_leader(kube, tmp_path):
    changes = []
    racers = [candidate(kube, tmp_path, name, changes) for name in "abcd"]
    eventually(lambda: any(r[0].is_leader() for r in racers))
    for _ in range(20):
        assert sum(r[0].is_leader() for r in racers) == 1
        threading.Event().wait(0.05)
    for r in racers:
        r[1].set()
        r[2].join(timeout=5)
        r[3].close()
