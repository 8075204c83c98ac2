"""JSON merge patch (RFC 7386) and JSON patch (RFC 6902), as kube-apiserver applies them to a
copy of the stored object before its optimistic-concurrency check."""

from __future__ import annotations

import copy
from typing import Any

from finale.kubernetes_emulator.replies import ApiStatus


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, `null` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902 on a deep copy; a bad or failing operation is a 422, as the apiserver answers."""
    if not isinstance(operations, list):
        raise _invalid("a JSON patch must be a list of operations")
    document = copy.deepcopy(target)
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict) or not isinstance(operation.get("path"), str):
            raise _invalid(f"operation {index}: needs an op and a path")
        document = _apply(document, operation)
    return document


def _apply(document: Any, operation: dict[str, Any]) -> Any:
    op, path = operation.get("op"), operation["path"]
    if op == "test":
        if _get(document, path) != operation.get("value"):
            raise _invalid(f"test operation failed at {path}")
        return document
    if op in ("move", "copy"):
        source = operation.get("from")
        if not isinstance(source, str):
            raise _invalid(f"{op} needs from")
        value = copy.deepcopy(_get(document, source))
        if op == "move":
            document = _remove(document, source)
        return _add(document, path, value)
    if op == "remove":
        return _remove(document, path)
    if op in ("add", "replace"):
        if "value" not in operation:
            raise _invalid(f"{op} needs a value")
        if op == "replace":
            _get(document, path)
            document = _remove(document, path)
        return _add(document, path, copy.deepcopy(operation["value"]))
    raise _invalid(f"unknown operation {op!r}")


def _tokens(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _invalid(f"path {path!r} must start with /")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _child(parent: Any, token: str, path: str) -> Any:
    if isinstance(parent, dict) and token in parent:
        return parent[token]
    if isinstance(parent, list) and token.isdigit() and int(token) < len(parent):
        return parent[int(token)]
    raise _invalid(f"path {path} does not exist")


def _get(document: Any, path: str) -> Any:
    node = document
    for token in _tokens(path):
        node = _child(node, token, path)
    return node


def _parent(document: Any, path: str) -> tuple[Any, str]:
    tokens = _tokens(path)
    if not tokens:
        raise _invalid("the whole document cannot be removed or added to")
    node = document
    for token in tokens[:-1]:
        node = _child(node, token, path)
    return node, tokens[-1]


def _add(document: Any, path: str, value: Any) -> Any:
    if path == "":
        return value
    parent, last = _parent(document, path)
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list) and (last == "-" or (last.isdigit() and int(last) <= len(parent))):
        parent.insert(len(parent) if last == "-" else int(last), value)
    else:
        raise _invalid(f"path {path} cannot be added to")
    return document


def _remove(document: Any, path: str) -> Any:
    parent, last = _parent(document, path)
    _child(parent, last, path)
    if isinstance(parent, dict):
        del parent[last]
    else:
        del parent[int(last)]
    return document


def _invalid(message: str) -> ApiStatus:
    return ApiStatus(422, "Invalid", f"the server rejected our request due to an error in our request: {message}")


__all__ = ["json_patch", "merge_patch"]
