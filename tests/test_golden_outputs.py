"""Golden outputs: the generated package of a few representative documents, committed, so that a
change to lowering shows up as a readable diff in review.

Each folder in tests/documents/golden/ is one case: `workflow.arazzo.yaml` and the files it
references, and `expected/`: the generated `workflows.py`, `__init__.py` and `README.md` (with a
`.golden` suffix, so linters leave them alone), `files.txt` (every file of the package; the
helper modules are copies of templates/) and `diagnostics.txt`. After a change to the generated
code, regenerate them and review the diff:

    .venv/bin/python tests/test_golden_outputs.py --regenerate [CASE...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from generator.diagnostics import Diagnostics
from generator.pipeline import generate_package

GOLDEN = Path(__file__).resolve().parent / "documents" / "golden"
DOCUMENT = "workflow.arazzo.yaml"
COMPARED = ("workflows.py", "__init__.py", "README.md")


def case_folders() -> list[Path]:
    return sorted(p for p in GOLDEN.iterdir() if p.is_dir())


def expected_files(folder: Path) -> dict[str, str]:
    """What the case's package must be, as the expected/ folder holds it."""
    diagnostics = Diagnostics()
    generated = generate_package(folder / DOCUMENT, diagnostics, package=f"golden_{folder.name}")
    assert generated is not None, "\n".join(str(d) for d in diagnostics.sorted())
    files = {f"{name}.golden": generated.files[name] for name in COMPARED}
    files["files.txt"] = "".join(f"{name}\n" for name in sorted(generated.files))
    prefix = str(folder.resolve()) + "/"
    files["diagnostics.txt"] = "".join(
        f"{str(d).replace(prefix, '')}\n" for d in diagnostics.sorted()
    )
    return files


@pytest.mark.parametrize("folder", case_folders(), ids=lambda p: p.name)
def test_generated_package_is_the_golden_one(folder: Path) -> None:
    expected = folder / "expected"
    produced = expected_files(folder)
    committed = {p.name: p.read_text(encoding="utf-8") for p in expected.iterdir()}
    assert sorted(committed) == sorted(produced)
    for name, text in produced.items():
        assert text == committed[name], (
            f"{folder.name}/expected/{name} differs: if the change is intended, run "
            f"`.venv/bin/python tests/test_golden_outputs.py --regenerate {folder.name}` "
            "and review the diff"
        )


def test_the_cases_cover_what_they_are_for() -> None:
    listed = {p.name: (p / "expected" / "files.txt").read_text() for p in case_folders()}
    assert "_serialize.py" in listed["serializers"]
    assert "_jsonpath.py" in listed["criteria"] and "_xpath.py" in listed["criteria"]
    actions = (GOLDEN / "actions" / "expected" / "workflows.py.golden").read_text()
    assert "run.may_retry(" in actions and "run.require(" in actions
    dialects = (GOLDEN / "dialects" / "expected" / "diagnostics.txt").read_text()
    assert dialects.count("warning:") >= 5


def regenerate(names: list[str]) -> int:
    folders = [GOLDEN / name for name in names] if names else case_folders()
    for folder in folders:
        expected = folder / "expected"
        expected.mkdir(exist_ok=True)
        produced = expected_files(folder)
        for stale in expected.iterdir():
            if stale.name not in produced:
                stale.unlink()
                print(f"{folder.name}: removed {stale.name}")
        for name, text in produced.items():
            path = expected / name
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8", newline="\n")
                print(f"{folder.name}: wrote {name}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Regenerate the golden outputs.")
    parser.add_argument("--regenerate", action="store_true", help="rewrite expected/")
    parser.add_argument("cases", nargs="*", metavar="CASE", help="case folder names (default: all)")
    arguments = parser.parse_args()
    if not arguments.regenerate:
        parser.error("nothing to do: pass --regenerate (the tests themselves run under pytest)")
    sys.exit(regenerate(arguments.cases))
