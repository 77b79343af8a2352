"""The live page rendered from the push leader's live view (data.live_page.live_views, sent in
the "changes" push) against a real store (SQLite and PostgreSQL): the same feed, strip and
counter as the store path, the feed and the map's points read once per flush for every page of
the process (no SQL for the next page), the view read as untrusted input and kept to the
viewer's scope."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine

from callbacks import live as live_cb
from callbacks.inputs import InvalidCallbackInput
from components import ids
from data import live_page
from data.db import make_sessionmaker
from data.queries import CaseFilter
from tests.support import events as ev
from tests.support.stores import apply_events
from tests.ui.common import NOW, context, rendered, selects, statements, texts

DUE_SOON = timedelta(hours=24)
OPENED = (NOW - timedelta(minutes=45)).isoformat()


def views(engine: Engine, now: datetime = NOW) -> dict[str | None, dict]:
    """The leader's views of the country and of Osh, as the browser hands them back (JSON)."""
    with make_sessionmaker(engine)() as session:
        found = live_page.live_views(session, [None, "KG-GO", None], now, DUE_SOON)
    return {scope: json.loads(json.dumps(view)) for scope, view in found.items()}


def push(view: object) -> dict[str, object]:
    return {"registered_count": 1, "changed": 1, "registered": [], "view": view}


def test_live_views_hold_what_the_store_queries_give(engine: Engine, cases: dict[str, str]) -> None:
    found = views(engine)
    assert set(found) == {None, "KG-GO"}
    anchor = live_page.live_anchor(NOW)
    with make_sessionmaker(engine)() as session:
        for scope, view in found.items():
            flt = CaseFilter(scope_region=scope)
            assert view["counts"] == live_page.status_counts(session, flt, NOW, DUE_SOON)
            assert view["total"] == live_page.registered_since(session, flt, anchor)
            assert view["anchor"] == anchor.isoformat() and view["scope"] == scope
            assert view["as_of"] == NOW.isoformat()
    assert found["KG-GO"]["counts"]["open"] == 1
    assert len(json.dumps(found[None])) < 300  # no rows: a small push to every page


@pytest.mark.parametrize("who, scope", [("duty", None), ("manager-osh", "KG-GO")])
def test_a_push_with_a_view_renders_what_the_store_path_does(
    engine: Engine, cases: dict[str, str], who: str, scope: str | None
) -> None:
    ctx = context(engine, who)
    view = views(engine)[scope]
    queried = live_cb.refresh_feed(ctx, None, None, None, None, OPENED, "ru")
    with statements(engine) as first:
        pushed = live_cb.refresh_feed(
            ctx, None, None, None, None, OPENED, "ru", push(view), queried[3]
        )
    assert selects(first) == 1  # the flush's feed (the page's offset came with its first read)
    for mine, theirs in zip(pushed[:3], queried[:3], strict=True):
        assert rendered(mine) == rendered(theirs)  # feed, counter, strip
    assert pushed[3]["count"] == queried[3]["count"]
    with statements(engine) as second:
        again = live_cb.refresh_feed(
            ctx,
            scope,
            None,
            None,
            None,
            OPENED,
            "ru",
            push(view),
            {**pushed[3], "key": json.dumps([scope, None, None, None])},
        )
    assert second == []  # no SQL: its own region chosen counts as the default, and the
    # feed of this flush was read by the first page
    assert rendered(again[:3]) == rendered(pushed[:3])


def test_the_counter_follows_the_views_total_without_the_store(
    engine: Engine, cases: dict[str, str]
) -> None:
    ctx = context(engine, "duty")
    *_, counted = live_cb.refresh_feed(
        ctx, None, None, None, None, OPENED, "ru", push(views(engine)[None]), None
    )
    assert counted["count"] == 1  # A registered after the page opened
    for minutes in (1, 2, 3):  # new registrations after the anchor
        registered = ev.registered(ev.next_reg_no(ev.BISHKEK), NOW + timedelta(minutes=minutes))
        apply_events(engine, [registered], now=NOW)
    later = NOW + timedelta(minutes=4)
    view = views(engine, later)[None]
    # Pushes the page never saw (merged while a callback ran) are still counted: the total is.
    with statements(engine) as seen:
        items, new, strip, counted = live_cb.refresh_feed(
            ctx.at(later), None, None, None, None, OPENED, "ru", push(view), counted
        )
    assert selects(seen) == 1  # the new flush's feed (the anchor, and the offset, stayed)
    assert counted["count"] == 4 and texts(new)[0] == "4"
    stored = live_cb.refresh_feed(
        ctx.at(later),
        None,
        None,
        None,
        None,
        OPENED,
        "ru",
        None,
        {"key": counted["key"], "count": 0},
    )
    assert stored[3]["count"] == 4  # the store agrees
    assert rendered(items) == rendered(stored[0]) and rendered(strip) == rendered(stored[2])


def test_the_counter_carries_over_to_a_new_anchor_without_the_store(
    engine: Engine, cases: dict[str, str]
) -> None:
    """A page keeps its offset to the views' anchor from its first read; when the anchor
    moves on, the view's `before` (the registrations from the anchor the page knows to the
    new one) carries it over: no count of the page's own, the count still the store's."""
    ctx = context(engine, "duty")
    *_, counted = live_cb.refresh_feed(ctx, None, None, None, None, OPENED, "ru")
    first_anchor = live_page.live_anchor(NOW)
    assert counted["anchor"] == first_anchor.isoformat() and counted["count"] == 1
    filtered = live_cb.refresh_feed(ctx, None, None, "fraud", None, OPENED, "ru")
    assert "offset" not in filtered[3]  # other filters: the views are not this page's
    for at in (
        NOW + timedelta(minutes=1),
        first_anchor + live_page.LIVE_ANCHOR + timedelta(minutes=1),
    ):
        apply_events(engine, [ev.registered(ev.next_reg_no(ev.BISHKEK), at)], now=at)
    later = first_anchor + live_page.LIVE_ANCHOR + timedelta(minutes=3)
    with make_sessionmaker(engine)() as session:
        found = live_page.live_views(session, [None], later, DUE_SOON, {None: first_anchor})
    view = json.loads(json.dumps(found[None]))
    assert view["before"] == {"anchor": first_anchor.isoformat(), "count": 1}  # the first
    with statements(engine) as seen:
        *_, new, _, after = live_cb.refresh_feed(
            ctx.at(later), None, None, None, None, OPENED, "ru", push(view), counted
        )
    assert selects(seen) == 1  # the flush's feed only
    with make_sessionmaker(engine)() as session:
        stored = live_page.registered_since(session, CaseFilter(), datetime.fromisoformat(OPENED))
    assert after["count"] == stored == 3 and texts(new)[0] == "3"
    # A page that knows neither anchor counts its own offset, to the same figure.
    unknown = {**counted, "anchor": (first_anchor - live_page.LIVE_ANCHOR).isoformat()}
    with statements(engine) as seen:
        *_, again = live_cb.refresh_feed(
            ctx.at(later), None, None, None, None, OPENED, "ru", push(view), unknown
        )
    assert selects(seen) == 2 and again["count"] == 3  # since and the anchor; feed shared


def test_pages_behind_share_one_deeper_read_of_the_flush(
    engine: Engine, cases: dict[str, str]
) -> None:
    """Pages whose arrivals are no longer among the flush's newest rows (their callbacks
    ran behind the pushes) share one deeper read of the flush, their arrivals still on top."""
    ctx = context(engine, "duty")
    start = NOW - timedelta(minutes=20)
    events = [
        ev.registered(ev.next_reg_no(ev.BISHKEK), start + timedelta(seconds=i)) for i in range(120)
    ]
    apply_events(engine, events, now=NOW)
    *_, counted = live_cb.refresh_feed(ctx, None, None, None, None, OPENED, "ru")
    view = views(engine)[None]
    shown = []
    with statements(engine) as seen:
        for behind in (events[:3], events[2:6]):  # two pages, neither among the newest 100
            arrived = [e["reg_no"] for e in reversed(behind)]
            memory = {**counted, "arrived": arrived, "fresh": {}}
            items, *_ = live_cb.refresh_feed(
                ctx, None, None, None, None, OPENED, "ru", push(view), memory
            )
            numbers = [w for w in texts(items) if w.startswith("KUP-")]
            assert numbers[: len(arrived)] == arrived  # on top, the latest arrival first
            shown.append(numbers)
    assert selects(seen) == 2  # the flush's rows, and its deeper read: once for both pages
    assert all(len(numbers) == live_cb.FEED_SIZE for numbers in shown)


def test_a_recount_push_touches_only_pages_that_show_the_view(
    engine: Engine, cases: dict[str, str]
) -> None:
    """The leader's recount (nothing new but the room's counts) renders a default page from
    the view; a page with other filters has nothing to do and reads nothing."""
    recount = {
        "registered_count": 0,
        "changed": 0,
        "registered": [],
        "recount": True,
        "view": views(engine)[None],
    }
    assert not live_cb.pushed_nothing(recount)
    ctx = context(engine, "duty")
    *_, counted = live_cb.refresh_feed(ctx, None, None, None, None, OPENED, "ru")
    _, _, strip, _ = live_cb.refresh_feed(
        ctx, None, None, None, None, OPENED, "ru", recount, counted
    )
    assert rendered(strip) == rendered(
        live_cb.refresh_feed(ctx, None, None, None, None, OPENED, "ru")[2]
    )
    with statements(engine) as seen, pytest.raises(PreventUpdate):
        live_cb.refresh_feed(ctx, None, None, "fraud", None, OPENED, "ru", recount, counted)
    assert seen == []


def test_pages_that_may_not_show_the_view_query_the_store(
    engine: Engine, cases: dict[str, str]
) -> None:
    found = views(engine)
    # Reads of the store: the feed, the "new since opened" count and the status counts (the
    # counters' state and two sums over them), 5 statements; a page with the default filters
    # also counts to the views' anchor (its offset, kept for its pushes), 6.
    # Filters set: the store, with those filters.
    with statements(engine) as seen:
        items, *_ = live_cb.refresh_feed(
            context(engine, "duty"), None, None, "fraud", None, OPENED, "ru", push(found[None])
        )
    assert selects(seen) == 5 and [w for w in texts(items) if w.startswith("KUP-")] == [cases["B"]]
    # A country view (or a forged one) on a regional page: the store, in the page's scope.
    osh = context(engine, "manager-osh")
    with statements(engine) as seen:
        items, *_ = live_cb.refresh_feed(
            osh, None, None, None, None, OPENED, "ru", push(found[None])
        )
    assert selects(seen) == 6 and [w for w in texts(items) if w.startswith("KUP-")] == [cases["F"]]
    # No view, or one without an anchor: the store too.
    for payload in (push(None), push({**found["KG-GO"], "anchor": "soon"})):
        with statements(engine) as seen:
            live_cb.refresh_feed(osh, None, None, None, None, OPENED, "ru", payload)
        assert selects(seen) == 6


def test_rows_in_a_push_are_not_rendered(engine: Engine, cases: dict[str, str]) -> None:
    """The feed comes from the store in the viewer's scope, whatever rows a push carries."""
    forged = {
        **views(engine)["KG-GO"],
        "feed": [
            {"reg_no": cases["A"], "region": "KG-GO"},
            {"reg_no": "KUP-FORGED", "summary": "x"},
        ],
    }
    items, *_ = live_cb.refresh_feed(
        context(engine, "manager-osh"), None, None, None, None, OPENED, "ru", push(forged)
    )
    assert [w for w in texts(items) if w.startswith("KUP-")] == [cases["F"]]


@pytest.mark.parametrize(
    "change",
    [
        {"view": []},
        {"counts": {"open": "5"}},
        {"counts": [1, 2, 3]},
        {"total": "12"},
        {"scope": 5},
        {"anchor": 10},
        {"as_of": ["now"]},
    ],
)
def test_a_view_of_another_json_type_is_refused(
    engine: Engine, cases: dict[str, str], change: dict[str, object]
) -> None:
    view = [] if "view" in change else {**views(engine)[None], **change}
    with pytest.raises(InvalidCallbackInput):
        live_cb.refresh_feed(
            context(engine, "duty"), None, None, None, None, OPENED, "ru", push(view)
        )


def test_unknown_or_missing_view_values_degrade(engine: Engine, cases: dict[str, str]) -> None:
    ctx = context(engine, "duty")
    view = {"scope": None, "anchor": NOW.isoformat(), "as_of": NOW.isoformat()}
    items, new, strip, counted = live_cb.refresh_feed(
        ctx, None, None, None, None, OPENED, "ru", push(view)
    )
    assert "0" in texts(strip)  # no counts: zeros, not the store's
    assert counted["count"] == 1  # no total: the page's own offset (A) alone
    queried = live_cb.refresh_feed(ctx, None, None, None, None, OPENED, "ru")
    assert rendered(items) == rendered(queried[0])  # the feed, from the store


def map_push(ctx, view: dict, payload_filters=(None, None, None, None)):  # type: ignore[no-untyped-def]
    key = live_cb.map_key(payload_filters, "open", False, "ru")
    return live_cb.update_map(
        ctx, ids.SOCKET, *payload_filters, "open", "light", push(view), key, "ru"
    )


@pytest.mark.parametrize("who, scope", [("duty", None), ("manager-osh", "KG-GO")])
def test_map_points_are_read_once_per_flush_and_scope(
    engine: Engine, cases: dict[str, str], who: str, scope: str | None
) -> None:
    ctx = context(engine, who)
    view = views(engine)[scope]
    key = live_cb.map_key((None, None, None, None), "open", False, "ru")
    queried, _ = live_cb.update_map(
        ctx, ids.SOCKET, None, None, None, None, "open", "light", push(None), key, "ru"
    )
    with statements(engine) as first:
        shared, same = map_push(ctx, view)
    assert selects(first) == 2 and same == key  # the flush's rows (the feed's too), the points
    assert rendered(shared) == rendered(queried)  # the same points as the page's own query
    with statements(engine) as again:
        assert rendered(map_push(ctx, view)[0]) == rendered(queried)
    assert again == []  # the next page of the flush reads nothing


@pytest.mark.parametrize("who, scope", [("duty", None), ("manager-osh", "KG-GO")])
def test_the_next_flush_points_follow_from_its_rows(
    engine: Engine, cases: dict[str, str], who: str, scope: str | None
) -> None:
    """A flush after the first of its period takes the map's points from the previous
    flush's and its own rows (read for the feed anyway): the points the store gives, with
    no statement of their own; a flush of the next period reads them whole."""
    ctx = context(engine, who)
    map_push(ctx, views(engine)[scope])  # the first flush: the points read whole
    later = NOW + timedelta(seconds=2)
    district = ev.OSH_CITY if scope else ev.BISHKEK
    reg_no = ev.next_reg_no(district)
    lat, lon = ("40.52", "72.80") if scope else ("42.88", "74.60")
    registered = ev.registered(
        reg_no, later - timedelta(seconds=1), district=district, lat=lat, lon=lon
    )
    apply_events(engine, [registered], now=later)
    view = views(engine, later)[scope]
    with statements(engine) as seen:
        feed_items, *_ = live_cb.refresh_feed(
            ctx.at(later), None, None, None, None, OPENED, "ru", push(view), None
        )
    with statements(engine) as mapped:
        shared, _ = map_push(ctx.at(later), view)
    assert mapped == []  # the flush's rows came with the feed; the points followed from them
    queried, _ = map_push(ctx.at(later), None)  # no view: the page's own read
    assert rendered(shared) == rendered(queried)  # what the page's own read shows
    assert reg_no in json.dumps(shared.to_plotly_json())  # the new registration's point
    next_period = later + live_cb.POINTS_READ_EVERY
    next_view = views(engine, next_period)[scope]
    with statements(engine) as whole:
        map_push(ctx.at(next_period), next_view)
    assert selects(whole) == 2  # the rows and the points, read whole again
    assert selects(seen) >= 1


def test_map_pages_that_may_not_share_query_their_own(
    engine: Engine, cases: dict[str, str]
) -> None:
    ctx = context(engine, "manager-osh")
    found = views(engine)
    stale = {**found["KG-GO"], "as_of": (NOW - timedelta(minutes=5)).isoformat()}
    for view, filters in (
        (found[None], (None, None, None, None)),  # not its scope
        (found["KG-GO"], (None, None, "theft", None)),  # a filter set
        (stale, (None, None, None, None)),
    ):  # not of this moment
        with statements(engine) as seen:
            patch, _ = map_push(ctx, view, filters)
        assert selects(seen) == 1
        operations = patch.to_plotly_json()["operations"]
        lats = [
            lat for op in operations if op["location"][-1] == "lat" for lat in op["params"]["value"]
        ]
        assert lats in ([], [40.51])  # Osh's own point, or none (a theft filter)
