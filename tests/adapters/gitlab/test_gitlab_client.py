"""The GitLab client over real HTTP on 127.0.0.1, against a fault-injecting server."""

from __future__ import annotations

import email.utils
import json
import re

import pytest

from finale.adapters.gitlab.client import GitLabClient, ReportInputError, StatusRequest
from finale.errors import ReportError
from finale.testing.fakes import FakeClock
from finale.testing.fault_http import FaultServer, Reply, json_reply

SHA = "1f0e5c0d5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"
TOKEN = "glpat-test-SECRET-123"
WALL_START = 1_700_000_000.0


def make_client(url: str, fake: FakeClock, **kwargs) -> GitLabClient:
    return GitLabClient(
        url,
        TOKEN,
        clock=fake,
        jitter=lambda: 1.0,
        **kwargs,
    )


def status(state: str = "success", **fields) -> StatusRequest:
    return StatusRequest(project="group/sub/app", sha=SHA, state=state, **fields)


def test_posts_json_body_with_token_header_to_encoded_project():
    fake = FakeClock(start=WALL_START)
    with FaultServer(pipeline_id=88) as server:
        posted = make_client(server.base_url, fake).post_status(
            status(
                "running",
                name="tekton/ci",
                ref="feature/x",
                target_url="http://d/x",
                description="Pipeline running",
                coverage=87.5,
                pipeline_id=88,
            )
        )
    [seen] = server.requests
    assert seen.method == "POST"
    assert seen.raw_path == f"/api/v4/projects/group%2Fsub%2Fapp/statuses/{SHA}"
    assert seen.headers["Private-Token"] == TOKEN
    assert seen.headers["Content-Type"] == "application/json"
    assert "?" not in seen.raw_path  # everything in the body, nothing in the query string
    assert seen.json == {
        "state": "running",
        "name": "tekton/ci",
        "ref": "feature/x",
        "target_url": "http://d/x",
        "description": "Pipeline running",
        "coverage": 87.5,
        "pipeline_id": 88,
    }
    assert (posted.status_id, posted.pipeline_id, posted.already) == (1001, 88, False)
    assert fake.waits == []


def test_blank_optional_fields_are_not_sent():
    with FaultServer() as server:
        make_client(server.base_url, FakeClock(start=WALL_START)).post_status(status())
    assert server.requests[0].json == {"state": "success"}


@pytest.mark.parametrize(
    ("project", "segment"),
    [
        pytest.param("42", "42", id="numeric-id"),
        pytest.param("group/sub/app", "group%2Fsub%2Fapp", id="path"),
        pytest.param("group%2Fsub%2Fapp", "group%2Fsub%2Fapp", id="already-encoded-once"),
        pytest.param("/group/my.app/", "group%2Fmy.app", id="slashes-and-dot"),
    ],
)
def test_project_is_encoded_exactly_once(project, segment):
    with FaultServer() as server:
        make_client(server.base_url, FakeClock(start=WALL_START)).post_status(
            StatusRequest(project=project, sha=SHA, state="success")
        )
    assert server.requests[0].raw_path == f"/api/v4/projects/{segment}/statuses/{SHA}"


@pytest.mark.parametrize(
    ("suffix", "prefix"),
    [
        pytest.param("/gitlab/", "/api/v4", id="sub-path-trailing-slash"),
        pytest.param("/gitlab/api/v4", "/api/v4", id="url-already-has-api-prefix"),
        pytest.param("/gitlab", "api/v4/", id="prefix-without-leading-slash"),
    ],
)
def test_full_url_with_sub_path(suffix, prefix):
    with FaultServer() as server:
        make_client(server.base_url + suffix, FakeClock(start=WALL_START), api_prefix=prefix).post_status(status())
    assert server.requests[0].raw_path == f"/gitlab/api/v4/projects/group%2Fsub%2Fapp/statuses/{SHA}"


def test_bare_host_means_https_like_the_catalog_task():
    client = GitLabClient("gitlab.example.com", TOKEN)
    assert client.endpoint.base == "https://gitlab.example.com"
    assert client.endpoint.status_url("42", SHA).startswith("https://gitlab.example.com/api/v4/")


HTML_502 = Reply(
    502, b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", {"Content-Type": "text/html"}
)


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(HTML_502, id="502-html"),
        pytest.param(json_reply(500, {"message": "500 Internal Server Error"}), id="500"),
        pytest.param(json_reply(503, {"message": "503 Service Unavailable"}), id="503"),
        pytest.param(json_reply(409, {"message": "409 Conflict: Resource lock"}), id="409-lock"),
        pytest.param(Reply(reset=True), id="connection-reset"),
    ],
)
def test_transient_faults_are_retried_with_exponential_backoff(fault):
    fake = FakeClock(start=WALL_START)
    with FaultServer([fault, fault, fault]) as server:
        posted = make_client(server.base_url, fake).post_status(status())
    assert posted.status_id is not None and posted.attempts == 4
    assert len(server.requests) == 4
    assert fake.waits == [0.5, 1.0, 2.0]  # jitter pinned to its maximum


def test_jitter_spreads_backoff_between_half_and_full():
    fake = FakeClock(start=WALL_START)
    with FaultServer([HTML_502, HTML_502]) as server:
        GitLabClient(server.base_url, TOKEN, clock=fake, jitter=lambda: 0.0).post_status(status())
    assert fake.waits == [0.25, 0.5]


def test_429_retry_after_seconds_is_honoured_exactly():
    fake = FakeClock(start=WALL_START)
    throttled = Reply(429, b"Retry later", {"Content-Type": "text/plain", "Retry-After": "7"})
    with FaultServer([throttled]) as server:
        posted = make_client(server.base_url, fake).post_status(status())
    assert fake.waits == [7.0]
    assert posted.attempts == 2


def test_429_retry_after_http_date_is_honoured():
    fake = FakeClock(start=WALL_START)
    when = email.utils.formatdate(WALL_START + 12, usegmt=True)
    with FaultServer([Reply(429, b"Retry later", {"Retry-After": when})]) as server:
        make_client(server.base_url, fake).post_status(status())
    assert fake.waits == [12.0]


def test_429_without_retry_after_uses_ratelimit_reset():
    fake = FakeClock(start=WALL_START)
    reset = str(int(WALL_START + 5))
    with FaultServer([Reply(429, b"Retry later", {"RateLimit-Reset": reset})]) as server:
        make_client(server.base_url, fake).post_status(status())
    assert fake.waits == [5.0]


def test_429_with_no_hint_backs_off():
    fake = FakeClock(start=WALL_START)
    with FaultServer([Reply(429, b"Retry later")]) as server:
        make_client(server.base_url, fake).post_status(status())
    assert fake.waits == [0.5]


def test_real_short_retry_after_wait_is_honoured():
    with FaultServer([Reply(429, b"Retry later", {"Retry-After": "1"})]) as server:
        posted = GitLabClient(server.base_url, TOKEN, retry_budget=5).post_status(status())
    first, second = server.requests
    assert posted.attempts == 2
    assert second.at - first.at >= 1.0  # waited at least what GitLab asked


def test_retry_after_beyond_budget_gives_up_without_sleeping():
    fake = FakeClock(start=WALL_START)
    with (
        FaultServer([Reply(429, b"Retry later", {"Retry-After": "120"})]) as server,
        pytest.raises(ReportError) as caught,
    ):
        make_client(server.base_url, fake, retry_budget=60).post_status(status())
    assert fake.waits == []
    assert len(server.requests) == 1
    assert "gave up after 1 attempt(s)" in str(caught.value)
    assert "HTTP 429: Retry later" in str(caught.value)


def test_persistent_5xx_gives_up_within_the_budget():
    fake = FakeClock(start=WALL_START)
    with FaultServer([HTML_502] * 50) as server, pytest.raises(ReportError) as caught:
        make_client(server.base_url, fake, retry_budget=20).post_status(status())
    assert sum(fake.waits) <= 20
    message = str(caught.value)
    assert f"project group/sub/app commit {SHA}" in message
    assert "HTTP 502: 502 Bad Gateway" in message
    assert "retry budget 20s" in message
    assert "\n" not in message


def test_unreachable_server_gives_up_with_connection_error():
    fake = FakeClock(start=WALL_START)
    with FaultServer() as server:
        url = server.base_url
    with pytest.raises(ReportError, match="connection failed"):
        make_client(url, fake, retry_budget=3).post_status(status())
    assert 0 < sum(fake.waits) <= 3


@pytest.mark.parametrize(
    ("body", "state"),
    [
        pytest.param(
            {
                "message": "Cannot transition status via :run from :running (Reason(s): "
                'Status cannot transition via "run")'
            },
            "running",
            id="running-twice",
        ),
        pytest.param(
            {
                "message": "Cannot transition status via :enqueue from :pending "
                '(Reason(s): Status cannot transition via "enqueue")'
            },
            "pending",
            id="pending-twice",
        ),
        pytest.param(
            {"message": {"state": ["Cannot transition status via :run from :running"]}}, "running", id="old-hash-form"
        ),
    ],
)
def test_repeated_state_is_already_done(body, state):
    with FaultServer([json_reply(400, body)]) as server:
        posted = make_client(server.base_url, FakeClock(start=WALL_START)).post_status(status(state))
    assert posted.already and posted.state == state
    assert len(server.requests) == 1


def test_backwards_transition_is_refused():
    body = {
        "message": "Cannot transition status via :enqueue from :running (Reason(s): "
        'Status cannot transition via "enqueue")'
    }
    with (
        FaultServer([json_reply(400, body)]) as server,
        pytest.raises(ReportError, match="HTTP 400: Cannot transition status via :enqueue"),
    ):
        make_client(server.base_url, FakeClock(start=WALL_START)).post_status(status("pending"))


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        pytest.param(
            json_reply(401, {"message": "401 Unauthorized"}), "HTTP 401: 401 Unauthorized (check the token", id="401"
        ),
        pytest.param(
            json_reply(401, {"error": "invalid_token", "error_description": "Token is expired."}),
            "HTTP 401: invalid_token: Token is expired.",
            id="401-oauth",
        ),
        pytest.param(
            json_reply(403, {"message": "403 Forbidden"}),
            "HTTP 403: 403 Forbidden (the token's user needs the Developer",
            id="403",
        ),
        pytest.param(
            json_reply(404, {"message": "404 Project Not Found"}),
            "HTTP 404: 404 Project Not Found (check the project",
            id="404",
        ),
        pytest.param(json_reply(404, {"error": "404 Not Found"}), "HTTP 404: 404 Not Found", id="404-route"),
        pytest.param(
            json_reply(400, {"message": {"description": ["is too long (maximum is 255 characters)"]}}),
            "HTTP 400: description is too long (maximum is 255 characters)",
            id="400-field-errors",
        ),
        pytest.param(
            json_reply(400, {"error": "state does not have a valid value"}),
            "HTTP 400: state does not have a valid value",
            id="400-grape",
        ),
        pytest.param(Reply(404, b"<html><body><h1>Not here</h1></body></html>"), "HTTP 404: Not here", id="404-html"),
        pytest.param(Reply(422, b""), "HTTP 422: HTTP 422", id="422-empty-body"),
    ],
)
def test_permanent_errors_fail_at_once_with_one_clear_line(reply, expected):
    fake = FakeClock(start=WALL_START)
    with FaultServer([reply]) as server, pytest.raises(ReportError) as caught:
        make_client(server.base_url, fake).post_status(status())
    message = str(caught.value)
    assert expected in message
    assert message.startswith(f"GitLab 127.0.0.1:{server.base_url.rsplit(':', 1)[1]}: ")
    assert f"project group/sub/app commit {SHA}" in message
    assert "\n" not in message
    assert len(server.requests) == 1 and fake.waits == []


def test_redirect_is_not_followed():
    moved = Reply(301, b"", {"Location": "https://gitlab.example.com/api/v4/x"})
    with (
        FaultServer([moved]) as server,
        pytest.raises(ReportError, match=r"redirected to https://gitlab\.example\.com"),
    ):
        make_client(server.base_url, FakeClock(start=WALL_START)).post_status(status())
    assert len(server.requests) == 1


def test_token_never_appears_in_errors():
    echo = json_reply(401, {"message": f"401 bad token {TOKEN}"})
    with FaultServer([echo]) as server, pytest.raises(ReportError) as caught:
        make_client(server.base_url, FakeClock(start=WALL_START)).post_status(status())
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(make_client(server.base_url, FakeClock(start=WALL_START)))


def test_over_long_fields_are_cut_to_255_characters():
    long_text = "é" * 300
    long_url = "https://dash.example/#/" + "x" * 300
    with FaultServer() as server:
        make_client(server.base_url, FakeClock(start=WALL_START)).post_status(
            status(description=long_text, target_url=long_url, name="n" * 300)
        )
    body = server.requests[0].json
    assert len(body["description"]) == 255 and body["description"].endswith("é…")
    assert len(body["target_url"]) == 255 and body["target_url"].endswith("x...")
    assert len(body["name"]) == 255


def test_unicode_and_quotes_travel_as_json():
    text = "naïve \"quoted\" 'single' $(params.x) `id` \n new line ✓"
    with FaultServer() as server:
        make_client(server.base_url, FakeClock(start=WALL_START)).post_status(status(description=text))
    assert json.loads(server.requests[0].body)["description"] == text


def test_timeout_on_a_silent_server():
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        client = GitLabClient(f"http://127.0.0.1:{port}", TOKEN, timeout=0.5, retry_budget=0)
        with pytest.raises(ReportError, match="timed out"):
            client.post_status(status())


def test_opener_is_injectable():
    from finale.adapters.gitlab.client import build_opener

    class RecordingOpener:
        def __init__(self):
            self.seen = []
            self.real = build_opener()

        def open(self, request, data=None, timeout=None):
            self.seen.append((request.get_method(), request.full_url, timeout))
            return self.real.open(request, timeout=timeout)

    opener = RecordingOpener()
    with FaultServer() as server:
        GitLabClient(server.base_url, TOKEN, opener=opener, timeout=3).post_status(status())
    assert opener.seen == [("POST", f"{server.base_url}/api/v4/projects/group%2Fsub%2Fapp/statuses/{SHA}", 3)]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "the GitLab URL is empty"),
        ("ftp://gitlab.example.com", "is not an http(s) URL"),
        ("http://gitlab.example.com:http", "has an invalid port"),
        ("http://git lab.example.com", "is not an http(s) URL"),
        ("https://user:glpat-in-url@gitlab.example.com", "must not hold credentials"),
        ("https://gitlab.example.com/?private_token=glpat-in-url", "must not have a query"),
    ],
)
def test_bad_gitlab_urls_are_refused_without_echoing_secrets(url, words):
    with pytest.raises(ReportInputError, match=re.escape(words)) as caught:
        GitLabClient(url, TOKEN)
    assert "glpat-in-url" not in str(caught.value)


@pytest.mark.parametrize("token", ["", "two words", "line\nbreak", "tab\there"])
def test_bad_tokens_are_refused_without_echo(token):
    with pytest.raises(ReportInputError, match="token is empty or holds whitespace") as caught:
        GitLabClient("gitlab.example.com", token)
    assert token.strip() == "" or token not in str(caught.value)


@pytest.mark.parametrize(
    ("request_", "words"),
    [
        (StatusRequest(project=" / ", sha=SHA, state="success"), "the project is empty"),
        (StatusRequest(project="42", sha=" ", state="success"), "the commit SHA is empty"),
        (StatusRequest(project="42", sha=SHA, state="error"), "unknown GitLab state 'error'"),
    ],
)
def test_bad_requests_are_refused_before_any_http(request_, words):
    with FaultServer() as server, pytest.raises(ReportInputError, match=re.escape(words)):
        make_client(server.base_url, FakeClock(start=WALL_START)).post_status(request_)
    assert server.requests == []
