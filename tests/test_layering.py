"""The stages depend on each other in one direction: compile resolves every reference into the
IR, and lowering turns the IR into code without reaching back into compile."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GENERATOR = Path(__file__).resolve().parent.parent / "generator"


def imported_modules(source: str, module: str) -> set[str]:
    """Every module `source` (the text of `module`) imports, anywhere in it, relative imports
    made absolute."""
    found: set[str] = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def stage_modules(stage: str) -> list[tuple[str, str]]:
    """(dotted name, source) of every module of a stage package of the generator."""
    return [
        (f"generator.{stage}.{path.stem}", path.read_text(encoding="utf-8"))
        for path in sorted((GENERATOR / stage).glob("*.py"))
    ]


def test_the_import_reader_sees_every_form_of_import() -> None:
    source = """
import generator.compile.scope
from generator.compile import values
from ..compile.outputs import success_status
if TYPE_CHECKING:
    from generator.compile.references import ReferenceResolver
"""
    found = imported_modules(source, "generator.lowering.values")
    assert {
        "generator.compile.scope",
        "generator.compile.values",
        "generator.compile.outputs",
        "generator.compile.references",
    } <= found


LOWERING = stage_modules("lowering")


@pytest.mark.parametrize(("module", "source"), LOWERING, ids=[name for name, _ in LOWERING])
def test_lowering_does_not_import_compile(module: str, source: str) -> None:
    reaching_back = sorted(
        name
        for name in imported_modules(source, module)
        if name == "generator.compile" or name.startswith("generator.compile.")
    )
    assert reaching_back == [], f"{module} imports {reaching_back}: resolve it in compile"


def test_the_ir_depends_on_neither_stage() -> None:
    source = (GENERATOR / "ir.py").read_text(encoding="utf-8")
    stages = ("generator.compile", "generator.lowering")
    assert not [
        name for name in imported_modules(source, "generator.ir") if name.startswith(stages)
    ]
