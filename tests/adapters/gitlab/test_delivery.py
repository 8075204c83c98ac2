"""One post per call: the client's own verdict, carried by its error, says try-later or give up."""

from __future__ import annotations

import pytest

from finale.adapters.gitlab.delivery import DeliveryError, GitLabDelivery
from finale.adapters.gitlab.wire import StatusRequest
from finale.testing.fault_http import FaultServer, Reply, json_reply

SHA = "1f0e5c0d5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"
TOKEN = "glpat-delivery-SECRET"
REQUEST = StatusRequest(project="group/app", sha=SHA, state="success")


@pytest.mark.parametrize(
    ("reply", "transient", "wait"),
    [
        pytest.param(json_reply(500, {"message": "500 Internal Server Error"}), True, None, id="500-later"),
        pytest.param(json_reply(409, {"message": "409 Conflict: Resource lock"}), True, None, id="409-later"),
        pytest.param(Reply(429, b"slow down", {"Retry-After": "7"}), True, 7.0, id="429-waits-as-asked"),
        pytest.param(Reply(503, b"busy", {"Retry-After": "3"}), True, 3.0, id="503-waits-as-asked"),
        pytest.param(Reply(reset=True), True, None, id="connection-lost-later"),
        pytest.param(json_reply(401, {"message": "401 Unauthorized"}), False, None, id="401-gives-up"),
        pytest.param(json_reply(404, {"message": "404 Project Not Found"}), False, None, id="404-gives-up"),
        pytest.param(json_reply(501, {"message": "Not Implemented"}), False, None, id="501-gives-up"),
    ],
)
def test_each_answer_is_classified_once_by_the_client(reply: Reply, transient: bool, wait: float | None) -> None:
    with FaultServer([reply]) as server:
        with pytest.raises(DeliveryError) as caught:
            GitLabDelivery(server.base_url, TOKEN).post(REQUEST)
        assert len(server.requests) == 1  # no retry here: the outbox keeps the schedule
    assert (caught.value.transient, caught.value.wait) == (transient, wait)
    assert TOKEN not in str(caught.value)


def test_a_bad_request_is_permanent_before_anything_is_sent() -> None:
    with FaultServer() as server:
        with pytest.raises(DeliveryError) as caught:
            GitLabDelivery(server.base_url, TOKEN).post(StatusRequest(project="", sha=SHA, state="success"))
        assert server.requests == []
    assert caught.value.transient is False


def test_a_post_that_lands_returns_gitlab_s_answer() -> None:
    with FaultServer(pipeline_id=5) as server:
        posted = GitLabDelivery(server.base_url, TOKEN).post(REQUEST)
    assert (posted.state, posted.pipeline_id, posted.attempts) == ("success", 5, 1)
