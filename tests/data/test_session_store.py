"""Web sessions in Redis (data.sessions) on a real Redis: what is stored under which key, the
idle timeout and the absolute end enforced by Redis itself, a session that has ended is never
written back, and all of a user's sessions end at once."""

from __future__ import annotations

import time

import pytest
import redis

from data.sessions import SessionRecord, SessionStore

NAMESPACE = "kup:test:sessions"


@pytest.fixture
def store(redis_client: redis.Redis) -> SessionStore:
    return SessionStore(redis_client, NAMESPACE)


def _record(user_id: int | None, idle: float = 600.0, lifetime: float = 3600.0) -> SessionRecord:
    now = time.time()
    return SessionRecord('{"lang": "en"}', user_id, now, now + lifetime, idle)


def test_a_session_is_kept_under_the_hash_of_its_id(
    store: SessionStore, redis_client: redis.Redis
) -> None:
    session_id = store.create(_record(7), time.time())
    assert session_id is not None and len(session_id) >= 43  # 256 random bits
    keys = {k.decode() for k in redis_client.keys("*")}
    assert keys == {store.key(session_id), store.user_key(7)}
    assert session_id not in " ".join(keys)  # reading Redis gives no usable cookie
    loaded = store.load(session_id, time.time())
    assert loaded is not None and loaded.user_id == 7 and loaded.data == '{"lang": "en"}'
    assert store.load(session_id + "x", time.time()) is None
    assert store.load("", time.time()) is None


def test_redis_ends_a_session_idle_too_long(store: SessionStore) -> None:
    session_id = store.create(_record(1, idle=0.4), time.time())
    assert session_id is not None
    for _ in range(4):  # requests keep it alive beyond its idle timeout
        time.sleep(0.2)
        record = store.load(session_id, time.time())
        assert record is not None
        assert store.touch(session_id, record, time.time())
    time.sleep(0.6)
    assert store.load(session_id, time.time()) is None
    assert not store.touch(session_id, record, time.time())  # and it does not come back


def test_requests_do_not_keep_a_session_past_its_absolute_end(store: SessionStore) -> None:
    session_id = store.create(_record(1, idle=60, lifetime=0.6), time.time())
    assert session_id is not None
    deadline = time.monotonic() + 0.9
    while time.monotonic() < deadline:
        record = store.load(session_id, time.time())
        if record is None:
            break
        store.save(session_id, record.with_data("{}"), time.time())
        time.sleep(0.05)
    assert store.load(session_id, time.time()) is None


def test_an_ended_session_is_not_written_back(store: SessionStore) -> None:
    """A request under way while its session was ended (logout elsewhere) saves nothing."""
    session_id = store.create(_record(3), time.time())
    assert session_id is not None
    record = store.load(session_id, time.time())
    assert record is not None
    store.delete(session_id, 3)
    assert not store.save(session_id, record.with_data('{"x": 1}'), time.time())
    assert not store.touch(session_id, record, time.time())
    assert store.load(session_id, time.time()) is None


def test_all_sessions_of_a_user_end_at_once(store: SessionStore) -> None:
    mine = [store.create(_record(5), time.time()) for _ in range(3)]
    other = store.create(_record(6), time.time())
    anonymous = store.create(_record(None), time.time())
    assert store.count_user_sessions(5) == 3
    assert store.end_user_sessions(5) == 3
    assert [store.load(s, time.time()) for s in mine if s] == [None, None, None]
    assert other and store.load(other, time.time()) is not None
    assert anonymous and store.load(anonymous, time.time()) is not None
    assert store.alive([store.key(s) for s in (*mine, other, anonymous) if s]) == [
        False,
        False,
        False,
        True,
        True,
    ]
    assert store.count_user_sessions(5) == 0


def test_the_users_list_forgets_sessions_that_ended(
    store: SessionStore, redis_client: redis.Redis
) -> None:
    short = store.create(_record(9, idle=0.2), time.time())
    time.sleep(0.4)
    assert short and store.load(short, time.time()) is None
    store.create(_record(9), time.time())
    assert redis_client.scard(store.user_key(9)) == 1
    assert redis_client.pttl(store.user_key(9)) > 3_000_000  # outlives its longest session


def test_a_record_that_is_not_one_is_no_session(
    store: SessionStore, redis_client: redis.Redis
) -> None:
    session_id = store.create(_record(1), time.time())
    assert session_id is not None
    redis_client.set(store.key(session_id), b"\xff not json")
    assert store.load(session_id, time.time()) is None
