"""Tekton's wire words: condition statuses, TaskRun and PipelineRun reasons, skip reasons, `tasks.status`.

Values are the exact strings Tekton writes (pkg/apis/pipeline/v1/taskrun_types.go,
pipelinerun_types.go, pkg/reconciler/pipelinerun/resources/pipelinerunresolution.go); stdlib only,
as the `gitlab-set-status` Task script inlines this module.
"""

from __future__ import annotations

from enum import StrEnum


class ConditionStatus(StrEnum):
    """A Knative condition's `status` (knative.dev/pkg/apis `ConditionStatus`)."""

    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class TaskRunReason(StrEnum):
    """The `Succeeded` condition's reason of a TaskRun (v1 `TaskRunReason`)."""

    STARTED = "Started"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    TO_BE_RETRIED = "ToBeRetried"
    CANCELLED = "TaskRunCancelled"
    TIMEOUT = "TaskRunTimeout"
    # Set by the PipelineRun controller on a failed `onError: continue` task.
    FAILURE_IGNORED = "FailureIgnored"
    VALIDATION_FAILED = "TaskRunValidationFailed"
    CREATE_CONTAINER_CONFIG_ERROR = "CreateContainerConfigError"
    # A step exited non-zero (pkg/pod/status.go `getFailureInfo`).
    STEP_FAILED = "StepFailed"
    RESULTS_TOO_LARGE = "TerminationMessageTooLarge"
    RESULT_LARGER_THAN_ALLOWED = "TaskRunResultLargerThanAllowedLimit"


class TaskRunSpecStatus(StrEnum):
    """A TaskRun's `spec.status`: set once the PipelineRun cancels it."""

    NONE = ""
    CANCELLED = "TaskRunCancelled"


class PipelineRunReason(StrEnum):
    """The `Succeeded` condition's reason of a PipelineRun (v1 `PipelineRunReason`)."""

    STARTED = "Started"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELLED = "Cancelled"
    PENDING = "PipelineRunPending"
    STOPPING = "PipelineRunStopping"
    CANCELLED_RUNNING_FINALLY = "CancelledRunningFinally"
    STOPPED_RUNNING_FINALLY = "StoppedRunningFinally"
    TIMEOUT = "PipelineRunTimeout"
    TIMEOUT_RUNNING_FINALLY = "PipelineRunTimeoutRunningFinally"
    VALIDATION_FAILED = "PipelineValidationFailed"
    CEL_EVALUATION_FAILED = "CELEvaluationFailed"
    INVALID_PARAM_VALUE = "InvalidParamValue"
    COULDNT_GET_PIPELINE_RESULT = "CouldntGetPipelineResult"
    INVALID_PIPELINE_RESULT_REFERENCE = "InvalidPipelineResultReference"
    INVALID_TASK_RESULT_REFERENCE = "InvalidTaskResultReference"
    INVALID_TASK_RUN_SPECS = "InvalidTaskRunSpecs"
    INVALID_WORKSPACE_BINDINGS = "InvalidWorkspaceBindings"
    OBJECT_PARAMETER_MISS_KEYS = "ObjectParameterMissKeys"
    PARAM_ARRAY_INDEXING_INVALID = "ParamArrayIndexingInvalid"
    PARAMETER_MISSING = "ParameterMissing"
    PARAMETER_TYPE_MISMATCH = "ParameterTypeMismatch"
    REQUIRED_WORKSPACE_MARKED_OPTIONAL = "RequiredWorkspaceMarkedOptional"


class SkipReason(StrEnum):
    """Tekton's exact skip reasons (spec §3.6)."""

    WHEN = "When Expressions evaluated to false"
    PARENT_SKIPPED = "Parent Tasks were skipped"
    STOPPING = "PipelineRun was stopping"
    GRACEFULLY_CANCELLED = "PipelineRun was gracefully cancelled"
    GRACEFULLY_STOPPED = "PipelineRun was gracefully stopped"
    MISSING_RESULTS = "Results were missing"
    PIPELINE_TIMEOUT = "PipelineRun timeout has been reached"
    TASKS_TIMEOUT = "PipelineRun Tasks timeout has been reached"
    FINALLY_TIMEOUT = "PipelineRun Finally timeout has been reached"
    EMPTY_MATRIX = "Matrix Parameters have an empty array"


class TaskStatus(StrEnum):
    """The `tasks.<name>.status` variable in a finally task (spec §5.1)."""

    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    NONE = "None"


class AggregateStatus(StrEnum):
    """The `tasks.status` variable: the DAG tasks as one word, seen by finally tasks (spec §5.2)."""

    # In this order in messages listing the accepted values.
    SUCCEEDED = "Succeeded"
    COMPLETED = "Completed"
    FAILED = "Failed"
    NONE = "None"
