"""Live push: coalescing (pure), socket login and room scoping with the Socket.IO test client,
ingest → pub/sub → push end to end, deadlines passing with no event, flags (the one flag service
→ its channel → the leader → the case's rooms), the map, workload and overdue-list refresh read
once per room and sent to that room only, the health check pushed to every room when it
changes, leader election, a Redis outage announced to the pages, the live view each room's push
carries, and no page timer faster than the safety refresh."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from dash import dcc
from sqlalchemy import event, select

from components import ids
from components.common import SAFETY_REFRESH_MS
from components.layout import SOCKET_EVENTS, validation_layout
from console.config import load_settings
from console.runtime import ingest_worker
from console.web.push import COUNTRY_ROOM, MAX_ITEMS, Coalescer, Pusher, region_room
from data import alerts, flags, live_page, streams
from data.models import AuditEntry, Case, Setting
from data.reference import load_geography
from tests.support import events as ev
from tests.support.servers import RedisServer
from tests.support.stores import apply_events, new_case
from tests.support.users import viewer
from tests.support.web import csrf_header, login

T0 = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)


def _item(reg_no: str, region: str) -> dict[str, object]:
    return {"reg_no": reg_no, "region": region, "district": "x", "category": "theft"}


def _message(*items: dict[str, object], at: datetime = T0, **extra: object) -> dict:
    return {
        "at": at.isoformat(),
        "registered": list(items),
        "registered_count": len(items),
        "changed": len(items),
        "rejected": 0,
        "regions": sorted({str(i["region"]) for i in items}),
        **extra,
    }


# --- coalescing (pure) -----------------------------------------------------------------------


def test_burst_becomes_one_payload_per_room() -> None:
    coalescer = Coalescer(frozenset({"KG-GB", "KG-GO", "KG-C"}))
    for n in range(500):
        region = "KG-GO" if n % 5 == 0 else "KG-GB"
        coalescer.add(_message(_item(f"R{n}", region), at=T0 + timedelta(seconds=n)))
    rooms, times = coalescer.drain()
    assert set(rooms) == {COUNTRY_ROOM, "region:KG-GB", "region:KG-GO", "region:KG-C"}
    # Ingest did not say which regions the changes were in: every region re-queries.
    assert rooms["region:KG-C"]["registered"] == [] and rooms["region:KG-C"]["changed"] is None
    country, osh = rooms[COUNTRY_ROOM], rooms["region:KG-GO"]
    assert country["registered_count"] == 500 and country["changed"] == 500
    assert [i["reg_no"] for i in country["registered"]] == [f"R{n}" for n in range(400, 500)]
    assert country["truncated"] is True and country["messages"] == 500
    assert osh["registered_count"] == 100 and len(osh["registered"]) == MAX_ITEMS
    assert {i["region"] for i in osh["registered"]} == {"KG-GO"}
    assert osh["changed"] is None  # ingest did not say which region changed
    assert "rejected" not in osh and country["rejected"] == 0
    assert len(times) == 500 and not coalescer
    assert coalescer.drain() == ({}, [])


def test_region_rooms_hear_of_unattributed_changes() -> None:
    coalescer = Coalescer(frozenset({"KG-GB", "KG-GO"}))
    coalescer.add(
        {
            "at": T0.isoformat(),
            "registered": [],
            "registered_count": 0,
            "changed": 3,
            "rejected": 1,
            "regions": [],
        }
    )
    rooms, _ = coalescer.drain()
    assert rooms["region:KG-GO"]["changed"] is None and rooms["region:KG-GO"]["registered"] == []
    assert rooms[COUNTRY_ROOM]["changed"] == 3 and rooms[COUNTRY_ROOM]["rejected"] == 1


def test_changes_by_region_when_ingest_reports_them() -> None:
    coalescer = Coalescer(frozenset({"KG-GB", "KG-GO"}))
    coalescer.add(_message(changed=4, changed_regions={"KG-GB": 4}))
    rooms, _ = coalescer.drain()
    assert rooms["region:KG-GB"]["changed"] == 4 and "region:KG-GO" not in rooms


@pytest.mark.parametrize(
    "message",
    [
        {},
        {"registered": "nope"},
        {"registered": [1, None, {"region": 5}]},
        {"registered_count": -3, "changed": "many"},
        {"at": "yesterday"},
        {"regions": [1, 2]},
    ],
)
def test_malformed_announcements_are_harmless(message) -> None:  # type: ignore[no-untyped-def]
    coalescer = Coalescer(frozenset({"KG-GB"}))
    coalescer.add(message)
    rooms, _ = coalescer.drain()
    assert rooms[COUNTRY_ROOM]["registered"] == [] and rooms[COUNTRY_ROOM]["registered_count"] == 0


# --- sockets (Flask-SocketIO test client, no message queue) -------------------------------------


def _events(client, name: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return [e["args"][0] for e in client.get_received() if e["name"] == name]


def wait_for(
    client,
    name: str,
    done: Callable[[list[dict]], bool],  # type: ignore[no-untyped-def]
    timeout: float = 15.0,
) -> list[dict]:
    """Collect `name` events until `done(events)` (the push runs in a background thread)."""
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while True:
        seen += _events(client, name)
        if done(seen) or time.monotonic() > deadline:
            return seen
        time.sleep(0.02)


@pytest.fixture
def local(make_web, web):  # type: ignore[no-untyped-def]
    """An app whose emits stay in this process (the test client refuses a message queue)."""
    del web  # creates the users
    return make_web(message_queue=False)


@pytest.fixture
def socket_for(local):  # type: ignore[no-untyped-def]
    def make(username: str | None):  # type: ignore[no-untyped-def]
        flask_client = local.server.test_client()
        if username is not None:
            assert login(flask_client, username).status_code == 302
        return local.socketio.test_client(local.server, flask_test_client=flask_client)

    return make


def test_socket_refused_without_login(socket_for) -> None:  # type: ignore[no-untyped-def]
    assert not socket_for(None).is_connected()


def test_socket_joins_the_users_room(socket_for) -> None:  # type: ignore[no-untyped-def]
    country, osh = socket_for("duty"), socket_for("manager-osh")
    assert country.is_connected() and osh.is_connected()
    assert _events(country, "hello")[0]["room"] == COUNTRY_ROOM
    assert _events(osh, "hello")[0]["room"] == "region:KG-GO"


def _subscribed(redis_client, channel: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 15
    while dict(redis_client.pubsub_numsub(channel)).get(channel.encode(), 0) < 1:
        assert time.monotonic() < deadline, "the pusher never subscribed"
        time.sleep(0.02)


def test_ingest_announcements_reach_only_the_right_rooms(
    local,
    socket_for,
    engine,  # type: ignore[no-untyped-def]
    redis_client,
) -> None:
    country, osh = socket_for("duty"), socket_for("manager-osh")
    for client in (country, osh):
        client.get_received()
    settings = local.state.settings
    local.state.pusher.flush_interval = 0.05
    local.state.pusher.start()
    _subscribed(redis_client, settings.changes_channel)

    now = datetime.now(UTC)
    bishkek_no, osh_no = ev.next_reg_no(ev.BISHKEK), ev.next_reg_no(ev.OSH_CITY)
    streams.append_events(
        redis_client,
        settings.stream,
        [
            ev.registered(bishkek_no, now - timedelta(minutes=1), summary="<b>bold</b>"),
            ev.registered(osh_no, now - timedelta(minutes=1), district=ev.OSH_CITY),
        ],
    )
    worker = ingest_worker(settings, engine, settings.redis_url)
    handled = 0
    for _ in range(4):  # its own pending entries first (none), then the new ones
        handled += worker.step()
    assert handled == 2

    def registered(events: list[dict]) -> set[str]:
        return {i["reg_no"] for e in events for i in e["registered"]}

    seen_country = wait_for(country, "changes", lambda e: registered(e) >= {bishkek_no, osh_no})
    assert registered(seen_country) == {bishkek_no, osh_no}
    seen_osh = wait_for(osh, "changes", lambda e: osh_no in registered(e))
    assert registered(seen_osh) == {osh_no}
    assert all("rejected" not in e for e in seen_osh)
    histogram = local.state.metrics.registry.get_sample_value("kup_push_latency_seconds_count")
    assert histogram is not None and histogram >= 1


def test_passing_deadline_is_pushed_without_any_event(local, socket_for, engine) -> None:  # type: ignore[no-untyped-def]
    country, osh = socket_for("duty"), socket_for("manager-osh")
    open_no = new_case(engine, ev.BISHKEK)
    decided_no = new_case(engine, ev.BISHKEK)
    apply_events(engine, [ev.decided(decided_no, datetime.now(UTC))])
    with local.state.sessions() as s:
        deadline = s.scalar(select(Case.deadline).where(Case.reg_no == open_no))
    pusher: Pusher = local.state.pusher
    pusher.last_overdue_check = deadline - timedelta(minutes=1)
    assert pusher.check_overdue(deadline - timedelta(seconds=1)) == {}
    rooms = pusher.check_overdue(deadline + timedelta(seconds=1))
    assert set(rooms) == {COUNTRY_ROOM, region_room("KG-GB")}
    assert rooms[COUNTRY_ROOM]["reg_nos"] == [open_no] and rooms[COUNTRY_ROOM]["count"] == 1
    assert [e["reg_nos"] for e in _events(country, "overdue")] == [[open_no]]
    assert _events(osh, "overdue") == []
    assert pusher.check_overdue(deadline + timedelta(seconds=20)) == {}  # reported once


def _leading(pusher: Pusher, redis_client, channel: str) -> None:  # type: ignore[no-untyped-def]
    """Start the pusher and wait until it listens on `channel`."""
    pusher.start()
    _subscribed(redis_client, channel)


def test_flags_set_through_the_api_reach_who_can_see_the_case(
    local,
    socket_for,
    engine,
    redis_client,  # type: ignore[no-untyped-def]
) -> None:
    reg_no = new_case(engine, ev.BISHKEK)
    country, osh = socket_for("manager"), socket_for("manager-osh")
    _leading(local.state.pusher, redis_client, flags.flags_channel(local.state.settings.streams))
    prosecutor = local.server.test_client()
    login(prosecutor, "prosecutor")
    prosecutor.get("/")
    response = prosecutor.post(
        f"/api/v1/cases/{reg_no}/flags", json={"comment": "look"}, headers=csrf_header(prosecutor)
    )
    assert response.status_code == 201
    flag_id = response.get_json()["id"]
    seen = wait_for(country, "flags", lambda e: len(e) >= 1)
    assert [(e["reg_no"], e["flagged"], e["flag_id"]) for e in seen] == [(reg_no, True, flag_id)]
    cleared = prosecutor.delete(
        f"/api/v1/cases/{reg_no}/flags/{flag_id}",
        json={"comment": "seen"},
        headers=csrf_header(prosecutor),
    )
    assert cleared.status_code == 200
    seen = wait_for(country, "flags", lambda e: len(e) >= 1)
    assert [(e["reg_no"], e["flagged"]) for e in seen] == [(reg_no, False)]
    time.sleep(0.3)
    assert _events(osh, "flags") == []  # a Bishkek case: not Osh's


def test_the_flag_service_announces_once_for_the_api_and_the_pages(
    local,
    socket_for,
    engine,
    redis_client,  # type: ignore[no-untyped-def]
) -> None:
    """data.flags records, audits and announces; the leader forwards to the case's rooms."""
    settings = local.state.settings
    reg_no = new_case(engine, ev.OSH_CITY)
    country, osh = socket_for("duty"), socket_for("manager-osh")
    _leading(local.state.pusher, redis_client, flags.flags_channel(settings.streams))
    prosecutor = viewer("prosecutor-osh")
    service = flags.FlagService(local.state.writer, redis_client, settings.streams)
    change = service.set(prosecutor, reg_no, "check")
    assert (change.region, change.flagged) == ("KG-GO", True)
    for client in (country, osh):
        seen = wait_for(client, "flags", lambda e: len(e) >= 1)
        assert [(e["reg_no"], e["flag_id"]) for e in seen] == [(reg_no, change.flag.id)]
    with local.state.sessions() as s:
        assert s.scalar(select(Case.flagged).where(Case.reg_no == reg_no)) is True
        actions = [
            e.action for e in s.scalars(select(AuditEntry).where(AuditEntry.target == reg_no))
        ]
    assert actions == ["flag"]


def test_malformed_flag_announcements_are_ignored(local) -> None:  # type: ignore[no-untyped-def]
    pusher: Pusher = local.state.pusher
    for message in (
        {},
        {"reg_no": "R1", "region": "", "flagged": True, "flag_id": 1},
        {"reg_no": "R1", "region": "KG-GB", "flagged": "yes", "flag_id": 1},
        {"reg_no": "R1", "region": "KG-GB", "flagged": True, "flag_id": "1"},
    ):
        assert pusher.forward_flag(message) == []
    assert pusher.forward_flag(
        {"reg_no": "R1", "region": "KG-GB", "flagged": True, "flag_id": 3}
    ) == [COUNTRY_ROOM, region_room("KG-GB")]


def test_refresh_reads_once_per_room_and_sends_each_room_only_its_own(
    local,
    socket_for,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    country, osh = socket_for("duty"), socket_for("manager-osh")
    bishkek_no, osh_no = (new_case(engine, d) for d in (ev.BISHKEK, ev.OSH_CITY))
    pusher: Pusher = local.state.pusher
    assert pusher.refresh() == {}  # nothing changed since the last refresh: no read
    pusher.coalescer.add(
        _message(
            _item(bishkek_no, "KG-GB"),
            _item(osh_no, "KG-GO"),
            changed_regions={"KG-GB": 1, "KG-GO": 1},
        )
    )
    pusher.flush()
    for client in (country, osh):
        client.get_received()
    sent = pusher.refresh()
    assert set(sent) == {COUNTRY_ROOM, region_room("KG-GO")}  # nobody watches Bishkek alone
    osh_districts = {d for d, g in load_geography().districts.items() if g.region == "KG-GO"}
    received = osh.get_received()
    [osh_map], [osh_workload], [osh_overdue] = (
        [e["args"][0] for e in received if e["name"] == name]
        for name in ("map", "workload", "overdue")
    )
    assert {s["district"] for s in osh_map["stats"]} == osh_districts
    assert {r["key"] for r in osh_workload["rows"]} == osh_districts
    assert sum(r["open"] for r in osh_workload["rows"]) == 1
    assert osh_map["scope"] == osh_workload["scope"] == "KG-GO"
    assert osh_overdue["reg_nos"] == []  # the room's cases changed: its lists re-read
    [country_map] = _events(country, "map")
    assert len(country_map["stats"]) == len(load_geography().districts)
    assert sum(s["open"] for s in country_map["stats"]) == 2
    assert pusher.refresh() == {}  # sent once per change


def test_deadlines_passing_refresh_the_map_but_not_the_lists_twice(
    local,
    socket_for,
    engine,  # type: ignore[no-untyped-def]
) -> None:
    country = socket_for("duty")
    open_no = new_case(engine, ev.BISHKEK)
    with local.state.sessions() as s:
        deadline = s.scalar(select(Case.deadline).where(Case.reg_no == open_no))
    pusher: Pusher = local.state.pusher
    pusher.last_overdue_check = deadline - timedelta(minutes=1)
    pusher.check_overdue(deadline + timedelta(seconds=1))
    country.get_received()
    sent = pusher.refresh(deadline + timedelta(seconds=2))
    assert set(sent[COUNTRY_ROOM]) == {"map", "workload"}  # "overdue" went out already
    [shading] = _events(country, "map")
    assert sum(s["overdue"] for s in shading["stats"]) == 1


def test_health_is_checked_once_and_pushed_to_every_room_when_it_changes(
    local,
    socket_for,
    redis_client,  # type: ignore[no-untyped-def]
) -> None:
    settings = local.state.settings
    country, osh = socket_for("duty"), socket_for("manager-osh")
    pusher: Pusher = local.state.pusher
    calm = pusher.check_health()
    assert calm is not None and pusher.check_health() is None  # the same words: not again
    streams.ensure_group(redis_client, settings.stream, settings.group)
    old = int(datetime.now(UTC).timestamp() * 1000) - 300_000
    redis_client.xadd(settings.stream, ev.registered(ev.next_reg_no(), T0), id=f"{old}-0")
    stale = pusher.check_health()
    assert stale is not None and stale["freshness"]["stale"] is True
    for client in (country, osh):  # the stream's health: every room hears it
        assert [e["freshness"]["stale"] for e in _events(client, "health")] == [False, True]
    late = socket_for("manager-osh")  # a page opened later gets the last check on connect
    assert [e["freshness"]["stale"] for e in _events(late, "health")] == [True]
    late.disconnect()


def test_pages_poll_no_faster_than_the_safety_refresh() -> None:
    """Every timer of every page is the slow safety refresh; what changes comes pushed."""
    layout = validation_layout()
    intervals = [c for c in _walk(layout) if isinstance(c, dcc.Interval)]
    assert {c.id for c in intervals} == {ids.LIVE_MAP_TICK, ids.OVERDUE_TICK, ids.WORKLOAD_TICK}
    assert all(c.interval >= 300_000 for c in intervals) and SAFETY_REFRESH_MS >= 300_000
    assert {"changes", "overdue", "map", "workload", "flags", "health"} <= set(SOCKET_EVENTS)


def _walk(component):  # type: ignore[no-untyped-def]
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _walk(child)


def test_one_leader_at_a_time(make_web, web) -> None:  # type: ignore[no-untyped-def]
    first, second = make_web(message_queue=False), make_web(message_queue=False)
    pushers = [first.state.pusher, second.state.pusher]
    for pusher in pushers:
        pusher.leader_ttl = 1.5
        pusher.start()
    deadline = time.monotonic() + 15
    while sum(p.is_leader for p in pushers) != 1:
        assert time.monotonic() < deadline, "no leader elected"
        time.sleep(0.05)
    leader = next(p for p in pushers if p.is_leader)
    follower = next(p for p in pushers if not p.is_leader)
    time.sleep(1.0)  # a renewal or two later there is still exactly one leader
    assert leader.is_leader and not follower.is_leader
    leader.stop()  # releases the key: the other takes over
    while not follower.is_leader:
        assert time.monotonic() < deadline, "no takeover"
        time.sleep(0.05)


def test_redis_outage_is_announced_then_resync(make_web, web, web_settings) -> None:  # type: ignore[no-untyped-def]
    # Persistent, as a console's Redis is (its stream; its sessions, which a Redis restarted
    # empty would end, disconnecting the socket: tests/web/test_session_end.py)
    private = RedisServer(persistence=True).start()
    try:
        app = make_web(
            message_queue=False, settings=web_settings.with_overrides(redis_url=private.url)
        )
        flask_client = app.server.test_client()
        login(flask_client, "duty")
        client = app.socketio.test_client(app.server, flask_test_client=flask_client)
        assert _events(client, "hello")[0]["redis"] is True
        pusher = app.state.pusher
        pusher.leader_ttl = 0.6
        pusher.start()
        while not pusher.is_leader:
            time.sleep(0.02)
        private.stop()
        down = wait_for(client, "status", lambda e: any(not s["redis"] for s in e))
        assert [s["redis"] for s in down] == [False]
        assert app.server.test_client().get("/healthz").status_code == 503
        private.start()
        events: list[dict] = []
        deadline = time.monotonic() + 30

        def pairs() -> list[tuple[str, object]]:
            return [(e["name"], e["args"][0].get("redis")) for e in events]

        while (
            not {("status", True), ("resync", None)} <= set(pairs()) and time.monotonic() < deadline
        ):
            events += client.get_received()
            time.sleep(0.05)
        # Back: status up, and a resync (from the reconnect, and again from retaking the push)
        assert set(pairs()) == {("status", True), ("resync", None)}
    finally:
        private.close()


def test_announcement_json_shape_matches_ingest(redis_client, web_settings) -> None:  # type: ignore[no-untyped-def]
    """The pusher reads what data.streams.announce writes."""
    pubsub = redis_client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(web_settings.changes_channel)
    streams.announce(redis_client, web_settings.streams, _message(_item("R1", "KG-GB")))
    message = None
    deadline = time.monotonic() + 5
    while message is None and time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
    coalescer = Coalescer()
    coalescer.add(json.loads(message["data"]))
    assert coalescer.drain()[0]["region:KG-GB"]["registered"][0]["reg_no"] == "R1"
    pubsub.close()


def test_flush_sends_each_room_its_live_view(local, socket_for, engine) -> None:  # type: ignore[no-untyped-def]
    country, osh = socket_for("duty"), socket_for("manager-osh")
    bishkek_no, osh_no = (
        new_case(engine, district, age=timedelta(0)) for district in (ev.BISHKEK, ev.OSH_CITY)
    )
    for client in (country, osh):
        client.get_received()
    pusher: Pusher = local.state.pusher
    pusher.coalescer.add(
        _message(
            _item(bishkek_no, "KG-GB"),
            _item(osh_no, "KG-GO"),
            changed_regions={"KG-GB": 1, "KG-GO": 1},
        )
    )
    pusher.coalescer.add(_message(_item("R-forged", "KG-NOWHERE")))  # a region nobody has
    assert pusher.watched_rooms() == {COUNTRY_ROOM, region_room("KG-GO")}  # listed on connect
    rooms = pusher.flush()
    assert rooms["region:KG-NOWHERE"]["view"] is None
    assert rooms[region_room("KG-GB")]["view"] is None  # nobody watches Bishkek alone
    (sent_country,), (sent_osh,) = _events(country, "changes"), _events(osh, "changes")
    views = {"country": sent_country["view"], "osh": sent_osh["view"]}
    assert views["country"]["scope"] is None and views["osh"]["scope"] == "KG-GO"
    assert views["country"]["counts"]["open"] == 2 and views["osh"]["counts"]["open"] == 1
    assert views["country"]["total"] == 2 and views["osh"]["total"] == 1  # since the anchor
    assert "feed" not in views["osh"]  # no rows: each web process reads them once per flush
    assert isinstance(views["osh"]["as_of"], str)  # ISO, JSON as sent
    assert json.loads(json.dumps(sent_osh)) == sent_osh
    second_osh = socket_for("manager-osh")  # a second page of Osh: no new room
    pusher.advertise_rooms()  # what each process lists every few seconds
    pusher._watched = (0.0, None)  # read again, not from the last second's memory
    assert pusher.watched_rooms() == {COUNTRY_ROOM, region_room("KG-GO")}
    second_osh.disconnect()


def test_counts_are_read_once_an_interval_and_recounted_after(local, socket_for, engine) -> None:  # type: ignore[no-untyped-def]
    """Flushes within `view_interval` of a room's last read send its counts as read then
    (no statement), under their own `as_of`; once the interval has passed, a recount sends
    the store's counts of now, with nothing else new."""
    country = socket_for("duty")
    pusher: Pusher = local.state.pusher
    pusher.view_interval = 3600.0  # every flush of this test falls within it
    seen: list[str] = []

    def note(*args: object) -> None:
        seen.append(str(args[2]))

    store = pusher.sessions.kw["bind"]  # the engine the leader reads with
    event.listen(store, "before_cursor_execute", note)
    first_no = new_case(engine, ev.BISHKEK, age=timedelta(0))
    pusher.coalescer.add(_message(_item(first_no, "KG-GB")))
    first = pusher.flush()[COUNTRY_ROOM]["view"]
    assert first["counts"]["open"] == 1 and first["total"] == 1
    # New to this leader: the view carries its pages over from the anchor before.
    anchor = datetime.fromisoformat(first["anchor"])
    assert first["before"]["anchor"] == (anchor - live_page.LIVE_ANCHOR).isoformat()
    assert any(s.lstrip().upper().startswith("SELECT") for s in seen)  # read, and seen here
    assert pusher.recount() == {}  # counts as read: nothing to send again
    new_case(engine, ev.BISHKEK, age=timedelta(0))
    pusher.coalescer.add(_message(_item("R-second", "KG-GB")))
    seen.clear()
    second = pusher.flush()[COUNTRY_ROOM]["view"]
    assert seen == []  # the store was not asked
    assert pusher.recount() == {} and seen == []  # not due yet
    assert second["counts"] == first["counts"] and second["counted_at"] == first["counted_at"]
    assert second["as_of"] != first["as_of"]  # the pages' shared reads are of this flush
    country.get_received()
    pusher.view_interval = 0.0  # as if the interval had passed
    pusher.coalescer.add(_message(_item("R-third", "KG-GB")))
    assert pusher.recount() == {}  # a flush is coming: it reads the counts
    pusher.coalescer.drain()
    sent = pusher.recount()
    assert set(sent) == {COUNTRY_ROOM}
    (recount,) = _events(country, "changes")
    assert recount["recount"] is True and recount["registered_count"] == 0
    assert recount["view"]["counts"]["open"] == 2 and recount["view"]["total"] == 2
    assert pusher.recount() == {}  # once
    event.remove(store, "before_cursor_execute", note)


def test_rooms_no_process_lists_again_expire(local, socket_for) -> None:  # type: ignore[no-untyped-def]
    pusher: Pusher = local.state.pusher
    pusher.leader_ttl = 0.3
    osh = socket_for("manager-osh")
    assert pusher.watched_rooms() == {region_room("KG-GO")}
    time.sleep(0.4)
    pusher._watched = (0.0, None)
    assert pusher.watched_rooms() == set()  # the page left no trace: nobody listed it again
    pusher.advertise_rooms()  # the process lists its clients' rooms: Osh is back
    pusher._watched = (0.0, None)
    assert pusher.watched_rooms() == {region_room("KG-GO")}
    osh.disconnect()


def test_flush_without_a_store_sends_no_view(make_web, engine) -> None:  # type: ignore[no-untyped-def]
    app = make_web(message_queue=False)
    pusher: Pusher = app.state.pusher
    engine.dispose()
    with engine.begin() as conn:  # the store is unreadable: its table is gone
        conn.exec_driver_sql("ALTER TABLE cases RENAME TO cases_away")
    try:
        pusher.coalescer.add(_message(_item("R1", "KG-GB")))
        rooms = pusher.flush()
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE cases_away RENAME TO cases")
    assert rooms[COUNTRY_ROOM]["view"] is None and rooms[COUNTRY_ROOM]["registered_count"] == 1


def test_alert_timers_run_in_the_leader_and_reach_the_case_rooms(
    local,
    socket_for,
    engine,
    redis_client,  # type: ignore[no-untyped-def]
) -> None:
    """The leader's sweep raises an alert for a case whose deadline passed, announces it, and
    forwards it to the country room and the case's region room only; a second sweep (a
    restart, another leader) raises nothing more."""
    settings = local.state.settings
    reg_no = new_case(engine, ev.OSH_CITY, age=timedelta(days=6))
    with local.state.sessions() as s:
        deadline = s.scalar(select(Case.deadline).where(Case.reg_no == reg_no))
    country, osh, chui = socket_for("duty"), socket_for("manager-osh"), socket_for("manager-chui")
    pusher: Pusher = local.state.pusher
    _leading(pusher, redis_client, alerts.alerts_channel(settings.streams))
    with local.state.writer.begin() as s:
        s.merge(
            Setting(key=alerts.WATERMARK_KEY, value=(deadline - timedelta(minutes=1)).isoformat())
        )
    sent = pusher.check_alerts(deadline + timedelta(seconds=1))
    assert [(m["reg_no"], m["state"], m["escalation_level"]) for m in sent] == [(reg_no, "open", 0)]
    for client in (country, osh):
        seen = wait_for(client, "alerts", lambda e: len(e) >= 1)
        assert [(e["reg_no"], e["state"]) for e in seen] == [(reg_no, "open")]
    assert pusher.check_alerts(deadline + timedelta(seconds=2)) == []
    time.sleep(0.3)
    assert _events(chui, "alerts") == []
    assert pusher.forward_alert({"reg_no": reg_no, "region": "KG-GO", "state": 5}) == []


def test_the_push_interval_is_a_setting(make_web, web_settings) -> None:  # type: ignore[no-untyped-def]
    """`KUP_PUSH_INTERVAL_MS` (100 by default) is how often the leader flushes a room."""
    assert load_settings({}).push_interval_ms == 100
    assert load_settings({"KUP_PUSH_INTERVAL_MS": "250"}).push_interval_ms == 250
    assert make_web(message_queue=False).state.pusher.flush_interval == 0.1
    slower = web_settings.with_overrides(push_interval_ms=250)
    assert make_web(slower, message_queue=False).state.pusher.flush_interval == 0.25
