"""Pages rendered from what the push leader read once for their room (console/web/push.py's
room_reads: the "map" and "workload" pushes) and the overdue lists re-read once per push and web
process, against a real store (SQLite and PostgreSQL): the same output as the page's own query,
no SQL of the page's own, the pushed data read as untrusted input and kept to the viewer's
scope."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from callbacks import live as live_cb
from callbacks import overdue as overdue_cb
from callbacks import workload as workload_cb
from callbacks.inputs import InvalidCallbackInput
from components import ids
from console.web.push import room_reads
from data.db import make_sessionmaker
from tests.support import events as ev
from tests.ui.common import NO_FILTERS, NOW, context, rendered, selects, statements

DUE_SOON = timedelta(hours=24)
NO_LIVE_FILTERS = (None, None, None, None)


def pushed(engine: Engine, scope: str | None) -> dict[str, dict]:
    """The leader's "map" and "workload" payloads of a room, as the browser hands them back."""
    with make_sessionmaker(engine)() as session:
        reads = room_reads(session, scope, NOW, DUE_SOON, ZoneInfo("Asia/Bishkek"))
    return json.loads(json.dumps(reads))


def shading_of(patch: object) -> dict[str, list]:
    """The district trace's arrays a map patch sets (locations, z, customdata)."""
    operations = patch.to_plotly_json()["operations"]  # type: ignore[attr-defined]
    return {
        op["location"][-1]: op["params"]["value"]
        for op in operations
        if op["location"][:2] == ["data", 0]
    }


def map_update(ctx, trigger, shading=None, filters=NO_LIVE_FILTERS):  # type: ignore[no-untyped-def]
    key = live_cb.map_key(filters, "overdue", False, "ru")
    return live_cb.update_map(ctx, trigger, *filters, "overdue", "light", None, key, "ru", shading)[
        0
    ]


@pytest.mark.parametrize("who, scope", [("duty", None), ("manager-osh", "KG-GO")])
def test_map_shading_from_the_push_needs_no_query(
    engine: Engine, cases: dict[str, str], who: str, scope: str | None
) -> None:
    ctx = context(engine, who)
    queried, shading = shading_of(map_update(ctx, ids.LIVE_MAP_TICK)), pushed(engine, scope)
    with statements(engine) as seen:
        patch = map_update(ctx, live_cb.MAP_PUSH, shading["map"])
    assert seen == []
    assert shading_of(patch) == queried
    assert queried["z"] and len(queried["locations"]) == (55 if scope is None else 1)


def test_map_pages_that_may_not_show_the_push_read_their_own_shading(
    engine: Engine, cases: dict[str, str]
) -> None:
    ctx = context(engine, "manager-osh")
    country = pushed(engine, None)["map"]
    for shading, filters in (
        (country, NO_LIVE_FILTERS),
        (pushed(engine, "KG-GO")["map"], (None, None, "theft", None)),
    ):
        with statements(engine) as seen:
            patch = map_update(ctx, live_cb.MAP_PUSH, shading, filters)
        # Its own reads, in its own scope: the counters' state, two sums over them (open
        # cases, deadlines after now) and the last day's registrations.
        assert selects(seen) == 4
        assert shading_of(patch)["locations"] == [ev.OSH_CITY]


def test_a_forged_map_push_is_refused(engine: Engine, cases: dict[str, str]) -> None:
    shading = pushed(engine, None)["map"]
    shading["stats"][0]["open"] = "many"
    with pytest.raises(InvalidCallbackInput):
        map_update(context(engine, "duty"), live_cb.MAP_PUSH, shading)


@pytest.mark.parametrize("who, scope", [("manager", None), ("manager-osh", "KG-GO")])
def test_workload_from_the_push_needs_no_query(
    engine: Engine, cases: dict[str, str], who: str, scope: str | None
) -> None:
    ctx = context(engine, who)
    queried = workload_cb.update_workload(ctx, "", "light", "ru")
    payload = pushed(engine, scope)["workload"]
    with statements(engine) as seen:
        shown = workload_cb.update_workload(ctx, "", "light", "ru", payload)
    assert seen == []
    assert rendered(shown) == rendered(queried)


def test_workload_pages_that_may_not_show_the_push_read_their_own(
    engine: Engine, cases: dict[str, str]
) -> None:
    osh, country = context(engine, "manager-osh"), context(engine, "manager")
    payload, drilled = pushed(engine, None)["workload"], f"?district={ev.BISHKEK}"
    with statements(engine) as seen:
        _, _, rows, *_ = workload_cb.update_workload(osh, "", "light", "ru", payload)
    assert seen and [r["key"] for r in rows] == [ev.OSH_CITY]  # not the country's rows
    queried = rendered(workload_cb.update_workload(country, drilled, "light", "ru"))
    for page in ("first", "next"):  # two pages at that point, on the same push
        with statements(engine) as seen:
            shown = workload_cb.update_workload(country, drilled, "light", "ru", payload)
        assert rendered(shown) == queried
        assert (selects(seen) > 0) == (page == "first")  # read once, for both


def test_a_forged_workload_push_is_refused(engine: Engine, cases: dict[str, str]) -> None:
    payload = pushed(engine, None)["workload"]
    payload["rows"][0]["overdue"] = [1]
    with pytest.raises(InvalidCallbackInput):
        workload_cb.update_workload(context(engine, "manager"), "", "light", "ru", payload)


def overdue_push(at=NOW) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {"reg_nos": [], "count": 0, "truncated": False, "at": at.isoformat()}


def grids(ctx, filters, payload):  # type: ignore[no-untyped-def]
    return overdue_cb.refresh_overdue(
        ctx, filters, [], None, "ru", overdue_cb.push_instant(ctx, payload)
    )


FRAUD = (None, None, "fraud", None, None, None)


@pytest.mark.parametrize("filters", [NO_FILTERS, FRAUD])
def test_overdue_lists_are_read_once_per_push_for_every_page_of_a_scope_and_filter(
    engine: Engine, cases: dict[str, str], filters: tuple
) -> None:
    ctx = context(engine, "prosecutor")
    queried = overdue_cb.refresh_overdue(ctx, filters, [], None, "ru")
    payload = overdue_push()
    with statements(engine) as first:
        shown = grids(ctx, filters, payload)
    assert selects(first) >= 2 and rendered(shown) == rendered(queried)
    with statements(engine) as again:
        assert rendered(grids(ctx, filters, payload)) == rendered(queried)
    assert again == []  # the next page of the push reads nothing


def test_overdue_pages_of_another_scope_or_filter_or_moment_read_their_own(
    engine: Engine, cases: dict[str, str]
) -> None:
    ctx = context(engine, "prosecutor")
    assert overdue_cb.push_instant(ctx, overdue_push(NOW - timedelta(minutes=5))) is None
    assert overdue_cb.push_instant(ctx, {"reg_nos": []}) is None
    payload = overdue_push()
    grids(ctx, NO_FILTERS, payload)
    with statements(engine) as osh:  # a regional page never shares the country's read
        overdue, *_ = grids(context(engine, "prosecutor-osh"), NO_FILTERS, payload)
    assert osh and [r["reg_no"] for r in overdue] == [cases["F"]]
    with statements(engine) as fraud:  # nor a page with another filter
        overdue, *_ = grids(ctx, FRAUD, payload)
    assert fraud and [r["reg_no"] for r in overdue] == [cases["B"]]
