"""`GET /api/v1/audit` (issue #13 part 4): prosecutors and admins only, newest first, filters,
paging, clear 400s, times with the console's offset, the query itself audited, and the chain's
verification state (broken once the store is tampered with). On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from console.web.app import WebApp
from data import audit, users
from data.models import AuditEntry
from tests.security.test_audit_tamper import rewrite_consistently
from tests.support.web import csrf_header

Clients = Callable[[str], FlaskClient]
T0 = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # 14:00 in Bishkek


@pytest.fixture
def entries(web: WebApp) -> list[int]:
    """Ids of five entries written an hour apart (views, an export, a flag), oldest first."""
    written = []
    with web.state.writer.begin() as s:
        for hour, (actor, action, target) in enumerate(
            (
                ("manager", "case_view", "KG-2026-000001"),
                ("prosecutor", "flag", "KG-2026-000001"),
                ("manager", "export", "api:cases"),
                ("duty", "case_view", "KG-2026-000002"),
                ("prosecutor", "case_view", "KG-2026-000001"),
            )
        ):
            entry = audit.record(s, actor, action, target, {"n": hour}, T0 + timedelta(hours=hour))
            written.append(entry.id)
    return written


def _get(client: FlaskClient, query: str = "") -> dict:  # type: ignore[type-arg]
    response = client.get(f"/api/v1/audit{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("role", ["duty", "manager", "manager-osh"])
def test_other_roles_are_refused(client_for: Clients, role: str) -> None:
    response = client_for(role).get("/api/v1/audit")
    assert response.status_code == 403
    assert "prosecutors and admins" in response.get_json()["error"]


def test_a_monitor_token_is_refused_and_a_prosecutor_token_reads(web: WebApp) -> None:
    with web.state.writer.begin() as s:
        tokens = {name: users.issue_token(s, name) for name in ("monitor", "prosecutor")}
    client = web.server.test_client()
    for name, status in (("monitor", 403), ("prosecutor", 200)):
        answer = client.get("/api/v1/audit", headers={"Authorization": f"Bearer {tokens[name]}"})
        assert answer.status_code == status, name


def test_newest_first_with_the_offset_and_their_own_login(
    client_for: Clients, entries: list[int]
) -> None:
    body = _get(client_for("prosecutor"))
    shown = body["entries"]
    assert [e["id"] for e in shown] == sorted((e["id"] for e in shown), reverse=True)
    assert shown[0]["action"] == "login" and shown[0]["user"] == "prosecutor"
    flag = next(e for e in shown if e["id"] == entries[1])
    assert flag == {
        "id": entries[1],
        "at": "2026-03-11T15:00:00+06:00",
        "user": "prosecutor",
        "action": "flag",
        "reg_no": "KG-2026-000001",
        "detail": {"n": 1},
    }
    assert body["next_before_id"] is None
    state = body["verification"]
    assert state["ok"] is True and state["first_bad"] is None
    assert state["verified_up_to"] >= entries[-1] and state["anchored_up_to"] >= entries[-1]


def test_filters(client_for: Clients, entries: list[int]) -> None:
    admin = client_for("admin")
    assert [e["id"] for e in _get(admin, "?reg_no=KG-2026-000001")["entries"]] == [
        entries[4],
        entries[1],
        entries[0],
    ]
    assert [e["id"] for e in _get(admin, "?user=manager")["entries"]] == [entries[2], entries[0]]
    views = _get(admin, "?action=case_view&user=manager")["entries"]
    assert [e["id"] for e in views] == [entries[0]]
    window = "?since=2026-03-11T15:00:00%2B06:00&until=2026-03-11T10:00:00Z"  # [09:00, 10:00) UTC
    assert [e["id"] for e in _get(admin, window)["entries"]] == [entries[1]]
    assert _get(admin, "?user=nobody")["entries"] == []


def test_paging_back_from_the_newest(client_for: Clients, entries: list[int]) -> None:
    admin = client_for("admin")
    first = admin.get("/api/v1/audit?user=manager&limit=1")
    assert first.status_code == 200
    body = first.get_json()
    assert [e["id"] for e in body["entries"]] == [entries[2]]
    assert body["next_before_id"] == entries[2]
    assert f"before_id={entries[2]}" in first.headers["Link"]
    second = _get(admin, f"?user=manager&limit=1&before_id={entries[2]}")
    assert [e["id"] for e in second["entries"]] == [entries[0]]
    third = _get(admin, f"?user=manager&limit=1&before_id={entries[0]}")
    assert third["entries"] == [] and third["next_before_id"] is None


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("?action=delete_everything", "action: 'delete_everything' is not one of"),
        ("?since=yesterday", "since must be a date and time with its UTC offset"),
        ("?until=2026-03-11T14:05:00", "until must be a date and time with its UTC offset"),
        ("?since=2026-02-30T00:00:00Z", "is not a real date and time"),
        ("?limit=0", "limit must be between 1 and 1000"),
        ("?limit=1001", "limit must be between 1 and 1000"),
        ("?before_id=abc", "before_id must be a whole number"),
        ("?user=" + "x" * 65, "user longer than 64 characters"),
        ("?region=KG-O", "unknown parameter 'region'"),
    ],
)
def test_bad_parameters_are_a_clear_400(client_for: Clients, query: str, said: str) -> None:
    response = client_for("admin").get(f"/api/v1/audit{query}")
    assert response.status_code == 400
    assert said in response.get_json()["error"]


def test_each_query_is_audited_once(web: WebApp, client_for: Clients) -> None:
    admin = client_for("admin")
    _get(admin, "?action=flag")
    _get(admin, "?limit=5")
    with web.state.sessions() as s:
        views = audit.list_entries(s, audit.AuditQuery(action="audit_view"))
    assert [(v.user, v.detail) for v in views] == [
        ("admin", {"filter": {"limit": "5"}}),
        ("admin", {"filter": {"action": "flag"}}),
    ]


def test_a_tampered_chain_is_shown_broken(
    web: WebApp, client_for: Clients, entries: list[int]
) -> None:
    """An edit of an entry already verified (caught by the next full check) and a consistent
    rewrite of the whole chain (caught by the anchors) both show the chain broken there."""
    admin = client_for("admin")
    assert _get(admin)["verification"]["ok"] is True  # (verified once: the state is kept)
    with web.state.engine.begin() as conn:
        conn.execute(update(AuditEntry).where(AuditEntry.id == entries[1]).values(actor="duty"))
    web.state.audit_watch._full_at = None  # (the periodic full check now due)
    state = _get(admin)["verification"]
    assert state["ok"] is False and state["first_bad"] == entries[1]
    assert "edited" in state["reason"]
    with Session(web.state.engine) as s, s.begin():
        rewrite_consistently(s, entries[1], "admin")  # (hashes recomputed: chain sound)
    with web.state.sessions() as s:
        assert audit.verify(s).ok
    state = _get(admin)["verification"]  # (the fixture's entries were anchored together)
    assert state["ok"] is False and state["first_bad"] == entries[-1]
    assert "differs from its anchor" in state["reason"]


def test_options_and_other_methods_name_only_get(client_for: Clients) -> None:
    admin = client_for("admin")
    assert admin.options("/api/v1/audit").headers["Allow"] == "GET, HEAD, OPTIONS"
    refused = admin.post("/api/v1/audit", headers=csrf_header(admin))
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD, OPTIONS"
