"""Fakes for the seams, shared by the tests: a clock that only moves when told, an executor
that follows a script, a GitLab delivery that records or refuses.

`run_scripted` runs an inline PipelineRun through the engine on the first two.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML

from finale.adapters.gitlab.wire import PostedStatus, StatusRequest
from finale.core.tekton.model import ParamValue
from finale.core.tekton.parse import pipeline_run
from finale.core.tekton.reasons import TaskRunReason
from finale.core.tekton.run_result import RunResult
from finale.engine.loop import Engine
from finale.engine.protocols import AttemptOutcome, AttemptRequest


class FakeClock:
    """A `finale.clock.Clock` that moves only when told or slept on; records each sleep."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.value = start
        self.waits: list[float] = []

    def now(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, seconds
        self.waits.append(seconds)
        self.advance(seconds)


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one attempt of a task does: succeed or fail with a reason, after `duration` seconds."""

    succeeded: bool = True
    reason: TaskRunReason = TaskRunReason.SUCCEEDED
    results: Mapping[str, ParamValue] = field(default_factory=dict)
    duration: float = 1.0


FAIL = Attempt(succeeded=False, reason=TaskRunReason.STEP_FAILED)


class FakeExecutor:
    """Finishes each attempt at once, in order; the clock moves by the attempt's duration.

    Attempts are looked up by PipelineTask name; a task not in the script succeeds.
    """

    def __init__(self, clock: FakeClock, script: Mapping[str, Sequence[Attempt]] | None = None) -> None:
        self.clock = clock
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.started: list[str] = []
        self.cancelled: list[str] = []

    def start(self, request: AttemptRequest, done: Callable[[AttemptOutcome], None]) -> None:
        tr = request.taskrun
        self.started.append(tr.name)
        attempts = self.script.get(tr.pipeline_task) or [Attempt()]
        attempt = attempts[min(request.retry_count, len(attempts) - 1)]
        start = self.clock.now()
        self.clock.advance(attempt.duration)
        done(
            AttemptOutcome(
                name=tr.name,
                succeeded=attempt.succeeded,
                reason=attempt.reason,
                message="All Steps have completed executing" if attempt.succeeded else '"step-x" exited with code 1',
                start=start,
                end=self.clock.now(),
                results=dict(attempt.results),
            )
        )

    def cancel(self, taskrun_name: str) -> None:
        self.cancelled.append(taskrun_name)


_ONE_STEP = {"steps": [{"image": "x", "script": "true"}]}


def run_scripted(
    yaml_text: str, script: Mapping[str, Sequence[Attempt]] | None = None
) -> tuple[RunResult, FakeExecutor]:
    """Run an inline PipelineRun (with `pipelineSpec`) through the engine, on a fake clock.

    A task without a `taskSpec` runs one step; every attempt follows `script`.
    """
    doc: dict[str, Any] = YAML(typ="safe").load(yaml_text)
    clock = FakeClock()
    executor = FakeExecutor(clock, script)
    spec = doc["spec"]["pipelineSpec"]
    tasks = spec.get("tasks", []) + spec.get("finally", [])
    task_specs = {t["name"]: t.get("taskSpec", _ONE_STEP) for t in tasks}
    return Engine(pipeline_run(doc), spec, task_specs, {}, executor, clock).execute(), executor


class FakeDelivery:
    """A `Delivery` that records each request and answers from `failures`, else posts it.

    `failures` are raised in turn, one per post, before posting starts to succeed.
    """

    def __init__(self, failures: Sequence[Exception] = ()) -> None:
        self.failures = list(failures)
        self.requests: list[StatusRequest] = []

    def post(self, request: StatusRequest) -> PostedStatus:
        self.requests.append(request)
        if self.failures:
            raise self.failures.pop(0)
        return PostedStatus(state=request.state, status_id=len(self.requests), pipeline_id=1, already=False, attempts=1)
