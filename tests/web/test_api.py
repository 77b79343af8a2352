"""The JSON API with the Flask test client: auth (401/403/201), bearer tokens, CSRF, region
scoping of list, detail and workload, parameter validation, audit entries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from data import users
from data.models import AuditEntry
from tests.support import events as ev
from tests.support.stores import apply_events, new_case
from tests.support.web import csrf_header


@pytest.fixture
def cases(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One open case in Bishkek and one in Osh city, and an overdue one in Bishkek."""
    bishkek = new_case(engine, ev.BISHKEK, summary="<img src=x onerror=alert(1)>")
    osh = new_case(engine, ev.OSH_CITY)
    overdue = new_case(engine, ev.BISHKEK, age=timedelta(days=6))
    apply_events(engine, [ev.assigned(bishkek, datetime.now(UTC) - timedelta(minutes=5))])
    return {"bishkek": bishkek, "osh": osh, "overdue": overdue}


def _token(web, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with web.state.writer.begin() as s:
        return {"Authorization": f"Bearer {users.issue_token(s, username)}"}


# --- authentication --------------------------------------------------------------------------


def test_bearer_token(web, cases) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    headers = _token(web, "manager")
    response = client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 200 and len(response.get_json()) == 3
    assert (
        client.get("/api/v1/cases", headers={"Authorization": "Bearer kup_nope"}).status_code == 401
    )
    assert client.get("/api/v1/cases", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/", headers=headers).status_code == 200  # a token is a login too


def test_bearer_token_needs_no_csrf_but_session_does(web, cases, client_for) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/cases/{cases['bishkek']}/flags"
    api = web.server.test_client()
    assert (
        api.post(url, json={"comment": "by token"}, headers=_token(web, "prosecutor")).status_code
        == 201
    )
    browser = client_for("prosecutor")
    assert browser.post(url, json={"comment": "forged"}).status_code == 400
    # (the case is flagged already: the comment goes to its flag)
    assert (
        browser.post(url, json={"comment": "real"}, headers=csrf_header(browser)).status_code == 200
    )


# --- flags: roles and regions ----------------------------------------------------------------


@pytest.mark.parametrize("username", ["duty", "manager", "manager-osh"])
def test_only_prosecutors_and_admins_flag(web, cases, username) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    url = f"/api/v1/cases/{cases['bishkek']}/flags"
    response = client.post(url, json={"comment": "no"}, headers=_token(web, username))
    assert response.status_code == 403
    assert client.delete(f"{url}/1", headers=_token(web, username)).status_code == 403


def test_flag_set_seen_and_cleared(web, cases) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    prosecutor, manager = _token(web, "prosecutor"), _token(web, "manager")
    reg_no = cases["overdue"]
    created = client.post(
        f"/api/v1/cases/{reg_no}/flags", json={"comment": "Why so late?"}, headers=prosecutor
    )
    assert created.status_code == 201
    flag = created.get_json()
    assert flag["by"] == "prosecutor" and flag["active"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+06:00", flag["at"])  # as the exports
    seen = client.get(f"/api/v1/cases/{reg_no}", headers=manager).get_json()
    assert seen["flagged"] is True
    assert [(f["comment"], f["by"]) for f in seen["flags"]] == [("Why so late?", "prosecutor")]
    assert (
        client.get("/api/v1/cases?flagged=true", headers=manager).get_json()[0]["reg_no"] == reg_no
    )
    cleared = client.delete(
        f"/api/v1/cases/{reg_no}/flags/{flag['id']}",
        json={"comment": "Explained"},
        headers=_token(web, "admin"),
    )
    assert cleared.status_code == 200 and cleared.get_json()["cleared_by"] == "admin"
    assert client.get(f"/api/v1/cases/{reg_no}", headers=manager).get_json()["flagged"] is False
    assert (
        client.delete(
            f"/api/v1/cases/{reg_no}/flags/{flag['id']}", json={"comment": "x"}, headers=prosecutor
        ).status_code
        == 404
    )


def test_a_second_prosecutor_comments_on_the_one_active_flag(web, cases) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    url = f"/api/v1/cases/{cases['overdue']}/flags"
    first = client.post(url, json={"comment": "Why so late?"}, headers=_token(web, "prosecutor"))
    second = client.post(
        url, json={"comment": "  Agreed, ask the head  "}, headers=_token(web, "prosecutor-2")
    )
    assert (first.status_code, second.status_code) == (201, 200)
    flag = second.get_json()
    assert flag["id"] == first.get_json()["id"] and flag["active"]
    assert [(n["kind"], n["by"], n["comment"]) for n in flag["history"]] == [
        ("flag", "prosecutor", "Why so late?"),
        ("comment", "prosecutor-2", "Agreed, ask the head"),
    ]
    seen = client.get(f"/api/v1/cases/{cases['overdue']}", headers=_token(web, "manager"))
    assert [len(f["history"]) for f in seen.get_json()["flags"]] == [2]  # one flag, two notes
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+06:00", flag["history"][1]["at"])


@pytest.mark.parametrize(
    "body", [None, {}, {"comment": ""}, {"comment": " \t\n "}, {"comment": 5}, {"note": "x"}]
)
def test_clearing_needs_a_comment(web, cases, body) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    prosecutor = _token(web, "prosecutor")
    reg_no = cases["overdue"]
    flag = client.post(
        f"/api/v1/cases/{reg_no}/flags", json={"comment": "Why so late?"}, headers=prosecutor
    ).get_json()
    url = f"/api/v1/cases/{reg_no}/flags/{flag['id']}"
    refused = client.delete(url, json=body, headers=prosecutor)
    assert refused.status_code == 400
    assert refused.is_json and "comment" in refused.get_json()["error"]
    case = client.get(f"/api/v1/cases/{reg_no}", headers=prosecutor).get_json()
    assert case["flagged"] is True and case["flags"][0]["cleared_at"] is None  # the flag stays
    cleared = client.delete(url, json={"comment": "Deadline explained"}, headers=prosecutor)
    assert cleared.status_code == 200
    done = cleared.get_json()
    assert not done["active"] and done["cleared_comment"] == "Deadline explained"
    assert (done["history"][-1]["kind"], done["history"][-1]["by"]) == ("clear", "prosecutor")
    with web.state.writer.begin() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.target) == ("unflag", reg_no)
        assert '"comment":"Deadline explained"' in entry.detail


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"comment": ""},
        {"comment": 5},
        {"comment": "ok", "extra": 1},
        {"comment": "x" * 2001},
    ],
)
def test_bad_flag_bodies(web, cases, body) -> None:  # type: ignore[no-untyped-def]
    response = web.server.test_client().post(
        f"/api/v1/cases/{cases['bishkek']}/flags", json=body, headers=_token(web, "prosecutor")
    )
    assert response.status_code == 400 and "error" in response.get_json()


def test_regional_prosecutor_cannot_flag_other_region(web, cases) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    headers = _token(web, "prosecutor-osh")
    assert (
        client.post(
            f"/api/v1/cases/{cases['bishkek']}/flags", json={"comment": "x"}, headers=headers
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/cases/{cases['osh']}/flags", json={"comment": "x"}, headers=headers
        ).status_code
        == 201
    )


# --- region scoping --------------------------------------------------------------------------


def test_regional_user_sees_only_their_region(web, cases) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    osh = _token(web, "manager-osh")
    listed = client.get("/api/v1/cases", headers=osh).get_json()
    assert [c["reg_no"] for c in listed] == [cases["osh"]]
    assert client.get("/api/v1/cases?region=KG-GB", headers=osh).get_json() == []
    assert client.get(f"/api/v1/cases?district={ev.BISHKEK}", headers=osh).get_json() == []
    other = client.get(f"/api/v1/cases/{cases['bishkek']}", headers=osh)
    missing = client.get("/api/v1/cases/KUP-NO-SUCH-CASE", headers=osh)
    assert other.status_code == missing.status_code == 404
    assert other.get_json()["error"].startswith("no case")  # same answer as a missing case
    workload = client.get("/api/v1/workload", headers=osh).get_json()
    assert {row["region"] for row in workload} == {"KG-GO"}
    assert sum(row["open"] for row in workload) == 1


def test_workload_fields(web, cases) -> None:  # type: ignore[no-untyped-def]
    rows = web.server.test_client().get("/api/v1/workload", headers=_token(web, "duty")).get_json()
    assert len(rows) > 40  # every district, zeros included
    bishkek = next(r for r in rows if r["district"] == ev.BISHKEK)
    assert bishkek == {
        "district": ev.BISHKEK,
        "region": "KG-GB",
        "open": 2,
        "overdue": 1,
        "due_soon": bishkek["due_soon"],
        "received_24h": 1,
        "decided_24h": 0,
        "decided_late_7d": 0,
        "decided_late_30d": 0,
    }


def test_case_detail(web, cases) -> None:  # type: ignore[no-untyped-def]
    detail = (
        web.server.test_client()
        .get(f"/api/v1/cases/{cases['bishkek']}", headers=_token(web, "duty"))
        .get_json()
    )
    assert detail["reg_no"] == cases["bishkek"]
    assert detail["summary"] == "<img src=x onerror=alert(1)>"  # data, escaped by the UI
    assert [e["type"] for e in detail["events"]] == ["registered", "assigned"]
    assert detail["unit"] == "OVD-Pervomaisky"
    assert len(detail["deadlines"]) == 1 and detail["deadline"].endswith("+06:00")
    assert datetime.fromisoformat(detail["registered_at"]).utcoffset() == timedelta(hours=6)


def test_case_detail_breaches(web, cases, engine) -> None:  # type: ignore[no-untyped-def]
    """The overdue case's breach goes on (no end, seconds up to now); once decided, it is on
    record with its end, length and what ended it; the list shows breached and its total."""
    client, headers = web.server.test_client(), _token(web, "duty")
    path = f"/api/v1/cases/{cases['overdue']}"
    detail = client.get(path, headers=headers).get_json()
    (ongoing,) = detail["breaches"]
    assert set(ongoing) == {"start", "end", "seconds", "ended_by"}
    assert ongoing["start"] == detail["deadline"] and ongoing["end"] is None
    assert ongoing["ended_by"] is None and ongoing["seconds"] > 0
    assert detail["breached"] is True and detail["breach_seconds"] >= ongoing["seconds"]
    decided_at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    apply_events(engine, [ev.decided(cases["overdue"], decided_at)])
    detail = client.get(path, headers=headers).get_json()
    (closed,) = detail["breaches"]
    start, end = (datetime.fromisoformat(closed[k]) for k in ("start", "end"))
    assert (end, closed["ended_by"]) == (decided_at, "decision")
    assert closed["seconds"] == int((end - start).total_seconds()) == detail["breach_seconds"]
    on_time = client.get(f"/api/v1/cases/{cases['bishkek']}", headers=headers).get_json()
    assert (on_time["breaches"], on_time["breached"], on_time["breach_seconds"]) == ([], False, 0)
    listed = client.get("/api/v1/cases?status=all", headers=headers).get_json()
    by_reg_no = {item["reg_no"]: item for item in listed}
    assert by_reg_no[cases["overdue"]]["breached"] is True
    assert by_reg_no[cases["bishkek"]]["breach_seconds"] == 0
    workload = client.get("/api/v1/workload", headers=headers).get_json()
    late = {r["district"]: (r["decided_late_7d"], r["decided_late_30d"]) for r in workload}
    assert late[ev.BISHKEK] == (1, 1)  # the overdue case, decided late a minute ago
    assert sum(map(sum, late.values())) == 2


def test_case_list_pagination(web, cases) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    headers = _token(web, "duty")
    first = client.get("/api/v1/cases?limit=2", headers=headers)
    assert len(first.get_json()) == 2 and 'rel="next"' in first.headers["Link"]
    rest = client.get("/api/v1/cases?limit=2&offset=2", headers=headers)
    assert len(rest.get_json()) == 1 and "Link" not in rest.headers
    everything = {c["reg_no"] for c in first.get_json() + rest.get_json()}
    assert everything == set(cases.values())
    overdue = client.get("/api/v1/cases?status=overdue", headers=headers).get_json()
    assert [c["reg_no"] for c in overdue] == [cases["overdue"]]


@pytest.mark.parametrize(
    "query",
    [
        "status=late",
        "limit=0",
        "limit=1001",
        "limit=abc",
        "offset=-1",
        "flagged=maybe",
        "district=123",
        "region=KG-XX",
        "category=arson",
        "kind=felony",
        "colour=red",
    ],
)
def test_bad_parameters_are_400(web, query) -> None:  # type: ignore[no-untyped-def]
    response = web.server.test_client().get(f"/api/v1/cases?{query}", headers=_token(web, "duty"))
    assert response.status_code == 400
    assert query.split("=")[0] in response.get_json()["error"]


def test_unknown_api_paths_are_json_404(web) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    headers = _token(web, "duty")
    response = client.get("/api/v1/nothing-here", headers=headers)
    assert response.status_code == 404 and response.is_json
    response = client.put("/api/v1/workload", headers=headers)
    assert response.status_code in (404, 405) and response.is_json


def test_reads_are_audited(web, cases) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    headers = _token(web, "manager")
    client.get("/api/v1/cases?status=open", headers=headers)
    client.get(f"/api/v1/cases/{cases['osh']}", headers=headers)
    with web.state.sessions() as s:
        entries = [
            (a.actor, a.action, a.target)
            for a in s.scalars(
                select(AuditEntry).where(AuditEntry.action.in_(("export", "case_view")))
            )
        ]
    assert entries == [("manager", "export", "api:cases"), ("manager", "case_view", cases["osh"])]


_params = st.dictionaries(
    st.sampled_from(
        ["status", "district", "region", "category", "kind", "flagged", "limit", "offset", "junk"]
    ),
    st.text(max_size=30),
    max_size=5,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=_params)
def test_any_query_gets_a_clear_answer(web, params) -> None:  # type: ignore[no-untyped-def]
    """Whatever the parameters, the answer is a JSON list or a 400 with an error, never a 500."""
    response = web.server.test_client().get(
        "/api/v1/cases", query_string=params, headers=_token(web, "duty")
    )
    assert response.status_code in (200, 400)
    body = response.get_json()
    assert isinstance(body, list) if response.status_code == 200 else "error" in body
