"""Layout builders without a browser: the shell and router, feed items (summaries as text),
grid rows, drill-down navigation, the case page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from dash import dcc, html
from dash._validate import validate_layout

from components import ids
from components.breaches import breaches_card
from components.case import case_body, case_not_found, field_text
from components.common import status_badge
from components.i18n import t
from components.layout import case_reg_no, not_found, page_for, shell, validation_layout
from components.live import feed, feed_item, status_strip
from components.overdue import case_rows, overdue_page
from components.workload import (
    Drill,
    breadcrumbs,
    child,
    drill_search,
    grid_rows,
    parse_drill,
    total_grid_row,
    workload_columns,
)
from data.case_lists import ActiveFlag, ListedCase
from data.case_record import (
    BreachEntry,
    CaseDetail,
    CaseEvent,
    CaseFacts,
    DeadlineEntry,
    FlagEntry,
)
from data.flags import FlagNote
from data.queries import UNASSIGNED
from data.workload_counts import WorkloadRow
from rules.access import Viewer
from rules.clock import DEFAULT_TZ, zone
from tests.ui.common import MARKUP, NOW, ids_in, texts, walk

TZ = zone(DEFAULT_TZ)  # the console's zone (Asia/Bishkek: the local times below)
BISHKEK, OSH_CITY = "41711000000000", "41721000000000"
PROSECUTOR = Viewer("pros", "prosecutor")
DUTY = Viewer("duty", "duty")


def test_shell_has_everything_the_callbacks_need() -> None:
    layout = shell(PROSECUTOR, "en", "dark", TZ)
    present = ids_in(layout)
    for needed in (
        ids.URL,
        ids.LANG,
        ids.THEME,
        ids.CLIENT,
        ids.SOCKET,
        ids.CONNECTION,
        ids.RESYNC,
        ids.BANNER,
        ids.BANNER_TEXT,
        ids.LIVE_BADGE,
        ids.LANG_SELECT,
        ids.THEME_SWITCH,
        ids.PAGE,
        ids.NAV_USER,
    ):
        assert needed in present, needed
    socket = next(c for c in walk(layout) if getattr(c, "id", None) == ids.SOCKET)
    assert {"changes", "overdue"} <= set(socket.eventNames)
    client = next(c for c in walk(layout) if getattr(c, "id", None) == ids.CLIENT)
    assert client.data["tz"] == DEFAULT_TZ and "{time}" in client.data["lost"]
    assert client.data["locales"] == ["en-US"]  # the banner's time, written the English way
    kyrgyz = shell(DUTY, "ky", tz=zone("Europe/Berlin"))
    berlin = next(c for c in walk(kyrgyz) if getattr(c, "id", None) == ids.CLIENT)
    assert berlin.data["tz"] == "Europe/Berlin" and berlin.data["locales"][0] == "ky-KG"
    assert next(c for c in walk(layout) if getattr(c, "id", None) == ids.THEME).data == "dark"
    assert "Log out" in texts(layout) and "pros" in texts(layout)


def test_shell_defaults_to_russian_and_light() -> None:
    layout = shell(DUTY)
    assert "Выйти" in texts(layout) and "Просроченные" in texts(layout)
    assert next(c for c in walk(layout) if getattr(c, "id", None) == ids.LANG).data == "ru"
    assert shell(DUTY, "xx", "neon").children[2].data == "light"


def test_validation_layout_holds_every_page_once() -> None:
    layout = validation_layout()
    validate_layout(layout, layout)  # raises on duplicate ids
    for needed in (
        ids.LIVE_FEED,
        ids.LIVE_MAP,
        ids.OVERDUE_GRID,
        ids.DUE_SOON_GRID,
        ids.FLAG_BUTTON,
        ids.WORKLOAD_GRID,
        ids.WORKLOAD_CASES,
        ids.CASE_BODY,
        ids.CASE_FLAG_BUTTON,
        ids.CASE_FLAG_COMMENT,
    ):
        assert needed in ids_in(layout), needed


@pytest.mark.parametrize(
    "path, marker",
    [
        ("/", ids.LIVE_FEED),
        ("/overdue", ids.OVERDUE_GRID),
        ("/overdue/", ids.OVERDUE_GRID),
        ("/workload", ids.WORKLOAD_GRID),
        ("/cases/KUP-41711000000000-2026-000001", ids.CASE_BODY),
    ],
)
def test_router(path: str, marker: str) -> None:
    assert marker in ids_in(page_for(path, PROSECUTOR, "ru", NOW))


def test_router_unknown_path_and_case_numbers() -> None:
    assert "Страница не найдена" in texts(page_for("/nope", DUTY, "ru", NOW))
    assert case_reg_no("/cases/KUP-1%2F2") == "KUP-1/2"
    assert case_reg_no("/cases/") is None and case_reg_no("/overdue") is None
    assert "Page not found" in texts(not_found("en"))


@pytest.mark.parametrize(
    "path, key, marker",
    [
        ("/deadletters", "dead.forbidden", None),
        ("/integrity", "integrity.forbidden", None),
        ("/audit", "audit.forbidden", ids.AUDIT_FORBIDDEN),
    ],
)
def test_an_oversight_page_a_role_may_not_read_says_so(
    path: str, key: str, marker: str | None
) -> None:
    for lang in ("ru", "ky", "en"):
        page = page_for(path, DUTY, lang, NOW)
        assert texts(page) == [t(key, lang)]
        assert ids_in(page) == ({marker} if marker else set())
        assert getattr(page, "className", None) == "py-5 text-center"


def test_flag_panel_only_for_prosecutors_and_admins() -> None:
    assert ids.FLAG_BUTTON in ids_in(overdue_page(PROSECUTOR, "ru"))
    assert ids.FLAG_BUTTON in ids_in(overdue_page(Viewer("a", "admin"), "ru"))
    for role in ("duty", "manager"):
        page = overdue_page(Viewer("x", role), "ru")
        assert ids.FLAG_BUTTON not in ids_in(page) and ids.FLAG_COMMENT not in ids_in(page)


def test_no_flag_panel_on_the_overdue_page_while_looking_back() -> None:
    then = NOW - timedelta(hours=2)
    page = page_for("/overdue", PROSECUTOR, "ru", then, as_of=then, present=NOW)
    assert ids.OVERDUE_GRID in ids_in(page)
    assert ids.FLAG_BUTTON not in ids_in(page) and ids.FLAG_COMMENT not in ids_in(page)
    assert ids.FLAG_BUTTON in ids_in(page_for("/overdue", PROSECUTOR, "ru", NOW))


def test_regional_viewer_is_offered_only_their_region() -> None:
    page = page_for("/", Viewer("m", "manager", "KG-GO"), "ru", NOW)
    region = next(c for c in walk(page) if getattr(c, "id", None) == ids.LIVE_REGION)
    district = next(c for c in walk(page) if getattr(c, "id", None) == ids.LIVE_DISTRICT)
    assert [o["value"] for o in region.options] == ["KG-GO"]
    assert [o["value"] for o in district.options] == [OSH_CITY]


def feed_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "reg_no": "KUP-41711000000000-2026-000001",
        "district": BISHKEK,
        "region": "KG-GB",
        "category": "robbery",
        "kind": "crime",
        "registered_at": NOW,
        "summary": MARKUP,
        "priority": "normal",
    }
    row.update(changes)
    return row


def test_feed_item_shows_markup_as_text() -> None:
    item = feed_item(feed_row(), "ru", TZ)
    assert MARKUP in texts(item)  # a plain string child: React renders it as text
    for component in walk(item):
        assert not isinstance(component, dcc.Markdown)
        assert "dangerously_allow_html" not in component.to_plotly_json()["props"]
    link = next(c for c in walk(item) if isinstance(c, dcc.Link))
    assert link.href == "/cases/KUP-41711000000000-2026-000001"
    assert {"12:00", "грабёж"} <= set(texts(item))
    assert any(t.startswith("г.Бишкек") or "Бишкек" in t for t in texts(item))


def test_feed_empty_state_and_priority() -> None:
    assert "Пока нет регистраций по выбранным фильтрам." in texts(feed([], "ru", "UTC"))
    urgent = feed_item(feed_row(priority="high"), "en", TZ)
    assert "! high" in texts(urgent)


def test_status_strip_and_badges_say_it_in_words() -> None:
    strip = status_strip({"open": 12345, "overdue": 7, "due_soon": 2}, "ru")
    words = texts(strip)
    assert {"12\xa0345", "7", "2", "В работе", "Просрочено", "Срок истекает"} <= set(words)
    badge = status_badge("overdue", "en")
    assert badge.children == "⚠ Overdue" and badge.color == "danger"


def summary_fields(reg_no: str, deadline: datetime) -> dict[str, Any]:
    return {
        "reg_no": reg_no,
        "district": OSH_CITY,
        "region": "KG-GO",
        "category": "fraud",
        "kind": "appeal",
        "status": "overdue",
        "received_at": deadline - timedelta(days=3),
        "registered_at": deadline - timedelta(days=3),
        "deadline": deadline,
        "decision": None,
        "decided_at": None,
        "unit": None,
        "officer": "4411",
        "flagged": False,
        "priority": "normal",
        "late_registration": False,
        "breached": False,
        "breach_seconds": 0,
        "summary": MARKUP,
    }


def listed_case(reg_no: str, deadline: datetime, **changes: Any) -> ListedCase:
    return ListedCase(**{**summary_fields(reg_no, deadline), "flag": None, **changes})


def test_case_rows_for_the_grids() -> None:
    overdue = listed_case(
        "KUP-A",
        NOW - timedelta(days=1, hours=2),
        flagged=True,
        flag=ActiveFlag(1, "проверить", "pros", NOW - timedelta(hours=1)),
    )
    soon = listed_case("KUP-B", NOW + timedelta(hours=5), status="due_soon")
    rows = case_rows([overdue, soon], "ru", TZ, NOW, newly={"KUP-A"})
    assert rows[0]["overdue_by"] == "1 д 2 ч" and rows[0]["time_left"] == ""
    assert rows[0]["newly"] is True and rows[0]["new"] == "●"
    assert rows[0]["deadline"] == "до 10:00 10.03.2026"  # not at midnight: with its time
    assert rows[0]["deadline_key"] == "2026-03-10T04:00:00"  # what the grid sorts by
    assert rows[0]["flag"] == "проверить — pros, 11.03.2026, 11:00"
    assert rows[0]["category"] == "мошенничество" and rows[0]["kind"] == "обращение"
    assert rows[0]["summary"] == MARKUP and rows[0]["unit"] == ""
    assert rows[1]["time_left"] == "5 ч 0 мин" and rows[1]["newly"] is False


def test_drill_down_navigation() -> None:
    assert parse_drill("?district=41711000000000&unit=OVD-1") == Drill(None, BISHKEK, "OVD-1", None)
    assert parse_drill("") == Drill() and Drill().level == "districts"
    top = Drill()
    district = child(top, BISHKEK)
    assert district == Drill(region="KG-GB", district=BISHKEK) and district.level == "units"
    unit = child(district, "OVD-1")
    officer = child(unit, "10442")
    assert (unit.level, officer.level) == ("officers", "cases")
    assert parse_drill(drill_search(officer)) == officer
    assert drill_search(top) == ""
    assert parse_drill("?unit=" + "x" * 500).unit == "x" * 64  # bounded


def test_breadcrumbs_start_at_what_the_viewer_may_see() -> None:
    here = Drill(district=BISHKEK, unit=UNASSIGNED)
    country = breadcrumbs(here, None, "ru")
    assert [c[0] for c in country] == ["Вся республика", "г. Бишкек", "г.Бишкек", "не назначено"]
    assert country[-1][1] is None and country[0][1] == ""
    assert country[2][1] == "?region=KG-GB&district=41711000000000"
    regional = breadcrumbs(Drill(), "KG-GO", "en")
    assert [c[0] for c in regional] == ["Osh (city)"]


def test_workload_grid_rows_busiest_first_with_total() -> None:
    rows = [WorkloadRow(BISHKEK, open=10, overdue=1), WorkloadRow(OSH_CITY, open=5, overdue=3)]
    grid = grid_rows(rows, "districts", "ru")
    assert [r["key"] for r in grid] == [OSH_CITY, BISHKEK]
    assert grid[0]["region"] == "г. Ош" and grid[0]["region_code"] == "KG-GO"
    total = total_grid_row(grid, "ru")
    assert (total["open"], total["overdue"], total["name"]) == (15, 4, "Итого")
    units = grid_rows([WorkloadRow(UNASSIGNED, open=2)], "units", "en")
    assert units[0]["name"] == "unassigned"
    fields = [c.get("field") for c in workload_columns("districts", "ru")]
    assert fields[:2] == ["name", "region"]
    assert "region" not in [c.get("field") for c in workload_columns("units", "ru")]


def test_case_page_breaches() -> None:
    """The breaches card: each span with its start, end or "going on", length and what ended
    it, and their total."""
    breaches = (
        BreachEntry(NOW - timedelta(days=3), NOW - timedelta(days=3, hours=-2), 7200, "decision"),
        BreachEntry(NOW - timedelta(hours=1), None, 3600, None),
    )
    words = texts(breaches_card(breaches, "ru", TZ))
    assert "Нарушения сроков" in words and "Всего просрочено: 3 ч 0 мин" in words
    assert words[words.index("2 ч 0 мин") :][:2] == ["2 ч 0 мин", "решением"]
    assert "продолжается" in words and "1 ч 0 мин" in words
    english = texts(breaches_card(breaches[:1], "en", TZ))
    assert "a decision" in english and "Deadline breaches" in english


def test_case_page_body() -> None:
    detail = CaseDetail(
        case=CaseFacts(
            **{**summary_fields("KUP-A", NOW - timedelta(hours=1)), "flagged": True},
            source="statement",
            address="ул. Ленина",
            article=None,
            period_days=3,
            period_unit="calendar",
            extensions=0,
            reopenings=0,
            transferred_to=None,
            lat=None,
            lon=None,
        ),
        events=(
            CaseEvent(
                type="registered",
                occurred_at=NOW - timedelta(days=3),
                actor="10442",
                applied=True,
                event_id="e1",
                fields={
                    "schema": "1",
                    "type": "registered",
                    "category": "fraud",
                    "received_at": "2026-03-08T09:00:00+06:00",
                    "summary": MARKUP,
                    "unit": MARKUP,
                },
            ),
            CaseEvent(
                type="assigned",
                occurred_at=NOW - timedelta(days=2),
                actor=None,
                applied=False,
                event_id="e2",
                fields={"officer": "4411"},
            ),
        ),
        deadlines=(
            DeadlineEntry(
                set_at=NOW - timedelta(days=3),
                deadline=NOW - timedelta(hours=1),
                period_days=14,
                period_unit="working",
                reason="registered",
            ),
        ),
        flags=(
            FlagEntry(
                id=7,
                comment=MARKUP,
                by="pros",
                at=NOW,
                cleared_by=None,
                cleared_at=None,
                cleared_comment=None,
                history=(
                    FlagNote("flag", "pros", NOW, MARKUP),
                    FlagNote("comment", "pros-2", NOW, "second <i>look</i>"),
                ),
            ),
        ),
    )
    body = case_body(detail, "ru", TZ, can_flag=True, now=NOW)
    words = texts(body)
    assert "до 11:00 11.03.2026 (просрочено на 1 ч 0 мин)" in words
    assert MARKUP in words  # summary and flag comment as text
    assert "⚠ Просрочено" in words and "Регистрация" in words and "ожидает регистрации" in words
    assert f"подразделение: {MARKUP}" in " ".join(words)
    assert "регистрация" in words  # deadline history reason, translated
    assert str(ids.clear_flag_button(7)) in ids_in(body) and ids.CASE_FLAG_BUTTON in ids_in(body)
    assert "second <i>look</i>" in words and str(ids.clear_flag_comment(7)) in ids_in(body)
    duty_body = case_body(detail, "ru", TZ, can_flag=False)
    assert ids.CASE_FLAG_BUTTON not in ids_in(duty_body)
    assert str(ids.clear_flag_button(7)) not in ids_in(duty_body)
    assert "Сроки не нарушались." in words  # no breach on record
    assert "Материал не найден" in texts(case_not_found("KUP-X", "ru"))
    assert field_text("received_at", "2026-03-08T09:00:00+06:00", "en", TZ) == (
        "received: 3/8/2026, 9:00\u202fAM"
    )
    assert field_text("received_at", "2026-03-08T09:00:00+06:00", "ru", TZ) == (
        "поступило: 08.03.2026, 09:00"
    )
    assert field_text("lat", "42.8746", "ru", TZ) == "широта: 42,8746"
    assert field_text("decision", "refused", "ru", "UTC") == "решение: отказано в возбуждении"
    assert field_text("received_at", "not a time", "ru", "UTC") == "поступило: not a time"


def test_no_component_renders_html_from_data() -> None:
    for component in walk(validation_layout()):
        assert not isinstance(component, dcc.Markdown)
        assert not (isinstance(component, html.Iframe))


@pytest.mark.parametrize(
    ("role", "region", "links", "menu"),
    [
        ("duty", None, [], []),
        ("manager", "KG-GO", ["/integrity"], []),  # one oversight page: a plain link
        ("prosecutor", None, [], ["/integrity", "/audit"]),
        ("admin", None, [], ["/integrity", "/deadletters", "/audit"]),
    ],
)
def test_oversight_pages_are_a_link_when_one_and_a_menu_when_more(
    role: str, region: str | None, links: list[str], menu: list[str]
) -> None:
    """The navbar keeps to one line at 1366 px: two or more oversight pages go in the menu
    «Контроль»; each role sees only the pages it may open."""
    bar = shell(Viewer("u", role, region), "ru")
    menus = [c for c in walk(bar) if getattr(c, "id", None) == ids.NAV_OVERSIGHT]
    in_menu = [c.href for m in menus for c in walk(m) if type(c).__name__ == "DropdownMenuItem"]
    nav_links = [getattr(c, "href", None) for c in walk(bar) if type(c).__name__ == "NavLink"]
    assert in_menu == menu
    assert [h for h in nav_links if h in {"/integrity", "/deadletters", "/audit"}] == links
    assert [m.label for m in menus] == (["Контроль"] if menu else [])
