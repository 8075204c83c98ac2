"""The instrument plan: which reporters, params and runAfter edits a spec needs."""

from __future__ import annotations

from typing import Any

import pytest
from ruamel.yaml import YAML

from finale.core.instrument.plan import (
    CANCELED_NAME,
    FAILED_NAME,
    START_NAME,
    STATUS_NAME,
    SUCCESS_NAME,
    FlowList,
    Options,
    Plan,
    RunAfterChange,
    plan_instrument,
)
from finale.errors import ValidationError


def spec(text: str) -> dict[str, Any]:
    return YAML(typ="safe", pure=True).load(text)


def params_of(task: Any) -> dict[str, str]:
    return {p["name"]: p["value"] for p in task["params"]}


SEED_LIKE = spec("""
params:
  - {name: GITLAB_HOST, type: string}
  - {name: REPO_PATH_ONLY, type: string}
  - {name: SOURCE_REVISION, default: ""}
  - {name: TEKTON_DASHBOARD_HOST, type: string}
tasks:
  - name: build
    taskRef: {name: buildpacks}
""")


def test_two_tasks_reuse_the_evident_params() -> None:
    plan = plan_instrument(SEED_LIKE, Options(), "p.yaml")
    # Only the Secret wiring is new, and it has defaults.
    assert [p["name"] for p in plan.add_params] == ["GITLAB_TOKEN_SECRET_NAME", "GITLAB_TOKEN_SECRET_KEY"]
    assert plan.required_params == ()
    failed, success, canceled = plan.add_finally
    assert [failed["name"], success["name"], canceled["name"]] == [FAILED_NAME, SUCCESS_NAME, CANCELED_NAME]
    assert failed["when"] == [{"input": "$(tasks.status)", "operator": "in", "values": FlowList(("Failed", "None"))}]
    # No DAG task has a when or a matrix: Completed can only mean a graceful stop.
    assert success["when"][0]["values"] == FlowList(("Succeeded",))
    assert canceled["when"][0]["values"] == FlowList(("Completed",))
    assert params_of(canceled)["STATE"] == "canceled"
    assert params_of(success) == {
        "STATE": "success",
        "GITLAB_HOST_URL": "$(params.GITLAB_HOST)",
        "REPO_FULL_NAME": "$(params.REPO_PATH_ONLY)",
        "GITLAB_TOKEN_SECRET_NAME": "$(params.GITLAB_TOKEN_SECRET_NAME)",
        "GITLAB_TOKEN_SECRET_KEY": "$(params.GITLAB_TOKEN_SECRET_KEY)",
        "SHA": "$(params.SOURCE_REVISION)",
        "TARGET_URL": "$(params.TEKTON_DASHBOARD_HOST)/#/namespaces/"
        "$(context.pipelineRun.namespace)/pipelineruns/$(context.pipelineRun.name)",
        "CONTEXT": "tekton-pipeline",
        "DESCRIPTION": "Finished building your commit in Tekton",
    }
    assert params_of(failed)["STATE"] == "failed"


def test_missing_params_are_added_and_the_required_ones_named() -> None:
    plan = plan_instrument(spec("tasks: [{name: a, taskRef: {name: x}}]"), Options(), "p")
    assert [p["name"] for p in plan.add_params] == [
        "GITLAB_HOST_URL",
        "REPO_FULL_NAME",
        "SHA",
        "GITLAB_TOKEN_SECRET_NAME",
        "GITLAB_TOKEN_SECRET_KEY",
        "TEKTON_DASHBOARD_URL",
    ]
    assert plan.required_params == ("GITLAB_HOST_URL", "REPO_FULL_NAME", "SHA", "TEKTON_DASHBOARD_URL")
    defaults = {p["name"]: p.get("default") for p in plan.add_params}
    assert defaults["GITLAB_TOKEN_SECRET_NAME"] == "gitlab-api-secret"
    assert defaults["GITLAB_TOKEN_SECRET_KEY"] == "token"
    assert all(p["description"] for p in plan.add_params)


@pytest.mark.parametrize(
    ("declared", "role", "expected"),
    [
        pytest.param("gitlab-url", "GITLAB_HOST_URL", "$(params.gitlab-url)", id="host-dashed"),
        pytest.param("repo_full_name", "REPO_FULL_NAME", "$(params.repo_full_name)", id="repo-snake"),
        pytest.param("commit-sha", "SHA", "$(params.commit-sha)", id="sha"),
        pytest.param("revision", "SHA", "$(params.revision)", id="revision"),
    ],
)
def test_evident_param_names(declared: str, role: str, expected: str) -> None:
    s = spec(f"params: [{{name: {declared}}}]\ntasks: [{{name: a, taskRef: {{name: x}}}}]")
    plan = plan_instrument(s, Options(style="one-task"), "p")
    assert params_of(plan.add_finally[0])[role] == expected
    assert role not in {p["name"] for p in plan.add_params}


def test_array_param_is_not_taken_for_the_sha() -> None:
    s = spec("params: [{name: sha, type: array}]\ntasks: [{name: a, taskRef: {name: x}}]")
    plan = plan_instrument(s, Options(style="one-task"), "p")
    assert "SHA" in {p["name"] for p in plan.add_params}


def test_one_task_passes_the_aggregate_status() -> None:
    plan = plan_instrument(SEED_LIKE, Options(style="one-task", context="ci/x"), "p")
    (task,) = plan.add_finally
    assert task["name"] == STATUS_NAME
    assert "when" not in task
    assert params_of(task)["STATE"] == "$(tasks.status)"
    assert params_of(task)["CONTEXT"] == "ci/x"


SEED_DAG_REPORTER = spec("""
params: [{name: GITLAB_HOST}]
tasks:
  - {name: fetch, taskRef: {name: git-clone}}
  - {name: build, runAfter: [fetch], taskRef: {name: buildpacks}}
  - name: report-pipeline-end-to-gitlab
    taskRef: {name: gitlab-set-status}
    runAfter: [build]
    params:
      - {name: STATE, value: success}
      - {name: GITLAB_HOST_URL, value: $(params.GITLAB_HOST)}
      - {name: REPO_FULL_NAME, value: group/app}
      - {name: GITLAB_TOKEN_SECRET_NAME, value: my-secret}
      - {name: GITLAB_TOKEN_SECRET_KEY, value: pat}
      - {name: SHA, value: $(params.sha)}
      - {name: TARGET_URL, value: https://dash/x}
      - {name: CONTEXT, value: old-context}
      - {name: DESCRIPTION, value: done}
      - {name: API_PATH_PREFIX, value: /gitlab/api/v4}
""")


def test_dag_reporter_is_moved_with_its_wiring() -> None:
    plan = plan_instrument(SEED_DAG_REPORTER, Options(), "p")
    assert plan.remove_tasks == (2,)
    assert plan.add_params == ()
    assert plan.run_after == ()
    assert params_of(plan.add_finally[1]) == {
        "STATE": "success",
        "GITLAB_HOST_URL": "$(params.GITLAB_HOST)",
        "REPO_FULL_NAME": "group/app",
        "GITLAB_TOKEN_SECRET_NAME": "my-secret",
        "GITLAB_TOKEN_SECRET_KEY": "pat",
        "SHA": "$(params.sha)",
        "TARGET_URL": "https://dash/x",
        "CONTEXT": "old-context",
        "DESCRIPTION": "Finished building your commit in Tekton",
        "API_PATH_PREFIX": "/gitlab/api/v4",
    }


def test_context_flag_wins_over_the_existing_reporter() -> None:
    plan = plan_instrument(SEED_DAG_REPORTER, Options(context="new"), "p")
    assert params_of(plan.add_finally[0])["CONTEXT"] == "new"


def test_start_status_runs_first_and_roots_wait_for_it() -> None:
    plan = plan_instrument(SEED_DAG_REPORTER, Options(start_status=True), "p")
    assert plan.start_task is not None
    assert plan.start_task["name"] == START_NAME
    assert params_of(plan.start_task)["STATE"] == "running"
    assert params_of(plan.start_task)["REPO_FULL_NAME"] == "group/app"
    assert plan.run_after == (RunAfterChange(task=0, add=(START_NAME,)),)


def test_references_to_a_moved_reporter_are_dropped() -> None:
    s = spec("""
tasks:
  - {name: a, taskRef: {name: x}}
  - {name: r, runAfter: [a], taskRef: {name: gitlab-set-status}}
  - {name: b, runAfter: [a, r], taskRef: {name: x}}
  - {name: c, runAfter: [r], taskRef: {name: x}}
  - {name: d, runAfter: [r], params: [{name: p, value: $(tasks.a.results.x)}]}
""")
    plan = plan_instrument(s, Options(start_status=True), "p")
    assert plan.remove_tasks == (1,)
    assert plan.run_after == (
        RunAfterChange(task=0, add=(START_NAME,)),
        RunAfterChange(task=2, remove=(1,)),
        RunAfterChange(task=3, remove=(0,), add=(START_NAME,)),
        RunAfterChange(task=4, remove=(0,)),
    )


def test_remote_task_ref_is_recognised_and_kept() -> None:
    s = spec("""
tasks:
  - {name: a, taskRef: {name: x}}
  - name: r
    taskRef: {resolver: hub, params: [{name: name, value: gitlab-set-status}]}
    params: [{name: STATE, value: success}]
""")
    plan = plan_instrument(s, Options(), "p")
    assert plan.remove_tasks == (1,)
    assert plan.add_finally[0]["taskRef"] == {
        "resolver": "hub",
        "params": [{"name": "name", "value": "gitlab-set-status"}],
    }


def test_task_ref_option_names_the_task() -> None:
    plan = plan_instrument(SEED_LIKE, Options(task_ref="my-status"), "p")
    assert plan.add_finally[0]["taskRef"] == {"name": "my-status"}


@pytest.mark.parametrize(
    ("text", "options"),
    [
        pytest.param(
            f"""
tasks: [{{name: a, taskRef: {{name: x}}}}]
finally:
  - {{name: {FAILED_NAME}, taskRef: {{name: gitlab-set-status}}}}
  - {{name: {SUCCESS_NAME}, taskRef: {{name: gitlab-set-status}}}}
""",
            Options(),
            id="two-tasks-present",
        ),
        pytest.param(
            f"""
tasks: [{{name: a, taskRef: {{name: x}}}}]
finally:
  - {{name: {FAILED_NAME}, taskRef: {{name: gitlab-set-status}}}}
  - {{name: {SUCCESS_NAME}, taskRef: {{name: gitlab-set-status}}}}
  - {{name: {CANCELED_NAME}, taskRef: {{name: gitlab-set-status}}}}
""",
            Options(),
            id="three-tasks-present",
        ),
        pytest.param(
            """
tasks: [{name: a, taskRef: {name: x}}]
finally: [{name: anything, taskRef: {name: gitlab-set-status}}]
""",
            Options(style="one-task"),
            id="any-finally-reporter",
        ),
        pytest.param(
            f"""
tasks:
  - {{name: s, taskRef: {{name: gitlab-set-status}}, params: [{{name: STATE, value: running}}]}}
  - {{name: a, runAfter: [s], taskRef: {{name: x}}}}
finally: [{{name: {STATUS_NAME}, taskRef: {{name: gitlab-set-status}}}}]
""",
            Options(start_status=True),
            id="start-present",
        ),
    ],
)
def test_already_instrumented_plans_nothing(text: str, options: Options) -> None:
    plan = plan_instrument(spec(text), options, "p")
    assert plan == Plan()
    assert plan.is_empty()


def test_start_status_alone_reuses_the_finally_wiring() -> None:
    s = spec("""
tasks: [{name: a, taskRef: {name: x}}]
finally:
  - name: f
    taskRef: {name: gitlab-set-status}
    params: [{name: SHA, value: $(params.rev)}, {name: STATE, value: $(tasks.status)}]
""")
    plan = plan_instrument(s, Options(start_status=True), "p")
    assert plan.add_finally == ()
    assert plan.start_task is not None
    assert params_of(plan.start_task)["SHA"] == "$(params.rev)"
    assert params_of(plan.start_task)["STATE"] == "running"


@pytest.mark.parametrize(
    ("text", "options", "message"),
    [
        pytest.param(
            f"tasks: [{{name: {SUCCESS_NAME}, taskRef: {{name: deploy}}}}]",
            Options(),
            f'p.yaml: a task named "{SUCCESS_NAME}" already exists and is not one of the '
            "gitlab-set-status reporters finale adds: spec.tasks[0].name\n  fix: rename that "
            f'task; finale needs the name "{SUCCESS_NAME}" for its reporter',
            id="dag-clash",
        ),
        pytest.param(
            f"tasks: [{{name: a, taskRef: {{name: x}}}}]\nfinally: [{{name: {START_NAME}, taskRef: {{name: y}}}}]",
            Options(start_status=True, style="one-task"),
            f'p.yaml: a task named "{START_NAME}" already exists and is not one of the '
            "gitlab-set-status reporters finale adds: spec.finally[0].name\n  fix: rename that "
            f'task; finale needs the name "{START_NAME}" for its reporter',
            id="start-clash",
        ),
        pytest.param(
            f"tasks: [{{name: a, taskRef: {{name: x}}}}]\nfinally: [{{name: {CANCELED_NAME}, taskRef: {{name: y}}}}]",
            Options(),
            f'p.yaml: a task named "{CANCELED_NAME}" already exists and is not one of the '
            "gitlab-set-status reporters finale adds: spec.finally[0].name\n  fix: rename that "
            f'task; finale needs the name "{CANCELED_NAME}" for its reporter',
            id="canceled-clash",
        ),
        pytest.param(
            "params: []",
            Options(),
            "p.yaml: missing field(s): spec.tasks\n  fix: a Pipeline needs at least one task under tasks",
            id="no-tasks",
        ),
        pytest.param(
            "tasks: [{name: r, taskRef: {name: gitlab-set-status}}]",
            Options(),
            "p.yaml: the only tasks are GitLab reporters: spec.tasks\n"
            "  fix: add the real work to tasks; finale moves reporters into finally",
            id="only-reporter",
        ),
    ],
)
def test_refusals(text: str, options: Options, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        plan_instrument(spec(text), options, "p.yaml")
    assert str(info.value) == message


def test_same_named_reporter_in_dag_is_moved_not_a_clash() -> None:
    s = spec(f"""
tasks:
  - {{name: a, taskRef: {{name: x}}}}
  - {{name: {SUCCESS_NAME}, taskRef: {{name: gitlab-set-status}}, runAfter: [a]}}
""")
    plan = plan_instrument(s, Options(), "p", path="spec.pipelineSpec")
    assert plan.remove_tasks == (1,)
    assert [t["name"] for t in plan.add_finally] == [FAILED_NAME, SUCCESS_NAME, CANCELED_NAME]


GUARDED = {
    "when": "  - {name: b, runAfter: [a], when: [{input: $(params.x), operator: in, values: [y]}]}",
    "matrix": "  - {name: b, runAfter: [a], matrix: {params: [{name: v, value: [1, 2]}]}}",
}


@pytest.mark.parametrize("guard", ["when", "matrix"])
def test_a_dag_task_a_green_run_may_skip_keeps_success_for_completed(guard: str) -> None:
    s = spec(f"tasks:\n  - {{name: a, taskRef: {{name: x}}}}\n{GUARDED[guard]}\n")
    _failed, success = plan_instrument(s, Options(), "p").add_finally
    assert success["when"][0]["values"] == FlowList(("Succeeded", "Completed"))
    (status,) = plan_instrument(s, Options(style="one-task"), "p").add_finally
    assert "COMPLETED_STATE" not in params_of(status)


def test_one_task_posts_canceled_for_completed_without_dag_guards() -> None:
    (task,) = plan_instrument(SEED_LIKE, Options(style="one-task"), "p").add_finally
    names = [p["name"] for p in task["params"]]
    assert names[:2] == ["STATE", "COMPLETED_STATE"]
    assert params_of(task)["COMPLETED_STATE"] == "canceled"


def test_moved_reporter_guards_do_not_count_as_dag_guards() -> None:
    s = spec("""
tasks:
  - {name: a, taskRef: {name: x}}
  - name: r
    runAfter: [a]
    when: [{input: $(params.x), operator: in, values: [y]}]
    taskRef: {name: gitlab-set-status}
""")
    assert [t["name"] for t in plan_instrument(s, Options(), "p").add_finally][-1] == CANCELED_NAME


def test_finally_tasks_that_can_fail_are_named() -> None:
    s = spec(f"""
tasks: [{{name: a, taskRef: {{name: x}}}}]
finally:
  - {{name: cleanup, taskRef: {{name: cleanup}}}}
  - {{name: notify, onError: continue, taskRef: {{name: slack}}}}
  - {{name: {SUCCESS_NAME}, taskRef: {{name: gitlab-set-status}}}}
""")
    plan = plan_instrument(s, Options(), "p")
    assert plan.is_empty()
    assert plan.failing_finally == ("cleanup",)
    assert plan_instrument(SEED_LIKE, Options(), "p").failing_finally == ()


ANSWER = """
tasks:
  - {name: a, taskRef: {name: x}}
  - {name: b, runAfter: [a], taskRef: {name: x}}
finally:
  - name: cleanup
    onError: continue
    taskRef: {name: cleanup}
  - name: report-failed
    when: [{input: $(tasks.status), operator: in, values: [Failed, None]}]
    taskRef: {name: gitlab-set-status}
    params: [{name: STATE, value: failed}, {name: SHA, value: $(params.sha)}]
  - name: report-success
    when: [{input: $(tasks.status), operator: in, values: [Succeeded, Completed]}]
    taskRef: {name: gitlab-set-status}
    params:
      - {name: STATE, value: success}
      - {name: SHA, value: $(params.sha)}
      - {name: CONTEXT, value: ci}
"""
NOT_COMPLETED = {"input": "$(tasks.status)", "operator": "notin", "values": FlowList(("Completed",))}


def test_existing_answer_pattern_gets_canceled_for_completed() -> None:
    plan = plan_instrument(spec(ANSWER), Options(), "p")
    assert plan.add_when == ((2, NOT_COMPLETED),)
    (canceled,) = plan.add_finally
    assert canceled["name"] == CANCELED_NAME
    assert canceled["when"] == [{"input": "$(tasks.status)", "operator": "in", "values": FlowList(("Completed",))}]
    assert canceled["taskRef"] == {"name": "gitlab-set-status"}
    assert params_of(canceled) == {
        "STATE": "canceled",
        "SHA": "$(params.sha)",
        "CONTEXT": "ci",
        "DESCRIPTION": "Building your commit in Tekton was stopped",
    }
    assert plan.add_params == () and plan.remove_tasks == ()


def test_existing_answer_without_completed_gets_a_canceled_reporter_only() -> None:
    text = ANSWER.replace("[Succeeded, Completed]", "[Succeeded]")
    plan = plan_instrument(spec(text), Options(), "p")
    assert plan.add_when == ()
    assert [t["name"] for t in plan.add_finally] == [CANCELED_NAME]


def test_existing_one_task_reporter_gets_completed_state() -> None:
    text = """
tasks: [{name: a, taskRef: {name: x}}]
finally:
  - name: report
    taskRef: {name: gitlab-set-status}
    params: [{name: STATE, value: $(tasks.status)}]
"""
    plan = plan_instrument(spec(text), Options(), "p")
    assert plan.add_task_params == ((0, {"name": "COMPLETED_STATE", "value": "canceled"}),)
    assert plan.add_finally == ()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            ANSWER.replace(
                "{name: b, runAfter: [a],", "{name: b, when: [{input: x, operator: in, values: [x]}], runAfter: [a],"
            ),
            id="dag-when",
        ),
        pytest.param(
            ANSWER.replace("[Succeeded, Completed]", "[Succeeded]")
            + f"""
  - name: {CANCELED_NAME}
    when: [{{input: $(tasks.status), operator: in, values: [Completed]}}]
    taskRef: {{name: gitlab-set-status}}
    params: [{{name: STATE, value: canceled}}]
""",
            id="already-canceled",
        ),
        pytest.param(
            ANSWER.replace(
                "values: [Succeeded, Completed]}]",
                "values: [Succeeded, Completed]}, {input: $(params.x), operator: in, values: [y]}]",
            ),
            id="other-guard",
        ),
        pytest.param(ANSWER.replace("[Failed, None]", "[Failed, None, Completed]"), id="two-post"),
    ],
)
def test_answer_patterns_left_alone(text: str) -> None:
    plan = plan_instrument(spec(text), Options(), "p")
    assert (plan.add_when, plan.add_task_params, plan.add_finally) == ((), (), ())


def test_unguarded_success_reporter_is_left_to_the_user() -> None:
    text = ANSWER.replace("    when: [{input: $(tasks.status), operator: in, values: [Succeeded, Completed]}]\n", "")
    plan = plan_instrument(spec(text), Options(), "p")
    assert plan.is_empty() and not plan.completed_fixed
