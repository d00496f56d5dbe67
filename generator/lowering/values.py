"""Lowering values and conditions: IR values become Python expressions, typed as compile typed
them, every document string passing through the emitters. What each runtime expression reads
was resolved in compile; lowering only writes it out."""

from __future__ import annotations

import ast as python_ast
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from generator import emit, ir
from generator.criteria import CONTEXT_LOCALS, context_reads, jsonpath_to_python
from generator.expressions import ast
from generator.python_expr import AND as _AND
from generator.python_expr import ATOM as _ATOM
from generator.python_expr import COMPARE as _COMPARE
from generator.python_expr import IF as _IF
from generator.python_expr import NEGATED_COMPARISONS, parenthesized
from generator.python_expr import NOT as _NOT
from generator.python_expr import OR as _OR
from generator.types import ANY, PyType

_PLAIN_EQUALITY = {"int", "float", "bool"}
_NUMERIC = {"int", "float"}
# `not` of a comparison of two plain numbers (the orderings flip only there).
_NEGATED = NEGATED_COMPARISONS | {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}


@dataclass(frozen=True)
class Code:
    """A Python expression, its precedence class and its type."""

    source: str
    type: PyType
    precedence: int = _ATOM
    comparison: tuple[str, str, str] | None = None
    """(left, op, right) of a plain comparison, so that its negation flips the operator."""


class ValueLowering:
    """Lowers values and conditions in one place of a workflow function."""

    def __init__(
        self,
        *,
        response: str = "response",
        uses: set[str] | None = None,
        reads: dict[str, str] | None = None,
        helpers: set[str] | None = None,
    ) -> None:
        self.response = response
        self.uses = set() if uses is None else uses
        """The locals holding workflow results that the lowered code reads (added to)."""
        self.helpers = set() if helpers is None else helpers
        """The helper modules the lowered code calls (added to)."""
        self.reads = {} if reads is None else reads
        """The steps whose results the lowered code reads: step id -> the first output read
        ("" for the result of a workflow the step ran) (added to)."""

    def value(self, value: ir.Value, *, typed: bool = False) -> Code:
        """The value as code; a model (a typed input or output) as its JSON, unless `typed`
        (where the value goes into a field of its own type)."""
        kind = value.type
        match value:
            case ir.LiteralValue(value=literal):
                return Code(emit.literal(literal), kind)
            case ir.ExpressionValue():
                return self.expression(value, typed=typed)
            case ir.TemplateValue(parts=parts):
                return self.template(parts)
            case ir.ObjectValue(items=items):
                entries = ", ".join(f"{emit.literal(k)}: {self._member(v)}" for k, v in items)
                return Code("{" + entries + "}", kind)
            case ir.ArrayValue(items=array):
                return Code("[" + ", ".join(self.value(v).source for v in array) + "]", kind)
            case ir.SelectorValue(context=context, selector=selector, kind="jsonpointer"):
                source = self.expression(context).source
                return Code(f"_runtime.lookup({source}, {emit.literal(selector)})", kind)
            case ir.SelectorValue(context=context, selector=selector):
                source = self.expression(context).source
                self.helpers.add("_jsonpath")
                return Code(f"_jsonpath.select({source}, {emit.literal(selector)})", kind)

    def _member(self, value: ir.Value) -> str:
        """An object member's value; an optional input the caller did not give (None where
        the schema does not allow null) becomes UNSET, which leaves the member out."""
        source = self.value(value).source
        match value:
            case ir.ExpressionValue(origin=ir.InputField(field=field), pointer=None):
                if not field.required and field.default is None:
                    return f"_runtime.given({source})"
        return source

    def expression(self, value: ir.ExpressionValue, *, typed: bool = False) -> Code:
        """The expression as code; a model (a typed input or output) as its JSON, unless
        `typed` (where the value goes into a field of its own type)."""
        code = self._expression(value)
        if code.type.models and not typed:
            # Selectors, criteria and serializers read JSON values.
            self.helpers.add("_convert")
            return Code(f"_convert.dump({code.source})", ANY)
        return code

    def _expression(self, value: ir.ExpressionValue) -> Code:
        kind, pointer = value.type, value.pointer
        match value.origin:
            case ir.InputField(field=field):
                return self._pointer(f"inputs.{field.name}", pointer, kind)
            case ir.StepOutputLocal(step_id=step_id, name=name, local=local):
                self.reads.setdefault(step_id, name)
                return self._pointer(local, pointer, kind)
            case ir.CallOutput(local=local, field=field, step_id=step_id):
                self.uses.add(local)
                if step_id is not None:
                    self.reads.setdefault(step_id, "")
                return self._pointer(f"{local}.{field.name}", pointer, kind)
            case ir.SentValue(value=sent):
                return self._pointer(self.value(sent).source, pointer, kind)
            case ir.ResponseValue(part="header", name=name):
                return Code(f"{self.response}.header({emit.literal(name)})", kind)
            case ir.ResponseValue(part="body"):
                return Code(f"{self.response}.value({emit.literal(pointer or '')})", kind)
            case ir.ResponseValue(part=part):
                return Code(f"{self.response}.{part}", kind)

    @staticmethod
    def _pointer(source: str, pointer: str | None, kind: PyType) -> Code:
        if pointer is None:
            return Code(source, kind)
        return Code(f"_runtime.lookup({source}, {emit.literal(pointer)})", kind)

    def template(self, parts: tuple[str | ir.ExpressionValue, ...]) -> Code:
        pieces: list[str] = []
        for part in parts:
            if isinstance(part, str):
                pieces.append(emit.literal(part))
                continue
            code = self.expression(part)
            is_text = code.type.check == "str" and not code.type.optional
            pieces.append(code.source if is_text else f"_runtime.text({code.source})")
        source = " + ".join(pieces) if pieces else emit.literal("")
        return Code(source, PyType("str", "str"))

    # ---- conditions ------------------------------------------------------------------------

    def criteria(self, criteria: Sequence[ir.Criterion]) -> tuple[tuple[str, ...], list[Code]]:
        """Criteria as Python bool expressions, and the statements to run before them: those
        that bind a context the expressions read more than once (`context = ...`)."""
        contexts = _Contexts(inline=set())
        while True:
            codes = [self.criterion(c, contexts) for c in criteria]
            once = {
                source
                for source, name in contexts.names.items()
                if sum(context_reads(code.source, name) for code in codes) <= 1
            }
            if not once:
                break
            contexts = _Contexts(inline=contexts.inline | once)
        return tuple(f"{name} = {source}" for source, name in contexts.names.items()), codes

    def criterion(self, criterion: ir.Criterion, contexts: _Contexts) -> Code:
        """A success criterion as a Python bool expression; a JSONPath translation reads its
        context from the local `contexts` gives."""
        boolean = PyType("bool", "bool")
        if criterion.kind == "simple":
            assert criterion.condition is not None
            return self.condition(criterion.condition, criterion.operands)
        text = emit.literal(criterion.text)
        if criterion.whole_context is not None:
            whole = self.value(criterion.whole_context).source
            context = Code(f"_runtime.present({whole})", ANY)
        else:
            assert criterion.context is not None
            context = self.expression(criterion.context)
        if criterion.kind == "xpath":
            version = emit.literal(criterion.version or "xpath-31")
            if criterion.context is not None:
                document = self._document_text(criterion.context)
            else:
                document = f"_runtime.text({context.source})"
            self.helpers.add("_xpath")
            return Code(f"_xpath.matches({document}, {text}, {version})", boolean)
        if criterion.kind == "regex":
            return Code(f"_runtime.regex_matches({context.source}, {text})", boolean)
        if criterion.externals:  # the comparison dialect: always translated (compile checked)
            externals = {t: self.expression(e).source for t, e in criterion.externals}
            source = context.source
            if context.type.check is not None:  # narrowed by isinstance: seen as JSON
                source = f"_runtime.as_json({source})"
            translated = _translation(criterion.text, source, externals, contexts)
            assert translated is not None, criterion.text
            return _translated(translated)
        if context.type.check is None:
            translated = _translation(criterion.text, context.source, None, contexts)
            if translated is not None:
                return _translated(translated)
        self.helpers.add("_jsonpath")
        return Code(f"_jsonpath.matches({context.source}, {text})", boolean)

    def _document_text(self, context: ir.ExpressionValue) -> str:
        """The raw text of the context for XPath: the response body as received, not parsed."""
        if context.origin == ir.ResponseValue("body") and context.pointer is None:
            return f"{self.response}.text"
        return f"_runtime.text({self.expression(context).source})"

    def condition(self, condition: ast.Condition, operands: tuple[ir.ExpressionValue, ...]) -> Code:
        """A condition as a Python bool expression; `operands` are its runtime expressions,
        resolved."""
        return self._condition(condition, {o.expression: o for o in operands})

    def _condition(
        self, condition: ast.Condition, operands: Mapping[ast.Expression, ir.ExpressionValue]
    ) -> Code:
        code = self._operand_or_test(condition, operands)
        if code.type.check == "bool" and not code.type.optional:
            return code
        return Code(f"_runtime.truthy({code.source})", PyType("bool", "bool"))

    def _operand_or_test(
        self, condition: ast.Condition, operands: Mapping[ast.Expression, ir.ExpressionValue]
    ) -> Code:
        boolean = PyType("bool", "bool")
        match condition:
            case ast.LiteralValue(value=literal):
                return Code(
                    emit.literal(literal),
                    PyType("Any", None) if literal is None else ir.literal_type(literal),
                )
            case ast.ExpressionOperand(expression=expression):
                return self.expression(operands[expression])
            case ast.Index(target=target, index=key):
                inner = self._operand_or_test(target, operands)
                return Code(
                    f"_runtime.index({inner.source}, {emit.literal(key)})", PyType("Any", None)
                )
            case ast.Property(target=target, name=name):
                inner = self._operand_or_test(target, operands)
                return Code(
                    f"_runtime.index({inner.source}, {emit.literal(name)})", PyType("Any", None)
                )
            case ast.Compare(op=op, left=left, right=right):
                return self.compare(
                    op,
                    self._operand_or_test(left, operands),
                    self._operand_or_test(right, operands),
                )
            case ast.And(left=left, right=right):
                both = (self._condition(left, operands), self._condition(right, operands))
                return Code(f"{_wrap(both[0], _AND)} and {_wrap(both[1], _AND)}", boolean, _AND)
            case ast.Or(left=left, right=right):
                both = (self._condition(left, operands), self._condition(right, operands))
                return Code(f"{_wrap(both[0], _OR)} or {_wrap(both[1], _OR)}", boolean, _OR)
            case ast.Not(operand=operand):
                return negated(self._condition(operand, operands))
        raise ValueError(f"cannot lower {condition!r}")

    @staticmethod
    def compare(op: str, left: Code, right: Code) -> Code:
        boolean = PyType("bool", "bool")
        plain = {left.type.check, right.type.check}
        if op in ("==", "!="):
            if (
                plain <= _PLAIN_EQUALITY
                and not (left.type.optional or right.type.optional)
                and (plain <= _NUMERIC or len(plain) == 1)
            ):
                return _comparison(_wrap(left, _ATOM), op, _wrap(right, _ATOM))
            call = f"_runtime.equals({left.source}, {right.source})"
            return Code(
                call if op == "==" else f"not {call}", boolean, _ATOM if op == "==" else _NOT
            )
        if plain <= _NUMERIC and not (left.type.optional or right.type.optional):
            return _comparison(_wrap(left, _ATOM), op, _wrap(right, _ATOM))
        return Code(f"_runtime.compare({left.source}, {emit.literal(op)}, {right.source})", boolean)


@dataclass
class _Contexts:
    """The locals one condition binds the contexts of its JSONPath criteria to."""

    inline: set[str]
    """The contexts the condition reads once: evaluated where they are read."""
    names: dict[str, str] = field(default_factory=dict)
    """Context source -> its local."""

    def local(self, source: str) -> str | None:
        """The local that holds `source`, None to evaluate it where it is read."""
        if source in self.inline or _is_variable(source):
            return None
        if source not in self.names:
            free = [n for n in CONTEXT_LOCALS if n not in self.names.values()]
            if not free:  # more distinct contexts in one condition than locals (rare)
                return None
            self.names[source] = free[0]
        return self.names[source]


def _translation(
    query: str, source: str, externals: dict[str, str] | None, contexts: _Contexts
) -> str | None:
    """The JSONPath translation over `source`, or over the local that holds it."""
    translated = jsonpath_to_python(query, source, externals)
    name = None if translated is None else contexts.local(source)
    return translated if name is None else jsonpath_to_python(query, name, externals)


def _translated(source: str) -> Code:
    """A JSONPath translation as code, where an `and` counts as an `or`: one criterion of
    several is parenthesized when it has parts."""
    boolean = PyType("bool", "bool")
    match python_ast.parse(source, mode="eval").body:
        case python_ast.BoolOp():
            return Code(source, boolean, _OR)
        case python_ast.UnaryOp(op=python_ast.Not()):
            return Code(source, boolean, _NOT)
        case python_ast.Compare(left=left, ops=[op], comparators=[right]):
            parts = (
                python_ast.get_source_segment(source, left),
                python_ast.get_source_segment(source, right),
            )
            operator = _OPERATORS.get(type(op))
            if operator is not None and parts[0] is not None and parts[1] is not None:
                return Code(source, boolean, _COMPARE, (parts[0], operator, parts[1]))
            return Code(source, boolean, _COMPARE)
        case python_ast.Call():
            return Code(source, boolean, _ATOM)
    return Code(source, boolean, _IF)


_OPERATORS: dict[type[python_ast.cmpop], str] = {
    python_ast.Eq: "==",
    python_ast.NotEq: "!=",
    python_ast.Is: "is",
    python_ast.IsNot: "is not",
}
"""The comparisons whose negation is another comparison (NEGATED_COMPARISONS) a translation
writes."""


def _is_variable(source: str) -> bool:
    """A local or an attribute of one (`inputs.payload`): read again at no cost."""
    return re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", source) is not None


def wrap_text(text: str, width: int) -> str:
    """Long lines wrapped at spaces, keeping each line's indentation; line breaks kept."""
    lines: list[str] = []
    for line in text.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        extra = "    " if indent or line.lstrip().startswith("- ") else ""
        wrapped = textwrap.wrap(
            line,
            width,
            initial_indent="",
            subsequent_indent=indent + extra,
            break_long_words=False,
            break_on_hyphens=False,
        )
        lines.extend(wrapped or [""])
    return "\n".join(lines)


def _wrap(code: Code, minimum: int) -> str:
    return parenthesized(code.source, code.precedence, minimum)


def _comparison(left: str, op: str, right: str) -> Code:
    return Code(f"{left} {op} {right}", PyType("bool", "bool"), _COMPARE, (left, op, right))


def negated(code: Code) -> Code:
    """`not code`, written the way a person would (`a != b` rather than `not a == b`, as ruff's
    SIM201 asks)."""
    if code.comparison is not None and code.comparison[1] in NEGATED_COMPARISONS:
        left, op, right = code.comparison
        return _comparison(left, NEGATED_COMPARISONS[op], right)
    if code.precedence == _NOT and code.source.startswith("not "):
        return Code(code.source[4:], code.type, _NOT)
    return Code(f"not {_wrap(code, _NOT)}", PyType("bool", "bool"), _NOT)


def negate(code: Code) -> str:
    """`not code` as source (see `negated`)."""
    if code.comparison is not None and code.comparison[1] in NEGATED_COMPARISONS:
        return negated(code).source
    match = re.fullmatch(r"(\S+) (==|!=|<=|>=|<|>) (\S+)", code.source)
    if code.precedence == _COMPARE and match:
        left, op, right = match.groups()
        return f"{left} {_NEGATED[op]} {right}"
    if code.precedence == _NOT and code.source.startswith("not "):
        return code.source[4:]
    return f"not {_wrap(code, _NOT)}"
