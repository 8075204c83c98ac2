"""GitLab's own specs for commit statuses, re-expressed over real HTTP against the emulator.

Each test cites the describe/context/it text of the upstream example it re-expresses:
  [req]     spec/requests/api/commit_statuses_spec.rb
  [svc]     spec/services/ci/create_commit_status_service_spec.rb
  [commits] spec/requests/api/commits_spec.rb, describe 'GET /projects/:id/repository/commits/:sha'
  [src]     no spec example; the behaviour is read from lib/api/commit_statuses.rb,
            app/services/ci/create_commit_status_service.rb or the models it uses.
Upstream's test project has an unprotected `master`; ours protects `main`, so examples that post
to `master` as a Developer use `develop` or `feature/x` here, and `main` only where protection is
the point. The commit under test is the tip of `main`, which `feature/x` also contains, so a
ref-less post lands on `feature/x` (the first branch by name).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from finale.gitlab_emulator import load_config, serve
from finale.gitlab_emulator.http_client import Answer, call
from finale.gitlab_emulator.sample import sample_config

DEV = "glpat-developer"
MAINTAINER = "glpat-maintainer"
REPORTER = "glpat-reporter"
GUEST = "glpat-guest"
RUN_FROM_RUNNING = 'Cannot transition status via :run from :running (Reason(s): Status cannot transition via "run")'


@pytest.fixture(scope="module")
def gitlab(repo):
    config = sample_config(repo.path)
    # A public twin of the project, for the commits API's anonymous examples.
    config["projects"].append(
        {"id": 43, "path": "team/public-app", "repository": str(repo.path), "visibility": "public"}
    )
    with serve(load_config(config)) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def fresh(gitlab):
    gitlab.reset()


def post(gitlab, sha: str, token: str | None = DEV, **params: Any) -> Answer:
    return call(gitlab.base_url, "POST", f"/api/v4/projects/42/statuses/{sha}", token=token, form=params or None)


def get_statuses(gitlab, sha: str, token: str | None = REPORTER, **query: Any) -> Answer:
    return call(
        gitlab.base_url, "GET", f"/api/v4/projects/42/repository/commits/{sha}/statuses", token=token, query=query
    )


def get_commit(gitlab, sha: str, token: str | None = DEV, project: str = "42", **query: Any) -> Answer:
    return call(
        gitlab.base_url, "GET", f"/api/v4/projects/{project}/repository/commits/{sha}", token=token, query=query
    )


def jobs(gitlab) -> list[dict[str, Any]]:
    return [job for pipeline in gitlab.pipelines() for job in pipeline["jobs"]]


def counts(gitlab) -> tuple[int, int]:
    """(pipelines, commit statuses), what upstream checks with Ci::Pipeline/CommitStatus.count."""
    return len(gitlab.pipelines()), len(jobs(gitlab))


def pipeline_status(gitlab, pipeline_id: int) -> str:
    return next(p["status"] for p in gitlab.pipelines() if p["id"] == pipeline_id)


# --- [req] describe "GET /projects/:id/repository/commits/:sha/statuses" ---------------------


@pytest.fixture
def statuses_on_two_pipelines(gitlab, repo) -> dict[str, int]:
    """[req] context 'ci commit exists' / 'reporter user': status1..status6 on `master` and
    `develop` pipelines of one commit (ours: `main` and `develop`)."""
    master = gitlab.add_pipeline(
        project="42",
        sha=repo.main,
        ref="main",
        jobs=[
            {"name": "default", "status": "running", "retried": True},
            {"name": "coverage", "status": "pending", "retried": True},
            {"name": "coverage", "status": "success"},
            {"name": "default", "status": "success", "stage": "deploy"},
        ],
    )
    develop = gitlab.add_pipeline(
        project="42",
        sha=repo.main,
        ref="develop",
        jobs=[
            {"name": "default", "status": "running", "allow_failure": True},
            {"name": "coverage", "status": "success"},
        ],
    )
    s1, s2, s4, s6 = (j["id"] for j in master["jobs"])
    s3, s5 = (j["id"] for j in develop["jobs"])
    return {
        "status1": s1,
        "status2": s2,
        "status3": s3,
        "status4": s4,
        "status5": s5,
        "status6": s6,
        "master": master["id"],
        "develop": develop["id"],
    }


def ids(answer: Answer) -> list[int]:
    assert answer.status == 200, answer.text
    return [status["id"] for status in answer.json()]


def test_get_latest_commit_statuses(gitlab, repo, statuses_on_two_pipelines):
    # [req] context 'latest commit statuses' / it 'returns latest commit statuses'
    s = statuses_on_two_pipelines
    answer = get_statuses(gitlab, repo.main)
    assert sorted(ids(answer)) == sorted([s["status3"], s["status4"], s["status5"], s["status6"]])
    for header in ("x-page", "x-per-page", "x-total", "x-total-pages", "link"):
        assert header in answer.headers  # include_pagination_headers
    by_id = sorted(answer.json(), key=lambda status: status["id"])
    assert [st["allow_failure"] for st in by_id if st["id"] == s["status3"]] == [True]
    assert sum(st["allow_failure"] for st in by_id) == 1


def test_get_all_commit_statuses(gitlab, repo, statuses_on_two_pipelines):
    # [req] context 'Get all commit statuses' / it_behaves_like 'get commit statuses' (all: 1)
    assert ids(get_statuses(gitlab, repo.main, all=1)) == sorted(
        v for k, v in statuses_on_two_pipelines.items() if k.startswith("status")
    )


def test_get_commit_statuses_filtered_by_stage(gitlab, repo, statuses_on_two_pipelines):
    # [req] context 'commit statuses filtered by stage' /
    # it 'returns all commit statuses with the specified stage'
    assert ids(get_statuses(gitlab, repo.main, stage="deploy")) == [statuses_on_two_pipelines["status6"]]


def test_get_latest_commit_statuses_for_specific_ref(gitlab, repo, statuses_on_two_pipelines):
    # [req] context 'latest commit statuses for specific ref' (ref: 'develop')
    s = statuses_on_two_pipelines
    assert ids(get_statuses(gitlab, repo.main, ref="develop")) == [s["status3"], s["status5"]]


def test_get_latest_commit_statuses_for_specific_name(gitlab, repo, statuses_on_two_pipelines):
    # [req] context 'latest commit statues for specific name' (name: 'coverage')
    s = statuses_on_two_pipelines
    assert ids(get_statuses(gitlab, repo.main, name="coverage")) == [s["status4"], s["status5"]]


def test_get_latest_commit_statuses_for_specific_pipeline(gitlab, repo, statuses_on_two_pipelines):
    # [req] context 'latest commit statuses for specific pipeline' (pipeline_id: develop.id)
    s = statuses_on_two_pipelines
    assert ids(get_statuses(gitlab, repo.main, pipeline_id=s["develop"])) == [s["status3"], s["status5"]]


def test_get_commit_statuses_sort_by_desc_id(gitlab, repo, statuses_on_two_pipelines):
    # [req] context 'return commit statuses sort by desc id' (all: 1, sort: 'desc')
    everything = [v for k, v in statuses_on_two_pipelines.items() if k.startswith("status")]
    assert ids(get_statuses(gitlab, repo.main, all=1, sort="desc")) == sorted(everything, reverse=True)


def test_get_commit_statuses_sort_by_desc_pipeline_id(gitlab, repo, statuses_on_two_pipelines):
    # [req] context 'return commit statuses sort by desc pipeline_id'
    # expected [status3, status5, status1, status2, status4, status6]
    s = statuses_on_two_pipelines
    answer = get_statuses(gitlab, repo.main, all=1, order_by="pipeline_id", sort="desc")
    assert ids(answer) == [s[f"status{n}"] for n in (3, 5, 1, 2, 4, 6)]


def test_get_commit_statuses_sort_by_asc_pipeline_id(gitlab, repo, statuses_on_two_pipelines):
    # [req] context 'return commit statuses sort by asc pipeline_id'
    # expected [status1, status2, status4, status6, status3, status5]
    s = statuses_on_two_pipelines
    answer = get_statuses(gitlab, repo.main, all=1, order_by="pipeline_id")
    assert ids(answer) == [s[f"status{n}"] for n in (1, 2, 4, 6, 3, 5)]


def test_get_commit_statuses_order_by_an_unmanaged_field(gitlab, repo, statuses_on_two_pipelines):
    # [req] context 'Bad filter commit statuses' / it 'return commit statuses order by an
    # unmanaged field' (Grape `values:` on order_by)
    answer = get_statuses(gitlab, repo.main, all=1, order_by="name")
    assert (answer.status, answer.json()) == (400, {"error": "order_by does not have a valid value"})


def test_get_commit_statuses_bad_sort_direction(gitlab, repo):
    # [src] lib/api/commit_statuses.rb: `optional :sort, values: %w[asc desc]`
    answer = get_statuses(gitlab, repo.main, sort="up")
    assert (answer.status, answer.json()) == (400, {"error": "sort does not have a valid value"})


def test_get_commit_statuses_per_page_zero(gitlab, repo):
    # [src] lib/api/helpers/pagination_params... `per_page ... except_values: [0]`
    answer = get_statuses(gitlab, repo.main, per_page=0)
    assert (answer.status, answer.json()) == (400, {"error": "per_page has a value not allowed"})


def test_get_commit_statuses_when_ci_commit_does_not_exist(gitlab, repo):
    # [req] context 'ci commit does not exist' / it 'returns empty array'
    answer = get_statuses(gitlab, repo.main)
    assert (answer.status, answer.json()) == (200, [])


def test_get_commit_statuses_unknown_commit(gitlab):
    # [src] `not_found!('Commit') unless user_project.commit(params[:sha])`
    answer = get_statuses(gitlab, "invalid_sha")
    assert (answer.status, answer.json()) == (404, {"message": "404 Commit Not Found"})


def test_get_commit_statuses_guest_user(gitlab, repo):
    # [req] context "guest user" / it "does not return project commits"
    answer = get_statuses(gitlab, repo.main, token=GUEST)
    assert (answer.status, answer.json()) == (403, {"message": "403 Forbidden"})


def test_get_commit_statuses_unauthorized_user(gitlab, repo):
    # [req] context "unauthorized user" / it "does not return project commits"
    answer = get_statuses(gitlab, repo.main, token=None)
    assert (answer.status, answer.json()) == (401, {"message": "401 Unauthorized"})


def test_get_commit_statuses_of_a_private_project_for_a_non_member(gitlab, repo):
    # [src] `authorize!(:read_commit_status, user_project)`: user_project hides private projects
    answer = get_statuses(gitlab, repo.main, token="glpat-outsider")
    assert (answer.status, answer.json()) == (404, {"message": "404 Project Not Found"})


# --- [req]/[svc] describe 'POST /projects/:id/statuses/:sha' ---------------------------------


@pytest.mark.parametrize("state", ["pending", "running", "success", "failed", "canceled", "skipped"])
def test_post_uses_only_required_parameters(gitlab, repo, state):
    # [req] context 'developer user' / 'uses only required parameters' / "for #{status}" /
    # 'when pipeline for sha does not exists' / it 'creates commit status and sets pipeline iid'
    answer = post(gitlab, repo.main, state=state)
    assert answer.status == 201, answer.text
    body = answer.json()
    assert (body["sha"], body["status"], body["name"]) == (repo.main, state, "default")
    assert body["ref"] == "feature/x"
    assert (body["target_url"], body["description"]) == (None, None)
    assert body["pipeline_id"] is not None
    (pipeline,) = gitlab.pipelines()
    assert pipeline["iid"] is not None
    assert pipeline["id"] == body["pipeline_id"]


@pytest.fixture
def existing_pipeline(gitlab, repo) -> dict[str, Any]:
    """[req] let!(:pipeline) { create(:ci_pipeline, project: project, sha: sha, ref: 'ref') }"""
    return gitlab.add_pipeline(project="42", sha=repo.main, ref="ref")


def test_post_creates_a_commit_status_for_the_existing_pipeline(gitlab, repo, existing_pipeline):
    # [req] 'when pipeline already exists for the specified sha' / 'when an external stage does
    # not exist' / 'when the commit status does not exist' / it_behaves_like 'creates a commit
    # status for the existing pipeline with an external stage'
    answer = post(gitlab, repo.main, state="pending")
    assert answer.status == 201
    assert counts(gitlab) == (1, 1)
    (job,) = jobs(gitlab)
    assert (job["pipeline_id"], job["stage"], job["status"], job["ref"]) == (
        existing_pipeline["id"],
        "external",
        "pending",
        "ref",
    )


def test_post_updates_the_commit_status_with_an_external_stage(gitlab, repo, existing_pipeline):
    # [req] 'when pipeline already exists for the specified sha' / 'when the commit status
    # exists' / it 'updates the commit status with the external stage'
    first = post(gitlab, repo.main, state="pending")
    second = post(gitlab, repo.main, state="running")
    assert (first.status, second.status) == (201, 201)
    assert second.json()["id"] == first.json()["id"]
    (job,) = jobs(gitlab)
    assert (job["pipeline_id"], job["stage"], job["status"]) == (existing_pipeline["id"], "external", "running")


def test_post_with_pipeline_for_merge_request(gitlab, repo):
    # [req] 'when pipeline already exists for the specified sha' / 'with pipeline for merge
    # request' / it_behaves_like 'creates a commit status for the existing pipeline ...'
    mr = gitlab.add_pipeline(
        project="42", sha=repo.feature, ref="refs/merge-requests/1/head", source="merge_request_event"
    )
    answer = post(gitlab, repo.feature, state="pending")
    assert answer.status == 201
    assert (answer.json()["pipeline_id"], answer.json()["ref"]) == (mr["id"], "refs/merge-requests/1/head")
    assert counts(gitlab) == (1, 1)


def test_post_when_the_pipeline_does_not_exist(gitlab, repo):
    # [req] 'when the pipeline does not exist' / it 'creates a commit status and a stage'
    answer = post(gitlab, repo.main, state="pending")
    assert answer.status == 201
    assert counts(gitlab) == (1, 1)
    (job,) = jobs(gitlab)
    assert (job["stage"], job["status"]) == ("external", "pending")
    assert gitlab.pipelines()[0]["source"] == "external"


@pytest.mark.parametrize("state", ["running", "success", "failed", "canceled", "skipped"])
def test_post_when_status_transitions_from_pending(gitlab, repo, state):
    # [req] 'when status transitions from pending' / it "to #{status}";
    # [svc] 'when status transitions from pending' / "for #{status}" / it "changes to #{status}"
    first = post(gitlab, repo.main, state="pending")
    answer = post(gitlab, repo.main, state=state)
    assert (answer.status, answer.json()["status"]) == (201, state)
    assert answer.json()["id"] == first.json()["id"]
    assert counts(gitlab) == (1, 1)


def test_post_invalid_transition_from_pending(gitlab, repo):
    # [svc] 'when status transitions from pending' / 'for invalid transition' /
    # it 'returns bad request and error message'
    post(gitlab, repo.main, state="pending")
    answer = post(gitlab, repo.main, state="pending")
    assert (answer.status, answer.json()) == (
        400,
        {
            "message": (
                "Cannot transition status via :enqueue from :pending "
                '(Reason(s): Status cannot transition via "enqueue")'
            )
        },
    )
    assert counts(gitlab) == (1, 1)


def test_post_with_all_optional_parameters_creates_commit_status(gitlab, repo):
    # [req]/[svc] 'with all optional parameters' / 'when creating a commit status' /
    # it 'creates commit status'
    answer = post(
        gitlab,
        repo.main,
        state="success",
        context="coverage",
        ref="develop",
        description="test",
        coverage=80.0,
        target_url="http://gitlab.com/status",
    )
    assert answer.status == 201
    body = answer.json()
    assert (body["sha"], body["status"], body["name"], body["ref"]) == (repo.main, "success", "coverage", "develop")
    assert (body["coverage"], body["description"], body["target_url"]) == (80.0, "test", "http://gitlab.com/status")
    assert counts(gitlab) == (1, 1)


def _initial_coverage_status(gitlab, repo) -> Answer:
    """[req]/[svc] 'when updating a commit status' / before: creating the initial status."""
    answer = post(
        gitlab,
        repo.main,
        state="running",
        context="coverage",
        ref="develop",
        description="coverage test",
        coverage=10.0,
        target_url="http://gitlab.com/status",
    )
    assert answer.status == 201
    return answer


def test_post_updates_a_commit_status(gitlab, repo):
    # [req]/[svc] 'when updating a commit status' / it 'updates a commit status' and
    # it 'does not create a new commit status'
    first = _initial_coverage_status(gitlab, repo)
    answer = post(
        gitlab, repo.main, state="success", name="coverage", ref="develop", description="new description", coverage=90.0
    )
    assert answer.status == 201
    body = answer.json()
    assert (body["id"], body["sha"], body["status"], body["name"], body["ref"]) == (
        first.json()["id"],
        repo.main,
        "success",
        "coverage",
        "develop",
    )
    assert (body["coverage"], body["description"], body["target_url"]) == (
        90.0,
        "new description",
        "http://gitlab.com/status",
    )
    assert counts(gitlab) == (1, 1)


def test_post_when_the_state_parameter_is_sent_the_same(gitlab, repo):
    # [req]/[svc] 'when updating a commit status' / 'when the `state` parameter is sent the
    # same' / it 'does not update the commit status'
    _initial_coverage_status(gitlab, repo)
    answer = post(
        gitlab, repo.main, state="running", name="coverage", ref="develop", description="new description", coverage=90.0
    )
    assert (answer.status, answer.json()) == (400, {"message": RUN_FROM_RUNNING})
    (job,) = jobs(gitlab)
    assert (job["description"], job["coverage"]) == ("coverage test", 10.0)


@pytest.fixture
def two_pipelines(gitlab, repo) -> tuple[int, int]:
    """[req]/[svc] 'when a pipeline id is specified': first_pipeline and other_pipeline, both
    `created`, same commit and ref (ours: `feature/x`, which a Developer may update)."""
    first = gitlab.add_pipeline(project="42", sha=repo.main, ref="feature/x", status="created")
    other = gitlab.add_pipeline(project="42", sha=repo.main, ref="feature/x", status="created")
    return first["id"], other["id"]


def test_post_with_pipeline_id_updates_the_correct_pipeline(gitlab, repo, two_pipelines):
    # [req]/[svc] 'when a pipeline id is specified' / it 'update the correct pipeline'
    first, other = two_pipelines
    answer = post(gitlab, repo.main, pipeline_id=other, state="success", ref="feature/x")
    assert (answer.status, answer.json()["pipeline_id"]) == (201, other)
    assert counts(gitlab) == (2, 1)
    assert (pipeline_status(gitlab, first), pipeline_status(gitlab, other)) == ("created", "success")


def test_post_with_pipeline_id_creates_a_status_on_an_old_pipeline(gitlab, repo, two_pipelines):
    # [svc] 'when a pipeline id is specified' / it 'create a status on an old pipeline'
    first, other = two_pipelines
    for _ in range(3):
        gitlab.add_pipeline(project="42", sha=repo.main, ref="feature/x", status="created")
    answer = post(gitlab, repo.main, pipeline_id=other, state="success", ref="feature/x")
    assert (answer.status, answer.json()["pipeline_id"]) == (201, other)
    assert counts(gitlab) == (5, 1)
    assert (pipeline_status(gitlab, first), pipeline_status(gitlab, other)) == ("created", "success")


def test_post_when_pipeline_id_and_sha_do_not_match(gitlab, repo, two_pipelines):
    # [svc] 'when a pipeline id is specified' / 'when pipeline_id and sha do not match' /
    # it 'returns a service error'
    _, other = two_pipelines
    answer = post(gitlab, repo.feature, pipeline_id=other, state="success", ref="feature/x")
    assert (answer.status, answer.json()) == (404, {"message": "404 Pipeline for pipeline_id, sha and ref Not Found"})
    assert counts(gitlab) == (2, 0)


def test_post_when_a_missing_pipeline_id_is_provided(gitlab, repo, two_pipelines):
    # [svc] 'when pipeline_id and sha do not match' / 'when an missing pipeline_id is provided'
    # Over HTTP a non-numeric id never reaches the service (Grape `type: Integer`), so both
    # the unknown number and the 'FakeID' string are checked.
    unknown = post(gitlab, repo.main, pipeline_id=9999, state="success", ref="feature/x")
    assert (unknown.status, unknown.json()) == (404, {"message": "404 Pipeline for pipeline_id, sha and ref Not Found"})
    fake = post(gitlab, repo.main, pipeline_id="FakeID", state="success", ref="feature/x")
    assert (fake.status, fake.json()) == (400, {"error": "pipeline_id is invalid"})
    assert counts(gitlab) == (2, 0)


def test_post_when_sha_and_pipeline_id_match_but_ref_does_not(gitlab, repo, two_pipelines):
    # [svc] 'when a pipeline id is specified' / 'when sha and pipeline_id match but ref does not'
    _, other = two_pipelines
    answer = post(gitlab, repo.main, pipeline_id=other, state="success", ref="FakeRef")
    assert (answer.status, answer.json()) == (404, {"message": "404 Pipeline for pipeline_id, sha and ref Not Found"})
    assert counts(gitlab) == (2, 0)


def test_post_when_retrying_a_commit_status(gitlab, repo):
    # [req]/[svc] 'when retrying a commit status' / it 'correctly posts a new commit status'
    # and it 'retries the commit status'
    failed = post(gitlab, repo.main, state="failed", name="test", ref="develop")
    answer = post(gitlab, repo.main, state="success", name="test", ref="develop")
    assert (answer.status, answer.json()["sha"], answer.json()["status"]) == (201, repo.main, "success")
    assert answer.json()["id"] != failed.json()["id"]
    (pipeline,) = gitlab.pipelines()
    assert [(j["id"], j["retried"]) for j in pipeline["jobs"]] == [
        (failed.json()["id"], True),
        (answer.json()["id"], False),
    ]
    assert pipeline["status"] == "success"


def test_post_when_status_is_invalid(gitlab, repo):
    # [req] 'when status is invalid' / it 'does not create commit status' (message is nil:
    # Grape answers with `error`)
    answer = post(gitlab, repo.main, state="invalid")
    assert (answer.status, answer.json()) == (400, {"error": "state does not have a valid value"})
    assert counts(gitlab) == (0, 0)


def test_post_when_request_without_a_state_made(gitlab, repo):
    # [req] 'when request without a state made' / it 'does not create commit status'
    answer = post(gitlab, repo.main)
    assert (answer.status, answer.json()) == (400, {"error": "state is missing, state does not have a valid value"})
    assert counts(gitlab) == (0, 0)


def test_post_when_updating_a_protected_ref_as_developer(gitlab, repo):
    # [req]/[svc] 'when updating a protected ref' / 'with user as developer' /
    # it 'does not create commit status' (the pipeline is created, the status is not)
    answer = post(gitlab, repo.main, state="running", ref="main")
    assert (answer.status, answer.json()) == (403, {"message": "403 Forbidden"})
    assert counts(gitlab) == (1, 0)


def test_post_when_updating_a_protected_ref_as_maintainer(gitlab, repo):
    # [req]/[svc] 'when updating a protected ref' / 'with user as maintainer' /
    # it 'creates commit status'
    answer = post(gitlab, repo.main, token=MAINTAINER, state="running", ref="main")
    assert answer.status == 201
    assert counts(gitlab) == (1, 1)


def test_post_when_commit_sha_is_invalid(gitlab):
    # [req]/[svc] 'when commit SHA is invalid' / it 'returns not found error'
    answer = post(gitlab, "invalid_sha", state="running")
    assert (answer.status, answer.json()) == (404, {"message": "404 Commit Not Found"})
    assert counts(gitlab) == (0, 0)


@pytest.mark.parametrize("target_url", ["invalid url", "git://example.com"])
def test_post_when_target_url_is_invalid_or_unsupported(gitlab, repo, target_url):
    # [req]/[svc] 'when target URL is an invalid address' and 'when target URL is an
    # unsupported scheme' / it 'responds with bad request status and validation errors'
    answer = post(gitlab, repo.main, state="pending", target_url=target_url)
    assert (answer.status, answer.json()) == (
        400,
        {"message": {"target_url": ["is blocked: Only allowed schemes are http, https"]}},
    )
    assert counts(gitlab) == (1, 0)


def test_post_when_trying_to_update_a_status_of_a_different_type(gitlab, repo):
    # [req]/[svc] 'when trying to update a status of a different type' /
    # it 'responds with bad request status and validation errors'
    gitlab.add_pipeline(project="42", sha=repo.main, ref="ref", jobs=[{"name": "test-job"}])
    answer = post(gitlab, repo.main, state="pending", name="test-job")
    assert (answer.status, answer.json()) == (400, {"message": {"name": ["has already been taken"]}})
    assert counts(gitlab) == (1, 1)


def test_post_with_partitions_creates_one_pipeline_and_one_status(gitlab, repo):
    # [req]/[svc] 'with partitions' / it 'creates records in the current partition'
    answer = post(gitlab, repo.main, state="running")
    assert answer.status == 201
    assert counts(gitlab) == (1, 1)
    assert jobs(gitlab)[0]["pipeline_id"] == answer.json()["pipeline_id"]


def test_post_for_race_condition(gitlab, repo):
    # [svc] 'for race condition' / it 'creates one pipeline and two jobs (one for licenses,
    # one for security)'
    answers: list[Answer] = []

    def send(name: str) -> None:
        answers.append(post(gitlab, repo.main, state="running", name=name, description="testing"))

    threads = [threading.Thread(target=send, args=(name,)) for name in ("licenses", "security")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status for a in answers) == [201, 201]
    assert counts(gitlab) == (1, 2)


def test_post_reporter_user(gitlab, repo):
    # [req] context 'reporter user' / it 'does not create commit status'
    answer = post(gitlab, repo.main, token=REPORTER, state="running")
    assert (answer.status, answer.json()) == (403, {"message": "403 Forbidden"})


def test_post_guest_user(gitlab, repo):
    # [req] context 'guest user' / it 'does not create commit status'
    answer = post(gitlab, repo.main, token=GUEST, state="running")
    assert (answer.status, answer.json()) == (403, {"message": "403 Forbidden"})


def test_post_unauthorized_user(gitlab, repo):
    # [req] context 'unauthorized user' / it 'does not create commit status'
    answer = post(gitlab, repo.main, token=None)
    assert (answer.status, answer.json()) == (401, {"message": "401 Unauthorized"})
    assert counts(gitlab) == (0, 0)


# --- [req]/[svc]/[src] more of the POST endpoint -------------------------------------------


def test_post_name_wins_over_context(gitlab, repo):
    # [src] service `def name; params[:name] || params[:context] || 'default'`
    answer = post(gitlab, repo.main, state="running", name="lint", context="ignored")
    assert (answer.status, answer.json()["name"]) == (201, "lint")


def test_post_blank_name_fails_validation_after_the_pipeline_exists(gitlab, repo):
    # [src] `validates :name, presence: true`; an empty string is a given name
    answer = post(gitlab, repo.main, state="running", name="")
    assert (answer.status, answer.json()) == (400, {"message": {"name": ["can't be blank"]}})
    assert counts(gitlab) == (1, 0)


def test_post_without_ref_on_a_tag_only_commit(gitlab, repo):
    # [src] validate: `return not_found('References for commit') if ref.blank?` where ref is
    # params[:ref] || newest pipeline's ref || repository.branch_names_contains(sha).first
    answer = post(gitlab, repo.orphan, state="running")
    assert (answer.status, answer.json()) == (404, {"message": "404 References for commit Not Found"})
    assert counts(gitlab) == (0, 0)


def test_post_with_a_tag_ref_on_a_tag_only_commit(gitlab, repo):
    # [src] a given ref is used as is; the pipeline is created for it
    answer = post(gitlab, repo.orphan, state="running", ref="v-orphan")
    assert (answer.status, answer.json()["ref"]) == (201, "v-orphan")


def test_post_with_an_empty_ref(gitlab, repo):
    # [src] `params[:ref]` is "" (present but blank), so `ref.blank?` holds
    answer = post(gitlab, repo.main, state="running", ref="")
    assert (answer.status, answer.json()) == (404, {"message": "404 References for commit Not Found"})


def test_post_without_ref_uses_the_newest_pipeline_of_the_commit(gitlab, repo):
    # [src] ref falls back to `first_matching_pipeline&.ref` before any branch
    gitlab.add_pipeline(project="42", sha=repo.main, ref="release")
    newest = gitlab.add_pipeline(project="42", sha=repo.main, ref="v1.0")
    answer = post(gitlab, repo.main, state="success")
    assert (answer.status, answer.json()["ref"], answer.json()["pipeline_id"]) == (201, "v1.0", newest["id"])


def test_post_with_a_ref_that_has_no_pipeline_yet(gitlab, repo, existing_pipeline):
    # [src] `pipelines.for_ref(params[:ref])` finds nothing, so a pipeline is created for the
    # given ref even though the commit already has one on another ref
    answer = post(gitlab, repo.main, state="running", ref="feature/x")
    assert answer.status == 201
    assert answer.json()["pipeline_id"] != existing_pipeline["id"]
    assert counts(gitlab) == (2, 1)


def test_post_without_ref_uses_the_first_branch_by_name(gitlab, repo):
    # [src] `repository.branch_names_contains(sha).first`: main and feature/x both hold the
    # first commit; Gitaly lists them by name, so feature/x (unprotected) is chosen.
    answer = post(gitlab, repo.first, state="running")
    assert (answer.status, answer.json()["ref"]) == (201, "feature/x")


@pytest.mark.parametrize(("field", "ref"), [("description", "develop"), ("ref", "x" * 256)])
def test_post_too_long_values(gitlab, repo, field, ref):
    # [src] CommitStatus `validates :ref, :target_url, :description, length: { maximum: 255 }`
    params = {"state": "running", "ref": ref}
    if field == "description":
        params["description"] = "d" * 256
    answer = post(gitlab, repo.main, **params)
    assert (answer.status, answer.json()) == (400, {"message": {field: ["is too long (maximum is 255 characters)"]}})


def test_post_too_long_target_url_is_reported_by_both_models(gitlab, repo):
    # [src] CommitStatus limits target_url to 255, GenericCommitStatus declares the same limit
    # again after its URL check; Rails runs and reports both validators.
    answer = post(gitlab, repo.main, state="running", target_url="http://h/" + "u" * 250)
    assert (answer.status, answer.json()) == (
        400,
        {
            "message": {
                "target_url": ["is too long (maximum is 255 characters)", "is too long (maximum is 255 characters)"]
            }
        },
    )


def test_post_target_url_is_stripped(gitlab, repo):
    # [src] AddressableUrlValidator `strip_value!` stores the stripped URL before checking it
    answer = post(gitlab, repo.main, state="running", target_url="  http://ci.local/run/1 \n")
    assert (answer.status, answer.json()["target_url"]) == (201, "http://ci.local/run/1")


@pytest.mark.parametrize(
    ("target_url", "problem"),
    [
        ("HTTPS://ci.example.com", "Only allowed schemes are http, https"),
        ("http://_ci.example.com/", "Hostname or IP address invalid"),
        ("http://ci.example.com:8o/", "URI is invalid"),
        ("http://", "URI is invalid"),
    ],
)
def test_post_target_url_blocked(gitlab, repo, target_url, problem):
    # [src] Gitlab::HTTP_V2::UrlBlocker validate_scheme / validate_hostname / parse_url
    answer = post(gitlab, repo.main, state="pending", target_url=target_url)
    assert (answer.status, answer.json()) == (400, {"message": {"target_url": [f"is blocked: {problem}"]}})


@pytest.mark.parametrize(("param", "value"), [("coverage", "abc"), ("pipeline_id", "1.5")])
def test_post_params_of_the_wrong_type(gitlab, repo, param, value):
    # [src] Grape `optional :coverage, type: Float` / `optional :pipeline_id, type: Integer`
    answer = post(gitlab, repo.main, state="running", **{param: value})
    assert (answer.status, answer.json()) == (400, {"error": f"{param} is invalid"})


def test_post_blank_optional_values_keep_the_earlier_ones(gitlab, repo):
    # [src] `attributes_for_keys(%w[target_url description coverage])` drops blank values
    post(gitlab, repo.main, state="running", description="first", coverage=5, target_url="http://ci/1")
    answer = post(gitlab, repo.main, state="success", description="", target_url=" ", coverage="")
    body = answer.json()
    assert (answer.status, body["description"], body["target_url"], body["coverage"]) == (
        201,
        "first",
        "http://ci/1",
        5.0,
    )


def test_post_statuses_of_different_users_do_not_update_each_other(gitlab, repo):
    # [src] external_commit_status_scope `.for_user(current_user)`
    mine = post(gitlab, repo.main, state="running", ref="develop")
    theirs = post(gitlab, repo.main, token="glpat-developer2", state="success", ref="develop")
    assert theirs.status == 201
    assert theirs.json()["id"] != mine.json()["id"]
    assert {j["id"]: j["retried"] for j in jobs(gitlab)} == {mine.json()["id"]: True, theirs.json()["id"]: False}


def test_post_update_marks_other_latest_statuses_of_that_name_retried(gitlab, repo):
    # [src] Ci::Pipelines::AddJobService#execute! runs `job.update_older_statuses_retried!`
    # for every post; the matching scope has no `latest`, so a retried running status of the
    # same user is still the one updated.
    mine = post(gitlab, repo.main, state="running", ref="develop").json()
    theirs = post(gitlab, repo.main, token="glpat-developer2", state="running", ref="develop").json()
    again = post(gitlab, repo.main, state="success", ref="develop").json()
    assert again["id"] == mine["id"]
    assert {j["id"]: j["retried"] for j in jobs(gitlab)} == {mine["id"]: True, theirs["id"]: True}


def test_post_running_to_skipped_is_refused(gitlab, repo):
    # [src] CommitStatus `event :skip` has no transition from running
    post(gitlab, repo.main, state="running")
    answer = post(gitlab, repo.main, state="skipped")
    assert (answer.status, answer.json()) == (
        400,
        {
            "message": (
                'Cannot transition status via :skip from :running (Reason(s): Status cannot transition via "skip")'
            )
        },
    )


def test_post_after_a_terminal_state_creates_a_new_status(gitlab, repo):
    # [src] only running_or_pending statuses are found again; anything else builds a new one
    first = post(gitlab, repo.main, state="success")
    second = post(gitlab, repo.main, state="success")
    assert (first.status, second.status) == (201, 201)
    assert second.json()["id"] != first.json()["id"]
    assert second.json()["pipeline_id"] == first.json()["pipeline_id"]


def test_post_read_api_token(gitlab, repo):
    # [src] lib/api/api.rb: read_api only for GET/HEAD; api_guard InsufficientScopeError
    answer = post(gitlab, repo.main, token="glpat-developer-read", state="running")
    assert (answer.status, answer.json()) == (
        403,
        {
            "error": "insufficient_scope",
            "error_description": "The request requires higher privileges than provided by the access token.",
            "scope": "api",
        },
    )


def test_post_expired_and_revoked_tokens(gitlab, repo):
    # [src] api_guard ExpiredError / RevokedError responders
    expired = post(gitlab, repo.main, token="glpat-developer-expired", state="running")
    revoked = post(gitlab, repo.main, token="glpat-developer-revoked", state="running")
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


def test_post_job_token_is_not_accepted(gitlab, repo):
    # [src] the endpoint sets no `job_token_allowed` route setting, so JOB-TOKEN is ignored
    answer = call(
        gitlab.base_url,
        "POST",
        f"/api/v4/projects/42/statuses/{repo.main}",
        headers={"JOB-TOKEN": DEV},
        form={"state": "running"},
    )
    assert (answer.status, answer.json()) == (401, {"message": "401 Unauthorized"})


def test_post_to_a_private_project_as_a_non_member(gitlab, repo):
    # [src] `authorize! :create_commit_status, user_project`: user_project 404s first
    answer = post(gitlab, repo.main, token="glpat-outsider", state="running")
    assert (answer.status, answer.json()) == (404, {"message": "404 Project Not Found"})


# --- [commits] describe 'GET /projects/:id/repository/commits/:sha' -------------------------


def _assert_ref_commit(answer: Answer, sha: str) -> None:
    """[commits] shared_examples_for 'ref commit' / it 'returns the ref last commit'."""
    assert answer.status == 200, answer.text
    body = answer.json()
    assert (body["id"], body["short_id"], body["title"]) == (sha, sha[:8], "Add app")
    assert body["message"] == "Add app\n"
    assert (body["author_name"], body["committer_email"]) == ("Ada Example", "ada@example.test")
    assert body["authored_date"] == body["committed_date"] == "2024-01-02T10:00:00.000+00:00"
    assert len(body["parent_ids"]) == 1
    assert body["stats"] == {"additions": 1, "deletions": 0, "total": 1}
    assert (body["status"], body["last_pipeline"]) == (None, None)


def test_get_commit_as_a_maintainer(gitlab, repo):
    # [commits] context 'when authenticated', 'as a maintainer' / it_behaves_like 'ref commit'
    _assert_ref_commit(get_commit(gitlab, repo.main, token=MAINTAINER), repo.main)


def test_get_commit_as_a_developer(gitlab, repo):
    # [commits] context 'when authenticated', 'as a developer' / it_behaves_like 'ref commit'
    _assert_ref_commit(get_commit(gitlab, repo.main), repo.main)


def test_get_commit_when_ref_does_not_exist(gitlab):
    # [commits] 'ref commit' / context 'when ref does not exist' / '404 response'
    answer = get_commit(gitlab, "unknown")
    assert (answer.status, answer.json()) == (404, {"message": "404 Commit Not Found"})


def test_get_commit_ref_with_pipeline(gitlab, repo):
    # [commits] shared_examples_for 'ref with pipeline' /
    # it 'includes status as "created" and a last_pipeline object'
    pipeline = gitlab.add_pipeline(project="42", sha=repo.main, ref="main", status="created")
    body = get_commit(gitlab, repo.main).json()
    assert body["status"] == "created"
    last = body["last_pipeline"]
    assert (last["id"], last["ref"], last["sha"], last["status"]) == (pipeline["id"], "main", repo.main, "created")


def test_get_commit_when_pipeline_succeeds(gitlab, repo):
    # [commits] 'ref with pipeline' / context 'when pipeline succeeds' /
    # it 'includes a "success" status'
    gitlab.add_pipeline(project="42", sha=repo.main, ref="main", status="success")
    answer = get_commit(gitlab, repo.main)
    assert (answer.status, answer.json()["status"]) == (200, "success")


@pytest.mark.parametrize(("stats", "present"), [(None, True), ("false", False), ("true", True)])
def test_get_commit_when_stat_param(gitlab, repo, stats, present):
    # [commits] context 'when stat param' / it 'is not present return stats by default',
    # it "is false it does not include stats", it "is true it includes stats"
    query = {} if stats is None else {"stats": stats}
    answer = get_commit(gitlab, repo.main, **query)
    assert (answer.status, "stats" in answer.json()) == (200, present)


def test_get_commit_unauthenticated_and_project_is_public(gitlab, repo):
    # [commits] context 'when unauthenticated', 'and project is public' /
    # it_behaves_like 'ref commit' and 'ref with pipeline'
    _assert_ref_commit(get_commit(gitlab, repo.main, token=None, project="43"), repo.main)
    gitlab.add_pipeline(project="43", sha=repo.main, ref="main")
    answer = get_commit(gitlab, repo.main, token=None, project="43")
    assert (answer.json()["status"], answer.json()["last_pipeline"]["ref"]) == ("created", "main")


def test_get_commit_unauthenticated_and_project_is_private(gitlab, repo):
    # [commits] context 'when unauthenticated', 'and project is private' / '404 response'
    answer = get_commit(gitlab, repo.main, token=None)
    assert (answer.status, answer.json()) == (404, {"message": "404 Project Not Found"})


def test_get_commit_as_a_guest(gitlab, repo):
    # [commits] context 'when authenticated', 'as a guest' / '403 response'
    answer = get_commit(gitlab, repo.main, token=GUEST)
    assert (answer.status, answer.json()) == (403, {"message": "403 Forbidden"})


def test_get_commit_as_non_member_and_project_is_public(gitlab, repo):
    # [commits] context 'when authenticated', 'as non_member and project is public' /
    # it_behaves_like 'ref with pipeline'
    gitlab.add_pipeline(project="43", sha=repo.main, ref="main")
    answer = get_commit(gitlab, repo.main, token="glpat-outsider", project="43")
    assert (answer.status, answer.json()["status"]) == (200, "created")


def test_get_commit_when_branch_contains_a_slash(gitlab):
    # [commits] context 'when branch contains a slash' / '404 response' (no route matches)
    answer = get_commit(gitlab, "feature/x")
    assert (answer.status, answer.json()) == (404, {"error": "404 Not Found"})


def test_get_commit_when_branch_contains_an_escaped_slash(gitlab, repo):
    # [commits] context 'when branch contains an escaped slash' / it_behaves_like 'ref commit'
    answer = get_commit(gitlab, "feature%2Fx")
    assert (answer.status, answer.json()["id"]) == (200, repo.feature)


def test_get_commit_requesting_with_the_escaped_project_full_path(gitlab, repo):
    # [commits] context 'requesting with the escaped project full path' / 'ref commit'
    _assert_ref_commit(get_commit(gitlab, repo.main, project="team%2Fsub%2Fapp"), repo.main)


def test_get_commit_statuses_page_past_the_end(gitlab, repo, statuses_on_two_pipelines):
    # [src] Gitlab::Pagination::OffsetPagination takes prev/next from Kaminari, which gives
    # neither for a page past the last; X-Total-Pages is at least 1.
    answer = get_statuses(gitlab, repo.main, page=3, per_page=4)
    assert answer.status == 200
    assert answer.json() == []
    headers = answer.headers
    assert (headers["x-page"], headers["x-total"], headers["x-total-pages"]) == ("3", "4", "1")
    assert (headers["x-prev-page"], headers["x-next-page"]) == ("", "")


def test_get_commit_with_an_unreadable_stats_param(gitlab, repo):
    # [src] lib/api/commits.rb `optional :stats, type: Boolean, default: true`: access is
    # checked in `before`, then Grape refuses the value
    assert get_commit(gitlab, repo.main, token=GUEST, stats="maybe").status == 403
    answer = get_commit(gitlab, repo.main, stats="maybe")
    assert (answer.status, answer.json()) == (400, {"error": "stats is invalid"})


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"state": None}, "state does not have a valid value"),
        ({"state": ""}, "state does not have a valid value"),
        ({"state": "Success"}, "state does not have a valid value"),
    ],
)
def test_post_state_present_but_not_valid(gitlab, repo, body, error):
    # [src] Grape: `requires :state` only checks that the key is there; `values:` then refuses
    # null, blank and wrongly cased states
    answer = call(gitlab.base_url, "POST", f"/api/v4/projects/42/statuses/{repo.main}", token=DEV, json=body)
    assert (answer.status, answer.json()) == (400, {"error": error})
