"""Formatting one definition at a time (in worker processes for large modules, from the cache
when unchanged) gives exactly what black gives for the whole module."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import black
import pytest
import yaml

from generator import format as formatting
from generator.compile.document import compile_document
from generator.diagnostics import Diagnostics
from generator.format import MODE, FormatError, format_source, split_definitions
from generator.format_cache import FormatCache, cache_folder
from generator.render import render_module

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "specs" / "arazzo" / "tiktok-for-developers-oauth-login-and-profile-workflow.yml"


def rendered(spec: Path, *, sync: bool = False) -> dict[str, str]:
    module = compile_document(spec, Diagnostics())
    assert module is not None
    return render_module(module, sync=sync)


def many_workflows(tmp_path: Path, count: int) -> Path:
    """The seed document with `count` copies of its workflow."""
    document = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    workflow = document["workflows"][0]
    document["workflows"] = [
        {**workflow, "workflowId": f"{workflow['workflowId']}-{index}"} for index in range(count)
    ]
    spec = tmp_path / "arazzo" / "many.arazzo.yaml"
    spec.parent.mkdir()
    spec.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    (tmp_path / "openapi").symlink_to(SEED.parent.parent / "openapi")
    return spec


@pytest.mark.parametrize("sync", [False, True])
@pytest.mark.parametrize("name", ["workflows.py", "__init__.py"])
def test_pieces_join_into_what_black_makes_of_the_whole(name: str, sync: bool) -> None:
    source = rendered(SEED, sync=sync)[name]
    assert format_source(source, name) == black.format_str(source, mode=MODE)


def test_comments_and_decorators_stay_with_their_definition() -> None:
    source = (
        '"""Doc."""\nimport a\nX=1\n# about f\n# more\n@dec\n@dec2(1)\nasync def f( ):\n'
        "    return 1\nclass C : pass\n# trailing\n"
    )
    pieces = split_definitions(source)
    assert [piece.splitlines()[0] for piece in pieces] == [
        '"""Doc."""',
        "# about f",
        "class C : pass",
    ]
    assert format_source(source, "m.py") == black.format_str(source, mode=MODE)


def test_large_modules_are_formatted_by_worker_processes_identically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = rendered(many_workflows(tmp_path, 6))["workflows.py"]
    expected = black.format_str(source, mode=MODE)
    started: list[int] = []
    start_worker = formatting._start_worker

    def counting(batch: list[str], file_name: str) -> subprocess.Popen[bytes]:
        started.append(len(batch))
        return start_worker(batch, file_name)

    monkeypatch.setattr(formatting, "PARALLEL_MIN_LINES", 0)
    monkeypatch.setattr(formatting.os, "cpu_count", lambda: 3)
    monkeypatch.setattr(formatting, "_start_worker", counting)
    assert format_source(source, "workflows.py") == expected
    assert len(started) == 2 and all(started), started


def test_a_worker_that_fails_leaves_its_pieces_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = rendered(many_workflows(tmp_path, 3))["workflows.py"]
    monkeypatch.setattr(formatting, "PARALLEL_MIN_LINES", 0)
    monkeypatch.setattr(formatting.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(formatting.sys, "executable", "/bin/false")
    assert format_source(source, "workflows.py") == black.format_str(source, mode=MODE)


@pytest.mark.parametrize("parallel", [False, True])
def test_invalid_generated_code_is_a_format_error(
    monkeypatch: pytest.MonkeyPatch, parallel: bool
) -> None:
    with pytest.raises(FormatError, match=r"generated m\.py is not valid Python"):
        format_source("def f(:\n", "m.py")
    if parallel:
        monkeypatch.setattr(formatting, "PARALLEL_MIN_LINES", 0)
        monkeypatch.setattr(formatting.os, "cpu_count", lambda: 2)
    # A piece black cannot parse, in the batch a worker formats, of a module that is not
    # valid as a whole either.
    pieces = ["x = 1\n", "y = 2\n", "z = (\n"]
    monkeypatch.setattr(formatting, "split_definitions", lambda source: pieces)
    with pytest.raises(FormatError, match=r"generated m\.py is not valid Python"):
        format_source("".join(pieces), "m.py")


def test_a_definition_line_inside_a_string_falls_back_to_the_whole_module() -> None:
    source = '"""Title\n\nclass Foo:\n    pass\n"""\nimport a\n\n\ndef f( ):\n    return 1\n'
    assert len(split_definitions(source)) == 3  # one cut inside the docstring
    assert format_source(source, "m.py") == black.format_str(source, mode=MODE)


def test_worker_protocol() -> None:
    pieces = ["x=1\n", "def f( ):  return 1\n"]
    done = subprocess.run(
        [sys.executable, "-m", "generator.format"],
        input=json.dumps({"file": "m.py", "pieces": pieces}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == {"formatted": ["x = 1\n", "def f():\n    return 1\n"]}


def test_the_cache_formats_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = rendered(many_workflows(tmp_path, 3))["workflows.py"]
    changed = first.replace("oauth-login-and-profile-1", "oauth-login-and-profile-one")
    assert changed != first
    formatted: list[str] = []
    format_piece = formatting._format_piece

    def counting(piece: str, file_name: str) -> str:
        formatted.append(piece)
        return format_piece(piece, file_name)

    monkeypatch.setattr(formatting, "_format_piece", counting)
    folder = tmp_path / "cache"
    for source in (first, first, changed):
        cache = FormatCache.open(folder, "package", "workflows.py")
        assert format_source(source, "workflows.py", cache) == black.format_str(source, mode=MODE)
        cache.save()
    before = split_definitions(first)
    after = split_definitions(changed)
    new = [piece for piece in after if piece not in before]
    assert len(new) == 4  # the module docstring, two dataclasses and the function
    assert formatted == [*before, *new]  # all, then none, then what changed
    # Only what the last run used is kept.
    (saved,) = folder.iterdir()
    assert len(json.loads(saved.read_text(encoding="utf-8"))) == len(after)


def test_an_unreadable_or_unwritable_cache_is_ignored(tmp_path: Path) -> None:
    source = rendered(SEED)["workflows.py"]
    expected = black.format_str(source, mode=MODE)
    folder = tmp_path / "cache"
    cache = FormatCache.open(folder, "p", "workflows.py")
    assert cache.path is not None
    folder.mkdir()
    cache.path.write_text("{not json", encoding="utf-8")
    cache = FormatCache.open(folder, "p", "workflows.py")
    assert format_source(source, "workflows.py", cache) == expected
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    cache = FormatCache.open(blocked / "below", "p", "workflows.py")
    assert format_source(source, "workflows.py", cache) == expected
    cache.save()  # a file where the folder should be: nothing written, no error


def test_cache_folder_from_the_environment(tmp_path: Path) -> None:
    assert cache_folder({"ARAZZO_CODEGEN_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert cache_folder({"ARAZZO_CODEGEN_CACHE_DIR": "off"}) is None
    assert cache_folder({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "arazzo-codegen"
    assert cache_folder({}) == Path.home() / ".cache" / "arazzo-codegen"


def test_generate_uses_the_cache_unless_told_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.cli import main

    folder = tmp_path / "cache"
    monkeypatch.setenv("ARAZZO_CODEGEN_CACHE_DIR", str(folder))
    argv = ["generate", str(SEED), "--package", "tiktok", "-o"]
    assert main([*argv, str(tmp_path / "a"), "--no-cache"]) == 0
    assert not folder.exists()
    assert main([*argv, str(tmp_path / "b")]) == 0
    assert len(list(folder.iterdir())) == 4  # the formatted modules: the four below
    assert main([*argv, str(tmp_path / "c")]) == 0
    for name in ("workflows.py", "_credentials.py", "__init__.py", "testing.py"):
        texts = {(tmp_path / run / "tiktok" / name).read_bytes() for run in "abc"}
        assert texts == {(ROOT / "generated" / "tiktok" / name).read_bytes()}


@pytest.mark.parametrize("sync", [False, True])
def test_rendered_definitions_are_already_in_blacks_layout(sync: bool) -> None:
    # black formats twice when its first pass changes anything: the renderer lays statements
    # out as black would (generator.layout), so that it formats once.
    for name, source in rendered(SEED, sync=sync).items():
        if name in ("workflows.py", "__init__.py"):
            for piece in split_definitions(source):
                assert black.format_str(piece, mode=MODE) == piece, piece
