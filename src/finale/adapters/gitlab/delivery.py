"""One post attempt per call, classified as transient (try later) or permanent (give up).

`finale serve` keeps its own retry schedule in the outbox, so the client gets no retry budget;
the client's own verdict, carried by the `StatusPostError` it raises, tells try-later from a refusal.
"""

from __future__ import annotations

from typing import Protocol

from finale.adapters.gitlab.client import GitLabClient, Opener, build_opener
from finale.adapters.gitlab.wire import (
    DEFAULT_API_PREFIX,
    DEFAULT_TIMEOUT,
    PostedStatus,
    ReportInputError,
    StatusPostError,
    StatusRequest,
)
from finale.errors import ReportError


class DeliveryError(ReportError):
    """A post that did not land; `transient` says whether trying again later can help."""

    def __init__(self, message: str, *, transient: bool, wait: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.wait = wait  # seconds GitLab asked us to wait (429/503 Retry-After), if any


class Delivery(Protocol):
    def post(self, request: StatusRequest) -> PostedStatus: ...


class GitLabDelivery:
    """Posts with `GitLabClient`, one attempt per call."""

    def __init__(
        self,
        gitlab_url: str,
        token: str,
        *,
        api_prefix: str = DEFAULT_API_PREFIX,
        timeout: float = DEFAULT_TIMEOUT,
        ca_file: str | None = None,
        verify_tls: bool = True,
        opener: Opener | None = None,
    ) -> None:
        self._token = token
        self._client = GitLabClient(
            gitlab_url,
            token,
            api_prefix=api_prefix,
            timeout=timeout,
            retry_budget=0.0,
            opener=opener if opener is not None else build_opener(ca_file, verify_tls),
        )

    def __repr__(self) -> str:
        return f"GitLabDelivery({self._client.endpoint.base!r}, token=***)"

    def post(self, request: StatusRequest) -> PostedStatus:
        try:
            return self._client.post_status(request)
        except StatusPostError as exc:
            raise DeliveryError(self._mask(str(exc)), transient=exc.transient, wait=exc.wait) from exc
        except ReportError as exc:  # refused as sent, or TLS: asking again gets the same answer
            raise DeliveryError(self._mask(str(exc)), transient=False) from exc
        except ReportInputError as exc:
            raise DeliveryError(self._mask(str(exc)), transient=False) from exc

    def _mask(self, text: str) -> str:
        return text.replace(self._token, "***")


__all__ = ["Delivery", "DeliveryError", "GitLabDelivery"]
