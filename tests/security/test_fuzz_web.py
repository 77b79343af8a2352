"""Property-based tests (hypothesis) of what the web console accepts from outside, on SQLite and
on PostgreSQL: any query string of the API (unicode, huge, repeated, undecodable bytes), any
body of a flag request (any JSON, nested, huge strings, NUL characters, not JSON at all), any
username and password on the login form, and any values in the inputs of the console's real
Dash callbacks. The answer is a valid one or a clear 4xx error (JSON for the API); never a
500, never an exception, and the console keeps working afterwards."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from components import ids
from console.web.api import CASE_PARAMS
from console.web.app import WebApp
from data import users
from data.models import Flag, FlagComment
from tests.security.conftest import Cases
from tests.support.stores import store_url
from tests.support.web import callback, csrf_header

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text of any kind (NUL and other controls, any plane; lone surrogates cannot be sent).
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
huge_text = st.builds(
    lambda c, n: c * n, st.characters(blacklist_categories=("Cs",)), st.integers(1_000, 200_000)
)
some_text = st.one_of(
    any_text,
    huge_text,
    st.sampled_from(
        [
            "",
            " ",
            "KG-GB",
            "41711000000000",
            "theft",
            "crime",
            "overdue",
            "true",
            "-1",
            "1e9",
            "0" * 20,
            "%00",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "../../etc/passwd",
            "\x00",
            "admin\x00",
            "KG-GB\x00",
            "\ud7ff\U0010ffff",
        ]
    ),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | some_text,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(any_text, children, max_size=5)
    ),
    max_leaves=20,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    return store_url(request, tmp_path)


@pytest.fixture
def bearer(console: WebApp) -> Callable[[str], dict[str, str]]:
    def make(username: str) -> dict[str, str]:
        with console.state.writer.begin() as s:
            return {"Authorization": f"Bearer {users.issue_token(s, username)}"}

    return make


def _clear_json_answer(response) -> object:  # type: ignore[no-untyped-def]
    """The body of an API answer that is valid or a clear client error, never a 500."""
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.is_json, response.get_data(as_text=True)[:200]
    body = response.get_json()
    if response.status_code >= 400:
        assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]
    return body


# --- the API: query strings ------------------------------------------------------------------

query_pairs = st.lists(
    st.tuples(st.one_of(st.sampled_from([*CASE_PARAMS, "junk"]), any_text), some_text), max_size=6
)


@FUZZ
@given(pairs=query_pairs, reg_no=some_text)
def test_any_api_query_gets_a_clear_answer(
    console: WebApp,
    cases: Cases,
    bearer,  # type: ignore[no-untyped-def]
    pairs,
    reg_no,
) -> None:
    client, headers = console.server.test_client(), bearer("manager-osh")
    query = urlencode(pairs)
    for path in ("/api/v1/cases", "/api/v1/workload", f"/api/v1/cases/{quote(reg_no, safe='')}"):
        body = _clear_json_answer(client.get(f"{path}?{query}", headers=headers))
        assert cases.marker not in json.dumps(body)  # and never another region's case
    assert client.get("/api/v1/cases", headers=headers).status_code == 200  # still working


@FUZZ
@given(raw=st.lists(st.tuples(st.binary(max_size=30), st.binary(max_size=300)), max_size=5))
def test_undecodable_query_bytes_get_a_clear_answer(
    console: WebApp,
    cases: Cases,
    bearer,  # type: ignore[no-untyped-def]
    raw,
) -> None:
    query = "&".join(f"{quote_from_bytes(k)}={quote_from_bytes(v)}" for k, v in raw)
    headers = bearer("duty")
    for path in ("/api/v1/cases", "/api/v1/workload"):
        _clear_json_answer(console.server.test_client().get(f"{path}?{query}", headers=headers))


# --- the API: flag bodies --------------------------------------------------------------------


def _stored(session: Session) -> tuple[int, str | None, str | None]:
    """How many flag comments are stored (opening and added), the newest flag's comment and
    the newest comment added to a flag."""
    count = session.scalar(select(func.count()).select_from(Flag))
    count += session.scalar(select(func.count()).select_from(FlagComment))
    newest = session.scalar(select(Flag.comment).order_by(Flag.id.desc()).limit(1))
    added = session.scalar(select(FlagComment.comment).order_by(FlagComment.id.desc()).limit(1))
    return count, newest, added


flag_bodies = st.one_of(
    json_values.map(lambda v: ("json", v)),
    st.dictionaries(st.just("comment"), st.one_of(some_text, json_values), min_size=1).map(
        lambda v: ("json", v)
    ),
    st.binary(max_size=2000).map(lambda v: ("raw", v)),
    some_text.map(lambda v: ("text", v)),
)


@FUZZ
@given(body=flag_bodies)
def test_any_flag_body_is_stored_as_sent_or_refused_clearly(
    console: WebApp,
    cases: Cases,  # type: ignore[no-untyped-def]
    bearer,
    body,
) -> None:
    kind, value = body
    headers = bearer("prosecutor")
    with console.state.sessions() as s:
        before, *_ = _stored(s)
    url = f"/api/v1/cases/{cases.osh}/flags"
    client = console.server.test_client()
    if kind == "json":
        response = client.post(url, json=value, headers=headers)
    elif kind == "raw":
        response = client.post(url, data=value, content_type="application/json", headers=headers)
    else:
        response = client.post(
            url, data=value.encode("utf-8"), content_type="text/plain", headers=headers
        )
    answer = _clear_json_answer(response)
    # 201 the case's flag, 200 a comment on it (the case keeps one active flag)
    assert response.status_code in (201, 200, 400, 413), response.status_code
    with console.state.sessions() as s:
        after, newest, added = _stored(s)
    if response.status_code in (200, 201):  # stored exactly as sent (trimmed), once
        created = response.status_code == 201
        note = answer["history"][-1]
        assert after == before + 1 and note["comment"] == value["comment"].strip()
        assert note["comment"] == (newest if created else added)
        assert note["kind"] == ("flag" if created else "comment")
    else:
        assert after == before
    cleared = client.delete(f"{url}/{quote(str(value)[:50], safe='')}", headers=headers)
    assert cleared.status_code in (400, 404, 405) and cleared.is_json


# --- the login form --------------------------------------------------------------------------


@FUZZ
@given(
    username=some_text,
    password=some_text,
    token=st.sampled_from(["valid", "none", "junk"]),
    extra=st.dictionaries(any_text, any_text, max_size=3),
)
@example(username="duty\x00", password="x", token="valid", extra={})
@example(username="d" * 100_000, password="\x00" * 5000, token="valid", extra={})
def test_any_login_attempt_gets_the_form_back_not_an_error(
    console: WebApp,
    username: str,  # type: ignore[no-untyped-def]
    password: str,
    token: str,
    extra,
) -> None:
    client = console.server.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    data = {**extra, "username": username, "password": password}
    if token != "none":
        data["csrf_token"] = csrf if token == "valid" else "junk"
    response = client.post("/login", data=data)
    assert response.status_code in (400, 401, 413, 429), response.status_code
    if response.status_code != 413:
        assert 'id="login-error"' in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in
    assert client.get("/login").status_code == 200  # still answering


# --- Dash callbacks --------------------------------------------------------------------------


@pytest.fixture
def osh_client(client_for):  # type: ignore[no-untyped-def]
    """A regional prosecutor's session (one per test; hypothesis's examples share it)."""
    return client_for("prosecutor-osh")


def _server_callbacks(console: WebApp) -> list[str]:
    return sorted(
        k for k, spec in console.dash_app.callback_map.items() if spec.get("callback") is not None
    )


def _input_keys(console: WebApp, callback_key: str | None = None) -> list[str]:
    """ "id.property" of the inputs and states of every callback (or of one)."""
    keys = set()
    for key, spec in console.dash_app.callback_map.items():
        if callback_key not in (None, key):
            continue
        for item in [*spec["inputs"], *spec.get("state", [])]:
            if isinstance(item["id"], str):
                keys.add(f"{item['id']}.{item['property']}")
    return sorted(keys)


def _clear_callback_answer(response, cases: Cases, caplog) -> None:  # type: ignore[no-untyped-def]
    """An answer (200, or 204 for no update) or a clear refusal: 400 with a JSON error naming
    the expected form; nothing logged at ERROR, no traceback, no other region's case."""
    body = response.get_data(as_text=True)
    assert response.status_code in (200, 204, 400), (response.status_code, body[:300])
    if response.status_code == 400:
        error = response.get_json()["error"]
        assert error.startswith("invalid input to callback ") and ": expected " in error
    assert not any(leak in body for leak in cases.leaks)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


# What the page itself sends as an input: text (a store, dropdown, URL part), nothing, or the
# objects and lists the grids, map and pushes carry; and anything else a forger might.
callback_values = st.one_of(st.none(), some_text, json_values)


@FUZZ
@given(data=st.data())
def test_any_callback_input_gets_an_answer_not_an_error(
    console: WebApp,
    cases: Cases,  # type: ignore[no-untyped-def]
    osh_client,
    caplog,
    data,
) -> None:
    client = osh_client
    caplog.clear()
    key = data.draw(st.sampled_from(_server_callbacks(console)), label="callback")
    values = data.draw(
        st.fixed_dictionaries({}, optional={k: callback_values for k in _input_keys(console)}),
        label="values",
    )
    try:
        response = callback(console, client, key, values)
    except Exception as exc:
        pytest.fail(f"{key} raised {type(exc).__name__}: {exc}"[:2000])
    event(f"answer {response.status_code}")  # (see --hypothesis-show-statistics)
    _clear_callback_answer(response, cases, caplog)
    with console.state.sessions() as s:  # nothing written outside the user's region
        assert not s.scalar(select(func.count()).select_from(Flag).where(Flag.reg_no != cases.osh))
    feed = next(k for k in _server_callbacks(console) if f"{ids.LIVE_FEED}." in k)
    still = callback(console, client, feed, {f"{ids.LANG}.data": "en"})  # still working
    assert still.status_code == 200 and cases.osh in still.get_data(as_text=True)


def _valid_parts(console: WebApp, key: str) -> dict[str, object]:
    """The parts of a well-formed request for callback `key`, every value null."""
    spec = console.dash_app.callback_map[key]
    named = {
        part: [
            {"id": i["id"], "property": i["property"], "value": None} for i in spec.get(part, [])
        ]
        for part in ("inputs", "state")
    }
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1))) for o in key.strip(".").split("...")]
    first = spec["inputs"][0]
    return {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        **named,
        "changedPropIds": [f"{first['id']}.{first['property']}"],
    }


@FUZZ
@given(data=st.data())
def test_any_callback_request_gets_an_answer_not_an_error(
    console: WebApp,
    cases: Cases,  # type: ignore[no-untyped-def]
    osh_client,
    caplog,
    data,
) -> None:
    """The envelope around the values (which callback, its inputs, states, outputs, what
    changed), each part well formed or anything at all: an answer or a clear 400."""
    caplog.clear()
    key = data.draw(st.sampled_from(_server_callbacks(console)), label="callback")
    body = {
        part: data.draw(st.one_of(st.just(valid), json_values), label=part)
        for part, valid in _valid_parts(console, key).items()
    }
    raw = data.draw(st.one_of(st.just(json.dumps(body)), json_values.map(json.dumps)), label="body")
    try:
        response = osh_client.post(
            "/_dash-update-component",
            data=raw,
            content_type="application/json",
            headers=csrf_header(osh_client),
        )
    except Exception as exc:
        pytest.fail(f"{key} raised {type(exc).__name__}: {exc}"[:2000])
    event(f"answer {response.status_code}")
    answer = response.get_data(as_text=True)
    assert response.status_code in (200, 204, 400), (response.status_code, answer[:300])
    if response.status_code == 400:
        assert response.get_json()["error"].startswith(
            ("not a callback request: ", "invalid input to callback ")
        )
    assert not any(leak in answer for leak in cases.leaks)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


# Envelopes Dash itself once answered with a 500 (KeyError, AttributeError, JSONDecodeError).
BAD_ENVELOPES = {
    "a list": lambda parts: [],
    "null": lambda parts: None,
    "an empty object": lambda parts: {},
    "an unknown callback": lambda parts: {**parts, "output": "nope.children"},
    "a number as callback": lambda parts: {**parts, "output": 5},
    "no inputs": lambda parts: {k: v for k, v in parts.items() if k != "inputs"},
    "an input too many": lambda parts: {**parts, "inputs": [*parts["inputs"], parts["inputs"][0]]},
    "an input not an object": lambda parts: {**parts, "inputs": ["x", *parts["inputs"][1:]]},
    "state as an object": lambda parts: {**parts, "state": {}},
    "no outputs": lambda parts: {**parts, "outputs": []},
    "a changed prop not an input": lambda parts: {**parts, "changedPropIds": ["{bad.n_clicks"]},
    "changed props as text": lambda parts: {**parts, "changedPropIds": "page.children"},
}


@pytest.mark.parametrize("what", sorted(BAD_ENVELOPES))
def test_each_forged_envelope_is_refused_clearly(
    console: WebApp,
    osh_client,
    caplog,  # type: ignore[no-untyped-def]
    what: str,
) -> None:
    key = next(k for k in _server_callbacks(console) if k.startswith(f"..{ids.CASE_FLAG_RESULT}"))
    parts = _valid_parts(console, key)

    def post(body: object):  # type: ignore[no-untyped-def]
        return osh_client.post(
            "/_dash-update-component",
            data=json.dumps(body),
            content_type="application/json",
            headers=csrf_header(osh_client),
        )

    refused = post(BAD_ENVELOPES[what](parts))
    assert refused.status_code == 400, refused.get_data(as_text=True)[:300]
    assert refused.get_json()["error"].startswith("not a callback request: ")
    assert [r.levelno for r in caplog.records if "refused" in r.getMessage()] == [logging.WARNING]
    assert post(parts).status_code == 204  # the well-formed request: no click, no update


# Each place that once answered 500 (issue #5), with the answer it gets now: a value of a JSON
# type the page never sends is refused (400); one the page can send degrades (200 or 204).
KNOWN_BAD = [
    (ids.PAGE, {f"{ids.LANG}.data": []}, 400),
    (ids.PAGE, {f"{ids.LANG}.data": {}}, 400),
    (ids.PAGE, {f"{ids.LANG}.data": "xx", f"{ids.URL}.pathname": "/nope"}, 200),
    (ids.PAGE, {f"{ids.URL}.pathname": ["/"]}, 400),
    (ids.PAGE, {f"{ids.URL}.pathname": "/cases/%00"}, 200),
    (ids.WORKLOAD_CHART, {f"{ids.URL}.search": {"region": "KG-GO"}}, 400),
    (ids.WORKLOAD_CHART, {f"{ids.URL}.search": "?region=KG-GO%00&unit=%00"}, 200),
    (ids.WORKLOAD_CHART, {f"{ids.URL}.search": "?district=%00"}, 200),
    (ids.FLAG_SELECTED, {f"{ids.OVERDUE_GRID}.selectedRows": "KUP-1"}, 400),
    (ids.FLAG_SELECTED, {f"{ids.OVERDUE_GRID}.selectedRows": [[1]]}, 400),
    (ids.FLAG_SELECTED, {f"{ids.OVERDUE_GRID}.selectedRows": [{"reg_no": "\x00"}]}, 200),
    (ids.LIVE_FEED, {f"{ids.LIVE_OPENED}.data": "not an instant"}, 200),
    (ids.LIVE_FEED, {f"{ids.LIVE_OPENED}.data": "0001-01-01T00:00:00+14:00"}, 200),
    (ids.LIVE_FEED, {f"{ids.LIVE_OPENED}.data": 17}, 400),
    (ids.LIVE_FEED, {f"{ids.LIVE_NEW}.data": []}, 400),
    (
        ids.LIVE_FEED,
        {f"{ids.LIVE_NEW}.data": {"key": "[null, null, null, null]", "count": "many"}},
        400,
    ),
    (
        ids.LIVE_FEED,
        {f"{ids.LIVE_REGION}.value": "KG-GO\x00", f"{ids.LIVE_CATEGORY}.value": "\x00"},
        200,
    ),
    (ids.LIVE_MAP, {f"{ids.LIVE_KIND}.value": "crime\x00", f"{ids.LIVE_MEASURE}.value": "x"}, 200),
    (ids.OVERDUE_COUNT, {f"{ids.OVERDUE_NEWLY}.data": {"newly": "KUP-1", "due_soon": []}}, 400),
    (ids.OVERDUE_COUNT, {f"{ids.OVERDUE_NEWLY}.data": {"newly": [], "due_soon": [{}]}}, 400),
    (
        ids.OVERDUE_COUNT,
        {
            f"{ids.OVERDUE_REGION}.value": "KG-GO\x00",
            f"{ids.OVERDUE_DISTRICT}.value": "\x00",
            f"{ids.OVERDUE_UNIT}.value": "\x00",
        },
        200,
    ),
    (f"{ids.URL}.pathname@", {f"{ids.LIVE_MAP}.clickData": []}, 400),
    (
        f"{ids.URL}.pathname@",
        {f"{ids.LIVE_MAP}.clickData": {"points": [{"curveNumber": "0", "location": "x"}]}},
        400,
    ),
    (f"{ids.URL}.pathname@", {f"{ids.OVERDUE_GRID}.cellClicked": "reg_no"}, 400),
    (f"{ids.URL}.pathname@", {f"{ids.WORKLOAD_CASES}.cellClicked": 5}, 400),
    (f"{ids.URL}.search@", {f"{ids.WORKLOAD_GRID}.cellClicked": {"rowId": ["x"]}}, 400),
    (ids.CASE_BODY, {f"{ids.CASE_REG_NO}.data": ["KUP-1"]}, 400),
    (ids.CASE_BODY, {f"{ids.CASE_REG_NO}.data": "KUP\x00"}, 200),
]


@pytest.mark.parametrize(
    ("output", "values", "status"),
    KNOWN_BAD,
    ids=[f"{o}-{i}" for i, (o, _, _) in enumerate(KNOWN_BAD)],
)
def test_each_known_bad_input_gets_its_answer(
    console: WebApp,
    cases: Cases,
    osh_client,  # type: ignore[no-untyped-def]
    caplog,
    output: str,
    values: dict,
    status: int,
) -> None:
    """The served console answers each input that once raised as the policy in
    callbacks/inputs.py says, on SQLite and PostgreSQL."""
    keys = [
        k
        for k in _server_callbacks(console)
        if any(
            part.startswith(output if "@" in output else f"{output}.")
            for part in k.strip(".").split("...")
        )
        and set(values) <= set(_input_keys(console, k))
    ]
    assert keys, output
    for key in keys:
        response = callback(console, osh_client, key, values)
        _clear_callback_answer(response, cases, caplog)
        assert response.status_code in ((status,) if status == 400 else (200, 204)), (
            key,
            response.status_code,
            response.get_data(as_text=True)[:300],
        )


def test_a_refused_input_is_logged_without_its_value(
    console: WebApp,
    cases: Cases,  # type: ignore[no-untyped-def]
    osh_client,
    caplog,
) -> None:
    secret = "PERSONAL-7f3a"
    page = next(k for k in _server_callbacks(console) if k.startswith(f"{ids.PAGE}."))
    with caplog.at_level(logging.INFO):
        response = callback(console, osh_client, page, {f"{ids.LANG}.data": [secret]})
    assert response.status_code == 400 and response.is_json
    assert response.get_json() == {
        "error": "invalid input to callback page.children: expected text or null, got a list"
    }
    refused = [r for r in caplog.records if "callback input refused" in r.getMessage()]
    assert [r.levelno for r in refused] == [logging.WARNING] and refused[0].exc_info is None
    assert secret not in caplog.text
    assert callback(console, osh_client, page, {f"{ids.LANG}.data": "en"}).status_code == 200
