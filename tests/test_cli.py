"""The command line: `arazzo-codegen generate SPEC... -o OUTDIR [--package NAME] [--check]`.

Most tests call `generator.cli.main` in-process; a few run `python -m generator` and the
`arazzo-codegen` console script as real processes. Tests that modify documents work on a copy of
the seed (specs/arazzo + specs/openapi) in tmp_path; the repository's files are only read.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import (
    EXIT_DOCUMENT_ERRORS,
    EXIT_INTERNAL_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    main,
)

ROOT = Path(__file__).resolve().parent.parent
SEED_NAME = "tiktok-for-developers-oauth-login-and-profile-workflow.yml"
SEED = ROOT / "specs" / "arazzo" / SEED_NAME
OPENAPI = ROOT / "specs" / "openapi"
COMMITTED = ROOT / "generated" / "tiktok"
PACKAGE_FILES = {
    "README.md",
    "__init__.py",
    "_auth.py",
    "_credentials.py",
    "_fake.py",
    "_runtime.py",
    "testing.py",
    "workflows.py",
}
SEED_PACKAGE = "tiktok_for_developers_oauth_login_and_profile_workflow"
CONSOLE_SCRIPT = Path(sys.executable).parent / "arazzo-codegen"


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str


def run(*argv: str | Path) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(arg) for arg in argv], out, err)
    result = Result(code, out.getvalue(), err.getvalue())
    assert "Traceback" not in result.stdout + result.stderr
    if code != EXIT_INTERNAL_ERROR:
        assert "internal error" not in result.stderr
    return result


def generate(*argv: str | Path) -> Result:
    return run("generate", *argv)


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARAZZO_CODEGEN_DEBUG", raising=False)


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    """A copy of the seed's specs folder (arazzo/ + openapi/); returns the specs folder."""
    folder = tmp_path / "specs"
    (folder / "arazzo").mkdir(parents=True)
    shutil.copy2(SEED, folder / "arazzo" / SEED_NAME)
    shutil.copytree(OPENAPI, folder / "openapi")
    return folder


@pytest.fixture
def seed(specs: Path) -> Path:
    """The copied seed document."""
    return specs / "arazzo" / SEED_NAME


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


def files_of(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def mtimes_of(directory: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in sorted(directory.iterdir())}


def age(directory: Path) -> None:
    """Set every file's mtime far in the past, so that any rewrite would be visible."""
    for path in directory.iterdir():
        os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))


# ---- generate ------------------------------------------------------------------------------


def test_generate_writes_the_package(seed: Path, out: Path) -> None:
    result = generate(seed, "-o", out, "--package", "tiktok")

    assert result.code == EXIT_OK
    assert {p.name for p in out.iterdir()} == {"tiktok"}
    assert set(files_of(out / "tiktok")) == PACKAGE_FILES
    assert "(8 file(s) changed)" in result.stdout
    assert "tiktok" in result.stdout


def test_generated_output_is_identical_to_the_committed_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # `-o generated` from here: imported as generated.tiktok
    out = tmp_path / "generated"
    result = generate(SEED, "-o", "generated", "--package", "tiktok")

    assert result.code == EXIT_OK
    committed = {
        name: text
        for name, text in files_of(COMMITTED).items()
        if name.endswith(".py") or name == "README.md"
    }
    assert files_of(out / "tiktok") == committed


@pytest.mark.parametrize(
    ("file_name", "package"),
    [
        ("pet-store.arazzo.yaml", "pet_store"),
        ("pet-store.arazzo.yml", "pet_store"),
        ("Pet Store.yaml", "pet_store"),
        (SEED_NAME, SEED_PACKAGE),
    ],
)
def test_default_package_name_comes_from_the_file_name(
    seed: Path, out: Path, file_name: str, package: str
) -> None:
    document = seed.parent / file_name
    if document != seed:
        seed.rename(document)

    result = generate(document, "-o", out)

    assert result.code == EXIT_OK
    assert [p.name for p in out.iterdir()] == [package]
    assert set(files_of(out / package)) == PACKAGE_FILES


def test_a_second_generate_changes_nothing(seed: Path, out: Path) -> None:
    assert generate(seed, "-o", out, "--package", "tiktok").code == EXIT_OK
    package = out / "tiktok"
    age(package)
    before, mtimes = files_of(package), mtimes_of(package)

    result = generate(seed, "-o", out, "--package", "tiktok")

    assert result.code == EXIT_OK
    assert "(0 file(s) changed)" in result.stdout
    assert files_of(package) == before
    assert mtimes_of(package) == mtimes


def test_generate_rewrites_only_changed_files_and_removes_stale_modules(
    seed: Path, out: Path
) -> None:
    assert generate(seed, "-o", out, "--package", "tiktok").code == EXIT_OK
    package = out / "tiktok"
    expected = files_of(package)
    (package / "workflows.py").write_text("# edited by hand\n", encoding="utf-8")
    stale = (
        '"""Old module.\n\nGenerated by arazzo-codegen from x.yaml. Do not edit: regenerate '
        'instead.\n"""\n'
    )
    (package / "old_module.py").write_text(stale, encoding="utf-8")
    (package / "notes.txt").write_text("not a module\n", encoding="utf-8")
    (package / "hand_written.py").write_text("mine = True\n", encoding="utf-8")
    mentions = '"""Wraps what is Generated by arazzo-codegen. Do not edit: regenerate instead."""\n'
    (package / "wrapper.py").write_text("# mine\n" + mentions, encoding="utf-8")
    age(package)
    mtimes = mtimes_of(package)

    result = generate(seed, "-o", out, "--package", "tiktok")

    assert result.code == EXIT_OK
    assert "(2 file(s) changed)" in result.stdout
    assert files_of(package) == {
        **expected,
        "notes.txt": b"not a module\n",
        "hand_written.py": b"mine = True\n",  # only modules arazzo-codegen wrote are removed
        "wrapper.py": ("# mine\n" + mentions).encode(),
    }
    after = mtimes_of(package)
    assert after["workflows.py"] != mtimes["workflows.py"]
    for name in ("__init__.py", "_runtime.py", "notes.txt"):
        assert after[name] == mtimes[name], name


def test_a_folder_argument_finds_the_arazzo_documents_inside(specs: Path, out: Path) -> None:
    (specs / "arazzo" / "notes.yaml").write_text("title: not arazzo\n", encoding="utf-8")
    second = specs / "arazzo" / "nested" / "pet-store.arazzo.yaml"
    second.parent.mkdir()
    text = (specs / "arazzo" / SEED_NAME).read_text(encoding="utf-8")
    second.write_text(text.replace("../openapi/", "../../openapi/"), encoding="utf-8")

    result = generate(specs, "-o", out)

    assert result.code == EXIT_OK, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["pet_store", SEED_PACKAGE]
    assert set(files_of(out / "pet_store")) == PACKAGE_FILES


def test_a_broken_document_does_not_stop_the_others(specs: Path, out: Path) -> None:
    broken = specs / "arazzo" / "broken.arazzo.yaml"
    broken.write_text("arazzo: 1.0.1\n", encoding="utf-8")

    result = generate(broken, specs / "arazzo" / SEED_NAME, "-o", out)

    assert result.code == EXIT_DOCUMENT_ERRORS
    assert "broken.arazzo.yaml:1:1: error: " in result.stderr
    assert [p.name for p in out.iterdir()] == [SEED_PACKAGE]


def test_a_missing_document_is_a_document_error(tmp_path: Path, out: Path) -> None:
    result = generate(tmp_path / "missing.arazzo.yaml", "-o", out)

    assert result.code == EXIT_DOCUMENT_ERRORS
    assert "missing.arazzo.yaml: error: file not found" in result.stderr
    assert not out.exists()


# ---- usage errors --------------------------------------------------------------------------


def test_package_with_several_documents_is_a_usage_error(seed: Path, out: Path) -> None:
    other = seed.with_name("other.arazzo.yml")
    shutil.copy2(seed, other)

    result = generate(seed, other, "-o", out, "--package", "tiktok")

    assert result.code == EXIT_USAGE
    assert "--package needs exactly one Arazzo document" in result.stderr
    assert not out.exists()


def test_package_with_a_folder_of_several_documents_is_a_usage_error(seed: Path, out: Path) -> None:
    shutil.copy2(seed, seed.with_name("other.arazzo.yml"))

    result = generate(seed.parent, "-o", out, "--package", "tiktok")

    assert result.code == EXIT_USAGE
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["generate"],
        ["generate", "-o", "out"],
        ["generate", "spec.arazzo.yaml"],
        ["frobnicate", "spec.arazzo.yaml", "-o", "out"],
        ["generate", "spec.arazzo.yaml", "-o", "out", "--no-such-option"],
    ],
    ids=["nothing", "no-spec-no-output", "no-spec", "no-output", "unknown-command", "bad-option"],
)
def test_missing_or_wrong_arguments_are_usage_errors(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no pyproject.toml to take the missing options from

    result = run(*argv)

    assert result.code == EXIT_USAGE
    # argparse's messages go to the command's own error stream, like every other message
    assert "usage: arazzo-codegen" in result.stderr or "arazzo-codegen: no " in result.stderr
    assert capsys.readouterr().err == ""


def test_a_folder_without_documents_is_a_usage_error(tmp_path: Path, out: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    result = generate(empty, "-o", out)

    assert result.code == EXIT_USAGE
    assert "no Arazzo documents found" in result.stderr


def test_version() -> None:
    result = run("--version")
    assert result.code == EXIT_OK
    assert result.stdout.startswith("arazzo-codegen ")


# ---- --check -------------------------------------------------------------------------------


@pytest.fixture
def generated(seed: Path, out: Path) -> Path:
    """The seed generated into `out` as package tiktok; returns the package folder."""
    assert generate(seed, "-o", out, "--package", "tiktok").code == EXIT_OK
    package = out / "tiktok"
    age(package)
    return package


def check(seed: Path, out: Path) -> Result:
    return generate(seed, "-o", out, "--package", "tiktok", "--check")


def test_check_passes_when_up_to_date(seed: Path, out: Path, generated: Path) -> None:
    before, mtimes = files_of(generated), mtimes_of(generated)

    result = check(seed, out)

    assert result.code == EXIT_OK
    assert result.stdout.startswith("up to date: ")
    assert files_of(generated) == before
    assert mtimes_of(generated) == mtimes


def test_check_fails_after_a_generated_file_is_modified(
    seed: Path, out: Path, generated: Path
) -> None:
    edited = generated / "_runtime.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "# local change\n", encoding="utf-8")
    age(generated)
    before, mtimes = files_of(generated), mtimes_of(generated)

    result = check(seed, out)

    assert result.code == EXIT_DOCUMENT_ERRORS
    assert result.stdout.startswith("out of date: ")
    assert result.stdout.rstrip().endswith(": _runtime.py")
    assert files_of(generated) == before
    assert mtimes_of(generated) == mtimes


def test_check_fails_when_a_stale_module_exists(seed: Path, out: Path, generated: Path) -> None:
    stale = '"""Old module.\n\nGenerated by arazzo-codegen. Do not edit: regenerate instead."""\n'
    (generated / "old_module.py").write_text(stale, encoding="utf-8")
    before = files_of(generated)

    result = check(seed, out)

    assert result.code == EXIT_DOCUMENT_ERRORS
    assert "old_module.py (stale)" in result.stdout
    assert files_of(generated) == before


def test_check_fails_when_a_generated_file_is_missing(
    seed: Path, out: Path, generated: Path
) -> None:
    (generated / "workflows.py").unlink()

    result = check(seed, out)

    assert result.code == EXIT_DOCUMENT_ERRORS
    assert "workflows.py" in result.stdout
    assert not (generated / "workflows.py").exists()


def test_check_writes_nothing_when_nothing_was_generated(seed: Path, out: Path) -> None:
    result = check(seed, out)

    assert result.code == EXIT_DOCUMENT_ERRORS
    assert result.stdout.startswith("out of date: ")
    assert not out.exists()


# ---- real processes ------------------------------------------------------------------------


def run_process(
    command: list[str | Path], *, hash_seed: str = "0"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    env.pop("ARAZZO_CODEGEN_DEBUG", None)
    return subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_output_is_identical_across_hash_seeds(tmp_path: Path) -> None:
    trees = []
    for hash_seed in ("1", "4242"):
        out = tmp_path / f"seed-{hash_seed}"
        process = run_process(
            [sys.executable, "-m", "generator", "generate", SEED, "-o", out, "--package", "tiktok"],
            hash_seed=hash_seed,
        )
        assert process.returncode == EXIT_OK, process.stderr
        assert "Traceback" not in process.stderr
        trees.append(files_of(out / "tiktok"))

    assert set(trees[0]) == PACKAGE_FILES
    assert trees[0] == trees[1]


def test_console_script(tmp_path: Path) -> None:
    if not CONSOLE_SCRIPT.is_file():
        pytest.skip(f"no console script at {CONSOLE_SCRIPT} (install the project with pip -e)")
    out = tmp_path / "out"
    command: list[str | Path] = [CONSOLE_SCRIPT, "generate", SEED, "-o", out, "--package", "tiktok"]

    written = run_process(command)
    checked = run_process([*command, "--check"])
    usage = run_process([CONSOLE_SCRIPT])

    assert written.returncode == EXIT_OK, written.stderr
    assert set(files_of(out / "tiktok")) == PACKAGE_FILES
    assert checked.returncode == EXIT_OK, checked.stdout + checked.stderr
    assert "up to date" in checked.stdout
    assert usage.returncode == EXIT_USAGE
    assert "usage: arazzo-codegen" in usage.stderr


# ---- output paths ----------------------------------------------------------------------------


def test_an_output_path_that_is_a_file_is_reported_cleanly(seed: Path, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "out.txt"
    not_a_folder.write_text("", encoding="utf-8")

    result = generate(seed, "-o", not_a_folder, "--package", "tiktok")

    assert result.code in (EXIT_DOCUMENT_ERRORS, EXIT_USAGE)
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("name", ["../escape", "a.b", "Ünïcode", "class", "with space", ""])
def test_invalid_package_names_are_usage_errors(seed: Path, tmp_path: Path, name: str) -> None:
    result = generate(seed, "-o", tmp_path / "out", "--package", name)

    assert result.code == EXIT_USAGE
    assert "not a valid Python package name" in result.stderr
    assert not (tmp_path / "out").exists()


def test_unwritable_output_is_reported_cleanly(seed: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "tiktok" / "__init__.py").mkdir(parents=True)

    result = generate(seed, "-o", out, "--package", "tiktok")

    assert result.code == EXIT_DOCUMENT_ERRORS
    assert "cannot write" in result.stderr
    assert "internal error" not in result.stderr


def test_every_module_the_compiler_writes_is_recognised_as_its_own() -> None:
    from generator.write import _is_generated

    modules = [*(ROOT / "generated" / "tiktok").glob("*.py"), *(ROOT / "templates").glob("_*.py")]
    assert len(modules) >= 7
    assert all(_is_generated(path) for path in modules), modules


def test_package_readme_imports_the_package_by_its_real_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert generate(SEED, "-o", Path("clients") / "generated", "--package", "tiktok").code == 0
    readme = (tmp_path / "clients" / "generated" / "tiktok" / "README.md").read_text()
    lines = [line for line in readme.splitlines() if line.startswith("from ")]
    assert lines  # the quick start's import, and the test example's (package and testing)
    assert all(line.startswith("from clients.generated.tiktok") for line in lines)
    # the lines import, run from the folder the package was generated from
    python = subprocess.run(
        [sys.executable, "-c", "\n".join(lines)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert python.returncode == 0, python.stderr
    # outside the current folder, the package name alone
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert generate(SEED, "-o", tmp_path / "out", "--package", "tiktok").code == 0
    assert "\nfrom tiktok import " in (tmp_path / "out" / "tiktok" / "README.md").read_text()
