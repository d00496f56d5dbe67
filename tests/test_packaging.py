"""Packaging: the wheel, installed into a clean venv, is a working arazzo-codegen.

Builds the wheel with pip (as `pip install .` would), installs it into a new venv in a
temporary folder, and runs that venv's `arazzo-codegen generate` on a copy of the specs from
outside the repository, so nothing can come from the checkout: the templates must be inside
the wheel. The output must equal the committed generated/tiktok/ byte for byte.

Dependencies come from the package index (or pip's cache), constrained to the versions in the
project venv, so the test checks the packaging and not a newer black's formatting. Each step
is bounded by a timeout; the whole test takes about 10 s with a warm pip cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "specs" / "arazzo" / "tiktok-for-developers-oauth-login-and-profile-workflow.yml"
GENERATED = ROOT / "generated" / "tiktok"
TEMPLATE = "generator/templates/workflows.py.jinja"


def run(args: list[str | Path], *, cwd: Path, timeout: float) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(str(a) for a in args)} exited with {result.returncode}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result.stdout


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_wheel_installs_a_working_arazzo_codegen(tmp_path: Path) -> None:
    # Build the wheel.
    dist = tmp_path / "dist"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT],
        cwd=tmp_path,
        timeout=120,
    )
    (wheel,) = dist.glob("arazzo_codegen-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert TEMPLATE in names
    templates = [f"generator/templates/{name}" for name in files_under(ROOT / "templates")]
    assert [name for name in templates if name not in names] == []
    assert not any(name.startswith(("tests/", "specs/", "generated/")) for name in names)

    # Install it into a clean venv, dependencies pinned to the project venv's versions.
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(
        run(
            [sys.executable, "-m", "pip", "freeze", "--exclude-editable"], cwd=tmp_path, timeout=60
        ),
        encoding="utf-8",
    )
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    # A venv without pip of its own (saves ~5 s); the project's pip installs into it.
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path, timeout=120)
    pip: list[str | Path] = [
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "-q",
        "--no-compile",
    ]
    run([*pip, "-c", constraints, wheel], cwd=tmp_path, timeout=300)

    # The installed package is the one in use (not the checkout), and it has its templates.
    location = run(
        [python, "-c", "import generator, pathlib; print(pathlib.Path(generator.__file__).parent)"],
        cwd=tmp_path,
        timeout=60,
    ).strip()
    assert Path(location).is_relative_to(venv), location
    assert (Path(location) / "templates" / "workflows.py.jinja").is_file()

    # Generate from a copy of the specs, outside the repository.
    specs = tmp_path / "specs"
    shutil.copytree(ROOT / "specs", specs)
    out = tmp_path / "generated"  # run from tmp_path: imported as generated.tiktok, as committed
    run(
        [
            venv / "bin" / "arazzo-codegen",
            "generate",
            specs / "arazzo" / SEED.name,
            "-o",
            out,
            "--package",
            "tiktok",
        ],
        cwd=tmp_path,
        timeout=120,
    )

    produced = files_under(out / "tiktok")
    committed = files_under(GENERATED)
    assert sorted(produced) == sorted(committed)
    differing = [name for name in committed if produced[name] != committed[name]]
    assert differing == [], f"differ from generated/tiktok/: {differing}"
