"""Lowering the package's models: one frozen dataclass per schema, with `from_json` (read and
check) and `to_json` (write, leaving out what was not given). Every document string passes
through the emitters.

A member whose converter is built by a call (`_convert.literal(...)`, `_convert.list_of(...)`,
a union's reader) is read with a module constant named after the class and member, built once
when the module is imported rather than on every read; plain converters (`_convert.string`,
`Line.from_json`) are named where they are used."""

from __future__ import annotations

from dataclasses import dataclass, replace

from generator import emit
from generator.datamodels import ModelClass, ModelField
from generator.lowering.values import wrap_text
from generator.names import NameScope


@dataclass(frozen=True)
class ModelFieldCode:
    declaration: str
    docstring: str | None


@dataclass(frozen=True)
class ModelCode:
    name: str
    docstring: str
    fields: tuple[ModelFieldCode, ...]
    reads: tuple[str, ...]
    """`name=<converter call>` arguments of from_json."""
    writes: str
    """The `_convert.members(...)` expression of to_json."""
    secret_fields: str | None = None
    """The names `__repr__` hides, as a tuple literal (None: the dataclass repr)."""


@dataclass(frozen=True)
class ModelsCode:
    docstring: str
    typing_names: tuple[str, ...]
    uses_runtime: bool
    classes: tuple[ModelCode, ...]
    converters: tuple[str, ...] = ()
    """`_NAME = <converter>` statements, after the classes (they may name any of them)."""


class _Converters:
    """The module's built converters, each a private constant allocated in `scope`."""

    def __init__(self, scope: NameScope) -> None:
        self.scope = scope
        self.statements: list[str] = []

    def name(self, convert: str, model: ModelClass, field: ModelField) -> str:
        """`convert` itself when it names a function, else a constant that holds it."""
        if all(part.isidentifier() for part in convert.split(".")):
            return convert
        name = self.scope.allocate(f"{model.name} {field.name}", style="upper_snake", private=True)
        self.statements.append(f"{name} = {convert}")
        return name


def _annotation(field: ModelField) -> tuple[str, str | None]:
    """The field's annotation and default (None: no default)."""
    if field.required:
        return field.type.annotation, None
    if field.nullable:
        unset = replace(field.type, unset=True)
        return unset.annotation, "_runtime.UNSET"
    return field.type.as_optional().annotation, "None"


def _read(field: ModelField, model: ModelClass, converters: _Converters) -> str:
    convert = field.type.convert or "_convert.anything"
    name = emit.literal(field.wire_name)
    if field.required:
        if field.nullable:
            convert = f"_convert.nullable({convert})"
        reader = "required"
    else:
        reader = "optional_nullable" if field.nullable else "optional"
    convert = converters.name(convert, model, field)
    return f"{field.name}=_convert.{reader}(data, {name}, at, {convert})"


def _class_doc(model: ModelClass) -> str:
    parts = [emit.excerpt(text) for text in (model.title, model.description) if text]
    parts = [p for p in parts if emit.docstring_value(p)]
    if not parts:
        parts = [emit.excerpt(f"The schema at {model.pointer or '/'}.")]
    return wrap_text("\n\n".join(parts), 92)


def lower_model(model: ModelClass, converters: _Converters) -> ModelCode:
    fields = []
    for field in model.fields:
        annotation, default = _annotation(field)
        declaration = f"{field.name}: {annotation}" + (f" = {default}" if default else "")
        docstring = None
        if field.description and emit.docstring_value(field.description):
            docstring = emit.docstring(wrap_text(emit.excerpt(field.description), 92), "    ")
        fields.append(ModelFieldCode(declaration, docstring))
    members = ", ".join(f"{emit.literal(f.wire_name)}: self.{f.name}" for f in model.fields)
    optional = tuple(f.wire_name for f in model.fields if not f.required and not f.nullable)
    writes = f"_convert.members({{{members}}}"
    writes += f", {emit.literal(optional)})" if optional else ")"
    secret = tuple(f.name for f in model.fields if f.secret)
    return ModelCode(
        model.name,
        emit.docstring(_class_doc(model), "    "),
        tuple(fields),
        tuple(_read(f, model, converters) for f in model.fields),
        writes,
        emit.literal(secret) if secret else None,
    )


def lower_models(models: tuple[ModelClass, ...], title: str, document_name: str) -> ModelsCode:
    typing_names = {"Any"}
    uses_runtime = False
    for model in models:
        for field in model.fields:
            typing_names |= field.type.typing_names
            uses_runtime = uses_runtime or (not field.required and field.nullable)
            uses_runtime = uses_runtime or field.type.unset or field.secret
    doc = (
        f"The data of {emit.excerpt(title)}: one class per schema the workflows take or return."
        f"\n\nGenerated by arazzo-codegen from {document_name}. Do not edit: regenerate instead."
    )
    # every name models.py binds besides the constants: imports and classes
    bound = ["annotations", "dataclasses", "_convert", "_runtime", *typing_names]
    converters = _Converters(NameScope.module([*bound, *(m.name for m in models)]))
    classes = tuple(lower_model(m, converters) for m in models)
    return ModelsCode(
        emit.docstring(wrap_text(doc, 96)),
        tuple(sorted(typing_names)),
        uses_runtime,
        classes,
        tuple(converters.statements),
    )
