"""Our model derivation against an independent reference, datamodel-code-generator (DCG): for
the same schemas, every class we derive and DCG's dataclass agree on the fields' wire names,
which are required and the shape of each field's type, except for the differences listed in
KNOWN (each asserted on its own below). Schemas: this project's test documents, generated
ones (hypothesis) and every compiled corpus document (tests/models_reference.py compares).
Where the classes agree, our generated `from_json` accepts exactly the JSON that DCG's pydantic
models validate in strict mode (tests/models_behaviour.py)"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from budget import examples
from corpus import CORPUS, documents, source_map
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st
from models_behaviour import instances, our_package, problem, pydantic_models, validates
from models_reference import (
    Comparison,
    Disagreement,
    ReferenceUnavailable,
    compare,
    compare_schemas,
    derive,
)
from support import write_documents
from test_models_execution import SHOP_ARAZZO, SHOP_OPENAPI

from generator import jsonpointer
from generator.compile.document import compile_document
from generator.datamodels import reachable
from generator.diagnostics import Diagnostics
from generator.load.refs import DocumentSet


def _kinds(d: Disagreement, side: int) -> tuple[Any, ...]:
    assert d.shapes is not None
    return d.shapes[side][0]


def _unnamed(kinds: Any) -> Any:
    """Kinds with class names left out (ours and DCG's name classes differently)."""
    if isinstance(kinds, tuple) and kinds and kinds[0] == "class":
        return ("class",)
    if isinstance(kinds, tuple):
        return tuple(_unnamed(k) for k in kinds)
    return kinds


def _nullable(d: Disagreement, side: int) -> bool:
    assert d.shapes is not None
    return d.shapes[side][1]


KNOWN: dict[str, tuple[str, Callable[[Disagreement], bool]]] = {
    "undecidable union": (
        "a oneOf/anyOf whose members a reader cannot tell apart (by JSON type or a "
        "discriminator) is Any for us (with a warning): DCG's union would be read by trying "
        "each member, which picks one silently",
        lambda d: d.what == "type" and _kinds(d, 0) == ("Any",) and len(_kinds(d, 1)) > 1,
    ),
    "number enum": (
        "an enum of numbers is float for us; DCG writes `Literal[2] | float` (a float is no "
        "valid Literal value)",
        lambda d: (
            d.what == "type"
            and _kinds(d, 0) == ("float",)
            and "float" in _kinds(d, 1)
            and any(isinstance(k, tuple) and k[0] == "literal" for k in _kinds(d, 1))
        ),
    ),
    "allOf redefinition": (
        "a property more than one allOf member defines must fit each definition; we type it "
        "by the last one (an extension narrowing its base: a string there, an enum here), "
        "DCG by the first (its class inherits the base's field)",
        lambda d: d.redefined,
    ),
    "binary string": (
        "`format: binary` is bytes for DCG; in a JSON body it is a string, which we keep",
        lambda d: d.what == "type" and d.ours.startswith("str") and d.theirs.startswith("bytes"),
    ),
    "null the schema excludes": (
        "DCG allows null for `$ref` with a `nullable: true` beside it (OpenAPI 3.0 ignores "
        "what stands beside a `$ref`) and for an enum that lists null while its `type` excludes "
        "null (null is no string); we follow the schema, so null there is a ShapeError",
        lambda d: (
            d.what == "type"
            and _unnamed(_kinds(d, 0)) == _unnamed(_kinds(d, 1))
            and not _nullable(d, 0)
            and _nullable(d, 1)
        ),
    ),
    "look-alike classes merged": (
        "DCG keeps one class for schemas whose classes it writes alike, and a member that is "
        "optional reads `int | None = None` whether or not the schema allows null; so a "
        "nullable member of one schema is compared with the not-nullable one of another",
        lambda d: (
            d.merged
            and d.what == "type"
            and _unnamed(_kinds(d, 0)) == _unnamed(_kinds(d, 1))
            and _nullable(d, 0) != _nullable(d, 1)
        ),
    ),
}


def unexplained(result: Comparison) -> list[Disagreement]:
    return [d for d in result.disagreements if not any(rule(d) for _, rule in KNOWN.values())]


def compiled(path: Path, mapping: dict[str, Path] | None = None) -> Comparison:
    """Compile an Arazzo document to its module and compare the module's classes."""
    module = compile_document(path, Diagnostics(), package="reference", source_map=mapping)
    assert module is not None
    return compare(module.models, DocumentSet(Diagnostics(), mapping))


# ---- the known differences, each on its own -----------------------------------------------


EITHER = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
OTHER = {"type": "object", "properties": {"id": EITHER}}


@pytest.mark.parametrize(
    ("known", "schema"),
    [
        (
            "undecidable union",
            {
                "anyOf": [
                    {"type": "object", "properties": {"x": {"type": "string"}}},
                    {"type": "object", "properties": {"x": {"type": "integer"}}},
                ]
            },
        ),
        ("number enum", {"type": "number", "enum": [1.5, 2]}),
        ("binary string", {"type": "string", "format": "binary"}),
        ("null the schema excludes", {"$ref": "#/$defs/Other", "nullable": True}),
        ("null the schema excludes", {"type": "string", "enum": ["on", None]}),
    ],
)
def test_each_known_difference_is_what_it_says(
    tmp_path: Path, known: str, schema: dict[str, Any]
) -> None:
    root = {"type": "object", "required": ["member"], "properties": {"member": schema}}
    result = compare_schemas(tmp_path, {"Root": root, "Other": OTHER})
    assert [d.where for d in result.disagreements] == ["Root.member"]
    assert [name for name, (_, rule) in KNOWN.items() if rule(result.disagreements[0])] == [known]


def test_a_property_allof_members_both_define_is_typed_by_the_last(tmp_path: Path) -> None:
    narrowed = {"type": "object", "properties": {"id": {"type": "string"}}}
    result = compare_schemas(
        tmp_path, {"Other": OTHER, "Root": {"allOf": [{"$ref": "#/$defs/Other"}, narrowed]}}
    )
    assert [(d.where, d.ours, d.theirs, d.redefined) for d in result.disagreements] == [
        ("Root.id", "str", "str | int", True)
    ]


def test_look_alike_classes_dcg_merged_differ_only_in_null(tmp_path: Path) -> None:
    def holder(count: dict[str, Any]) -> dict[str, Any]:
        member = {"type": "object", "properties": {"count": count}}
        return {"type": "object", "properties": {"member": member}}

    result = compare_schemas(
        tmp_path,
        {"Plain": holder({"type": "integer"}), "Nullable": holder({"type": ["integer", "null"]})},
    )
    assert [(d.where, d.ours, d.merged) for d in result.disagreements] == [
        ("NullableMember.count", "int | None", True)
    ]
    assert [name for name, (_, rule) in KNOWN.items() if rule(result.disagreements[0])] == [
        "look-alike classes merged"
    ]


# ---- bugs the reference found, fixed -----------------------------------------------------


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "const": "card"},  # was str: any string accepted
        {"enum": ["a", 1]},  # was int | str: "b" accepted
        {"oneOf": [{"const": "a", "description": "A"}, {"const": "b"}]},  # was Any
        {"anyOf": [{"type": "string", "enum": ["a"]}, {"type": "null"}]},
    ],
)
def test_enums_and_consts_are_literals_as_the_reference_says(
    tmp_path: Path, schema: dict[str, Any]
) -> None:
    root = {"type": "object", "properties": {"member": schema}}
    result = compare_schemas(tmp_path, {"Root": root})
    assert (result.fields, result.disagreements) == (1, [])


def test_a_cycle_through_allof_is_typed_once(tmp_path: Path) -> None:
    """A member schema met again through another class was Any (the reference crashes)."""
    path = tmp_path / "schemas.json"
    named_or_null = {"anyOf": [{"$ref": "#/$defs/Named"}, {"type": "null"}]}
    node = {"type": "object", "properties": {"next": named_or_null}}
    named = {"allOf": [{"$ref": "#/$defs/Node"}, {"properties": {"id": {"type": "string"}}}]}
    path.write_text(json.dumps({"$defs": {"Node": node, "Named": named}}), encoding="utf-8")
    documents = DocumentSet(Diagnostics())
    document = documents.load(path)
    assert document is not None
    fields = {
        (model.name, f.wire_name): f.type.annotation
        for model in derive(document, documents)
        for f in model.fields
    }
    assert fields == {
        ("Node", "next"): "Named | None",
        ("Named", "next"): "Named | None",
        ("Named", "id"): "str",
    }


# ---- this project's documents --------------------------------------------------------------


def test_the_typed_data_documents_agree_with_the_reference(tmp_path: Path) -> None:
    write_documents(
        tmp_path, {"workflow.arazzo.yaml": SHOP_ARAZZO, "shop.openapi.yaml": SHOP_OPENAPI}
    )
    result = compiled(tmp_path / "workflow.arazzo.yaml")
    assert (result.classes, result.fields) == (10, 28)
    assert result.unread == []
    assert unexplained(result) == []
    # the contact anyOf is told apart by shape (Contact1 | Contact2), as DCG's union
    assert not any(d.where == "Receipt.contact" for d in result.disagreements)


# ---- generated schemas ---------------------------------------------------------------------

NAMES = st.sampled_from(
    [
        *("id", "name", "a-b", "a b", "class", "from_json", "to_json", "2x", "ünï", "$x", "A"),
        *("self", "None", "dataclasses", "_convert", "x.y", "type", "items", "default"),
    ]
)
SCALARS = st.sampled_from(["string", "integer", "number", "boolean"])


def _leaves(defs: int) -> st.SearchStrategy[dict[str, Any]]:
    refs = st.integers(0, defs - 1).map(lambda i: {"$ref": f"#/$defs/D{i}"})
    return st.one_of(
        SCALARS.map(lambda t: {"type": t}),
        SCALARS.map(lambda t: {"type": [t, "null"]}),
        SCALARS.map(lambda t: {"type": t, "nullable": True}),
        SCALARS.map(lambda t: {"anyOf": [{"type": t}, {"type": "null"}]}),
        st.lists(st.text("abc-", min_size=1, max_size=3), min_size=1, max_size=3, unique=True).map(
            lambda v: {"type": "string", "enum": v}
        ),
        st.lists(st.integers(-3, 3), min_size=1, max_size=3, unique=True).map(
            lambda v: {"type": ["integer", "null"], "enum": [*v, None]}
        ),
        st.text("xyz", min_size=1, max_size=2).map(lambda v: {"type": "string", "const": v}),
        st.just({}),
        st.just({"type": "object"}),
        st.just({"type": "array"}),
        st.just({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
        refs,
        refs.map(lambda r: {"anyOf": [r, {"type": "null"}]}),
    )


def _objects(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(NAMES, children, min_size=1, max_size=4).flatmap(
        lambda props: st.sets(st.sampled_from(sorted(props))).map(
            lambda required: {
                "type": "object",
                "properties": props,
                **({"required": sorted(required)} if required else {}),
            }
        )
    )


@st.composite
def schema_sets(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(1, 3))
    members = st.recursive(
        _leaves(count),
        lambda children: st.one_of(
            children.map(lambda c: {"type": "array", "items": c}),
            children.map(lambda c: {"type": "object", "additionalProperties": c}),
            _objects(children),
        ),
        max_leaves=6,
    )
    defs: dict[str, Any] = {}
    for index in range(count):
        own = draw(_objects(members))
        if index and draw(st.booleans()):  # an allOf of an earlier class and its own members
            own = {"allOf": [{"$ref": f"#/$defs/D{index - 1}"}, own]}
        defs[f"D{index}"] = own
    return defs


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schemas=schema_sets())
def test_generated_schemas_agree_with_the_reference(
    tmp_path_factory: pytest.TempPathFactory, schemas: dict[str, Any]
) -> None:
    try:
        result = compare_schemas(tmp_path_factory.mktemp("schemas"), schemas)
    except ReferenceUnavailable:
        reject()  # a cycle DCG cannot follow: test_a_cycle_through_allof_is_typed_once
    assert result.unread == []
    assert unexplained(result) == [], json.dumps(schemas)


def _literal_equality(error: Any, value: Any) -> bool:
    """pydantic compares a Literal's values with ==: true and 1.0 are 1 to it; for us (and
    JSON Schema) a boolean or a number is not the integer 1."""
    if error is None or not error.expected.startswith("one of "):
        return False
    found, at = jsonpointer.resolve(value, error.pointer)
    return found and isinstance(at, (bool, float))


def _wire_names(model: Any) -> set[str]:
    """The member names a pydantic model reads. DCG names a field by its Python name, so a
    subclass's `a b` (a_b) replaces its allOf base's `a-b` (a_b)."""
    return {f.alias or name for name, f in model.model_fields.items()}


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(schemas=schema_sets(), data=st.data())
def test_from_json_accepts_what_the_references_pydantic_models_validate(
    tmp_path_factory: pytest.TempPathFactory, schemas: dict[str, Any], data: st.DataObject
) -> None:
    """Where the classes agree, our reader and DCG's pydantic models (strict: no "1" -> 1)
    accept the same JSON: ones that fit and ones that do not at one place. Both ignore members
    the schema does not name and read null for a member that is not required."""
    folder = tmp_path_factory.mktemp("behaviour")
    path = folder / "schemas.json"
    path.write_text(json.dumps({"$defs": schemas}), encoding="utf-8")
    documents = DocumentSet(Diagnostics())
    document = documents.load(path)
    assert document is not None
    models = derive(document, documents)
    try:
        result = compare(models, documents)
    except ReferenceUnavailable:
        reject()
    assume(not result.disagreements)
    ours = our_package(folder, models)
    theirs, names = pydantic_models(result.bundle)
    defs = result.bundle["$defs"]
    references = {m.name: getattr(theirs, names[result.paths[m.name]]) for m in models}
    # DCG's defect: a field of a subclass replaces a base's of the same name. A model that is,
    # or reads through, such a class is not compared.
    defective = {
        m.name for m in models if _wire_names(references[m.name]) != {f.wire_name for f in m.fields}
    }
    for model in models:
        if {m.name for m in reachable(models, [model.name])} & defective:
            continue
        reference = references[model.name]
        schema = defs[result.paths[model.name].rsplit("/", 1)[1]]
        for _ in range(3):
            value = data.draw(instances(schema, defs), label=model.name)
            error = problem(getattr(ours, model.name), value)
            if (error is None) != validates(reference, value):
                assert _literal_equality(error, value), (model.name, value, str(error))


# ---- the corpus ----------------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is not at {CORPUS}")
def test_every_corpus_document_agrees_with_the_reference() -> None:
    classes = fields = 0
    found: dict[str, list[Disagreement]] = {}
    for path in documents():
        mapping = source_map(path)
        module = compile_document(path, Diagnostics(), package="reference", source_map=mapping)
        if module is None or not module.models:
            continue
        result = compare(module.models, DocumentSet(Diagnostics(), mapping))
        assert result.unread == [], path
        classes, fields = classes + result.classes, fields + result.fields
        if unexplained(result):
            found[path.relative_to(CORPUS).as_posix()] = unexplained(result)
    assert found == {}
    assert classes > 150 and fields > 800  # the comparison compared something
