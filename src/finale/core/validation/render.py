"""Tekton's own rendering of admission errors (knative.dev/pkg/apis `FieldError.Error`).

Errors with the same message and details are merged (paths joined, sorted), the groups are
sorted by message then details, each printed as `<message>: <paths>` plus a details line when there is one.
"""

from __future__ import annotations

from collections.abc import Iterable

from finale.errors import FieldError

_URL = "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#names"
STEP_NAME_DETAILS = f"Task step name must be a valid DNS Label, For more info refer to {_URL}"
TASK_NAME_DETAILS = f"Pipeline Task name must be a valid DNS Label.For more info refer to {_URL}"
RESULT_NAME_DETAILS = (
    "Name must consist of alphanumeric characters, '-', '_', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my-name',  or 'my_name', regex used for "
    "validation is '^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$')"
)


def details_for(error: FieldError) -> str:
    """The details line Tekton attaches to some messages (FieldError has no room for it)."""
    message, path = error.message, error.path
    if message.startswith('invalid value "') and path.endswith(".name"):
        return STEP_NAME_DETAILS if ".steps[" in path else TASK_NAME_DETAILS
    if message.startswith('invalid value: "') and path.endswith(".onError"):
        return 'Task step onError must be either "continue" or "stopAndFail"'
    if path.endswith(".OnError") and message.startswith("invalid value: "):
        return 'PipelineTask OnError must be either "continue" or "stopAndFail"'
    if message.startswith("invalid key name "):
        return RESULT_NAME_DETAILS
    if message.startswith("invalid value: ") and ".results[" in path and path.endswith(".type"):
        return "type must be string"
    if message.startswith("The format of following array and string variable names"):
        return (
            "String/Array Names: \nMust only contain alphanumeric characters, hyphens (-), "
            "underscores (_), and dots (.)\nMust begin with a letter or an underscore (_)"
        )
    if message.startswith("Object param name and key name format is invalid"):
        return (
            "Object Names: \nMust only contain alphanumeric characters, hyphens (-), "
            "underscores (_) \nMust begin with a letter or an underscore (_)"
        )
    return ""


def render_errors(errors: Iterable[FieldError]) -> str:
    """Tekton's text for a list of errors, as `kubectl apply` shows after `validation failed:`."""
    groups: dict[tuple[str, str], set[str]] = {}
    for error in errors:
        paths = groups.setdefault((error.message, details_for(error)), set())
        paths.update(p for p in error.path.split(", ") if p)
    lines = []
    for (message, details), paths in sorted(groups.items()):
        # Go prints "message: " even when no path is left.
        text = f"{message}: {', '.join(sorted(paths))}"
        lines.append(f"{text}\n{details}" if details else text)
    return "\n".join(lines)
