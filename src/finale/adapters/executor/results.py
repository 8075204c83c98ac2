"""Reading a TaskRun's results from its folder, typed and limited as Tekton does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from finale.core.tekton.model import ParamValue

# Bytes a step's entrypoint may write as its termination message (results as JSON entries plus
# its start time); above it the entrypoint exits 1 and the results are lost (termination/write.go).
TERMINATION_LIMIT = 4096
TOO_LARGE = "TerminationMessageTooLarge"


def read_results(
    task_spec: Mapping[str, Any], results_dir: Path, *, sidecar_logs: bool = False
) -> tuple[dict[str, ParamValue], tuple[str, str] | None]:
    """Declared results whose file exists; typed as Tekton types them, then validated.

    A result whose text does not have its declared type is dropped and fails the TaskRun, as do
    missing object keys (taskrun/validate_taskrun.go, validateTaskRunResults).
    """
    results: dict[str, ParamValue] = {}
    texts: dict[str, str] = {}
    mismatched: list[str] = []
    missing_keys: dict[str, list[str]] = {}
    for decl in task_spec.get("results") or ():
        name = str(decl.get("name", ""))
        path = results_dir / name
        if not path.is_file():
            continue
        texts[name] = text = path.read_text(encoding="utf-8", errors="replace")
        rtype = decl.get("type") or ("object" if decl.get("properties") else "string")
        value, actual = (text, "string") if rtype == "string" else _typed_result(text)
        if actual != rtype:
            mismatched.append(
                f' "{name}": task result is expected to be "{rtype}" type '
                f'but was initialized to a different type "{actual}"'
            )
            continue
        results[name] = value
        if isinstance(value, dict):
            absent = [str(k) for k in decl.get("properties") or {} if k not in value]
            if absent:
                missing_keys[name] = sorted(absent)
    if mismatched:
        return results, (
            "TaskRunValidationFailed",
            "[User error] Provided results don't match declared results; may be invalid JSON or missing result "
            "declaration: " + ",".join(sorted(mismatched)),
        )
    if missing_keys:
        listed = " ".join(f"{k}:[{' '.join(v)}]" for k, v in sorted(missing_keys.items()))
        return results, (
            "TaskRunValidationFailed",
            f"[User error] missing keys for these results which are required in TaskResult's properties map[{listed}]",
        )
    if sidecar_logs:
        # With sidecar logs each result may hold max-result-size bytes (default 4096); a larger
        # one fails the TaskRun (taskrun.go, sidecarlogresults.ErrSizeExceeded).
        big = next((n for n, t in texts.items() if len(t.encode()) > TERMINATION_LIMIT), None)
        if big is None:
            return results, None
        return results, (
            "TaskRunResultLargerThanAllowedLimit",
            f'[User error] result "{big}" is larger than the allowed limit of {TERMINATION_LIMIT} bytes',
        )
    if _termination_size(texts) > TERMINATION_LIMIT:
        return results, (TOO_LARGE, "Termination message is above max allowed size 4096, caused by large task result.")
    return results, None


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
    return text, "string"


def _termination_size(texts: Mapping[str, str]) -> int:
    """Length of the entrypoint's JSON message: one entry per result plus `StartedAt`."""
    entries: list[dict[str, Any]] = [{"key": k, "value": v, "type": 1} for k, v in texts.items()]
    entries.append({"key": "StartedAt", "value": "2006-01-02T15:04:05.000Z", "type": 3})
    text = json.dumps(entries, separators=(",", ":"), ensure_ascii=False)
    # Go's encoder writes <, > and & as six-byte \u escapes.
    return len(text.encode()) + 5 * sum(text.count(c) for c in "<>&")
