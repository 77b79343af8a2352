"""Looking back through the API (`as_of`, issue #13 part 3): every read answers as the console
knew it at the instant (events stored after it never show; a case overdue then is overdue
there though decided since); a bad `as_of` is a 400 with its reason; a change ignores it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.web.server import stop_tasks
from data import users
from tests.support import events as ev
from tests.support.stores import apply_events, migrate


@pytest.fixture
def history(engine):  # type: ignore[no-untyped-def]
    """T (two hours ago); `late`: registered long ago, decided an hour ago; `later`:
    registered half an hour ago."""
    now = datetime.now(UTC)
    late, later = ev.next_reg_no(), ev.next_reg_no()
    apply_events(
        engine, [ev.registered(late, now - timedelta(days=30))], now=now - timedelta(hours=3)
    )
    apply_events(engine, [ev.decided(late, now - timedelta(hours=1))], now=now - timedelta(hours=1))
    apply_events(
        engine, [ev.registered(later, now - timedelta(minutes=30))], now=now - timedelta(minutes=30)
    )
    return {"at": (now - timedelta(hours=2)).isoformat(), "late": late, "later": later}


def _headers(web, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with web.state.writer.begin() as s:
        return {"Authorization": f"Bearer {users.issue_token(s, username)}"}


def test_reads_answer_as_of_the_instant(web, history) -> None:  # type: ignore[no-untyped-def]
    client, headers = web.server.test_client(), _headers(web, "admin")
    at = {"as_of": history["at"]}
    then = client.get("/api/v1/cases", query_string=at, headers=headers).get_json()
    now = client.get("/api/v1/cases", headers=headers).get_json()
    assert {c["reg_no"]: c["status"] for c in then} == {history["late"]: "overdue"}
    assert {c["reg_no"] for c in now} == {history["late"], history["later"]}
    assert next(c for c in now if c["reg_no"] == history["late"])["status"] == "decided"
    detail = client.get(f"/api/v1/cases/{history['late']}", query_string=at, headers=headers)
    assert detail.status_code == 200 and detail.get_json()["decision"] is None
    gone = client.get(f"/api/v1/cases/{history['later']}", query_string=at, headers=headers)
    assert gone.status_code == 404
    rows = client.get("/api/v1/workload", query_string=at, headers=headers).get_json()
    assert sum(r["overdue"] for r in rows) == 1 and sum(r["open"] for r in rows) == 1


@pytest.mark.parametrize("value", ["", "yesterday", "2026-12-01T10:00:00", "2026-13-01T00:00:00Z"])
def test_a_bad_as_of_is_a_clear_400(web, history, value) -> None:  # type: ignore[no-untyped-def]
    response = web.server.test_client().get(
        "/api/v1/cases", query_string={"as_of": value}, headers=_headers(web, "admin")
    )
    assert response.status_code == 400 and "as_of" in response.get_json()["error"]


def test_a_change_applies_to_the_present(web, history) -> None:  # type: ignore[no-untyped-def]
    client, headers = web.server.test_client(), _headers(web, "prosecutor")
    url = f"/api/v1/cases/{history['later']}/flags"  # a case that did not exist at T
    response = client.post(
        url, query_string={"as_of": history["at"]}, json={"comment": "x"}, headers=headers
    )
    assert response.status_code == 201


def test_stopping_the_app_closes_its_looks_back(web, history, engine) -> None:  # type: ignore[no-untyped-def]
    """A look back holds connections with temporary views over the store's tables; stopping
    the app closes them, so that a migration can then drop those tables (PostgreSQL refuses
    while a view depends on one)."""
    response = web.server.test_client().get(
        "/api/v1/alerts", query_string={"as_of": history["at"]}, headers=_headers(web, "admin")
    )
    assert response.status_code == 200
    stop_tasks(web)
    migrate(engine, "downgrade", "0009_case_search")  # drops the alerts' tables
    migrate(engine, "upgrade", "head")
