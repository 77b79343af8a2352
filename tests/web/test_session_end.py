"""Sessions that can be ended (issue #10, item 3), on a real app, store and Redis: a logout ends
the session for every copy of its cookie; disabling a user (the command, a process of its own
as far as the app can tell: it shares nothing with it but the store and Redis) ends all of
theirs and enabling revives none; a new password ends them; idle timeout, a user's own idle
timeout and the absolute lifetime; the login limit counted in Redis across web processes;
Redis down answered clearly; `user list`, `user unlock`, `user set`."""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime

import pytest
from flask.testing import FlaskClient

from console.runtime import Services
from console.web.app import WebApp
from console.web.sessions import login_throttle
from data import users
from data.login_throttle import PAIR_FREE
from tests.support.servers import RedisServer
from tests.support.users import PASSWORD, add_test_users
from tests.support.web import csrf_from, logged_in, login

NEW = "a brand new passphrase"


def _logout(client: FlaskClient) -> None:
    form = client.get("/logout").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_from(form)}).status_code == 302


def _table(out: str) -> dict[str, list[str]]:
    """The rows of `user list`'s table, by user name."""
    table = out.split("\n\n")[0].splitlines()[1:]
    return {line.split()[0]: line.split() for line in table}


def _logged_in(client: FlaskClient) -> bool:
    status = client.get("/_dash-layout").status_code
    assert status in (200, 401), status
    return status == 200


@pytest.fixture
def cli(cli, monkeypatch, web_settings):  # type: ignore[no-untyped-def]
    """The command line on this test's store, Redis and stream (the app's namespace)."""
    monkeypatch.setenv("KUP_STREAM", web_settings.stream)
    return cli


def test_logout_ends_the_session_for_every_copy_of_its_cookie(web: WebApp, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("duty")
    copy = web.server.test_client()  # a copy of the cookie (another tab, or a stolen one)
    copy.set_cookie("kup_session", client.get_cookie("kup_session").value)
    assert _logged_in(copy)
    _logout(client)
    assert not _logged_in(client)
    assert not _logged_in(copy)
    assert copy.get("/").status_code == 302


def test_disabling_ends_every_session_and_enabling_revives_none(
    web: WebApp, client_for, cli
) -> None:  # type: ignore[no-untyped-def]
    office, home, other = client_for("duty"), client_for("duty"), client_for("manager")
    code, out, _ = cli("user", "disable", "duty")
    assert code == 0 and "2 open session(s) of duty ended" in out
    assert not _logged_in(office) and not _logged_in(home)
    assert cli("user", "enable", "duty")[0] == 0
    assert not _logged_in(office) and not _logged_in(home)  # not revived
    assert _logged_in(other)
    assert login(web.server.test_client(), "duty").status_code == 302  # a new login works


def test_the_epoch_ends_a_session_that_redis_still_holds(make_web, engine, web_settings) -> None:  # type: ignore[no-untyped-def]
    """Disabled in the store alone (as when Redis could not be reached to delete the sessions),
    then enabled again: the session, still in Redis, stays ended once the web process reads the
    user again (its cached identity lives `identity_max_age_s`, console/web/identity.py)."""
    web = make_web(web_settings.with_overrides(identity_max_age_s=0.3))
    add_test_users(engine)
    client = logged_in(web, "duty")
    with web.state.writer.begin() as s:
        users.set_disabled(s, "duty", True)
    with web.state.writer.begin() as s:
        users.set_disabled(s, "duty", False)
    time.sleep(0.3)
    assert not _logged_in(client)


@pytest.mark.parametrize("how", [("--password", NEW), ("--force-reset",)])
def test_passwd_command_ends_the_users_sessions(web: WebApp, client_for, cli, how) -> None:  # type: ignore[no-untyped-def]
    client, other = client_for("duty"), client_for("manager")
    code, out, _ = cli("user", "passwd", "duty", *how)
    assert code == 0 and "1 open session(s) of duty ended" in out
    assert not _logged_in(client)
    assert _logged_in(other)


def test_idle_sessions_end_and_a_wall_screen_may_idle_longer(
    make_web, engine, web_settings
) -> None:  # type: ignore[no-untyped-def]
    add_test_users(engine)
    with Services(web_settings, engine=engine).writer.begin() as s:
        users.set_idle_minutes(s, "duty", 60)  # the wall screen's account
    web = make_web(settings=web_settings.with_overrides(session_idle_minutes=1.5 / 60))
    wall, desk, busy = (logged_in(web, name) for name in ("duty", "manager", "prosecutor"))
    for _ in range(5):  # 2.5 s in all, never 1.5 s without a request
        time.sleep(0.5)
        assert _logged_in(busy)
    assert not _logged_in(desk)  # idle for 2.5 s
    assert _logged_in(wall)


def test_the_absolute_lifetime_ends_an_active_session(make_web, engine, web_settings) -> None:  # type: ignore[no-untyped-def]
    add_test_users(engine)
    web = make_web(settings=web_settings.with_overrides(session_max_hours=2 / 3600))
    client = web.server.test_client()
    response = login(client, "duty")
    logged_in_at = time.time()
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "kup_session=" in h)
    value = client.get_cookie("kup_session").value
    # The cookie ends with the session (its Expires has whole seconds).
    ends = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1)).timestamp()  # type: ignore[union-attr]
    assert logged_in_at - 2 < ends <= logged_in_at + 2
    while time.time() < ends - 0.3:  # busy all along
        assert _logged_in(client)
        time.sleep(0.1)
    time.sleep(max(0.0, ends + 1.3 - time.time()))
    again = web.server.test_client()  # the cookie sent anyway: the server has ended it
    again.set_cookie("kup_session", value)
    assert not _logged_in(again)


def test_a_sessions_cookie_holds_only_its_id(web: WebApp, client_for) -> None:  # type: ignore[no-untyped-def]
    value = client_for("duty").get_cookie("kup_session").value
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)  # 256 random bits; no user, no signature
    anonymous = web.server.test_client()
    response = anonymous.get("/login")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if "kup_session=" in h)
    assert "Expires" not in cookie  # before a login: the browser's session


def test_the_login_limit_counts_across_web_processes(make_web, web, web_settings) -> None:  # type: ignore[no-untyped-def]
    """Two apps (two workers) on one Redis share the per-address login limit."""
    settings = web_settings.with_overrides(login_rate="3 per minute")
    first, second = make_web(settings=settings), make_web(settings=settings)
    clients = [first.server.test_client(), second.server.test_client()] * 2
    statuses = [login(c, f"nobody{i}", "x").status_code for i, c in enumerate(clients)]
    assert statuses == [401, 401, 401, 429]


def test_redis_down_is_answered_clearly_and_sessions_survive_its_restart(
    make_web, engine, web_settings, caplog
) -> None:  # type: ignore[no-untyped-def]
    private = RedisServer(persistence=True).start()
    try:
        add_test_users(engine)
        web = make_web(settings=web_settings.with_overrides(redis_url=private.url))
        client = logged_in(web, "duty")
        private.stop()
        assert client.get("/").status_code == 302  # no session without Redis: the login page
        fresh = web.server.test_client()
        page = fresh.get("/login")
        assert page.status_code == 503
        assert "Вход сейчас невозможен" in page.get_data(as_text=True)
        token = csrf_from(page.get_data(as_text=True))
        response = fresh.post(
            "/login", data={"username": "duty", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 503  # not "the form has expired"
        assert "Вход сейчас невозможен" in response.get_data(as_text=True)
        assert not [r for r in caplog.records if r.levelname == "ERROR"]
        private.start()
        assert _logged_in(client)  # kept by a persistent Redis
    finally:
        private.close()


def test_user_list_shows_failed_logins_and_unlock_forgets_them(web: WebApp, cli) -> None:  # type: ignore[no-untyped-def]
    if (second := time.time() % 60) > 45:  # the spray count is per clock minute: start in one
        time.sleep(60.5 - second)
    client = web.server.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    for _ in range(PAIR_FREE):
        assert login(client, "admin", "wrong password").status_code == 401
    throttle = login_throttle(web.state)
    for _ in range(5):  # more of them: a long wait (32 s) for the listing to show
        throttle.failed("admin", "192.0.2.7", time.time())
    assert login(client, "admin").status_code == 429
    code, out, _ = cli("user", "list")
    assert code == 0
    rows = _table(out)
    assert rows["admin"][3] == "throttled" and rows["duty"][3] == "active"
    assert re.search(r"admin from 192\.0\.2\.7: 8 failed, last .*; waits until ", out)
    assert "failed logins this minute, all accounts: 8" in out
    assert cli("user", "unlock", "admin", "--address", "192.0.2.7")[0] == 0
    out = cli("user", "list")[1]
    assert "from 192.0.2.7" not in out and _table(out)["admin"][3] == "active"
    assert login(client, "admin").status_code == 302


def test_enabling_forgets_failed_logins(web: WebApp, cli) -> None:  # type: ignore[no-untyped-def]
    throttle = login_throttle(web.state)
    for _ in range(PAIR_FREE + 5):
        throttle.failed("duty", "127.0.0.1", time.time())
    assert login(web.server.test_client(), "duty").status_code == 429
    assert cli("user", "enable", "duty")[0] == 0
    assert login(web.server.test_client(), "duty").status_code == 302


def test_user_idle_minutes_by_command(web: WebApp, cli) -> None:  # type: ignore[no-untyped-def]
    code, _, _ = cli(
        "user", "add", "wall", "--role", "duty", "--password", NEW, "--idle-minutes", "720"
    )
    assert code == 0
    assert _table(cli("user", "list")[1])["wall"][5:] == [
        "720m",
        "0",
    ]  # its idle timeout; no session open
    code, out, _ = cli("user", "set", "wall", "--idle-minutes", "default")
    assert code == 0 and "the console's" in out
    with web.state.sessions() as s:
        assert users.find_user(s, "wall").idle_minutes is None  # type: ignore[union-attr]
    code, _, err = cli("user", "set", "wall", "--idle-minutes", "0")
    assert code == 2 and "idle minutes must be 1 to" in err
    with pytest.raises(SystemExit):
        cli("user", "set", "wall", "--idle-minutes", "soon")
