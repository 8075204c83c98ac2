"""Chaos for `finale serve --kubernetes`: N PipelineRuns against the Kubernetes and GitLab emulators,
two replicas (real `python -m finale serve` processes, SQLite files kept across restarts) electing
a sender with a Lease, a kill -9 of the leader (leader change), a long outage of both (two more
kill -9; Tekton's CloudEvents during it are dropped, never retried), a watch expiring with 410
Gone, and GitLab answering 5xx/429/409. Prints: runs, final states right, lost, duplicate final
posts, regressions.

Run: python benchmarks/serve_chaos.py [RUNS] [OUTAGE_SECONDS]   (defaults 2000 and 300)
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finale.gitlab_emulator import load_config, serve
from finale.gitlab_emulator.sample import PROJECT_PATH, make_sample_repo, sample_config
from finale.gitlab_emulator.server import RunningEmulator
from finale.kubernetes_emulator import RunningKubernetes
from finale.kubernetes_emulator import serve as serve_kubernetes

GITLAB_TOKEN = "glpat-maintainer"
KUBE_TOKEN = "chaos-kube-token"
NAMESPACE = "ci"
FINAL = {"success", "failed", "canceled"}
# (condition status, reason, GitLab state, CloudEvent kind) as Tekton's controller ends runs.
ENDINGS = (
    ("True", "Succeeded", "success", "successful"),
    ("False", "Failed", "failed", "failed"),
    ("False", "Cancelled", "canceled", "failed"),
    ("False", "PipelineRunTimeout", "failed", "failed"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    runs: int = 2000
    outage: float = 300.0
    seed: int = 13
    workers: int = 6
    lease: tuple[str, str, str] = ("3s", "2s", "0.3s")  # duration, renew deadline, retry period
    settle_timeout: float = 600.0


@dataclass(slots=True)
class Counts:
    runs: int = 0
    right: int = 0
    lost: int = 0
    duplicates: int = 0
    regressions: int = 0
    events_sent: int = 0
    events_dropped: int = 0
    kills: int = 0
    seconds: float = 0.0
    wrong: list[str] = field(default_factory=list)


class Replica:
    """One `finale serve --kubernetes` process; its SQLite outbox outlives kill -9."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self._argv, self._env, self._log = name, argv, {**env, "POD_NAME": name}, log
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self) -> None:
        with self._log.open("a") as log:
            self.process = subprocess.Popen(
                self._argv, env=self._env, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True
            )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError(f"{self.name} did not start: {line!r}; see {self._log}")
        self.url = line.rsplit(" ", 1)[1].strip()

    def kill9(self) -> None:
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        self._end(signal.SIGTERM)

    def _end(self, signum: int) -> None:
        if self.process is not None:
            self.process.send_signal(signum)
            self.process.wait(timeout=60)
            assert self.process.stdout is not None
            self.process.stdout.close()
            self.process = None

    @property
    def up(self) -> bool:
        return self.process is not None


def _pipelinerun(index: int, sha: str) -> dict[str, Any]:
    name = f"run-{index:05d}"
    return {
        "metadata": {"name": name, "annotations": {"finale.dev/gitlab-name": name}},
        "spec": {
            "params": [{"name": "REPO_PATH_ONLY", "value": PROJECT_PATH}, {"name": "SOURCE_REVISION", "value": sha}]
        },
    }


class Tekton:
    """What Tekton's controller does to a run, and its CloudEvent sink without retries."""

    def __init__(self, kube: RunningKubernetes, replicas: list[Replica], counts: Counts, rng: random.Random) -> None:
        self._kube, self._replicas, self._counts, self._rng = kube, replicas, counts, rng
        self._lock = threading.Lock()

    def run(self, index: int, sha: str, ending: tuple[str, str, str, str]) -> None:
        name = _pipelinerun(index, sha)["metadata"]["name"]
        self._kube.create("pipelineruns", NAMESPACE, _pipelinerun(index, sha))
        self._change(name, "Unknown", "Started", "started")
        self._change(name, "Unknown", "Running", "running")
        status, reason, _state, kind = ending
        final_id = self._change(name, status, reason, kind)
        roll = self._rng.random()
        if roll < 0.1:  # a repeat after a controller restart: same ce-id
            self._event("running" if kind == "running" else kind, name, final_id)
        elif roll < 0.2:  # a late `running` overtaking nothing
            self._event("running", name, str(uuid.uuid4()), condition=("Unknown", "Running"))

    def _change(self, name: str, status: str, reason: str, kind: str) -> str:
        self._kube.set_condition(NAMESPACE, name, status, reason, f"PipelineRun {name}: {reason}")
        event_id = str(uuid.uuid4())
        self._event(kind, name, event_id)
        return event_id

    def _event(self, kind: str, name: str, event_id: str, condition: tuple[str, str] | None = None) -> None:
        run = self._kube.get("pipelineruns", NAMESPACE, name)
        if condition is not None:
            run["status"]["conditions"][0].update(status=condition[0], reason=condition[1])
        live = [r for r in self._replicas if r.up]
        with self._lock:
            self._counts.events_sent += 1
        if not live or not _post_event(self._rng.choice(live).url, kind, event_id, run):
            with self._lock:
                self._counts.events_dropped += 1  # sdk-go would retry ~20 s; the outage is longer


def _post_event(url: str, kind: str, event_id: str, run: dict[str, Any]) -> bool:
    host, port = url.removeprefix("http://").split(":")
    headers = {
        "Ce-Id": event_id,
        "Ce-Type": f"dev.tekton.event.pipelinerun.{kind}.v1",
        "Ce-Source": f"/apis///namespaces/{NAMESPACE}/pipelineruns/{run['metadata']['name']}",
        "Ce-Specversion": "1.0",
        "Content-Type": "application/json",
    }
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("POST", "/", body=json.dumps({"pipelineRun": run}).encode(), headers=headers)
        return connection.getresponse().status < 300
    except OSError:
        return False
    finally:
        connection.close()


def _serve_argv(gitlab: RunningEmulator, folder: Path, name: str, plan: Plan) -> list[str]:
    duration, renew, retry = plan.lease
    return [
        sys.executable, "-m", "finale", "serve", "--gitlab-url", gitlab.base_url,
        "--token-file", str(folder / "gitlab-token"), "--db", str(folder / f"{name}.db"), "--port", "0",
        "--max-backoff", "1", "--timeout", "2", "--kubernetes", "--finalizer", "--resync", "60s",
        "--lease-namespace", NAMESPACE, "--lease-duration", duration, "--lease-renew-deadline", renew,
        "--lease-retry-period", retry,
    ]  # fmt: skip


def _leader(kube: RunningKubernetes) -> str:
    leases = kube.objects("leases", NAMESPACE)
    return str(leases[0]["spec"].get("holderIdentity") or "") if leases else ""


def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _reported(kube: RunningKubernetes, expected: dict[str, str]) -> bool:
    found = {
        o["metadata"]["name"]: (o["metadata"].get("annotations") or {}).get("finale.dev/gitlab-reported")
        for o in kube.objects("pipelineruns", NAMESPACE)
    }
    return all(found.get(name) == state for name, state in expected.items())


def count(gitlab: RunningEmulator, expected: dict[str, str], counts: Counts) -> Counts:
    """Read GitLab's request log and jobs: the figures the bar is about."""
    landed: dict[str, list[str]] = {name: [] for name in expected}
    for entry in gitlab.requests():
        body = entry.get("json") or {}
        if entry["method"] == "POST" and 200 <= entry["status"] < 300 and body.get("name") in landed:
            landed[body["name"]].append(body["state"])
    latest = {j["name"]: j["status"] for p in gitlab.pipelines() for j in p["jobs"] if not j.get("retried")}
    counts.runs = len(expected)
    for name, state in expected.items():
        posted = landed[name]
        finals = [s for s in posted if s in FINAL]
        counts.right += latest.get(name) == state
        counts.lost += not finals
        counts.duplicates += max(0, len(finals) - 1)
        first = posted.index(finals[0]) if finals else len(posted)
        counts.regressions += sum(1 for s in posted[first + 1 :] if s != finals[0])
        if latest.get(name) != state:
            counts.wrong.append(f"{name}: GitLab {latest.get(name)}, expected {state}, posts {posted}")
    return counts


@contextmanager
def _stack(folder: Path) -> Iterator[tuple[RunningEmulator, RunningKubernetes, str]]:
    repo = make_sample_repo(folder / "app")
    with serve(load_config(sample_config(repo.path))) as gitlab, serve_kubernetes(tokens=(KUBE_TOKEN,)) as kube:
        (folder / "gitlab-token").write_text(GITLAB_TOKEN)
        kube.kubeconfig(folder / "kubeconfig", KUBE_TOKEN)
        yield gitlab, kube, repo.main


def run_chaos(plan: Plan, folder: Path, say: Callable[[str], None] = print) -> Counts:
    rng, counts, started = random.Random(plan.seed), Counts(), time.monotonic()
    with _stack(folder) as (gitlab, kube, sha):
        env = {**os.environ, "KUBECONFIG": str(folder / "kubeconfig")}
        env.pop("POD_NAMESPACE", None)
        replicas = [Replica(n, _serve_argv(gitlab, folder, n, plan), env, folder / f"{n}.log") for n in ("a", "b")]
        for replica in replicas:
            replica.start()
        tekton = Tekton(kube, replicas, counts, rng)
        endings = [rng.choice(ENDINGS) for _ in range(plan.runs)]
        expected = {f"run-{i:05d}": endings[i][2] for i in range(plan.runs)}
        batches = [range(q * plan.runs // 4, (q + 1) * plan.runs // 4) for q in range(4)]
        _wait(lambda: _leader(kube) in ("a", "b"), 30)
        try:
            with ThreadPoolExecutor(plan.workers) as pool:
                _phases(plan, pool, tekton, batches, endings, sha, replicas, kube, gitlab, counts, say)
            say("all runs ended; waiting until every final state is recorded on its run")
            _wait(lambda: _reported(kube, expected), plan.settle_timeout)
        finally:
            for replica in replicas:
                replica.stop()
        counts.seconds = time.monotonic() - started
        return count(gitlab, expected, counts)


def _phases(
    plan: Plan,
    pool: ThreadPoolExecutor,
    tekton: Tekton,
    batches: list[range],
    endings: list[tuple[str, str, str, str]],
    sha: str,
    replicas: list[Replica],
    kube: RunningKubernetes,
    gitlab: RunningEmulator,
    counts: Counts,
    say: Callable[[str], None],
) -> None:
    def some(runs: range) -> None:
        for future in [pool.submit(tekton.run, i, sha, endings[i]) for i in runs]:
            future.result()

    gitlab.set_faults(server_error=5, throttle=5, lock=3)
    some(batches[0])
    leader = next(r for r in replicas if r.name == _leader(kube))
    say(f"kill -9 the leader {leader.name}")
    leader.kill9()
    counts.kills += 1
    half = batches[1].start + len(batches[1]) // 2
    some(range(batches[1].start, half))
    say("a watch expires with 410 Gone")
    kube.expire_watches()
    gitlab.set_faults(server_error=10, throttle=5, lock=5)
    some(range(half, batches[1].stop))
    leader.start()
    say(f"serve down for {plan.outage:g}s: kill -9 both replicas")
    for replica in replicas:
        replica.kill9()
        counts.kills += 1
    outage_end = time.monotonic() + plan.outage
    some(batches[2])
    time.sleep(max(0.0, outage_end - time.monotonic()))
    for replica in replicas:
        replica.start()
    gitlab.set_faults(server_error=5, throttle=3, lock=3)
    some(batches[3])


def print_counts(counts: Counts) -> None:
    print(
        f"runs: {counts.runs}, final states right: {counts.right}, lost: {counts.lost}, "
        f"duplicate final posts: {counts.duplicates}, regressions: {counts.regressions}"
    )
    print(
        f"CloudEvents sent: {counts.events_sent}, dropped while serve was down: {counts.events_dropped}, "
        f"kill -9: {counts.kills}, wall time: {counts.seconds:.0f} s"
    )
    for line in counts.wrong[:10]:
        print(f"  wrong: {line}")


def main(runs: int, outage: float) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        counts = run_chaos(Plan(runs=runs, outage=outage), Path(tmp), say=lambda line: print(f"- {line}", flush=True))
    print_counts(counts)
    ok = counts.right == counts.runs and not (counts.lost or counts.duplicates or counts.regressions)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, float(sys.argv[2]) if len(sys.argv) > 2 else 300))
