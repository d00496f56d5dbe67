"""Model classes derived from JSON Schemas: one frozen dataclass per object schema, shared by
every workflow of a package, with the converters that read them from JSON and write them back.

`SchemaTypes` asks the registry for the type of an object schema with properties (a class),
of a union (`oneOf`/`anyOf` decided by a discriminator or by JSON type) and of an object
whose members share one schema (`dict[str, X]`). Names are allocated in the module's scope,
so a model never collides with a workflow's classes or functions. A property's `default` is
not copied into its field: the API owns it (README, "Optional policy").

datamodel-code-generator (which the design named) is the independent reference this derivation
is tested against (tests/test_models_reference.py: field names, required, the shape of each
type, on this project's documents, generated schemas and the corpus, with the differences it
allows listed and explained), not a part of the compile path: its parser resolves `$ref`s
itself, from files and URLs, so it would bypass the compiler's document set (line:col for every
diagnostic, the size and depth limits, `--source-map`, `--allow-remote`); its result is module
source text from its own templates, so titles, descriptions, names and enum values would reach
generated code without passing through `generator/emit.py`; its dataclass output checks nothing
at run time, so the converters would be written here anyway; its class names would have to be
re-allocated in the module's name scope to be collision-free; and importing its JSON Schema
parser alone takes about 0.26 s (pydantic included), a sixth of the seed's cold compile budget.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator import emit
from generator.expressions.ast import pointer_tokens
from generator.load.refs import Resolved
from generator.load.source import pointer_join
from generator.names import NameScope
from generator.secrets import is_secret

if TYPE_CHECKING:
    from generator.types import PyType, SchemaTypes

Key = tuple[int, str]

CLASS_MEMBERS = ("from_json", "to_json", "dataclasses", "_convert", "_runtime")
"""Names each model class defines or its annotations and methods read, besides its fields."""


@dataclass
class ModelField:
    name: str
    wire_name: str
    type: PyType
    required: bool
    nullable: bool
    description: str | None = None
    secret: bool = False


@dataclass
class ModelClass:
    name: str
    title: str | None
    description: str | None
    pointer: str
    fields: list[ModelField] = field(default_factory=list)
    source: Resolved | None = field(default=None, compare=False, repr=False)
    """The schema the class comes from (tests/test_models_reference.py bundles it)."""


class ModelRegistry:
    """The model classes of one generated package, by the schema they come from."""

    def __init__(
        self,
        module_scope: NameScope,
        warn: Callable[[Resolved, str], None] | None = None,
    ) -> None:
        self.module_scope = module_scope
        self.warn = warn or (lambda _where, _message: None)
        self.classes: dict[Key, ModelClass] = {}
        self._types: dict[Key, PyType] = {}
        self._by_content: dict[tuple[int, str], PyType] = {}
        self._pending: list[tuple[ModelClass, dict[str, Resolved], set[str], int]] = []
        self._filling = False

    def known(self, resolved: Resolved) -> PyType | None:
        return self._types.get((id(resolved.document), resolved.pointer))

    @property
    def models(self) -> list[ModelClass]:
        return list(self.classes.values())

    # ---- objects ---------------------------------------------------------------------------

    def object_type(self, types: SchemaTypes, resolved: Resolved, depth: int) -> PyType | None:
        """A class for an object schema with properties (allOf members merged); None when the
        schema has none (a free-form object)."""
        properties, required = self._merged(types, resolved, depth)
        if not properties:
            return None
        from generator.types import PyType

        key = (id(resolved.document), resolved.pointer)
        # Schemas written out twice alike in one document (a workflow's input and another's)
        # are one schema: they get one class.
        same = (id(resolved.document), _canonical(resolved.value))
        if same in self._by_content:
            self._types[key] = self._by_content[same]
            return self._by_content[same]
        preferred, fallback = _name_hint(types, resolved)
        name = self.module_scope.allocate(preferred, style="pascal", fallback_prefix=fallback)
        value = resolved.value
        model = ModelClass(
            name,
            value.get("title") if isinstance(value.get("title"), str) else None,
            (value.get("description") if isinstance(value.get("description"), str) else None),
            resolved.pointer,
            source=resolved,
        )
        py_type = PyType(
            name,
            None,
            convert=f"{name}.from_json",
            models=frozenset({name}),
            json_kind="an object",
        )
        self.classes[key] = model
        self._types[key] = py_type
        self._by_content[same] = py_type
        # A class's type is its name: its fields are typed once the outermost class is, so a
        # member schema met again through another class (a cycle through allOf) is typed once.
        self._pending.append((model, properties, required, depth))
        if not self._filling:
            self._filling = True
            try:
                while self._pending:
                    self._fill(types, *self._pending.pop(0))
            finally:
                self._filling = False
        return py_type

    def _fill(
        self,
        types: SchemaTypes,
        model: ModelClass,
        properties: dict[str, Resolved],
        required: set[str],
        depth: int,
    ) -> None:
        names = NameScope(reserved=CLASS_MEMBERS)
        for wire_name, prop in properties.items():
            prop_type = types.type_of(prop, depth + 1)
            nullable = prop_type.optional
            prop_value = prop.value if isinstance(prop.value, dict) else {}
            deref = types.deref(prop)
            if deref is not None and isinstance(deref.value, dict):
                prop_value = deref.value
            description = prop_value.get("description")
            model.fields.append(
                ModelField(
                    name=names.allocate(wire_name),
                    wire_name=wire_name,
                    type=prop_type,
                    required=wire_name in required,
                    nullable=nullable,
                    description=description if isinstance(description, str) else None,
                    secret=is_secret(wire_name, prop_value),
                )
            )
        model.fields.sort(key=lambda f: not f.required)

    def _merged(
        self, types: SchemaTypes, resolved: Resolved, depth: int
    ) -> tuple[dict[str, Resolved], set[str]]:
        """The properties (by name) and required names of an object schema and its allOf."""
        properties: dict[str, Resolved] = {}
        required: set[str] = set()
        if depth > 20:
            return properties, required
        value = resolved.value
        all_of = value.get("allOf")
        if isinstance(all_of, list):
            for index, member in enumerate(all_of):
                at = pointer_join(pointer_join(resolved.pointer, "allOf"), index)
                found = types.deref(Resolved(resolved.document, at, member))
                if found is not None and isinstance(found.value, dict):
                    more, more_required = self._merged(types, found, depth + 1)
                    properties.update(more)
                    required |= more_required
        own = value.get("properties")
        if isinstance(own, dict):
            for name, prop in own.items():
                if isinstance(name, str):
                    at = pointer_join(pointer_join(resolved.pointer, "properties"), name)
                    properties[name] = Resolved(resolved.document, at, prop)
        listed = value.get("required")
        if isinstance(listed, list):
            required |= {name for name in listed if isinstance(name, str)}
        return properties, required

    # ---- unions ----------------------------------------------------------------------------

    def union_type(
        self,
        types: SchemaTypes,
        schema: Resolved,
        combinator: str,
        members: list[PyType],
    ) -> PyType | None:
        """`A | B` for a union whose members a reader can tell apart: by JSON type, and objects
        by a discriminator (declared, or one member property each member fixes to a constant).
        None when it cannot tell them apart."""
        from generator.types import PyType, nullable_convert

        present = [m for m in members if m.base != "None"]
        objects = [m for m in present if m.json_kind == "an object"]
        others = [m for m in present if m.json_kind != "an object"]
        if any(m.json_kind is None or m.convert is None for m in present):
            return None
        kinds = [m.json_kind for m in others]
        if len(set(kinds)) != len(kinds):
            return None
        readers: list[tuple[str, str]] = [
            (nullable_convert(m), emit.literal(m.json_kind)) for m in others
        ]
        if len(objects) == 1:
            readers.append((nullable_convert(objects[0]), emit.literal("an object")))
        elif objects:
            tagged = self._tagged(types, schema, combinator, members)
            if tagged is None:
                return None
            readers.append((tagged, emit.literal("an object")))
        # `either` tries the members in order: integers before numbers.
        readers.sort(key=lambda r: r[1] == emit.literal("a number"))
        convert = readers[0][0]
        if len(readers) > 1:
            convert = "_convert.either(" + ", ".join(f"({c}, {k})" for c, k in readers) + ")"
        annotation = " | ".join(dict.fromkeys(m.base for m in present))
        typing_names = frozenset[str]().union(*(m.typing for m in present))
        models = frozenset[str]().union(*(m.models for m in present))
        return PyType(annotation, None, typing=typing_names, convert=convert, models=models)

    def _tagged(
        self,
        types: SchemaTypes,
        schema: Resolved,
        combinator: str,
        members: list[PyType],
    ) -> str | None:
        raw = schema.value[combinator]
        object_members: list[tuple[Resolved, PyType]] = []
        for index, (member, member_type) in enumerate(zip(raw, members, strict=True)):
            if member_type.json_kind != "an object":
                continue
            at = pointer_join(pointer_join(schema.pointer, combinator), index)
            found = types.deref(Resolved(schema.document, at, member))
            if found is None or not isinstance(found.value, dict):
                return None
            object_members.append((found, member_type))
        discriminator = schema.value.get("discriminator")
        names: list[str] = []
        if isinstance(discriminator, dict) and isinstance(discriminator.get("propertyName"), str):
            names = [discriminator["propertyName"]]
        else:
            first, _ = self._merged(types, object_members[0][0], 0)
            names = sorted(first)
        for name in names:
            tags = self._tags(types, schema, object_members, name, discriminator)
            if tags is not None:
                entries = ", ".join(
                    f"{emit.literal(tag)}: {member.convert}" for tag, member in tags
                )
                return f"_convert.tagged({emit.literal(name)}, {{{entries}}})"
        if discriminator is None:
            return self._by_shape(types, object_members)
        return None

    def _by_shape(
        self, types: SchemaTypes, object_members: list[tuple[Resolved, PyType]]
    ) -> str | None:
        """Objects told apart by the members only one of them names; at most one of them may
        name none of its own (it is read when the value holds none of the others')."""
        named = [set(self._merged(types, found, 0)[0]) for found, _ in object_members]
        own = [
            sorted(names - set().union(*(other for j, other in enumerate(named) if j != i)))
            for i, names in enumerate(named)
        ]
        if sum(1 for names in own if not names) > 1:
            return None
        entries = ", ".join(
            f"({emit.literal(tuple(names))}, {member.convert})"
            for names, (_, member) in zip(own, object_members, strict=True)
        )
        return f"_convert.by_shape([{entries}])"

    def _tags(
        self,
        types: SchemaTypes,
        schema: Resolved,
        object_members: list[tuple[Resolved, PyType]],
        name: str,
        discriminator: Any,
    ) -> list[tuple[str, PyType]] | None:
        """The value of member `name` that marks each object member, when each has its own."""
        mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
        tags: list[tuple[str, PyType]] = []
        for found, member_type in object_members:
            properties, _ = self._merged(types, found, 0)
            tag: str | None = None
            prop = properties.get(name)
            prop_value = types.deref(prop) if prop is not None else None
            fixed = prop_value.value if prop_value is not None else None
            if isinstance(fixed, dict):
                if isinstance(fixed.get("const"), str):
                    tag = fixed["const"]
                elif isinstance(fixed.get("enum"), list) and len(fixed["enum"]) == 1:
                    only = fixed["enum"][0]
                    tag = only if isinstance(only, str) else None
            if isinstance(mapping, dict):
                for mapped, ref in mapping.items():
                    if isinstance(ref, str) and ref.split("/")[-1] == found.pointer.split("/")[-1]:
                        tag = str(mapped)
            if tag is None and isinstance(discriminator, dict) and "/schemas/" in found.pointer:
                tag = pointer_tokens(found.pointer)[-1]
            if tag is None:
                return None
            tags.append((tag, member_type))
        if len({tag for tag, _ in tags}) != len(tags):
            return None
        return tags


def reachable(models: Iterable[ModelClass], roots: Iterable[str]) -> tuple[ModelClass, ...]:
    """The classes named by `roots` and, through their fields, by one another, in their order:
    not those of the members of a union typed Any, which no type of the package refers to."""
    by_name = {model.name: model for model in models}
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        stack += [used for f in by_name[name].fields for used in f.type.models]
    return tuple(model for model in by_name.values() if model.name in seen)


_ROOTS = {"schemas", "inputs", "definitions", "$defs"}


def _is_root(tokens: list[str], index: int) -> bool:
    """Whether tokens[index] holds named schemas (`components/schemas`, `$defs`, ...)."""
    token = tokens[index]
    if token in ("schemas", "inputs"):
        return index > 0 and tokens[index - 1] == "components"
    return token in _ROOTS


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _name_hint(types: SchemaTypes, resolved: Resolved) -> tuple[str, str | None]:
    """The class name a schema reads as (its component name, short title or the member
    it describes), and a prefix for when that name is taken."""
    tokens = pointer_tokens(resolved.pointer)
    title = resolved.value.get("title")
    words = _named_tokens(types, resolved, tokens)
    preferred = words[-1] if words else "Model"
    fallback = words[-2] if len(words) > 1 else None
    if len(tokens) >= 2 and _is_root(tokens, len(tokens) - 2):
        return tokens[-1], fallback
    if isinstance(title, str) and 0 < len(title) <= 40 and len(title.split()) <= 4:
        return title, fallback
    return preferred, fallback


def _named_tokens(types: SchemaTypes, resolved: Resolved, tokens: list[str]) -> list[str]:
    """Readable words along a schema's pointer: component and property names, `Item` for
    array items (a plural made singular), `<operationId> Response` for a response body.
    """
    words: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in ("properties", "patternProperties") and index + 1 < len(tokens):
            words.append(tokens[index + 1])
            index += 2
            continue
        if _is_root(tokens, index) and index + 1 < len(tokens):
            words.append(tokens[index + 1])
            index += 2
            continue
        if token == "workflows" and index + 1 < len(tokens):
            at = "/workflows/" + tokens[index + 1] + "/workflowId"
            found, workflow_id = types.documents.lookup(resolved.document, at)
            words.append(workflow_id if found and isinstance(workflow_id, str) else "workflow")
            index += 2
            continue
        if token == "items":
            words.append(_singular(words.pop()) if words else "Item")
        elif token == "responses" and index >= 2:
            operation = "/" + "/".join(
                t.replace("~", "~0").replace("/", "~1") for t in tokens[:index]
            )
            found, value = types.documents.lookup(resolved.document, operation)
            op_id = value.get("operationId") if found and isinstance(value, dict) else None
            named = (
                op_id if isinstance(op_id, str) else " ".join(reversed(tokens[index - 2 : index]))
            )
            words.append(f"{named} response")
        elif token in ("oneOf", "anyOf") and index + 1 < len(tokens):
            words.append(f"{words.pop() if words else 'option'} {int(tokens[index + 1]) + 1}")
            index += 1
        elif token == "additionalProperties":
            words.append(f"{words.pop()} value" if words else "Value")
        index += 1
    return words


def _singular(word: str) -> str:
    if word.endswith("response"):
        return f"{word} item"
    if re.search(r"[^aeiou]ies$", word):
        return word[:-3] + "y"
    if re.search(r"(ch|sh|x|ss|z)es$", word):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return f"{word} item"
