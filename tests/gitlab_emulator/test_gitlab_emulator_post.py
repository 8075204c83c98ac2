"""GitLab emulator, POST /projects/:id/statuses/:sha over real HTTP against a real git repo.

Numbers in test names refer to the behaviours of the commit-status spec, section 8.
"""

from __future__ import annotations

import pytest

from finale.gitlab_emulator import load_config, serve
from finale.gitlab_emulator.http_client import Answer, call
from finale.gitlab_emulator.sample import sample_config

DEV = "glpat-developer"


def post(gitlab, sha, token=DEV, project="42", **kwargs) -> Answer:
    return call(gitlab.base_url, "POST", f"/api/v4/projects/{project}/statuses/{sha}", token=token, **kwargs)


def statuses(gitlab, sha, token=DEV, **query) -> list[dict]:
    answer = call(
        gitlab.base_url, "GET", f"/api/v4/projects/42/repository/commits/{sha}/statuses", token=token, query=query
    )
    assert answer.status == 200
    return answer.json()


# Routing and identification


def test_1_numeric_id_and_encoded_path_reach_the_same_project(gitlab, repo):
    first = post(gitlab, repo.feature, json={"state": "running", "ref": "feature/x"})
    second = post(gitlab, repo.feature, project="team%2Fsub%2Fapp", json={"state": "success", "ref": "feature/x"})
    assert (first.status, second.status) == (201, 201)
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["pipeline_id"] == first.json()["pipeline_id"]


def test_2_raw_slash_in_project_matches_no_route(gitlab, repo):
    answer = post(gitlab, repo.main, project="team/sub/app", json={"state": "running"})
    assert (answer.status, answer.json()) == (404, {"error": "404 Not Found"})


@pytest.mark.parametrize("project", ["team%252Fsub%252Fapp", "999", "team%2Fsub%2Fnope"])
def test_3_double_encoded_or_unknown_project(gitlab, repo, project):
    answer = post(gitlab, repo.main, project=project, json={"state": "running"})
    assert (answer.status, answer.json()) == (404, {"message": "404 Project Not Found"})


@pytest.mark.parametrize("style", ["query", "form", "multipart", "json"])
def test_4_parameters_from_query_form_multipart_and_json(gitlab, repo, style):
    params = {"state": "running", "ref": "feature/x", "name": "ci", "description": "go", "unknown_param": "ignored"}
    answer = post(gitlab, repo.feature, **{style: params})
    assert answer.status == 201
    body = answer.json()
    assert (body["name"], body["description"], body["status"]) == ("ci", "go", "running")


# Authentication and authorization


def test_5_no_credentials(gitlab, repo):
    answer = post(gitlab, repo.main, token=None, json={"state": "running"})
    assert (answer.status, answer.json()) == (401, {"message": "401 Unauthorized"})


@pytest.mark.parametrize("headers", [{"PRIVATE-TOKEN": "glpat-nope"}, {"Authorization": "Bearer glpat-nope"}])
def test_6_unknown_token(gitlab, repo, headers):
    answer = post(gitlab, repo.main, token=None, headers=headers, json={"state": "running"})
    assert (answer.status, answer.json()) == (401, {"message": "401 Unauthorized"})


@pytest.mark.parametrize("how", ["header", "bearer", "query"])
def test_7_token_accepted_in_header_bearer_and_query(gitlab, repo, how):
    kwargs = {
        "header": {"token": DEV},
        "bearer": {"token": None, "headers": {"Authorization": f"Bearer {DEV}"}},
        "query": {"token": None, "query": {"private_token": DEV}},
    }[how]
    answer = post(gitlab, repo.feature, json={"state": "running", "ref": "feature/x"}, **kwargs)
    assert answer.status == 201
    assert answer.json()["author"]["username"] == "developer"


@pytest.mark.parametrize("kwargs", [{"headers": {"JOB-TOKEN": DEV}}, {"query": {"job_token": DEV}}])
def test_8_job_token_is_not_accepted(gitlab, repo, kwargs):
    answer = post(gitlab, repo.main, token=None, json={"state": "running"}, **kwargs)
    assert (answer.status, answer.json()) == (401, {"message": "401 Unauthorized"})


def test_9_expired_and_revoked_tokens(gitlab, repo):
    expired = post(gitlab, repo.main, token="glpat-developer-expired", json={"state": "running"})
    revoked = post(gitlab, repo.main, token="glpat-developer-revoked", json={"state": "running"})
    assert (expired.status, expired.json()) == (
        401,
        {
            "error": "invalid_token",
            "error_description": "Token is expired. You can either do re-authorization or token refresh.",
        },
    )
    assert (revoked.status, revoked.json()) == (
        401,
        {"error": "invalid_token", "error_description": "Token was revoked. You have to re-authorize from the user."},
    )


def test_10_read_api_token_may_read_but_not_post(gitlab, repo):
    answer = post(gitlab, repo.main, token="glpat-developer-read", json={"state": "running"})
    assert (answer.status, answer.json()) == (
        403,
        {
            "error": "insufficient_scope",
            "error_description": "The request requires higher privileges than provided by the access token.",
            "scope": "api",
        },
    )
    assert statuses(gitlab, repo.main, token="glpat-developer-read") == []


def test_10_repository_scope_cannot_even_read(gitlab, repo):
    answer = call(
        gitlab.base_url,
        "GET",
        f"/api/v4/projects/42/repository/commits/{repo.main}/statuses",
        token="glpat-developer-repo",
    )
    assert answer.status == 403
    assert answer.json()["scope"] == "api read_api"


def test_10_auth_is_checked_before_parameters(gitlab, repo):
    answer = post(gitlab, repo.main, token=None, json={"state": "bogus"})
    assert answer.status == 401


@pytest.mark.parametrize("token", ["glpat-reporter", "glpat-guest"])
def test_11_reporter_and_guest_are_forbidden(gitlab, repo, token):
    answer = post(gitlab, repo.feature, token=token, json={"state": "running"})
    assert (answer.status, answer.json()) == (403, {"message": "403 Forbidden"})


def test_11_non_member_of_private_project_sees_nothing(gitlab, repo):
    answer = post(gitlab, repo.feature, token="glpat-outsider", json={"state": "running"})
    assert (answer.status, answer.json()) == (404, {"message": "404 Project Not Found"})


def test_12_protected_branch_needs_maintainer(gitlab, repo):
    refused = post(gitlab, repo.main, json={"state": "running", "ref": "main"})
    assert (refused.status, refused.json()) == (403, {"message": "403 Forbidden"})
    [pipeline] = gitlab.pipelines()
    assert (pipeline["ref"], pipeline["jobs"], pipeline["status"]) == ("main", [], "created")
    accepted = post(gitlab, repo.main, token="glpat-maintainer", json={"state": "running", "ref": "main"})
    assert accepted.status == 201
    assert accepted.json()["pipeline_id"] == pipeline["id"]


# Parameter validation


def test_13_state_missing(gitlab, repo):
    answer = post(gitlab, repo.main, json={"name": "x"})
    assert answer.status == 400
    assert answer.json()["error"].startswith("state is missing")


@pytest.mark.parametrize("state", ["error", "failure", "Success", "created", ""])
def test_14_state_outside_the_list(gitlab, repo, state):
    answer = post(gitlab, repo.main, json={"state": state})
    assert (answer.status, answer.json()) == (400, {"error": "state does not have a valid value"})


@pytest.mark.parametrize(("field", "value"), [("coverage", "abc"), ("pipeline_id", "abc"), ("pipeline_id", "1.5")])
def test_15_non_numeric_coverage_or_pipeline_id(gitlab, repo, field, value):
    answer = post(gitlab, repo.main, form={"state": "running", field: value})
    assert (answer.status, answer.json()) == (400, {"error": f"{field} is invalid"})


def test_15_validation_comes_before_project_lookup(gitlab, repo):
    answer = post(gitlab, repo.main, project="999", json={"state": "nope"})
    assert answer.status == 400


def test_16_switch_rejects_skipped_like_an_older_server(gitlab, repo):
    assert post(gitlab, repo.feature, json={"state": "skipped"}).status == 201
    gitlab.set_faults(reject_skipped=True)
    answer = post(gitlab, repo.feature, json={"state": "skipped", "name": "other"})
    assert (answer.status, answer.json()) == (400, {"error": "state does not have a valid value"})


# Commit, ref and pipeline resolution


def test_17_unknown_sha(gitlab):
    answer = post(gitlab, "0" * 40, json={"state": "running"})
    assert (answer.status, answer.json()) == (404, {"message": "404 Commit Not Found"})
    assert post(gitlab, "invalid_sha", json={"state": "running"}).status == 404


@pytest.mark.parametrize("params", [{"state": "running"}, {"state": "running", "ref": ""}])
def test_18_commit_on_no_branch_without_ref(gitlab, repo, params):
    answer = post(gitlab, repo.orphan, json=params)
    assert answer.status == 404
    assert answer.json() == {"message": "404 References for commit Not Found"}
    assert gitlab.pipelines() == []


def test_18_empty_ref_is_refused_even_for_a_branch_commit(gitlab, repo):
    answer = post(gitlab, repo.feature, form={"state": "running", "ref": ""})
    assert answer.json() == {"message": "404 References for commit Not Found"}


def test_19_no_ref_takes_first_branch_in_ref_name_order(gitlab, repo):
    # main's tip is on main and feature/x; ref names sort feature/x first.
    answer = post(gitlab, repo.main, json={"state": "running"})
    assert (answer.status, answer.json()["ref"]) == (201, "feature/x")


def test_19_no_ref_uses_the_newest_pipeline_of_the_sha(gitlab, repo):
    tagged = post(gitlab, repo.orphan, json={"state": "running", "ref": "v-orphan"})
    newest = post(gitlab, repo.orphan, json={"state": "success", "ref": "nightly"})
    answer = post(gitlab, repo.orphan, json={"state": "success", "name": "later"})
    assert answer.status == 201
    assert answer.json()["ref"] == "nightly"
    assert answer.json()["pipeline_id"] == newest.json()["pipeline_id"]
    assert tagged.json()["pipeline_id"] != newest.json()["pipeline_id"]


def test_20_any_ref_is_accepted_and_gets_its_own_pipeline(gitlab, repo):
    a = post(gitlab, repo.orphan, json={"state": "running", "ref": "does-not-exist"})
    b = post(gitlab, repo.orphan, json={"state": "running", "ref": "feature/x"})
    assert (a.status, b.status) == (201, 201)
    assert a.json()["pipeline_id"] != b.json()["pipeline_id"]
    assert [p["ref"] for p in gitlab.pipelines()] == ["does-not-exist", "feature/x"]


def test_21_pipeline_id_selects_an_older_pipeline(gitlab, repo):
    older = gitlab.add_pipeline(project="42", sha=repo.feature, ref="feature/x")
    gitlab.add_pipeline(project="42", sha=repo.feature, ref="feature/x")
    answer = post(gitlab, repo.feature, json={"state": "success", "ref": "feature/x", "pipeline_id": older["id"]})
    assert (answer.status, answer.json()["pipeline_id"]) == (201, older["id"])
    by_id = {p["id"]: p["status"] for p in gitlab.pipelines()}
    assert by_id == {older["id"]: "success", older["id"] + 1: "created"}


@pytest.mark.parametrize("case", ["other-sha", "other-ref", "missing"])
def test_21_pipeline_id_not_matching(gitlab, repo, case):
    pipeline = gitlab.add_pipeline(project="42", sha=repo.feature, ref="feature/x")
    sha, ref, pid = repo.feature, "feature/x", pipeline["id"]
    if case == "other-sha":
        sha = repo.main
    elif case == "other-ref":
        ref = "FakeRef"
    else:
        pid = 9999
    answer = post(gitlab, sha, json={"state": "success", "ref": ref, "pipeline_id": pid})
    assert answer.status == 404
    assert answer.json() == {"message": "404 Pipeline for pipeline_id, sha and ref Not Found"}
    assert len(gitlab.pipelines()) == 1


def test_22_body_ref_and_pipeline_id_are_the_pipelines(gitlab, repo):
    pipeline = gitlab.add_pipeline(
        project="team/sub/app", sha=repo.main, ref="refs/merge-requests/1/head", source="merge_request_event"
    )
    answer = post(gitlab, repo.main, json={"state": "pending"})
    assert answer.json()["ref"] == "refs/merge-requests/1/head"
    assert answer.json()["pipeline_id"] == pipeline["id"]


@pytest.mark.parametrize(
    ("rule", "token", "status"),
    [
        ({"name": "main", "push": "developer"}, DEV, 201),
        ({"name": "main", "merge": "developer", "push": "no_one"}, DEV, 201),
        ({"name": "ma*"}, DEV, 403),
        ({"name": "main", "push": "no_one", "merge": "no_one"}, "glpat-maintainer", 403),
        ({"name": "main", "push": "no_one", "merge": "no_one"}, "glpat-owner", 403),
    ],
)
def test_12_protection_rules_from_config(repo, rule, token, status):
    config = sample_config(repo.path)
    config["projects"][0]["protected_branches"] = [rule]
    with serve(load_config(config)) as emulator:
        answer = post(emulator, repo.main, token=token, json={"state": "running", "ref": "main"})
        assert answer.status == status
