"""Text splicing by node offsets: before/after text, everything else byte for byte."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from finale.adapters.yaml.instrument import instrument_text
from finale.adapters.yaml.load import parse_text
from finale.adapters.yaml.render import IndentStyle, render_sequence, scalar
from finale.adapters.yaml.rewrite import (
    Edit,
    append_items,
    apply_edits,
    child,
    compose_documents,
    detect_style,
    insert_entry,
    prepend_items,
    remove_item,
    to_plain,
)
from finale.core.instrument.plan import FlowList, Options
from finale.core.validation.document import validate_document
from finale.errors import InputError, ValidationError, YamlSyntaxError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "instrument"

# (before, after, options): the after files are the reviewed expected output.
CASES = [
    pytest.param("seed-before.yaml", "seed-after.yaml", Options(), id="seed"),
    pytest.param("odd-before.yaml", "odd-after.yaml", Options(start_status=True), id="odd-indent"),
    pytest.param(
        "pipelinerun-before.yaml",
        "pipelinerun-after.yaml",
        Options(style="one-task", context="ci/tekton"),
        id="pipelinerun",
    ),
    pytest.param("flow-before.json", "flow-after.json", Options(start_status=True), id="json"),
    pytest.param("moved-before.yaml", "moved-after.yaml", Options(start_status=True), id="moved"),
    pytest.param("guarded-before.yaml", "guarded-after.yaml", Options(), id="guarded"),
    pytest.param("answer-before.yaml", "answer-after.yaml", Options(), id="answer"),
]


def _root(text: str):
    return compose_documents(text, "t.yaml")[0]


def _kept_in_order(kept: list[str], after: list[str]) -> bool:
    """True when `after` is `kept` with lines inserted and nothing else changed."""
    matcher = difflib.SequenceMatcher(a=kept, b=after, autojunk=False)
    return all(op in {"equal", "insert"} for op, *_ in matcher.get_opcodes())


@pytest.mark.parametrize(("before", "after", "options"), CASES)
def test_instrument_matches_expected_text(before: str, after: str, options: Options) -> None:
    text = (FIXTURES / before).read_text()
    result = instrument_text(text, before, options)
    assert result.text == (FIXTURES / after).read_text()


@pytest.mark.parametrize(("before", "after", "options"), CASES)
def test_instrument_is_idempotent(before: str, after: str, options: Options) -> None:
    text = (FIXTURES / after).read_text()
    result = instrument_text(text, after, options)
    assert result.text == text
    assert result.changed == ()


@pytest.mark.parametrize(("before", "after", "options"), CASES)
def test_output_parses_as_the_same_kinds(before: str, after: str, options: Options) -> None:
    old = parse_text((FIXTURES / before).read_text(), before)
    new = parse_text((FIXTURES / after).read_text(), after)
    assert [d.data["kind"] for d in new] == [d.data["kind"] for d in old]


@pytest.mark.parametrize(("before", "after", "options"), CASES)
def test_output_validates_with_zero_errors(before: str, after: str, options: Options) -> None:
    for doc in parse_text((FIXTURES / after).read_text(), after):
        assert validate_document(doc.data) == []


def test_seed_keeps_every_line_but_the_moved_reporter() -> None:
    before = (FIXTURES / "seed-before.yaml").read_text().splitlines()
    after = (FIXTURES / "seed-after.yaml").read_text().splitlines()
    start = before.index("    - name: report-pipeline-end-to-gitlab")
    # The dag-level reporter was the last task: it runs to the end of the file.
    assert _kept_in_order(before[:start], after)
    assert after[start] == "  finally:"


def test_seed_finally_tasks_are_the_answer_pattern() -> None:
    doc = parse_text((FIXTURES / "seed-after.yaml").read_text(), "s")[0].data
    spec = doc["spec"]
    assert [t["name"] for t in spec["tasks"]] == ["fetch-repository", "buildpacks"]
    failed, success, canceled = spec["finally"]
    assert failed["when"] == [{"input": "$(tasks.status)", "operator": "in", "values": ["Failed", "None"]}]
    # The seed has no DAG guard: Completed only follows a graceful stop, reported as canceled.
    assert success["when"][0]["values"] == ["Succeeded"]
    assert canceled["when"][0]["values"] == ["Completed"]
    assert {p["name"]: p["value"] for p in canceled["params"]}["STATE"] == "canceled"
    params = {p["name"]: p["value"] for p in success["params"]}
    assert params == {
        "STATE": "success",
        "GITLAB_HOST_URL": "$(params.GITLAB_HOST)",
        "REPO_FULL_NAME": "$(params.REPO_PATH_ONLY)",
        "GITLAB_TOKEN_SECRET_NAME": "gitlab-api-secret",
        "GITLAB_TOKEN_SECRET_KEY": "token",
        "SHA": "$(params.SOURCE_REVISION)",
        "TARGET_URL": "$(params.TEKTON_DASHBOARD_HOST)/#/namespaces/default/pipelineruns/$(context.pipelineRun.name)",
        "CONTEXT": "tekton-pipeline",
        "DESCRIPTION": "Finished building your commit in Tekton",
    }
    assert {p["name"]: p["value"] for p in failed["params"]}["STATE"] == "failed"


@pytest.mark.parametrize("name", ["odd", "pipelinerun", "flow"])
def test_only_insertions_when_nothing_moves(name: str) -> None:
    suffix = ".json" if name == "flow" else ".yaml"
    before = (FIXTURES / f"{name}-before{suffix}").read_text()
    after = (FIXTURES / f"{name}-after{suffix}").read_text()
    if name == "flow":  # one-line JSON: compare characters instead of lines
        assert _kept_in_order(list(before), list(after))
    else:
        assert _kept_in_order(before.splitlines(), after.splitlines())


def test_moved_reporter_and_its_references_are_the_only_deletions() -> None:
    before = (FIXTURES / "moved-before.yaml").read_text().splitlines()
    after = (FIXTURES / "moved-after.yaml").read_text().splitlines()
    start = before.index("    # reports too early: a failed build never gets here")
    end = before.index("    - name: archive")
    kept = before[:start] + before[end:]
    # runAfter entries naming the reporter are rewritten, not kept.
    kept = [line for line in kept if "report" not in line.split("#")[0]]
    assert _kept_in_order(kept, after)
    assert "      runAfter: [build]  # waits for the reporter" in after


def test_clash_is_refused_with_path_and_fix() -> None:
    with pytest.raises(ValidationError) as info:
        instrument_text((FIXTURES / "clash.yaml").read_text(), "clash.yaml", Options())
    assert str(info.value) == (
        'clash.yaml: a task named "report-pipeline-success-to-gitlab" already exists and is '
        "not one of the gitlab-set-status reporters finale adds: spec.finally[0].name\n"
        "  fix: rename that task; finale needs the name "
        '"report-pipeline-success-to-gitlab" for its reporter'
    )


def test_file_without_pipeline_is_refused() -> None:
    text = "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec: {steps: []}\n"
    with pytest.raises(InputError, match="no Pipeline and no PipelineRun"):
        instrument_text(text, "task.yaml", Options())


def test_yaml_syntax_error_names_file_and_line() -> None:
    with pytest.raises(YamlSyntaxError, match=r"^bad\.yaml:4:1: not valid YAML"):
        instrument_text("kind: Pipeline\nspec:\n  tasks: [a\n", "bad.yaml", Options())


def test_multi_document_instruments_each_pipeline() -> None:
    one = (
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: {n}\nspec:\n"
        "  tasks:\n  - name: a\n    taskRef:\n      name: x\n"
    )
    text = "---\n" + one.format(n="p1") + "---\n" + one.format(n="p2")
    result = instrument_text(text, "two.yaml", Options(style="one-task"))
    assert result.changed == ("two.yaml#1: spec", "two.yaml#2: spec")
    docs = parse_text(result.text, "two.yaml")
    assert [[t["name"] for t in d.data["spec"]["finally"]] for d in docs] == [
        ["report-pipeline-status-to-gitlab"],
        ["report-pipeline-status-to-gitlab"],
    ]


def test_end_of_file_without_newline_gets_its_own_line() -> None:
    text = "kind: Pipeline\nspec:\n  tasks:\n  - name: a\n    taskRef: {name: x}"
    result = instrument_text(text, "p.yaml", Options(style="one-task"))
    assert result.text.startswith("kind: Pipeline\nspec:\n  params:\n")
    assert "    taskRef: {name: x}\n  finally:\n  - name: report-pipeline-status" in result.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "a:\n  b:\n    c: 1\n  l:\n    - x: 1\n      y: 2\n",
            IndentStyle(mapping=2, sequence_offset=2, dash_width=2),
            id="two",
        ),
        pytest.param(
            "a:\n    b: 1\n    l:\n    - x: 1\n      y: 2\n    - x: 3\n",
            IndentStyle(mapping=4, sequence_offset=0, dash_width=2),
            id="four-flush",
        ),
        pytest.param(
            "l:\n  -   x: 1\n      y: 2\n  -   x: 3\n",
            IndentStyle(mapping=2, sequence_offset=2, dash_width=4),
            id="wide-dash",
        ),
        pytest.param("{a: {b: 1}}\n", IndentStyle(), id="flow-only-defaults"),
    ],
)
def test_detect_style(text: str, expected: IndentStyle) -> None:
    assert detect_style([_root(text)]) == expected


def test_render_sequence_quotes_values_and_keeps_flow_lists() -> None:
    style = IndentStyle(mapping=4, sequence_offset=0, dash_width=2)
    lines = render_sequence(
        [
            {
                "name": "t",
                "when": [{"input": "$(tasks.status)", "values": FlowList(("a", "b"))}],
                "taskRef": {"name": "x"},
                "params": [{"name": "on", "value": "true"}],
            }
        ],
        4,
        style,
    )
    assert lines == [
        "    - name: t",
        "      when:",
        '      - input: "$(tasks.status)"',
        '        values: ["a", "b"]',
        "      taskRef:",
        "          name: x",
        "      params:",
        '      - name: "on"',
        '        value: "true"',
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain-name", "plain-name"),
        ("yes", '"yes"'),
        ("1.10", '"1.10"'),
        ("$(params.x)", '"$(params.x)"'),
        ("a b", '"a b"'),
        ('say "hi"', '"say \\"hi\\""'),
    ],
)
def test_scalar(value: str, expected: str) -> None:
    assert scalar(value) == expected


def test_append_to_block_sequence_after_trailing_comment_of_last_item() -> None:
    text = "l:\n  - a  # first\n  - b  # last\n# after\n"
    seq = child(_root(text), "l")
    edit = append_items(text, seq, ["c"], IndentStyle())
    assert apply_edits(text, [edit]) == "l:\n  - a  # first\n  - b  # last\n  - c\n# after\n"


def test_append_to_flow_sequences() -> None:
    text = "a: [x, 'y']  # c\nb: []\n"
    root = _root(text)
    edits = [
        append_items(text, child(root, "a"), ["z"], IndentStyle()),
        append_items(text, child(root, "b"), [{"k": "v"}], IndentStyle()),
    ]
    assert apply_edits(text, edits) == 'a: [x, \'y\', "z"]  # c\nb: [{"k": "v"}]\n'


def test_prepend_goes_above_the_comment_of_the_first_item() -> None:
    text = "l:\n    # the first\n    - a\n"
    edit = prepend_items(text, child(_root(text), "l"), ["new"], IndentStyle())
    assert apply_edits(text, [edit]) == "l:\n    - new\n    # the first\n    - a\n"


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        pytest.param(0, "l:\n  - b\n  # about c\n  - c: |\n      text\n\nz: 1\n", id="first"),
        pytest.param(2, "l:\n  # about a\n  - a\n  - b\n\nz: 1\n", id="block-scalar-last"),
    ],
)
def test_remove_block_item_with_its_comments(index: int, expected: str) -> None:
    text = "l:\n  # about a\n  - a\n  - b\n  # about c\n  - c: |\n      text\n\nz: 1\n"
    edit = remove_item(text, child(_root(text), "l"), index)
    assert apply_edits(text, [edit]) == expected


@pytest.mark.parametrize(
    ("index", "expected"),
    [(0, "r: [b, c]\n"), (1, "r: [a, c]\n"), (2, "r: [a, b]\n")],
)
def test_remove_flow_item(index: int, expected: str) -> None:
    text = "r: [a, b, c]\n"
    assert apply_edits(text, [remove_item(text, child(_root(text), "r"), index)]) == expected


def test_insert_entry_before_and_after_keys() -> None:
    text = "m:\n  a: 1  # one\n  # about b\n  b:\n    - x\n  c: 3\n"
    mapping = child(_root(text), "m")
    edits = [
        insert_entry(text, mapping, "new1", "v", IndentStyle(), before="b"),
        insert_entry(text, mapping, "new2", ["w"], IndentStyle(), after="b"),
    ]
    assert apply_edits(text, edits) == (
        "m:\n  a: 1  # one\n  new1: v\n  # about b\n  b:\n    - x\n  new2:\n    - w\n  c: 3\n"
    )


def test_insert_entry_in_flow_mapping() -> None:
    text = "m: {a: 1}\ne: {}\n"
    root = _root(text)
    edits = [
        insert_entry(text, child(root, "m"), "b", ["x"], IndentStyle()),
        insert_entry(text, child(root, "e"), "c", "y", IndentStyle()),
    ]
    assert apply_edits(text, edits) == 'm: {a: 1, "b": ["x"]}\ne: {"c": "y"}\n'


def test_apply_edits_keeps_given_order_at_one_offset_and_refuses_overlaps() -> None:
    assert apply_edits("ab", [Edit(1, 1, "1"), Edit(1, 1, "2"), Edit(0, 1, "")]) == "12b"
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits("abcd", [Edit(0, 2, ""), Edit(1, 3, "")])


def test_to_plain_keeps_scalars_as_text() -> None:
    assert to_plain(_root("a: [1, yes, '0.1']\nb: {c: ~}\n")) == {"a": ["1", "yes", "0.1"], "b": {"c": "~"}}


ONE_TASK = Options(style="one-task")


def _heads(text: str) -> list[str]:
    """The lines at the two outer levels: enough to see where blocks went."""
    return [line for line in text.splitlines() if not line.startswith("    ")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "kind: Pipeline\nspec:\n  params: []\n  tasks:\n  - name: a\n  finally: []  # none yet\n",
            [
                "kind: Pipeline",
                "spec:",
                "  params:",
                "  - name: GITLAB_HOST_URL",
                "  - name: REPO_FULL_NAME",
                "  - name: SHA",
                "  - name: GITLAB_TOKEN_SECRET_NAME",
                "  - name: GITLAB_TOKEN_SECRET_KEY",
                "  - name: TEKTON_DASHBOARD_URL",
                "  tasks:",
                "  - name: a",
                "  finally:  # none yet",
                "  - name: report-pipeline-status-to-gitlab",
            ],
            id="empty-flow-lists",
        ),
        pytest.param(
            "kind: Pipeline\nspec:\n  params: [{name: sha}, {name: gitlab-host},"
            " {name: repo-path}, {name: dashboard-url}]\n  tasks:\n  - name: a\n"
            "  finally: ~\n  results: []\n",
            [
                "kind: Pipeline",
                "spec:",
                "  params: [{name: sha}, {name: gitlab-host}, {name: repo-path}, "
                '{name: dashboard-url}, {"name": "GITLAB_TOKEN_SECRET_NAME", '
                '"type": "string", "description": "Name of the Secret holding the GitLab '
                'API token (scope api)", "default": "gitlab-api-secret"}, {"name": '
                '"GITLAB_TOKEN_SECRET_KEY", "type": "string", "description": "Key of the '
                'GitLab API token in that Secret", "default": "token"}]',
                "  tasks:",
                "  - name: a",
                "  finally:",
                "  - name: report-pipeline-status-to-gitlab",
                "  results: []",
            ],
            id="null-finally-flow-params",
        ),
    ],
)
def test_empty_and_flow_lists(text: str, expected: list[str]) -> None:
    result = instrument_text(text, "p.yaml", ONE_TASK)
    assert _heads(result.text) == expected
    assert instrument_text(result.text, "p.yaml", ONE_TASK).text == result.text


def test_crlf_file_stays_crlf() -> None:
    text = "kind: Pipeline\r\nspec:\r\n  tasks:\r\n  - name: a  # keep\r\n"
    result = instrument_text(text, "p.yaml", ONE_TASK).text
    assert result.startswith("kind: Pipeline\r\nspec:\r\n  params:\r\n")
    assert "\n" not in result.replace("\r\n", "")
    assert "  - name: a  # keep\r\n  finally:\r\n" in result


def test_deeper_comment_above_a_removed_item_stays_with_the_item_before() -> None:
    text = "l:\n  - a:\n      - x\n      # about x\n  # about b\n  - b\n"
    edit = remove_item(text, child(_root(text), "l"), 1)
    assert apply_edits(text, [edit]) == "l:\n  - a:\n      - x\n      # about x\n"
