"""CSRF on every state-changing request, cookie flags, and security headers on every answer,
on the console built with its real pages.

Every rule of the URL map that accepts POST, PUT, PATCH or DELETE is sent, with a logged-in
session cookie, once without a CSRF token, once with the token of another session, and once
with its own token (the control: the request is otherwise accepted); only the last may
change anything."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from components import ids
from console.web.app import WebApp
from data.models import Flag, FlagComment
from tests.security.conftest import Cases
from tests.security.test_access import ARG, PUBLIC, SAMPLE_ARGS, routes
from tests.support.users import PASSWORD, add_test_users
from tests.support.web import callback, csrf_from, csrf_header, login

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _refused_for_csrf(response) -> bool:  # type: ignore[no-untyped-def]
    if response.status_code != 400:
        return False
    if response.is_json:
        return response.get_json()["error"].startswith("CSRF check failed")
    page = response.get_data(as_text=True)  # the login or receipt form: "expired"
    return 'id="login-error"' in page or 'data-error="login.expired"' in page


def _flag_texts(session: Session) -> list[str]:
    """Every comment the flags hold: opening, added, clearing."""
    return sorted(
        [c for f in session.scalars(select(Flag)) for c in (f.comment, f.cleared_comment) if c]
        + list(session.scalars(select(FlagComment.comment)))
    )


def _flag_id(console: WebApp, client, reg_no: str) -> int:  # type: ignore[no-untyped-def]
    response = client.post(
        f"/api/v1/cases/{reg_no}/flags",
        json={"comment": "to clear"},
        headers=csrf_header(client),
    )
    assert response.status_code == 201
    return int(response.get_json()["id"])


def _request(
    client,
    method: str,
    url: str,
    endpoint: str,
    console: WebApp,  # type: ignore[no-untyped-def]
    token: str | None,
    reg_no: str,
):
    """The state-changing request a page would send to `endpoint`, with `token` (or none)."""
    headers = {"X-CSRFToken": token} if token else {}
    if endpoint == "auth.login":
        data = {"username": "prosecutor", "password": PASSWORD}
        return client.open(url, method=method, data={**data, "csrf_token": token or ""})
    if endpoint == "auth.logout":
        return client.open(url, method=method, data={"csrf_token": token or ""})
    if endpoint == "receipt.receipt":
        data = {"reg_no": reg_no, "code": "00000-00000", "csrf_token": token or ""}
        return client.open(url, method=method, data=data)
    if endpoint == "/_dash-update-component":
        key = next(k for k in console.dash_app.callback_map if f"{ids.FLAG_RESULT}." in k)
        return callback(
            console,
            client,
            key,
            {
                f"{ids.FLAG_BUTTON}.n_clicks": 1,
                f"{ids.FLAG_COMMENT}.value": "by a callback",
                f"{ids.OVERDUE_TABS}.active_tab": "overdue",
                f"{ids.LANG}.data": "en",
                f"{ids.OVERDUE_GRID}.selectedRows": [{"reg_no": reg_no}],
            },
            headers=headers,
        )
    return client.open(url, method=method, json={"comment": "by the API"}, headers=headers)


def test_every_state_changing_request_needs_the_sessions_csrf_token(
    console: WebApp, client_for, cases: Cases
) -> None:
    owner = client_for("prosecutor")
    args = {
        **SAMPLE_ARGS,
        "reg_no": cases.bishkek,
        "flag_id": str(_flag_id(console, owner, cases.bishkek)),
    }
    unsafe = [
        (endpoint, method, ARG.sub(lambda m: args[m.group(1)], rule.rule))
        for rule in console.server.url_map.iter_rules()
        for endpoint, method in [(rule.endpoint, m) for m in sorted(rule.methods or ())]
        if method in UNSAFE
    ]
    assert {e for e, _, _ in unsafe} >= {
        "auth.login",
        "auth.logout",
        "receipt.receipt",
        "api.add_flag",
        "api.clear_flag",
        "api.unknown",
        "/_dash-update-component",
    }
    stranger = client_for("admin")
    foreign = stranger.get_cookie("_csrf_token").value
    with console.state.sessions() as s:
        flags_before = _flag_texts(s)
    for endpoint, method, url in unsafe:
        client = client_for("prosecutor")
        for token in (None, foreign):
            response = _request(client, method, url, endpoint, console, token, cases.bishkek)
            assert _refused_for_csrf(response), (endpoint, method, token, response.status_code)
        assert client.get("/").status_code == 200  # still logged in: logout refused too
        with console.state.sessions() as s:
            assert _flag_texts(s) == flags_before, endpoint
        own = client.get_cookie("_csrf_token").value
        if endpoint == "auth.login":
            own = csrf_from(client.get("/logout").get_data(as_text=True))
        accepted = _request(client, method, url, endpoint, console, own, cases.bishkek)
        assert not _refused_for_csrf(accepted), (endpoint, method)
        with console.state.sessions() as s:
            flags_before = _flag_texts(s)
    with console.state.sessions() as s:  # the accepted ones did write: flagged, cleared
        made = list(s.scalars(select(Flag)))
        written = _flag_texts(s)
    assert set(written) >= {"by the API", "by a callback", "to clear"}
    assert any(f.cleared_by == "prosecutor" for f in made)


def test_a_csrf_token_of_one_session_is_refused_in_another(
    console: WebApp, client_for, cases: Cases
) -> None:
    alice, bob = client_for("prosecutor"), client_for("admin")
    response = bob.post(
        f"/api/v1/cases/{cases.bishkek}/flags",
        json={"comment": "x"},
        headers=csrf_header(alice),
    )
    assert _refused_for_csrf(response)
    # A token survives as long as its session (wall screens stay open for days), not beyond.
    old = alice.get_cookie("_csrf_token").value
    form = alice.get("/logout").get_data(as_text=True)
    alice.post("/logout", data={"csrf_token": csrf_from(form)})
    assert login(alice, "prosecutor").status_code == 302
    alice.get("/")
    response = alice.post(
        f"/api/v1/cases/{cases.bishkek}/flags", json={"comment": "x"}, headers={"X-CSRFToken": old}
    )
    assert _refused_for_csrf(response)


def _cookie(response, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}="))


def test_cookies_are_secure_over_https(settings, engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    from console.runtime import Services
    from console.web.app import create_app

    https = create_app(
        Services(
            settings.with_overrides(https=True, stream="kup:sec:https", testing=True),
            engine=engine,
        ),
        message_queue=False,
    )
    add_test_users(engine, ["duty"])
    client = https.server.test_client()
    base = "https://console.example"
    form = client.get("/login", base_url=base).get_data(as_text=True)
    token = csrf_from(form)
    response = client.post(
        "/login",
        base_url=base,
        headers={"Referer": f"{base}/login"},
        data={"username": "duty", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    session_cookie = _cookie(response, "kup_session")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in session_cookie
    page = client.get("/", base_url=base)
    csrf_cookie = _cookie(page, "_csrf_token")
    assert "Secure" in csrf_cookie and "SameSite=Lax" in csrf_cookie
    assert "HttpOnly" not in csrf_cookie  # dash-renderer reads it to echo it
    assert re.search(r"max-age=\d{8}", page.headers["Strict-Transport-Security"])
    # Plain HTTP is sent to HTTPS; the session cookie is not offered to it.
    assert client.get("/", base_url="http://console.example").status_code == 302
    https.state.pusher.stop()


def test_security_headers_on_every_answer(console: WebApp, client_for, cases: Cases) -> None:
    logged_in, anonymous = client_for("duty"), console.server.test_client()
    checked = 0
    for client in (logged_in, anonymous):
        for endpoint, method, url in routes(console):
            if method != "GET":
                continue
            response = client.get(url)
            response.close()  # (the headers are all this needs; some answers send a file)
            missing = {
                "Content-Security-Policy",
                "X-Frame-Options",
                "X-Content-Type-Options",
                "Referrer-Policy",
            } - set(response.headers.keys())
            assert not missing, (url, response.status_code, missing)
            csp = response.headers.get("Content-Security-Policy", "")
            assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, url
            assert "object-src 'none'" in csp and "'unsafe-eval'" not in csp, url
            script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
            assert "'unsafe-inline'" not in script, url
            assert response.headers["X-Frame-Options"] == "DENY", url
            assert response.headers["X-Content-Type-Options"] == "nosniff", url
            assert response.headers["Referrer-Policy"] == "same-origin", url
            if client is logged_in and response.status_code == 200 and endpoint not in PUBLIC:
                assert response.headers.get("Cache-Control") == "no-store", url
            checked += 1
    assert checked >= 30


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'])
def test_the_login_form_never_reflects_markup(console: WebApp, payload: str) -> None:
    client = console.server.test_client()
    for response in (
        login(client, payload, payload, next_url=payload),
        client.get(f"/login?next={payload}"),
    ):
        body = response.get_data(as_text=True)
        assert payload not in body and "<script>alert" not in body
    assert json.dumps(payload) not in client.get("/login").get_data(as_text=True)
