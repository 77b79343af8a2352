"""`GET /api/v1/integrity` and `/api/v1/integrity/cases` with the Flask test client: the rows
and their fields, marking, who may read them and where (a regional manager's own region only,
no duty commander), parameter validation, the drill-down's cases and its audit entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from data import users
from data.models import AuditEntry
from rules.integrity import SIGNALS
from tests.support import events as ev
from tests.support.stores import apply_events


@pytest.fixture
def history(engine) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """In Bishkek, unit HIGH refuses 20 cases of 20, BASE 4 of 40, THREE 2 of 2; in Osh city,
    unit OSH decides 5 cases; every case registered 2 days ago. The reg_nos per unit."""
    at = datetime.now(UTC) - timedelta(days=2)
    events: list[dict[str, str]] = []
    made: dict[str, list[str]] = {}
    for unit, district, total, refused in (
        ("HIGH", ev.BISHKEK, 20, 20),
        ("BASE", ev.BISHKEK, 40, 4),
        ("THREE", ev.BISHKEK, 2, 2),
        ("OSH", ev.OSH_CITY, 5, 0),
    ):
        for i in range(total):
            reg_no = ev.next_reg_no(district)
            made.setdefault(unit, []).append(reg_no)
            events += [
                ev.registered(reg_no, at, district=district, unit=unit),
                ev.decided(
                    reg_no, at + timedelta(hours=1), "refused" if i < refused else "initiated"
                ),
            ]
    apply_events(engine, events)
    return made


def _token(web, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with web.state.writer.begin() as s:
        return {"Authorization": f"Bearer {users.issue_token(s, username)}"}


def test_rows_carry_every_signal_and_mark_the_significant_one(web, history) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    answer = client.get("/api/v1/integrity?group=unit&window_days=7", headers=_token(web, "admin"))
    assert answer.status_code == 200
    rows = answer.get_json()
    assert [r["key"] for r in rows][0] == "HIGH"
    by_key = {r["key"]: r for r in rows}
    assert set(by_key) == {"HIGH", "BASE", "THREE", "OSH"}
    high, three = by_key["HIGH"], by_key["THREE"]
    assert high["cases"] == 20 and high["refusal"] == 20 and high["refusal_share"] == 1.0
    assert high["refusal_reference"] == pytest.approx(26 / 67)
    assert high["marked"] == ["refusal"] and three["marked"] == []
    assert three["refusal_share"] == 1.0 and three["refusal_ci"][0] < three["refusal_reference"]
    for name in SIGNALS:
        low, high_bound = high[f"{name}_ci"]
        assert 0 <= low <= high[f"{name}_share"] <= high_bound <= 1
        assert isinstance(high[name], int)


def test_district_rows_add_intake_per_10k_and_the_drop(web, history) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    rows = client.get("/api/v1/integrity", headers=_token(web, "prosecutor")).get_json()
    bishkek = next(r for r in rows if r["key"] == ev.BISHKEK)
    assert bishkek["cases"] == bishkek["registrations"] == 62
    assert bishkek["per_10k"] == pytest.approx(62 * 10_000 / bishkek["population"])
    assert bishkek["per_10k_reference"] == bishkek["per_10k_country"]
    drop = bishkek["intake_drop"]
    assert drop["recent"] == 62 and drop["baseline"] == 0 and drop["p_value"] == 1.0
    assert not drop["marked"]
    assert len(rows) == 55  # every district, the silent ones too


def test_a_regional_manager_reads_their_region_only(web, history) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    osh = _token(web, "manager-osh")
    rows = client.get("/api/v1/integrity?group=unit", headers=osh).get_json()
    assert [(r["key"], r["cases"]) for r in rows] == [("OSH", 5)]
    assert rows[0]["refusal_reference"] == 0.0  # the region's rate, not the country's
    districts = client.get("/api/v1/integrity?region=KG-GO", headers=osh).get_json()
    assert {r["key"] for r in districts} == {ev.OSH_CITY}
    assert districts[0]["per_10k_reference"] == districts[0]["per_10k_region"]
    other = client.get("/api/v1/integrity?region=KG-GB", headers=osh)
    assert other.status_code == 403 and "KG-GO" in other.get_json()["error"]
    cases = client.get("/api/v1/integrity/cases?group=unit&key=HIGH&region=KG-GB", headers=osh)
    assert cases.status_code == 403
    assert client.get("/api/v1/integrity/cases?group=unit&key=HIGH", headers=osh).get_json() == []
    national = client.get("/api/v1/integrity?region=KG-GO", headers=_token(web, "manager"))
    assert national.status_code == 200 and len(national.get_json()) == 1


@pytest.mark.parametrize("role", ["duty", "monitor"])
def test_duty_commanders_and_monitors_are_refused(web, history, role) -> None:  # type: ignore[no-untyped-def]
    answer = web.server.test_client().get("/api/v1/integrity", headers=_token(web, role))
    assert answer.status_code == 403 and answer.is_json


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("group=region", "group"),
        ("window_days=0", "window_days"),
        ("window_days=367", "window_days"),
        ("window_days=abc", "window_days"),
        ("region=KG-XX", "region"),
        ("colour=red", "colour"),
    ],
)
def test_bad_parameters_answer_400_naming_them(web, history, query, named) -> None:  # type: ignore[no-untyped-def]
    answer = web.server.test_client().get(
        f"/api/v1/integrity?{query}", headers=_token(web, "admin")
    )
    assert answer.status_code == 400 and named in answer.get_json()["error"]


def test_the_cases_behind_a_number_and_their_audit(web, engine, history) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    admin = _token(web, "admin")
    url = "/api/v1/integrity/cases?group=unit&key=BASE&signal=refusal"
    found = client.get(url, headers=admin).get_json()
    assert sorted(found) == sorted(history["BASE"][:4])
    every = client.get("/api/v1/integrity/cases?group=unit&key=BASE", headers=admin).get_json()
    assert sorted(every) == sorted(history["BASE"])
    district = f"/api/v1/integrity/cases?key={ev.OSH_CITY}&signal=late_registration"
    assert client.get(district, headers=admin).get_json() == []
    missing = client.get("/api/v1/integrity/cases?group=unit", headers=admin)
    assert missing.status_code == 400 and "key" in missing.get_json()["error"]
    bad = client.get("/api/v1/integrity/cases?key=BASE&signal=nope", headers=admin)
    assert bad.status_code == 400 and "signal" in bad.get_json()["error"]
    with engine.connect() as conn:
        targets = conn.scalars(select(AuditEntry.target).where(AuditEntry.actor == "admin")).all()
    assert targets.count("api:integrity") == 3
