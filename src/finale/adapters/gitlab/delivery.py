"""One post attempt per call, classified as transient (try later) or permanent (give up).

`finale serve` keeps its own retry schedule in the outbox, so the client gets no retry budget;
the last HTTP status seen by the opener tells a 5xx/409/429/network error from a refusal.
"""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
from typing import Any, Protocol

from finale.adapters.gitlab.client import GitLabClient, Opener, build_opener
from finale.adapters.gitlab.wire import (
    DEFAULT_API_PREFIX,
    DEFAULT_TIMEOUT,
    PostedStatus,
    ReportInputError,
    StatusRequest,
    retry_after,
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


class _Watched:
    """Passes requests through and remembers how the last one ended."""

    def __init__(self, inner: Opener) -> None:
        self._inner = inner
        self.code: int | None = None
        self.tls_refused = False
        self.wait: float | None = None

    def open(self, fullurl: urllib.request.Request, data: None = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
        self.code, self.tls_refused, self.wait = None, False, None
        try:
            response = self._inner.open(fullurl, data, timeout)
        except urllib.error.HTTPError as error:
            self.code = error.code
            if error.code in (429, 503):
                headers: Any = error.headers  # case-insensitive .get, as retry_after needs
                self.wait = retry_after(headers, time.time())
            raise
        except urllib.error.URLError as error:
            self.tls_refused = isinstance(error.reason, ssl.SSLCertVerificationError)
            raise
        self.code = int(response.status)
        return response

    def is_transient(self) -> bool:
        if self.code is None:  # no answer at all: GitLab or the network is down
            return not self.tls_refused
        return self.code in (409, 429) or self.code >= 500


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
        self._watched = _Watched(opener if opener is not None else build_opener(ca_file, verify_tls))
        self._token = token
        self._client = GitLabClient(
            gitlab_url, token, api_prefix=api_prefix, timeout=timeout, retry_budget=0.0, opener=self._watched
        )

    def __repr__(self) -> str:
        return f"GitLabDelivery({self._client.endpoint.base!r}, token=***)"

    def post(self, request: StatusRequest) -> PostedStatus:
        try:
            return self._client.post_status(request)
        except ReportError as exc:
            raise DeliveryError(
                self._mask(str(exc)), transient=self._watched.is_transient(), wait=self._watched.wait
            ) from exc
        except ReportInputError as exc:
            raise DeliveryError(self._mask(str(exc)), transient=False) from exc

    def _mask(self, text: str) -> str:
        return text.replace(self._token, "***")


__all__ = ["Delivery", "DeliveryError", "GitLabDelivery"]
