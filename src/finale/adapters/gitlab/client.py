"""Post one GitLab commit status, retrying transient failures within a time budget.

Stdlib only: the `gitlab-set-status` Task inlines this file (see `task_render`), so apart from
its imports of finale modules, which the renderer drops, it must run on a stock python image.
Retry rules follow GitLab's own advice (spec: 409 lock and 429 are "retry me", 5xx transient).
"""

from __future__ import annotations

import http.client
import json
import random
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol

from finale.adapters.gitlab.retry import MIN_ATTEMPT_TIMEOUT, NEVER_RETRIED, Transient, is_transient, next_wait
from finale.adapters.gitlab.wire import (
    DEFAULT_API_PREFIX,
    DEFAULT_RETRY_BUDGET,
    DEFAULT_TIMEOUT,
    HINTS,
    USER_AGENT,
    PostedStatus,
    ReportInputError,
    StatusPostError,
    StatusRequest,
    build_payload,
    describe_message,
    gitlab_message,
    is_already_in_state,
    parse_gitlab_url,
    parse_posted,
    retry_after,
)
from finale.clock import Clock, SystemClock
from finale.errors import ReportError


class Opener(Protocol):
    """The one seam to the network: `urllib.request.OpenerDirector` or a test double."""

    def open(self, fullurl: urllib.request.Request, data: None = None, timeout: float = ...) -> Any: ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would replay a redirected POST as a body-less GET; report the redirect instead.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def build_opener(ca_file: str | None = None, verify_tls: bool = True) -> urllib.request.OpenerDirector:
    """A urllib opener with our TLS settings that never follows redirects."""
    try:
        context = ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        raise ReportInputError(f"cannot use CA bundle {ca_file!r}: {exc}") from None
    if not verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return urllib.request.build_opener(_NoRedirect(), urllib.request.HTTPSHandler(context=context))


class GitLabClient:
    """Posts commit statuses to one GitLab; every wait and the network are injectable."""

    def __init__(
        self,
        gitlab_url: str,
        token: str,
        *,
        api_prefix: str = DEFAULT_API_PREFIX,
        timeout: float = DEFAULT_TIMEOUT,
        retry_budget: float = DEFAULT_RETRY_BUDGET,
        ca_file: str | None = None,
        verify_tls: bool = True,
        opener: Opener | None = None,
        clock: Clock | None = None,
        jitter: Callable[[], float] = random.random,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        if not token or any(ch.isspace() or ord(ch) < 32 for ch in token):
            raise ReportInputError("the GitLab token is empty or holds whitespace")
        if not (retry_budget >= 0 and timeout > 0):  # also refuses NaN
            raise ReportInputError("retry budget must be >= 0 and timeout > 0 seconds")
        self.endpoint = parse_gitlab_url(gitlab_url, api_prefix)
        self._token = token
        self._timeout = timeout
        self._budget = retry_budget
        self._opener: Opener = opener if opener is not None else build_opener(ca_file, verify_tls)
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._jitter = jitter
        self._on_retry = on_retry

    def __repr__(self) -> str:
        return f"GitLabClient({self.endpoint.base!r}, token=***)"

    def post_status(self, request: StatusRequest) -> PostedStatus:
        """POST the status; retry 409/429/5xx/connection errors until the budget runs out."""
        url = self.endpoint.status_url(request.project, request.sha)
        body = json.dumps(build_payload(request)).encode("utf-8")
        start = self._clock.now()
        deadline = start + self._budget
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(request, url, body, deadline, attempt)
            if isinstance(outcome, PostedStatus):
                return outcome
            wait = next_wait(outcome, attempt, deadline - self._clock.now(), self._jitter())
            if wait is None:
                elapsed = self._clock.now() - start
                raise StatusPostError(
                    self._where(request) + f": gave up after {attempt} attempt(s) in "
                    f"{elapsed:.1f}s (retry budget {self._budget:g}s): {outcome.reason}",
                    transient=True,
                    wait=outcome.server_wait,
                )
            if self._on_retry is not None:
                # Silence for the whole budget reads as a hang: say what failed and when we retry.
                left = max(0.0, deadline - self._clock.now())
                self._on_retry(
                    f"attempt {attempt} failed ({outcome.reason}); retrying in {wait:.1f}s "
                    f"({left:.0f}s of the {self._budget:g}s retry budget left)"
                )
            self._clock.sleep(wait)

    def _attempt(
        self, request: StatusRequest, url: str, body: bytes, deadline: float, attempt: int
    ) -> PostedStatus | Transient:
        http_request = urllib.request.Request(url, data=body, method="POST")
        http_request.add_header("Content-Type", "application/json")
        http_request.add_header("Accept", "application/json")
        http_request.add_header("User-Agent", USER_AGENT)
        http_request.add_header("PRIVATE-TOKEN", self._token)
        # The first try always gets the full timeout; retries are squeezed into the budget.
        timeout = self._timeout
        if attempt > 1:
            timeout = max(MIN_ATTEMPT_TIMEOUT, min(timeout, deadline - self._clock.now()))
        try:
            with self._opener.open(http_request, timeout=timeout) as response:
                return self._classify(request, response.status, response.headers, response.read(), attempt)
        except urllib.error.HTTPError as error:
            with error:
                return self._classify(request, error.code, error.headers, error.read(), attempt)
        except urllib.error.URLError as error:
            if isinstance(error.reason, ssl.SSLCertVerificationError):
                raise ReportError(
                    self._where(request) + f": TLS verification failed ({error.reason.verify_message}); "
                    "give the server's CA bundle (--ca-file / CA_BUNDLE)"
                ) from error
            if isinstance(error.reason, ssl.SSLError) and "WRONG_VERSION_NUMBER" in str(error.reason):
                raise ReportError(
                    self._where(request) + ": the server does not speak TLS here; "
                    "give the GitLab URL with http:// (a bare host means https)"
                ) from error
            return Transient(f"connection failed: {self._mask(str(error.reason))}", None)
        except (OSError, http.client.HTTPException) as error:
            return Transient(f"connection failed: {self._mask(repr(error))}", None)

    def _classify(
        self, request: StatusRequest, code: int, headers: Any, raw: bytes, attempt: int
    ) -> PostedStatus | Transient:
        if 200 <= code < 300:
            return parse_posted(request.state, raw, attempt)
        message = gitlab_message(raw)
        text = self._mask(describe_message(message)) or f"HTTP {code}"
        if code == 400 and is_already_in_state(message, request.state):
            return PostedStatus(
                state=request.state,
                status_id=None,
                pipeline_id=None,
                already=True,
                attempts=attempt,
            )
        if is_transient(code):
            wait = retry_after(headers, self._clock.now()) if code in (429, 503) else None
            return Transient(f"HTTP {code}: {text}", wait)
        if 300 <= code < 400:
            location = headers.get("Location", "?")
            hint = f"redirected to {location}; point the GitLab URL at the final address"
        elif code == 404:
            # A wrong sub-path or API prefix also ends in GitLab's (or a proxy's) 404.
            api = self.endpoint.base + self.endpoint.api_prefix
            hint = f"{HINTS[404]}; or the API URL {api}: check the GitLab URL's path and the API prefix"
        elif code in NEVER_RETRIED:
            hint = "the server does not implement this request: is the GitLab URL a GitLab API?"
        else:
            hint = HINTS.get(code, "GitLab refused the request as sent")
        raise ReportError(self._where(request) + f": HTTP {code}: {text} ({hint})")

    def _where(self, request: StatusRequest) -> str:
        host = self.endpoint.base.split("://", 1)[-1]
        project = " ".join(urllib.parse.unquote(request.project).strip("/ ").split())
        sha = " ".join(request.sha.split())
        return f"GitLab {host}: status {request.state!r} for project {project} commit {sha}"

    def _mask(self, text: str) -> str:
        # GitLab never echoes tokens, but a proxy page might; never print one.
        return text.replace(self._token, "***")


__all__ = [
    "GitLabClient",
    "Opener",
    "PostedStatus",
    "ReportInputError",
    "StatusRequest",
    "build_opener",
]
