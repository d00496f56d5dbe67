"""Tests for runtime expression, template and condition parsing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.expressions.ast import (
    And,
    Compare,
    ComponentRef,
    Condition,
    Embedded,
    Expression,
    ExpressionOperand,
    Index,
    InputRef,
    LiteralValue,
    MessageRef,
    Method,
    Not,
    Or,
    OutputRef,
    Property,
    Self,
    SourceRef,
    StatusCode,
    StepRef,
    Template,
    Url,
    WorkflowRef,
)
from generator.expressions.parser import (
    ExpressionSyntaxError,
    is_whole_expression,
    parse_condition,
    parse_expression,
    parse_template,
)

# ---- runtime expressions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$url", Url()),
        ("$method", Method()),
        ("$statusCode", StatusCode()),
        ("$self", Self()),
        ("$request.header.accept", MessageRef("request", "header", "accept")),
        ("$request.query.id", MessageRef("request", "query", "id")),
        ("$request.path.id", MessageRef("request", "path", "id")),
        ("$request.body", MessageRef("request", "body")),
        ("$request.body#", MessageRef("request", "body", "", "")),
        ("$request.body#/user/uuid", MessageRef("request", "body", "", "/user/uuid")),
        ("$response.body#/status", MessageRef("response", "body", "", "/status")),
        ("$response.body#/a~1b/c~0d", MessageRef("response", "body", "", "/a~1b/c~0d")),
        ("$response.body#/a b/é", MessageRef("response", "body", "", "/a b/é")),
        ("$response.body#/a#/b", MessageRef("response", "body", "", "/a#/b")),
        ("$response.header.Server", MessageRef("response", "header", "Server")),
        ("$response.header.X-Rate-Limit", MessageRef("response", "header", "X-Rate-Limit")),
        ("$response.header.a!#$%&'*+-.^_`|~", MessageRef("response", "header", "a!#$%&'*+-.^_`|~")),
        ("$inputs.username", InputRef("username")),
        ("$inputs.a.b", InputRef("a.b")),
        ("$inputs.a-b_c.9", InputRef("a-b_c.9")),
        ("$inputs.x#/0/id", InputRef("x", "/0/id")),
        ("$outputs.bar", OutputRef("bar")),
        ("$outputs.bar#/x", OutputRef("bar", "/x")),
        ("$steps.someStepId.outputs.pets", StepRef("someStepId", "pets")),
        ("$steps.someStepId.outputs.pets#/0/id", StepRef("someStepId", "pets", "/0/id")),
        ("$steps.a-b_1.outputs.x.y", StepRef("a-b_1", "x.y")),
        ("$workflows.foo.inputs.username", WorkflowRef("foo", "inputs", "username")),
        ("$workflows.foo.outputs.bar", WorkflowRef("foo", "outputs", "bar")),
        (
            "$workflows.foo.outputs.mappedResponse#/name",
            WorkflowRef("foo", "outputs", "mappedResponse", "/name"),
        ),
        ("$sourceDescriptions.petStore.getPetById", SourceRef("petStore", "getPetById")),
        ("$sourceDescriptions.petStore.url", SourceRef("petStore", "url")),
        ("$sourceDescriptions.petStore.pets.get by id", SourceRef("petStore", "pets.get by id")),
        ("$components.parameters.page", ComponentRef("parameters", "page")),
        ("$components.inputs.x", ComponentRef("inputs", "x")),
        ("$components.successActions.a", ComponentRef("successActions", "a")),
        ("$components.failureActions.b", ComponentRef("failureActions", "b")),
        ("$components.parameters.a.b", ComponentRef("parameters", "a.b")),
    ],
)
def test_parse_expression(text: str, expected: Expression) -> None:
    assert parse_expression(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("", "a runtime expression must start with '$'", 0),
        ("inputs.x", "a runtime expression must start with '$'", 0),
        (" $url", "a runtime expression must start with '$'", 0),
        ("$", "expected a runtime expression after '$'", 0),
        ("$foo", "unknown runtime expression '$foo'; expected $url", 0),
        ("$Inputs.x", "unknown runtime expression '$Inputs'", 0),
        ("$urls", "unknown runtime expression '$urls'", 0),
        ("$message.payload", "'$message' expressions (AsyncAPI, Arazzo 1.1) are not supported", 0),
        ("$url.x", "unexpected text '.x' after '$url'", 4),
        ("$statusCode ", "unexpected text ' ' after '$statusCode'", 11),
        ("$inputs", "expected '.' after '$inputs'", 7),
        ("$inputs.", "expected an input name after '$inputs.'", 8),
        ("$inputs.a b", "unexpected text ' b' after '$inputs.a'", 9),
        ("$inputs.a{b}", "'{' is not allowed in a runtime expression", 9),
        ("$inputs.a}", "'}' is not allowed in a runtime expression", 9),
        ("$outputs.", "expected an output name after '$outputs.'", 9),
        ("$outputs.x#y", "a JSON pointer must be empty or start with '/'", 11),
        ("$steps.", "expected a step id after '$steps.'", 7),
        ("$steps.x.y", "expected '.outputs.' after the step id in '$steps.x.y'", 8),
        ("$steps.x", "expected '.outputs.' after the step id in '$steps.x'", 8),
        ("$steps.x.outputs", "expected '.outputs.' after the step id", 8),
        ("$steps.a.b.outputs.c", "step ids cannot contain '.'", 8),
        ("$steps.x.outputs.", "expected an output name after '$steps.x.outputs.'", 17),
        ("$steps.x.outputs.y#/a~", "'~' in a JSON pointer must be followed by '0'", 21),
        ("$workflows..inputs.a", "expected a workflow id after '$workflows.'", 11),
        ("$workflows.w.steps.a", "expected '.inputs.' or '.outputs.' after the workflow id", 12),
        ("$workflows.w.inputs.", "expected an input name after '$workflows.w.inputs.'", 20),
        ("$sourceDescriptions.", "expected a source description name", 20),
        ("$sourceDescriptions.petStore", "expected '.' and an operationId", 28),
        (
            "$sourceDescriptions.petStore.",
            "expected an operationId, workflowId or field name after "
            "'$sourceDescriptions.petStore.'",
            29,
        ),
        ("$sourceDescriptions.p.a{b", "'{' is not allowed in a runtime expression", 23),
        ("$components.schemas.x", "expected 'parameters.', 'inputs.', 'successActions.'", 12),
        ("$components.parameters", "expected '.' and a component name", 22),
        (
            "$components.parameters.",
            "expected a component name after '$components.parameters.'",
            23,
        ),
        ("$components.parameters.p#/x", "unexpected text '#/x' after", 24),
        (
            "$request.cookie.a",
            "expected 'header.', 'query.', 'path.' or 'body' after '$request.'",
            9,
        ),
        ("$request.bodies", "expected 'header.', 'query.', 'path.' or 'body'", 9),
        ("$request.header.", "expected a header name after '$request.header.'", 16),
        ("$request.query.", "expected a query parameter name", 15),
        ("$request.path.", "expected a path parameter name", 14),
        ("$request.header.a b", "unexpected text ' b'", 17),
        (
            "$response.body.a.b",
            "unexpected '.a.b' after '$response.body'; use a JSON pointer such as "
            "'$response.body#/a/b'",
            14,
        ),
        ("$response.body.", "unexpected text '.' after '$response.body'", 14),
        ("$response.body#status", "a JSON pointer must be empty or start with '/'", 15),
        ("$response.body#/a~2", "'~' in a JSON pointer must be followed by '0'", 17),
        ("$response.body#/a~", "'~' in a JSON pointer must be followed by '0'", 17),
        ("$response.body#/a}", "'}' is not allowed in a runtime expression", 17),
    ],
)
def test_parse_expression_errors(text: str, message: str, offset: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse_expression(text)
    assert message in caught.value.message
    assert caught.value.offset == offset
    assert str(caught.value) == caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$inputs.clientKey", True),
        ("$steps.a.outputs.b#/c", True),
        ("$url", True),
        ("Bearer $steps.a.outputs.t", False),
        ("$inputs.a ", False),
        (" $inputs.a", False),
        ("{$inputs.a}", False),
        ("$HOME", False),
        ("", False),
        ("plain", False),
    ],
)
def test_is_whole_expression(text: str, expected: bool) -> None:
    assert is_whole_expression(text) is expected


# ---- templates ---------------------------------------------------------------------------


def bare(expression: Expression, offset: int) -> Embedded:
    return Embedded(expression, braced=False, offset=offset)


def braced(expression: Expression, offset: int) -> Embedded:
    return Embedded(expression, braced=True, offset=offset)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", ()),
        ("plain text", ("plain text",)),
        (
            "Bearer $steps.exchangeCode.outputs.accessToken",
            ("Bearer ", bare(StepRef("exchangeCode", "accessToken"), 7)),
        ),
        ("Bearer {$steps.a.outputs.t}", ("Bearer ", braced(StepRef("a", "t"), 7))),
        ("{$inputs.a}{$inputs.b}", (braced(InputRef("a"), 0), braced(InputRef("b"), 11))),
        (
            '{"a": "{$inputs.x}"}',
            ('{"a": "', braced(InputRef("x"), 7), '"}'),
        ),
        (
            '{"user": {"id": "{$response.body#/id}", "n": 1}}',
            (
                '{"user": {"id": "',
                braced(MessageRef("response", "body", "", "/id"), 17),
                '", "n": 1}}',
            ),
        ),
        ("{$url}", (braced(Url(), 0),)),
        ("$url", (bare(Url(), 0),)),
        ("$HOME", ("$HOME",)),
        ("costs $5", ("costs $5",)),
        ("$ $$ $inputs", ("$ $$ $inputs",)),
        ("$urls and $selfie", ("$urls and $selfie",)),
        ("a$inputs.x", ("a$inputs.x",)),
        ("${inputs.x}", ("${inputs.x}",)),
        ("{ } {} }{", ("{ } {} }{",)),
        ("$$inputs.x", ("$", bare(InputRef("x"), 1))),
        ("Hello $inputs.name.", ("Hello ", bare(InputRef("name"), 6), ".")),
        ("Hello $inputs.name...", ("Hello ", bare(InputRef("name"), 6), "...")),
        ("$inputs.a.b!", (bare(InputRef("a.b"), 0), "!")),
        ("id=$inputs.id&x=1", ("id=", bare(InputRef("id"), 3), "&x=1")),
        (
            "($inputs.a, $inputs.b)",
            ("(", bare(InputRef("a"), 1), ", ", bare(InputRef("b"), 12), ")"),
        ),
        ("'$outputs.o'", ("'", bare(OutputRef("o"), 1), "'")),
        ("[$inputs.a]", ("[", bare(InputRef("a"), 1), "]")),
        ("<$inputs.a>", ("<", bare(InputRef("a"), 1), ">")),
        ("https://$inputs.host/v1?q=1", ("https://", bare(InputRef("host"), 8), "/v1?q=1")),
        ("$inputs.a{$inputs.b}", (bare(InputRef("a"), 0), braced(InputRef("b"), 9))),
        ("$statusCode.", (bare(StatusCode(), 0), ".")),
        ("$url-x", (bare(Url(), 0), "-x")),
        (
            "Status: $response.body#/status, ok",
            ("Status: ", bare(MessageRef("response", "body", "", "/status"), 8), ", ok"),
        ),
        ("$response.body#/a.", (bare(MessageRef("response", "body", "", "/a"), 0), ".")),
        ("$response.body# x", (bare(MessageRef("response", "body", "", ""), 0), " x")),
        ("$response.body.", (bare(MessageRef("response", "body"), 0), ".")),
        (
            "h: $request.header.X-Token;",
            ("h: ", bare(MessageRef("request", "header", "X-Token"), 3), ";"),
        ),
        (
            "$sourceDescriptions.s.op, next",
            (bare(SourceRef("s", "op"), 0), ", next"),
        ),
        (
            "$workflows.w.outputs.o#/x/y z",
            (bare(WorkflowRef("w", "outputs", "o", "/x/y"), 0), " z"),
        ),
        ("\t$components.parameters.p\n", ("\t", bare(ComponentRef("parameters", "p"), 1), "\n")),
    ],
)
def test_parse_template(text: str, parts: tuple[str | Embedded, ...]) -> None:
    assert parse_template(text) == Template(parts)


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("{$inputs.x", "'{$' is never closed: expected '}'", 0),
        ('{"a": "{$inputs.x"', "'{$' is never closed", 7),
        ("a {$inputs.x }", "unexpected text ' ' after '$inputs.x'", 12),
        ("{$foo}", "unknown runtime expression '$foo'", 1),
        ("x {$steps.a.b}", "expected '.outputs.' after the step id in '$steps.a.b'", 11),
        ("x {$}", "expected a runtime expression after '$'", 3),
        ("Bearer $steps.a.b", "expected '.outputs.' after the step id in '$steps.a.b'", 15),
        ("Hi $inputs. there", "expected an input name after '$inputs.'", 11),
        ("$response.body.a.b", "use a JSON pointer such as '$response.body#/a/b'", 14),
        ("see $request.cookie.x", "expected 'header.', 'query.', 'path.' or 'body'", 13),
        ("v=$response.body#/a~x", "'~' in a JSON pointer must be followed by '0'", 19),
        ("v=$response.body#x", "a JSON pointer must be empty or start with '/'", 17),
    ],
)
def test_parse_template_errors(text: str, message: str, offset: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse_template(text)
    assert message in caught.value.message
    assert caught.value.offset == offset


@given(st.text().filter(lambda text: "$" not in text))
@settings(max_examples=examples(200))
def test_template_without_dollar_is_literal(text: str) -> None:
    assert parse_template(text) == Template((text,) if text else ())


_FUZZ_ALPHABET = st.sampled_from(
    [*"$${}.#/~01ab_- '\"=!<>&|()[]", "$inputs.", "$steps.", "$response.body", ".outputs."]
)


@pytest.mark.parametrize("parse", [parse_expression, parse_template, parse_condition])
@given(pieces=st.lists(_FUZZ_ALPHABET, max_size=12))
@settings(max_examples=examples(150))
def test_parsers_fail_only_with_located_syntax_errors(
    parse: Callable[[str], object], pieces: list[str]
) -> None:
    text = "".join(pieces)
    try:
        parse(text)
    except ExpressionSyntaxError as error:
        assert 0 <= error.offset <= len(text)
        assert error.message


@given(st.text(alphabet="ab$.{}# ", max_size=20))
@settings(max_examples=examples(200))
def test_template_parts_line_up_with_the_text(text: str) -> None:
    try:
        parts = parse_template(text).parts
    except ExpressionSyntaxError:
        return
    for index, part in enumerate(parts):
        following = parts[index + 1] if index + 1 < len(parts) else None
        end = following.offset if isinstance(following, Embedded) else len(text)
        if isinstance(part, str):
            assert part
            assert not isinstance(following, str)
            assert text[end - len(part) : end] == part
            assert index > 0 or text.startswith(part)
        else:
            assert text.startswith("{$" if part.braced else "$", part.offset)
            assert part.offset < end
            assert index > 0 or part.offset == 0


# ---- simple conditions -------------------------------------------------------------------


def expr(text: str) -> ExpressionOperand:
    return ExpressionOperand(parse_expression(text))


def lit(value: bool | int | float | str | None) -> LiteralValue:
    return LiteralValue(value)


STATUS = ExpressionOperand(StatusCode())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$statusCode == 200", Compare("==", STATUS, lit(200))),
        ("$statusCode==200", Compare("==", STATUS, lit(200))),
        ("  $statusCode\t==\n200  ", Compare("==", STATUS, lit(200))),
        (
            "$response.body#/status == 'available'",
            Compare("==", expr("$response.body#/status"), lit("available")),
        ),
        (
            "$response.body#/count > 0 && $response.body#/items[0].id != null",
            And(
                Compare(">", expr("$response.body#/count"), lit(0)),
                Compare(
                    "!=",
                    Property(Index(expr("$response.body#/items"), 0), "id"),
                    lit(None),
                ),
            ),
        ),
        ("!($statusCode >= 400)", Not(Compare(">=", STATUS, lit(400)))),
        ("!$statusCode", Not(STATUS)),
        ("!!true", Not(Not(lit(True)))),
        (
            "$statusCode == 200 || $statusCode == 201",
            Or(Compare("==", STATUS, lit(200)), Compare("==", STATUS, lit(201))),
        ),
        (
            "$inputs.name == 'O''Brien'",
            Compare("==", expr("$inputs.name"), lit("O'Brien")),
        ),
        (
            "$response.header.X-Rate-Limit < 10",
            Compare("<", expr("$response.header.X-Rate-Limit"), lit(10)),
        ),
        ("true", lit(True)),
        ("false", lit(False)),
        ("null", lit(None)),
        ("$statusCode", STATUS),
        ("$inputs.x.", expr("$inputs.x.")),
        ("$statusCode != 1", Compare("!=", STATUS, lit(1))),
        ("$statusCode < 1", Compare("<", STATUS, lit(1))),
        ("$statusCode <= 1", Compare("<=", STATUS, lit(1))),
        ("$statusCode > 1", Compare(">", STATUS, lit(1))),
        ("$statusCode >= 1", Compare(">=", STATUS, lit(1))),
        ("1 == $statusCode", Compare("==", lit(1), STATUS)),
        ("$statusCode == -1", Compare("==", STATUS, lit(-1))),
        ("$statusCode>-1", Compare(">", STATUS, lit(-1))),
        ("$inputs.x == 1.5", Compare("==", expr("$inputs.x"), lit(1.5))),
        ("$inputs.x == -2.5e3", Compare("==", expr("$inputs.x"), lit(-2500.0))),
        ("$inputs.x == 1E2", Compare("==", expr("$inputs.x"), lit(100.0))),
        ("$inputs.x == ''", Compare("==", expr("$inputs.x"), lit(""))),
        ("$inputs.x == ''''", Compare("==", expr("$inputs.x"), lit("'"))),
        ("$inputs.x == 'a && b'", Compare("==", expr("$inputs.x"), lit("a && b"))),
        ('$inputs.x == "done"', Compare("==", expr("$inputs.x"), lit("done"))),
        ('$inputs.x == "say \\"hi\\""', Compare("==", expr("$inputs.x"), lit('say "hi"'))),
        ('$inputs.x == "a\\\\b\\n"', Compare("==", expr("$inputs.x"), lit("a\\b\\n"))),
        ('$inputs.x == "it\'s"', Compare("==", expr("$inputs.x"), lit("it's"))),
        (
            "$inputs.a.b == $steps.s.outputs.o#/x",
            Compare("==", expr("$inputs.a.b"), expr("$steps.s.outputs.o#/x")),
        ),
        (
            "$response.body#/a['k'].b[2]",
            Index(Property(Index(expr("$response.body#/a"), "k"), "b"), 2),
        ),
        ("$response.body#/a[ 0 ]", Index(expr("$response.body#/a"), 0)),
        ("($statusCode).x-y", Property(STATUS, "x-y")),
        ("($statusCode)[1]", Index(STATUS, 1)),
        (
            "$inputs.a || $inputs.b && $inputs.c",
            Or(expr("$inputs.a"), And(expr("$inputs.b"), expr("$inputs.c"))),
        ),
        (
            "($inputs.a || $inputs.b) && $inputs.c",
            And(Or(expr("$inputs.a"), expr("$inputs.b")), expr("$inputs.c")),
        ),
        (
            "$inputs.a && $inputs.b && $inputs.c",
            And(And(expr("$inputs.a"), expr("$inputs.b")), expr("$inputs.c")),
        ),
        (
            "$inputs.a || $inputs.b || $inputs.c",
            Or(Or(expr("$inputs.a"), expr("$inputs.b")), expr("$inputs.c")),
        ),
        ("!$inputs.a == 1", Not(Compare("==", expr("$inputs.a"), lit(1)))),
        (
            "!$inputs.a && $inputs.b",
            And(Not(expr("$inputs.a")), expr("$inputs.b")),
        ),
        ("((true))", lit(True)),
        ("(1 < 2) == true", Compare("==", Compare("<", lit(1), lit(2)), lit(True))),
    ],
)
def test_parse_condition(text: str, expected: Condition) -> None:
    assert parse_condition(text) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("1", 1), ("1.0", 1.0), ("0", 0), ("false", False), ("null", None)],
)
def test_condition_literal_types(text: str, value: object) -> None:
    condition = parse_condition(text)
    assert isinstance(condition, LiteralValue)
    assert type(condition.value) is type(value)
    assert condition.value == value


@pytest.mark.parametrize(
    ("text", "message", "offset"),
    [
        ("", "expected a condition", 0),
        ("   ", "expected a condition", 3),
        ("$statusCode ==", "expected an operand after '=='", 14),
        ("$statusCode == ", "expected an operand after '=='", 15),
        ("$statusCode == && true", "expected an operand after '=='", 15),
        ("$statusCode == !true", "expected an operand after '=='", 15),
        ("true &&", "expected an operand after '&&'", 7),
        ("|| true", "expected a condition", 0),
        ("true ||", "expected an operand after '||'", 7),
        ("!", "expected an operand after '!'", 1),
        ("()", "expected an operand after '('", 1),
        ("($statusCode == 200", "unbalanced parenthesis", 0),
        ("(($statusCode == 200)", "unbalanced parenthesis", 0),
        ("$statusCode == 200)", "unbalanced parenthesis", 18),
        (")", "expected a condition", 0),
        ("$statusCode == 200 foo", "unexpected text 'foo'", 19),
        ("$statusCode 200", "unexpected text '200'", 12),
        ("true false", "unexpected text 'false'", 5),
        ("($statusCode == 200 true)", "unexpected text 'true'", 20),
        ("foo", "unknown word 'foo'; strings must be quoted", 0),
        ("$statusCode == available", "unknown word 'available'; strings must be quoted", 15),
        ("$inputs.x == foo.bar", "unknown word 'foo.bar'", 13),
        ("True", "unknown word 'True'", 0),
        ("$statusCode < 1 < 2", "comparisons cannot be chained", 16),
        ("1 == 1 == 1", "comparisons cannot be chained", 7),
        ("$statusCode = 200", "'=' is not an operator; did you mean '=='?", 12),
        ("true & false", "did you mean '&&'?", 5),
        ("true | false", "did you mean '||'?", 5),
        ("$inputs.x == 'abc", "unterminated string", 13),
        ('$inputs.x == "abc\\"', "unterminated string", 13),
        ("$statusCode == 20x", "invalid number '20x'", 15),
        ("$statusCode == 1.", "invalid number '1.'", 15),
        ("$statusCode == -", "invalid number '-'", 15),
        ("$statusCode == @", "unexpected text '@'", 15),
        ("$statusCode == 1, 2", "invalid number '1,'", 15),
        ("$foo == 1", "unknown runtime expression '$foo'", 0),
        ("1 == $steps.x.y", "expected '.outputs.' after the step id in '$steps.x.y'", 13),
        ("$response.body.a == 1", "use a JSON pointer such as '$response.body#/a'", 14),
        ("$response.body#/a[", "expected a non-negative integer or a quoted string", 18),
        ("$response.body#/a[-1]", "expected a non-negative integer or a quoted string", 18),
        ("$response.body#/a[1.5]", "expected a non-negative integer or a quoted string", 18),
        ("$response.body#/a[true]", "expected a non-negative integer or a quoted string", 18),
        ("$response.body#/a[$inputs.i]", "expected a non-negative integer or a quoted string", 18),
        ("$response.body#/a[0", "expected ']' after the index", 19),
        ("$response.body#/a[0 1]", "expected ']' after the index", 20),
        ("$response.body#/a[0].", "expected a property name after '.'", 20),
        ("'a'[0]", "unexpected text '['", 3),
        ("$inputs.x == 1 .y", "unexpected text '.y'", 15),
    ],
)
def test_parse_condition_errors(text: str, message: str, offset: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse_condition(text)
    assert message in caught.value.message
    assert caught.value.offset == offset
