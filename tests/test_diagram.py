"""Mermaid flowcharts of workflows: their shape, and labels that document text can't escape."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from support import write_documents
from test_actions import JOBS_OPENAPI, POLLING

from generator import ir
from generator.compile.document import compile_document
from generator.diagnostics import Diagnostics
from generator.diagram import mermaid_label, module_flowcharts, plain_text, workflow_flowchart
from generator.expressions import ast
from generator.expressions.parser import parse_condition
from generator.types import ANY, STR

STRAIGHT = """
      - stepId: create
        operationId: createJob
        successCriteria: [{condition: $statusCode == 202}]
        outputs: {id: $response.body#/id}
      - stepId: fetch
        operationId: getJob
        parameters: [{name: id, in: path, value: $steps.create.outputs.id}]
        successCriteria: [{condition: $statusCode == 200}]
"""


def compile_module(tmp_path: Path, steps: str) -> ir.Module:
    documents = {
        "workflow.arazzo.yaml": f"""
arazzo: 1.0.1
info: {{title: Jobs, version: "1"}}
sourceDescriptions:
  - {{name: jobs, url: ./jobs.openapi.yaml}}
workflows:
  - workflowId: run-job
    steps:
{steps}
""",
        "jobs.openapi.yaml": JOBS_OPENAPI,
    }
    write_documents(tmp_path, documents)
    diagnostics = Diagnostics()
    module = compile_document(tmp_path / "workflow.arazzo.yaml", diagnostics)
    assert module is not None, [str(d) for d in diagnostics.sorted()]
    return module


def test_straight_line_workflow(tmp_path: Path) -> None:
    module = compile_module(tmp_path, STRAIGHT)

    assert workflow_flowchart(module.workflows[0]) == "\n".join(
        [
            "flowchart TD",
            '    start(["start"])',
            '    s1["create: POST /jobs"]',
            '    s2["fetch: GET /jobs/{id}"]',
            '    finish(["end"])',
            '    failed(["fails"])',
            "    start --> s1",
            "    s1 --> s2",
            '    s1 -.->|"not: $statusCode == 202"| failed',
            "    s2 --> finish",
            '    s2 -.->|"not: $statusCode == 200"| failed',
        ]
    )


POLLING_CHART = "\n".join(
    [
        "flowchart TD",
        '    start(["start"])',
        '    s1["create: POST /jobs"]',
        '    s2["poll: GET /jobs/{id}"]',
        '    s3["alert: POST /alerts"]',
        '    finish(["end"])',
        '    failed(["fails"])',
        "    start --> s1",
        "    s1 --> s2",
        '    s1 -.->|"not: $statusCode == 202"| failed',
        "    s2 -->|\"again: $response.body#35;/state == 'running'\"| s2",
        "    s2 -->|\"done: $response.body#35;/state == 'done'\"| finish",
        '    s2 -->|"otherwise"| s3',
        '    s2 -.->|"backoff: $statusCode == 503, retry ≤2 after 0.01s"| s2',
        '    s2 -.->|"alert"| s3',
        "    s3 --> finish",
        '    s3 -.->|"not: 2xx"| failed',
    ]
)


def test_polling_workflow_with_actions(tmp_path: Path) -> None:
    module = compile_module(tmp_path, POLLING)

    assert workflow_flowchart(module.workflows[0]) == POLLING_CHART
    assert module_flowcharts(module) == f"## run-job\n\n```mermaid\n{POLLING_CHART}\n```\n"


def test_output_is_deterministic(tmp_path: Path) -> None:
    first = compile_module(tmp_path / "a", POLLING)
    second = compile_module(tmp_path / "b", POLLING)

    assert module_flowcharts(first) == module_flowcharts(second)


# ---- IR built directly -------------------------------------------------------------------

EMPTY = ir.DataclassSpec("Empty", "", ())
SOURCE = ir.Source("api", "API_URL", "api_url", "https://api.example")


def criterion(text: str) -> ir.Criterion:
    return ir.Criterion(text, parse_condition("true"))


def operation(method: str = "GET", path: str = "/things") -> ir.OperationCall:
    return ir.OperationCall(SOURCE, None, method, path, (), (), None)


def calls(workflow_id: str) -> ir.WorkflowCall:
    return ir.WorkflowCall(workflow_id, "f", EMPTY, EMPTY, (), "called")


def step(
    step_id: str,
    call: ir.OperationCall | ir.WorkflowCall | None = None,
    criteria: tuple[ir.Criterion, ...] = (),
    on_success: tuple[ir.Action, ...] = (),
    on_failure: tuple[ir.Action, ...] = (),
) -> ir.Step:
    return ir.Step(step_id, None, call or operation(), criteria, (), on_success, on_failure)


def workflow(
    workflow_id: str, steps: tuple[ir.Step, ...], dependencies: tuple[ir.WorkflowCall, ...] = ()
) -> ir.Workflow:
    return ir.Workflow(
        workflow_id, "f", None, None, EMPTY, EMPTY, (), (SOURCE,), steps, dependencies
    )


def test_nested_workflows_dependencies_and_retry_via_a_step() -> None:
    chart = workflow_flowchart(
        workflow(
            "buy",
            (
                step("authenticate", calls("sign-in")),
                step(
                    "order",
                    operation("POST", "/orders"),
                    (criterion("$statusCode == 201"),),
                    on_success=(ir.Action("report", "goto", (), workflow=calls("notify")),),
                    on_failure=(
                        ir.Action(
                            "refresh",
                            "retry",
                            (criterion("$statusCode == 401"),),
                            step_id="authenticate",
                        ),
                        ir.Action("quit", "end", (criterion("$statusCode == 409"),)),
                    ),
                ),
            ),
            dependencies=(calls("setup"), calls("warm-up")),
        )
    )

    assert chart == "\n".join(
        [
            "flowchart TD",
            '    start(["start"])',
            '    d1[["depends on setup"]]',
            '    d2[["depends on warm-up"]]',
            '    s1[["authenticate: runs workflow sign-in"]]',
            '    s2["order: POST /orders"]',
            '    w1[["runs workflow notify"]]',
            '    finish(["end"])',
            '    failed(["fails"])',
            "    d1 --> d2",
            "    d2 --> start",
            "    start --> s1",
            "    s1 --> s2",
            '    s1 -.->|"error"| failed',
            '    s2 -->|"report"| w1',
            "    w1 --> finish",
            '    s2 -.->|"refresh: $statusCode == 401, retry ≤1"| s1',
            '    s1 -.->|"then retry"| s2',
            '    s2 -.->|"quit: $statusCode == 409"| finish',
            '    s2 -.->|"not: $statusCode == 201"| failed',
        ]
    )


def test_unconditional_actions_replace_the_default_edges() -> None:
    chart = workflow_flowchart(
        workflow(
            "w",
            (
                step(
                    "only",
                    on_success=(ir.Action("stop", "end", ()),),
                    on_failure=(ir.Action("again", "retry", (), retry_after=5.0, retry_limit=3),),
                ),
            ),
        )
    )

    assert chart.splitlines()[-3:] == [
        "    start --> s1",
        '    s1 -->|"stop"| finish',
        '    s1 -.->|"again: retry ≤3 after 5s"| s1',
    ]
    assert "failed" not in chart


def test_regex_jsonpath_and_xpath_criteria_show_their_context() -> None:
    header = ir.ExpressionValue(
        ast.MessageRef("response", "header", "X-Id"), ir.ResponseValue("header", "X-Id"), None, STR
    )
    body = ir.ExpressionValue(
        ast.MessageRef("response", "body"), ir.ResponseValue("body"), None, ANY
    )
    regex = ir.Criterion(r"^\d+$", None, "regex", header)
    jsonpath = ir.Criterion("$.ok", None, "jsonpath", body)
    steps = (step("a", criteria=(regex,)), step("b", criteria=(jsonpath,)))

    chart = workflow_flowchart(workflow("w", steps))

    assert '    s1 -.->|"not: $response.header.X-Id matches regex ^\\d+$"| failed' in chart
    assert '    s2 -.->|"not: $response.body matches jsonpath $.ok"| failed' in chart


def test_long_criteria_are_cut_short() -> None:
    long = "$response.body#/state == '" + "x" * 100 + "'"
    chart = workflow_flowchart(workflow("w", (step("s", criteria=(criterion(long),)),)))

    label = re.search(r'\|"not: ([^"]*)"\|', chart)
    assert label is not None
    decoded = decode(label.group(1))
    assert len(decoded) == 60
    assert decoded.endswith("…")
    assert long.startswith(decoded[:-1])


# ---- hostile text ------------------------------------------------------------------------

HOSTILE = [
    'a"] --> evil["x',
    "x]) --> y((z",
    "a|b -->|c| d",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "line\nbreak\r\nand\u2028more\ttab",
    "#quot; #35; #9829; &lt; &#60; &&amp; &",
    "`**markdown**` string",
    "%%{init: {'theme': 'dark'}}%%",
    "click s1 call alert()",
    "s1:::red",
    "\ufb02\u00b0\u00b060\u00b6\u00df \ufb02\u00b0lt\u00b6\u00df",
    "end",
    "style s1 fill:#f00;",
    "\u202eevil\u200b",
]

NODE = re.compile(r'^    (start|finish|failed|[sdw]\d+)(\(\[|\[\[|\[)"([^"]*)"(\]\)|\]\]|\])$')
EDGE = re.compile(
    r'^    (start|[sdw]\d+) (-->|-\.->)(?:\|"([^"]*)"\|)? (start|finish|failed|[sdw]\d+)$'
)
ENTITY = re.compile(r"#(\w+);")


def decode(label: str) -> str:
    """What Mermaid shows for a label: its entity codes decoded."""

    def character(match: re.Match[str]) -> str:
        name = match.group(1)
        return chr(int(name)) if name.isdigit() else html.unescape(f"&{name};")

    return ENTITY.sub(character, label)


def check_chart(chart: str) -> list[str]:
    """Every line is a header, a node or an edge of the expected forms (so brackets and quotes
    balance); returns the labels, each checked to hold nothing that could end it or start
    HTML, markdown, a comment or an entity the document spelled."""
    lines = chart.split("\n")
    assert lines[0] == "flowchart TD"
    labels: list[str] = []
    for line in lines[1:]:
        node = NODE.match(line)
        edge = EDGE.match(line)
        assert node or edge, line
        opening = node.group(2) if node else None
        if node and opening:
            assert node.group(4) == opening[::-1].replace("[", "]").replace("(", ")")
            labels.append(node.group(3))
        elif edge and edge.group(3) is not None:
            labels.append(edge.group(3))
    for label in labels:
        assert not set(label) & set('"|<>`%\n\r\u2028\ufb02\u00b6'), label
        assert not re.search(r"&[A-Za-z0-9#]", label), label
        for hash_at in (m.start() for m in re.finditer("#", label)):
            assert ENTITY.match(label, hash_at), label
    return labels


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_stays_inside_its_label(text: str) -> None:
    hostile = workflow(
        text,
        (
            step(
                text,
                operation(text, text),
                (criterion(text),),
                on_success=(ir.Action(text, "goto", (criterion(text),), step_id=text),),
                on_failure=(ir.Action(text, "end", (), workflow=calls(text)),),
            ),
            step(text, calls(text)),
        ),
        dependencies=(calls(text),),
    )

    labels = check_chart(workflow_flowchart(hostile))

    shown = plain_text(text)
    assert len(labels) == 11
    assert sum(shown[:20] in decode(label) for label in labels) >= 6
    assert decode(mermaid_label(text)) == shown


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_workflow_ids_in_markdown(text: str) -> None:
    module = ir.Module("p", "d.arazzo.yaml", "t", None, None, (workflow(text, (step("s"),)),))

    markdown = module_flowcharts(module)

    lines = markdown.split("\n")
    assert lines[0].startswith("## ")
    assert lines[1:3] == ["", "```mermaid"]
    assert lines[-2:] == ["```", ""]
    assert sum(line.startswith("```") for line in lines) == 2
    assert "<" not in lines[0].replace("\\<", "")
    check_chart("\n".join(lines[3:-2]))
