"""The real pages on the real app (create_app with the console's layout and callbacks), driven
over HTTP as dash-renderer drives them: the layout is built for the logged-in user, callbacks
are scoped to the user's region, and a duty officer who forges a "Flag" callback is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from components import ids
from console.web.app import WebApp
from data import flags
from data.db import make_sessionmaker, writer_engine
from data.models import Flag
from rules.clock import DEFAULT_TZ
from tests.support import events as ev
from tests.support.stores import apply_events
from tests.support.users import viewer
from tests.support.web import call, csrf_from


@pytest.fixture
def two_cases(engine: Engine) -> dict[str, str]:
    now = datetime.now(UTC)
    bishkek, osh = ev.next_reg_no(ev.BISHKEK), ev.next_reg_no(ev.OSH_CITY)
    apply_events(
        engine,
        [
            ev.registered(bishkek, now - timedelta(days=5), summary="bishkek case"),
            ev.registered(
                osh, now - timedelta(minutes=5), district=ev.OSH_CITY, summary="osh case"
            ),
        ],
    )
    return {"bishkek": bishkek, "osh": osh}


def test_layout_is_built_for_the_logged_in_user(console: WebApp, client_for) -> None:  # type: ignore[no-untyped-def]
    raw = client_for("manager-osh").get("/_dash-layout").get_json()
    layout = json.dumps(raw, ensure_ascii=False)
    assert "manager-osh" in layout and "руководитель" in layout
    assert "руководитель · г. Ош" in layout  # the region by its name, not its code
    assert ids.SOCKET in layout and DEFAULT_TZ in layout


def test_feed_callback_scoped_over_http(console: WebApp, client_for, two_cases) -> None:  # type: ignore[no-untyped-def]
    inputs = [
        {"id": i, "property": "value", "value": None}
        for i in (ids.LIVE_REGION, ids.LIVE_DISTRICT, ids.LIVE_CATEGORY, ids.LIVE_KIND)
    ]
    inputs += [
        {"id": ids.SOCKET, "property": "data-changes", "value": None},
        {"id": ids.RESYNC, "property": "data", "value": 0},
    ]
    state = [
        {"id": ids.LIVE_OPENED, "property": "data", "value": None},
        {"id": ids.LIVE_NEW, "property": "data", "value": None},
        {"id": ids.LANG, "property": "data", "value": "ru"},
    ]
    osh = json.dumps(call(console, client_for("manager-osh"), ids.LIVE_FEED, inputs, state))
    everyone = json.dumps(call(console, client_for("duty"), ids.LIVE_FEED, inputs, state))
    assert two_cases["osh"] in osh and two_cases["bishkek"] not in osh
    assert two_cases["osh"] in everyone and two_cases["bishkek"] in everyone


def flag_request(reg_no: str) -> tuple[list[dict], list[dict]]:
    inputs = [{"id": ids.FLAG_BUTTON, "property": "n_clicks", "value": 1}]
    state = [
        {"id": ids.FLAG_COMMENT, "property": "value", "value": "forged"},
        {"id": ids.OVERDUE_TABS, "property": "active_tab", "value": "overdue"},
        {"id": ids.OVERDUE_GRID, "property": "selectedRows", "value": [{"reg_no": reg_no}]},
        {"id": ids.DUE_SOON_GRID, "property": "selectedRows", "value": []},
        {"id": ids.FLAG_VERSION, "property": "data", "value": 0},
        {"id": ids.LANG, "property": "data", "value": "en"},
    ]
    return inputs, state


def test_duty_officer_forging_the_flag_callback_is_refused(  # type: ignore[no-untyped-def]
    console: WebApp, client_for, two_cases, engine: Engine
) -> None:
    inputs, state = flag_request(two_cases["bishkek"])
    refused = json.dumps(call(console, client_for("duty"), ids.FLAG_RESULT, inputs, state))
    assert "Not allowed: only prosecutors can flag." in refused
    with make_sessionmaker(engine)() as s:
        assert list(s.scalars(select(Flag))) == []
    done = json.dumps(call(console, client_for("prosecutor"), ids.FLAG_RESULT, inputs, state))
    assert f"Flag set: {two_cases['bishkek']}" in done
    with make_sessionmaker(engine)() as s:
        assert [(f.reg_no, f.created_by) for f in s.scalars(select(Flag))] == [
            (two_cases["bishkek"], "prosecutor")
        ]


def test_clearing_a_flag_through_the_pattern_callback_over_http(  # type: ignore[no-untyped-def]
    console: WebApp, client_for, two_cases, engine: Engine
) -> None:
    """The case page's "clear flag" buttons are a pattern (ALL) input: dash-renderer sends
    them as a list of dict ids and names the clicked one, as JSON, in changedPropIds."""
    osh = two_cases["osh"]
    with make_sessionmaker(writer_engine(engine)).begin() as s:
        flag = flags.add_flag(s, viewer("prosecutor"), osh, "check")
    button = {"flag": flag.id, "type": ids.CLEAR_FLAG_TYPE}
    inputs = [
        {"id": ids.CASE_FLAG_BUTTON, "property": "n_clicks", "value": None},
        [{"id": button, "property": "n_clicks", "value": 1}],
    ]
    box = {"flag": flag.id, "type": ids.CLEAR_COMMENT_TYPE}

    def state(comment: str | None) -> list[object]:
        return [
            {"id": ids.CASE_FLAG_COMMENT, "property": "value", "value": None},
            [{"id": box, "property": "value", "value": comment}],
            {"id": ids.CASE_REG_NO, "property": "data", "value": osh},
            {"id": ids.CASE_FLAG_VERSION, "property": "data", "value": 2},
            {"id": ids.LANG, "property": "data", "value": "en"},
        ]

    changed = f'{{"flag":{flag.id},"type":"{ids.CLEAR_FLAG_TYPE}"}}.n_clicks'
    client = client_for("prosecutor")
    asked = call(console, client, ids.CASE_FLAG_RESULT, inputs, state(None), changed)
    assert "Write a comment to clear the flag." in json.dumps(asked)
    with make_sessionmaker(engine)() as s:
        assert s.get(Flag, flag.id).cleared_at is None
    answer = call(console, client, ids.CASE_FLAG_RESULT, inputs, state("explained"), changed)
    assert f"Flag cleared: {osh}" in json.dumps(answer)
    assert answer["response"][ids.CASE_FLAG_VERSION]["data"] == 3
    with make_sessionmaker(engine)() as s:
        cleared = s.get(Flag, flag.id)
        assert (cleared.cleared_by, cleared.cleared_comment) == ("prosecutor", "explained")


def test_case_page_of_another_region_over_http(console: WebApp, client_for, two_cases) -> None:  # type: ignore[no-untyped-def]
    def body(client: FlaskClient, reg_no: str) -> str:
        inputs = [
            {"id": ids.CASE_REG_NO, "property": "data", "value": reg_no},
            {"id": ids.CASE_FLAG_VERSION, "property": "data", "value": 0},
            {"id": ids.SOCKET, "property": "data-flags", "value": None},
            {"id": ids.RESYNC, "property": "data", "value": 0},
        ]
        state = [{"id": ids.LANG, "property": "data", "value": "en"}]
        return json.dumps(call(console, client, ids.CASE_BODY, inputs, state), ensure_ascii=False)

    osh = client_for("manager-osh")
    assert "Case not found" in body(osh, two_cases["bishkek"])
    assert "bishkek case" not in body(osh, two_cases["bishkek"])
    assert "osh case" in body(osh, two_cases["osh"])


@pytest.mark.parametrize("lang", ["ru", "ky", "en"])
def test_login_and_logout_pages_speak_the_consoles_language(
    console: WebApp,
    client_for,  # type: ignore[no-untyped-def]
    lang: str,
) -> None:
    """The server-rendered pages take their words from components/i18n.py (one table), in the
    language chosen at /lang/<code>, as plain HTML forms (no script needed)."""
    from components.i18n import LANGUAGE_NAMES, t

    client = console.server.test_client()
    assert client.get(f"/lang/{lang}?next=/login").status_code == 302
    page = client.get("/login").get_data(as_text=True)
    for key in ("app.title", "login.submit", "login.username", "login.password"):
        assert html_text(t(key, lang)) in page, key
    assert all(name in page for name in LANGUAGE_NAMES.values())
    assert f'<html lang="{lang}">' in page and "<script" not in page
    assert '<form method="post" action="/login"' in page
    token = csrf_from(page)
    refused = client.post(
        "/login", data={"username": "duty", "password": "wrong", "csrf_token": token}
    )
    assert refused.status_code == 401
    assert html_text(t("login.refused", lang)) in refused.get_data(as_text=True)
    missing = client.post("/login", data={"username": "", "csrf_token": token})
    assert html_text(t("login.missing", lang)) in missing.get_data(as_text=True)
    expired = client.post("/login", data={"username": "duty", "password": "x"})
    assert expired.status_code == 400
    assert html_text(t("login.expired", lang)) in expired.get_data(as_text=True)

    user = client_for("duty")
    assert user.get(f"/lang/{lang}?next=/logout").status_code == 302
    logout = user.get("/logout").get_data(as_text=True)
    for key in ("logout.question", "nav.logout", "logout.back"):
        assert html_text(t(key, lang)) in logout, key


def html_text(text: str) -> str:
    """`text` as Jinja's autoescaping writes it into a page."""
    from markupsafe import escape

    return str(escape(text))
