"""The OpenAPI 3.1 document of the console's JSON interface, generated from the code that serves
it, and the request parsing that shares its declarations.

One declaration per idea, read by both sides:

* a parameter is a `Param` (`Choice`, `Integer`, `Boolean`, `Text`): the view parses the request
  with it (`parse_query`, `parse_body`, `Param.parse`) and the document shows its type, enum,
  bounds, default and pattern;
* a response body is a dataclass (data/'s CaseSummary, CaseDetail...) or a JSON schema; a
  dataclass's fields and their types give its schema (`schema_of`);
* the paths and methods are the Flask URL map's: a view decorated with `operation` is in the
  document, at its rule, with the methods of its rule. Building the document refuses a rule
  whose arguments are not the operation's path parameters, so neither can drift from the other.

The errors every protected operation may answer (401, 403, the 503 of a database that does not
answer, for state-changing requests the CSRF 400, and the 413 of an oversized body) are added
here, with the bodies the app really sends (`{"error": "..."}`; a session whose password must
change also gets `change_password`).
"""

from __future__ import annotations

import dataclasses
import re
import types
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import (
    Annotated,
    Any,
    Literal,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from flask import Flask

from console.web.security import CSRF_HEADER, UNSAFE_METHODS

OPENAPI_VERSION = "3.1.0"
OPERATION_KEY = "kup_openapi_operation"  # where `operation` keeps a view's declaration
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
View = TypeVar("View", bound=Callable[..., Any])


class ParameterError(ValueError):
    """A parameter or body the API refuses (400), with a message naming it."""


# --- parameters --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Param(ABC):
    """A request parameter: in the query (optional, with a default), in the path (required) or
    a field of a JSON body."""

    name: str
    description: str
    where: Literal["query", "path", "body"] = "query"
    default: Any = None
    required: bool = False

    @abstractmethod
    def parse(self, raw: object) -> Any:
        """The value of `raw` (a query or path text, or a body's JSON value); ParameterError
        naming the parameter when it is not one this parameter accepts."""

    @abstractmethod
    def value_schema(self) -> dict[str, Any]:
        """The JSON schema of the values accepted."""

    def schema(self) -> dict[str, Any]:
        schema = self.value_schema()
        if self.default is not None:
            schema["default"] = self.default
        return schema

    def parameter(self) -> dict[str, Any]:
        """The OpenAPI Parameter Object (query and path parameters)."""
        return {
            "name": self.name,
            "in": self.where,
            "required": self.where == "path" or self.required,
            "description": self.description,
            "schema": self.schema(),
        }


def _text(raw: object, name: str) -> str:
    if not isinstance(raw, str):
        raise ParameterError(f"{name} must be a string")
    return raw


@dataclass(frozen=True, kw_only=True)
class Choice(Param):
    """One of a set of codes (read when needed: the geography is loaded lazily)."""

    values: Callable[[], Sequence[str]]

    def parse(self, raw: object) -> str:
        value, allowed = _text(raw, self.name), self.values()
        if value not in allowed:
            shown = ", ".join(allowed) if len(allowed) <= 20 else f"{len(allowed)} known codes"
            raise ParameterError(f"{self.name}: {value[:40]!r} is not one of {shown}")
        return value

    def value_schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.values())}


@dataclass(frozen=True, kw_only=True)
class Integer(Param):
    """A whole number from `low` to `high`, written in decimal digits."""

    low: int
    high: int

    def parse(self, raw: object) -> int:
        value = _text(raw, self.name)
        if not value.isascii() or not value.isdigit():
            raise ParameterError(f"{self.name} must be a whole number")
        digits = value.lstrip("0") or "0"
        if len(digits) > len(str(self.high)) or not self.low <= int(digits) <= self.high:
            raise ParameterError(f"{self.name} must be between {self.low} and {self.high}")
        return int(digits)

    def value_schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.low, "maximum": self.high}


TRUE_WORDS, FALSE_WORDS = ("true", "1", "yes"), ("false", "0", "no")


@dataclass(frozen=True, kw_only=True)
class Boolean(Param):
    """true or false (also 1/0, yes/no, in any case)."""

    def parse(self, raw: object) -> bool:
        value = _text(raw, self.name).lower()
        if value in TRUE_WORDS:
            return True
        if value in FALSE_WORDS:
            return False
        raise ParameterError(f"{self.name} must be true or false")

    def value_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass(frozen=True, kw_only=True)
class Text(Param):
    """A text of `min_length` to `max_length` characters matching each of `patterns`
    ((regex, what it requires) pairs: the regex is searched, as JSON Schema does)."""

    min_length: int = 0
    max_length: int | None = None
    patterns: tuple[tuple[str, str], ...] = ()

    def parse(self, raw: object) -> str:
        value = _text(raw, self.name)
        if len(value) < self.min_length:
            raise ParameterError(f"{self.name} must have at least {self.min_length} characters")
        if self.max_length is not None and len(value) > self.max_length:
            raise ParameterError(f"{self.name} longer than {self.max_length} characters")
        for pattern, requirement in self.patterns:
            if not re.search(_python_regex(pattern), value):
                raise ParameterError(f"{self.name}: {requirement}")
        return value

    def value_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.min_length:
            schema["minLength"] = self.min_length
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if len(self.patterns) == 1:
            schema["pattern"] = self.patterns[0][0]
        elif self.patterns:
            schema["allOf"] = [{"pattern": pattern} for pattern, _ in self.patterns]
        return schema


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)


@dataclass(frozen=True, kw_only=True)
class Instant(Param):
    """An instant: an RFC 3339 date-time, its UTC offset required ("2026-03-11T14:05:00+06:00",
    "...Z"); a leap second is read as the second before it."""

    def parse(self, raw: object) -> datetime:
        value = _text(raw, self.name)
        match = _RFC3339.fullmatch(value)
        if match is None:
            raise ParameterError(
                f"{self.name} must be a date and time with its UTC offset, "
                "as 2026-03-11T14:05:00+06:00 or 2026-03-11T08:05:00Z"
            )
        year, month, day, hour, minute, second, fraction, offset = match.groups()
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = (0, 0) if offset in "Zz" else (int(offset[1:3]), int(offset[4:6]))
        try:
            zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
            moment = datetime(
                max(int(year), 1),
                int(month),
                int(day),
                int(hour),
                int(minute),
                min(int(second), 59),
                int((fraction or "0")[:6].ljust(6, "0")),
                tzinfo=zone,
            )
        except ValueError:
            raise ParameterError(
                f"{self.name}: {value[:40]!r} is not a real date and time"
            ) from None
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # (year 1 or 9999 with an offset beyond the calendar's ends)
            edge = datetime.min if moment.year == 1 else datetime.max
            return edge.replace(tzinfo=UTC)

    def value_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}


AS_OF = Instant(
    name="as_of",
    description=(
        "Look back: the answer as the console knew it at this instant (only the events stored "
        "by then; deadlines, statuses and counts evaluated then; an instant in the future is "
        "read as now). An RFC 3339 date-time with its offset. Reads only: a change always "
        "applies to the present."
    ),
)


def _python_regex(pattern: str) -> str:
    """A JSON Schema (ECMA 262) pattern for Python's `re`: a final `$` matches only at the end
    (Python's `$` also matches before a final newline)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + "\\Z"
    return pattern


def parse_query(args: Mapping[str, str], params: Sequence[Param]) -> dict[str, Any]:
    """The values of the query `args` by parameter name (a parameter's default when absent);
    ParameterError for an unknown parameter or a bad value. `as_of` is every read's, read
    before the view (console.web.as_of), not here."""
    known = tuple(p.name for p in params)
    unknown = sorted(set(args) - set(known) - {AS_OF.name})
    if unknown:
        raise ParameterError(
            f"unknown parameter {unknown[0][:40]!r}; known: {', '.join(known) or 'none'}"
        )
    return {p.name: p.default if p.name not in args else p.parse(args[p.name]) for p in params}


def parse_body(body: object, params: Sequence[Param]) -> dict[str, Any]:
    """The fields of a JSON object body by name; ParameterError for anything else than an
    object of these fields (the required ones present) or for a bad field."""
    names = [p.name for p in params]
    if (
        not isinstance(body, dict)
        or set(body) - set(names)
        or any(p.required and p.name not in body for p in params)
    ):
        shape = ", ".join(f'"{name}": ...' for name in names)
        raise ParameterError(f"send a JSON object {{{shape}}}")
    return {p.name: p.parse(body[p.name]) for p in params if p.name in body}


def body_schema(params: Sequence[Param]) -> dict[str, Any]:
    """The JSON schema of a body of the fields `params`."""
    return {
        "type": "object",
        "properties": {p.name: {"description": p.description, **p.schema()} for p in params},
        "required": [p.name for p in params if p.required],
        "additionalProperties": False,
    }


# --- response bodies -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Inline:
    """The JSON of a dataclass one of whose fields (a dataclass) is merged into it, as
    `CaseDetail.as_dict` merges its `case`."""

    cls: type
    merged: str


@dataclass(frozen=True)
class WithProperties:
    """In `Annotated[cls, WithProperties(...)]`: the JSON of the dataclass `cls` also holds
    these properties of it (as `StreamGap.as_dict` adds `count` and `count_exact`)."""

    names: tuple[str, ...]


class Schemas:
    """The named schemas of a document (components/schemas): a dataclass's schema is built
    once and referred to by its class name."""

    def __init__(self) -> None:
        self.named: dict[str, dict[str, Any]] = {}

    def ref(self, name: str, schema: dict[str, Any]) -> dict[str, Any]:
        self.named.setdefault(name, schema)
        return {"$ref": f"#/components/schemas/{name}"}

    def of(self, shape: Any) -> dict[str, Any]:
        """The JSON schema of a type (a dataclass, list/tuple, dict, Literal, optional, a
        scalar; `Annotated` with `WithProperties`), of an `Inline`, or a JSON schema given as a
        dict (used as it is)."""
        if isinstance(shape, dict):
            return shape
        if isinstance(shape, Inline):
            return self._named(shape.cls, lambda: self._inline(shape))
        if get_origin(shape) is Annotated:
            cls, *marks = get_args(shape)
            names = tuple(n for m in marks if isinstance(m, WithProperties) for n in m.names)
            return self._named(cls, lambda: self._object(cls, names))
        if dataclasses.is_dataclass(shape) and isinstance(shape, type):
            return self._named(shape, lambda: self._object(shape))
        return self._type(shape)

    def _named(self, cls: type, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        if cls.__name__ not in self.named:
            self.named[cls.__name__] = {}  # (a class that refers to itself)
            self.named[cls.__name__] = build()
        return {"$ref": f"#/components/schemas/{cls.__name__}"}

    def _inline(self, shape: Inline) -> dict[str, Any]:
        outer = self._object(shape.cls)
        inner = self._object(get_type_hints(shape.cls)[shape.merged])
        del outer["properties"][shape.merged]
        outer["required"].remove(shape.merged)
        outer["properties"] = {**inner["properties"], **outer["properties"]}
        outer["required"] = inner["required"] + outer["required"]
        return outer

    def _object(self, cls: type, properties: tuple[str, ...] = ()) -> dict[str, Any]:
        hints = get_type_hints(cls, include_extras=True)
        names = [f.name for f in dataclasses.fields(cls)]
        types_ = {name: hints[name] for name in names}
        for name in properties:
            types_[name] = get_type_hints(getattr(cls, name).fget)["return"]
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {name: self.of(tp) for name, tp in types_.items()},
            "required": list(types_),
            "additionalProperties": False,
        }
        if cls.__doc__:
            schema["description"] = " ".join(cls.__doc__.split())
        return schema

    def _type(self, tp: Any) -> dict[str, Any]:
        origin, args = get_origin(tp), get_args(tp)
        if origin in (Union, types.UnionType):
            present = [a for a in args if a is not type(None)]
            inner = (
                self.of(present[0]) if len(present) == 1 else {"anyOf": list(map(self.of, present))}
            )
            if type(None) not in args:
                return inner
            return {"anyOf": [inner, {"type": "null"}]}
        if origin is Literal:
            return {"enum": list(args)}
        if origin in (list, tuple, Sequence) and (origin is not tuple or args[-1:] == (...,)):
            return {"type": "array", "items": self.of(args[0])}
        if origin in (dict, Mapping):
            return {"type": "object", "additionalProperties": self.of(args[1])}
        scalars: dict[Any, dict[str, Any]] = {
            str: {"type": "string"},
            bool: {"type": "boolean"},
            int: {"type": "integer"},
            float: {"type": "number"},
            datetime: {"type": "string", "format": "date-time"},
            date: {"type": "string", "format": "date"},
        }
        if tp in scalars:
            return dict(scalars[tp])
        if tp is object:  # any JSON value (an audit entry's recorded detail)
            return {}
        raise TypeError(f"no JSON schema for {tp!r}")


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An error: what was refused and why.",
    "properties": {
        "error": {"type": "string"},
        "change_password": {
            "type": "string",
            "description": "Where to set a new password (a session whose password an admin "
            "reset, before anything else)",
        },
    },
    "required": ["error"],
    "additionalProperties": False,
}


def schema_of(shape: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The JSON schema of `shape` and the named schemas it refers to (for tests and tools)."""
    schemas = Schemas()
    return schemas.of(shape), schemas.named


# --- operations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A successful answer: status, what it is, its body (a type for `Schemas.of`, or None for
    none), its media type and the headers it may carry (name -> description)."""

    status: int
    description: str
    body: Any = None
    media: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """What the document says of a view: its answer, parameters, body and the errors it
    answers itself (status -> when); the view's docstring is its description."""

    ok: Reply
    summary: str
    query: tuple[Param, ...] = ()
    path: tuple[Param, ...] = ()
    body: tuple[Param, ...] | None = None
    errors: Mapping[int, str] = field(default_factory=dict)
    also: tuple[Reply, ...] = ()  # other answers with a body of their own (not an Error)
    public: bool = False
    tag: str = "cases"
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. links of the answer

    def looks_back(self, method: str) -> bool:
        """Whether the operation reads `as_of` (AS_OF): the store's reads do; changes, public
        pages, the monitoring of the process and the document itself do not."""
        return not self.public and self.tag not in NOW_ONLY and method not in UNSAFE_METHODS


NOW_ONLY = ("monitoring", "meta")  # tags of operations about the present process


def operation_of(view: Callable[..., Any] | None) -> Operation | None:
    """The operation a view was declared with (None if none)."""
    found = vars(view).get(OPERATION_KEY) if view is not None else None
    return found if isinstance(found, Operation) else None


def operation(**declared: Any) -> Callable[[View], View]:
    """Declare a view's operation (the fields of `Operation`) for the document."""
    op = Operation(**declared)

    def mark(view: View) -> View:
        vars(view)[OPERATION_KEY] = op  # functools.wraps copies it onto wrappers of the view
        return view

    return mark


def _common_errors(op: Operation, method: str, max_body: int | None) -> dict[int, str]:
    """The errors the app answers before (or around) the view: the login gate, the CSRF check,
    the body limit, the database down."""
    errors: dict[int, str] = {}
    if not op.public:
        errors[401] = "No valid login: no session and no (or an unknown) bearer token"
        errors[403] = (
            "Refused to this account: its role may not use the operation (a monitoring account "
            "sees no cases), or it is a session whose password an admin reset (until a new one "
            "is set)"
        )
        errors[503] = "The database did not answer (the login is checked there too)"
        if op.looks_back(method):
            errors[400] = "An unreadable as_of"
        if method in UNSAFE_METHODS:
            errors[400] = "A session's request without its CSRF token in the X-CSRFToken header"
    if op.body is not None and max_body is not None:
        errors[413] = f"The body is larger than the console accepts ({max_body} bytes)"
    return errors


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: `<int:flag_id>` becomes `{flag_id}`."""
    return _ARGUMENT.sub(lambda m: "{" + m.group(1) + "}", rule)


def _describe(
    op: Operation,
    view: Callable[..., Any],
    method: str,
    endpoint: str,
    schemas: Schemas,
    max_body: int | None,
) -> dict[str, Any]:
    # status -> (what it means, media type -> the bodies it may have)
    answers: dict[int, tuple[list[str], dict[str, list[dict[str, Any]]]]] = {}

    def add(status: int, description: str, media: str | None, body: dict[str, Any]) -> None:
        texts, content = answers.setdefault(status, ([], {}))
        texts.append(description)
        if media is not None:
            content.setdefault(media, []).append(body)

    for reply in (op.ok, *op.also):
        add(
            reply.status,
            reply.description,
            reply.media if reply.body is not None else None,
            schemas.of(reply.body) if reply.body is not None else {},
        )
    errors = _common_errors(op, method, max_body)
    for status, when in op.errors.items():
        errors[status] = f"{errors[status]}; or {when}" if status in errors else when
    error_ref = schemas.ref("Error", ERROR_SCHEMA)
    for status, when in errors.items():
        add(status, when, "application/json", error_ref)
    responses: dict[str, Any] = {}
    for status in sorted(answers):
        texts, content = answers[status]
        answer: dict[str, Any] = {"description": "; or ".join(texts)}
        if content:
            answer["content"] = {
                media: {"schema": bodies[0] if len(bodies) == 1 else {"anyOf": bodies}}
                for media, bodies in content.items()
            }
        if status == op.ok.status:
            if op.ok.headers:
                answer["headers"] = {
                    name: {"description": text, "schema": {"type": "string"}}
                    for name, text in op.ok.headers.items()
                }
            answer.update(op.extra)
        if status == 401:
            answer["headers"] = {
                "WWW-Authenticate": {
                    "description": 'Bearer realm="kup-console"',
                    "schema": {"type": "string"},
                }
            }
        responses[str(status)] = answer
    described: dict[str, Any] = {
        "operationId": endpoint.replace(".", "_"),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": [
            p.parameter() for p in op.path + op.query + ((AS_OF,) if op.looks_back(method) else ())
        ],
        "responses": responses,
    }
    if view.__doc__:
        described["description"] = " ".join(view.__doc__.split())
    if op.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body_schema(op.body)}},
        }
    if op.public:
        described["security"] = []
    elif method in UNSAFE_METHODS:
        described["security"] = [{"bearer": []}, {"session": [], "csrf": []}]
    return described


def document(app: Flask, info: Mapping[str, Any]) -> dict[str, Any]:
    """The OpenAPI document of every view of `app` declared with `operation`; ValueError if a
    rule's arguments are not its operation's path parameters."""
    schemas = Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        op = vars(view).get(OPERATION_KEY)
        if op is None:
            continue
        if set(rule.arguments) != {p.name for p in op.path}:
            raise ValueError(
                f"{rule.rule}: the rule's arguments are not the operation's path parameters"
            )
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = _describe(
                op, view, method, rule.endpoint, schemas, app.config.get("MAX_CONTENT_LENGTH")
            )
    return {
        "openapi": OPENAPI_VERSION,
        "info": dict(info),
        "paths": paths,
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "schemas": dict(sorted(schemas.named.items())),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A user's API token (`kup-console user token NAME`, shown "
                    "once): `Authorization: Bearer <token>`. Needs no CSRF token.",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": app.config.get("SESSION_COOKIE_NAME", "session"),
                    "description": "A browser's session from the /login form.",
                },
                "csrf": {
                    "type": "apiKey",
                    "in": "header",
                    "name": CSRF_HEADER,
                    "description": "With a session, every POST, PUT, PATCH and DELETE carries "
                    "the value of the `_csrf_token` cookie in this header.",
                },
            },
        },
    }
