"""Reading a TaskRun's results from its folder, typed and limited as Tekton does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finale.core.tekton.model import ParamValue
from finale.core.tekton.reasons import TaskRunReason

# Bytes a step's entrypoint may write as its termination message (results as JSON entries plus
# its start time); above it the entrypoint exits 1 and the results are lost (termination/write.go).
TERMINATION_LIMIT = 4096
TOO_LARGE = TaskRunReason.RESULTS_TOO_LARGE


def _read_texts(task_spec: Mapping[str, Any], results_dir: Path) -> dict[str, str]:
    """The declared results whose file exists, as text."""
    texts: dict[str, str] = {}
    for decl in task_spec.get("results") or ():
        path = results_dir / str(decl.get("name", ""))
        if path.is_file():
            texts[path.name] = path.read_text(encoding="utf-8", errors="replace")
    return texts


# A slotted class, not a dataclass: `finale run` starts faster without them (finale/record.py).
class TerminationWatch:
    """The results each step's entrypoint reports in its own termination message.

    After every step that ran, the entrypoint reads all declared result files into that
    container's message (entrypoint/entrypointer.go readResultsFromDisk); a message over 4096
    bytes makes that step exit 1 (termination/write.go errTooLong) while the steps after it still
    run, and the TaskRun keeps the results of the messages that fitted.
    """

    __slots__ = ("kept", "overflow", "results_dir", "task_spec")
    task_spec: Mapping[str, Any]
    results_dir: Path
    kept: dict[str, str]
    overflow: str  # the first container whose message was too long

    def __init__(self, task_spec: Mapping[str, Any], results_dir: Path) -> None:
        self.task_spec = task_spec
        self.results_dir = results_dir
        self.kept = {}
        self.overflow = ""

    def after_step(self, container: str) -> None:
        texts = _read_texts(self.task_spec, self.results_dir)
        if _termination_size(texts) > TERMINATION_LIMIT:
            self.overflow = self.overflow or container
        else:
            self.kept.update(texts)


Failure = tuple[TaskRunReason, str]


def read_results(
    task_spec: Mapping[str, Any],
    results_dir: Path,
    *,
    sidecar_logs: bool = False,
    texts: Mapping[str, str] | None = None,  # what the pod reported, if not the folder as it is
) -> tuple[dict[str, ParamValue], Failure | None]:
    """Declared results whose file exists; typed as Tekton types them, then validated.

    A result whose text does not have its declared type is dropped and fails the TaskRun, as do
    missing object keys (taskrun/validate_taskrun.go, validateTaskRunResults).
    """
    texts = dict(texts) if texts is not None else _read_texts(task_spec, results_dir)
    results, mismatched, missing_keys = _typed_results(task_spec, texts)
    failure = _validation_failure(mismatched, missing_keys)
    if failure is not None:
        return results, failure
    if sidecar_logs:
        return _sidecar_results(results, texts)
    if _termination_size(texts) > TERMINATION_LIMIT:
        return results, (TOO_LARGE, "Termination message is above max allowed size 4096, caused by large task result.")
    return results, None


def _typed_results(
    task_spec: Mapping[str, Any], texts: Mapping[str, str]
) -> tuple[dict[str, ParamValue], list[str], dict[str, list[str]]]:
    """(results, type mismatches, missing object keys) of the declared results that were written."""
    results: dict[str, ParamValue] = {}
    mismatched: list[str] = []
    missing_keys: dict[str, list[str]] = {}
    for decl in task_spec.get("results") or ():
        name = str(decl.get("name", ""))
        if name not in texts:
            continue
        rtype = decl.get("type") or ("object" if decl.get("properties") else "string")
        value, actual = (texts[name], "string") if rtype == "string" else _typed_result(texts[name])
        # A value of the wrong type stays in the TaskRun's status (filterResults keeps it);
        # only validateTaskRunResults then fails the TaskRun.
        results[name] = value
        if actual != rtype:
            mismatched.append(
                f' "{name}": task result is expected to be "{rtype}" type '
                f'but was initialized to a different type "{actual}"'
            )
        elif isinstance(value, dict):
            absent = [str(k) for k in decl.get("properties") or {} if k not in value]
            if absent:
                missing_keys[name] = sorted(absent)
    return results, mismatched, missing_keys


def _validation_failure(mismatched: list[str], missing_keys: dict[str, list[str]]) -> Failure | None:
    if mismatched:
        return (
            TaskRunReason.VALIDATION_FAILED,
            "[User error] Provided results don't match declared results; may be invalid JSON or missing result "
            "declaration: " + ",".join(sorted(mismatched)),
        )
    if missing_keys:
        listed = " ".join(f"{k}:[{' '.join(v)}]" for k, v in sorted(missing_keys.items()))
        return (
            TaskRunReason.VALIDATION_FAILED,
            f"[User error] missing keys for these results which are required in TaskResult's properties map[{listed}]",
        )
    return None


def _sidecar_results(
    results: dict[str, ParamValue], texts: Mapping[str, str]
) -> tuple[dict[str, ParamValue], tuple[TaskRunReason, str] | None]:
    """Results as the results sidecar logs them: one JSON line each, max-result-size at most.

    extractResultsFromLogs (sidecarlogresults.go) stops at the first line over the limit (4096
    by default) and keeps only the lines before it; the TaskRun then fails (taskrun.go,
    ErrSizeExceeded). The sidecar logs results in no fixed order; declaration order stands in.
    """
    names = list(texts)
    big = next((n for n in names if _sidecar_line_size(n, texts[n]) > TERMINATION_LIMIT), None)
    if big is None:
        return results, None
    kept = set(names[: names.index(big)])
    return {k: v for k, v in results.items() if k in kept}, (
        TaskRunReason.RESULT_LARGER_THAN_ALLOWED,
        f'[User error] result "{big}" is larger than the allowed limit of {TERMINATION_LIMIT} bytes',
    )


def _sidecar_line_size(name: str, text: str) -> int:
    line = json.dumps({"name": name, "value": text, "type": "task"}, separators=(",", ":"), ensure_ascii=False)
    return len(line.encode()) + 5 * sum(line.count(c) for c in "<>&")  # Go writes <, >, & as \u escapes


def _typed_result(text: str) -> tuple[ParamValue, str]:
    """ParamValue.UnmarshalJSON: a JSON list of strings, a JSON map of strings, else a string."""
    if text[:1] in ("[", "{"):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value, "array"
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            return {str(k): v for k, v in value.items()}, "object"
    try:
        quoted = json.loads(text)  # a JSON string is unquoted, anything else kept as written
    except ValueError:
        quoted = None
    return (quoted if isinstance(quoted, str) else text), "string"


def _termination_size(texts: Mapping[str, str]) -> int:
    """Length of the entrypoint's JSON message: one entry per result plus `StartedAt`."""
    entries: list[dict[str, Any]] = [{"key": k, "value": v, "type": 1} for k, v in texts.items()]
    entries.append({"key": "StartedAt", "value": "2006-01-02T15:04:05.000Z", "type": 3})
    text = json.dumps(entries, separators=(",", ":"), ensure_ascii=False)
    # Go's encoder writes <, > and & as six-byte \u escapes.
    return len(text.encode()) + 5 * sum(text.count(c) for c in "<>&")
