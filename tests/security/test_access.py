"""Authentication on every route and authorization by role and region on every read and write,
on the console built with its real pages:

* every route of the Flask URL map (pages, Dash endpoints, API) answers 401 or a redirect to
  /login without a session, except a fixed list of public ones (the test fails if a route is
  added to either side without review); a forged or tampered session cookie is no login;
* every server-side Dash callback of the app's callback map, posted by a user of Osh with
  inputs pointing at Bishkek (region, district, drill-down path, case number, selected rows,
  flag buttons, exports), answers nothing of Bishkek and changes nothing there; the same
  sweep by a country-wide user sees all of it (so the sweep can see a leak);
* API filters, case detail and flag writes of another region; Socket.IO rooms that a client
  cannot choose.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from components import ids
from console.web.app import WebApp
from console.web.push import COUNTRY_ROOM
from data import streams
from data.models import AuditEntry, Flag
from tests.security.conftest import Cases
from tests.support import events as ev
from tests.support.processes import wait_until
from tests.support.web import callback, csrf_header, login

# Endpoints anyone may reach: the login form and language choice, the health word, and the
# static files of the login page and Dash's renderer. None of them carries case data.
PUBLIC = {
    "static",
    "_dash_assets.static",
    "auth.login",
    "auth.set_language",
    "obs.healthz",
    "receipt.receipt",  # the complainant's receipt page: its number and code, not a login
    "/_favicon.ico",
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>",
}
SAMPLE_ARGS = {
    "reg_no": "KUP-41711000000000-2026-000001",
    "flag_id": "1",
    "alert_id": "1",
    "sub_id": "1",
    "path": "overdue",
    "_rest": "anything",
    "code": "en",
    "filename": "kup.css",
    "package_name": "dash",
    "fingerprinted_path": "dash-renderer/build/dash_renderer.v4_4_1m1.min.js",
}
ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def routes(web: WebApp) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of every rule of the URL map, arguments filled in."""
    found = []
    for rule in web.server.url_map.iter_rules():
        url = ARG.sub(lambda m: SAMPLE_ARGS[m.group(1)], rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def _asks_for_login(response) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code == 401:
        return response.get_json() == {"error": "login required"}
    return response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


# --- authentication ------------------------------------------------------------------------


def test_every_route_requires_login_except_the_public_ones(console: WebApp, cases: Cases) -> None:
    anonymous = console.server.test_client()
    answered, asked = set(), set()
    for endpoint, method, url in routes(console):
        with anonymous.open(url, method=method, json={} if method != "GET" else None) as response:
            if _asks_for_login(response):
                asked.add(endpoint)
            else:
                answered.add(endpoint)
                body = response.get_data()  # (binary for the favicon)
                assert cases.marker.encode() not in body and cases.bishkek.encode() not in body
    assert answered == PUBLIC
    # The pages, Dash's data endpoints and the API are all behind the login.
    assert {
        "/",
        "/<path:path>",
        "/_dash-layout",
        "/_dash-dependencies",
        "/_dash-update-component",
        "/_reload-hash",
        "auth.logout",
        "api.workload",
        "api.cases",
        "api.case",
        "api.add_flag",
        "api.clear_flag",
        "api.unknown",
        "api.openapi",
        "obs.health_detail",
        "obs.metrics",
    } <= asked
    assert len(routes(console)) >= 20


def _forged_cookie(console: WebApp, user_id: int) -> str:
    """A session cookie for `user_id` signed with another secret key."""
    other = Flask("forger")
    other.secret_key = "not-the-console-secret-key-0123456789"
    serializer = other.session_interface.get_signing_serializer(other)  # type: ignore[attr-defined]
    return serializer.dumps({"_user_id": str(user_id), "_fresh": True})


@pytest.mark.parametrize("forgery", ["other-key", "tampered"])
def test_a_forged_or_tampered_session_cookie_is_no_login(
    console: WebApp, client_for, forgery: str
) -> None:
    genuine = client_for("admin").get_cookie("kup_session")
    assert genuine is not None
    if forgery == "other-key":
        value = _forged_cookie(console, 1)
    else:  # one character of the signature changed
        value = genuine.value[:-3] + ("A" if genuine.value[-3] != "A" else "B") + genuine.value[-2:]
    client = console.server.test_client()
    client.set_cookie("kup_session", value)
    assert _asks_for_login(client.get("/"))
    assert _asks_for_login(client.get("/api/v1/cases"))
    assert _asks_for_login(client.get("/_dash-layout"))
    socket = console.socketio.test_client(console.server, flask_test_client=client)
    assert not socket.is_connected()


# --- authorization: every callback, as a user of another region ------------------------------


def _sweep_values(cases: Cases, variant: str) -> dict[str, object]:
    """Inputs of every page pointing at Bishkek, as a user could forge them."""
    week_ago = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    search = f"?region=KG-GB&district={ev.BISHKEK}"
    if variant == "drill":
        search += f"&unit={cases.unit}&officer={cases.officer}"
    unit = cases.unit if variant == "drill" else None
    selected = [{"reg_no": cases.bishkek}]
    return {
        f"{ids.URL}.pathname": f"/cases/{cases.bishkek}",
        f"{ids.URL}.search": search,
        f"{ids.LANG}.data": "en",
        f"{ids.THEME}.data": "light",
        f"{ids.RESYNC}.data": 1,
        f"{ids.LIVE_REGION}.value": "KG-GB",
        f"{ids.LIVE_DISTRICT}.value": ev.BISHKEK,
        f"{ids.LIVE_OPENED}.data": week_ago,
        f"{ids.LIVE_MEASURE}.value": "open",
        f"{ids.LIVE_MAP_TICK}.n_intervals": 1,
        f"{ids.OVERDUE_REGION}.value": "KG-GB",
        f"{ids.OVERDUE_DISTRICT}.value": ev.BISHKEK,
        f"{ids.OVERDUE_UNIT}.value": unit,
        f"{ids.OVERDUE_TICK}.n_intervals": 1,
        f"{ids.SOCKET}.data-overdue": {"reg_nos": [cases.bishkek], "count": 1},
        f"{ids.OVERDUE_NEWLY}.data": {"newly": [cases.bishkek], "due_soon": []},
        f"{ids.OVERDUE_TABS}.active_tab": "overdue",
        f"{ids.OVERDUE_GRID}.selectedRows": selected,
        f"{ids.DUE_SOON_GRID}.selectedRows": [],
        f"{ids.FLAG_BUTTON}.n_clicks": 1,
        f"{ids.FLAG_COMMENT}.value": "forged flag",
        f"{ids.FLAG_VERSION}.data": 0,
        f"{ids.OVERDUE_EXPORT}.n_clicks": 1,
        f"{ids.WORKLOAD_TICK}.n_intervals": 1,
        f"{ids.WORKLOAD_EXPORT}.n_clicks": 1,
        f"{ids.WORKLOAD_GRID}.rowData": [{"key": ev.BISHKEK}],
        f"{ids.WORKLOAD_GRID}.cellClicked": {"rowId": ev.BISHKEK, "colId": "name"},
        f"{ids.CASE_REG_NO}.data": cases.bishkek,
        f"{ids.CASE_FLAG_VERSION}.data": 0,
        f"{ids.CASE_FLAG_BUTTON}.n_clicks": 1,
        f"{ids.CASE_FLAG_COMMENT}.value": "forged flag",
        f"{ids.SOCKET}.data-flags": {"reg_no": cases.bishkek, "flagged": True},
    }


def _sweep(console: WebApp, client, cases: Cases, variant: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every server-side callback with the Bishkek inputs: its answer, by callback."""
    values = _sweep_values(cases, variant)
    answers = {}
    for key, spec in console.dash_app.callback_map.items():
        if spec.get("callback") is None:  # clientside: runs in the browser only
            continue
        response = callback(console, client, key, values)
        assert response.status_code in (200, 204), (key, response.get_data(as_text=True))
        answers[key] = response.get_data(as_text=True)
    assert len(answers) >= 15
    return answers


@pytest.mark.parametrize("username", ["prosecutor-osh", "manager-osh"])
@pytest.mark.parametrize("variant", ["area", "drill"])
def test_no_callback_shows_or_changes_another_regions_cases(
    console: WebApp, client_for, cases: Cases, username: str, variant: str
) -> None:
    client = client_for(username)
    answers = _sweep(console, client, cases, variant)
    # (The drill-down breadcrumb repeats the unit and officer named in the forged path.)
    leaks = cases.leaks if variant == "area" else (cases.marker, cases.bishkek_hidden)
    for key, body in answers.items():
        for leak in leaks:
            assert leak not in body, f"{key} showed {leak!r} to {username}"
    with console.state.sessions() as s:
        assert list(s.scalars(select(Flag))) == []  # no flag set on the other region's case
        viewed = list(s.scalars(select(AuditEntry.target).where(AuditEntry.action == "case_view")))
        assert cases.bishkek not in viewed
    # The direct URL of the other region's case: the page shell, nothing of the case.
    page = client.get(f"/cases/{cases.bishkek}").get_data(as_text=True)
    layout = client.get("/_dash-layout").get_data(as_text=True)
    for leak in cases.leaks:
        assert leak not in page and leak not in layout


def test_the_sweep_sees_everything_as_a_country_wide_user(
    console: WebApp, client_for, cases: Cases
) -> None:
    """The control of the test above: with the same inputs a user without a region is shown
    every marker (feed, grids, drill-down, exports, case page) and sets the flags."""
    client = client_for("prosecutor")
    shown = "\n".join(_sweep(console, client, cases, "area").values()) + "\n".join(
        _sweep(console, client, cases, "drill").values()
    )
    for leak in cases.leaks:
        assert leak in shown
    with console.state.sessions() as s:
        assert {f.reg_no for f in s.scalars(select(Flag))} == {cases.bishkek}


# --- authorization: the API -------------------------------------------------------------------

API_QUERIES = (
    "",
    "region=KG-GB",
    f"district={ev.BISHKEK}",
    "region=KG-GB&status=overdue",
    "status=overdue",
    "flagged=true",
    "region=KG-GB&region=KG-GO",
    "limit=1000",
    "category=theft&kind=crime",
    f"region=KG-GO&district={ev.BISHKEK}",
)


def test_api_filters_never_return_another_regions_rows(
    console: WebApp, client_for, cases: Cases
) -> None:
    country = client_for("prosecutor")
    assert (
        country.post(
            f"/api/v1/cases/{cases.bishkek}/flags",
            json={"comment": "seen"},
            headers=csrf_header(country),
        ).status_code
        == 201
    )
    osh = client_for("manager-osh")
    for query in API_QUERIES:
        for path in ("/api/v1/cases", "/api/v1/workload"):
            response = osh.get(f"{path}?{query}")
            assert response.status_code in (200, 400), response.get_data(as_text=True)
            body = response.get_data(as_text=True)
            for leak in (*cases.leaks, cases.bishkek, "KG-GB"):
                assert leak not in body, (path, query)
    # The control: the same filters show the Bishkek case to a country-wide user.
    assert cases.bishkek in country.get("/api/v1/cases?region=KG-GB").get_data(as_text=True)
    assert cases.bishkek in country.get("/api/v1/cases?flagged=true").get_data(as_text=True)


def test_api_reads_and_writes_of_another_regions_case_are_not_found(
    console: WebApp, client_for, cases: Cases
) -> None:
    country = client_for("prosecutor")
    header = csrf_header(country)
    flag = country.post(
        f"/api/v1/cases/{cases.bishkek}/flags", json={"comment": "x"}, headers=header
    ).get_json()
    osh = client_for("prosecutor-osh")
    osh_header = csrf_header(osh)
    detail = osh.get(f"/api/v1/cases/{cases.bishkek}")
    add = osh.post(
        f"/api/v1/cases/{cases.bishkek}/flags", json={"comment": "y"}, headers=osh_header
    )
    clear = osh.delete(
        f"/api/v1/cases/{cases.bishkek}/flags/{flag['id']}",
        json={"comment": "y"},
        headers=osh_header,
    )
    missing = osh.get("/api/v1/cases/KUP-41711000000000-2026-999999")
    assert detail.status_code == add.status_code == clear.status_code == 404
    assert detail.get_json().keys() == missing.get_json().keys() == {"error"}
    with console.state.sessions() as s:
        flags = list(s.scalars(select(Flag)))
    assert [(f.created_by, f.cleared_at) for f in flags] == [("prosecutor", None)]


# --- Socket.IO rooms -------------------------------------------------------------------------


def test_a_socket_cannot_choose_its_room(console: WebApp, client_for, cases: Cases) -> None:
    def socket(username: str):  # type: ignore[no-untyped-def]
        return console.socketio.test_client(console.server, flask_test_client=client_for(username))

    osh, country = socket("manager-osh"), socket("duty")
    assert osh.is_connected() and country.is_connected()
    for event in ("join", "join_room", "subscribe", "enter_room", "room"):
        for room in (COUNTRY_ROOM, "region:KG-GB"):
            osh.emit(event, {"room": room})
            osh.emit(event, room)
    assert osh.is_connected()
    osh.get_received()
    country.get_received()
    # A Bishkek registration pushed, and a flag set on a Bishkek case.
    pusher = console.state.pusher
    pusher.coalescer.add(
        {
            "at": datetime.now(UTC).isoformat(),
            "registered_count": 1,
            "changed": 1,
            "changed_regions": {"KG-GB": 1},
            "regions": ["KG-GB"],
            "registered": [
                {"reg_no": cases.bishkek_hidden, "region": "KG-GB", "summary": cases.marker}
            ],
        }
    )
    pusher.flush()
    pusher.start()  # the leader forwards the flag service's announcements to the case's rooms
    listening = streams.connect(console.state.redis_url)
    wait_until(lambda: listening.pubsub_numsub(pusher.flags_channel)[0][1], "the leader listening")
    listening.close()
    prosecutor = client_for("prosecutor")
    assert (
        prosecutor.post(
            f"/api/v1/cases/{cases.bishkek}/flags",
            json={"comment": "x"},
            headers=csrf_header(prosecutor),
        ).status_code
        == 201
    )
    heard_country = ""

    def flag_heard() -> bool:
        nonlocal heard_country
        heard_country += str(country.get_received())
        return cases.bishkek in heard_country

    wait_until(flag_heard, "the flag pushed to the country room")
    heard_osh = str(osh.get_received())
    assert cases.bishkek_hidden in heard_country and cases.bishkek in heard_country
    for leak in (cases.bishkek_hidden, cases.bishkek, cases.marker):
        assert leak not in heard_osh


def test_the_login_gate_answers_before_dash_for_every_page_path(console: WebApp) -> None:
    """The catch-all page route, whatever the path (encoded, dotted, long), asks for login."""
    anonymous = console.server.test_client()
    for path in (
        "/cases/%2e%2e/api/v1/cases",
        "/cases/" + "A" * 3000,
        "/./overdue",
        "/workload?region=KG-GB",
        "/%00",
        "/_dash-layout/../api/v1/cases",
    ):
        assert _asks_for_login(anonymous.get(path)), path


def test_login_is_the_only_thing_an_anonymous_socket_gets(console: WebApp) -> None:
    socket = console.socketio.test_client(console.server)
    assert not socket.is_connected()
    assert login(console.server.test_client(), "nobody", "wrong").status_code == 401


def test_unknown_static_files_are_404_not_500(settings, engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    from console.runtime import Services
    from console.web.app import create_app

    served = create_app(
        Services(settings.with_overrides(secret_key="s" * 32, stream="kup:sec:404"), engine=engine),
        message_queue=False,
    )  # not testing: errors answered, not raised
    anonymous = served.server.test_client()
    for path in (
        "/_dash-component-suites/dash/no-such-file.js",
        "/_dash-component-suites/no_such_package/x.js",
        "/assets/no-such-file.css",
        "/static/no-such-file.css",
    ):
        assert anonymous.get(path).status_code == 404, path
