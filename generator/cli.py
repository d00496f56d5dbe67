"""The command line: `arazzo-codegen generate SPEC... -o OUTDIR [--package NAME] [--check]`.

Exit codes: 0 success, 1 problems in the documents (or stale output with --check), 2 usage,
3 internal error (a bug in arazzo-codegen).
"""

from __future__ import annotations

import argparse
import keyword
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from generator import __version__
from generator.diagnostics import Diagnostics
from generator.pipeline import generate_package
from generator.write import compare, write

EXIT_OK = 0
EXIT_DOCUMENT_ERRORS = 1
EXIT_USAGE = 2
EXIT_INTERNAL_ERROR = 3
_SPEC_SUFFIXES = (".yaml", ".yml", ".json")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="arazzo-codegen",
        description="Compile Arazzo workflows into typed async Python functions.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    generate = commands.add_parser("generate", help="compile Arazzo documents into Python packages")
    generate.add_argument(
        "specs",
        nargs="+",
        type=Path,
        metavar="SPEC",
        help="Arazzo documents, or folders holding them",
    )
    generate.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="OUTDIR",
        help="folder to write one package per document into",
    )
    generate.add_argument(
        "--package", metavar="NAME", help="package name (only with a single document)"
    )
    generate.add_argument(
        "--source-map",
        action="append",
        default=[],
        type=source_mapping,
        metavar="URL_PREFIX=DIR",
        help="read source descriptions and $refs whose URL starts with URL_PREFIX from DIR "
        "(repeatable)",
    )
    generate.add_argument(
        "--strict",
        action="store_true",
        help="reject the non-standard forms that are otherwise accepted with a warning",
    )
    generate.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the packages on disk are out of date",
    )
    return parser


def is_package_name(name: str) -> bool:
    return name.isidentifier() and name.isascii() and not keyword.iskeyword(name)


def source_mapping(text: str) -> tuple[str, Path]:
    prefix, separator, folder = text.partition("=")
    if not separator or not prefix or not folder:
        raise argparse.ArgumentTypeError(f"expected URL_PREFIX=DIR, got {text!r}")
    return prefix, Path(folder)


def find_specs(paths: Sequence[Path]) -> list[Path]:
    """Files as given; folders contribute their *.arazzo.* files (or every YAML/JSON file that
    starts an Arazzo document)."""
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        for candidate in sorted(path.rglob("*")):
            if candidate.suffix in _SPEC_SUFFIXES and candidate.is_file() and _is_arazzo(candidate):
                found.append(candidate)
    return found


def _is_arazzo(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return False
    return "arazzo" in head and ('"arazzo"' in head or "\narazzo:" in "\n" + head)


def run_generate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    specs = find_specs(args.specs)
    if args.output.exists() and not args.output.is_dir():
        err.write(f"arazzo-codegen: the output path {args.output} is not a folder\n")
        return EXIT_USAGE
    if args.package is not None and not is_package_name(args.package):
        err.write(
            f"arazzo-codegen: --package {args.package!r} is not a valid Python package name "
            "(use lowercase letters, digits and underscores)\n"
        )
        return EXIT_USAGE
    if args.package and len(specs) != 1:
        err.write("arazzo-codegen: --package needs exactly one Arazzo document\n")
        return EXIT_USAGE
    if not specs:
        err.write("arazzo-codegen: no Arazzo documents found\n")
        return EXIT_USAGE
    failed = False
    stale = False
    for spec in specs:
        diagnostics = Diagnostics(strict=args.strict)
        generated = generate_package(
            spec, diagnostics, package=args.package, source_map=dict(args.source_map)
        )
        for diagnostic in diagnostics.sorted():
            err.write(f"{diagnostic}\n")
        if generated is None:
            failed = True
            continue
        if args.check:
            status = compare(args.output, generated.package, generated.files)
            if not status.up_to_date:
                stale = True
                names = ", ".join((*status.changed, *(f"{n} (stale)" for n in status.stale)))
                out.write(f"out of date: {_shown(status.directory)}: {names}\n")
            else:
                out.write(f"up to date: {_shown(status.directory)}\n")
        else:
            try:
                status = write(args.output, generated.package, generated.files)
            except OSError as exc:
                err.write(f"arazzo-codegen: cannot write {args.output}: {exc.strerror or exc}\n")
                failed = True
                continue
            changed = len(status.changed) + len(status.stale)
            out.write(f"wrote {_shown(status.directory)} ({changed} file(s) changed)\n")
    return EXIT_DOCUMENT_ERRORS if failed or stale else EXIT_OK


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    try:
        return run_generate(args, out, err)
    except Exception as exc:  # a bug in the compiler, not in the user's documents
        if os.environ.get("ARAZZO_CODEGEN_DEBUG"):
            raise
        err.write(
            f"arazzo-codegen: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in arazzo-codegen; set ARAZZO_CODEGEN_DEBUG=1 for a traceback.\n"
        )
        return EXIT_INTERNAL_ERROR


def entry_point() -> None:
    sys.exit(main())
