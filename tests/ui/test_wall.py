"""The wall screen's builders and callbacks against a real store (SQLite and PostgreSQL): the
cases needing attention (deadlines passed in the last hours, flags raised) within the viewer's
region, the day's registrations counted from local midnight, what is new on screen (nothing at
the first load), one read per push for every page of the process, the skeleton and the live
page's link to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from dash import dcc
from dash.development.base_component import Component
from sqlalchemy import Engine, select

from callbacks import wall as wall_cb
from components import ids
from components.i18n import region_name
from components.layout import page_for
from data import alerts, flags, wall
from data.db import make_sessionmaker, writer_engine
from data.models import Alert, Case
from data.queries import CaseFilter
from rules.clock import DEFAULT_TZ, zone
from tests.support import events as ev
from tests.support.stores import apply_events
from tests.support.users import viewer
from tests.ui.common import MARKUP, NOW, context, ids_in, selects, statements, texts, walk

# An hour before NOW: the deadlines of the cases received four days before NOW passed at local
# midnight, eleven hours before.
WATCHED = NOW - timedelta(hours=1)


@pytest.fixture
def attention_cases(engine: Engine) -> dict[str, str]:
    """Bishkek: `due` (its deadline passed at midnight, its summary markup), `decided` (the
    same, but decided), `old` (overdue for days, flagged two hours ago), `cleared` (overdue for
    days, flagged and cleared). Osh city: `osh` (its deadline passed at midnight)."""
    due, decided, old, cleared = (ev.next_reg_no(ev.BISHKEK) for _ in range(4))
    osh = ev.next_reg_no(ev.OSH_CITY)
    four_days, six_days = NOW - timedelta(days=4), NOW - timedelta(days=6)
    apply_events(
        engine,
        [
            ev.registered(due, four_days, summary=MARKUP),
            ev.registered(decided, four_days),
            ev.registered(old, six_days),
            ev.registered(cleared, six_days),
            ev.registered(osh, four_days, district=ev.OSH_CITY),
            ev.decided(decided, NOW - timedelta(days=2)),
        ],
        now=NOW,
    )
    prosecutor = viewer("prosecutor")
    with make_sessionmaker(writer_engine(engine)).begin() as session:
        flags.add_flag(session, prosecutor, old, "Запросить объяснение", NOW - timedelta(hours=2))
        flag = flags.add_flag(session, prosecutor, cleared, "Проверить", NOW - timedelta(hours=3))
        flags.clear_flag(
            session, prosecutor, cleared, flag.id, "Проверено", NOW - timedelta(hours=2)
        )
    return {"due": due, "decided": decided, "old": old, "cleared": cleared, "osh": osh}


def test_attention_lists_deadlines_just_passed_and_flags_raised_within_the_region(
    engine: Engine, attention_cases: dict[str, str]
) -> None:
    c = attention_cases
    with make_sessionmaker(engine)() as session:
        country = wall.attention(session, CaseFilter(), WATCHED)
        osh = wall.attention(session, CaseFilter(scope_region="KG-GO"), WATCHED)
        later = wall.attention(session, CaseFilter(), NOW + timedelta(hours=12))
    # The flag first (two hours ago), then the deadlines of midnight; neither the decided case,
    # nor the case overdue for days (but flagged: listed for its flag), nor the cleared flag.
    assert [(a.kind, a.case["reg_no"]) for a in country] == [
        ("flagged", c["old"]),
        ("overdue", c["due"]),  # (the same deadline: by number)
        ("overdue", c["osh"]),
    ]
    assert country[0].note == "Запросить объяснение" and country[0].by == "prosecutor"
    assert [(a.kind, a.case["reg_no"]) for a in osh] == [("overdue", c["osh"])]
    assert later == []  # twelve hours on, all of it is older than the window


def test_the_attention_panel_shows_why_since_when_and_the_text_as_text(
    engine: Engine, attention_cases: dict[str, str]
) -> None:
    panel, memory, alert = wall_cb.refresh_attention(
        context(engine, "duty", WATCHED), None, None, None, "ru"
    )
    shown = texts(panel)
    assert "⚑ Отметка прокурора" in shown and "⚠ Просрочен" in shown
    assert "на 11 ч 0 мин" in shown  # overdue since midnight, eleven hours before
    assert MARKUP in shown  # the summary as a text child: React escapes it
    assert "Запросить объяснение — prosecutor" in shown
    assert alert is wall_cb.no_update  # the first load plays no tone
    assert memory["new"] == [] and len(memory["seen"]) == 3


def test_what_arrives_after_the_first_load_is_new_and_stays_marked() -> None:
    arrived, marked, memory = wall_cb.newly_shown(["a", "b"], None)
    assert (arrived, marked) == ([], [])
    arrived, marked, memory = wall_cb.newly_shown(["c", "a", "b"], memory)
    assert (arrived, marked) == (["c"], ["c"])
    arrived, marked, memory = wall_cb.newly_shown(["c", "a"], memory)  # b settled
    assert (arrived, marked) == ([], ["c"])
    arrived, marked, _ = wall_cb.newly_shown(["a", "b"], memory)  # c settled, b back
    assert (arrived, marked) == ([], [])


def test_a_new_case_needing_attention_bumps_the_alert_and_is_highlighted(
    engine: Engine, attention_cases: dict[str, str]
) -> None:
    ctx = context(engine, "duty", WATCHED)
    _, memory, _ = wall_cb.refresh_attention(ctx, None, None, None, "ru")
    late = ev.next_reg_no(ev.BISHKEK)
    apply_events(engine, [ev.registered(late, NOW - timedelta(days=4))], now=NOW)
    push = {"reg_nos": [late], "count": 1, "truncated": False, "at": WATCHED.isoformat()}
    panel, memory, alert = wall_cb.refresh_attention(ctx, push, memory, {"seq": 4}, "ru")
    assert alert == {"new": 1, "seq": 5}
    new = [c for c in ids_in(panel) if str(c).startswith("wall-att-")]
    assert f"wall-att-overdue-{late}" in new
    highlighted = [
        getattr(c, "id", None)
        for c in _walk_classes(panel)
        if "kup-attention-new" in (c.className or "")
    ]
    assert highlighted == [f"wall-att-overdue-{late}"]


def _walk_classes(node: object) -> list[Component]:
    """The components of a layout tree that take a class name."""
    return [c for c in walk(node) if hasattr(c, "className")]


def test_pages_of_one_push_share_one_read(engine: Engine, attention_cases: dict[str, str]) -> None:
    push = {"reg_nos": [], "count": 0, "truncated": False, "at": WATCHED.isoformat()}
    manager = context(engine, "manager", WATCHED)  # (one process: one sessionmaker)
    first = wall_cb.read_attention(manager, push)
    with statements(engine) as seen:
        second = wall_cb.read_attention(replace(manager, viewer=viewer("duty")), push)
    assert selects(seen) == 0 and second == first
    with statements(engine) as seen:
        osh = wall_cb.read_attention(replace(manager, viewer=viewer("manager-osh")), push)
    assert selects(seen) > 0  # another room reads its own
    assert {a.case["region"] for a in osh} == {"KG-GO"}


@pytest.mark.parametrize(
    "who, today, shown", [("duty", "2", {"A", "F"}), ("manager-osh", "1", {"F"})]
)
def test_the_counters_count_the_day_from_local_midnight_within_the_region(
    engine: Engine, cases: dict[str, str], who: str, today: str, shown: set[str]
) -> None:
    counters, feed, memory = wall_cb.refresh_wall_feed(context(engine, who), None, None, "ru")
    by_id = {getattr(c, "id", None): c.children for c in _walk_classes(counters)}
    assert by_id["wall-today"] == today  # A and F were registered this morning, I and B before
    assert memory["day"] == wall.day_start(NOW, zone(DEFAULT_TZ)).isoformat()
    reg_nos = {
        c.id.removeprefix("feed-")
        for c in _walk_classes(feed)
        if isinstance(getattr(c, "id", None), str)
    }
    expected = {cases[k] for k in shown}
    assert expected <= reg_nos and (who == "duty" or reg_nos == expected)


def test_the_day_count_starts_again_at_midnight(engine: Engine, cases: dict[str, str]) -> None:
    _, _, memory = wall_cb.refresh_wall_feed(context(engine, "duty"), None, None, "ru")
    memory = {**memory, "count": 40}  # what the page counted through the day
    _, _, same_day = wall_cb.refresh_wall_feed(context(engine, "duty"), None, memory, "ru")
    assert same_day["count"] == 40  # never less than it showed, the same day
    tomorrow = NOW + timedelta(days=1)
    _, _, next_day = wall_cb.refresh_wall_feed(
        context(engine, "duty", tomorrow), None, memory, "ru"
    )
    assert next_day["count"] == 0 and next_day["day"] != memory["day"]


def test_the_wall_page_has_its_panels_and_the_live_page_links_to_it() -> None:
    page = page_for("/wall", viewer("manager-osh"), "ru", NOW)
    found = ids_in(page)
    for part in (ids.WALL_MAP, ids.WALL_FEED, ids.WALL_ATTENTION, ids.WALL_COUNTERS):
        assert part in found
    assert not any(isinstance(c, dcc.Interval) for c in walk(page))  # no timer: pushes only
    assert region_name("KG-GO", "ru") in texts(page)  # the scope, in the top line
    live = page_for("/", viewer("duty"), "ru", NOW)
    assert "/wall" in [getattr(c, "href", None) for c in walk(live)]


def test_the_wall_is_dark_unless_switched_off() -> None:
    assert wall_cb.wall_theme(None) == "dark" and wall_cb.wall_theme(True) == "dark"
    assert wall_cb.wall_theme(False) == "light"


def test_escalations_of_the_alert_ladder_need_attention_until_acknowledged(
    engine: Engine,
) -> None:
    """An alert nobody acknowledged climbs to the region's managers, then the prosecutors: each
    step shows on the wall of its region (not another's) with whom it reached; acknowledged,
    the escalations leave the panel."""
    reg_no = ev.next_reg_no(ev.BISHKEK)
    apply_events(engine, [ev.registered(reg_no, NOW - timedelta(days=4))], now=NOW)
    writer = make_sessionmaker(writer_engine(engine))
    with writer() as session:
        deadline = session.scalar(select(Case.deadline).where(Case.reg_no == reg_no))
    assert deadline is not None
    hour = timedelta(hours=1)
    for at in (deadline + timedelta(minutes=1), deadline + 2 * hour, deadline + 3 * hour):
        with writer.begin() as session:
            alerts.sweep(session, at, hour, None, look_back=timedelta(minutes=5))
    seen_at = deadline + 3 * hour + timedelta(minutes=1)
    with make_sessionmaker(engine)() as session:
        country = wall.attention(session, CaseFilter(), seen_at)
        osh = wall.attention(session, CaseFilter(scope_region="KG-GO"), seen_at)
    escalations = [(a.level, a.case["reg_no"]) for a in country if a.kind == "escalated"]
    assert escalations == [(2, reg_no), (1, reg_no)]  # the latest first
    assert not [a for a in osh if a.kind == "escalated"]
    panel, _, _ = wall_cb.refresh_attention(
        context(engine, "duty", seen_at), None, None, None, "ru"
    )
    shown = texts(panel)
    assert "⇧ Эскалация" in shown
    assert "Никто не принял тревогу: доведено до прокуроров" in shown
    with writer.begin() as session:
        alert_id = session.scalar(select(Alert.id).where(Alert.reg_no == reg_no))
        assert alert_id is not None
        alerts.act(session, viewer("duty"), alert_id, "ack", "Принято", now=seen_at)
    with make_sessionmaker(engine)() as session:
        after = wall.attention(session, CaseFilter(), seen_at + timedelta(minutes=1))
    assert not [a for a in after if a.kind == "escalated"]
