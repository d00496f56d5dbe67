"""Options read from `[tool.arazzo-codegen]` in pyproject.toml, with the names of the flags.

    [tool.arazzo-codegen]
    specs = ["specs/arazzo"]          # SPEC arguments
    output = "generated"              # -o
    package = "tiktok"                # --package (one document only)
    strict = false                    # --strict
    sync = false                      # --sync
    source-map = { "https://example.com/specs/" = "specs/remote" }   # --source-map
    allow-remote = false              # --allow-remote
    keep-going = false                # --keep-going

Paths are relative to the pyproject.toml. Flags given on the command line win.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

KNOWN_KEYS = {
    "specs",
    "output",
    "package",
    "strict",
    "sync",
    "source-map",
    "allow-remote",
    "keep-going",
}


class ConfigError(Exception):
    """pyproject.toml has an [tool.arazzo-codegen] table the tool cannot use."""


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    specs: tuple[Path, ...] = ()
    output: Path | None = None
    package: str | None = None
    strict: bool = False
    sync: bool = False
    allow_remote: bool = False
    keep_going: bool = False
    source_map: dict[str, Path] = field(default_factory=dict)


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path) -> Config:
    """The configuration of the nearest pyproject.toml (an empty one when there is none)."""
    path = find_pyproject(start.resolve())
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    table = data.get("tool", {}).get("arazzo-codegen")
    if table is None:
        return Config(path=path)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.arazzo-codegen] must be a table")
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) in [tool.arazzo-codegen]: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(KNOWN_KEYS))})"
        )
    base = path.parent
    specs = table.get("specs", [])
    source_map = table.get("source-map", {})
    if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
        raise ConfigError(f"{path}: 'specs' must be a list of paths")
    if not isinstance(source_map, dict) or not all(isinstance(v, str) for v in source_map.values()):
        raise ConfigError(f"{path}: 'source-map' must map URL prefixes to folders")
    for key in ("output", "package"):
        if key in table and not isinstance(table[key], str):
            raise ConfigError(f"{path}: '{key}' must be a string")
    for key in ("strict", "sync", "allow-remote", "keep-going"):
        if key in table and not isinstance(table[key], bool):
            raise ConfigError(f"{path}: '{key}' must be true or false")
    return Config(
        path=path,
        specs=tuple(base / spec for spec in specs),
        output=base / table["output"] if "output" in table else None,
        package=table.get("package"),
        strict=table.get("strict", False),
        sync=table.get("sync", False),
        allow_remote=table.get("allow-remote", False),
        keep_going=table.get("keep-going", False),
        source_map={prefix: base / folder for prefix, folder in source_map.items()},
    )
