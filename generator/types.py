"""JSON Schema -> Python types: the annotation, and the class the runtime checks values against.

Simple schemas (scalars, arrays of them, free-form objects) map directly; anything the
mapping cannot express precisely becomes `Any` rather than a wrong type.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from generator import emit, jsonpointer
from generator.diagnostics import Location
from generator.expressions.ast import pointer_tokens
from generator.load.refs import DocumentSet, Resolved
from generator.load.source import pointer_join

if TYPE_CHECKING:
    from generator.datamodels import ModelRegistry

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_DEPTH = 20
"""How deep composition and nesting are followed (a schema may refer to itself); deeper is Any."""

_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


@dataclass(frozen=True)
class PyType:
    """A Python type: `base` is the annotation without `| None`; `check` is the runtime class
    (str, int, float, bool, list, dict) that values are verified against, None for Any."""

    base: str
    check: str | None
    optional: bool = False
    typing: frozenset[str] = frozenset()
    """The names the annotation needs from `typing`."""
    convert: str | None = None
    """The generated converter (a callable taking a JSON value and its pointer) that checks a
    JSON value and turns it into this type; None where none is needed (Any)."""
    models: frozenset[str] = frozenset()
    """The model classes the annotation names."""
    json_kind: str | None = None
    """The JSON type of the values ("a string", "an object", ...), when there is one."""
    vague: bool = False
    """Any although the schema describes a shape the compiler could not express."""
    unset: bool = False
    """An optional input that may be null: `_runtime.Unset` (not given) is one more value."""

    @property
    def structured(self) -> bool:
        """Whether reading a value of this type needs its converter (models, enums, typed
        lists and maps), rather than an isinstance check."""
        return self.convert is not None and (
            bool(self.models) or "Literal" in self.typing or self.check in ("list", "dict", None)
        )

    @property
    def annotation(self) -> str:
        annotation = self.base
        if self.unset and self.base != "Any":
            annotation += " | _runtime.Unset"
        if self.optional and self.base not in ("Any", "None"):
            annotation += " | None"
        return annotation

    @property
    def typing_names(self) -> frozenset[str]:
        return self.typing

    def as_optional(self, optional: bool = True) -> PyType:
        return replace(self, optional=self.optional or optional)


_ANY_NAME = frozenset({"Any"})
ANY = PyType("Any", None, typing=_ANY_NAME)
VAGUE = replace(ANY, vague=True)
OBJECT = PyType(
    "dict[str, Any]",
    "dict",
    typing=_ANY_NAME,
    convert="_convert.json_object",
    json_kind="an object",
)
ARRAY = PyType(
    "list[Any]", "list", typing=_ANY_NAME, convert="_convert.json_array", json_kind="an array"
)
STR = PyType("str", "str", convert="_convert.string", json_kind="a string")
INT = PyType("int", "int", convert="_convert.integer", json_kind="an integer")
FLOAT = PyType("float", "float", convert="_convert.number", json_kind="a number")
BOOL = PyType("bool", "bool", convert="_convert.boolean", json_kind="a boolean")
_SCALAR_TYPES = {"string": STR, "integer": INT, "number": FLOAT, "boolean": BOOL}


def _types_of(schema: dict[str, Any]) -> tuple[list[str], bool]:
    """The schema's non-null types and whether null is allowed."""
    raw = schema.get("type")
    types = (
        [raw]
        if isinstance(raw, str)
        else [t for t in raw if isinstance(t, str)]
        if isinstance(raw, list)
        else []
    )
    nullable = "null" in types or schema.get("nullable") is True
    types = [t for t in types if t != "null"]
    if not types and "enum" in schema and isinstance(schema["enum"], list):
        types = sorted({_json_type(v) for v in schema["enum"] if v is not None} - {"null"})
        nullable = nullable or None in schema["enum"]
    if not types and "const" in schema:
        types = [_json_type(schema["const"])]
    if not types and "properties" in schema:
        types = ["object"]
    if not types and "items" in schema:
        types = ["array"]
    return types, nullable


def _enum_members(schema: dict[str, Any], types: list[str]) -> list[Any] | None:
    """The values of an `enum` (or `const`: an enum of one) of strings and integers the
    schema's types allow, null left out; None for any other schema."""
    enum = [schema["const"]] if "const" in schema else schema.get("enum")
    if not isinstance(enum, list):
        return None
    members = [v for v in enum if v is not None]
    kinds = {_json_type(v) for v in members}
    if not members or not kinds <= {"string", "integer"} or not kinds <= set(types):
        return None
    return members


def _literal(schema: dict[str, Any], types: list[str], nullable: bool) -> PyType | None:
    members = _enum_members(schema, types)
    return None if members is None else _literal_of(members, nullable)


def _literal_of(members: list[Any], nullable: bool) -> PyType:
    """`Literal[...]` of enum values (strings and integers)."""
    kinds = {_json_type(v) for v in members}
    unique = ", ".join(emit.literal(v) for v in dict.fromkeys(members))
    scalar = _SCALAR_TYPES[kinds.pop()] if len(kinds) == 1 else None
    return PyType(
        f"Literal[{unique}]",
        scalar.check if scalar else None,
        nullable,
        frozenset({"Literal"}),
        convert=f"_convert.literal({unique})",
        json_kind=scalar.json_kind if scalar else None,
    )


def nullable_convert(py_type: PyType) -> str:
    """The converter of a value of `py_type` that may also be null, when the type says so."""
    convert = py_type.convert or "_convert.anything"
    return f"_convert.nullable({convert})" if py_type.optional else convert


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


class SchemaTypes:
    """Maps schemas found in a document set to Python types."""

    def __init__(self, documents: DocumentSet, models: ModelRegistry | None = None) -> None:
        self.documents = documents
        self.models = models
        """Where object schemas with properties become classes; without it they are dicts."""
        # Schemas may refer to themselves, and many members may share one schema: each schema's
        # type (and each step into it) is worked out once, and a schema met again on its own
        # path is a cycle, typed Any.
        self._types: dict[tuple[int, str], PyType] = {}
        self._steps: dict[tuple[int, str, str], tuple[Resolved | None, bool]] = {}
        self._visiting: set[Hashable] = set()

    def deref(self, schema: Resolved) -> Resolved | None:
        """The schema a `$ref` chain leads to. A schema here only types a value, so a reference
        that does not resolve (split provider files often ship some) types it Any, with a
        warning, rather than stopping the compilation."""
        return self.documents.deref(
            schema.document, schema.pointer, schema.value, self._dangling_reference
        )

    def _dangling_reference(self, where: Location, problem: str) -> None:
        self.documents.diagnostics.dialect(
            where,
            f"{problem}; the schema only types a value, which is typed Any (the standard form "
            "refers to a schema that exists)",
        )

    def type_of(self, schema: Resolved | None, depth: int = 0) -> PyType:
        if schema is None or depth > MAX_DEPTH:
            return ANY
        resolved = self.deref(schema)
        if resolved is None or not isinstance(resolved.value, dict):
            return ANY
        if self.models is not None:
            known = self.models.known(resolved)
            if known is not None:
                return known.as_optional(_types_of(resolved.value)[1])
        key = (id(resolved.document), resolved.pointer)
        return self._once(self._types, key, VAGUE, lambda: self._type_of_schema(resolved, depth))

    def _type_of_schema(self, resolved: Resolved, depth: int) -> PyType:
        value = resolved.value
        for combinator in ("oneOf", "anyOf"):
            if isinstance(value.get(combinator), list):
                return self._union(resolved, combinator, depth)
        all_of = value.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and "type" not in value:
            member = Resolved(
                resolved.document,
                pointer_join(pointer_join(resolved.pointer, "allOf"), 0),
                all_of[0],
            )
            return self.type_of(member, depth + 1)
        types, nullable = _types_of(value)
        if isinstance(all_of, list) and not types:
            types = ["object"]
        if not types and nullable:
            return PyType("None", None, True)
        literal = _literal(value, types, nullable)
        if literal is not None:
            return literal
        if len(types) > 1 and self.models is not None and all(t in _SCALARS for t in types):
            scalars = [_SCALAR_TYPES[t] for t in dict.fromkeys(types)]
            union = self.models.union_type(self, resolved, "type", scalars)
            if union is not None:
                return union.as_optional(nullable)
        if len(types) != 1:
            return ANY if not types else VAGUE
        kind = types[0]
        if kind in _SCALARS:
            return _SCALAR_TYPES[kind].as_optional(nullable)
        if kind == "array":
            return self._array(resolved, nullable, depth)
        if kind == "object":
            if self.models is not None:
                return self._object(resolved, nullable, depth)
            return OBJECT.as_optional(nullable)
        return ANY

    def _array(self, resolved: Resolved, nullable: bool, depth: int) -> PyType:
        items = resolved.value.get("items")
        item_type = ANY
        if isinstance(items, dict):
            item_type = self.type_of(
                Resolved(resolved.document, pointer_join(resolved.pointer, "items"), items),
                depth + 1,
            )
        if item_type.base == "Any":
            return replace(ARRAY, optional=nullable, vague=item_type.vague)
        return PyType(
            f"list[{item_type.annotation}]",
            "list",
            nullable,
            item_type.typing,
            convert=f"_convert.list_of({nullable_convert(item_type)})",
            models=item_type.models,
            json_kind="an array",
        )

    def _object(self, resolved: Resolved, nullable: bool, depth: int) -> PyType:
        """A model class for an object with properties; `dict[str, X]` for one whose members
        share a schema; else a free-form `dict[str, Any]`."""
        assert self.models is not None
        model = self.models.object_type(self, resolved, depth)
        if model is not None:
            return model.as_optional(nullable)
        additional = resolved.value.get("additionalProperties")
        if isinstance(additional, dict) and additional:
            at = pointer_join(resolved.pointer, "additionalProperties")
            member = self.type_of(Resolved(resolved.document, at, additional), depth + 1)
            if member.base != "Any":
                return PyType(
                    f"dict[str, {member.annotation}]",
                    "dict",
                    nullable,
                    member.typing,
                    convert=f"_convert.dict_of({nullable_convert(member)})",
                    models=member.models,
                    json_kind="an object",
                )
        return OBJECT.as_optional(nullable)

    def _union(self, schema: Resolved, combinator: str, depth: int) -> PyType:
        members = schema.value[combinator]
        types = [
            self.type_of(
                Resolved(
                    schema.document, pointer_join(pointer_join(schema.pointer, combinator), i), m
                ),
                depth + 1,
            )
            for i, m in enumerate(members)
        ]
        non_null = [t for t in types if t.base != "None"]
        optional = len(non_null) < len(types) or any(t.optional for t in types)
        values = self._enum_union(schema, combinator)
        if values:
            return _literal_of(values, optional)
        if len(non_null) == 1 or (non_null and all(t.base == non_null[0].base for t in non_null)):
            return non_null[0].as_optional(optional)
        if self.models is not None and non_null:
            union = self.models.union_type(
                self, schema, combinator, [replace(t, optional=False) for t in types]
            )
            if union is not None:
                return union.as_optional(optional)
            self.models.warn(
                schema,
                f"the members of this {combinator} cannot be told apart by JSON type or by a "
                "discriminator; its values are typed Any",
            )
        return VAGUE

    def _enum_union(self, schema: Resolved, combinator: str) -> list[Any] | None:
        """The values of a union of enums and consts (one value each, with a description,
        is a common way to document an enum): one enum of them all."""
        values: list[Any] = []
        for index, member in enumerate(schema.value[combinator]):
            at = pointer_join(pointer_join(schema.pointer, combinator), index)
            found = self.deref(Resolved(schema.document, at, member))
            if found is None or not isinstance(found.value, dict):
                return None
            types, nullable = _types_of(found.value)
            if not types and nullable:
                continue
            members = _enum_members(found.value, types)
            if members is None:
                return None
            values += members
        return values

    def at_pointer(self, schema: Resolved | None, pointer: str) -> tuple[Resolved | None, bool]:
        """The sub-schema a JSON pointer into an instance of `schema` lands on, and whether the
        schema guarantees a value there (every step required, nothing nullable on the way)."""
        guaranteed = True
        current = schema
        for token in pointer_tokens(pointer):
            if current is None:
                return None, False
            current, required = self._step(current, token)
            guaranteed = guaranteed and required
        if current is not None:
            resolved = self.deref(current)
            if (
                resolved is not None
                and isinstance(resolved.value, dict)
                and _types_of(resolved.value)[1]
            ):
                guaranteed = False
        return current, guaranteed

    def array_index_problem(self, schema: Resolved, pointer: str) -> str | None:
        """A message when the pointer steps into an array (by `schema`) with a token that is
        not an array index (RFC 6901: `01`, `-`, `²`): it can never select a value."""
        current: Resolved | None = schema
        for token in pointer_tokens(pointer):
            resolved = self.deref(current) if current is not None else None
            if resolved is None or not isinstance(resolved.value, dict):
                return None
            value = resolved.value
            is_array = isinstance(value.get("items"), dict) and not any(
                key in value for key in ("properties", "additionalProperties", "allOf", "oneOf")
            )
            if is_array and "anyOf" not in value and jsonpointer.array_index(token) is None:
                return (
                    f"'{token}' is not an array index (RFC 6901: 0, or ASCII digits without a "
                    "leading zero), so the pointer never selects a value of this array"
                )
            current, _ = self._step(current, token) if current is not None else (None, False)
        return None

    def _step(self, schema: Resolved, token: str, depth: int = 0) -> tuple[Resolved | None, bool]:
        resolved = self.deref(schema)
        if resolved is None or not isinstance(resolved.value, dict) or depth > MAX_DEPTH:
            return None, False
        key = (id(resolved.document), resolved.pointer, token)
        return self._once(
            self._steps, key, (None, False), lambda: self._step_into(resolved, token, depth)
        )

    def _once(self, cache: dict[K, V], key: K, on_cycle: V, work: Callable[[], V]) -> V:
        """`work()`, done once per key; `on_cycle` when the key is met again during its work."""
        if key in cache:
            return cache[key]
        if key in self._visiting:
            return on_cycle
        self._visiting.add(key)
        try:
            cache[key] = work()
        finally:
            self._visiting.discard(key)
        return cache[key]

    def _step_into(
        self, resolved: Resolved, token: str, depth: int
    ) -> tuple[Resolved | None, bool]:
        value = resolved.value
        properties = value.get("properties")
        if isinstance(properties, dict) and token in properties:
            required = value.get("required")
            is_required = isinstance(required, list) and token in required
            nullable = _types_of(value)[1]
            child = Resolved(
                resolved.document,
                pointer_join(pointer_join(resolved.pointer, "properties"), token),
                properties[token],
            )
            return child, is_required and not nullable
        if isinstance(value.get("items"), dict) and jsonpointer.array_index(token) is not None:
            return Resolved(
                resolved.document, pointer_join(resolved.pointer, "items"), value["items"]
            ), False
        for combinator in ("allOf", "oneOf", "anyOf"):
            members = value.get(combinator)
            if not isinstance(members, list):
                continue
            for index, member in enumerate(members):
                found, required = self._step(
                    Resolved(
                        resolved.document,
                        pointer_join(pointer_join(resolved.pointer, combinator), index),
                        member,
                    ),
                    token,
                    depth + 1,
                )
                if found is not None:
                    return found, required and combinator == "allOf"
        additional = value.get("additionalProperties")
        if isinstance(additional, dict):
            return (
                Resolved(
                    resolved.document,
                    pointer_join(resolved.pointer, "additionalProperties"),
                    additional,
                ),
                False,
            )
        return None, False
