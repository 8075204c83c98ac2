"""Apply `finale.core.instrument.plan` plans to YAML text: every Pipeline and embedded pipelineSpec.

The plan says what to add or remove; this module finds the nodes and turns the plan into
text edits (`finale.adapters.yaml.rewrite`), leaving the rest of the file untouched.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from finale.adapters.yaml.render import IndentStyle, QuotedStr, render_sequence
from finale.adapters.yaml.rewrite import (
    Edit,
    after_line,
    append_items,
    apply_edits,
    child,
    compose_documents,
    detect_style,
    entry,
    insert_entry,
    is_flow,
    lines_text,
    prepend_items,
    remove_item,
    replace_value,
    to_plain,
)
from finale.core.instrument.plan import Options, Plan, RunAfterChange, plan_instrument
from finale.errors import InputError


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """A pipeline spec found in the file: where it is and its node."""

    source: str  # `file` or `file#2` (the document), as finale names documents elsewhere
    path: str  # `spec` or `spec.pipelineSpec`
    spec: MappingNode
    run_spec: MappingNode | None = None  # the PipelineRun's spec, for an embedded pipelineSpec


@dataclass(frozen=True, slots=True, kw_only=True)
class Instrumented:
    """The new text and what a user should know about it."""

    text: str
    changed: tuple[str, ...]  # `source: path` of every spec that was edited
    required_params: tuple[tuple[str, tuple[str, ...]], ...]  # new params without defaults
    run_placeholders: tuple[tuple[str, tuple[str, ...]], ...] = ()  # run params given PLACEHOLDER
    failing_finally: tuple[tuple[str, tuple[str, ...]], ...] = ()  # see Plan.failing_finally
    completed_fixed: tuple[str, ...] = ()  # specs whose reporters now post canceled for Completed


def find_targets(roots: Sequence[Node], source: str) -> Iterator[Target]:
    """Pipelines and PipelineRuns with `pipelineSpec`, also inside `kind: List`."""
    for index, root in enumerate(roots):
        name = source if len(roots) == 1 else f"{source}#{index + 1}"
        yield from _targets_in(root, name)


def _targets_in(node: Node, source: str) -> Iterator[Target]:
    kind = child(node, "kind")
    kind_name = kind.value if isinstance(kind, ScalarNode) else ""
    items = child(node, "items")
    if kind_name == "List" and isinstance(items, SequenceNode):
        for i, item in enumerate(items.value):
            yield from _targets_in(item, f"{source}: items[{i}]")
        return
    spec = child(node, "spec")
    if kind_name == "Pipeline" and isinstance(spec, MappingNode):
        yield Target(source=source, path="spec", spec=spec)
    embedded = child(spec, "pipelineSpec")
    if kind_name == "PipelineRun" and isinstance(embedded, MappingNode):
        assert isinstance(spec, MappingNode)  # it holds the pipelineSpec
        yield Target(source=source, path="spec.pipelineSpec", spec=embedded, run_spec=spec)


def _targets(roots: Sequence[Node], source: str) -> list[Target]:
    targets = list(find_targets(roots, source))
    if not targets:
        raise InputError(
            f"{source}: no Pipeline and no PipelineRun with spec.pipelineSpec to instrument\n"
            "  fix: pass the file that defines the Pipeline (a pipelineRef is not followed)"
        )
    return targets


def instrument_text(text: str, source: str, options: Options) -> Instrumented:
    """Instrument every pipeline spec in `text`; InputError when there is none or on a clash."""
    if "\r\n" in text:
        # Work on LF text and give the lines their CRLF back, new lines included.
        done = instrument_text(text.replace("\r\n", "\n"), source, options)
        return replace(done, text=done.text.replace("\n", "\r\n"))
    roots = compose_documents(text, source)
    style = detect_style(roots)
    targets = _targets(roots, source)
    edits: list[Edit] = []
    changed: list[str] = []
    required: list[tuple[str, tuple[str, ...]]] = []
    failing: list[tuple[str, tuple[str, ...]]] = []
    fixed: list[str] = []
    placeholders: list[tuple[str, tuple[str, ...]]] = []
    for target in targets:
        plan = plan_instrument(to_plain(target.spec), options, target.source, target.path)
        if plan.failing_finally:
            failing.append((f"{target.source}: {target.path}", plan.failing_finally))
        if plan.is_empty():
            continue
        edits += plan_edits(text, target.spec, plan, style)
        changed.append(f"{target.source}: {target.path}")
        if plan.completed_fixed:
            fixed.append(changed[-1])
        if plan.required_params and target.run_spec is not None:
            names = _unset_run_params(target.run_spec, plan.required_params)
            edits += _run_param_edits(text, target.run_spec, names, style)
            placeholders.append((f"{target.source}: spec.params", names))
        elif plan.required_params:
            required.append((f"{target.source}: {target.path}", plan.required_params))
    return Instrumented(
        text=apply_edits(text, edits),
        changed=tuple(changed),
        required_params=tuple(required),
        failing_finally=tuple(failing),
        completed_fixed=tuple(fixed),
        run_placeholders=tuple(placeholders),
    )


# A PipelineRun must give every param without a default (Tekton: ParameterMissing), so the
# params added to its embedded pipelineSpec get this value in its spec.params, to be replaced.
PLACEHOLDER = "CHANGE-ME"


def _unset_run_params(run_spec: MappingNode, names: Sequence[str]) -> tuple[str, ...]:
    params = child(run_spec, "params")
    given = set()
    for item in params.value if isinstance(params, SequenceNode) else ():
        name = child(item, "name")
        if isinstance(name, ScalarNode):
            given.add(name.value)
    return tuple(n for n in names if n not in given)


def _run_param_edits(text: str, run_spec: MappingNode, names: Sequence[str], style: IndentStyle) -> list[Edit]:
    if not names:
        return []
    items = [{"name": n, "value": PLACEHOLDER} for n in names]
    return _add_list_items(text, run_spec, "params", items, style, before="pipelineSpec")


def plan_edits(text: str, spec: MappingNode, plan: Plan, style: IndentStyle) -> list[Edit]:
    """Text edits for one spec; its `tasks` is a non-empty sequence (the plan checked)."""
    tasks = child(spec, "tasks")
    assert isinstance(tasks, SequenceNode)  # plan_instrument refuses anything else
    edits = [remove_item(text, tasks, i) for i in plan.remove_tasks]
    if plan.start_task is not None:
        edits.append(prepend_items(text, tasks, [plan.start_task], style))
    for change in plan.run_after:
        edits += _run_after_edits(text, tasks.value[change.task], change, style)
    if plan.add_params:
        edits += _add_list_items(text, spec, "params", plan.add_params, style, before="tasks")
    if plan.add_finally:
        # Reporters moved out of the DAG keep the quotes their lines had (`name: "STATE"`).
        quoted = _quoted_scalars([tasks.value[i] for i in plan.remove_tasks])
        finals = [_requote(item, quoted) for item in plan.add_finally]
        edits += _add_list_items(text, spec, "finally", finals, style, after="tasks")
    edits += _finally_item_edits(text, spec, plan, style)
    return edits


def _quoted_scalars(nodes: Sequence[Node]) -> dict[str, str]:
    """Text -> quote character of every quoted scalar in `nodes`."""
    found: dict[str, str] = {}
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode) and node.style in ('"', "'"):
            found.setdefault(str(node.value), node.style)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, MappingNode):
            stack.extend(v for pair in node.value for v in pair)
    return found


def _requote(value: Any, quoted: dict[str, str]) -> Any:
    if isinstance(value, str) and not isinstance(value, QuotedStr) and value in quoted:
        return QuotedStr(value, quoted[value])
    if isinstance(value, dict):
        return {k: _requote(v, quoted) for k, v in value.items()}
    if isinstance(value, list):
        return [_requote(v, quoted) for v in value]
    return value


def _finally_item_edits(text: str, spec: MappingNode, plan: Plan, style: IndentStyle) -> list[Edit]:
    """Append a when expression or a param to existing finally tasks."""
    finals = child(spec, "finally")
    edits: list[Edit] = []
    for key, changes in (("when", plan.add_when), ("params", plan.add_task_params)):
        for index, item in changes:
            assert isinstance(finals, SequenceNode)  # the plan read these tasks from it
            task = finals.value[index]
            assert isinstance(task, MappingNode)
            edits += _add_list_items(text, task, key, [item], style, after="name")
    return edits


def _add_list_items(
    text: str,
    mapping: MappingNode,
    key: str,
    items: Sequence[Any],
    style: IndentStyle,
    *,
    before: str | None = None,
    after: str | None = None,
) -> list[Edit]:
    found = entry(mapping, key)
    if found is None:
        return [insert_entry(text, mapping, key, list(items), style, before=before, after=after)]
    key_node, value = found
    if isinstance(value, SequenceNode) and (value.value or is_flow(mapping)):
        return [append_items(text, value, items, style)]
    # `key: []`, `key: ~` or `key:` in a block mapping: drop the empty value (keeping a
    # comment on that line) and write the items as a block under the key.
    lines = render_sequence(items, key_node.start_mark.column + style.sequence_offset, style)
    empty_end = key_node.end_mark.index + 1  # just after the colon
    has_text = isinstance(value, SequenceNode) or (isinstance(value, ScalarNode) and value.value)
    end = int(value.end_mark.index) if has_text else empty_end
    at = after_line(text, end)
    return [Edit(int(key_node.end_mark.index), end, ":"), Edit(at, at, lines_text(text, at, lines))]


def _run_after_edits(text: str, task: Node, change: RunAfterChange, style: IndentStyle) -> list[Edit]:
    assert isinstance(task, MappingNode)
    found = entry(task, "runAfter")
    value = found[1] if found else None
    if found is None or not isinstance(value, SequenceNode):
        return [insert_entry(text, task, "runAfter", list(change.add), style, after="name")]
    key = found[0]
    names = [str(v.value) for v in value.value]
    final = [n for i, n in enumerate(names) if i not in change.remove] + list(change.add)
    if not is_flow(value) and final and not change.add:
        return [remove_item(text, value, i) for i in change.remove]
    return [replace_value(text, key, value, final, style)]
