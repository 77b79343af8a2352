"""Live push to browsers over Socket.IO.

Ingest PUBLISHes what it stored on `settings.changes_channel` (see data/consumer.py), and the flag
service (data.flags) each flag set or cleared on its sibling `flags_channel`. One web process at
a time (the leader, elected with a Redis key that expires) subscribes, coalesces bursts, and
emits through Flask-SocketIO's Redis message queue, which delivers to the clients of every web
process. The leader also notices deadlines that pass with no event, reads once for every page
what the pages used to poll for (map shading, workload, the data's health), and tells the
overdue lists when to re-read. Every process tells its own clients when it loses or regains
Redis. The leader also runs the alert ladder's timers (data.alerts.sweep, every
OVERDUE_INTERVAL_S: raise, escalate, close by itself), whose changes, like those people make,
are announced on `alerts_channel` and forwarded to the pages as "alerts".

Rooms: "country" (users without a region) gets everything; "region:<ISO>" gets only that
region's items. A socket joins `current_viewer().room` on connect; without login the
connection is refused. Each process's SocketGuard (console/web/sessions.py, started and stopped
with the Pusher) disconnects its sockets whose session ended (logout, idle, lifetime) or whose
user was disabled or got a new password, within a second.

Events (server → client), all JSON objects with "at" (ISO 8601 UTC):
  hello    {"room", "redis": bool}                     on connect, to that client only
  changes  {"registered": [items], "registered_count", "changed", "rejected", "messages",
            "truncated", "since", "view"}               at most one per room every flush
  overdue  {"reg_nos": [...], "count", "truncated"}    cases whose deadline just passed (none
                                                        named: the room's cases changed);
                                                        overdue lists re-read, once per
                                                        process, scope and filters
  map      {"scope", "as_of", "stats": [...]}          the room's district shading
  workload {"scope", "as_of", "rows": [...], "series"} the room's district workload and its
                                                        intake vs. decisions per day
  flags    {"reg_no", "flagged", "flag_id"}            a flag was set or cleared
  alerts   {"reg_no", "alert_id", "state",             an alert was raised, escalated,
            "escalation_level"}                         acknowledged, claimed or closed
  health   {"freshness", "gaps"}                       the data's health (to every room: it is
                                                        the stream's, nobody's region), when
                                                        what the banner says changed, and to
                                                        each client on connect
  status   {"redis": bool}                             this server lost/regained Redis
  resync   {"reason"}                                  pushes may have been missed: re-query
In a region room, "changed" is that region's count when ingest reports `changed_regions`, else
null (something changed somewhere: re-query); "rejected" is sent to "country" only.

"map", "workload" and the overdue lists' "overdue" go out at most every REFRESH_INTERVAL_S,
to the rooms whose cases changed (or whose deadlines passed) since the last time, each read
once by the leader for the room's scope (country: every district; a region room: its own
districts only). Pages with their default filters show them as pushed; others re-read their
own view on the push (once per web process for the pages of the same view: callbacks/). The
health is read every HEALTH_INTERVAL_S (XINFO, XRANGE, XPENDING and two store reads, once for
the whole console) and kept in Redis (`<stream>:push-health`) for the pages that connect
later.

"view" is what the room's live page counts with its default filters, read by the leader at
most once every VIEW_INTERVAL_S per room (data.live_page.live_views: one read session for every
room due; flushes in between send the counts as read, under their own `as_of`, and a "changes"
push with `recount` and nothing else new follows a burst with the counts read again), so that
such pages show it instead of re-querying the store. Only for rooms someone watches: the
country room always, a region room when some web process has a client in it (each process
lists its rooms in a Redis sorted set every few seconds and on each connect; a room expires
from it LEADER_TTL_S after it was last listed). The view: {"scope", "as_of", "anchor",
"total", "counts": {"open", "overdue", "due_soon"}, "counted_at", "before"}, about 300 bytes
("before": the previous anchor and the registrations from it to this one, with which pages
carry their counter over). The feed's rows are not
in it (50 rows with their summaries, some 23 KB, sent to every page of the room four times a
second, made the fan-out to 200 sockets ten times slower): each web process reads them once
per flush and scope for all its pages (callbacks/live.py). It is null for a room nobody
watches and when the store could not be read (the pages then query as before).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import redis
from flask import g, request
from flask_login import current_user
from flask_socketio import SocketIO, join_room
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from components.health import health_messages
from components.i18n import DEFAULT_LANG
from console.config import Settings
from console.web.sessions import SocketGuard, redis_client, session_key
from data import alerts, flags, live_page, streams, workload_counts
from data.deadline_watcher import newly_overdue
from data.ingest_state import ingest_freshness, read_gaps
from data.queries import CaseFilter
from data.sessions import SessionStore

log = logging.getLogger("kup.web.push")
COUNTRY_ROOM = "country"
MAX_ITEMS = 100
MAX_OVERDUE_REG_NOS = 200
VIEW_INTERVAL_S = 1.0  # a room's live view (its counts) read at most once a second
OVERDUE_INTERVAL_S = 15.0
REFRESH_INTERVAL_S = 30.0  # map shading, workload and overdue lists of rooms that changed
HEALTH_INTERVAL_S = 15.0  # stale data and stream gaps, checked once for every page
LEADER_TTL_S = 15.0
_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
)
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) else return 0 end"
)


def region_room(region: str) -> str:
    return f"region:{region}"


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat()


def emit_here(
    socketio: SocketIO, event: str, payload: dict[str, object], to: str | None = None
) -> None:
    """Emit to this process's own clients, not through the message queue (works while Redis
    is down). types-Flask-SocketIO's `SocketIO.emit` lacks Flask-SocketIO's `ignore_queue`."""
    socketio.emit(event, payload, to=to, ignore_queue=True)  # type: ignore[call-arg]


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _parse_at(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


@dataclass
class _Pending:
    """What one room will be sent at the next flush."""

    registered: list[dict[str, object]] = field(default_factory=list)
    registered_count: int = 0
    changed: int | None = 0
    rejected: int = 0
    messages: int = 0
    truncated: bool = False
    since: datetime | None = None
    until: datetime | None = None

    def merge(
        self,
        at: datetime | None,
        items: list[dict[str, object]],
        count: int,
        changed: int | None,
        truncated: bool,
    ) -> None:
        self.messages += 1
        if at is not None:
            self.since = at if self.since is None else min(self.since, at)
            self.until = at if self.until is None else max(self.until, at)
        self.registered.extend(items)
        if len(self.registered) > MAX_ITEMS:
            del self.registered[:-MAX_ITEMS]
            truncated = True
        self.registered_count += count
        self.changed = None if changed is None or self.changed is None else self.changed + changed
        self.truncated |= truncated

    def payload(self, with_rejected: bool) -> dict[str, object]:
        out: dict[str, object] = {
            "registered": self.registered,
            "registered_count": self.registered_count,
            "changed": self.changed,
            "messages": self.messages,
            "truncated": self.truncated,
            "since": _iso(self.since) if self.since else None,
            "at": _iso(self.until) if self.until else None,
        }
        if with_rejected:
            out["rejected"] = self.rejected
        return out


def _strings(value: object) -> set[str]:
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


class Coalescer:
    """Merges ingest announcements until the next flush: items concatenated (the newest
    MAX_ITEMS kept per room), counts summed, split into the country room and region rooms.
    `regions` are told of changes that ingest did not attribute to a region."""

    def __init__(self, regions: frozenset[str] = frozenset()) -> None:
        self.regions = regions
        self._rooms: dict[str, _Pending] = {}
        self._times: list[datetime] = []

    def add(self, message: dict[str, Any]) -> None:
        """Merge one announcement (malformed parts are ignored: it comes from outside)."""
        at = _parse_at(message.get("at"))
        if at is not None:
            self._times.append(at)
        raw = message.get("registered")
        items = (
            [i for i in raw if isinstance(i, dict) and isinstance(i.get("region"), str)]
            if isinstance(raw, list)
            else []
        )
        count, changed = _int(message.get("registered_count")), _int(message.get("changed"))
        by_region = message.get("changed_regions")
        by_region = by_region if isinstance(by_region, dict) else None
        announced = _strings(message.get("regions"))
        truncated = count > len(items)

        country = self._rooms.setdefault(COUNTRY_ROOM, _Pending())
        country.merge(at, items, max(count, len(items)), changed, truncated)
        country.rejected += _int(message.get("rejected"))

        touched = {i["region"] for i in items} | announced
        if by_region is not None:
            touched |= {r for r, n in by_region.items() if isinstance(r, str) and _int(n)}
        elif changed:
            touched |= self.regions
        for region in touched:
            mine = [i for i in items if i["region"] == region]
            region_changed = _int(by_region.get(region)) if by_region is not None else None
            self._rooms.setdefault(region_room(region), _Pending()).merge(
                at, mine, len(mine), region_changed, truncated and region in announced
            )

    def drain(self) -> tuple[dict[str, dict[str, object]], list[datetime]]:
        """The payload of every room with something pending, and the announcements' times."""
        rooms = {
            room: p.payload(with_rejected=room == COUNTRY_ROOM) for room, p in self._rooms.items()
        }
        times, self._rooms, self._times = self._times, {}, []
        return rooms, times

    def __bool__(self) -> bool:
        return bool(self._rooms)

    def pending(self) -> set[str]:
        """The rooms with something to send at the next flush."""
        return set(self._rooms)


def room_reads(
    session: Session, scope: str | None, now: datetime, due_soon: timedelta, tz: ZoneInfo
) -> dict[str, dict[str, object]]:
    """The "map" and "workload" payloads of a room of `scope` (a region, None for the
    country): its districts' shading, and their workload with the intake vs. decisions per
    day, as JSON-ready plain data read at `now`."""
    flt, as_of = CaseFilter(scope_region=scope), _iso(now)
    rows = workload_counts.district_workload(session, flt, now, due_soon, tz=tz)
    return {
        "map": {
            "scope": scope,
            "as_of": as_of,
            "stats": live_page.district_map_stats(session, flt, now, due_soon),
        },
        "workload": {
            "scope": scope,
            "as_of": as_of,
            "rows": [row.as_dict() for row in rows],
            "series": workload_counts.intake_vs_decisions(session, flt, now, due_soon, tz),
        },
    }


class Pusher:
    """The background task of one web process (see the module docstring)."""

    def __init__(
        self,
        socketio: SocketIO,
        settings: Settings,
        sessions: sessionmaker[Session],
        redis_url: str,
        metrics: Any = None,
        *,
        writer: sessionmaker[Session] | None = None,
        regions: frozenset[str] = frozenset(),
        flush_interval: float | None = None,
        view_interval: float = VIEW_INTERVAL_S,
        overdue_interval: float = OVERDUE_INTERVAL_S,
        refresh_interval: float = REFRESH_INTERVAL_S,
        health_interval: float = HEALTH_INTERVAL_S,
        leader_ttl: float = LEADER_TTL_S,
    ) -> None:
        self.socketio = socketio
        self.settings = settings
        self.sessions = sessions
        self.writer = writer  # the alert sweeps' (None: no alert timers, e.g. some tests)
        self.redis_url = redis_url
        self.metrics = metrics
        # at most 1 / flush_interval pushes a second per room (Settings.push_interval_ms)
        self.flush_interval = (
            settings.push_interval_ms / 1000 if flush_interval is None else flush_interval
        )
        self.view_interval = view_interval
        self.overdue_interval = overdue_interval
        self.refresh_interval = refresh_interval
        self.health_interval = health_interval
        self.leader_ttl = leader_ttl
        self.coalescer = Coalescer(regions)
        self.identity = uuid.uuid4().hex
        self.leader_key = f"{settings.stream}:push-leader"
        self.rooms_key = f"{settings.stream}:push-rooms"
        self.health_key = f"{settings.stream}:push-health"
        self.flags_channel = flags.flags_channel(settings.streams)
        self.alerts_channel = alerts.alerts_channel(settings.streams)
        self._watched: tuple[float, set[str] | None] = (0.0, None)
        # room -> (when its live view was read (monotonic), the view as read)
        self._read_views: dict[str, tuple[float, dict[str, object]]] = {}
        # room -> when the counts it was last sent were read (monotonic), if read before
        self._recounts: dict[str, float] = {}
        # room -> the anchor of its views, and what they carry over from the one before it
        self._anchors: dict[str, tuple[str, object]] = {}
        self.is_leader = False
        self.redis_ok = True
        self.last_emit_at: datetime | None = None
        self.last_overdue_check = datetime.now(UTC)
        self._changed_rooms: set[str] = set()  # cases changed since the last refresh
        self._overdue_rooms: set[str] = set()  # deadlines passed since the last refresh
        self._health_said: list[str] | None = None  # the banner's words at the last push
        self._stop = threading.Event()
        self._task: Any = None
        self._client: redis.Redis | None = None
        self._pubsub: Any = None
        self.sockets = SocketGuard(
            socketio,
            SessionStore(redis_client(redis_url), settings.stream),
            sessions,
            users_every_s=settings.identity_max_age_s,
        )

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._stop.clear()
            self._task = self.socketio.start_background_task(self.run)
        self.sockets.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.sockets.stop(timeout)
        if self._task is not None:
            self._task.join(timeout)
            self._task = None
        self._release()

    def run(self) -> None:
        """Until stopped: keep or seek leadership; as leader, listen, flush and watch
        deadlines. Redis or database trouble is logged and retried, never fatal."""
        next_lead = next_flush = next_health = 0.0
        next_overdue = time.monotonic() + self.overdue_interval
        next_refresh = time.monotonic() + self.refresh_interval
        backoff = 0.5
        while not self._stop.is_set():
            try:
                now = time.monotonic()
                if now >= next_lead:
                    self.advertise_rooms()
                    self._lead()
                    next_lead = now + self.leader_ttl / 3
                    self._redis_back()
                if not self.is_leader:
                    self._unsubscribe()
                    self._stop.wait(min(1.0, self.leader_ttl / 3))
                    continue
                self._listen(timeout=min(0.1, self.flush_interval / 2))
                # Leading edge: what arrives after a quiet interval goes out at once; what
                # follows within the interval waits for the next flush (one emit per room).
                if self.coalescer and time.monotonic() >= next_flush:
                    self.flush()
                    next_flush = time.monotonic() + self.flush_interval
                if (
                    self._recounts
                    and time.monotonic() >= min(self._recounts.values()) + self.view_interval
                ):
                    self.recount()
                if time.monotonic() >= next_overdue:
                    next_overdue = time.monotonic() + self.overdue_interval
                    self.check_overdue()
                    self.check_alerts()
                if time.monotonic() >= next_refresh:
                    next_refresh = time.monotonic() + self.refresh_interval
                    self.refresh()
                if time.monotonic() >= next_health:
                    next_health = time.monotonic() + self.health_interval
                    self.check_health()
                backoff = 0.5
            except (redis.RedisError, OSError) as exc:
                self._redis_lost(exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                next_lead = 0.0
            except SQLAlchemyError as exc:
                log.warning("store read failed (%s); retrying", type(exc).__name__)
                self._stop.wait(backoff)

    # -- Redis ----------------------------------------------------------------------------
    def _redis(self) -> redis.Redis:
        if self._client is None:
            self._client = streams.connect(
                self.redis_url, socket_timeout=5, socket_connect_timeout=5
            )
        return self._client

    def advertise_rooms(self, rooms: set[str] | None = None) -> None:
        """List `rooms` (by default every room this process has clients in) in the rooms
        the leader computes live views for, until LEADER_TTL_S from now."""
        if rooms is None:
            server = getattr(self.socketio, "server", None)
            rooms = (
                {
                    room
                    for room, members in list(server.manager.rooms.get("/", {}).items())
                    if isinstance(room, str)
                    and members
                    and (room == COUNTRY_ROOM or room.startswith(region_room("")))
                }
                if server is not None
                else set()
            )
        if rooms:
            until = time.time() + self.leader_ttl
            self._redis().zadd(self.rooms_key, dict.fromkeys(rooms, until))

    def watched_rooms(self) -> set[str] | None:
        """The rooms some web process has clients in (read at most once a second); None when
        Redis cannot tell (then every room gets its view)."""
        at, rooms = self._watched
        now = time.time()
        if now - at < 1.0:
            return rooms
        try:
            client = self._redis()
            client.zremrangebyscore(self.rooms_key, "-inf", now)
            rooms = {
                r.decode() if isinstance(r, bytes) else str(r)
                for r in client.zrangebyscore(self.rooms_key, now, "+inf")
            }
        except (redis.RedisError, OSError):
            rooms = None
        self._watched = (now, rooms)
        return rooms

    def _lead(self) -> None:
        client = self._redis()
        ttl_ms = int(self.leader_ttl * 1000)
        if self.is_leader and client.eval(_RENEW, 1, self.leader_key, self.identity, ttl_ms):
            return
        was = self.is_leader
        self.is_leader = bool(client.set(self.leader_key, self.identity, nx=True, px=ttl_ms))
        if self.is_leader and not was:
            log.info("this web process now pushes changes to browsers")
            self._health_said = None  # the first health check of this leadership is pushed
            # Deadlines may have passed while nobody watched: look back one interval.
            self.last_overdue_check = min(
                self.last_overdue_check,
                datetime.fromtimestamp(time.time() - self.overdue_interval, UTC),
            )
            # Announcements made while no process led (e.g. the old leader died and its key
            # had not expired) reached nobody: every page re-queries the store.
            self.socketio.emit(
                "resync", {"reason": "push leader changed", "at": _iso(datetime.now(UTC))}
            )
            self._count("resync")

    def _release(self) -> None:
        self._unsubscribe()
        if self.is_leader and self._client is not None:
            try:
                self._client.eval(_RELEASE, 1, self.leader_key, self.identity)
            except redis.RedisError:
                pass
        self.is_leader = False
        if self._client is not None:
            self._client.close()
            self._client = None

    def _listen(self, timeout: float) -> None:
        if self._pubsub is None:
            self._pubsub = self._redis().pubsub(ignore_subscribe_messages=True)
            self._pubsub.subscribe(
                self.settings.changes_channel, self.flags_channel, self.alerts_channel
            )
        message = self._pubsub.get_message(timeout=timeout)
        for _ in range(1000):  # drain a burst, but flush at least every 1000 messages
            if message is None:
                return
            channel = message.get("channel")
            channel = channel.decode() if isinstance(channel, bytes) else channel
            kind = {self.flags_channel: "flag", self.alerts_channel: "alert"}.get(channel, "change")
            self._take(message.get("data"), kind)
            message = self._pubsub.get_message(timeout=0)

    def _take(self, data: object, kind: str = "change") -> None:
        try:
            message = json.loads(data) if isinstance(data, (bytes, str)) else None
        except ValueError:
            message = None
        if not isinstance(message, dict):
            log.warning("ignored a malformed %s announcement", kind)
        elif kind == "flag":
            self.forward_flag(message)
        elif kind == "alert":
            self.forward_alert(message)
        else:
            self.coalescer.add(message)

    def _unsubscribe(self) -> None:
        if self._pubsub is not None:
            try:
                self._pubsub.close()
            except (redis.RedisError, OSError):
                pass
            self._pubsub = None

    def _redis_lost(self, exc: Exception) -> None:
        if self.redis_ok:
            log.warning("Redis unavailable (%s); pushes paused", type(exc).__name__)
            self.redis_ok = False
            self._local("status", {"redis": False, "at": _iso(datetime.now(UTC))})
        self._unsubscribe()
        self.is_leader = False
        if self._client is not None:
            self._client.close()
            self._client = None

    def _redis_back(self) -> None:
        if not self.redis_ok:
            log.info("Redis is back; pushes resume")
            self.redis_ok = True
            at = _iso(datetime.now(UTC))
            self._local("status", {"redis": True, "at": at})
            self._local("resync", {"reason": "redis", "at": at})

    def _local(self, event: str, payload: dict[str, object]) -> None:
        """Emit to this process's own clients only (works while Redis is down)."""
        emit_here(self.socketio, event, payload)
        self._count(event)

    # -- emits ----------------------------------------------------------------------------
    def _count(self, event: str) -> None:
        if self.metrics is not None:
            self.metrics.push_emits.labels(event).inc()

    def flush(self, now: datetime | None = None) -> dict[str, dict[str, object]]:
        """Emit what has been coalesced since the last flush, each room's payload with its
        live view; returns it, by room."""
        rooms, times = self.coalescer.drain()
        if not rooms:
            return rooms
        now = now or datetime.now(UTC)
        views = self._views(rooms, now)
        for room, payload in rooms.items():
            payload["view"] = views.get(room)
            self.socketio.emit("changes", payload, to=room)
            self._count("changes")
        self._changed_rooms.update(rooms)
        self.last_emit_at = now
        if self.metrics is not None:
            for at in times:
                self.metrics.push_latency.observe(max(0.0, (now - at).total_seconds()))
        return rooms

    def _views(self, rooms: Iterable[str], now: datetime) -> dict[str, dict[str, object]]:
        """The live view of each of `rooms` that someone watches (the country room always;
        regions ingest does not know are left out). A room's counts are read at most once per
        `view_interval` (all rooms due in one session): a flush within it sends the last ones
        read (`counted_at`) under this flush's `as_of`, and a recount follows (`recount`).
        None for a room whose view the store could not give."""
        scopes = self._scopes(rooms)
        clock, anchor = time.monotonic(), _iso(live_page.live_anchor(now))
        views: dict[str, dict[str, object]] = {}
        due: dict[str, str | None] = {}
        for room, scope in scopes.items():
            read_at, view = self._read_views.get(room, (None, None))
            if (
                read_at is not None
                and view is not None
                and clock - read_at < self.view_interval
                and view["anchor"] == anchor
            ):
                views[room] = {**view, "as_of": _iso(now)}
                self._recounts[room] = read_at
            else:
                due[room] = scope
        if not due:
            return views
        # A room's views of a new anchor carry over from the one its pages were last sent, or
        # (a room new to this leader, whose pages may hold the one before) the one before.
        previous = live_page.live_anchor(now) - live_page.LIVE_ANCHOR
        earlier = {
            scope: datetime.fromisoformat(self._anchors[room][0])
            if room in self._anchors
            else previous
            for room, scope in due.items()
            if self._anchors.get(room, ("",))[0] != anchor
        }
        try:
            with self.sessions() as session:
                read = live_page.live_views(
                    session, list(due.values()), now, self.settings.due_soon, earlier
                )
        except SQLAlchemyError as exc:
            log.warning("live views not computed (%s); pages re-query", type(exc).__name__)
            return views
        for room, scope in due.items():
            view = {**read[scope], "counted_at": read[scope]["as_of"]}
            if "before" in view or self._anchors.get(room, ("",))[0] != anchor:
                self._anchors[room] = (anchor, view.get("before"))
            elif self._anchors[room][1] is not None:  # every view of the anchor carries it
                view["before"] = self._anchors[room][1]
            self._read_views[room] = (clock, view)
            self._recounts.pop(room, None)
            views[room] = view
        return views

    def recount(self, now: datetime | None = None) -> dict[str, dict[str, object]]:
        """Send the rooms whose last flushes reused counts read earlier (see _views) a
        "changes" push with nothing new but their counts read now (`recount`: pages with the
        room's view show it; others have nothing to do), once `view_interval` has passed
        since the counts they were sent were read, unless a flush is pending for the room
        (it reads them): after a burst, every page shows the store's counts within about a
        second. Returns what was sent, by room."""
        clock, flushing = time.monotonic(), self.coalescer.pending()
        due = [
            room
            for room, at in self._recounts.items()
            if at + self.view_interval <= clock and room not in flushing  # (its flush reads)
        ]
        if not due:
            return {}
        for room in due:
            del self._recounts[room]
            self._read_views.pop(room, None)
        now = now or datetime.now(UTC)
        sent: dict[str, dict[str, object]] = {}
        for room, view in self._views(due, now).items():
            payload: dict[str, object] = {
                "registered": [],
                "registered_count": 0,
                "changed": 0,
                "messages": 0,
                "truncated": False,
                "since": None,
                "at": _iso(now),
                "recount": True,
                "view": view,
            }
            if room == COUNTRY_ROOM:
                payload["rejected"] = 0
            self.socketio.emit("changes", payload, to=room)
            self._count("changes")
            sent[room] = payload
        return sent

    def _scopes(self, rooms: Iterable[str]) -> dict[str, str | None]:
        """The scope (region, None for the country) of each of `rooms` worth a read: the
        country room always, a region room some process has clients in (every one when Redis
        cannot tell), never a region ingest does not know."""
        known, watched = self.coalescer.regions, self.watched_rooms()
        prefix = region_room("")
        scopes: dict[str, str | None] = {}
        for room in rooms:
            region = room.removeprefix(prefix) if room.startswith(prefix) else None
            if room == COUNTRY_ROOM:
                scopes[room] = None
            elif region and (not known or region in known) and (watched is None or room in watched):
                scopes[room] = region
        return scopes

    def check_overdue(self, now: datetime | None = None) -> dict[str, dict[str, object]]:
        """Emit "overdue" for the cases whose deadline passed since the last check."""
        now = now or datetime.now(UTC)
        since = self.last_overdue_check
        with self.sessions() as session:
            found = newly_overdue(session, since, now)
        self.last_overdue_check = now
        if not found:
            return {}
        by_room: dict[str, list[str]] = {COUNTRY_ROOM: [r for r, _ in found]}
        for reg_no, region in found:
            by_room.setdefault(region_room(region), []).append(reg_no)
        rooms = {
            room: {
                "reg_nos": reg_nos[:MAX_OVERDUE_REG_NOS],
                "count": len(reg_nos),
                "truncated": len(reg_nos) > MAX_OVERDUE_REG_NOS,
                "at": _iso(now),
            }
            for room, reg_nos in by_room.items()
        }
        for room, payload in rooms.items():
            self.socketio.emit("overdue", payload, to=room)
            self._count("overdue")
        self._overdue_rooms.update(rooms)
        return rooms

    def refresh(self, now: datetime | None = None) -> dict[str, dict[str, dict[str, object]]]:
        """For every room whose cases changed or whose deadlines passed since the last
        refresh (and that someone watches): read its map shading and its workload once, in
        one session, and emit "map" and "workload" to it; tell the rooms whose cases changed
        to re-read their overdue lists ("overdue" naming no case). Returns what was sent, by
        room and event. Nothing is sent when the store cannot be read (the rooms stay due)."""
        changed, passed = self._changed_rooms, self._overdue_rooms
        self._changed_rooms, self._overdue_rooms = set(), set()
        scopes = self._scopes(changed | passed)
        if not scopes:
            return {}
        now = now or datetime.now(UTC)
        due_soon, tz = self.settings.due_soon, self.settings.zone
        sent: dict[str, dict[str, dict[str, object]]] = {}
        try:
            with self.sessions() as session:
                for room, scope in scopes.items():
                    sent[room] = room_reads(session, scope, now, due_soon, tz)
        except SQLAlchemyError as exc:
            log.warning("refresh not read (%s); retried next time", type(exc).__name__)
            self._changed_rooms |= changed
            self._overdue_rooms |= passed
            return {}
        for room, events in sent.items():
            if room in changed:
                events["overdue"] = {
                    "reg_nos": [],
                    "count": 0,
                    "truncated": False,
                    "at": _iso(now),
                }
            for event, payload in events.items():
                self.socketio.emit(event, payload, to=room)
                self._count(event)
        return sent

    def check_health(self, now: datetime | None = None) -> dict[str, object] | None:
        """Read the data's health (ingest freshness, stream gaps) once for every page; keep it
        in Redis for pages that connect later, and emit "health" to every page when what the
        banner says changed. Returns what was emitted, if anything."""
        client = self._redis()
        with self.sessions() as session:
            gaps = [gap.as_dict() for gap in read_gaps(session, self.settings.stream)]
            freshness = ingest_freshness(session, client, self.settings.streams, now=now)
        fresh = freshness.as_dict()
        payload: dict[str, object] = {
            "freshness": fresh,
            "gaps": gaps,
            "at": _iso(freshness.checked_at),
        }
        client.set(
            self.health_key, json.dumps(payload, default=str), px=int(self.health_interval * 3000)
        )
        said = health_messages(fresh, gaps, DEFAULT_LANG, self.settings.zone)
        if said == self._health_said:
            return None
        self._health_said = said
        self.socketio.emit("health", payload)  # to every room: the stream's, nobody's region
        self._count("health")
        return payload

    def current_health(self) -> dict[str, object] | None:
        """The last health check's payload (from Redis: any process may ask), if recent."""
        raw = self._redis().get(self.health_key)
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    def forward_flag(self, message: dict[str, Any]) -> list[str]:
        """Emit "flags" for one announcement of data.flags to the country room and the case's
        region room; returns the rooms (none for a malformed announcement)."""
        reg_no, region = message.get("reg_no"), message.get("region")
        flag_id, flagged = message.get("flag_id"), message.get("flagged")
        if not (
            isinstance(reg_no, str)
            and isinstance(region, str)
            and region
            and isinstance(flagged, bool)
            and _int(flag_id)
        ):
            log.warning("ignored a malformed flag announcement")
            return []
        at = _parse_at(message.get("at")) or datetime.now(UTC)
        payload = {"reg_no": reg_no, "flagged": flagged, "flag_id": flag_id, "at": _iso(at)}
        rooms = [COUNTRY_ROOM, region_room(region)]
        for room in rooms:
            self.socketio.emit("flags", payload, to=room)
            self._count("flags")
        return rooms

    def check_alerts(self, now: datetime | None = None) -> list[dict[str, object]]:
        """Run the alert timers once (data.alerts.sweep, in one writer transaction) and
        announce what changed on the alerts channel; returns the announcements."""
        if self.writer is None:
            return []
        now = now or datetime.now(UTC)
        settings = self.settings
        with self.writer.begin() as session:
            changed = alerts.sweep(
                session,
                now,
                settings.escalate_after,
                settings.due_soon if settings.alert_due_soon else None,
                look_back=timedelta(seconds=self.overdue_interval),
            )
            messages = [alerts.announcement(alert, now) for alert in changed]
        alerts.announce(self._redis(), settings.streams, messages)
        return messages

    def forward_alert(self, message: dict[str, Any]) -> list[str]:
        """Emit "alerts" for one announcement of data.alerts to the country room and the
        case's region room; returns the rooms (none for a malformed announcement)."""
        reg_no, region = message.get("reg_no"), message.get("region")
        alert_id, state = message.get("alert_id"), message.get("state")
        level = message.get("escalation_level")
        if not (
            isinstance(reg_no, str)
            and isinstance(region, str)
            and region
            and isinstance(state, str)
            and _int(alert_id)
            and isinstance(level, int)
        ):
            log.warning("ignored a malformed alert announcement")
            return []
        at = _parse_at(message.get("at")) or datetime.now(UTC)
        payload = {
            "reg_no": reg_no,
            "alert_id": alert_id,
            "state": state,
            "escalation_level": level,
            "at": _iso(at),
        }
        rooms = [COUNTRY_ROOM, region_room(region)]
        for room in rooms:
            self.socketio.emit("alerts", payload, to=room)
            self._count("alerts")
        return rooms


def register_socket_handlers(socketio: SocketIO, pusher_of: Callable[[], Pusher | None]) -> None:
    """Connect requires a logged-in user; the socket joins the user's room, and is watched by
    the process's SocketGuard until it disconnects."""

    @socketio.on("connect")
    def on_connect(auth: object = None) -> None:
        if not current_user.is_authenticated:
            raise ConnectionRefusedError("login required")
        viewer = current_user.viewer
        join_room(viewer.room)
        pusher = pusher_of()
        # Flask-SocketIO sets `sid` on Flask's request, whose type (Flask's) has no such field.
        sid: str = request.sid  # type: ignore[attr-defined]
        if pusher is not None:
            info = current_user.info
            by_session = g.get("kup_auth") == "session"
            pusher.sockets.add(
                sid, session_key(request) if by_session else None, info.id, info.session_epoch
            )
        if pusher is not None and pusher.redis_ok:
            try:  # its pushes carry the room's live view from now on
                pusher.advertise_rooms({viewer.room})
            except (redis.RedisError, OSError):
                pass
        emit_here(
            socketio,
            "hello",
            {
                "room": viewer.room,
                "redis": pusher.redis_ok if pusher is not None else True,
                "at": _iso(datetime.now(UTC)),
            },
            to=sid,
        )
        health = None
        if pusher is not None and pusher.redis_ok:
            try:  # the banner as of the last check; later ones come when it changes
                health = pusher.current_health()
            except (redis.RedisError, OSError):
                pass
        if health is not None:
            emit_here(socketio, "health", health, to=sid)

    @socketio.on("disconnect")
    def on_disconnect(*_: object) -> None:
        pusher = pusher_of()
        if pusher is not None:
            pusher.sockets.remove(request.sid)  # type: ignore[attr-defined]  # (as above)
