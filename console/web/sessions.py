"""Sessions that can be ended: Flask's session kept in Redis (data.sessions) instead of a signed
cookie, and the guard that drops the sockets of sessions that ended.

* The cookie `kup_session` holds only a random id. A logout deletes the session in Redis, so it
  ends for every copy of the cookie; a login (and a password change) gives a new id.
* A session ends after `KUP_SESSION_IDLE` (the console's idle timeout, or the user's own
  `idle_minutes`) without a request, and `PERMANENT_SESSION_LIFETIME` after its login at the
  latest: Redis drops it then.
* A logged-in session carries its user's session epoch (data.users) of the login, compared on
  every request (console/web/auth.py): disabling the user or a new password raises the epoch,
  which voids every older session even if Redis kept it; they are deleted from Redis too.
* `SocketGuard`: every web process checks its own sockets twice a second and disconnects those
  whose session has ended (logout, idle, lifetime, deleted) or whose user's epoch changed or who
  were disabled (a socket outlives the request that opened it, and would go on receiving pushes).

Redis unreachable: the request has no session (nothing is written, the cookie is kept) and the
login answers 503 (console/web/auth.py).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import redis
from flask import Flask, Request, current_app, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession, SessionInterface, SessionMixin
from flask_socketio import SocketIO
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.wrappers import Response

from console.web.identity import DEFAULT_MAX_AGE_S
from data import streams, users
from data.login_throttle import LoginThrottle
from data.sessions import SessionRecord, SessionStore

if TYPE_CHECKING:
    from console.runtime import Services

log = logging.getLogger("kup.web.sessions")
EPOCH_KEY = "_epoch"  # the user's session epoch at login
USER_KEY = "_user_id"  # Flask-Login's
LOGIN_KEYS = (USER_KEY, "_fresh", "_id", EPOCH_KEY)
IDLE_CONFIG = "KUP_SESSION_IDLE"  # a timedelta (console/web/app.py flask_config)
SOCKET_CHECK_INTERVAL_S = 0.5


def redis_client(redis_url: str) -> redis.Redis:
    """A client for sessions and the login throttle (short timeouts: a request waits on it)."""
    return streams.connect(redis_url, socket_timeout=5, socket_connect_timeout=5)


def session_store(services: Services) -> SessionStore:
    """The session store of the console `services` serve (for the app and the commands)."""
    return SessionStore(redis_client(services.redis_url), services.settings.stream)


def login_throttle(services: Services) -> LoginThrottle:
    """The login throttle of the console `services` serve (for the app and the commands)."""
    settings = services.settings
    return LoginThrottle(
        redis_client(services.redis_url), settings.stream, spray_limit=settings.login_spray_limit
    )


class ServerSession(SecureCookieSession):
    """Flask's session, kept in Redis under `session_id`; `record` is what Redis held when the
    request began (None for a new session)."""

    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        session_id: str | None = None,
        record: SessionRecord | None = None,
        unavailable: bool = False,
    ) -> None:
        super().__init__(initial)
        self.session_id = session_id
        self.record = record
        self.unavailable = unavailable  # Redis could not be read: nothing is written
        self.renew = False  # a new id at the end of this request (login, new password)
        self.idle: float | None = None  # seconds: the idle timeout of a new id


def _user_of(data: SessionMixin) -> int | None:
    value = data.get(USER_KEY)
    return int(value) if isinstance(value, str) and value.isdigit() else None


class RedisSessionInterface(SessionInterface):
    """Flask's session interface on a SessionStore (see the module docstring)."""

    serializer = TaggedJSONSerializer()

    def __init__(self, store: SessionStore) -> None:
        self.store = store

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        session_id = request.cookies.get(self.get_cookie_name(app))
        if not session_id:
            return ServerSession()
        try:
            record = self.store.load(session_id, time.time())
        except (redis.RedisError, OSError) as exc:
            log.warning("sessions unavailable (%s): request without a session", type(exc).__name__)
            return ServerSession(session_id=session_id, unavailable=True)
        if record is None:
            return ServerSession(session_id=session_id)
        try:
            data = self.serializer.loads(record.data)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return ServerSession(session_id=session_id)
        return ServerSession(data, session_id=session_id, record=record)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, ServerSession) or session.unavailable:
            return
        if session.accessed:
            response.vary.add("Cookie")
        try:
            self._save(app, session, response, time.time())
        except (redis.RedisError, OSError) as exc:
            log.warning("session not saved (%s)", type(exc).__name__)

    def _save(self, app: Flask, session: ServerSession, response: Response, now: float) -> None:
        record, user_id = session.record, _user_of(session)
        if record is not None and (session.renew or record.user_id != user_id or not session):
            # A new id whenever the user changes (login, logout): no session fixation.
            self.store.delete(cast(str, session.session_id), record.user_id)
            record = None
        if not session:
            if session.session_id:
                response.delete_cookie(
                    self.get_cookie_name(app),
                    domain=self.get_cookie_domain(app),
                    path=self.get_cookie_path(app),
                )
            return
        data = self.serializer.dumps(dict(session))
        if record is None:
            idle = session.idle or app.config[IDLE_CONFIG].total_seconds()
            lifetime = app.permanent_session_lifetime.total_seconds()
            record = SessionRecord(data, user_id, now, now + lifetime, idle)
            session_id = self.store.create(record, now)
            if session_id is not None:
                self._set_cookie(app, response, session_id, record)
        elif session.modified:
            self.store.save(cast(str, session.session_id), record.with_data(data), now)
        else:
            self.store.touch(cast(str, session.session_id), record, now)

    def _set_cookie(
        self, app: Flask, response: Response, session_id: str, record: SessionRecord
    ) -> None:
        response.set_cookie(
            self.get_cookie_name(app),
            session_id,
            # A logged-in session's cookie lasts as long as the session can; before a login
            # it is the browser's (it holds a CSRF token and the language).
            expires=record.expires if record.user_id is not None else None,
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")


def _interface() -> RedisSessionInterface:
    interface = current_app.session_interface
    assert isinstance(interface, RedisSessionInterface), "create_app sets the session interface"
    return interface


def _current() -> ServerSession:
    current = session._get_current_object()  # type: ignore[attr-defined]  # a werkzeug proxy
    assert isinstance(current, ServerSession), "create_app sets the session interface"
    return current


def renew_session(idle_minutes: int | None = None) -> None:
    """Give this request's session a new id when it ends (a login, a new password), the old one
    deleted; `idle_minutes` is the user's own idle timeout (None: the console's)."""
    current = _current()
    current.renew = True
    current.idle = idle_minutes * 60.0 if idle_minutes else None


def end_session() -> None:
    """End this request's session in Redis now (a logout: every copy of the cookie is logged
    out). Redis errors propagate: a logout must not look done when it is not."""
    current = _current()
    if current.session_id and current.record is not None:
        _interface().store.delete(current.session_id, current.record.user_id)
    current.record = None


def forget_login() -> None:
    """Drop the login from this request's session (its user or epoch no longer valid)."""
    for key in LOGIN_KEYS:  # (a socket's session too: Flask-SocketIO's copy)
        session.pop(key, None)


def identities_generation() -> bytes:
    """The identities' generation (data.sessions.SessionStore.identities_generation); Redis
    errors propagate."""
    return _interface().store.identities_generation()


def end_user_sessions(user_id: int) -> None:
    """Delete every session of the user from Redis (their epoch was raised already, which voids
    them anyway: a Redis error is logged, not raised)."""
    try:
        _interface().store.end_user_sessions(user_id)
    except (redis.RedisError, OSError) as exc:
        log.warning("sessions not deleted (%s); void by their epoch", type(exc).__name__)


def session_key(request: Request) -> str | None:
    """The Redis key of the session whose cookie `request` carries."""
    session_id = request.cookies.get(_interface().get_cookie_name(current_app))
    return _interface().store.key(session_id) if session_id else None


@dataclass(frozen=True)
class _Socket:
    session_key: str | None  # None: opened with an API token
    user_id: int
    epoch: int


class SocketGuard:
    """The sockets of this web process and what they were opened by; `check` disconnects those
    whose session ended or whose user's sessions were ended (see the module docstring)."""

    def __init__(
        self,
        socketio: SocketIO,
        store: SessionStore,
        sessions: sessionmaker[Session],
        interval: float = SOCKET_CHECK_INTERVAL_S,
        users_every_s: float = DEFAULT_MAX_AGE_S,
    ) -> None:
        self.socketio = socketio
        self.store = store
        self.sessions = sessions
        self.interval = interval
        self.users_every_s = users_every_s
        self._generation: bytes | None = None
        self._users_checked_at = -users_every_s
        self._sockets: dict[str, _Socket] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._task: Any = None
        self._failing: set[str] = set()  # the checks failing now (logged once, when they start)

    def add(self, sid: str, session_key: str | None, user_id: int, epoch: int) -> None:
        with self._lock:
            self._sockets[sid] = _Socket(session_key, user_id, epoch)

    def remove(self, sid: str) -> None:
        with self._lock:
            self._sockets.pop(sid, None)

    def __len__(self) -> int:
        return len(self._sockets)

    def ended(self) -> set[str]:
        """The sockets whose session or user is no longer valid (each check that cannot be
        made, Redis or the store down, ends none)."""
        with self._lock:
            sockets = dict(self._sockets)
        if not sockets:
            return set()
        ended: set[str] = set()
        keyed = [(sid, s.session_key) for sid, s in sockets.items() if s.session_key]
        try:
            alive = self.store.alive([key for _, key in keyed])
            ended |= {sid for (sid, _), live in zip(keyed, alive, strict=True) if not live}
            self._failed("sessions", None)
        except (redis.RedisError, OSError) as exc:
            self._failed("sessions", exc)
        if not self._users_may_have_changed():
            return ended
        try:
            with self.sessions() as db:
                epochs = users.session_epochs(db, {s.user_id for s in sockets.values()})
            ended |= {sid for sid, s in sockets.items() if epochs.get(s.user_id) != s.epoch}
            self._users_checked_at = time.monotonic()
            self._failed("users", None)
        except SQLAlchemyError as exc:
            self._failed("users", exc)
        return ended

    def _users_may_have_changed(self) -> bool:
        """Whether to read the users' epochs from the store now: when the identities'
        generation in Redis moved (a user disabled, a password changed, a token replaced), and
        at least every `users_every_s` (a change made while Redis was unreachable)."""
        try:
            generation: bytes | None = self.store.identities_generation()
        except (redis.RedisError, OSError):
            generation = None
        due = time.monotonic() - self._users_checked_at >= self.users_every_s
        if generation is None or generation != self._generation or due:
            self._generation = generation
            return True
        return False

    def _failed(self, check: str, exc: Exception | None) -> None:
        """Log when a check starts failing (Redis or the store down) and when it works again."""
        if exc is not None and check not in self._failing:
            self._failing.add(check)
            log.warning("sockets' %s not checked (%s)", check, type(exc).__name__)
        elif exc is None and check in self._failing:
            self._failing.discard(check)
            log.info("sockets' %s checked again", check)

    def check(self) -> set[str]:
        """Disconnect the sockets that `ended` names; returns them."""
        ended = self.ended()
        server = getattr(self.socketio, "server", None)  # (types-Flask-SocketIO lacks it)
        for sid in ended:
            if server is not None:  # this process's socket: not through the message queue
                server.disconnect(sid, namespace="/", ignore_queue=True)
            self.remove(sid)
        if ended:
            log.info("disconnected %d socket(s) whose session ended", len(ended))
        return ended

    def run(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self.interval)

    def start(self) -> None:
        if self._task is None:
            self._stop.clear()
            self._task = self.socketio.start_background_task(self.run)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.join(timeout)
            self._task = None
