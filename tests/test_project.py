"""`generate --project DIR`: an installable project around the package. Built and installed
into a clean venv (as `pip install DIR` would), it imports outside the checkout and passes
`mypy --strict` as a typed library (py.typed) in the application code that uses it."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from test_packaging import run

from generator.cli import main
from generator.project import dependencies, pyproject

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "specs" / "arazzo" / "tiktok-for-developers-oauth-login-and-profile-workflow.yml"

APPLICATION = """\
import asyncio

import httpx

from tiktok import OauthLoginAndProfileInputs, OauthLoginAndProfileOutputs, oauth_login_and_profile
from tiktok.testing import FakeApi


async def sign_in(client: httpx.AsyncClient) -> OauthLoginAndProfileOutputs:
    inputs = OauthLoginAndProfileInputs(
        client_key="k", client_secret="s", code="c", redirect_uri="https://app.example/cb"
    )
    return await oauth_login_and_profile(inputs, client=client)


def display_name() -> str | None:
    fake = FakeApi()
    outputs = asyncio.run(sign_in(httpx.AsyncClient(transport=fake.transport)))
    return outputs.display_name


print(display_name())
"""


def generate_project(project: Path, *extra: str) -> int:
    return main(["generate", str(SEED), "--package", "tiktok", "--project", str(project), *extra])


def test_project_installs_into_a_clean_venv_and_passes_mypy_strict(tmp_path: Path) -> None:
    project = tmp_path / "tiktok-client"
    assert generate_project(project) == 0
    assert (project / "src" / "tiktok" / "py.typed").is_file()

    constraints = tmp_path / "constraints.txt"
    frozen = run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"], cwd=tmp_path, timeout=60
    )
    constraints.write_text(frozen, encoding="utf-8")
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path, timeout=120)
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-compile"]
    run([*pip, "-c", constraints, project, "mypy"], cwd=tmp_path, timeout=300)

    requires = run(
        [python, "-c", "import importlib.metadata as m; print(m.requires('tiktok'))"],
        cwd=tmp_path,
        timeout=60,
    )
    assert requires.strip() == "['httpx>=0.28.1']"
    app = tmp_path / "app"
    app.mkdir()
    (app / "application.py").write_text(APPLICATION, encoding="utf-8")
    assert run([python, "application.py"], cwd=app, timeout=60).strip() == "Example Creator"
    run(
        [python, "-m", "mypy", "--strict", "--no-incremental", "application.py"],
        cwd=app,
        timeout=300,
    )
    location = run([python, "-c", "import tiktok; print(tiktok.__file__)"], cwd=app, timeout=60)
    assert Path(location.strip()).is_relative_to(venv)


def test_project_check_reports_a_changed_file_and_usage_errors(tmp_path: Path) -> None:
    project = tmp_path / "p"
    assert generate_project(project) == 0
    assert generate_project(project, "--check") == 0
    (project / "pyproject.toml").write_text("edited\n", encoding="utf-8")
    assert generate_project(project, "--check") == 1
    assert generate_project(project) == 0
    assert generate_project(project, "--check") == 0
    assert generate_project(project, "-o", str(tmp_path / "out")) == 2


def test_dependencies_name_the_libraries_of_the_helpers_in_use() -> None:
    assert dependencies({"workflows.py": ""}) == ["httpx>=0.28.1"]
    assert dependencies({"_jsonpath.py": "", "_xpath.py": ""}) == [
        "httpx>=0.28.1",
        "python-jsonpath>=2.2.2,<3",
        "elementpath>=5.1,<6",
    ]
    text = pyproject("my_flow", {"_xpath.py": ""})
    assert 'name = "my-flow"' in text and '"elementpath>=5.1,<6",' in text


def test_the_root_pyproject_pins_the_same_runtime_libraries() -> None:
    with (ROOT / "pyproject.toml").open("rb") as stream:
        pinned = tomllib.load(stream)["project"]["dependencies"]
    assert set(dependencies({"_jsonpath.py": "", "_xpath.py": ""})) <= set(pinned)


def test_pre_commit_hook_runs_generate_check_on_the_configured_specs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    program, *arguments = hook["entry"].split()
    assert program == "arazzo-codegen"
    monkeypatch.chdir(ROOT)  # specs and output come from this repository's pyproject.toml
    assert main(arguments) == 0
