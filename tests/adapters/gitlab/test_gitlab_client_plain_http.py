"""A bare host means https; a GitLab that answers plain HTTP gets one clear line, not a retry loop."""

import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from finale.adapters.gitlab.client import GitLabClient
from finale.adapters.gitlab.wire import StatusRequest
from finale.errors import ReportError


@pytest.fixture
def plain_http() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_tls_to_a_plain_http_server_fails_at_once_with_the_fix(plain_http: str) -> None:
    client = GitLabClient(plain_http, "glpat-secret-value", retry_budget=30)
    started = time.monotonic()
    with pytest.raises(ReportError) as raised:
        client.post_status(StatusRequest(project="team/app", sha="a" * 40, state="success"))
    assert time.monotonic() - started < 5
    message = str(raised.value)
    assert "give the GitLab URL with http://" in message
    assert "glpat-secret-value" not in message
