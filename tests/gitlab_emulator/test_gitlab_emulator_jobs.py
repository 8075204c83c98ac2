"""GitLab emulator: creating and updating statuses (spec section 8, behaviours 23-35)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from finale.gitlab_emulator import load_config, serve
from finale.gitlab_emulator.http_client import Answer, call
from finale.gitlab_emulator.sample import sample_config

DEV = "glpat-developer"
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
FIELDS = [
    "id",
    "sha",
    "ref",
    "status",
    "name",
    "target_url",
    "description",
    "created_at",
    "started_at",
    "finished_at",
    "allow_failure",
    "coverage",
    "pipeline_id",
    "author",
]


@pytest.fixture
def send(gitlab, repo):
    """POST to feature/x's tip with ref feature/x unless told otherwise."""

    def send(state=None, token=DEV, sha=None, **params) -> Answer:
        body = {"ref": "feature/x", **params}
        if state is not None:
            body["state"] = state
        return call(
            gitlab.base_url, "POST", f"/api/v4/projects/42/statuses/{sha or repo.feature}", token=token, json=body
        )

    return send


def all_jobs(gitlab, repo) -> list[dict]:
    return call(
        gitlab.base_url,
        "GET",
        f"/api/v4/projects/42/repository/commits/{repo.feature}/statuses",
        token=DEV,
        query={"all": "true"},
    ).json()


@pytest.mark.parametrize("state", ["pending", "running", "success", "failed", "canceled", "skipped"])
def test_23_first_post_creates_a_job_in_that_state(send, repo, state):
    answer = send(state)
    body = answer.json()
    assert answer.status == 201
    assert list(body) == FIELDS
    assert (body["sha"], body["status"], body["name"], body["ref"]) == (repo.feature, state, "default", "feature/x")
    assert body["allow_failure"] is False
    assert (body["coverage"], body["target_url"], body["description"]) == (None, None, None)
    assert TIME.fullmatch(body["created_at"])
    assert body["author"]["username"] == "developer"


@pytest.mark.parametrize(("params", "name"), [({"name": "n", "context": "c"}, "n"), ({"context": "c"}, "c")])
def test_24_name_wins_over_context(send, params, name):
    assert send("running", **params).json()["name"] == name


def test_25_pending_or_running_job_of_same_name_ref_user_is_updated(send):
    first = send("pending", name="ci").json()
    second = send("running", name="ci").json()
    other_name = send("running", name="lint").json()
    other_ref = send("running", name="ci", ref="elsewhere").json()
    assert second["id"] == first["id"]
    assert len({first["id"], other_name["id"], other_ref["id"]}) == 3


TRANSITIONS = [
    ("pending", "pending", 'via :enqueue from :pending (Reason(s): Status cannot transition via "enqueue")'),
    ("pending", "running", None),
    ("pending", "success", None),
    ("pending", "failed", None),
    ("pending", "canceled", None),
    ("pending", "skipped", None),
    ("running", "pending", 'via :enqueue from :running (Reason(s): Status cannot transition via "enqueue")'),
    ("running", "running", 'via :run from :running (Reason(s): Status cannot transition via "run")'),
    ("running", "success", None),
    ("running", "failed", None),
    ("running", "canceled", None),
    ("running", "skipped", 'via :skip from :running (Reason(s): Status cannot transition via "skip")'),
]


@pytest.mark.parametrize(("before", "after", "refusal"), TRANSITIONS, ids=[f"{b}-{a}" for b, a, _ in TRANSITIONS])
def test_26_transition_table(send, gitlab, repo, before, after, refusal):
    first = send(before, description="first").json()
    answer = send(after, description="second")
    if refusal is None:
        assert answer.status == 201
        assert (answer.json()["id"], answer.json()["status"]) == (first["id"], after)
        return
    expected = {"message": f"Cannot transition status {refusal}"}
    assert (answer.status, answer.json()) == (400, expected)
    [job] = all_jobs(gitlab, repo)
    assert (job["status"], job["description"]) == (before, "first")


@pytest.mark.parametrize("terminal", ["success", "failed", "canceled", "skipped"])
@pytest.mark.parametrize("then", ["running", "success", "pending"])
def test_27_post_after_terminal_state_creates_new_job(send, gitlab, repo, terminal, then):
    old = send(terminal, name="ci").json()
    new = send(then, name="ci")
    assert new.status == 201
    assert new.json()["id"] != old["id"]
    assert [(j["id"], j["status"]) for j in all_jobs(gitlab, repo)] == [(old["id"], terminal), (new.json()["id"], then)]
    [latest] = call(
        gitlab.base_url, "GET", f"/api/v4/projects/42/repository/commits/{repo.feature}/statuses", token=DEV
    ).json()
    assert latest["id"] == new.json()["id"]
    [job_old, _] = gitlab.pipelines()[0]["jobs"]
    assert job_old["retried"] is True


def test_28_other_user_same_name_gets_own_job_and_retires_the_running_one(send, gitlab, repo):
    mine = send("running", name="ci").json()
    theirs = send("running", name="ci", token="glpat-developer2").json()
    assert theirs["id"] != mine["id"]
    jobs = {j["id"]: j for j in gitlab.pipelines()[0]["jobs"]}
    assert (jobs[mine["id"]]["status"], jobs[mine["id"]]["retried"]) == ("running", True)
    assert jobs[theirs["id"]]["retried"] is False


def test_29_timestamps(send):
    pending = send("pending", name="a").json()
    running = send("running", name="a").json()
    done = send("success", name="a").json()
    direct = send("success", name="b").json()
    skipped = send("skipped", name="c").json()
    assert (pending["started_at"], pending["finished_at"]) == (None, None)
    assert TIME.fullmatch(running["started_at"]) and running["finished_at"] is None
    assert done["started_at"] == running["started_at"] and TIME.fullmatch(done["finished_at"])
    assert (direct["started_at"], skipped["finished_at"]) == (None, None)
    assert TIME.fullmatch(direct["finished_at"])


def test_30_blank_values_are_ignored_and_others_overwrite(send):
    send("running", description="first", target_url="http://ci/1", coverage=10.0)
    blank = send("running", name="default", description="", target_url="", coverage="")
    assert blank.status == 400  # running -> running is refused; nothing stored
    kept = send("success", description="", target_url="  ", coverage="").json()
    assert (kept["description"], kept["target_url"], kept["coverage"]) == ("first", "http://ci/1", 10.0)
    again = send("running", description="d1").json()
    updated = send("failed", description="d2", coverage=90).json()
    assert updated["id"] == again["id"]
    assert (updated["description"], updated["coverage"]) == ("d2", 90.0)


def test_31_too_long_fields(send, gitlab):
    long = "x" * 256
    answer = send("running", description=long, target_url="http://h/" + long, ref=long)
    too_long = ["is too long (maximum is 255 characters)"]
    # CommitStatus limits ref, target_url and description; GenericCommitStatus limits
    # target_url a second time, and Rails reports both validators.
    assert (answer.status, answer.json()) == (
        400,
        {"message": {"ref": too_long, "target_url": too_long * 2, "description": too_long}},
    )
    assert send("running", description="é" * 255).status == 201  # characters, not bytes


@pytest.mark.parametrize("url", ["git://example.com", "invalid url", "javascript:alert(1)"])
def test_32_target_url_scheme_must_be_http(send, url):
    answer = send("pending", target_url=url)
    assert answer.status == 400
    assert "is blocked: Only allowed schemes are http, https" in answer.json()["message"]["target_url"]


@pytest.mark.parametrize("url", ["http://localhost:9097/#/x", "https://10.0.0.7/run", "http://127.0.0.1/"])
def test_32_local_and_private_urls_are_allowed(send, url):
    assert send("pending", target_url=url).json()["target_url"] == url


def test_33_empty_name(send):
    answer = send("running", name="")
    assert (answer.status, answer.json()) == (400, {"message": {"name": ["can't be blank"]}})


def test_34_name_of_a_real_ci_job_in_the_pipeline(send, gitlab, repo):
    gitlab.add_pipeline(
        project="42", sha=repo.feature, ref="feature/x", jobs=[{"name": "test-job", "status": "success"}]
    )
    answer = send("pending", name="test-job")
    assert (answer.status, answer.json()) == (400, {"message": {"name": ["has already been taken"]}})
    assert send("pending", name="other").status == 201


def test_35_every_json_answer_is_labelled_json(send, gitlab, repo):
    answers = [
        send("running"),
        send("running"),
        send("bogus"),
        send("running", token=None),
        call(gitlab.base_url, "GET", "/api/v4/nothing/here"),
    ]
    assert [a.status for a in answers] == [201, 400, 400, 401, 404]
    assert {a.headers["content-type"] for a in answers} == {"application/json"}


def test_35_old_server_switch_drops_pipeline_id(send, gitlab):
    gitlab.set_faults(omit_pipeline_id=True)
    assert "pipeline_id" not in send("running").json()


def test_simultaneous_posts_make_one_pipeline_and_one_job(send, gitlab):
    # GitLab serialises posts per (project, SHA); without that they duplicated pipelines.
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: send("running", name="ci"), range(16)))
    assert sorted(a.status for a in answers) == [201] + [400] * 15
    [pipeline] = gitlab.pipelines()
    assert len(pipeline["jobs"]) == 1


def test_bare_token_value_in_config_means_scope_api(repo):
    config = sample_config(repo.path)
    config["users"].append({"username": "bot", "roles": {"team/sub/app": "developer"}, "tokens": ["glpat-bot"]})
    with serve(load_config(config)) as gitlab:
        answer = call(
            gitlab.base_url,
            "POST",
            f"/api/v4/projects/42/statuses/{repo.feature}",
            token="glpat-bot",
            json={"state": "running", "ref": "feature/x"},
        )
        assert answer.status == 201
