"""The whole exception tree of finale; every error finale raises on purpose sits in it.

    FinaleError                  known trouble: a message, no traceback (cli/error_handler.py)
     +-- InputError              bad input: exit 2 at the CLI edge
     |    +-- YamlSyntaxError       a file that is not YAML (file:line)
     |    +-- ValidationError       invalid Tekton, holding FieldError items
     |    |    +-- InvalidDocumentError   a document of the wrong kind (cli/common.py)
     |    +-- MissingReferenceError  a referenced Task/Pipeline/Secret not given with -f
     |    +-- EventError            a CloudEvent that cannot be read (core/gitlab/events.py)
     |    +-- ReportInputError      a status that cannot be sent as given; also a ValueError
     |    |                         (adapters/gitlab/wire.py)
     |    +-- CelError              a CEL guard that does not compile or evaluate (core/tekton/cel.py)
     |         +-- CelEvaluationError  at run time: the engine fails the PipelineRun with
     |                                 CELEvaluationFailed (core/tekton/when.py)
     +-- ReportError             GitLab down or refusing after retries: exit 1
     |    +-- StatusPostError       the client's verdict: transient or not, and GitLab's wait
     |                              (adapters/gitlab/wire.py)
     |    +-- DeliveryError         one post that did not land, transient or not
     |                              (adapters/gitlab/delivery.py)
     +-- ExecutorError           a step could not be started at all
     |    +-- StepStartError        the TaskRun fails with the error's reason
     |                              (adapters/executor/step_command.py)
     +-- InvalidParamValue       a TaskRun's param outside its enum: the engine fails the
     |                           PipelineRun with InvalidParamValue (engine/taskruns.py)
     +-- KubeError               the Kubernetes API refused or could not be reached
     |    |                      (adapters/kubernetes/api.py)
     |    +-- Gone                  410: the watched version was compacted away: relist
     |    +-- Conflict              409: the object changed since it was read: re-read
     +-- VerifyUnavailable       an event could not be checked against the Kubernetes API:
     |                           answered 503 (adapters/serve/server.py)
     +-- ApiStatus               the Kubernetes emulator's refusal, sent as a Status
     |                           (kubernetes_emulator/replies.py)
     +-- GitError                the emulator could not read its repository
     |                           (gitlab_emulator/repo.py)
     +-- SubsetDeclined          the quick YAML reader steps aside for ruamel's; caught where
                                 raised, never shown (adapters/yaml/scalars.py)

A failed step, task or run is a status, never an exception: the engine turns the errors it
catches into conditions. Anything outside this tree reaching the CLI is a bug (exit 3).
"""

from __future__ import annotations

from collections.abc import Iterable

from finale.record import Record, set_field


class FinaleError(Exception):
    """Base of every error finale reports to a user without a traceback."""


class InputError(FinaleError):
    """The user gave something finale cannot use; the message says what and how to fix it."""


class YamlSyntaxError(InputError):
    """A file is not valid YAML or JSON."""


# A Record, not a dataclass or NamedTuple: `finale validate` starts faster (finale/record.py).
class FieldError(Record):
    """One problem at one field path, e.g. `spec.tasks[1].runAfter[0]`."""

    __slots__ = ("hint", "message", "path")
    path: str
    message: str
    hint: str

    def __init__(self, path: str, message: str, hint: str = "") -> None:
        set_field(self, "path", path)
        set_field(self, "message", message)
        set_field(self, "hint", hint)

    def render(self) -> str:
        text = f"{self.message}: {self.path}" if self.path else self.message
        return f"{text}\n  fix: {self.hint}" if self.hint else text


class ValidationError(InputError):
    """Invalid Tekton: every problem at once, each with its field path."""

    def __init__(self, source: str, errors: Iterable[FieldError]) -> None:
        self.source = source
        self.errors = tuple(errors)
        lines = [f"{source}: {e.render()}" for e in self.errors]
        super().__init__("\n".join(lines) if lines else f"{source}: invalid")


class MissingReferenceError(InputError):
    """A referenced Task, Pipeline, Secret or ConfigMap was not given with -f."""


class ReportError(FinaleError):
    """GitLab was unreachable or refused the commit status."""


class ExecutorError(FinaleError):
    """A step could not be started (not a step failure: those are statuses)."""


__all__ = [
    "ExecutorError",
    "FieldError",
    "FinaleError",
    "InputError",
    "MissingReferenceError",
    "ReportError",
    "ValidationError",
    "YamlSyntaxError",
]
