"""PipelineRuns and Leases through lightkube, as plain dicts; errors as KubeError (Gone for 410,
Conflict for 409) so callers never see the library's types."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
from lightkube import Client, KubeConfig
from lightkube.core.exceptions import ApiError
from lightkube.generic_resource import create_namespaced_resource
from lightkube.resources.coordination_v1 import Lease
from lightkube.types import OnErrorAction, OnErrorResult, PatchType

from finale.errors import FinaleError

Run = dict[str, Any]
ALL_NAMESPACES = "*"
TEKTON_VERSIONS = ("v1", "v1beta1")


class KubeError(FinaleError):
    """The API refused or could not be reached; `code` is the HTTP status (0: no answer)."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


class Gone(KubeError):
    """410: the resourceVersion was compacted away; relist."""


class Conflict(KubeError):
    """409: the object changed since it was read; re-read and try again."""


def _error(exc: Exception) -> KubeError:
    if isinstance(exc, ApiError):
        code = int(exc.status.code or 0)
        kind = {409: Conflict, 410: Gone}.get(code, KubeError)
        return kind(f"Kubernetes API {code} {exc.status.reason}: {exc.status.message}", code)
    return KubeError(f"Kubernetes API unreachable: {type(exc).__name__}: {exc}")


class KubeApi:
    """The calls `finale serve --kubernetes` makes; thread-safe (one httpx client underneath)."""

    def __init__(self, config: KubeConfig, timeout: float = 10.0) -> None:
        self._client = Client(config, timeout=httpx2.Timeout(timeout), trust_env=False)
        self.version = ""
        self._runs: Any = None

    def close(self) -> None:
        self._client.close()

    def discover(self) -> str:
        """Use tekton.dev/v1, or v1beta1 where v1 is not served (Tekton before v0.44)."""
        for version in TEKTON_VERSIONS:
            kind = create_namespaced_resource("tekton.dev", version, "PipelineRun", "pipelineruns")
            try:
                next(iter(self._client.list(kind, namespace=ALL_NAMESPACES, chunk_size=1)), None)
            except ApiError as exc:
                if exc.status.code == 404:
                    continue
                raise _error(exc) from None
            except httpx2.HTTPError as exc:
                raise _error(exc) from None
            self.version, self._runs = version, kind
            return version
        raise KubeError("tekton.dev serves neither v1 nor v1beta1 PipelineRuns: is Tekton installed?", 404)

    def list_runs(self, chunk: int = 500) -> tuple[str, list[Run]]:
        """Every PipelineRun (paged by `limit`/`continue`) and the list's resourceVersion."""
        try:
            listed = self._client.list(self._runs, namespace=ALL_NAMESPACES, chunk_size=chunk)
            runs = [item.to_dict() for item in listed]
            return listed.resourceVersion, runs
        except (ApiError, httpx2.HTTPError) as exc:
            raise _error(exc) from None

    def watch_runs(self, version: str, timeout_seconds: int, stopping: Any) -> Iterator[tuple[str, Run]]:
        """Changes after `version`; the stream is resumed across server timeouts. Gone on 410."""

        def on_error(exc: Exception, _count: int) -> OnErrorResult:
            return OnErrorResult(OnErrorAction.STOP if stopping() else OnErrorAction.RAISE)

        stream = self._client.watch(
            self._runs,
            namespace=ALL_NAMESPACES,
            resource_version=version,
            server_timeout=timeout_seconds,
            on_error=on_error,
        )
        try:
            for kind, obj in stream:
                yield kind, obj.to_dict()
        except (ApiError, httpx2.HTTPError) as exc:
            raise _error(exc) from None

    def get_run(self, namespace: str, name: str) -> Run | None:
        try:
            return dict(self._client.get(self._runs, name, namespace=namespace).to_dict())
        except ApiError as exc:
            if exc.status.code == 404:
                return None
            raise _error(exc) from None
        except httpx2.HTTPError as exc:
            raise _error(exc) from None

    def patch_run(self, namespace: str, name: str, patch: Run) -> Run:
        """A JSON merge patch; put metadata.resourceVersion in it to get Conflict on a stale read."""
        try:
            return dict(
                self._client.patch(self._runs, name, patch, namespace=namespace, patch_type=PatchType.MERGE).to_dict()
            )
        except (ApiError, httpx2.HTTPError) as exc:
            raise _error(exc) from None

    def get_lease(self, namespace: str, name: str) -> Run | None:
        try:
            return dict(self._client.get(Lease, name, namespace=namespace).to_dict())
        except ApiError as exc:
            if exc.status.code == 404:
                return None
            raise _error(exc) from None
        except httpx2.HTTPError as exc:
            raise _error(exc) from None

    def write_lease(self, namespace: str, lease: Run, create: bool) -> Run:
        """Create, or replace carrying the read resourceVersion (Conflict if another wrote first)."""
        obj = Lease.from_dict(lease)
        assert isinstance(obj, Lease)
        try:
            done = self._client.create(obj) if create else self._client.replace(obj)
            return dict(done.to_dict())
        except ApiError as exc:
            if exc.status.code == 409:
                raise Conflict(f"Lease {namespace}/{lease['metadata']['name']} changed", 409) from None
            raise _error(exc) from None
        except httpx2.HTTPError as exc:
            raise _error(exc) from None


__all__ = ["Conflict", "Gone", "KubeApi", "KubeError", "Run"]
