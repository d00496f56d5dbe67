"""Example data from a JSON Schema (inlined by `schema.SchemaInliner`): the schema's own
`example`, `examples`, `default`, `const` or first `enum` value where it has one, else a value
of its type that fits its bounds. Deterministic: the same schema gives the same value."""

from __future__ import annotations

from typing import Any

_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "ZXhhbXBsZQ==",
    "password": "example-password",
}
MAX_DEPTH = 8


def given_example(schema: dict[str, Any]) -> tuple[bool, Any]:
    """The value the schema itself names: (found, value)."""
    if "example" in schema:
        return True, schema["example"]
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return True, examples[0]
    if "default" in schema:
        return True, schema["default"]
    if "const" in schema:
        return True, schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return True, enum[0]
    return False, None


def schema_type(schema: dict[str, Any]) -> str | None:
    """The schema's one type (the first non-null one of a list), guessed from its keywords when
    it has none."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def example_of(schema: dict[str, Any], depth: int = 0) -> Any:
    """A value that fits `schema`."""
    found, value = given_example(schema)
    if found:
        return value
    if depth > MAX_DEPTH:
        return None
    for combinator in ("allOf",):
        parts = schema.get(combinator)
        if isinstance(parts, list) and parts:
            merged = _merge_all_of(schema, parts)
            return example_of(merged, depth + 1)
    for combinator in ("oneOf", "anyOf"):
        parts = schema.get(combinator)
        if isinstance(parts, list) and parts and isinstance(parts[0], dict):
            return example_of({**_without(schema, combinator), **parts[0]}, depth + 1)
    kind = schema_type(schema)
    if kind == "object":
        properties = schema.get("properties")
        if isinstance(properties, dict):
            return {
                name: example_of(prop, depth + 1)
                for name, prop in properties.items()
                if isinstance(prop, dict)
            }
        return {}
    if kind == "array":
        items = schema.get("items")
        count = max(1, _int(schema.get("minItems"), 1))
        return [example_of(items if isinstance(items, dict) else {}, depth + 1)] * count
    if kind == "integer":
        return _number_in(schema, 1)
    if kind == "number":
        return float(_number_in(schema, 1))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema)


def _without(schema: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != key}


def _merge_all_of(schema: dict[str, Any], parts: list[Any]) -> dict[str, Any]:
    merged = _without(schema, "allOf")
    properties: dict[str, Any] = dict(merged.get("properties") or {})
    required: list[Any] = list(merged.get("required") or [])
    for part in parts:
        if not isinstance(part, dict):
            continue
        if "allOf" in part:
            part = _merge_all_of(part, part["allOf"])
        properties.update(part.get("properties") or {})
        required.extend(part.get("required") or [])
        for key, value in part.items():
            if key not in ("properties", "required"):
                merged.setdefault(key, value)
    if properties:
        merged["properties"] = properties
        merged.setdefault("type", "object")
    if required:
        merged["required"] = list(dict.fromkeys(required))
    return merged


def _int(value: Any, fallback: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else fallback


def _number_in(schema: dict[str, Any], preferred: int) -> int:
    low = schema.get("minimum")
    high = schema.get("maximum")
    value = preferred
    if isinstance(low, int | float) and not isinstance(low, bool) and value < low:
        value = int(low) if low == int(low) else int(low) + 1
        if schema.get("exclusiveMinimum") is True and value == low:
            value += 1
    if isinstance(high, int | float) and not isinstance(high, bool) and value > high:
        value = int(high)
    return value


def _string(schema: dict[str, Any]) -> str:
    text = _FORMATS.get(str(schema.get("format")), "string")
    low = _int(schema.get("minLength"), 0)
    high = _int(schema.get("maxLength"), -1)
    if len(text) < low:
        text = text + "x" * (low - len(text))
    if high >= 0 and len(text) > high:
        text = text[:high]
    return text
