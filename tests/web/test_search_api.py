"""`GET /api/v1/search`: the items of /api/v1/cases, scoped to the caller's region, audited,
and 400 (JSON) for a missing, empty or too long query."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from data import users
from data.models import AuditEntry
from tests.support import events as ev
from tests.support.stores import apply_events, new_case


@pytest.fixture
def cases(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A case in Bishkek and one in Osh city, both about a stolen bicycle."""
    bishkek = new_case(engine, ev.BISHKEK, summary="Кража велосипеда во дворе")
    osh = new_case(engine, ev.OSH_CITY, summary="Велосипед украден у рынка")
    apply_events(
        engine,
        [ev.assigned(bishkek, datetime.now(UTC) - timedelta(minutes=5), officer="Токтогулов")],
    )
    return {"bishkek": bishkek, "osh": osh}


def _get(web, username: str, **params: str):  # type: ignore[no-untyped-def]
    with web.state.writer.begin() as s:
        headers = {"Authorization": f"Bearer {users.issue_token(s, username)}"}
    return web.server.test_client().get("/api/v1/search", query_string=params, headers=headers)


def _cases(web) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    with web.state.writer.begin() as s:
        headers = {"Authorization": f"Bearer {users.issue_token(s, 'manager')}"}
    return web.server.test_client().get("/api/v1/cases", headers=headers).get_json()  # type: ignore[no-any-return]


def test_items_are_the_case_lists_items(web, cases) -> None:  # type: ignore[no-untyped-def]
    found = _get(web, "manager", q="токтогул")
    assert found.status_code == 200
    everything = _cases(web)
    item = next(c for c in everything if c["reg_no"] == cases["bishkek"])
    assert found.get_json() == [item]


def test_scoped_to_the_callers_region(web, cases) -> None:  # type: ignore[no-untyped-def]
    both = {c["reg_no"] for c in _get(web, "manager", q="велосипед").get_json()}
    assert both == {cases["bishkek"], cases["osh"]}
    osh_only = _get(web, "manager-osh", q="велосипед").get_json()
    assert [c["reg_no"] for c in osh_only] == [cases["osh"]]
    assert _get(web, "manager-osh", q=cases["bishkek"]).get_json() == []
    assert _get(web, "manager", q="велосипед", limit="1").get_json()[0]["reg_no"] in both


def test_searches_are_audited(web, engine, cases) -> None:  # type: ignore[no-untyped-def]
    _get(web, "manager-osh", q="велосипед")
    with web.state.sessions() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
    assert (entry.actor, entry.action, entry.target) == ("manager-osh", "export", "api:search")
    assert json.loads(entry.detail) == {"q": "велосипед", "rows": 1}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "q is required"),
        ({"q": ""}, "q must have at least 1 characters"),
        ({"q": "   "}, "q: must not be empty"),
        ({"q": "к" * 201}, "q longer than 200 characters"),
        ({"q": "кража", "limit": "51"}, "limit must be between 1 and 50"),
        ({"q": "кража", "status": "open"}, "unknown parameter 'status'"),
    ],
)
def test_bad_queries_are_400_with_a_reason(web, cases, params, message) -> None:  # type: ignore[no-untyped-def]
    answer = _get(web, "manager", **params)
    assert answer.status_code == 400
    assert answer.get_json()["error"].startswith(message)


@pytest.mark.parametrize("q", ["?!", '"*"', "NEAR(", "') OR 1=1 --", "к" * 200])
def test_syntax_and_punctuation_find_nothing(web, cases, q) -> None:  # type: ignore[no-untyped-def]
    answer = _get(web, "manager", q=q)
    assert answer.status_code == 200 and answer.get_json() == []
