"""Property-based tests (hypothesis) of request bodies no client should send, on the real console
and store (SQLite and PostgreSQL): JSON nested thousands of levels deep and bodies over the size
limit, to every route that takes a body (Dash's callback route and the flag API among them),
logged in or not. The answer is a clear JSON error (400 or 413 where the body is read, 401 before
a login), never a 500; nothing is logged at ERROR, and the console still answers afterwards."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from components import ids
from console.web.app import MAX_REQUEST_BYTES, WebApp
from data import users
from data.models import Flag
from tests.security.conftest import Cases
from tests.support.stores import store_url
from tests.support.web import callback, csrf_header

BODIES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
DEEP = 2_000
# Where the nested value goes in an otherwise valid body: as a value, or as text in a string.
TEXT_HOLE = "\x00hole"
HOLE, STRING_HOLE = "<HOLE>", "<STRING-HOLE>"
SLOTS = ["body", "value", "input id", "prop id"]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    return store_url(request, tmp_path)


def nested(opener: str, depth: int) -> str:
    """`depth` levels of arrays or objects ("[" or '{"a":'), innermost a 1."""
    closer = "]" if opener == "[" else "}"
    return opener * depth + "1" + closer * depth


def _envelope(console: WebApp, key: str, slot: str) -> str:
    """A well-formed request for callback `key` with the HOLE in `slot`: its first input's value,
    or inside the text of its first input's id or of its changed prop id (where a pattern's id
    is JSON that Dash and the guard read)."""
    spec = console.dash_app.callback_map[key]
    parts = {
        part: [{"id": i["id"], "property": i["property"], "value": None} for i in spec[part]]
        for part in ("inputs", "state")
    }
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in key.strip(".").split("...")]
    first = spec["inputs"][0]
    changed = f"{first['id']}.{first['property']}"
    if slot == "value":
        parts["inputs"][0]["value"] = TEXT_HOLE
    elif slot == "input id":
        parts["inputs"][0]["id"] = TEXT_HOLE
    elif slot == "prop id":
        changed = f"{TEXT_HOLE}.{first['property']}"
    body = json.dumps(
        {
            "output": key,
            "outputs": outputs if key.startswith("..") else outputs[0],
            **parts,
            "changedPropIds": [changed],
        }
    )
    if slot == "value":
        return body.replace(json.dumps(TEXT_HOLE), HOLE)
    return body.replace(json.dumps(TEXT_HOLE)[1:-1], STRING_HOLE)


def _server_callbacks(console: WebApp) -> list[str]:
    return sorted(k for k, s in console.dash_app.callback_map.items() if s.get("callback"))


# A body: nested JSON (the body itself, or in a slot of a valid one: a flag's comment, a
# callback's input value, the JSON text of an id), or a valid body just over the size limit.
deep_bodies = st.tuples(
    st.just("nested"),
    st.sampled_from(["[", '{"a":']),
    st.integers(DEEP, 50_000),
    st.sampled_from(SLOTS),
)
huge_bodies = st.tuples(
    st.just("huge"),
    st.just(""),
    st.integers(MAX_REQUEST_BYTES + 1, MAX_REQUEST_BYTES + 5_000),
    st.sampled_from(SLOTS[:2]),
)


def _clear_error(response) -> str:  # type: ignore[no-untyped-def]
    """The error of a clear JSON refusal (4xx, {"error": "..."})."""
    text = response.get_data(as_text=True)[:300]
    assert 400 <= response.status_code < 500, (response.status_code, text)
    assert response.is_json, (response.status_code, text)
    error = response.get_json().get("error")
    assert isinstance(error, str) and error, text
    return error


@BODIES
@given(body=st.one_of(deep_bodies, huge_bodies), data=st.data())
@example(body=("nested", "[", DEEP, "body"), data=None)
@example(body=("nested", '{"a":', DEEP, "value"), data=None)
@example(body=("nested", '{"a":', DEEP, "prop id"), data=None)
@example(body=("nested", '{"a":', DEEP, "input id"), data=None)
@example(body=("huge", "", MAX_REQUEST_BYTES + 1, "value"), data=None)
def test_deep_or_huge_bodies_get_a_clear_400_or_413(  # type: ignore[no-untyped-def]
    console: WebApp, cases: Cases, client_for, caplog, body, data
) -> None:
    kind, opener, size, slot = body
    keys = _server_callbacks(console)
    key = data.draw(st.sampled_from(keys), label="callback") if data else keys[0]
    flag_url = f"/api/v1/cases/{cases.osh}/flags"
    session = client_for("prosecutor-osh")
    with console.state.writer.begin() as s:
        bearer = {"Authorization": f"Bearer {users.issue_token(s, 'prosecutor')}"}
    with console.state.sessions() as s:
        flags_before = s.scalar(select(func.count()).select_from(Flag))

    def raw(template: str) -> bytes:
        value = '"' + "x" * size + '"' if kind == "huge" else nested(opener, size)
        if slot == "body":
            return value.encode()  # (a huge body: over the limit, wrapped or not)
        return template.replace(HOLE, value).replace(STRING_HOLE, json.dumps(value)[1:-1]).encode()

    callback_body = raw(_envelope(console, key, slot))
    flag_body = raw('{"comment": ' + HOLE + "}")  # (a flag's comment holds the value itself)
    refused = {413} if kind == "huge" else {400}
    # A string id is only a name to Dash, and so is a changed prop id unless it starts with "{"
    # (a pattern's id, JSON): the callback may run (and find no such component) or be refused.
    a_name = slot == "input id" or (slot == "prop id" and opener == "[")
    named = refused | {200, 204} if a_name else refused
    caplog.clear()
    json_body = {"content_type": "application/json"}
    sent = [  # (what, response, the statuses it may have)
        (
            "callback",
            session.post(
                "/_dash-update-component",
                data=callback_body,
                headers=csrf_header(session),
                **json_body,
            ),
            named,
        ),
        (
            "session flag",
            session.post(flag_url, data=flag_body, headers=csrf_header(session), **json_body),
            refused,
        ),
        (
            "bearer flag",
            console.server.test_client().post(
                flag_url, data=flag_body, headers=bearer, **json_body
            ),
            refused,
        ),
    ]
    anonymous = console.server.test_client()  # asked to log in before the body is read
    for path in ("/_dash-update-component", flag_url, "/api/v1/anything", "/api/v1/cases"):
        for method in ("POST", "PUT"):
            response = anonymous.open(path, method=method, data=callback_body, **json_body)
            sent.append((f"anonymous {method} {path}", response, {401, 405}))
    for what, response, statuses in sent:
        assert response.status_code in statuses, (what, response.status_code)
        if response.status_code >= 400:
            _clear_error(response)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert all(len(r.getMessage()) < 1_000 for r in caplog.records)  # no body in the log
    # Nothing stored, and the console still answers.
    with console.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Flag)) == flags_before
    feed = next(k for k in keys if f"{ids.LIVE_FEED}." in k)
    still = callback(console, session, feed, {f"{ids.LANG}.data": "en"})
    assert still.status_code == 200 and cases.osh in still.get_data(as_text=True)
    listed = console.server.test_client().get("/api/v1/cases", headers=bearer)
    assert listed.status_code == 200 and cases.osh in listed.get_data(as_text=True)
