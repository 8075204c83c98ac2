"""kube-apiserver's `Status` objects (metav1.Status) and the errors that carry them.

Shapes and wording follow k8s.io/apimachinery/pkg/api/errors (NewNotFound, NewConflict,
NewAlreadyExists, NewResourceExpired, NewUnauthorized, NewInvalid).
"""

from __future__ import annotations

from typing import Any

from finale.errors import FinaleError


class ApiStatus(FinaleError):
    """A failed request answered with a Status body and its HTTP code."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            status["details"] = self.details
        return status


def _details(group: str, plural: str, name: str) -> dict[str, Any]:
    return {"name": name, "group": group, "kind": plural}


def _qualified(group: str, plural: str) -> str:
    return f"{plural}.{group}" if group else plural


def not_found(group: str, plural: str, name: str) -> ApiStatus:
    return ApiStatus(404, "NotFound", f'{_qualified(group, plural)} "{name}" not found', _details(group, plural, name))


def already_exists(group: str, plural: str, name: str) -> ApiStatus:
    text = f'{_qualified(group, plural)} "{name}" already exists'
    return ApiStatus(409, "AlreadyExists", text, _details(group, plural, name))


def conflict(group: str, plural: str, name: str) -> ApiStatus:
    # The wording clients (and people) recognise from storage's optimistic-concurrency check.
    text = (
        f'Operation cannot be fulfilled on {_qualified(group, plural)} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again"
    )
    return ApiStatus(409, "Conflict", text, _details(group, plural, name))


def expired(requested: int, oldest: int) -> ApiStatus:
    # The watch cache's answer to a resourceVersion older than its window.
    return ApiStatus(410, "Expired", f"too old resource version: {requested} ({oldest})")


def invalid(group: str, plural: str, name: str, message: str) -> ApiStatus:
    return ApiStatus(
        422, "Invalid", f'{_qualified(group, plural)} "{name}" is invalid: {message}', _details(group, plural, name)
    )


def bad_request(message: str) -> ApiStatus:
    return ApiStatus(400, "BadRequest", message)


def unauthorized() -> ApiStatus:
    return ApiStatus(401, "Unauthorized", "Unauthorized")


def unsupported_media(content_type: str) -> ApiStatus:
    return ApiStatus(
        415, "UnsupportedMediaType", f'the body of the request was in an unknown format - "{content_type}"'
    )


def method_not_allowed(method: str) -> ApiStatus:
    return ApiStatus(
        405, "MethodNotAllowed", f"the server does not allow this method on the requested resource ({method})"
    )


def internal(message: str) -> ApiStatus:
    return ApiStatus(500, "InternalError", f"Internal error occurred: {message}")


__all__ = ["ApiStatus"]
