"""The command line.

    arazzo-codegen generate [SPEC...] [-o OUTDIR | --project DIR] [--package NAME] [--check]
                            [--strict]
                            [--sync] [--source-map URL_PREFIX=DIR]... [--allow-remote]
                            [--keep-going] [--format text|json]
    arazzo-codegen check [SPEC...] [--strict] [--keep-going] [--source-map ...] [--format text|json]
    arazzo-codegen describe SPEC [--source-map ...]

Options also come from `[tool.arazzo-codegen]` in pyproject.toml (see generator/config.py).
Exit codes: 0 success, 1 problems in the documents (or stale output with --check), 2 usage,
3 internal error (a bug in arazzo-codegen).
"""

from __future__ import annotations

import argparse
import contextlib
import keyword
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from generator import __version__
from generator.compile.document import compile_document
from generator.config import Config, ConfigError, load_config
from generator.describe import describe_module
from generator.diagnostics import Diagnostics
from generator.format_cache import cache_folder
from generator.lint import lint
from generator.pipeline import generate_package
from generator.project import compare_project, write_project
from generator.report import as_json, use_colour, write_json, write_text
from generator.write import WriteError, compare, write

EXIT_OK = 0
EXIT_DOCUMENT_ERRORS = 1
EXIT_USAGE = 2
EXIT_INTERNAL_ERROR = 3
_SPEC_SUFFIXES = (".yaml", ".yml", ".json")


class UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="arazzo-codegen",
        description="Compile Arazzo workflows into typed async Python functions.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    generate = commands.add_parser("generate", help="compile Arazzo documents into Python packages")
    check = commands.add_parser("check", help="validate and lint documents without writing")
    describe = commands.add_parser("describe", help="print each workflow's inputs, steps, outputs")
    for command in (generate, check, describe):
        command.add_argument(
            "specs",
            nargs="*" if command is not describe else 1,
            type=Path,
            metavar="SPEC",
            help="Arazzo documents, or folders holding them (default: pyproject.toml's specs)",
        )
        command.add_argument(
            "--source-map",
            action="append",
            default=None,
            type=source_mapping,
            metavar="URL_PREFIX=DIR",
            help="read source descriptions and $refs whose URL starts with URL_PREFIX from DIR "
            "(repeatable)",
        )
        command.add_argument(
            "--allow-remote",
            action="store_true",
            default=None,
            help="fetch http(s) source descriptions and $refs (10 s timeout, 10 MB limit each)",
        )
    for command in (generate, check):
        command.add_argument(
            "--strict",
            action="store_true",
            default=None,
            help="reject the non-standard forms that are otherwise accepted with a warning",
        )
        command.add_argument(
            "-k",
            "--keep-going",
            action="store_true",
            default=None,
            help="when some workflows of a document have errors, still generate the others "
            "(the errors are printed and the exit status is still 1)",
        )
        command.add_argument(
            "--format",
            choices=("text", "json"),
            default="text",
            help="how to print diagnostics (json: one document on standard output, for tools)",
        )
    generate.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="OUTDIR",
        help="folder to write one package per document into",
    )
    generate.add_argument(
        "--package", metavar="NAME", help="package name (only with a single document)"
    )
    generate.add_argument(
        "--project",
        type=Path,
        metavar="DIR",
        help="write an installable project into DIR (pyproject.toml, README.md, "
        "src/<package>/ with py.typed); one document only, instead of -o",
    )
    generate.add_argument(
        "--sync",
        action="store_true",
        default=None,
        help="also generate a synchronous twin of each workflow function (<name>_sync)",
    )
    generate.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the packages on disk are out of date",
    )
    generate.add_argument(
        "--no-cache",
        action="store_true",
        help="format every definition again instead of reusing those of the last run "
        "(cache: $ARAZZO_CODEGEN_CACHE_DIR, else ~/.cache/arazzo-codegen)",
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
    """Files as given; folders contribute every YAML/JSON file that starts an Arazzo document."""
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


class Command:
    """One run of a command: arguments merged with the configuration, and its output."""

    def __init__(self, args: argparse.Namespace, config: Config, out: TextIO, err: TextIO):
        self.args = args
        self.out = out
        self.err = err
        self.json = getattr(args, "format", "text") == "json"
        self.report: list[dict[str, object]] = []
        given = args.specs or list(config.specs)
        if not given:
            raise UsageError(
                "no Arazzo documents given (pass SPEC, or set specs in pyproject.toml)"
            )
        self.specs = find_specs(given)
        if not self.specs:
            raise UsageError(f"no Arazzo documents found in {', '.join(map(str, given))}")
        self.source_map = dict(args.source_map) if args.source_map else dict(config.source_map)
        strict = getattr(args, "strict", None)
        self.strict = config.strict if strict is None else strict
        keep_going = getattr(args, "keep_going", None)
        self.keep_going = config.keep_going if keep_going is None else keep_going
        self.allow_remote = config.allow_remote if args.allow_remote is None else args.allow_remote
        self.progress = len(self.specs) > 3 and use_colour(err) and not self.json

    def diagnostics(self) -> Diagnostics:
        return Diagnostics(strict=self.strict)

    def show(self, spec: Path, diagnostics: Diagnostics, **result: object) -> None:
        items = diagnostics.sorted()
        if self.json:
            entry: dict[str, object] = {"spec": str(spec), **result}
            entry["diagnostics"] = [as_json(d) for d in items]
            self.report.append(entry)
        else:
            write_text(items, self.err)

    def note(self, text: str) -> None:
        if not self.json:
            self.out.write(text + "\n")

    def step(self, index: int, spec: Path) -> None:
        if self.progress:
            self.err.write(f"\r[{index + 1}/{len(self.specs)}] {spec}\033[K")
            self.err.flush()

    def finish(self, status: int) -> int:
        if self.progress:
            self.err.write("\r\033[K")
        if self.json:
            write_json({"status": status, "documents": self.report}, self.out)
        return status


def run_generate(command: Command, args: argparse.Namespace, config: Config) -> int:
    if args.project is not None:
        if args.output is not None:
            raise UsageError("--project and -o/--output cannot be used together")
        if len(command.specs) != 1:
            raise UsageError("--project needs exactly one Arazzo document")
        if args.project.exists() and not args.project.is_dir():
            raise UsageError(f"the project path {args.project} is not a folder")
    output = args.project or args.output or config.output
    package = args.package
    if package is None and not args.specs:
        package = config.package
    sync = config.sync if args.sync is None else args.sync
    if output is None:
        raise UsageError("no output folder (pass -o OUTDIR, or set output in pyproject.toml)")
    if output.exists() and not output.is_dir():
        raise UsageError(f"the output path {output} is not a folder")
    if package is not None and not is_package_name(package):
        raise UsageError(
            f"--package {package!r} is not a valid Python package name "
            "(use lowercase letters, digits and underscores)"
        )
    if package and len(command.specs) != 1:
        raise UsageError("--package needs exactly one Arazzo document")
    failed = stale = False
    for index, spec in enumerate(command.specs):
        command.step(index, spec)
        diagnostics = command.diagnostics()
        generated = generate_package(
            spec,
            diagnostics,
            package=package,
            source_map=command.source_map,
            sync=sync,
            allow_remote=command.allow_remote,
            format_cache=None if args.no_cache else cache_folder(),
            output=output,
            keep_going=command.keep_going,
        )
        if generated is None:
            failed = True
            command.show(spec, diagnostics, package=None)
            continue
        # --keep-going: the workflows without errors are written, the document still fails.
        failed = failed or diagnostics.has_errors
        if args.check:
            try:
                status = (compare_project if args.project else compare)(
                    output, generated.package, generated.files
                )
            except WriteError as exc:
                command.err.write(f"arazzo-codegen: {exc}\n")
                failed = True
                continue
            names = [*status.changed, *(f"{n} (stale)" for n in status.stale)]
            stale = stale or not status.up_to_date
            command.show(spec, diagnostics, package=generated.package, out_of_date=names)
            state = "up to date" if status.up_to_date else "out of date"
            detail = f": {', '.join(names)}" if names else ""
            command.note(f"{state}: {_shown(status.directory)}{detail}")
            continue
        try:
            status = (write_project if args.project else write)(
                output, generated.package, generated.files
            )
        except WriteError as exc:
            command.err.write(f"arazzo-codegen: {exc}\n")
            failed = True
            continue
        except OSError as exc:
            command.err.write(f"arazzo-codegen: cannot write {output}: {exc.strerror or exc}\n")
            failed = True
            continue
        changed = len(status.changed) + len(status.stale)
        command.show(spec, diagnostics, package=generated.package, changed=changed)
        command.note(f"wrote {_shown(status.directory)} ({changed} file(s) changed)")
    return command.finish(EXIT_DOCUMENT_ERRORS if failed or stale else EXIT_OK)


def run_check(command: Command) -> int:
    failed = False
    for index, spec in enumerate(command.specs):
        command.step(index, spec)
        diagnostics = command.diagnostics()
        module = compile_document(
            spec,
            diagnostics,
            source_map=command.source_map,
            allow_remote=command.allow_remote,
            keep_going=command.keep_going,
        )
        if module is not None:
            lint(module, diagnostics)
        failed = failed or module is None or diagnostics.has_errors
        command.show(spec, diagnostics, ok=module is not None)
        if module is not None and not diagnostics.has_errors:
            warnings = len(diagnostics.warnings)
            command.note(f"{_shown(spec)}: ok" + (f" ({warnings} warning(s))" if warnings else ""))
    return command.finish(EXIT_DOCUMENT_ERRORS if failed else EXIT_OK)


def run_describe(command: Command) -> int:
    diagnostics = command.diagnostics()
    module = compile_document(
        command.specs[0],
        diagnostics,
        source_map=command.source_map,
        allow_remote=command.allow_remote,
    )
    command.show(command.specs[0], diagnostics)
    if module is None:
        return EXIT_DOCUMENT_ERRORS
    command.out.write(describe_module(module))
    return EXIT_OK


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
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    try:
        config = load_config(Path.cwd())
        command = Command(args, config, out, err)
        if args.command == "generate":
            return run_generate(command, args, config)
        if args.command == "check":
            return run_check(command)
        return run_describe(command)
    except (UsageError, ConfigError) as exc:
        err.write(f"arazzo-codegen: {exc}\n")
        return EXIT_USAGE
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
