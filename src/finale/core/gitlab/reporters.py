"""The GitLab reporter tasks finale writes: their names, params and the Pipeline params they use.

Pure. The params follow the catalog `gitlab-set-status` Task (GITLAB_HOST_URL, REPO_FULL_NAME,
GITLAB_TOKEN_SECRET_NAME/KEY, SHA, TARGET_URL, DESCRIPTION, CONTEXT, STATE).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

REPORTER_TASK = "gitlab-set-status"
FAILED_NAME = "report-pipeline-failed-to-gitlab"
SUCCESS_NAME = "report-pipeline-success-to-gitlab"
CANCELED_NAME = "report-pipeline-canceled-to-gitlab"
STATUS_NAME = "report-pipeline-status-to-gitlab"
START_NAME = "report-pipeline-start-to-gitlab"
DEFAULT_CONTEXT = "tekton-pipeline"
# A reporter posting one of these before the run ends is a start status, not a final one.
START_STATES = frozenset({"running", "pending"})

Style = Literal["two-tasks", "one-task"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """The `finale instrument` flags."""

    style: Style = "two-tasks"
    start_status: bool = False
    task_ref: str = REPORTER_TASK
    context: str | None = None


@dataclass(frozen=True, slots=True)
class FlowList:
    """A list written on one line, `[a, b]`, as the seed writes `when.values`."""

    items: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Role:
    """One thing the reporter needs, the param names that evidently carry it, and our own."""

    names: tuple[str, ...]  # lower-case without `-`/`_`; the seed's names first
    new_name: str
    description: str
    default: str | None = None


# Keyed by the status Task's param; DASHBOARD feeds TARGET_URL.
_ROLES = {
    "GITLAB_HOST_URL": _Role(
        names=("gitlabhost", "gitlaburl", "gitlabserver", "gitlabserverurl", "gitlabhosturl"),
        new_name="GITLAB_HOST_URL",
        description="GitLab host, optionally with http:// or https:// (e.g. gitlab.com)",
    ),
    "REPO_FULL_NAME": _Role(
        names=(
            "repopathonly",
            "repopath",
            "projectpath",
            "gitlabproject",
            "gitlabprojectpath",
            "gitlabrepo",
            "projectfullname",
            "repofullname",
        ),
        new_name="REPO_FULL_NAME",
        description="GitLab project path, group and name (e.g. group/repo)",
    ),
    "SHA": _Role(
        names=(
            "sourcerevision",
            "revision",
            "gitrevision",
            "commitsha",
            "commit",
            "gitcommit",
            "gitsha",
            "cicommitsha",
            "sourcesha",
            "headsha",
            "commitid",
            "sha",
        ),
        new_name="SHA",
        description="Full SHA of the commit the GitLab status is set on",
    ),
    "GITLAB_TOKEN_SECRET_NAME": _Role(
        names=("gitlabsecretname", "gitlabtokensecret", "gitlabtokensecretname"),
        new_name="GITLAB_TOKEN_SECRET_NAME",
        description="Name of the Secret holding the GitLab API token (scope api)",
        default="gitlab-api-secret",
    ),
    "GITLAB_TOKEN_SECRET_KEY": _Role(
        names=("gitlabsecretkey", "gitlabtokensecretkey"),
        new_name="GITLAB_TOKEN_SECRET_KEY",
        description="Key of the GitLab API token in that Secret",
        default="token",
    ),
    "DASHBOARD": _Role(
        names=("tektondashboardhost", "tektondashboard", "dashboardhost", "dashboardurl", "tektondashboardurl"),
        new_name="TEKTON_DASHBOARD_URL",
        description="Tekton Dashboard base URL (e.g. https://dashboard.example.com), the status link",
    ),
}
_TASK_PARAM_ORDER = (
    "STATE",
    "COMPLETED_STATE",
    "GITLAB_HOST_URL",
    "REPO_FULL_NAME",
    "GITLAB_TOKEN_SECRET_NAME",
    "GITLAB_TOKEN_SECRET_KEY",
    "SHA",
    "TARGET_URL",
    "CONTEXT",
    "DESCRIPTION",
)
_FAILED_TEXT = "An error occurred building your commit in Tekton"
_SUCCESS_TEXT = "Finished building your commit in Tekton"
_CANCELED_TEXT = "Building your commit in Tekton was stopped"


def _norm(name: str) -> str:
    return re.sub(r"[-_]", "", name.lower())


def spec_items(spec: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """`spec[key]` as a list of mappings (a non-mapping item becomes {} to keep indices)."""
    value = spec.get(key)
    if not isinstance(value, list):
        return []
    return [t if isinstance(t, Mapping) else {} for t in value]


def task_params(task: Mapping[str, Any]) -> dict[str, Any]:
    """A PipelineTask's (or taskRef's resolver) params as name -> value."""
    params = task.get("params")
    if not isinstance(params, list):
        return {}
    return {str(p["name"]): p.get("value") for p in params if isinstance(p, Mapping) and "name" in p}


def _ref_name(task: Mapping[str, Any]) -> str:
    ref = task.get("taskRef")
    if not isinstance(ref, Mapping):
        return ""
    if "name" in ref:
        return str(ref["name"])
    # Remote resolution (hub, git, bundles) names the Task in a `name` resolver param.
    return str(task_params(ref).get("name") or "")


def is_reporter(task: Mapping[str, Any], options: Options) -> bool:
    """A PipelineTask that runs the GitLab status Task."""
    return _ref_name(task) in {options.task_ref, REPORTER_TASK}


def is_start_reporter(task: Mapping[str, Any], options: Options) -> bool:
    """A reporter in `tasks` that posts `running`/`pending`: it stays where it is."""
    return is_reporter(task, options) and str(task_params(task).get("STATE", "")) in START_STATES


def template_reporter(
    tasks: list[Mapping[str, Any]], finals: list[Mapping[str, Any]], options: Options
) -> Mapping[str, Any] | None:
    """The reporter whose wiring (host, repo, SHA, secret, link) we copy, if any."""
    dag_final = [t for t in tasks if is_reporter(t, options) and not is_start_reporter(t, options)]
    finals_rep = [t for t in finals if is_reporter(t, options)]
    starts = [t for t in tasks if is_start_reporter(t, options)]
    for group in (dag_final, finals_rep, starts):
        if group:
            return group[0]
    return None


def _find_param(spec: Mapping[str, Any], names: Sequence[str]) -> str | None:
    declared: dict[str, str] = {}
    for p in spec_items(spec, "params"):
        if "name" in p and str(p.get("type", "string")) == "string":
            declared.setdefault(_norm(str(p["name"])), str(p["name"]))
    for wanted in names:
        if wanted in declared:
            return declared[wanted]
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Wiring:
    """What every reporter task shares, and the Pipeline params that must be added for it."""

    params: Mapping[str, Any]  # Task param name -> value, without STATE/DESCRIPTION
    task_ref: Mapping[str, Any]
    new_params: tuple[Mapping[str, Any], ...]
    required: tuple[str, ...]


def wiring_for(spec: Mapping[str, Any], template: Mapping[str, Any] | None, options: Options) -> Wiring:
    """The existing reporter's values first, then evident Pipeline params, else new params."""
    given = dict(task_params(template)) if template else {}
    given.pop("STATE", None)
    given.pop("DESCRIPTION", None)
    values: dict[str, Any] = {}
    new: list[Mapping[str, Any]] = []
    required: list[str] = []
    for task_param, role in _ROLES.items():
        if task_param in given or (task_param == "DASHBOARD" and "TARGET_URL" in given):
            continue
        found = _find_param(spec, role.names)
        if found is None:
            found = role.new_name
            decl: dict[str, Any] = {"name": found, "type": "string", "description": role.description}
            if role.default is None:
                required.append(found)
            else:
                decl["default"] = role.default
            new.append(decl)
        values[task_param] = f"$(params.{found})"
    dashboard = values.pop("DASHBOARD", None)
    if dashboard is not None:
        values["TARGET_URL"] = (
            f"{dashboard}/#/namespaces/$(context.pipelineRun.namespace)/pipelineruns/$(context.pipelineRun.name)"
        )
    values.update(given)
    values["CONTEXT"] = options.context or given.get("CONTEXT") or DEFAULT_CONTEXT
    task_ref = template.get("taskRef") if template else None
    return Wiring(
        params=values,
        task_ref=task_ref if isinstance(task_ref, Mapping) else {"name": options.task_ref},
        new_params=tuple(new),
        required=tuple(required),
    )


def reporter_task(
    name: str,
    state: str,
    description: str,
    wiring: Wiring,
    when: Sequence[Mapping[str, Any]] = (),
    extra: Mapping[str, str] | None = None,
) -> Mapping[str, Any]:
    """One PipelineTask running the status Task, params in the seed's order."""
    values = {**wiring.params, **(extra or {}), "STATE": state, "DESCRIPTION": description}
    order = [*_TASK_PARAM_ORDER, *(k for k in values if k not in _TASK_PARAM_ORDER)]
    task: dict[str, Any] = {"name": name}
    if when:
        task["when"] = list(when)
    task["taskRef"] = wiring.task_ref
    task["params"] = [{"name": k, "value": values[k]} for k in order if k in values]
    return task


def _guard(values: tuple[str, ...]) -> list[Mapping[str, Any]]:
    return [{"input": "$(tasks.status)", "operator": "in", "values": FlowList(values)}]


def completed_means_stop(tasks: Sequence[Mapping[str, Any]]) -> bool:
    """True when a green run skips no DAG task, so `$(tasks.status)` = Completed can only come
    from a graceful stop (StoppedRunFinally, which ends the run Cancelled): no DAG task has a
    `when` (its skip also gives Completed) or a `matrix` (an empty array skips the task)."""
    return not any(t.get("when") or t.get("matrix") for t in tasks)


def finally_tasks(wiring: Wiring, options: Options, stop_only: bool = False) -> tuple[Mapping[str, Any], ...]:
    """The seed answer's two guarded reporters, or one passing `$(tasks.status)`; when
    `stop_only` (see `completed_means_stop`), Completed is reported as canceled."""
    if options.style == "one-task":
        # Our gitlab-set-status Task maps the aggregate status to a GitLab state itself.
        extra = {"COMPLETED_STATE": "canceled"} if stop_only else None
        return (
            reporter_task(
                STATUS_NAME, "$(tasks.status)", "Tekton pipeline ended: $(tasks.status)", wiring, extra=extra
            ),
        )
    # `None` never reaches a finally task in practice; listed as the seed answer lists it.
    failed = reporter_task(FAILED_NAME, "failed", _FAILED_TEXT, wiring, _guard(("Failed", "None")))
    if not stop_only:
        return (
            failed,
            reporter_task(SUCCESS_NAME, "success", _SUCCESS_TEXT, wiring, _guard(("Succeeded", "Completed"))),
        )
    return (
        failed,
        reporter_task(SUCCESS_NAME, "success", _SUCCESS_TEXT, wiring, _guard(("Succeeded",))),
        canceled_reporter(wiring),
    )


def canceled_reporter(wiring: Wiring) -> Mapping[str, Any]:
    """Posts canceled for `$(tasks.status)` = Completed (a graceful stop, see finally_tasks)."""
    return reporter_task(CANCELED_NAME, "canceled", _CANCELED_TEXT, wiring, _guard(("Completed",)))


def inserted_names(options: Options, stop_only: bool) -> set[str]:
    """The names of the finally reporters `finally_tasks` writes."""
    if options.style == "one-task":
        return {STATUS_NAME}
    return {FAILED_NAME, SUCCESS_NAME} | ({CANCELED_NAME} if stop_only else set())
