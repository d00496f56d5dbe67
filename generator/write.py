"""Writing generated packages, or comparing them with what is on disk (--check)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator import emit


@dataclass(frozen=True)
class PackageStatus:
    directory: Path
    changed: tuple[str, ...]
    stale: tuple[str, ...]

    @property
    def up_to_date(self) -> bool:
        return not self.changed and not self.stale


def package_directory(out_dir: Path, package: str) -> Path:
    """The package's folder inside `out_dir`; the name is re-sanitised so it cannot escape."""
    safe = emit.module_name(package)
    directory = (out_dir / safe).resolve()
    if directory.parent != out_dir.resolve():
        raise ValueError(f"package name {package!r} does not name a folder inside {out_dir}")
    return directory


def compare(out_dir: Path, package: str, files: dict[str, str]) -> PackageStatus:
    """Which files differ from `files`, and which generated-looking files should not be there."""
    directory = package_directory(out_dir, package)
    changed = []
    for name, text in sorted(files.items()):
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            changed.append(name)
    stale = []
    if directory.is_dir():
        stale = sorted(p.name for p in directory.glob("*.py") if p.name not in files)
    return PackageStatus(directory, tuple(changed), tuple(stale))


def write(out_dir: Path, package: str, files: dict[str, str]) -> PackageStatus:
    """Write the package, leaving unchanged files untouched and removing stale modules."""
    status = compare(out_dir, package, files)
    status.directory.mkdir(parents=True, exist_ok=True)
    for name in status.changed:
        (status.directory / name).write_text(files[name], encoding="utf-8", newline="\n")
    for name in status.stale:
        (status.directory / name).unlink()
    return status
