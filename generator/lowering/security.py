"""Lowering OpenAPI security into the generated `_credentials.py` module.

The module holds one `<Source>Credentials` class per source description whose called operations
need security (a field per scheme, typed by its kind), the `Credentials` class grouping them,
and the `_auth.Scheme` / `_auth.StepSecurity` constants the workflow functions pass to
`_auth.Auth`. Names are allocated here, in a fixed order, so output is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator import emit, ir
from generator.lowering.values import wrap_text
from generator.names import NameScope

VALUE_CLASSES = ("ApiKey", "BearerToken", "HttpBasic", "OAuth2ClientCredentials")
CLASS_NAMES = ("Credentials", "MissingCredentialsError", *VALUE_CLASSES)

_KIND_TEXT = {
    "apiKey": "an API key",
    "basic": "HTTP Basic (user name and password)",
    "bearer": "a bearer token",
    "oauth2": "OAuth 2.0",
    "openIdConnect": "OpenID Connect (a bearer token)",
}


@dataclass(frozen=True)
class SchemeNames:
    scheme: ir.SecurityScheme
    field: str
    constant: str
    env: str

    @property
    def annotation(self) -> str:
        match self.scheme.kind:
            case "apiKey":
                return "ApiKey"
            case "basic":
                return "HttpBasic"
            case "oauth2" if self.scheme.client_credentials:
                return "BearerToken | OAuth2ClientCredentials"
            case _:
                return "BearerToken"

    @property
    def reader(self) -> str:
        match self.scheme.kind:
            case "apiKey":
                return "api_key_from_env"
            case "basic":
                return "basic_from_env"
            case "oauth2" if self.scheme.client_credentials:
                return "oauth2_from_env"
            case _:
                return "bearer_from_env"

    @property
    def env_names(self) -> tuple[str, ...]:
        if self.scheme.kind == "basic":
            return (f"{self.env}_USERNAME", f"{self.env}_PASSWORD")
        if self.scheme.kind == "oauth2" and self.scheme.client_credentials:
            return (
                self.env,
                f"{self.env}_CLIENT_ID",
                f"{self.env}_CLIENT_SECRET",
                f"{self.env}_SCOPES",
            )
        return (self.env,)

    def summary(self) -> str:
        """What the scheme takes and where it goes, for docstrings and READMEs."""
        scheme = self.scheme
        text = f"{scheme.name}: {_KIND_TEXT[scheme.kind]}"
        if scheme.kind == "apiKey":
            text += f" sent in the {scheme.location} {scheme.parameter!r}"
        elif scheme.kind == "oauth2" and scheme.client_credentials:
            text += f" (a token, or client credentials for {scheme.token_url})"
        return text


@dataclass(frozen=True)
class SourceNames:
    source: str
    field: str
    class_name: str
    schemes: tuple[SchemeNames, ...]


class SecurityNames:
    """The names of the credentials surface of one generated package."""

    def __init__(self, module: ir.Module) -> None:
        workflows = (*module.workflows, *module.internal_workflows)
        steps = [s for w in workflows for s in w.security]
        schemes: dict[str, dict[str, ir.SecurityScheme]] = {}
        for step in steps:
            for alternative in step.alternatives:
                for scheme, _ in alternative:
                    schemes.setdefault(scheme.source, {}).setdefault(scheme.name, scheme)
        scope = NameScope.module([*CLASS_NAMES, "dataclasses", "os", "Mapping", "_auth"])
        fields = NameScope(["from_env"])
        self.sources: list[SourceNames] = []
        self.scheme: dict[tuple[str, str], SchemeNames] = {}
        for source in sorted(schemes):
            class_name = scope.allocate(f"{source} credentials", style="pascal")
            own = NameScope(["from_env"])
            named = []
            for name in sorted(schemes[source]):
                constant = scope.allocate(f"{source} {name}", style="upper_snake")
                entry = SchemeNames(
                    schemes[source][name],
                    own.allocate(name),
                    constant,
                    emit.identifier(f"{source} {name}", style="upper_snake"),
                )
                self.scheme[(source, name)] = entry
                named.append(entry)
            self.sources.append(
                SourceNames(source, fields.allocate(source), class_name, tuple(named))
            )
        self.steps: dict[ir.StepSecurity, str] = {}
        for step in dict.fromkeys(steps):
            self.steps[step] = scope.allocate(
                f"{step.workflow_id} {step.step_id} security", style="upper_snake"
            )
        self.workflows = {
            w.function_name: scope.allocate(f"{w.workflow_id} security", style="upper_snake")
            for w in workflows
            if w.security
        }

    def __bool__(self) -> bool:
        return bool(self.sources)

    @property
    def needed(self) -> bool:
        """Whether some step may need credentials from the caller: its own parameters (an
        `Authorization` header the document writes, as TikTok's does) do not always fill one
        of its alternatives."""
        return any(not step.self_sufficient for step in self.steps)


def _scheme_constant(names: SchemeNames, source: SourceNames) -> str:
    scheme = names.scheme
    arguments = [
        emit.literal(scheme.source),
        emit.literal(source.field),
        emit.literal(scheme.name),
        emit.literal(names.field),
        emit.literal(scheme.kind),
    ]
    if scheme.kind == "apiKey":
        arguments += [emit.literal(scheme.location), emit.literal(scheme.parameter)]
    if scheme.token_url is not None:
        arguments.append(f"token_url={emit.literal(scheme.token_url)}")
    return f"{names.constant} = _auth.Scheme({', '.join(arguments)})"


def _step_constant(step: ir.StepSecurity, constant: str, names: SecurityNames) -> str:
    alternatives = []
    for alternative in step.alternatives:
        entries = [
            f"({names.scheme[(s.source, s.name)].constant}, {emit.literal(tuple(scopes))})"
            for s, scopes in alternative
        ]
        alternatives.append("(" + "".join(f"{e}, " for e in entries).rstrip(" ") + ")")
    joined = "(" + "".join(f"{a}, " for a in alternatives).rstrip(" ") + ")"
    explicit = ", ".join(emit.literal(slot) for slot in sorted(step.explicit))
    arguments = [emit.literal(step.step_id), emit.literal(step.source), joined]
    if explicit:
        arguments.append(f"frozenset({{{explicit}}})")
    return f"{constant} = _auth.StepSecurity({', '.join(arguments)})"


def credentials_module(module: ir.Module, names: SecurityNames) -> str:
    """The text of `_credentials.py` (black formats it)."""
    env_lines = [
        f"- {env}: {entry.scheme.source} {entry.summary()}"
        for source in names.sources
        for entry in source.schemes
        for env in entry.env_names[:1]
    ]
    doc = (
        f"Credentials for the APIs that the workflows of {emit.excerpt(module.title)} call.\n\n"
        "Pass `credentials=Credentials(...)` to a workflow function, or read them from the "
        "environment with `Credentials.from_env()`, which reads these variables (HTTP Basic "
        "adds _USERNAME and _PASSWORD, OAuth2 client credentials _CLIENT_ID, _CLIENT_SECRET "
        "and _SCOPES):\n\n" + "\n".join(env_lines) + "\n\n"
        f"Generated by arazzo-codegen from {module.document_name}. Do not edit: regenerate "
        "instead."
    )
    used = sorted({c for s in names.sources for e in s.schemes for c in _classes(e)})
    lines = [
        emit.docstring(wrap_text(doc, 96)),
        "",
        "from __future__ import annotations",
        "",
        "import dataclasses",
        "import os",
        "from collections.abc import Mapping",
        "",
        "from . import _auth",
        f"from ._auth import {', '.join(used)}",
        "",
    ]
    for source in names.sources:
        for entry in source.schemes:
            lines.append(_scheme_constant(entry, source))
    for source in names.sources:
        lines += ["", "", *_source_class(source)]
    lines += ["", "", *_credentials_class(names)]
    lines += ["", ""]
    for step, constant in names.steps.items():
        lines.append(_step_constant(step, constant, names))
    for workflow in (*module.workflows, *module.internal_workflows):
        group = names.workflows.get(workflow.function_name)
        if group is None:
            continue
        members = "".join(f"{names.steps[s]}, " for s in workflow.security)
        lines.append(f"{group} = ({members.rstrip(' ')})")
    return "\n".join(lines) + "\n"


def _classes(entry: SchemeNames) -> tuple[str, ...]:
    return tuple(entry.annotation.split(" | "))


def _source_class(source: SourceNames) -> list[str]:
    doc = (
        f"Credentials for the source description '{source.source}': one field per security "
        "scheme its operations use (None: not supplied)."
    )
    lines = [
        "@dataclasses.dataclass(frozen=True, kw_only=True)",
        f"class {source.class_name}:",
        "    " + emit.docstring(wrap_text(emit.excerpt(doc), 92), "    "),
        "",
    ]
    for entry in source.schemes:
        lines.append(f"    {entry.field}: {entry.annotation} | None = None")
        text = f"{entry.summary()}. Environment: {', '.join(entry.env_names)}."
        if entry.scheme.description:
            text += " " + entry.scheme.description
        lines.append("    " + emit.docstring(wrap_text(emit.excerpt(text), 92), "    "))
        lines.append("")
    env = ", ".join(e.env for e in source.schemes)
    arguments = ", ".join(
        f"{e.field}=_auth.{e.reader}(env, {emit.literal(e.env)})" for e in source.schemes
    )
    lines += [
        "    @classmethod",
        "    def from_env(",
        "        cls, environ: Mapping[str, str] | None = None",
        f"    ) -> {source.class_name}:",
        "        "
        + emit.docstring(
            wrap_text(f"Read from os.environ (or `environ`): {env} and their suffixed forms.", 88),
            "        ",
        ),
        "        env = os.environ if environ is None else environ",
        f"        return cls({arguments})",
    ]
    return lines


def _credentials_class(names: SecurityNames) -> list[str]:
    lines = [
        "@dataclasses.dataclass(frozen=True, kw_only=True)",
        "class Credentials:",
        "    "
        + emit.docstring(
            wrap_text(
                "Credentials for each source description whose operations need security.\n\n"
                "A request gets only the credentials of its own source description, chosen by "
                "its operation's security requirement. Values never appear in reprs, errors "
                "or logs.",
                92,
            ),
            "    ",
        ),
        "",
    ]
    for source in names.sources:
        lines.append(f"    {source.field}: {source.class_name} | None = None")
        lines.append("    " + emit.docstring(f"Source description '{source.source}'.", "    "))
        lines.append("")
    arguments = ", ".join(f"{s.field}={s.class_name}.from_env(env)" for s in names.sources)
    lines += [
        "    @classmethod",
        "    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:",
        "        "
        + emit.docstring("Read every source's credentials from os.environ (or `environ`).", "    "),
        "        env = os.environ if environ is None else environ",
        f"        return cls({arguments})",
    ]
    return lines


def _constructor(entry: SchemeNames) -> str:
    match entry.scheme.kind:
        case "apiKey":
            return 'ApiKey("...")'
        case "basic":
            return 'HttpBasic("user", "password")'
        case "oauth2" if entry.scheme.client_credentials:
            return 'OAuth2ClientCredentials("client-id", "client-secret")'
        case _:
            return 'BearerToken("...")'


def credentials_example(names: SecurityNames) -> tuple[tuple[str, ...], str]:
    """The names a README example imports and the `Credentials(...)` expression it builds
    (the first scheme of each source)."""
    imports = {"Credentials"}
    parts = []
    for source in names.sources:
        entry = source.schemes[0]
        constructor = _constructor(entry)
        imports.update({source.class_name, constructor.split("(")[0]})
        parts.append(f"    {source.field}={source.class_name}({entry.field}={constructor}),")
    return tuple(sorted(imports)), "Credentials(\n" + "\n".join(parts) + "\n)"


def scheme_rows(names: SecurityNames) -> list[dict[str, str]]:
    """One row per scheme: source, scheme, field path, value class, environment variables."""
    return [
        {
            "source": source.source,
            "scheme": entry.scheme.name,
            "field": f"{source.field}.{entry.field}",
            "type": entry.annotation,
            "where": entry.summary().split(": ", 1)[1],
            "env": ", ".join(entry.env_names),
        }
        for source in names.sources
        for entry in source.schemes
    ]
