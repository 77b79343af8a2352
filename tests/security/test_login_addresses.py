"""Lockout that cannot be used against the victim (issue #10, item 4), on a console served on
0.0.0.0 with clients connecting from two loopback addresses, 127.0.0.1 and 127.0.0.2: failures
from one address make that address wait (longer after each) but never lock the account for the
other; and the client's address comes from X-Forwarded-For only when the direct peer is a
trusted proxy (KUP_TRUSTED_PROXIES), never from a header anyone can send."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import Engine, select

from console.config import Settings, load_settings
from console.runtime import Services
from console.web.app import ConfigurationError, WebApp, create_app, flask_config
from console.web.server import stop_tasks
from data.login_throttle import PAIR_FREE
from data.models import AuditEntry
from tests.browser.console import RunningConsole, running_console
from tests.support.users import PASSWORD, add_test_users
from tests.support.web import csrf_from

ATTACKER, VICTIM = "127.0.0.2", "127.0.0.1"


class _FromAddress(HTTPAdapter):
    """Connections from a given local address (any of 127.0.0.0/8 is this machine's)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_from(address: str) -> requests.Session:
    """A browser on the machine `address`."""
    http = requests.Session()
    http.mount("http://", _FromAddress(address))
    return http


def _login(
    http: requests.Session,
    base: str,
    username: str,
    password: str,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    form = http.get(f"{base}/login", timeout=10, headers=headers).text
    return http.post(
        f"{base}/login",
        data={"username": username, "password": password, "csrf_token": csrf_from(form)},
        headers=headers,
        allow_redirects=False,
        timeout=10,
    )


def _login_addresses(engine: Engine, username: str) -> list[tuple[str, str]]:
    """(action, client address) of each login attempt of `username`, in order."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(AuditEntry.action, AuditEntry.detail)
            .where(AuditEntry.actor == username, AuditEntry.action.in_(["login", "login_failed"]))
            .order_by(AuditEntry.id)
        )
        return [(action, json.loads(detail)["ip"]) for action, detail in rows]


def _settings(settings: Settings, **changes: object) -> Settings:
    return settings.with_overrides(stream=f"kup:addr:{uuid.uuid4().hex[:8]}", **changes)


@pytest.fixture
def served(settings: Settings, engine: Engine, redis_server) -> Iterator[RunningConsole]:  # type: ignore[no-untyped-def]
    """The console on 0.0.0.0, 127.0.0.1 named its trusted proxy."""
    add_test_users(engine)
    chosen = _settings(settings, trusted_proxies=(VICTIM,))
    with running_console(chosen, engine, redis_server.url, ingest=False, host="0.0.0.0") as c:
        yield c


@pytest.mark.slow
def test_failures_from_one_address_never_lock_the_account_for_another(
    served: RunningConsole, engine: Engine
) -> None:
    base, attacker, victim = served.url, client_from(ATTACKER), client_from(VICTIM)
    waits = []
    for attempt in range(5):  # five wrong passwords locked the account for everyone before
        answer = _login(attacker, base, "admin", "a guess")
        while answer.status_code == 429:  # made to wait: as long as it is told, then again
            waits.append(int(answer.headers["Retry-After"]))
            time.sleep(waits[-1])
            answer = _login(attacker, base, "admin", "a guess")
        assert answer.status_code == 401, attempt
    assert len(waits) == 5 - PAIR_FREE  # made to wait after each failure beyond the free ones
    assert _login(attacker, base, "admin", PASSWORD).status_code == 429  # even the right one
    assert _login(victim, base, "admin", PASSWORD).status_code == 302  # the admin, elsewhere
    attempts = _login_addresses(engine, "admin")
    assert attempts[-1] == ("login", VICTIM)
    assert {ip for action, ip in attempts[:-1]} == {ATTACKER}  # as its peer address


@pytest.mark.slow
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    served: RunningConsole, engine: Engine
) -> None:
    base = served.url
    forwarded = {"X-Forwarded-For": "198.51.100.7"}
    # Through the proxy (127.0.0.1): the client it names.
    assert _login(client_from(VICTIM), base, "duty", "wrong", forwarded).status_code == 401
    # Straight from 127.0.0.2, naming another client (or the victim's address): ignored.
    spoofer = client_from(ATTACKER)
    spoofed = ["198.51.100.7", VICTIM, "10.9.8.7", "::1"][:PAIR_FREE]
    for address in spoofed:
        answer = _login(spoofer, base, "duty", "wrong", {"X-Forwarded-For": address})
        assert answer.status_code == 401
    seen = [ip for _, ip in _login_addresses(engine, "duty")]
    assert seen == ["198.51.100.7"] + [ATTACKER] * len(spoofed)
    # Those failures made 127.0.0.2 wait, not the addresses it named.
    assert _login(spoofer, base, "duty", PASSWORD, {"X-Forwarded-For": VICTIM}).status_code == 429
    assert _login(client_from(VICTIM), base, "duty", PASSWORD).status_code == 302


# --- the middleware, through the test client (the peer's address set per request) ------------


@pytest.fixture
def proxied(settings: Settings, engine: Engine, redis_client) -> Iterator[WebApp]:  # type: ignore[no-untyped-def]
    """A console behind TLS proxies in 10.0.0.0/8 (KUP_HTTPS)."""
    add_test_users(engine, ["duty"])
    chosen = _settings(settings, https=True, testing=True, trusted_proxies=("10.0.0.0/8",))
    web = create_app(Services(chosen, engine=engine), message_queue=False)
    yield web
    stop_tasks(web)


def _seen_as(web: WebApp, peer: str, headers: dict[str, str]) -> tuple[int, list[str]]:
    """A failed login from `peer` with `headers`: its status, and the addresses audited."""
    client = web.server.test_client()
    client.environ_base["REMOTE_ADDR"] = peer
    https = {"X-Forwarded-Proto": "https", **headers}
    form = client.get("/login", headers=https)
    token = csrf_from(form.get_data(as_text=True))
    answer = client.post(
        "/login",
        headers={**https, "Referer": "https://localhost/login"},
        data={"username": "duty", "password": "wrong", "csrf_token": token},
    )
    with web.state.sessions() as s:
        details = s.scalars(select(AuditEntry.detail).order_by(AuditEntry.id)).all()
    return answer.status_code, [json.loads(d)["ip"] for d in details]


def test_a_chain_of_trusted_proxies_names_the_client_before_them(proxied: WebApp) -> None:
    status, seen = _seen_as(
        proxied, "10.0.0.1", {"X-Forwarded-For": "198.51.100.1, 203.0.113.5, 10.0.0.2"}
    )
    assert status == 401
    assert seen == ["203.0.113.5"]  # not 198.51.100.1, which the client itself could write


def test_an_untrusted_peer_is_seen_as_itself_whatever_it_forwards(proxied: WebApp) -> None:
    status, seen = _seen_as(proxied, "192.0.2.50", {"X-Forwarded-For": "10.0.0.3, 10.0.0.2"})
    assert status == 401
    assert seen == ["192.0.2.50"]


def test_trusted_proxies_are_read_and_checked() -> None:
    settings = load_settings({"KUP_TRUSTED_PROXIES": " 10.0.0.0/8, 127.0.0.1 ,, ::1 "})
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1", "::1")
    assert load_settings({}).trusted_proxies == ()
    with pytest.raises(ConfigurationError, match="'proxy.example' is not an IP"):
        flask_config(settings.with_overrides(testing=True, trusted_proxies=("proxy.example",)))
