"""Callbacks called as plain functions against a real store (SQLite and PostgreSQL): what each
page shows, scoped to the viewer's region; flags refused for other roles; exports audited."""

from __future__ import annotations

import base64
import csv
import io
from datetime import timedelta

import openpyxl
import plotly.graph_objects as go
import pytest
from dash import Patch
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine, select

from callbacks import case as case_cb
from callbacks import live as live_cb
from callbacks import overdue as overdue_cb
from callbacks import shell as shell_cb
from callbacks import workload as workload_cb
from components import ids
from data.db import make_sessionmaker
from data.models import AuditEntry, Flag
from data.queries import UNASSIGNED
from tests.support import events as ev
from tests.support.stores import apply_events
from tests.ui.common import MARKUP, NO_FILTERS, NOW, context, ids_in, texts


def audit_actions(engine: Engine) -> list[tuple[str, str, str]]:
    with make_sessionmaker(engine)() as s:
        return [
            (e.actor, e.action, e.target)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def flags_of(engine: Engine, reg_no: str) -> list[Flag]:
    with make_sessionmaker(engine)() as s:
        return list(s.scalars(select(Flag).where(Flag.reg_no == reg_no)))


# -- live page -------------------------------------------------------------------------------


def test_feed_counters_and_strip(engine: Engine, cases: dict[str, str]) -> None:
    opened = (NOW - timedelta(minutes=45)).isoformat()
    items, new, strip, counted = live_cb.refresh_feed(
        context(engine, "duty"), None, None, None, None, opened, "ru"
    )
    words = texts(items)
    assert [w for w in words if w.startswith("KUP-")] == [
        cases["A"],
        cases["F"],
        cases["I"],
        cases["B"],
    ]
    assert MARKUP in words  # the summary, as text
    assert texts(new)[0] == "1"  # A registered after the page opened, F before
    assert {"4", "2", "1"} <= set(texts(strip))  # open, overdue (B, F), due soon (I)
    assert counted == {
        "key": "[null, null, null, null]",
        "count": 1,
        "anchor": NOW.isoformat(),  # the views' anchor (NOW is on one) and the page's offset
        "offset": 1,  # to it (A), kept for its pushes
        "arrived": [],
        "fresh": {},
    }


def test_new_counter_adds_pushes_and_never_falls_below_the_store(
    engine: Engine, cases: dict[str, str]
) -> None:
    ctx = context(engine, "duty")
    opened = (NOW - timedelta(minutes=45)).isoformat()
    push = {
        "registered_count": 3,
        "changed": 3,
        "registered": [
            {
                "reg_no": "X1",
                "region": "KG-GB",
                "district": ev.BISHKEK,
                "category": "theft",
                "kind": "crime",
            },
            {
                "reg_no": "X2",
                "region": "KG-GO",
                "district": ev.OSH_CITY,
                "category": "fraud",
                "kind": "crime",
            },
        ],
    }
    *_, counted = live_cb.refresh_feed(ctx, None, None, None, None, opened, "ru")
    _, new, _, counted = live_cb.refresh_feed(
        ctx, None, None, None, None, opened, "ru", push, counted
    )
    assert texts(new)[0] == "4" and counted["count"] == 4  # 1 stored before + 3 pushed
    _, new, _, _ = live_cb.refresh_feed(
        ctx, None, None, None, None, opened, "ru", None, {"key": counted["key"], "count": 0}
    )
    assert texts(new)[0] == "1"  # never below the store (e.g. after a reconnect)
    *_, theft = live_cb.refresh_feed(ctx, None, None, "theft", None, opened, "ru", push, counted)
    assert theft["count"] == 1  # new filters: counted again from the store
    *_, theft = live_cb.refresh_feed(ctx, None, None, "theft", None, opened, "ru", push, theft)
    assert theft["count"] == 2  # one of the pushed registrations is a theft
    assert live_cb.pushed_matching(push, ("KG-GO", None, None, None)) == 1
    assert (
        live_cb.pushed_matching(
            {"registered_count": 250, "registered": []}, (None, None, None, None)
        )
        == 250
    )


def test_feed_is_scoped_to_the_viewers_region(engine: Engine, cases: dict[str, str]) -> None:
    items, _, strip, _ = live_cb.refresh_feed(
        context(engine, "manager-osh"), None, None, None, None, None, "ru"
    )
    assert [w for w in texts(items) if w.startswith("KUP-")] == [cases["F"]]
    # Asking for another region's cases gives nothing, not that region.
    items, *_ = live_cb.refresh_feed(
        context(engine, "manager-osh"), "KG-GB", None, None, None, None, "en"
    )
    assert "No registrations match the filters yet." in texts(items)
    assert live_cb.update_district_options(context(engine, "manager-osh"), "KG-GB", "ru") == []


def test_feed_filters(engine: Engine, cases: dict[str, str]) -> None:
    items, *_ = live_cb.refresh_feed(context(engine, "duty"), None, None, "fraud", None, None, "ru")
    assert [w for w in texts(items) if w.startswith("KUP-")] == [cases["B"]]


def test_pushes_that_change_nothing_are_ignored() -> None:
    assert live_cb.pushed_nothing({"registered_count": 0, "changed": 0, "rejected": 3})
    assert not live_cb.pushed_nothing({"registered_count": 0, "changed": None})
    assert not live_cb.pushed_nothing({"registered_count": 2, "changed": 2})
    assert not live_cb.pushed_nothing(None)


def test_map_full_then_patched(engine: Engine, cases: dict[str, str]) -> None:
    ctx = context(engine, "duty")
    figure, key = live_cb.update_map(
        ctx, None, None, None, None, None, "overdue", "light", None, None, "ru"
    )
    assert isinstance(figure, go.Figure)
    shading = dict(zip(figure.data[0].locations, figure.data[0].z, strict=True))
    assert shading[ev.BISHKEK] == 1 and shading[ev.OSH_CITY] == 1 and len(shading) == 55
    assert sum(len(t.lat) for t in figure.data[1:]) == 2
    patch, same = live_cb.update_map(
        ctx, ids.LIVE_MAP_TICK, None, None, None, None, "overdue", "light", None, key, "ru"
    )
    assert isinstance(patch, Patch) and same == key
    with pytest.raises(PreventUpdate):  # a push without registrations moves no point
        live_cb.update_map(
            ctx,
            ids.SOCKET,
            None,
            None,
            None,
            None,
            "overdue",
            "light",
            {"registered_count": 0, "changed": 3},
            key,
            "ru",
        )
    rebuilt, other = live_cb.update_map(
        ctx, ids.LIVE_MEASURE, None, None, None, None, "open", "dark", None, key, "ru"
    )
    assert isinstance(rebuilt, go.Figure) and other != key


def test_map_scoped_to_the_viewers_region(engine: Engine, cases: dict[str, str]) -> None:
    figure, _ = live_cb.update_map(
        context(engine, "manager-osh"),
        None,
        None,
        None,
        None,
        None,
        "open",
        "light",
        None,
        None,
        "ru",
    )
    assert list(figure.data[0].locations) == [ev.OSH_CITY]
    assert [lat for t in figure.data[1:] for lat in t.lat] == [40.51]


def test_map_clicks_navigate() -> None:
    assert live_cb.open_map_target({"points": [{"curveNumber": 0, "location": ev.BISHKEK}]}) == (
        "/workload",
        f"?district={ev.BISHKEK}",
    )
    assert live_cb.open_map_target({"points": [{"curveNumber": 2, "customdata": ["KUP-1"]}]}) == (
        "/cases/KUP-1",
        "",
    )
    with pytest.raises(PreventUpdate):
        live_cb.open_map_target(None)


# -- overdue page ----------------------------------------------------------------------------


def test_overdue_and_due_soon_grids(engine: Engine, cases: dict[str, str]) -> None:
    overdue, soon, overdue_count, soon_count, memory, notice = overdue_cb.refresh_overdue(
        context(engine, "prosecutor"), NO_FILTERS, [], None, "ru"
    )
    assert [r["reg_no"] for r in overdue] == [cases["B"], cases["F"]]
    assert [r["reg_no"] for r in soon] == [cases["I"]]
    assert overdue_count == "Показано 2 из 2" and soon[0]["time_left"] == "12 ч 0 мин"
    assert memory == {"newly": [], "due_soon": [cases["I"]]} and notice is None


def test_newly_overdue_noticed_without_any_event(engine: Engine, cases: dict[str, str]) -> None:
    """I's deadline passes between two refreshes: nothing arrives, the page notices."""
    _, _, _, _, memory, _ = overdue_cb.refresh_overdue(
        context(engine, "prosecutor"), NO_FILTERS, [], None, "ru"
    )
    later = context(engine, "prosecutor", NOW + timedelta(hours=13))
    overdue, soon, _, _, memory, notice = overdue_cb.refresh_overdue(
        later, NO_FILTERS, [], memory, "ru"
    )
    marked = {r["reg_no"]: r["newly"] for r in overdue}
    assert marked == {cases["B"]: False, cases["F"]: False, cases["I"]: True}
    assert soon == [] and memory["newly"] == [cases["I"]]
    assert texts(notice) == ["1 материал только что просрочен"]


def test_server_overdue_event_highlights(engine: Engine, cases: dict[str, str]) -> None:
    overdue, *_, memory, _ = overdue_cb.refresh_overdue(
        context(engine, "prosecutor"),
        NO_FILTERS,
        [cases["F"], cases["A"], "KUP-UNKNOWN"],
        None,
        "en",
    )
    assert [r["reg_no"] for r in overdue if r["newly"]] == [cases["F"]]
    assert memory["newly"] == [cases["F"]]  # only what is overdue and visible is kept


def test_overdue_scoped_and_filtered(engine: Engine, cases: dict[str, str]) -> None:
    overdue, soon, *_ = overdue_cb.refresh_overdue(
        context(engine, "manager-osh"), NO_FILTERS, [cases["B"]], None, "ru"
    )
    assert [r["reg_no"] for r in overdue] == [cases["F"]] and soon == []
    by_unit, *_ = overdue_cb.refresh_overdue(
        context(engine, "prosecutor"), (None, None, None, None, "U1", None), [], None, "ru"
    )
    assert [r["reg_no"] for r in by_unit] == [cases["B"]]
    assert overdue_cb.unit_options(context(engine, "duty"), None, None) == [
        {"label": "U1", "value": "U1"},
        {"label": "U2", "value": "U2"},
    ]
    assert overdue_cb.unit_options(context(engine, "manager-osh"), None, None) == []


def test_prosecutor_flags_and_everyone_who_can_see_it_sees_the_flag(
    engine: Engine, cases: dict[str, str]
) -> None:
    message, done = overdue_cb.flag_case(
        context(engine, "prosecutor"), cases["B"], "Проверить <b>срочно</b>", "ru"
    )
    assert done and texts(message) == [f"Отметка поставлена: {cases['B']}"]
    assert [(f.created_by, f.comment) for f in flags_of(engine, cases["B"])] == [
        ("prosecutor", "Проверить <b>срочно</b>")
    ]
    assert ("prosecutor", "flag", cases["B"]) in audit_actions(engine)
    overdue, *_ = overdue_cb.refresh_overdue(
        context(engine, "manager"), (None, None, None, None, None, "yes"), [], None, "ru"
    )
    assert [r["reg_no"] for r in overdue] == [cases["B"]]
    assert overdue[0]["flag"] == "Проверить <b>срочно</b> — prosecutor, 11.03.2026, 12:00"


@pytest.mark.parametrize("who", ["duty", "manager"])
def test_other_roles_cannot_flag_even_by_calling_the_callback(
    engine: Engine, cases: dict[str, str], who: str
) -> None:
    message, done = overdue_cb.flag_case(context(engine, who), cases["B"], "try", "ru")
    assert not done and "Недостаточно прав" in texts(message)[0]
    assert flags_of(engine, cases["B"]) == []


def test_regional_prosecutor_cannot_flag_another_regions_case(
    engine: Engine, cases: dict[str, str]
) -> None:
    message, done = overdue_cb.flag_case(context(engine, "prosecutor-osh"), cases["B"], "x", "en")
    assert not done and "outside your area" in texts(message)[0]
    assert overdue_cb.flag_case(context(engine, "prosecutor"), cases["B"], "  ", "en")[1] is False
    assert overdue_cb.flag_case(context(engine, "prosecutor"), None, "x", "en")[1] is False
    assert flags_of(engine, cases["B"]) == []


def test_filter_text_with_a_nul_matches_nothing_and_free_text_matches_as_stored(
    engine: Engine, cases: dict[str, str]
) -> None:
    """A NUL in a code (region, district, category, kind, reg_no) names nothing; on PostgreSQL,
    which refuses NUL in a query, that is no SQL error. A unit is free text: one holding a NUL
    (stored as ␀ on PostgreSQL) is found by its own text on both stores."""
    apply_events(
        engine,
        [ev.assigned(cases["F"], NOW - timedelta(hours=1), unit="OVD\x00Osh", officer="444")],
        now=NOW,
    )
    ctx = context(engine, "prosecutor")
    for filters in (
        ("KG-GO\x00", None, None, None, None, None),
        (None, f"{ev.OSH_CITY}\x00", None, None, None, None),
        (None, None, "\x00", "crime\x00", None, None),
    ):
        overdue, soon, *_ = overdue_cb.refresh_overdue(ctx, filters, [], None, "en")
        assert overdue == [] and soon == [], filters
    by_unit, *_ = overdue_cb.refresh_overdue(
        ctx, (None, None, None, None, "OVD\x00Osh", None), [], None, "en"
    )
    assert [r["reg_no"] for r in by_unit] == [cases["F"]]
    items, *_ = live_cb.refresh_feed(ctx, None, None, "theft\x00", None, None, "en")
    assert "No registrations match the filters yet." in texts(items)
    _, _, rows, *_ = workload_cb.update_workload(ctx, "?region=KG-GO%00", "light", "en")
    assert rows == []
    missing = case_cb.show_case(ctx, f"{cases['F']}\x00", "en", record_view=True)
    assert "Case not found" in " ".join(texts(missing)) and audit_actions(engine) == []


def test_selection_text() -> None:
    a, b = [{"reg_no": "KUP-A-000001"}], [{"reg_no": "KUP-B-000002"}]
    assert overdue_cb.selected_case("due_soon", a, b) == "KUP-B-000002"
    assert overdue_cb.selected_case("overdue", a, None) == "KUP-A-000001"
    assert overdue_cb.selected_case("no such tab", a, b) == "KUP-A-000001"  # the first tab
    # A row whose number is no registration number selects nothing (it names no case).
    assert overdue_cb.selected_case(None, [{"reg_no": "KUP\x00-1"}], None) is None
    assert overdue_cb.selected_case(None, [{"key": "x"}], None) is None
    assert overdue_cb.describe_selection(None, "ru") == ("Выберите материал в таблице.", True)
    assert overdue_cb.describe_selection("A", "en") == ("Selected: A", False)


def csv_rows(download: dict[str, object]) -> list[dict[str, str]]:
    """The rows of a CSV download (UTF-8 with BOM, ";" between values in Russian)."""
    text = str(download["content"])
    assert text.startswith("\ufeff") and download["base64"] is False
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def xlsx_rows(download: dict[str, object]) -> list[dict[str, object]]:
    """The rows of a workbook download, by header."""
    assert download["base64"] is True
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(str(download["content"])))).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_export_is_scoped_and_audited(engine: Engine, cases: dict[str, str]) -> None:
    download = overdue_cb.export_overdue(context(engine, "manager-osh"), "overdue", NO_FILTERS)
    assert [r["№ КУП"] for r in xlsx_rows(download)] == [cases["F"]]
    assert download["filename"] == "kup-overdue-20260311-1200.xlsx"
    soon = overdue_cb.export_overdue(context(engine, "duty"), "due_soon", NO_FILTERS, "csv")
    assert [r["№ КУП"] for r in csv_rows(soon)] == [cases["I"]]
    assert soon["filename"] == "kup-due-soon-20260311-1200.csv"
    assert [a for a in audit_actions(engine) if a[1] == "export"] == [
        ("manager-osh", "export", "ui:overdue"),
        ("duty", "export", "ui:due_soon"),
    ]


def test_clicking_a_registration_number_opens_the_case() -> None:
    assert overdue_cb.open_clicked_case({"colId": "reg_no", "value": "KUP-1"}) == "/cases/KUP-1"
    with pytest.raises(PreventUpdate):
        overdue_cb.open_clicked_case({"colId": "district", "value": "x"})


# -- workload page ---------------------------------------------------------------------------


def test_workload_drill_down(engine: Engine, cases: dict[str, str]) -> None:
    ctx = context(engine, "manager")
    crumbs, _, rows, _, options, case_rows, grid_style, cases_style, chart, heading = (
        workload_cb.update_workload(ctx, "", "light", "ru")
    )
    assert heading == "Нагрузка районов и городов — вся республика"
    assert len(rows) == 55 and rows[0]["key"] in (ev.BISHKEK, ev.OSH_CITY)
    assert options["pinnedBottomRowData"][0]["open"] == 4 and case_rows == []
    assert (grid_style, cases_style) == (workload_cb.SHOWN, workload_cb.HIDDEN)
    assert sum(chart.data[0].y) == 4  # registrations per day over 30 days
    assert "Вся республика" in texts(crumbs)
    _, _, units, *_, units_heading = workload_cb.update_workload(
        ctx, f"?district={ev.BISHKEK}", "light", "ru"
    )
    assert {r["key"]: r["open"] for r in units} == {"U1": 1, "U2": 1, UNASSIGNED: 1}
    assert units_heading == "Нагрузка подразделений — г.Бишкек"
    _, _, officers, *_, heading = workload_cb.update_workload(
        ctx, f"?district={ev.BISHKEK}&unit=U1", "light", "ky"
    )
    assert [(r["key"], r["overdue"]) for r in officers] == [("222", 1)]
    assert heading == "Кызматкерлердин жүктөмү — U1"
    _, title, grid, _, _, listed, grid_style, cases_style, _, heading = workload_cb.update_workload(
        ctx, f"?district={ev.BISHKEK}&unit=U1&officer=222", "dark", "en"
    )
    assert grid == [] and [r["reg_no"] for r in listed] == [cases["B"]]
    assert (grid_style, cases_style) == (workload_cb.HIDDEN, workload_cb.SHOWN)
    assert title == "Showing 1 of 1" and heading == "Open cases of officer 222"


def test_workload_scoped_to_the_viewers_region(engine: Engine, cases: dict[str, str]) -> None:
    ctx = context(engine, "manager-osh")
    _, _, rows, *_ = workload_cb.update_workload(ctx, "", "light", "ru")
    assert [(r["key"], r["open"]) for r in rows] == [(ev.OSH_CITY, 1)]
    for search in (
        "?region=KG-GB",
        f"?district={ev.BISHKEK}",
        f"?district={ev.BISHKEK}&unit=U1&officer=222",
    ):
        _, _, rows, _, _, listed, *_ = workload_cb.update_workload(ctx, search, "light", "ru")
        assert rows == [] and listed == [], search


def test_workload_row_clicks_drill_down() -> None:
    rows = [{"key": ev.BISHKEK}, {"key": ev.OSH_CITY}]
    assert workload_cb.drill_into("", {"rowId": ev.BISHKEK, "colId": "name"}, rows) == (
        f"?region=KG-GB&district={ev.BISHKEK}"
    )
    assert workload_cb.drill_into("", {"rowId": ev.OSH_CITY, "colId": "region"}, rows) == (
        "?region=KG-GO"
    )
    assert (
        workload_cb.drill_into(
            f"?district={ev.BISHKEK}", {"rowId": "U1", "colId": "name"}, [{"key": "U1"}]
        )
        == f"?district={ev.BISHKEK}&unit=U1"
    )
    for cell in ({"rowId": workload_cb.TOTAL_KEY}, {"rowId": "b-0"}, None):
        with pytest.raises(PreventUpdate):
            workload_cb.drill_into("", cell, rows)


def test_workload_export(engine: Engine, cases: dict[str, str]) -> None:
    download = workload_cb.export_workload(context(engine, "manager-osh"), "", "ru")
    rows = xlsx_rows(download)
    assert [(r["Район / город"], r["Область"], r["В работе"], r["Просрочено"]) for r in rows] == [
        ("г.Ош", "г. Ош", 1, 1)
    ]
    listed = workload_cb.export_workload(
        context(engine, "manager"), f"?district={ev.BISHKEK}&unit=U1&officer=222", "en", "csv"
    )
    text = str(listed["content"]).removeprefix("\ufeff")
    assert [r["Reg. no."] for r in csv.DictReader(io.StringIO(text))] == [cases["B"]]
    assert [a[2] for a in audit_actions(engine) if a[1] == "export"] == [
        "ui:workload:districts",
        "ui:workload:cases",
    ]


# -- case page -------------------------------------------------------------------------------


def test_case_page_shows_history_and_is_audited(engine: Engine, cases: dict[str, str]) -> None:
    body = case_cb.show_case(context(engine, "duty"), cases["B"], "ru", record_view=True)
    words = texts(body)
    assert f"Материал {cases['B']}" in words and "Назначен исполнитель" in words
    assert ids.CASE_FLAG_BUTTON not in ids_in(body)
    assert ("duty", "case_view", cases["B"]) in audit_actions(engine)
    prosecutor = case_cb.show_case(context(engine, "prosecutor"), cases["B"], "ru", False)
    assert ids.CASE_FLAG_BUTTON in ids_in(prosecutor)


def test_other_regions_case_looks_missing(engine: Engine, cases: dict[str, str]) -> None:
    hidden = case_cb.show_case(context(engine, "manager-osh"), cases["B"], "ru", True)
    missing = case_cb.show_case(context(engine, "manager-osh"), "KUP-NOPE-000001", "ru", True)
    assert "Материал не найден" in texts(hidden) and "Материал не найден" in texts(missing)
    assert cases["B"] not in " ".join(t for t in texts(hidden) if "KUP" not in t)
    assert audit_actions(engine) == []
    with pytest.raises(PreventUpdate):
        case_cb.show_case(context(engine, "duty"), None, "ru", True)


def test_flag_and_clear_on_the_case_page(engine: Engine, cases: dict[str, str]) -> None:
    message, done = case_cb.change_flag(
        context(engine, "prosecutor"), cases["F"], "flag", MARKUP, None, "ru"
    )
    assert done
    flag_id = flags_of(engine, cases["F"])[0].id
    body = case_cb.show_case(context(engine, "manager-osh"), cases["F"], "ru", False)
    assert MARKUP in texts(body)  # visible to a manager of that region, as text
    assert str(ids.clear_flag_button(flag_id)) not in ids_in(body)
    refused, done = case_cb.change_flag(
        context(engine, "duty"), cases["F"], "clear", "mine now", flag_id, "ru"
    )
    assert not done and "Недостаточно прав" in texts(refused)[0]
    commented, done = case_cb.change_flag(
        context(engine, "prosecutor-osh"), cases["F"], "flag", "Agreed", None, "en"
    )
    assert done and texts(commented) == [f"Comment added to the flag: {cases['F']}"]
    body = case_cb.show_case(context(engine, "manager-osh"), cases["F"], "en", False)
    assert {MARKUP, "Agreed"} <= set(texts(body))  # one flag, both comments
    assert len(flags_of(engine, cases["F"])) == 1
    for blank in (None, "  "):
        asked, done = case_cb.change_flag(
            context(engine, "prosecutor-osh"), cases["F"], "clear", blank, flag_id, "en"
        )
        assert not done and texts(asked) == ["Write a comment to clear the flag."]
    assert flags_of(engine, cases["F"])[0].cleared_by is None
    cleared, done = case_cb.change_flag(
        context(engine, "prosecutor-osh"), cases["F"], "clear", "Explained", flag_id, "en"
    )
    assert done and texts(cleared) == [f"Flag cleared: {cases['F']}"]
    assert [(f.cleared_by, f.cleared_comment) for f in flags_of(engine, cases["F"])] == [
        ("prosecutor-osh", "Explained")
    ]
    again, done = case_cb.change_flag(
        context(engine, "prosecutor"), cases["F"], "clear", "again", flag_id, "en"
    )
    assert not done


def test_the_overdue_flag_panel_shows_the_selected_flags_comments(
    engine: Engine, cases: dict[str, str]
) -> None:
    prosecutor = context(engine, "prosecutor")
    assert overdue_cb.flag_history_of(prosecutor, cases["B"], "ru") is None  # not flagged
    overdue_cb.flag_case(prosecutor, cases["B"], "Проверить", "ru")
    overdue_cb.flag_case(context(engine, "prosecutor-2"), cases["B"], "Согласен", "ru")
    shown = texts(overdue_cb.flag_history_of(prosecutor, cases["B"], "ru"))
    assert "Проверить" in shown and "Согласен" in shown
    assert "prosecutor-2, 11.03.2026, 12:00" in shown
    assert overdue_cb.flag_history_of(context(engine, "prosecutor-osh"), cases["B"], "ru") is None


def test_router_renders_for_the_viewer(engine: Engine) -> None:
    page = shell_cb.render_page(context(engine, "duty"), "/overdue", "ru")
    assert ids.OVERDUE_GRID in ids_in(page) and ids.FLAG_BUTTON not in ids_in(page)
    assert ids.FLAG_BUTTON in ids_in(
        shell_cb.render_page(context(engine, "prosecutor"), "/overdue", None)
    )


def test_map_uses_tiles_only_when_configured(engine: Engine, cases: dict[str, str]) -> None:
    from dataclasses import replace

    tiled = replace(context(engine, "duty"), map_tiles="https://tiles.example/{z}/{x}/{y}.png")
    figure, _ = live_cb.update_map(
        tiled, None, None, None, None, None, "open", "light", None, None, "ru"
    )
    assert figure.data[0].type == "choroplethmap"
    plain, _ = live_cb.update_map(
        context(engine, "duty"), None, None, None, None, None, "open", "light", None, None, "ru"
    )
    assert plain.data[0].type == "choropleth"
