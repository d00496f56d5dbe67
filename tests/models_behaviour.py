"""What our generated `from_json` accepts, against what datamodel-code-generator's pydantic v2
models for the same schemas validate in strict mode (tests/test_models_reference.py): JSON
instances drawn from a schema (mostly fitting it, sometimes not at one place), and both readers.
"""

from __future__ import annotations

import itertools
import shutil
import sys
import types
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from models_reference import dcg_parser
from support import import_package

from generator.datamodels import ModelClass
from generator.lowering.models import lower_models
from generator.render import environment, templates_dir

_counter = itertools.count()

JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.5, -1.5, 2.0]),
    st.text("abxyz-", max_size=3),
    st.just([]),
    st.just({}),
)


def our_package(folder: Path, models: list[ModelClass]) -> Any:
    """Our models.py for `models`, with the helpers it imports, imported as a package."""
    name = f"reference_models_{next(_counter)}"
    package = folder / name
    package.mkdir()
    code = lower_models(tuple(models), "reference", "schemas.json")
    text = environment().get_template("models.py.jinja").render(code=code)
    (package / "models.py").write_text(text, encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    for helper in ("_convert.py", "_runtime.py"):
        shutil.copy(templates_dir() / helper, package / helper)
    return import_package(folder, f"{name}.models")


def pydantic_models(bundle: dict[str, Any]) -> tuple[types.ModuleType, dict[str, str]]:
    """DCG's pydantic v2 models for the bundle, and their class names by schema path."""
    parser, code = dcg_parser(bundle, pydantic=True)
    module = types.ModuleType(f"reference_pydantic_{next(_counter)}")
    sys.modules[module.__name__] = module
    exec(compile(code, module.__name__, "exec"), module.__dict__)
    return module, {m.reference.path: m.class_name for m in parser.results}


def problem(reader: Any, value: Any) -> Any:
    """Why our `from_json` does not read the value (its ShapeError), None when it does."""
    shape_error = sys.modules[reader.__module__.rsplit(".", 1)[0] + "._runtime"].ShapeError
    try:
        reader.from_json(value)
    except shape_error as error:
        return error
    return None


def validates(model: Any, value: Any) -> bool:
    """Whether DCG's pydantic model validates the value, strictly (no "1" -> 1)."""
    from pydantic import ValidationError

    try:
        model.model_validate(value, strict=True)
    except ValidationError:
        return False
    return True


@st.composite
def instances(draw: st.DrawFn, schema: Any, defs: dict[str, Any], depth: int = 0) -> Any:
    """A JSON value for `schema` (a `$defs` schema of the generated vocabulary): one that fits,
    except where one draw in eight puts another value or leaves out a required member."""
    if depth > 6 or draw(st.integers(0, 7)) == 0:
        return draw(JSON_LEAVES)
    if not isinstance(schema, dict) or not schema:
        return draw(JSON_LEAVES)
    if "$ref" in schema:
        return draw(instances(defs[schema["$ref"].rsplit("/", 1)[1]], defs, depth + 1))
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            member = draw(st.sampled_from(schema[combinator]))
            return draw(instances(member, defs, depth + 1))
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return draw(st.sampled_from(schema["enum"]))
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = draw(st.sampled_from(kind))
    if schema.get("nullable") and draw(st.booleans()):
        return None
    if kind == "null":
        return None
    if kind == "string":
        return draw(st.text("ab-é", max_size=3))
    if kind == "integer":
        return draw(st.integers(-5, 5))
    if kind == "number":
        return draw(st.one_of(st.integers(-5, 5), st.sampled_from([0.25, -2.5])))
    if kind == "boolean":
        return draw(st.booleans())
    if kind == "array":
        items = schema.get("items", {})
        return draw(st.lists(instances(items, defs, depth + 1), max_size=3))
    return draw(_object(schema, defs, depth))


@st.composite
def _object(draw: st.DrawFn, schema: dict[str, Any], defs: dict[str, Any], depth: int) -> Any:
    properties, required = _members(schema, defs)
    value: dict[str, Any] = {}
    for name, member in properties.items():
        if name in required or draw(st.booleans()):
            value[name] = draw(instances(member, defs, depth + 1))
    additional = schema.get("additionalProperties")
    if isinstance(additional, dict):
        keys = st.text("kq", min_size=1, max_size=2)
        value |= draw(st.dictionaries(keys, instances(additional, defs, depth + 1), max_size=2))
    elif not properties:
        value |= draw(st.dictionaries(st.text("kq", max_size=2), JSON_LEAVES, max_size=2))
    if draw(st.booleans()):
        value["unknown member"] = draw(JSON_LEAVES)
    return value


def _members(schema: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """An object schema's properties and required names, its allOf members merged."""
    if "$ref" in schema:
        return _members(defs[schema["$ref"].rsplit("/", 1)[1]], defs)
    properties: dict[str, Any] = {}
    required: set[str] = set()
    for member in schema.get("allOf", []):
        more, more_required = _members(member, defs)
        properties |= more
        required |= more_required
    properties |= schema.get("properties", {})
    required |= set(schema.get("required", []))
    return properties, required
