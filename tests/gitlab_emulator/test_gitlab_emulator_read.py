"""GitLab emulator: reading statuses and commits, faults, request log (behaviours 36-43)."""

from __future__ import annotations

import email.utils
import json

import pytest

from finale.gitlab_emulator import load_config, serve
from finale.gitlab_emulator.http_client import Answer, call
from finale.gitlab_emulator.sample import sample_config

DEV = "glpat-developer"


def post(gitlab, sha, token=DEV, **params) -> Answer:
    return call(gitlab.base_url, "POST", f"/api/v4/projects/42/statuses/{sha}", token=token, json=params)


def get(gitlab, path, token=DEV, **query) -> Answer:
    return call(gitlab.base_url, "GET", f"/api/v4/projects/42/repository/commits/{path}", token=token, query=query)


@pytest.fixture
def six(gitlab, repo):
    """Jobs on two pipelines of feature/x's tip; two of them retried. Returns their ids."""
    ids = [post(gitlab, repo.feature, state="success", ref="feature/x", name=n).json()["id"] for n in ("a", "b")]
    ids += [post(gitlab, repo.feature, state="running", ref="nightly", name=n).json()["id"] for n in ("a", "b")]
    ids += [post(gitlab, repo.feature, state="success", ref="feature/x", name=n).json()["id"] for n in ("a", "b")]
    return ids


def ids(answer: Answer) -> list[int]:
    assert answer.status == 200
    return [job["id"] for job in answer.json()]


def test_36_latest_only_by_default_all_adds_retried(gitlab, repo, six):
    assert ids(get(gitlab, f"{repo.feature}/statuses")) == six[2:]
    assert ids(get(gitlab, f"{repo.feature}/statuses", all="true")) == six
    assert ids(get(gitlab, f"{repo.feature}/statuses", all="1", sort="desc")) == six[::-1]


@pytest.mark.parametrize(
    ("query", "picked"),
    [
        ({"ref": "nightly"}, [2, 3]),
        ({"name": "a"}, [2, 4]),
        ({"stage": "external"}, [2, 3, 4, 5]),
        ({"stage": "test"}, []),
        ({"pipeline_id": 2}, [2, 3]),
        ({"ref": "", "name": ""}, [2, 3, 4, 5]),
    ],
)
def test_36_filters(gitlab, repo, six, query, picked):
    assert ids(get(gitlab, f"{repo.feature}/statuses", **query)) == [six[i] for i in picked]


def test_36_order_by_pipeline_id_keeps_id_order_inside_a_pipeline(gitlab, repo, six):
    desc = get(gitlab, f"{repo.feature}/statuses", all=1, order_by="pipeline_id", sort="desc")
    asc = get(gitlab, f"{repo.feature}/statuses", all=1, order_by="pipeline_id")
    assert ids(desc) == [six[2], six[3], six[0], six[1], six[4], six[5]]
    assert ids(asc) == [six[0], six[1], six[4], six[5], six[2], six[3]]


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ({"order_by": "name"}, "order_by does not have a valid value"),
        ({"sort": "up"}, "sort does not have a valid value"),
        ({"page": "x"}, "page is invalid"),
        ({"all": "maybe", "sort": "up"}, "all is invalid, sort does not have a valid value"),
    ],
)
def test_36_bad_list_parameters(gitlab, repo, query, text):
    answer = get(gitlab, f"{repo.feature}/statuses", **query)
    assert (answer.status, answer.json()) == (400, {"error": text})


def test_36_unknown_commit_and_commit_without_pipelines(gitlab, repo):
    missing = get(gitlab, f"{'f' * 40}/statuses")
    assert (missing.status, missing.json()) == (404, {"message": "404 Commit Not Found"})
    assert ids(get(gitlab, f"{repo.first}/statuses")) == []


def test_36_who_may_read(gitlab, repo):
    assert get(gitlab, f"{repo.main}/statuses", token="glpat-reporter").status == 200
    guest = get(gitlab, f"{repo.main}/statuses", token="glpat-guest")
    assert (guest.status, guest.json()) == (403, {"message": "403 Forbidden"})
    assert get(gitlab, f"{repo.main}/statuses", token=None).status == 401
    assert get(gitlab, f"{repo.main}/statuses", token="glpat-outsider").status == 404


def test_37_pagination_headers(gitlab, repo, six):
    answer = get(gitlab, f"{repo.feature}/statuses", all="true", per_page=4, page=2)
    assert ids(answer) == six[4:]
    h = answer.headers
    assert (h["x-page"], h["x-per-page"], h["x-total"], h["x-total-pages"]) == ("2", "4", "6", "2")
    assert (h["x-next-page"], h["x-prev-page"]) == ("", "1")
    rels = dict(reversed(part.split("; ")) for part in h["link"].split(", "))
    assert set(rels) == {'rel="prev"', 'rel="first"', 'rel="last"'}
    assert rels['rel="prev"'].startswith(f"<{gitlab.base_url}/api/v4/projects/42/")
    assert "all=true&page=1&per_page=4" in rels['rel="prev"']


def test_37_per_page_is_capped_at_100(gitlab, repo):
    answer = get(gitlab, f"{repo.feature}/statuses", per_page=500)
    assert (answer.headers["x-per-page"], answer.headers["x-total-pages"]) == ("100", "1")
    assert get(gitlab, f"{repo.feature}/statuses").headers["x-per-page"] == "20"


def test_38_commit_has_status_and_last_pipeline(gitlab, repo):
    post(gitlab, repo.feature, state="success", ref="feature/x", name="a")
    running = post(gitlab, repo.feature, state="running", ref="feature/x", name="b").json()
    body = get(gitlab, repo.feature).json()
    assert (body["id"], body["title"], body["status"]) == (repo.feature, "Feature x", "running")
    assert body["last_pipeline"]["id"] == running["pipeline_id"]
    assert body["last_pipeline"]["source"] == "external"
    post(gitlab, repo.feature, state="failed", ref="feature/x", name="b")
    assert get(gitlab, repo.feature).json()["status"] == "failed"
    by_name = get(gitlab, "feature%2Fx").json()
    assert by_name["id"] == repo.feature


def test_38_commit_without_pipeline_and_unknown_commit(gitlab, repo):
    body = get(gitlab, repo.first).json()
    assert (body["status"], body["last_pipeline"], body["parent_ids"]) == (None, None, [])
    assert get(gitlab, "nope").json() == {"message": "404 Commit Not Found"}


def test_39_throttle_answers_429_with_rate_limit_headers(gitlab, repo):
    gitlab.set_faults(throttle=2, retry_after=3)
    answers = [post(gitlab, repo.feature, state="running", ref="feature/x") for _ in range(3)]
    assert [a.status for a in answers] == [429, 429, 201]
    first = answers[0]
    assert (first.text, first.headers["content-type"]) == ("Retry later\n", "text/plain")
    assert first.headers["retry-after"] == "3"
    assert email.utils.parsedate_to_datetime(first.headers["ratelimit-resettime"])
    for name in ("name", "limit", "observed", "remaining", "reset"):
        assert f"ratelimit-{name}" in first.headers
    assert int(first.headers["ratelimit-reset"]) > 1_700_000_000  # Unix time, not a delta
    assert len(gitlab.pipelines()[0]["jobs"]) == 1


def test_39_application_limit_has_no_rate_limit_headers(gitlab, repo):
    gitlab.set_faults(app_throttle=1)
    answer = post(gitlab, repo.feature, state="running")
    assert (answer.status, answer.headers["content-type"]) == (429, "application/json")
    assert answer.json() == {"message": {"error": "This endpoint has been requested too many times. Try again later."}}
    assert answer.headers["retry-after"] == "1"
    assert not [h for h in answer.headers if h.startswith("ratelimit-")]


def test_40_lock_conflict_is_not_applied(gitlab, repo):
    gitlab.set_faults(lock=1)
    conflict = post(gitlab, repo.feature, state="running", ref="feature/x")
    # GitLab's service reports its own lease failure; lib/api/commit_statuses.rb answers it
    # with `conflict!(response.message)`, so the API-wide "Resource lock" text never shows here.
    assert (conflict.status, conflict.json()) == (
        409,
        {"message": "Another update to this commit status is in progress"},
    )
    assert gitlab.pipelines() == []
    assert post(gitlab, repo.feature, state="running", ref="feature/x").status == 201


def test_41_server_errors_alternate_500_json_and_502_html(gitlab, repo):
    gitlab.set_faults(server_error=2)
    first, second, third = (post(gitlab, repo.feature, state="running") for _ in range(3))
    assert (first.status, first.json()) == (500, {"message": "500 Internal Server Error"})
    assert (second.status, second.headers["content-type"]) == (502, "text/html")
    assert "<html>" in second.text
    assert third.status == 201
    assert len(gitlab.pipelines()) == 1


def test_42_idempotent_mode_repeats_answer_201(gitlab, repo):
    gitlab.set_faults(idempotent=True)
    first = post(gitlab, repo.feature, state="running", ref="feature/x").json()
    again = post(gitlab, repo.feature, state="running", ref="feature/x")
    assert (again.status, again.json()["id"]) == (201, first["id"])
    assert post(gitlab, repo.feature, state="pending", ref="feature/x").status == 400


def test_faults_via_admin_endpoint(gitlab, repo):
    answer = call(gitlab.base_url, "POST", "/-/emulator/faults", json={"lock": 1})
    assert (answer.status, answer.json()["lock"]) == (200, 1)
    assert post(gitlab, repo.feature, state="running").status == 409
    bad = call(gitlab.base_url, "POST", "/-/emulator/faults", json={"lock": -1})
    assert bad.status == 400
    assert "faults.lock" in bad.json()["message"]


def test_43_every_request_is_logged_with_secrets_masked(gitlab, repo):
    post(gitlab, repo.feature, state="running", ref="feature/x", description="hi")
    call(
        gitlab.base_url,
        "POST",
        f"/api/v4/projects/42/statuses/{repo.feature}",
        token=None,
        query={"state": "success", "private_token": DEV},
        headers={"Authorization": f"Bearer {DEV}"},
    )
    log = json.loads(call(gitlab.base_url, "GET", "/-/emulator/requests").body)
    assert log == gitlab.requests()
    first, second = log
    assert (first["method"], first["path"], first["status"]) == (
        "POST",
        f"/api/v4/projects/42/statuses/{repo.feature}",
        201,
    )
    assert first["json"] == {"state": "running", "ref": "feature/x", "description": "hi"}
    assert first["headers"]["private-token"] == "[MASKED]"
    assert second["query"] == {"state": "success", "private_token": "[MASKED]"}
    assert second["params"] == {"state": "success", "private_token": "[MASKED]"}
    assert second["headers"]["authorization"] == "[MASKED]"
    assert DEV not in json.dumps(log)
    assert call(gitlab.base_url, "DELETE", "/-/emulator/requests").status == 204
    assert gitlab.requests() == []


def test_admin_endpoints_seed_list_and_forget_pipelines(gitlab, repo):
    seeded = call(
        gitlab.base_url,
        "POST",
        "/-/emulator/pipelines",
        json={
            "project": "team/sub/app",
            "sha": "feature/x",
            "ref": "feature/x",
            "jobs": [{"name": "rspec", "status": "failed", "stage": "test"}],
        },
    )
    assert (seeded.status, seeded.json()["sha"], seeded.json()["status"]) == (201, repo.feature, "failed")
    listed = get(gitlab, f"{repo.feature}/statuses", stage="test").json()
    assert [(j["name"], j["status"], j["author"]) for j in listed] == [("rspec", "failed", None)]
    bad = call(gitlab.base_url, "POST", "/-/emulator/pipelines", json={"project": "nope", "sha": "x", "ref": "y"})
    assert (bad.status, bad.json()) == (400, {"message": "pipelines: no project 'nope'"})
    assert call(gitlab.base_url, "DELETE", "/-/emulator/state").status == 204
    assert call(gitlab.base_url, "GET", "/-/emulator/pipelines").json() == []


def test_pipelines_seeded_from_config(repo):
    config = sample_config(repo.path)
    config["pipelines"] = [{"project": 42, "sha": repo.main, "ref": "main", "status": "success"}]
    with serve(load_config(config)) as gitlab:
        assert get(gitlab, repo.main).json()["last_pipeline"]["status"] == "success"
        answer = post(gitlab, repo.main, token="glpat-maintainer", state="running")
        assert answer.json()["ref"] == "main"


def test_39_rate_limit_headers_on_every_answer_when_switched_on(gitlab, repo):
    assert "ratelimit-limit" not in get(gitlab, repo.main).headers
    gitlab.set_faults(rate_limit_headers=True)
    headers = get(gitlab, repo.main).headers
    assert (headers["ratelimit-name"], headers["ratelimit-limit"]) == ("throttle_authenticated_api", "2000")
