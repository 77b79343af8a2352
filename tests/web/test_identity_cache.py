"""A web process reads a logged-in user from the store once, not on every request (issue #11,
item 3: the per-request user lookup was most of a live page's statements), and what ends a
session still ends it at once: a logout, disabling the user, a new password (their sessions are
deleted from Redis, shared by every web process)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event

from console.web.app import WebApp
from console.web.identity import IdentityCache
from console.web.sessions import SocketGuard, session_store
from data import users
from tests.support.web import csrf_from, logged_in


@pytest.fixture
def user_reads(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements that read the users table, as the app runs them."""
    seen: list[str] = []

    def record(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if "FROM users" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _served(client) -> bool:  # type: ignore[no-untyped-def]
    status = client.get("/_dash-layout").status_code
    assert status in (200, 401), status
    return status == 200


def test_a_sessions_requests_read_the_user_once(web: WebApp, user_reads: list[str]) -> None:
    client = logged_in(web, "duty")
    user_reads.clear()
    for _ in range(10):
        assert _served(client)
    assert user_reads == []
    logged_in(web, "manager")  # another user: read for their own session
    assert user_reads


def test_disabling_ends_a_cached_session_at_once(web: WebApp, user_reads: list[str]) -> None:
    """What `kup-console user disable` does (another process: the store and Redis are all it
    shares with the app): the next request, not the cache's age, ends the session."""
    client, other = logged_in(web, "duty"), logged_in(web, "manager")
    assert _served(client)
    with web.state.writer.begin() as s:
        info = users.set_disabled(s, "duty", True)
    assert session_store(web.state).end_user_sessions(info.id) == 1
    assert not _served(client)
    assert _served(other)


def test_a_logout_forgets_the_identity(web: WebApp, user_reads: list[str]) -> None:
    client = logged_in(web, "duty")
    form = client.get("/logout").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_from(form)}).status_code == 302
    user_reads.clear()
    logged_in(web, "duty")  # a new login reads the user again
    assert user_reads


def test_a_cached_identity_serves_only_its_epoch_and_age() -> None:
    now = [100.0]
    cache = IdentityCache(max_age_s=30, clock=lambda: now[0])
    with_epoch = users.UserInfo(7, "duty", "duty", None, False, False, None, session_epoch=3)  # type: ignore[arg-type]
    assert cache.get(7, 3) is None
    cache.put(7, with_epoch, 3)
    assert cache.get(7, 3) is with_epoch
    assert cache.get(7, 4) is None  # a session of a newer epoch (a new password, re-enabled)
    assert cache.get(8, 3) is None
    now[0] += 29.9
    assert cache.get(7, 3) is with_epoch
    now[0] += 0.1
    assert cache.get(7, 3) is None  # read from the store again
    cache.put(7, with_epoch, 3)
    cache.forget(7)
    assert cache.get(7, 3) is None


@pytest.fixture
def cli(cli, monkeypatch, web_settings):  # type: ignore[no-untyped-def]
    """The command line on this test's store, Redis and stream (the app's namespace)."""
    monkeypatch.setenv("KUP_STREAM", web_settings.stream)
    return cli


def _token(web: WebApp, username: str) -> dict[str, str]:
    with web.state.writer.begin() as s:
        return {"Authorization": f"Bearer {users.issue_token(s, username)}"}


def test_a_tokens_requests_read_the_user_once(web: WebApp, user_reads: list[str]) -> None:
    client, bearer = web.server.test_client(), _token(web, "duty")
    user_reads.clear()
    for _ in range(10):
        assert client.get("/api/v1/cases", headers=bearer).status_code == 200
    assert len(user_reads) == 1


@pytest.mark.parametrize("command", [("user", "token", "duty"), ("user", "disable", "duty")])
def test_a_new_token_or_disabling_refuses_the_old_token_at_once(web: WebApp, cli, command) -> None:  # type: ignore[no-untyped-def]
    """`kup-console user token` replaces the token, `user disable` revokes it: the web process,
    which cached the holder, refuses the old token on its very next request."""
    client, bearer = web.server.test_client(), _token(web, "duty")
    assert client.get("/api/v1/cases", headers=bearer).status_code == 200
    assert cli(*command)[0] == 0
    assert client.get("/api/v1/cases", headers=bearer).status_code == 401


def _guard_of_duty(web: WebApp) -> tuple[SocketGuard, int]:
    """A socket guard (checking users every 0.5 s at least) holding one socket the test user
    "duty" opened with an API token, at the user's epoch now; the user's id."""
    with web.state.sessions() as s:
        duty = users.find_user(s, "duty")
    assert duty is not None
    guard = SocketGuard(None, session_store(web.state), web.state.sessions, users_every_s=0.5)  # type: ignore[arg-type]
    guard.add("token-socket", None, duty.id, duty.session_epoch)
    assert guard.ended() == set()
    return guard, duty.id


def _set_disabled(web: WebApp, disabled: bool) -> None:
    with web.state.writer.begin() as s:
        users.set_disabled(s, "duty", disabled)


def test_the_socket_guard_reads_users_when_redis_says_they_changed(
    web: WebApp, user_reads: list[str]
) -> None:
    """A socket opened with an API token has no session to end: the guard ends it by the user's
    epoch, read from the store when the identities' generation moves (at once) and at least
    every `users_every_s` (a change Redis missed), not on every check."""
    guard, duty_id = _guard_of_duty(web)
    user_reads.clear()
    assert guard.ended() == set() and user_reads == []  # nothing moved: no store read
    _set_disabled(web, True)  # what `kup-console user disable` does: the store, then Redis
    session_store(web.state).end_user_sessions(duty_id)
    assert guard.ended() == {"token-socket"}

    _set_disabled(web, False)
    missed, _ = _guard_of_duty(web)
    _set_disabled(web, True)  # in the store alone: Redis was not told
    assert missed.ended() == set()
    time.sleep(0.5)
    assert missed.ended() == {"token-socket"}
