"""The OpenAPI document (console/web/openapi.py) is generated from the code that serves the API:
every API route is in it with its methods, its parameters are the ones the views parse requests
with, its bodies come from the dataclasses the views answer with; and the fixes the contract
run asked for (exact Allow, 405 for a known path, bounds as documented, no 500 for a huge id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

import pytest
from flask import Flask

from console.web import api
from console.web.openapi import (
    Inline,
    Integer,
    ParameterError,
    Reply,
    Text,
    WithProperties,
    document,
    openapi_path,
    operation,
    parse_query,
    schema_of,
)
from data import users
from tests.support import events as ev
from tests.support.stores import new_case


def _bearer(web, username: str = "duty") -> dict[str, str]:  # type: ignore[no-untyped-def]
    with web.state.writer.begin() as s:
        return {"Authorization": f"Bearer {users.issue_token(s, username)}"}


def _document(web) -> dict:  # type: ignore[no-untyped-def, type-arg]
    response = web.server.test_client().get("/api/v1/openapi.json", headers=_bearer(web))
    assert response.status_code == 200 and response.is_json
    return response.get_json()  # type: ignore[no-any-return]


def test_the_document_needs_a_login(web) -> None:  # type: ignore[no-untyped-def]
    response = web.server.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 401 and response.get_json() == {"error": "login required"}


def test_every_api_route_is_in_the_document_with_its_methods(web) -> None:  # type: ignore[no-untyped-def]
    documented = {
        (path, method.upper())
        for path, operations in _document(web)["paths"].items()
        for method in operations
    }
    served = {
        (openapi_path(rule.rule), method)
        for rule in web.server.url_map.iter_rules()
        if rule.endpoint.startswith(("api.", "obs.", "audit_api."))
        and rule.endpoint != api.CATCH_ALL
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert documented == served
    assert ("/api/v1/cases/{reg_no}/flags", "POST") in documented


def test_the_parameters_are_the_ones_the_views_parse_with(web) -> None:  # type: ignore[no-untyped-def]
    doc = _document(web)
    cases = doc["paths"]["/api/v1/cases"]["get"]
    assert [p["name"] for p in cases["parameters"]] == [*api.CASE_PARAMS, "as_of"]
    # Every read of the store looks back; changes and the monitoring of the process do not.
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            named = [p["name"] for p in op.get("parameters", [])]
            reads = method == "get" and path.startswith("/api/v1/") and "openapi" not in path
            assert ("as_of" in named) == (reads and op.get("security") != []), (path, method)
    by_name = {p["name"]: p["schema"] for p in cases["parameters"]}
    assert by_name["limit"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": api.MAX_LIMIT,
        "default": api.DEFAULT_LIMIT,
    }
    assert by_name["status"]["enum"] == ["open", "due_soon", "overdue", "decided", "all"]
    assert "KG-GB" in by_name["region"]["enum"] and ev.BISHKEK in by_name["district"]["enum"]
    body = doc["paths"]["/api/v1/cases/{reg_no}/flags"]["post"]["requestBody"]
    comment = body["content"]["application/json"]["schema"]["properties"]["comment"]
    assert comment["maxLength"] == 2000
    clear = doc["paths"]["/api/v1/cases/{reg_no}/flags/{flag_id}"]["delete"]
    assert clear["parameters"][1]["schema"]["maximum"] == api.MAX_FLAG_ID
    clear_body = clear["requestBody"]["content"]["application/json"]["schema"]
    assert clear["requestBody"]["required"] and clear_body["required"] == ["comment"]


def test_auth_and_errors_are_described(web) -> None:  # type: ignore[no-untyped-def]
    doc = _document(web)
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    assert schemes["session"]["name"] == "kup_session" and schemes["csrf"]["name"] == "X-CSRFToken"
    post = doc["paths"]["/api/v1/cases/{reg_no}/flags"]["post"]
    # 201 a new flag, 200 a comment added to the case's active flag
    assert {"400", "401", "403", "404", "413", "503", "201", "200"} == set(post["responses"])
    assert post["security"] == [{"bearer": []}, {"session": [], "csrf": []}]
    assert doc["paths"]["/healthz"]["get"]["security"] == []
    assert doc["components"]["schemas"]["Error"]["required"] == ["error"]
    case = doc["components"]["schemas"]["CaseDetail"]
    assert {"reg_no", "summary", "events", "flags"} <= set(case["required"])
    assert "case" not in case["properties"]  # merged, as CaseDetail.as_dict merges it


@dataclass(frozen=True)
class Part:
    """A part."""

    name: str


@dataclass(frozen=True)
class Whole:
    part: Part
    parts: list[Part]
    at: datetime | None
    kind: Literal["a", "b"]
    tags: dict[str, str]

    @property
    def size(self) -> int:
        return len(self.parts)


def test_schemas_come_from_the_dataclasses() -> None:
    schema, named = schema_of(Whole)
    assert schema == {"$ref": "#/components/schemas/Whole"}
    whole = named["Whole"]["properties"]
    assert whole["part"] == {"$ref": "#/components/schemas/Part"}
    assert whole["parts"] == {"type": "array", "items": {"$ref": "#/components/schemas/Part"}}
    assert whole["at"] == {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}
    assert whole["kind"] == {"enum": ["a", "b"]}
    assert whole["tags"] == {"type": "object", "additionalProperties": {"type": "string"}}
    assert named["Part"]["description"] == "A part."
    assert named["Part"]["additionalProperties"] is False
    _, named = schema_of(Annotated[Whole, WithProperties(("size",))])
    assert named["Whole"]["properties"]["size"] == {"type": "integer"}
    _, named = schema_of(Inline(Whole, "part"))
    assert "name" in named["Whole"]["properties"] and "part" not in named["Whole"]["properties"]


def test_a_rule_whose_arguments_are_not_the_declared_ones_is_refused() -> None:
    app = Flask("drift")

    @app.get("/things/<thing_id>")
    @operation(summary="A thing", ok=Reply(200, "It"))
    def thing(thing_id: str) -> str:
        return thing_id

    with pytest.raises(ValueError, match="path parameters"):
        document(app, {"title": "t", "version": "1"})


def test_parameters_parse_as_documented() -> None:
    offset = Integer(name="offset", description="", low=0, high=10**9)
    assert offset.parse(str(10**9)) == 10**9  # the documented maximum (was refused)
    assert offset.parse("0007") == 7
    for bad in ("-1", "1.0", "", "١", str(10**9 + 1), "9" * 5000):
        with pytest.raises(ParameterError):
            offset.parse(bad)
    comment = api.FLAG_BODY[0]
    assert comment.parse(" why? ") == " why? "
    # (white space in either regex dialect's sense, as the document's pattern says)
    for bad in ("   ", "\x1c\ufeff", "a\x00b", "x" * 2001, 5):
        with pytest.raises(ParameterError):
            comment.parse(bad)
    with pytest.raises(ParameterError, match="unknown parameter 'colour'"):
        parse_query({"colour": "red"}, api.CASE_QUERY)
    assert parse_query({}, api.CASE_QUERY)["limit"] == api.DEFAULT_LIMIT
    assert isinstance(api.REG_NO, Text) and api.REG_NO.parse("KUP-1-2026") == "KUP-1-2026"
    with pytest.raises(ParameterError):  # ($ is the end, as in JSON Schema, not Python's $)
        api.REG_NO.parse("KUP-1-2026\n")


def test_bounds_and_ids_answer_as_documented(web, engine) -> None:  # type: ignore[no-untyped-def]
    reg_no = new_case(engine, ev.BISHKEK)
    client = web.server.test_client()
    duty, admin = _bearer(web), _bearer(web, "admin")
    assert client.get(f"/api/v1/cases?offset={10**9}", headers=duty).status_code == 200
    assert client.get("/api/v1/cases?status=", headers=duty).status_code == 400
    huge = client.delete(f"/api/v1/cases/{reg_no}/flags/{10**20}", headers=admin)
    assert huge.status_code == 400 and "flag_id" in huge.get_json()["error"]
    assert client.delete(f"/api/v1/cases/{reg_no}/flags/0", headers=admin).status_code == 400


def test_a_known_path_with_another_method_is_405_with_allow(web) -> None:  # type: ignore[no-untyped-def]
    client, headers = web.server.test_client(), _bearer(web)
    response = client.put("/api/v1/workload", headers=headers)
    assert response.status_code == 405 and response.is_json
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    response = client.get("/api/v1/cases/KUP-1-2026-000001/flags", headers=headers)
    assert response.status_code == 405 and response.headers["Allow"] == "POST, OPTIONS"
    assert (
        client.open("/api/v1/cases", method="OPTIONS", headers=headers).headers["Allow"]
        == "GET, HEAD, OPTIONS"
    )
    assert client.get("/api/v1/nothing-here", headers=headers).status_code == 404
