"""Routing and the non-streaming verbs: discovery, get, list (limit/continue), create, replace,
merge/JSON patch, delete. Objects leave with the apiVersion the client asked for."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from finale.kubernetes_emulator import replies
from finale.kubernetes_emulator.patches import json_patch, merge_patch
from finale.kubernetes_emulator.resources import (
    Resource,
    core_versions,
    find,
    group_document,
    group_list,
    resource_list,
)
from finale.kubernetes_emulator.store import Object, Store

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
VERSION = {"major": "1", "minor": "34", "gitVersion": "v1.34.0-finale-emulator", "platform": "linux/amd64"}
_EXPIRED_CONTINUE = (
    "The provided continue parameter is too old to display a consistent list result. You can start a new "
    "list without the continue parameter."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """A parsed resource path: /apis/GROUP/VERSION[/namespaces/NS]/PLURAL[/NAME[/SUB]]."""

    resource: Resource
    version: str
    namespace: str | None
    name: str | None
    sub: str


def discovery(resources: tuple[Resource, ...], parts: list[str]) -> dict[str, Any] | None:
    """The discovery document for a path, None if the path is not a discovery path."""
    if parts == ["version"]:
        return VERSION
    if parts == ["api"]:
        return core_versions()
    if parts == ["apis"]:
        return group_list(resources)
    if len(parts) == 2 and parts[0] == "apis":
        return group_document(resources, parts[1]) or _missing()
    if len(parts) == 3 and parts[0] == "apis":
        return resource_list(resources, parts[1], parts[2]) or _missing()
    return None


def _missing() -> dict[str, Any]:
    raise replies.ApiStatus(404, "NotFound", "the server could not find the requested resource")


def target(resources: tuple[Resource, ...], parts: list[str]) -> Target:
    if len(parts) < 4 or parts[0] != "apis":
        _missing()
    group, version, rest = parts[1], parts[2], parts[3:]
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3 or (len(rest) == 3 and rest[2] != "status"):
        _missing()
    resource = find(resources, group, version, rest[0])
    if resource is None:
        _missing()
    assert resource is not None
    name = rest[1] if len(rest) > 1 else None
    return Target(
        resource=resource, version=version, namespace=namespace, name=name, sub=rest[2] if len(rest) > 2 else ""
    )


def shaped(obj: Object, t: Target) -> Object:
    """The stored object as the requested version shows it (Tekton converts v1 <-> v1beta1)."""
    return {"apiVersion": f"{t.resource.group}/{t.version}", "kind": t.resource.kind, **_without_type(obj)}


def _without_type(obj: Object) -> Object:
    return {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}


def list_objects(store: Store, t: Target, query: Mapping[str, str]) -> dict[str, Any]:
    """A list page; `limit` cuts it and `continue` resumes after the last key, at the first page's version."""
    version, items = store.snapshot(t.resource, t.namespace)
    start = ""
    token = query.get("continue")
    if token:
        version, start = _read_continue(token, store)
        items = [i for i in items if _order(i) > start]
    limit = int(query["limit"]) if query.get("limit", "").isdigit() and int(query["limit"]) > 0 else 0
    page, rest = (items[:limit], items[limit:]) if limit else (items, [])
    meta: dict[str, Any] = {"resourceVersion": str(version)}
    if rest:
        meta["continue"] = _continue(version, _order(page[-1]))
        meta["remainingItemCount"] = len(rest)
    kind = f"{t.resource.kind}List"
    return {
        "apiVersion": f"{t.resource.group}/{t.version}",
        "kind": kind,
        "metadata": meta,
        "items": [shaped(i, t) for i in page],
    }


def _order(obj: Object) -> str:
    return f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"


def _continue(version: int, last: str) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": version, "start": last}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _read_continue(token: str, store: Store) -> tuple[int, str]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        version, start = int(decoded["rv"]), str(decoded["start"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise replies.bad_request("continue key is not valid") from None
    if store.is_compacted(version):
        raise replies.ApiStatus(410, "Expired", _EXPIRED_CONTINUE)
    return version, start


def write(store: Store, t: Target, method: str, content_type: str, body: Any) -> Object:
    """POST, PUT, PATCH or DELETE on one object; the stored result as the client's version."""
    r = t.resource
    if method == "POST" and t.name is None and t.namespace and not t.sub:
        return shaped(store.create(r, t.namespace, _object(body)), t)
    if t.name is None or t.namespace is None:
        raise replies.method_not_allowed(method)
    if method == "DELETE" and not t.sub:
        return shaped(store.delete(r, t.namespace, t.name), t)
    change = _change(r, method, content_type, body)
    return shaped(store.write(r, t.namespace, t.name, change, t.sub), t)


def _change(r: Resource, method: str, content_type: str, body: Any) -> Callable[[Object], Object]:
    if method == "PUT":
        new = _object(body)
        return lambda _old: new
    if method != "PATCH":
        raise replies.method_not_allowed(method)
    if content_type == MERGE_PATCH or (content_type == STRATEGIC_PATCH and r.group == "coordination.k8s.io"):
        # A Lease's strategic merge patch has no list keys to honour: it merges like RFC 7386.
        return lambda old: merge_patch(old, body)
    if content_type == JSON_PATCH:
        return lambda old: json_patch(old, body)
    # Custom resources refuse strategic merge patch (apiextensions-apiserver).
    raise replies.unsupported_media(content_type)


def _object(body: Any) -> Object:
    if not isinstance(body, dict):
        raise replies.bad_request("the request body must be a JSON object")
    return body


__all__ = ["JSON_PATCH", "MERGE_PATCH", "Target", "discovery", "list_objects", "shaped", "target", "write"]
