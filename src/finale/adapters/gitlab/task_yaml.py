"""The `gitlab-set-status` Task YAML around its script (params, env wiring, results).

Params keep the names, meanings and defaults of tektoncd/catalog `gitlab-set-status` 0.2 so the
Task drops into existing Pipelines; every param reaches the script through `env`, never through
the script text (catalog recommendations: no interpolation in scripts).
"""

from __future__ import annotations

from dataclasses import dataclass

# Pinned by digest so a moved tag cannot change what runs; the IMAGE param lets users re-pin
# or point at a mirror. The script needs only a Python 3.11+ standard library.
IMAGE = "docker.io/library/python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea"
# A numeric non-root user: the image's default user is root, and `runAsNonRoot` alone would make
# the kubelet refuse to start it (it cannot prove a named user is non-root).
RUN_AS_USER = 65532
RESULT_STATUS_ID = "GITLAB_STATUS_ID"
RESULT_PIPELINE_ID = "GITLAB_PIPELINE_ID"


@dataclass(frozen=True, slots=True)
class TaskParam:
    name: str
    description: str
    default: str | None  # None: required
    to_env: bool = True  # reaches the script as an environment variable


PARAMS = (
    TaskParam(
        "GITLAB_HOST_URL",
        "GitLab host (https assumed) or full URL with scheme and "
        "sub-path, e.g. gitlab.com or https://git.example.com/gitlab.",
        "gitlab.com",
    ),
    TaskParam("API_PATH_PREFIX", "API path prefix appended to GITLAB_HOST_URL.", "/api/v4"),
    TaskParam(
        "REPO_FULL_NAME",
        "Project full path (group/sub/project) or numeric id; URL-encoded exactly once.",
        None,
    ),
    TaskParam(
        "GITLAB_TOKEN_SECRET_NAME",
        "Name of the Secret holding the GitLab token (api scope, Developer role).",
        "gitlab-api-secret",
    ),
    TaskParam("GITLAB_TOKEN_SECRET_KEY", "Key within that Secret holding the token.", "token"),
    TaskParam("SHA", "Commit SHA to set the status for.", None),
    TaskParam(
        "TARGET_URL",
        "URL linked from the status (e.g. a Tekton Dashboard page); cut to 255 characters; empty sends none.",
        None,
    ),
    TaskParam(
        "DESCRIPTION",
        "Short description of the status; cut to 255 characters; empty uses a default when STATE is a Tekton status.",
        None,
    ),
    TaskParam(
        "CONTEXT",
        "Status name that separates this status from others on the commit (sent as GitLab's name).",
        "continuous-integration/tekton",
    ),
    TaskParam(
        "STATE",
        "pending, running, success, failed, canceled or skipped; or a Tekton "
        "aggregate status (the Pipeline's tasks.status): Succeeded posts success, Completed "
        "posts COMPLETED_STATE, Failed or None post failed.",
        None,
    ),
    TaskParam(
        "COMPLETED_STATE",
        "GitLab state to post when STATE is the aggregate status Completed (some DAG tasks were "
        "skipped): success, failed or canceled. Keep success if a DAG task has a when or a matrix "
        "(a green run may skip it); canceled suits a Pipeline without them, where Completed can "
        "only mean a graceful stop (StoppedRunFinally).",
        "success",
    ),
    TaskParam("COVERAGE", "Total code coverage as a number; empty sends none.", ""),
    TaskParam(
        "REF",
        "Branch or tag the status belongs to; empty lets GitLab choose (newest pipeline of the SHA).",
        "",
    ),
    TaskParam("PIPELINE_ID", "GitLab pipeline id to attach the status to; empty: none.", ""),
    TaskParam("SSL_VERIFY", "Verify GitLab's TLS certificate (true or false).", "true"),
    TaskParam(
        "CA_BUNDLE",
        "Path of a PEM CA bundle readable by the step (e.g. in a workspace); empty uses the image's CA store.",
        "",
    ),
    TaskParam("RETRY_BUDGET", "Seconds to keep retrying 409, 429, 5xx and connection errors.", "60"),
    TaskParam(
        "IMAGE",
        "Image the step runs in: any image with Python 3.11 or later (e.g. a mirror in a private registry). "
        "Pin it by digest.",
        IMAGE,
        to_env=False,
    ),
)

_HEADER = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: gitlab-set-status
  labels:
    app.kubernetes.io/version: "0.1"
  annotations:
    tekton.dev/pipelines.minVersion: "0.44.0"
    tekton.dev/categories: Git
    tekton.dev/tags: gitlab, git, commit-status
    tekton.dev/displayName: "Set GitLab commit status"
    tekton.dev/platforms: "linux/amd64,linux/arm64"
spec:
  description: >-
    Set the status of a GitLab commit (pending, running, success, failed, canceled, skipped),
    with a link, description and coverage. STATE also accepts the aggregate status of a
    Pipeline's tasks, so a single finally task can report how the run ended. Retries transient
    GitLab failures within RETRY_BUDGET and treats a state GitLab already holds as done.
"""


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _params() -> list[str]:
    lines = ["  params:"]
    for param in PARAMS:
        lines += [
            f"    - name: {param.name}",
            "      type: string",
            f"      description: {_quoted(param.description)}",
        ]
        if param.default is not None:
            lines.append(f"      default: {_quoted(param.default)}")
    return lines


def _results() -> list[str]:
    return [
        "  results:",
        f"    - name: {RESULT_STATUS_ID}",
        "      description: Id of the GitLab job holding the status (empty if GitLab already held the state).",
        f"    - name: {RESULT_PIPELINE_ID}",
        "      description: Id of the GitLab pipeline the status joined (empty if unknown).",
    ]


def _env() -> list[str]:
    lines = [
        "      env:",
        "        - name: GITLAB_TOKEN",
        "          valueFrom:",
        "            secretKeyRef:",
        '              name: "$(params.GITLAB_TOKEN_SECRET_NAME)"',
        '              key: "$(params.GITLAB_TOKEN_SECRET_KEY)"',
    ]
    for param in PARAMS:
        if param.to_env and not param.name.startswith("GITLAB_TOKEN_"):
            lines += [f"        - name: {param.name}", f'          value: "$(params.{param.name})"']
    for env_name, result in (
        ("RESULT_STATUS_ID", RESULT_STATUS_ID),
        ("RESULT_PIPELINE_ID", RESULT_PIPELINE_ID),
    ):
        lines += [f"        - name: {env_name}", f'          value: "$(results.{result}.path)"']
    return lines


def _restricted() -> list[str]:
    """Pod Security "restricted" for the step, and small requests: it only makes HTTP calls."""
    return [
        "      securityContext:",
        "        runAsNonRoot: true",
        f"        runAsUser: {RUN_AS_USER}",
        "        allowPrivilegeEscalation: false",
        "        capabilities:",
        "          drop: [ALL]",
        "        seccompProfile:",
        "          type: RuntimeDefault",
        "      computeResources:",
        "        requests:",
        "          cpu: 10m",
        "          memory: 32Mi",
        "        limits:",
        "          memory: 128Mi",
    ]


def task_yaml(script: str) -> str:
    """The Task document; `script` goes in as a literal block, byte for byte."""
    step = [
        "  steps:",
        "    - name: set-status",
        '      image: "$(params.IMAGE)"',
        *_restricted(),
        *_env(),
        "      script: |",
    ]
    body = [f"        {line}" if line else "" for line in script.splitlines()]
    return _HEADER + "\n".join([*_params(), *_results(), *step, *body]) + "\n"
