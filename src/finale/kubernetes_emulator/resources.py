"""The API groups the emulator serves and their discovery documents (/api, /apis, /apis/GROUP,
/apis/GROUP/VERSION), shaped like kube-apiserver's APIGroupList and APIResourceList."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    group: str
    versions: tuple[str, ...]
    plural: str
    kind: str
    has_status: bool  # a /status subresource: the main resource then ignores .status writes
    verbs: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.plural}.{self.group}"


_CRUD = ("create", "delete", "get", "list", "patch", "update", "watch")
TEKTON_GROUP = "tekton.dev"
COORDINATION_GROUP = "coordination.k8s.io"


def default_resources(tekton_versions: tuple[str, ...] = ("v1", "v1beta1")) -> tuple[Resource, ...]:
    """PipelineRuns (Tekton's CRD has the status subresource) and Leases."""
    return (
        Resource(
            group=TEKTON_GROUP,
            versions=tekton_versions,
            plural="pipelineruns",
            kind="PipelineRun",
            has_status=True,
            verbs=_CRUD,
        ),
        Resource(
            group=COORDINATION_GROUP, versions=("v1",), plural="leases", kind="Lease", has_status=False, verbs=_CRUD
        ),
    )


def find(resources: tuple[Resource, ...], group: str, version: str, plural: str) -> Resource | None:
    return next((r for r in resources if (r.group, r.plural) == (group, plural) and version in r.versions), None)


def core_versions() -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
    }


def _group(resources: tuple[Resource, ...], group: str) -> dict[str, Any] | None:
    versions = next((r.versions for r in resources if r.group == group), None)
    if versions is None:
        return None
    listed = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": listed, "preferredVersion": listed[0]}


def group_list(resources: tuple[Resource, ...]) -> dict[str, Any]:
    names = sorted({r.group for r in resources})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group(resources, n) for n in names]}


def group_document(resources: tuple[Resource, ...], group: str) -> dict[str, Any] | None:
    found = _group(resources, group)
    return None if found is None else {"kind": "APIGroup", "apiVersion": "v1", **found}


def resource_list(resources: tuple[Resource, ...], group: str, version: str) -> dict[str, Any] | None:
    served = [r for r in resources if r.group == group and version in r.versions]
    if not served:
        return None
    items: list[dict[str, Any]] = []
    for r in served:
        items.append(
            {
                "name": r.plural,
                "singularName": r.kind.lower(),
                "namespaced": True,
                "kind": r.kind,
                "verbs": list(r.verbs),
            }
        )
        if r.has_status:
            items.append(
                {
                    "name": f"{r.plural}/status",
                    "singularName": "",
                    "namespaced": True,
                    "kind": r.kind,
                    "verbs": ["get", "patch", "update"],
                }
            )
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}", "resources": items}


__all__ = ["Resource", "default_resources", "find", "group_document", "group_list", "resource_list"]
