"""OpenAPI security: what each step's operation requires, read into the IR.

A step's requirement is the operation's `security` when it has one (`security: []` requires
nothing), else the description's top-level `security` (Swagger 2.0: `securityDefinitions`).
Each alternative names schemes of `components.securitySchemes`; schemes credentials can
satisfy are `apiKey`, `http` `basic`/`bearer`, `oauth2` and `openIdConnect`. `mutualTLS`
is configured on the caller's client, so it counts as satisfied. A scheme that cannot be
satisfied here (an unknown name, another `http` scheme such as `digest`) is reported once;
an alternative holding it is dropped (when none is left, the step is sent as it is).

The header, query and cookie parameters a step sets itself fill the slots of the schemes
carried there (`Authorization` for `http`, `oauth2` and `openIdConnect`): they satisfy that
scheme for the missing-credentials check and win over credentials in the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urljoin

from generator import ir
from generator.diagnostics import Diagnostics
from generator.load.refs import DocumentSet
from generator.load.source import LoadedDocument, pointer_join
from generator.model.openapi import OpenApiDescription, Operation

_UNSATISFIABLE = ir.SecurityScheme(source="", name="", kind="apiKey", parameter="")
"""Stands for a scheme no credentials can satisfy (its alternative is never chosen)."""


class SecurityReader:
    """Reads the security schemes and requirements of the source descriptions of a document."""

    def __init__(self, documents: DocumentSet, diagnostics: Diagnostics) -> None:
        self.documents = documents
        self.diagnostics = diagnostics
        self._schemes: dict[tuple[str, str], ir.SecurityScheme | None] = {}

    def step_security(
        self,
        workflow_id: str,
        step_id: str,
        source: str,
        description: OpenApiDescription,
        operation: Operation,
        parameters: Iterable[ir.RequestParameter],
    ) -> ir.StepSecurity | None:
        """The step's requirement, or None when its operation requires no security."""
        found, node = self.documents.lookup(operation.document, operation.pointer)
        raw = node.get("security") if found and isinstance(node, dict) else None
        pointer = pointer_join(operation.pointer, "security")
        owner = operation.document
        if not isinstance(raw, list):
            root = description.document.data
            raw = root.get("security") if isinstance(root, dict) else None
            pointer, owner = "/security", description.document
        if not isinstance(raw, list) or not raw:
            return None
        alternatives: list[ir.SecurityRequirement] = []
        for index, entry in enumerate(raw):
            if not isinstance(entry, dict):
                continue
            requirement: list[tuple[ir.SecurityScheme, tuple[str, ...]]] = []
            for name, scopes in entry.items():
                where = owner.location(pointer_join(pointer_join(pointer, index), name), key=True)
                scheme = self.scheme(description, source, str(name), where)
                if scheme is None:
                    continue  # mutualTLS: the caller's client carries it
                texts = (
                    tuple(s for s in scopes if isinstance(s, str))
                    if isinstance(scopes, list)
                    else ()
                )
                requirement.append((scheme, texts))
            if all(scheme is not _UNSATISFIABLE for scheme, _ in requirement):
                alternatives.append(tuple(requirement))
        if all(not alternative for alternative in alternatives):
            return None  # nothing to send, or only schemes credentials cannot satisfy
        sent = [p for p in parameters if p.location in ("header", "query", "cookie")]
        explicit = frozenset(_parameter_slot(p) for p in sent)
        # A parameter of literal text or a template is never None: its slot is always filled.
        always = {
            _parameter_slot(p)
            for p in sent
            if isinstance(p.value, ir.TemplateValue)
            or (isinstance(p.value, ir.LiteralValue) and p.value.value is not None)
        }

        def filled(alternative: ir.SecurityRequirement) -> bool:
            return bool(alternative) and all(slot(scheme) in always for scheme, _ in alternative)

        first = next((a for a in alternatives if a), ())
        return ir.StepSecurity(
            workflow_id=workflow_id,
            step_id=step_id,
            source=source,
            alternatives=tuple(alternatives),
            explicit=explicit,
            settled=filled(first),
            self_sufficient=any(filled(alternative) for alternative in alternatives),
        )

    def scheme(
        self, description: OpenApiDescription, source: str, name: str, where: Any
    ) -> ir.SecurityScheme | None:
        """The scheme `name` of the source `source` (its name in the module); `_UNSATISFIABLE`
        (reported once) when credentials cannot satisfy it, None for mutualTLS."""
        key = (source, name)
        if key not in self._schemes:
            self._schemes[key] = self._read_scheme(description, source, name, where)
        return self._schemes[key]

    def _read_scheme(
        self, description: OpenApiDescription, source: str, name: str, where: Any
    ) -> ir.SecurityScheme | None:
        document = description.document
        swagger = description.version.startswith("2.")
        container = "/securityDefinitions" if swagger else "/components/securitySchemes"
        resolved = self._definition(document, container, name)
        if resolved is None:
            self.diagnostics.warning(
                where,
                f"security scheme '{name}' of source description '{description.source}' is "
                f"not defined in {container[1:].replace('/', '.')}; requests that need it "
                "cannot get credentials",
            )
            return _UNSATISFIABLE
        return self.scheme_from(
            resolved, description.version, source, name, where, description.server_url
        )

    def scheme_from(
        self,
        scheme: dict[str, Any],
        version: str,
        source: str,
        name: str,
        where: Any,
        server_url: str | None = None,
    ) -> ir.SecurityScheme | None:
        """A Security Scheme Object read into the IR (see `scheme`)."""
        swagger = version.startswith("2.")
        kind = scheme.get("type")
        text = scheme.get("description") if isinstance(scheme.get("description"), str) else None

        def made(kind: ir.SchemeKind, **details: Any) -> ir.SecurityScheme:
            return ir.SecurityScheme(source, name, kind, description=text, **details)

        if kind == "apiKey" and scheme.get("in") in ("header", "query", "cookie"):
            parameter = scheme.get("name")
            if isinstance(parameter, str) and parameter:
                return made("apiKey", location=scheme["in"], parameter=parameter)
        elif kind == "basic" and swagger:
            return made("basic")
        elif kind == "http" and isinstance(scheme.get("scheme"), str):
            http_scheme = scheme["scheme"].lower()
            if http_scheme == "basic":
                return made("basic")
            if http_scheme == "bearer":
                return made("bearer")
        elif kind == "oauth2":
            token_url = _client_credentials_token_url(scheme, swagger)
            if token_url is not None and server_url and "://" in server_url:
                token_url = urljoin(server_url.rstrip("/") + "/", token_url)  # OAS 3.1: relative
            return made("oauth2", token_url=token_url, client_credentials=token_url is not None)
        elif kind == "openIdConnect":
            return made("openIdConnect")
        elif kind == "mutualTLS":
            return None
        self.diagnostics.warning(
            where,
            f"security scheme '{name}' of source description '{source}' "
            f"({_describe(scheme)}) cannot be satisfied by credentials; pass what it needs "
            "as a parameter of the step or configure your client",
        )
        return _UNSATISFIABLE

    def x_security(
        self,
        document: LoadedDocument,
        owners: Iterable[str],
        source: str,
        description: OpenApiDescription | None,
        read_value: Callable[[Any, str], ir.Value | None],
    ) -> tuple[ir.GivenCredential, ...] | None:
        """The `x-security` lists of the Arazzo objects at `owners` (the workflow, then the
        step), read by `given`. `description` is None for a step without an OpenAPI
        description (Redocly's `x-operation`): only inline schemes can be given there."""
        entries: list[tuple[Any, str]] = []
        for owner in owners:
            pointer = pointer_join(owner, "x-security")
            found, raw = self.documents.lookup(document, pointer)
            if found and isinstance(raw, list):
                entries += [(entry, pointer_join(pointer, i)) for i, entry in enumerate(raw)]
            elif found:
                self.diagnostics.error(document.location(pointer), "x-security must be a list")
                return None
        if not entries:
            return ()
        return self.given(entries, source, description, document, read_value)

    def given(
        self,
        entries: list[tuple[Any, str]],
        source: str,
        description: OpenApiDescription | None,
        document: LoadedDocument,
        read_value: Callable[[Any, str], ir.Value | None],
    ) -> tuple[ir.GivenCredential, ...] | None:
        """Redocly's `x-security` entries (workflow's, then step's; each `(entry, pointer)`)
        as credentials the step applies itself; None after reporting an error."""
        result: list[ir.GivenCredential] = []
        ok = True
        for entry, pointer in entries:
            where = document.location(pointer)
            if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
                self.diagnostics.error(
                    where, "an x-security entry needs 'values' and 'scheme' or 'schemeName'"
                )
                ok = False
                continue
            scheme: ir.SecurityScheme | None
            if isinstance(entry.get("schemeName"), str):
                if description is None:
                    self.diagnostics.error(
                        where,
                        "x-security 'schemeName' needs an OpenAPI description to name a scheme "
                        "of; this step has none (give the 'scheme' itself)",
                    )
                    ok = False
                    continue
                scheme = self.scheme(description, source, entry["schemeName"], where)
            elif isinstance(entry.get("scheme"), dict):
                scheme = self.scheme_from(
                    entry["scheme"],
                    description.version if description is not None else "3.1.0",
                    source,
                    "x-security",
                    where,
                    description.server_url if description is not None else None,
                )
            else:
                self.diagnostics.error(
                    where, "an x-security entry needs 'scheme' (an object) or 'schemeName'"
                )
                ok = False
                continue
            if scheme is None or scheme is _UNSATISFIABLE:
                continue  # reported
            wanted = _GIVEN_VALUES[scheme.kind]
            values: list[tuple[str, ir.Value]] = []
            for key in wanted:
                raw = entry["values"].get(key)
                if raw is None:
                    self.diagnostics.error(
                        where,
                        f"x-security for a {scheme.kind} scheme needs the value '{key}' "
                        f"(it takes {', '.join(repr(k) for k in wanted)})",
                    )
                    ok = False
                    break
                value = read_value(raw, pointer_join(pointer_join(pointer, "values"), key))
                if value is None:
                    ok = False
                    break
                values.append((key, value))
            else:
                result.append(ir.GivenCredential(scheme, tuple(values)))
        return tuple(result) if ok else None

    def _definition(
        self, document: LoadedDocument, container: str, name: str
    ) -> dict[str, Any] | None:
        pointer = pointer_join(container, name)
        found, value = self.documents.lookup(document, pointer)
        if not found:
            return None
        resolved = self.documents.deref(document, pointer, value)
        if resolved is None or not isinstance(resolved.value, dict):
            return None
        return resolved.value


def _parameter_slot(parameter: ir.RequestParameter) -> tuple[str, str]:
    name = parameter.name
    return parameter.location, name.lower() if parameter.location == "header" else name


def slot(scheme: ir.SecurityScheme) -> tuple[str, str]:
    """The (location, name) a scheme's credential fills; header names lower-cased."""
    if scheme.location == "header":
        return "header", scheme.parameter.lower()
    return scheme.location, scheme.parameter


_GIVEN_VALUES: dict[str, tuple[str, ...]] = {
    "apiKey": ("apiKey",),
    "basic": ("username", "password"),
    "bearer": ("token",),
    "oauth2": ("accessToken",),
    "openIdConnect": ("accessToken",),
}


def _client_credentials_token_url(scheme: dict[str, Any], swagger: bool) -> str | None:
    if swagger:
        if scheme.get("flow") == "application" and isinstance(scheme.get("tokenUrl"), str):
            return str(scheme["tokenUrl"])
        return None
    flows = scheme.get("flows")
    flow = flows.get("clientCredentials") if isinstance(flows, dict) else None
    if isinstance(flow, dict) and isinstance(flow.get("tokenUrl"), str):
        return str(flow["tokenUrl"])
    return None


def _describe(scheme: dict[str, Any]) -> str:
    kind = scheme.get("type")
    if kind == "http":
        return f"http {scheme.get('scheme')}"
    return str(kind)
