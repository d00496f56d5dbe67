"""datamodel-code-generator (DCG) as the independent reference of the model derivation
(generator/datamodels.py, generator/types.py): the model classes of a package, and DCG's
dataclasses for the same schemas, compared class by class (tests/test_models_reference.py).

The schemas a package's classes come from are bundled into one self-contained document
(every `$ref` rewritten to `#/$defs/...`), which DCG reads from text: it fetches nothing. Each of
our classes is compared with DCG's class for its schema: the wire names of the fields (`allOf`
merged; DCG inherits instead), which are required, and the shape of each field's type (scalar,
list of, map of, literal values, union members in order, class, nullable). Classes met as
field types are compared in turn.
"""

from __future__ import annotations

import ast
import json
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.datamodels import ModelClass, ModelRegistry
from generator.diagnostics import Diagnostics
from generator.load.refs import DocumentSet, Resolved
from generator.load.source import LoadedDocument, pointer_join
from generator.names import NameScope
from generator.types import SchemaTypes

Shape = tuple[tuple[Any, ...], bool]
"""A type: its union members (in order) and whether null is allowed."""

_DATA = {"example", "examples", "default", "enum", "const", "x-example", "discriminator"}
"""Keywords whose values are data, not schemas (a `$ref` member there is no reference)."""
_SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
_SCALARS = {"str", "int", "float", "bool", "Any"}


class Bundler:
    """Schemas of a document set copied into one document's `$defs`, references rewritten."""

    def __init__(self, documents: DocumentSet) -> None:
        self.documents = documents
        self.defs: dict[str, Any] = {}
        self.names: dict[tuple[Path, str], str] = {}

    def add(self, schema: Resolved) -> str:
        key = (schema.document.path, schema.pointer)
        if key not in self.names:
            self.names[key] = name = f"S{len(self.names)}"
            self.defs[name] = self._copy(schema.document, schema.pointer, schema.value)
        return self.names[key]

    def document(self) -> dict[str, Any]:
        return {"$defs": self.defs}

    def _copy(self, document: LoadedDocument, at: str, value: Any, is_map: bool = False) -> Any:
        if isinstance(value, list):
            return [self._copy(document, pointer_join(at, i), v) for i, v in enumerate(value)]
        if not isinstance(value, dict):
            return value
        copied: dict[str, Any] = {}
        for key, member in value.items():
            here = pointer_join(at, key)
            if is_map:
                copied[key] = self._copy(document, here, member)
            elif key == "$ref" and isinstance(member, str):
                target = self.documents.resolve_ref(
                    document, member, document.location(here), lambda _where, _problem: None
                )
                if target is not None:  # a dangling reference types its value Any, as ours
                    copied[key] = f"#/$defs/{self.add(target)}"
            elif key in _DATA:
                copied[key] = member
            else:
                copied[key] = self._copy(document, here, member, key in _SCHEMA_MAPS)
        return copied


class ReferenceUnavailable(Exception):
    """DCG cannot read the schemas (a cycle through allOf and a union exceeds its recursion)."""


def dcg_parser(bundle: dict[str, Any], pydantic: bool = False) -> tuple[Any, str]:
    """DCG's JSON Schema parser over the bundle after parse() (its `results` are the models),
    and the module source it wrote: dataclasses, or pydantic v2 models."""
    from datamodel_code_generator import DataModelType, Error
    from datamodel_code_generator.model import get_data_model_types
    from datamodel_code_generator.parser.jsonschema import JsonSchemaParser

    output = DataModelType.PydanticV2BaseModel if pydantic else DataModelType.DataclassesDataclass
    types = get_data_model_types(output)
    parser = JsonSchemaParser(
        json.dumps(bundle),
        data_model_type=types.data_model,
        data_model_root_type=types.root_model,
        data_model_field_type=types.field_model,
        data_type_manager_type=types.data_type_manager,
        dump_resolve_reference_action=types.dump_resolve_reference_action,
        enum_field_as_literal="all",
        strict_nullable=True,
        use_union_operator=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            code = parser.parse(format_=False)
        except Error as error:
            raise ReferenceUnavailable(str(error)) from None
    assert isinstance(code, str)
    return parser, code


def shape(annotation: str) -> Shape:
    """The shape of a type annotation (ours or DCG's)."""
    return _shape(ast.parse(annotation, mode="eval").body)


def _shape(node: ast.expr) -> Shape:
    members: list[ast.expr] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.BinOp) and isinstance(current.op, ast.BitOr):
            stack += [current.right, current.left]
        else:
            members.append(current)
    nullable = any(isinstance(m, ast.Constant) and m.value is None for m in members)
    kinds = tuple(
        dict.fromkeys(
            _member(m) for m in members if not (isinstance(m, ast.Constant) and m.value is None)
        )
    )
    if kinds == ("Any",):
        nullable = False  # Any holds null
    return kinds, nullable


def _member(node: ast.expr) -> Any:
    if isinstance(node, ast.Name):
        return node.id if node.id in _SCALARS else ("class", node.id)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        name = node.value.id.lower()
        args = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
        if name == "list":
            return ("list", _shape(args[0]))
        if name == "dict":
            return ("dict", _shape(args[1]))
        if name == "literal":
            return ("literal", tuple(ast.literal_eval(a) for a in args))
    raise ValueError(f"unexpected annotation {ast.unparse(node)}")


@dataclass(frozen=True)
class Disagreement:
    where: str
    """`<class>.<wire name>` (ours), or the class."""
    what: str
    """fields, required or type."""
    ours: str
    theirs: str
    shapes: tuple[Shape, Shape] | None = field(default=None, compare=False)
    """Our shape and DCG's (its aliases expanded), for a type."""
    redefined: bool = False
    """Whether more than one member of an allOf defines the field (or a field it is in)."""
    merged: bool = False
    """Whether DCG's class here is one it kept for several schemas whose classes it wrote alike
    (its deduplication), so it may stand for another schema than ours."""


@dataclass
class Comparison:
    """The figures of one comparison and what disagreed."""

    classes: int = 0
    fields: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    """Classes DCG made no class of."""
    bundle: dict[str, Any] = field(default_factory=dict)
    """The document DCG read."""
    paths: dict[str, str] = field(default_factory=dict)
    """The path in the bundle of the schema of each of our classes, by class name."""


class Reference:
    """DCG's classes for a bundle, by the path of the schema each comes from and by name."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        parser, _ = dcg_parser(bundle)
        self.by_path = {m.reference.path: m for m in parser.results}
        self.by_name = {m.class_name: m for m in parser.results}
        merged = parser._merged_duplicates  # what DCG's deduplication merged, by id of the kept
        self.merged = {m.class_name for m in parser.results if merged.get(id(m))}
        self.redefined: dict[str, set[str]] = {}
        """The properties more than one allOf member defines, by our class name."""

    def fields(self, model: Any) -> dict[str, Any]:
        """The model's fields by wire name, inherited ones (allOf) included."""
        found: dict[str, Any] = {}
        for base in model.base_classes:
            base_model = self.by_path.get(base.reference.path)
            if base_model is not None:
                found.update(self.fields(base_model))
        for item in model.fields:
            found[item.original_name or item.name] = item
        return found

    def shape(self, annotation: str) -> Shape:
        """DCG's annotation with its type aliases (root models) replaced by what they alias."""
        return self._expand(shape(annotation), 0)

    def _expand(self, found: Shape, depth: int) -> Shape:
        kinds, nullable = found
        expanded: list[Any] = []
        for kind in kinds:
            model = self.by_name.get(kind[1]) if _is_class(kind) else None
            if model is not None and _is_alias(model) and depth < 10:
                alias = shape(model.fields[0].data_type.type_hint)
                inner_kinds, inner_nullable = self._expand(alias, depth + 1)
                expanded += inner_kinds
                nullable = nullable or inner_nullable
            elif model is not None and not model.fields and not model.base_classes:
                # DCG makes a class without fields of a named free-form object schema: its
                # values are any object (ours: dict[str, Any])
                expanded.append(("dict", (("Any",), False)))
            elif isinstance(kind, tuple) and kind[0] in ("list", "dict"):
                expanded.append((kind[0], self._expand(kind[1], depth + 1)))
            else:
                expanded.append(kind)
        kinds = tuple(dict.fromkeys(expanded))
        return kinds, nullable and kinds != ("Any",)


def _is_alias(model: Any) -> bool:
    """Whether a DCG model is a type alias (a root model) rather than a class."""
    return bool(getattr(model, "IS_ALIAS", False)) or isinstance(model, _root_types())


def _root_types() -> tuple[type, ...]:
    from datamodel_code_generator import DataModelType
    from datamodel_code_generator.model import get_data_model_types

    return (get_data_model_types(DataModelType.DataclassesDataclass).root_model,)


def _is_class(kind: Any) -> bool:
    return isinstance(kind, tuple) and kind[0] == "class"


def compare(models: Iterable[ModelClass], documents: DocumentSet) -> Comparison:
    """Each of our classes against DCG's class for the same schema."""
    models = [m for m in models if m.source is not None]
    bundler = Bundler(documents)
    names = [bundler.add(m.source) for m in models if m.source is not None]
    reference = Reference(bundler.document())
    reference.redefined = {
        model.name: _defined(bundler.defs, bundler.defs[name], 0)[1]
        for model, name in zip(models, names, strict=True)
    }
    ours = {m.name: m for m in models}
    result = Comparison(bundle=bundler.document())
    result.paths = {m.name: f"#/$defs/{name}" for m, name in zip(models, names, strict=True)}
    seen: set[tuple[str, str]] = set()
    for model, name in zip(models, names, strict=True):
        theirs = reference.by_path.get(f"#/$defs/{name}")
        if theirs is not None and _is_alias(theirs):
            kinds, _ = reference.shape(theirs.class_name)
            theirs = None
            if len(kinds) == 1 and _is_class(kinds[0]):
                theirs = reference.by_name.get(kinds[0][1])
        if theirs is None:
            result.unread.append(model.name)
            continue
        _compare_class(model, theirs, ours, reference, result, seen)
    return result


def _compare_class(
    model: ModelClass,
    theirs: Any,
    ours: dict[str, ModelClass],
    reference: Reference,
    result: Comparison,
    seen: set[tuple[str, str]],
    within_redefined: bool = False,
) -> None:
    """Compare two classes; `within_redefined`: they are the type of an allOf redefinition."""
    if (model.name, theirs.class_name) in seen:
        return
    seen.add((model.name, theirs.class_name))
    result.classes += 1
    their_fields = reference.fields(theirs)
    our_fields = {f.wire_name: f for f in model.fields}
    if set(our_fields) != set(their_fields):
        ours_listed, theirs_listed = repr(sorted(our_fields)), repr(sorted(their_fields))
        result.disagreements.append(
            Disagreement(model.name, "fields", ours_listed, theirs_listed, None, within_redefined)
        )
    for wire_name in sorted(set(our_fields) & set(their_fields)):
        result.fields += 1
        mine, other = our_fields[wire_name], their_fields[wire_name]
        where = f"{model.name}.{wire_name}"
        redefined = within_redefined or wire_name in reference.redefined.get(model.name, ())
        merged = theirs.class_name in reference.merged
        if mine.required != other.required:
            result.disagreements.append(
                Disagreement(
                    where,
                    "required",
                    str(mine.required),
                    str(other.required),
                    None,
                    redefined,
                    merged,
                )
            )
        our_shape = shape(mine.type.annotation)
        their_shape = reference.shape(other.data_type.type_hint)
        pairs: list[tuple[ModelClass, Any]] = []
        if not _same(our_shape, their_shape, ours, reference, pairs):
            result.disagreements.append(
                Disagreement(
                    where,
                    "type",
                    mine.type.annotation,
                    other.data_type.type_hint,
                    (our_shape, their_shape),
                    redefined,
                    merged,
                )
            )
        for pair in pairs:
            _compare_class(*pair, ours, reference, result, seen, redefined)


def _same(
    mine: Shape,
    theirs: Shape,
    ours: dict[str, ModelClass],
    reference: Reference,
    pairs: list[tuple[ModelClass, Any]],
) -> bool:
    """Whether two shapes agree, classes paired by position (compared after, in `pairs`)."""
    if mine[1] != theirs[1] or len(mine[0]) != len(theirs[0]):
        return False
    for a, b in zip(mine[0], theirs[0], strict=True):
        if isinstance(a, str) or isinstance(b, str):
            if a != b:
                return False
        elif a[0] != b[0]:
            return False
        elif a[0] == "class":
            if a[1] not in ours or b[1] not in reference.by_name:
                return False
            pairs.append((ours[a[1]], reference.by_name[b[1]]))
        elif a[0] == "literal":
            if set(map(repr, a[1])) != set(map(repr, b[1])):
                return False
        elif not _same(a[1], b[1], ours, reference, pairs):
            return False
    return True


def _defined(defs: dict[str, Any], schema: Any, depth: int) -> tuple[set[str], set[str]]:
    """The property names an object schema of the bundle defines (its allOf members
    included), and those more than one of them defines."""
    if not isinstance(schema, dict) or depth > 20:
        return set(), set()
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _defined(defs, defs.get(ref.removeprefix("#/$defs/")), depth + 1)
    names: set[str] = set()
    twice: set[str] = set()
    members = schema.get("allOf") if isinstance(schema.get("allOf"), list) else []
    own = schema.get("properties")
    for found, again in [_defined(defs, m, depth + 1) for m in members] + [
        (set(own) if isinstance(own, dict) else set(), set())
    ]:
        twice |= again | (names & found)
        names |= found
    return names, twice


def derive(document: LoadedDocument, documents: DocumentSet) -> list[ModelClass]:
    """Our classes for every schema of a document's `$defs`."""
    registry = ModelRegistry(NameScope.module())
    types = SchemaTypes(documents, registry)
    assert isinstance(document.data, dict)
    for name, schema in document.data["$defs"].items():
        types.type_of(Resolved(document, pointer_join("/$defs", name), schema))
    return registry.models


def compare_schemas(folder: Path, schemas: dict[str, Any]) -> Comparison:
    """Our classes for `$defs` schemas (written to `folder`) against DCG's."""
    path = folder / "schemas.json"
    path.write_text(json.dumps({"$defs": schemas}), encoding="utf-8")
    documents = DocumentSet(Diagnostics())
    document = documents.load(path)
    assert document is not None
    return compare(derive(document, documents), documents)
