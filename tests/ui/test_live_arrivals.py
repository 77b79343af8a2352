"""The live feed's arrivals, called as plain functions against a real store (SQLite and
PostgreSQL): a registration pushed to the page goes on top in the order of arrival (a late
registration too) and is highlighted for a few seconds; the page's memory of them is scoped
and checked like any callback input; the counter's words agree with its number."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dash import html
from sqlalchemy import Engine

from callbacks import live as live_cb
from callbacks.inputs import InvalidCallbackInput
from components.live import HIGHLIGHT, new_count
from tests.support import events as ev
from tests.support.stores import apply_events
from tests.ui.common import NOW, context, texts, walk
from tests.ui.test_live_view_push import OPENED, views

FILTERS = (None, None, None, None)


def item(reg_no: str, district: str = ev.BISHKEK, category: str = "theft") -> dict[str, str]:
    region = "KG-GO" if district == ev.OSH_CITY else "KG-GB"
    return {
        "reg_no": reg_no,
        "region": region,
        "district": district,
        "category": category,
        "kind": "crime",
    }


def push(*items: dict[str, str]) -> dict[str, object]:
    return {"registered_count": len(items), "changed": len(items), "registered": list(items)}


def shown(items: object) -> list[tuple[str, bool]]:
    """The feed's registrations in order, each with whether it is highlighted."""
    return [
        (c.id.removeprefix("feed-"), "kup-feed-new" in c.className.split())
        for c in walk(items)
        if isinstance(getattr(c, "id", None), str) and c.id.startswith("feed-")
    ]


def test_pushed_registrations_go_on_top_in_arrival_order(
    engine: Engine, cases: dict[str, str]
) -> None:
    opened = (NOW - timedelta(minutes=45)).isoformat()
    first = context(engine, "duty")
    items, *_, memory = live_cb.refresh_feed(first, *FILTERS, opened, "ru")
    by_time = [cases[k] for k in "AFIB"]
    assert shown(items) == [(r, False) for r in by_time]

    # B was registered five days ago; pushed now, it goes on top, highlighted.
    items, *_, memory = live_cb.refresh_feed(
        first, *FILTERS, opened, "ru", push(item(cases["B"], category="fraud")), memory
    )
    assert shown(items)[:2] == [(cases["B"], True), (cases["A"], False)]
    assert memory["arrived"] == [cases["B"]]

    # Later, I then F arrive in one push: the last one stored is on top; B's few seconds are over.
    later = context(engine, "duty", NOW + HIGHLIGHT + timedelta(seconds=1))
    items, *_, memory = live_cb.refresh_feed(
        later, *FILTERS, opened, "ru", push(item(cases["I"]), item(cases["F"], ev.OSH_CITY)), memory
    )
    assert shown(items) == [
        (cases["F"], True),
        (cases["I"], True),
        (cases["B"], False),
        (cases["A"], False),
    ]
    assert set(memory["fresh"]) == {cases["F"], cases["I"]}

    # A push with nothing for the page keeps the order; new filters forget the arrivals.
    items, *_, kept = live_cb.refresh_feed(later, *FILTERS, opened, "ru", None, memory)
    assert [r for r, _ in shown(items)] == [cases[k] for k in "FIBA"]
    items, *_, fresh = live_cb.refresh_feed(
        later, None, None, "theft", None, opened, "ru", None, kept
    )
    assert [r for r, _ in shown(items)] == [cases[k] for k in "AFI"] and fresh["arrived"] == []


def test_a_regional_page_shows_no_other_regions_arrival(
    engine: Engine, cases: dict[str, str]
) -> None:
    osh = context(engine, "manager-osh")
    # A forged memory naming a Bishkek case: the page reads arrivals within its scope only.
    memory = {"key": "[null, null, null, null]", "count": 0, "arrived": [cases["B"]], "fresh": {}}
    items, *_ = live_cb.refresh_feed(osh, *FILTERS, None, "ru", None, memory)
    assert [r for r, _ in shown(items)] == [cases["F"]]


def test_arrivals_memory_is_bounded_and_checked() -> None:
    many = [f"KUP-{n:06d}" for n in range(80)]
    arrivals = live_cb.arrivals_after({}, many, NOW)
    assert arrivals.order == many[: live_cb.FEED_SIZE] and len(arrivals.fresh) == 80
    old = (NOW - HIGHLIGHT).isoformat()
    kept = live_cb.arrivals_after({"arrived": ["KUP-1", "KUP-2"], "fresh": {"KUP-1": old}}, [], NOW)
    assert kept.order == ["KUP-1", "KUP-2"] and kept.fresh == {}
    assert live_cb.pushed_arrivals(push(item("KUP-000001"), item("not a number")), FILTERS) == [
        "KUP-000001"
    ]
    with pytest.raises(InvalidCallbackInput):
        live_cb.arrivals_after({"arrived": "KUP-1"}, [], NOW)
    with pytest.raises(InvalidCallbackInput):
        live_cb.arrivals_after({"fresh": ["KUP-1"]}, [], NOW)


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (1, "1 новая регистрация с открытия страницы"),
        (2, "2 новые регистрации с открытия страницы"),
        (5, "5 новых регистраций с открытия страницы"),
    ],
)
def test_the_counter_agrees_with_its_number(count: int, words: str) -> None:
    parts = new_count(count, "ru")
    number = next(p for p in parts if isinstance(p, html.Strong))
    assert number.children == str(count)
    assert "".join(p if isinstance(p, str) else str(p.children) for p in parts) == words


def test_a_late_registration_pushed_with_a_view_is_on_top_and_counted(
    engine: Engine, cases: dict[str, str]
) -> None:
    ctx = context(engine, "duty")
    *_, counted = live_cb.refresh_feed(ctx, *FILTERS, OPENED, "ru")
    # Registered two days before, published now: below the newest 50 and before the opening.
    late = ev.next_reg_no()
    apply_events(engine, [ev.registered(late, NOW - timedelta(days=2))], now=NOW)
    for minutes in range(live_cb.FEED_SIZE):
        apply_events(engine, [ev.registered(ev.next_reg_no(), NOW - timedelta(minutes=minutes))])
    view = views(engine)[None]
    arrived = {**item(late), "registered_at": (NOW - timedelta(days=2)).isoformat()}
    payload = {**push(arrived), "view": view}
    items, new, _, counted = live_cb.refresh_feed(ctx, *FILTERS, OPENED, "ru", payload, counted)
    assert shown(items)[0] == (late, True) and len(shown(items)) == live_cb.FEED_SIZE
    # The view counts registrations since the opening; the late one is counted on top.
    assert counted["late"] == 1 and texts(new)[0] == str(view["total"] + counted["offset"] + 1)
