"""The Python API tests and benchmarks drive: start on loopback, seed and change objects as
Tekton's controller would, compact, inject faults, write a kubeconfig."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from finale.kubernetes_emulator.faults import Faults
from finale.kubernetes_emulator.patches import merge_patch
from finale.kubernetes_emulator.resources import Resource, default_resources, find
from finale.kubernetes_emulator.server import _Server
from finale.kubernetes_emulator.store import Object, Store


class RunningKubernetes:
    """A started emulator; objects are changed here directly, as other controllers would."""

    def __init__(self, server: _Server) -> None:
        self._server = server
        self.store: Store = server.store
        self.faults: Faults = server.faults
        host, port = server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def _resource(self, plural: str) -> Resource:
        group = "coordination.k8s.io" if plural == "leases" else "tekton.dev"
        found = next((r for r in self._server.resources if (r.group, r.plural) == (group, plural)), None)
        assert found is not None, plural
        return found

    def create(self, plural: str, namespace: str, obj: Object) -> Object:
        return self.store.create(self._resource(plural), namespace, json.loads(json.dumps(obj)))

    def get(self, plural: str, namespace: str, name: str) -> Object:
        return self.store.get(self._resource(plural), namespace, name)

    def objects(self, plural: str, namespace: str | None = None) -> list[Object]:
        return self.store.snapshot(self._resource(plural), namespace)[1]

    def patch(self, plural: str, namespace: str, name: str, patch: dict[str, Any], sub: str = "") -> Object:
        return self.store.write(self._resource(plural), namespace, name, lambda old: merge_patch(old, patch), sub)

    def set_condition(
        self, namespace: str, name: str, status: str, reason: str, message: str = "", when: str = ""
    ) -> Object:
        """What Tekton's reconciler writes through /status when a run's Succeeded condition changes."""
        condition = {"type": "Succeeded", "status": status, "reason": reason, "message": message}
        condition["lastTransitionTime"] = when or self.store.now()
        return self.patch("pipelineruns", namespace, name, {"status": {"conditions": [condition]}}, sub="status")

    def delete(self, plural: str, namespace: str, name: str) -> Object:
        return self.store.delete(self._resource(plural), namespace, name)

    def compact(self, gone_as_http: bool = False) -> int:
        """Forget history; open watches keep going, but a resume from before now gets 410 Gone."""
        self._server.gone_as_http = gone_as_http
        return self.store.compact()

    def expire_watches(self, change: Callable[[], object] = lambda: None) -> int:
        """Cut every watch, make `change`, compact, all at once: each watcher's resume gets 410 Gone,
        as after an apiserver restart that outlived the watch cache's window."""
        with self.store.atomically():
            self.faults.drop_watches()
            change()
            return self.compact()

    def set_bookmark_interval(self, seconds: float) -> None:
        self._server.bookmark_every = seconds

    def requests(self) -> list[tuple[str, str]]:
        with self._server._log_lock:
            return list(self._server.log)

    def kubeconfig(self, path: Path, token: str, namespace: str = "default") -> Path:
        """A kubeconfig naming this server and a bearer token (kubectl's file format)."""
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "emulator", "cluster": {"server": self.base_url}}],
            "users": [{"name": "finale", "user": {"token": token}}],
            "contexts": [
                {"name": "emulator", "context": {"cluster": "emulator", "user": "finale", "namespace": namespace}}
            ],
            "current-context": "emulator",
        }
        path.write_text(json.dumps(config, indent=1), encoding="utf-8")
        path.chmod(0o600)
        return path

    def stop(self) -> None:
        self._server.stop()
        self._thread.join(timeout=5)


@contextmanager
def serve(
    tokens: tuple[str, ...] = ("emulator-token",), tekton_versions: tuple[str, ...] = ("v1", "v1beta1")
) -> Iterator[RunningKubernetes]:
    """An emulator on 127.0.0.1 at a free port, serving PipelineRuns in `tekton_versions` and Leases."""
    server = _Server(Store(), Faults(), default_resources(tekton_versions), frozenset(tokens))
    running = RunningKubernetes(server)
    try:
        yield running
    finally:
        running.stop()


__all__ = ["RunningKubernetes", "find", "serve"]
