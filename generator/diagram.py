"""Mermaid flowcharts of workflows, for the README of a generated package.

Every label comes from the documents, which are not trusted, so no document text is ever
written outside a quoted label: node ids are generated (`s1`, `s2`, ...), each label is
written as `id["..."]` or `-->|"..."|`, and inside it every character that could end the
label, start HTML or markdown, or be read as a Mermaid entity code is written as a Mermaid
entity code (`#quot;`, `#35;`, ...). Line breaks and other control characters become spaces,
and long texts are cut short with an ellipsis.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from generator import ir
from generator.expressions.text import expression_text

LABEL_LIMIT = 60
"""The most characters of one document text (a criteria text, a path, a name) in a label."""

START = "start"
FINISH = "finish"
FAILED = "failed"

# Mermaid decodes `#name;` and `#123;` in labels. `#` itself is encoded so that document text
# can't spell an entity; `ﬂ` and `¶` are encoded because Mermaid uses them internally as
# placeholders while it decodes entities. `&` is encoded where it could start an HTML character
# reference (before a letter, digit or `#`), so `&&` in criteria stays readable.
_ENTITIES = {
    '"': "#quot;",
    "#": "#35;",
    "<": "#lt;",
    ">": "#gt;",
    "|": "#124;",
    "`": "#96;",
    "%": "#37;",
    "\ufb02": "#64258;",
    "\u00b6": "#182;",
}

_MARKDOWN_PUNCTUATION = frozenset("!\"#$%&'()*+,./:;<=>?@[\\]^_`{|}~")


def workflow_flowchart(workflow: ir.Workflow) -> str:
    """A Mermaid `flowchart TD` (without a fence) of one workflow: its dependencies, steps,
    criteria and actions."""
    return _Flowchart(workflow).render()


def module_flowcharts(module: ir.Module) -> str:
    """A Markdown section (`## <workflowId>` and a ```mermaid block) per public workflow."""
    sections = [
        f"## {markdown_text(workflow.workflow_id)}\n\n```mermaid\n"
        f"{workflow_flowchart(workflow)}\n```\n"
        for workflow in module.workflows
    ]
    return "\n".join(sections)


# ---- text --------------------------------------------------------------------------------


def plain_text(text: str) -> str:
    """`text` on one line: line breaks, tabs and other control or format characters become
    spaces, runs of spaces one space."""
    characters = [" " if unicodedata.category(c)[0] in "CZ" or c.isspace() else c for c in text]
    return " ".join("".join(characters).split())


def shorten(text: str, limit: int = LABEL_LIMIT) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    text = plain_text(text)
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def mermaid_label(text: str) -> str:
    """`text` as the content of a quoted Mermaid label (`"` not included)."""
    chunks: list[str] = []
    for c in reversed(plain_text(text)):
        following = chunks[-1][:1] if chunks else ""
        if c == "&" and (following == "#" or (following.isascii() and following.isalnum())):
            chunks.append("#amp;")
        else:
            chunks.append(_ENTITIES.get(c, c))
    return "".join(reversed(chunks))


def markdown_text(text: str) -> str:
    """`text` as inline Markdown that renders as itself: one line, punctuation escaped."""
    return "".join(f"\\{c}" if c in _MARKDOWN_PUNCTUATION else c for c in plain_text(text))


# ---- the chart ---------------------------------------------------------------------------


def _node(node_id: str, label: str, shape: str = "[]") -> str:
    opening, closing = {
        "[]": ("[", "]"),
        "[[]]": ("[[", "]]"),
        "([])": ("([", "])"),
    }[shape]
    return f'    {node_id}{opening}"{mermaid_label(label)}"{closing}'


def criterion_text(criterion: ir.Criterion) -> str:
    """A criterion as the document wrote it; `regex`, `jsonpath` and `xpath` ones with their
    context (`$response.body matches jsonpath $.ok`)."""
    if criterion.kind == "simple" or criterion.context is None:
        return criterion.text
    context = expression_text(criterion.context.expression)
    return f"{context} matches {criterion.kind} {criterion.text}"


def _criteria_text(criteria: tuple[ir.Criterion, ...]) -> str:
    return shorten(" && ".join(plain_text(criterion_text(c)) for c in criteria))


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _action_label(action: ir.Action) -> str:
    label = shorten(action.name, 40)
    details = []
    if action.criteria:
        details.append(_criteria_text(action.criteria))
    if action.kind == "retry":
        retry = f"retry ≤{action.retry_limit}"
        if action.retry_after is not None:
            retry += f" after {_seconds(action.retry_after)}"
        details.append(retry)
    if details:
        label += ": " + ", ".join(details)
    return label


def _step_label(step: ir.Step) -> str:
    if isinstance(step.call, ir.WorkflowCall):
        target = f"runs workflow {shorten(step.call.workflow_id)}"
    else:
        target = f"{shorten(step.call.method, 10)} {shorten(step.call.path)}"
    return f"{shorten(step.step_id)}: {target}"


def _failure_label(step: ir.Step) -> str:
    if isinstance(step.call, ir.WorkflowCall):
        return "error"
    if not step.criteria:
        return "not: 2xx"
    return f"not: {_criteria_text(step.criteria)}"


@dataclass
class _Flowchart:
    workflow: ir.Workflow
    nodes: list[str] = field(default_factory=list)
    edges: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    step_ids: dict[str, str] = field(default_factory=dict)
    workflow_nodes: list[str] = field(default_factory=list)

    def render(self) -> str:
        steps = self.workflow.steps
        for index, step in enumerate(steps):
            self.step_ids.setdefault(step.step_id, f"s{index + 1}")
        previous = None
        for index, call in enumerate(self.workflow.dependencies):
            node_id = f"d{index + 1}"
            self.nodes.append(_node(node_id, f"depends on {shorten(call.workflow_id)}", "[[]]"))
            if previous is not None:
                self.edge(previous, node_id)
            previous = node_id
        if previous is not None:
            self.edge(previous, START)
        self.edge(START, "s1" if steps else FINISH)
        for index, step in enumerate(steps):
            shape = "[[]]" if isinstance(step.call, ir.WorkflowCall) else "[]"
            self.nodes.append(_node(f"s{index + 1}", _step_label(step), shape))
            self.step(index, step)
        lines = ["flowchart TD", _node(START, "start", "([])")]
        lines += self.nodes + self.workflow_nodes
        if FINISH in self.used:
            lines.append(_node(FINISH, "end", "([])"))
        if FAILED in self.used:
            lines.append(_node(FAILED, "fails", "([])"))
        return "\n".join(lines + self.edges)

    def step(self, index: int, step: ir.Step) -> None:
        node_id = f"s{index + 1}"
        following = f"s{index + 2}" if index + 1 < len(self.workflow.steps) else FINISH
        for action in step.on_success:
            self.action(node_id, action, dotted=False)
            if not action.criteria:
                break
        else:
            self.edge(node_id, following, "otherwise" if step.on_success else None)
        for action in step.on_failure:
            self.action(node_id, action, dotted=True)
            if not action.criteria:
                break
        else:
            self.edge(node_id, FAILED, _failure_label(step), dotted=True)

    def action(self, node_id: str, action: ir.Action, *, dotted: bool) -> None:
        label = _action_label(action)
        via = None
        if action.workflow is not None:
            via = f"w{len(self.workflow_nodes) + 1}"
            text = f"runs workflow {shorten(action.workflow.workflow_id)}"
            self.workflow_nodes.append(_node(via, text, "[[]]"))
        elif action.step_id is not None:
            via = self.step_ids.get(action.step_id)
        if action.kind == "retry":
            if via is None:
                self.edge(node_id, node_id, label, dotted=dotted)
            else:
                self.edge(node_id, via, label, dotted=dotted)
                self.edge(via, node_id, "then retry", dotted=True)
        elif action.workflow is not None and via is not None:
            self.edge(node_id, via, label, dotted=dotted)
            self.edge(via, FINISH)
        elif action.kind == "goto" and via is not None:
            self.edge(node_id, via, label, dotted=dotted)
        else:
            self.edge(node_id, FINISH, label, dotted=dotted)

    def edge(
        self, source: str, target: str, label: str | None = None, *, dotted: bool = False
    ) -> None:
        self.used.update((source, target))
        arrow = "-.->" if dotted else "-->"
        text = "" if label is None else f'|"{mermaid_label(label)}"|'
        self.edges.append(f"    {source} {arrow}{text} {target}")
