"""The integrity page's callbacks on a real store (tests/ui/conftest.py's cases and a unit that
refuses every case): the grid's rows in the viewer's scope and language, a duty commander
refused, a regional manager kept to their region whatever the controls say, the cases behind a
clicked number, the export's table (and its audit entry)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine, select

from callbacks import integrity as integrity_cb
from components.integrity import COUNTRY
from components.layout import page_for
from data.models import AuditEntry
from tests.support import events as ev
from tests.support.stores import apply_events
from tests.support.users import viewer
from tests.ui.common import NOW, context, texts


@pytest.fixture
def refusing(engine: Engine, cases: dict[str, str]) -> list[str]:
    """In Bishkek, unit R refuses 12 cases of 12 and unit S none of 40 (registered two days
    before NOW); R's reg_nos."""
    made = [ev.next_reg_no() for _ in range(12)]
    others = [ev.next_reg_no() for _ in range(40)]
    at = NOW - timedelta(days=2)
    events = [
        e
        for unit, decision, numbers in (("R", "refused", made), ("S", "initiated", others))
        for r in numbers
        for e in (ev.registered(r, at, unit=unit), ev.decided(r, at, decision))
    ]
    apply_events(engine, events, now=NOW)
    return made


def test_the_grid_shows_the_marked_unit_first_in_words(engine: Engine, refusing) -> None:  # type: ignore[no-untyped-def]
    rows, columns, summary = integrity_cb.update_integrity(
        context(engine, "prosecutor"), "unit", "30", COUNTRY, "ru"
    )
    assert rows[0]["key"] == "R" and rows[0]["refusal_marked"] and rows[0]["row_marked"]
    assert not next(r for r in rows if r["key"] == "S")["row_marked"]
    assert rows[0]["refusal_shown"].startswith("▲ 12 · 100,0 % (")
    assert {r["key"] for r in rows} == {"R", "S", "U1", "U2", "~"}
    assert next(r for r in rows if r["key"] == "~")["name"] == "не назначено"
    refusal = next(c for c in columns if c["field"] == "refusal")
    assert refusal["headerName"].startswith("Отказы (ср. ")
    # (and the unassigned: one late registration of two cases, against 1 of 56)
    assert summary == "Отмечено строк: 2 из 5; сравнение — вся республика"


def test_a_duty_commander_gets_nothing(engine: Engine, refusing) -> None:  # type: ignore[no-untyped-def]
    rows, _, summary = integrity_cb.update_integrity(
        context(engine, "duty"), "unit", "30", None, "en"
    )
    assert rows == [] and "managers, prosecutors and admins" in summary
    page = page_for("/integrity", viewer("duty"), "ru", NOW)
    assert "Сигналы доступны руководителям" in " ".join(texts(page))
    with pytest.raises(PreventUpdate):
        integrity_cb.export_integrity(context(engine, "duty"), "unit", "30", None, "ru")


def test_a_regional_manager_stays_in_their_region(engine: Engine, refusing, cases) -> None:  # type: ignore[no-untyped-def]
    osh = context(engine, "manager-osh")
    rows, _, summary = integrity_cb.update_integrity(osh, "district", "30", "", "ru")
    assert [r["key"] for r in rows] == [ev.OSH_CITY] and summary.endswith("г. Ош")
    refused, _, said = integrity_cb.update_integrity(osh, "district", "30", "KG-GB", "ru")
    assert refused == [] and "Сигналы доступны" in said
    drilled = integrity_cb.drill(
        osh, {"rowId": ev.OSH_CITY, "colId": "cases"}, "district", "30", "", "ru"
    )
    assert cases["F"] in " ".join(texts(drilled))


def test_a_clicked_number_lists_its_cases(engine: Engine, refusing) -> None:  # type: ignore[no-untyped-def]
    listed = integrity_cb.drill(
        context(engine, "admin"), {"rowId": "R", "colId": "refusal"}, "unit", "7", None, "ru"
    )
    shown = " ".join(texts(listed))
    assert "R — Отказы (12)" in shown and all(r in shown for r in refusing)
    for cell in ({"rowId": "R", "colId": "name"}, {"colId": "refusal"}, None):
        with pytest.raises(PreventUpdate):
            integrity_cb.drill(context(engine, "admin"), cell, "unit", "7", None, "ru")


def test_the_export_is_the_table_and_is_audited(engine: Engine, refusing) -> None:  # type: ignore[no-untyped-def]
    download = integrity_cb.export_integrity(
        context(engine, "manager"), "unit", "30", COUNTRY, "en", "csv"
    )
    assert download["filename"] == "kup-integrity-unit-20260311-1200.csv"
    text = str(download["content"]).removeprefix("\ufeff")
    rows = {r["Unit"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["R"]["Refusals"] == "12" and rows["R"]["Refusals: %"] == "100.0"
    assert rows["R"]["Refusals: above the reference"] == "yes"
    assert rows["U1"]["Refusals: above the reference"] == "no"
    with engine.connect() as conn:
        actions = conn.execute(select(AuditEntry.actor, AuditEntry.target)).all()
    assert ("manager", "ui:integrity") in actions
