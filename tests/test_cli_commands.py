"""The check and describe commands, JSON output, colour, pyproject configuration and the
synchronous twin."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest
from support import import_package
from tiktok_standin import TikTokStandIn, default_user

from generator.cli import EXIT_DOCUMENT_ERRORS, EXIT_OK, EXIT_USAGE, main

ROOT = Path(__file__).resolve().parent.parent
SEED_NAME = "tiktok-for-developers-oauth-login-and-profile-workflow.yml"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the specs in a project folder, which is the working directory."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def seed(project: Path) -> str:
    return str(Path("specs/arazzo") / SEED_NAME)


def test_check_lints_without_writing(project: Path) -> None:
    text = (project / seed(project)).read_text()
    (project / seed(project)).write_text(
        text.replace(
            "      userFields:", "      unusedInput:\n        type: string\n      userFields:"
        )
    )

    code, out, err = cli("check", seed(project))

    assert code == EXIT_OK
    assert "input 'unusedInput' of workflow 'oauth-login-and-profile' is never used" in err
    assert "output 'displayName' of workflow 'oauth-login-and-profile' can be absent" in err
    assert "warning: runtime expression embedded without braces" in err
    assert out.strip().endswith("ok (5 warning(s))")
    assert sorted(p.name for p in project.iterdir()) == ["specs"]


def test_check_fails_on_errors(project: Path) -> None:
    path = project / seed(project)
    path.write_text(path.read_text().replace("$inputs.clientKey", "$inputs.clientKy"))

    code, _, err = cli("check", seed(project))

    assert code == EXIT_DOCUMENT_ERRORS
    assert "unknown input 'clientKy'; did you mean 'clientKey'?" in err


def test_describe_prints_inputs_steps_and_outputs(project: Path) -> None:
    code, out, _ = cli("describe", seed(project))

    assert code == EXIT_OK
    assert "workflow oauth-login-and-profile: oauth_login_and_profile()" in out
    assert "    clientSecret (client_secret): str [secret]" in out
    assert "    exchangeCode: POST /v2/oauth/token/ (loginKitApi.exchangeToken)" in out
    assert "      succeeds when $statusCode == 200" in out
    assert (
        "    displayName (display_name): str | None <- $steps.getProfile.outputs.displayName" in out
    )


def test_json_format_for_tools(project: Path) -> None:
    path = project / seed(project)
    path.write_text(path.read_text().replace("$inputs.clientKey", "$inputs.clientKy"))

    code, out, err = cli("check", seed(project), "--format", "json")

    assert code == EXIT_DOCUMENT_ERRORS
    assert err == ""
    report = json.loads(out)
    assert report["status"] == EXIT_DOCUMENT_ERRORS
    (document,) = report["documents"]
    errors = [d for d in document["diagnostics"] if d["severity"] == "error"]
    assert errors[0]["message"].startswith("unknown input 'clientKy'")
    assert (errors[0]["line"], errors[0]["column"]) == (60, 21)
    assert errors[0]["pointer"] == "/workflows/0/steps/0/requestBody/payload/client_key"


def test_colour_only_on_a_terminal(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    err = Terminal()
    main(["check", seed(project)], io.StringIO(), err)
    assert "\033[1;33mwarning\033[0m" in err.getvalue()

    monkeypatch.setenv("NO_COLOR", "1")
    err = Terminal()
    main(["check", seed(project)], io.StringIO(), err)
    assert "\033[" not in err.getvalue()

    _, _, piped = cli("check", seed(project))
    assert "\033[" not in piped


def test_options_from_pyproject(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.arazzo-codegen]\n"
        f'specs = ["specs/arazzo/{SEED_NAME}"]\n'
        'output = "out"\n'
        'package = "login"\n'
        "sync = true\n"
    )

    code, out, _ = cli("generate")

    assert code == EXIT_OK
    assert "wrote out/login" in out
    assert "oauth_login_and_profile_sync" in (project / "out/login/__init__.py").read_text()
    assert cli("generate", "--check")[0] == EXIT_OK


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('specz = ["x"]', "unknown key(s) in [tool.arazzo-codegen]: specz"),
        ("strict = 1", "'strict' must be true or false"),
        ('specs = "x"', "'specs' must be a list of paths"),
    ],
)
def test_bad_configuration_is_a_usage_error(project: Path, table: str, message: str) -> None:
    (project / "pyproject.toml").write_text(f"[tool.arazzo-codegen]\n{table}\n")

    code, _, err = cli("generate")

    assert code == EXIT_USAGE
    assert message in err


def test_synchronous_twin_runs_without_an_event_loop(project: Path) -> None:
    code, _, _ = cli("generate", seed(project), "-o", "out", "--package", "login_sync", "--sync")
    assert code == EXIT_OK
    package = import_package(project / "out", "login_sync")

    with TikTokStandIn() as server:
        server.add_code("sync-code")
        inputs = package.OauthLoginAndProfileInputs(
            client_key=server.client_key,
            client_secret=server.client_secret,
            code="sync-code",
            redirect_uri=server.redirect_uri,
        )
        outputs = package.oauth_login_and_profile_sync(inputs, base_url=server.base_url)

    assert outputs.display_name == default_user()["display_name"]
    sys.modules.pop("login_sync", None)
