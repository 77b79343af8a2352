"""Login, the login gate on pages/callbacks/API, CSRF, throttling per address, security headers
(failed logins by account and address: tests/security/test_login_addresses.py)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from console.runtime import Services
from console.web.app import ConfigurationError, create_app
from console.web.sessions import session_store
from data import users
from data.models import AuditEntry
from tests.support.users import PASSWORD
from tests.support.web import csrf_from, csrf_header, login

DASH_CALLBACK = {
    "output": "echo-out.children",
    "outputs": {"id": "echo-out", "property": "children"},
    "inputs": [{"id": "echo-in", "property": "value", "value": "hello"}],
    "changedPropIds": ["echo-in.value"],
    "state": [],
}


def _post_callback(client, headers=None):  # type: ignore[no-untyped-def]
    return client.post(
        "/_dash-update-component",
        data=json.dumps(DASH_CALLBACK),
        content_type="application/json",
        headers=headers or {},
    )


@pytest.mark.parametrize("path", ["/", "/overdue", "/cases/KUP-1-2026-000001", "/logout"])
def test_pages_redirect_to_login(web, path) -> None:  # type: ignore[no-untyped-def]
    response = web.server.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_dash-layout"),
        ("GET", "/_dash-dependencies"),
        ("POST", "/_dash-update-component"),
        ("GET", "/api/v1/workload"),
        ("GET", "/api/v1/cases"),
        ("GET", "/api/v1/cases/KUP-1"),
        ("POST", "/api/v1/cases/KUP-1/flags"),
        ("DELETE", "/api/v1/cases/KUP-1/flags/1"),
    ],
)
def test_data_endpoints_answer_401(web, method, path) -> None:  # type: ignore[no-untyped-def]
    response = web.server.test_client().open(path, method=method, json={})
    assert response.status_code == 401
    assert response.get_json() == {"error": "login required"}


def test_static_files_load_without_login(client_for, web) -> None:  # type: ignore[no-untyped-def]
    page = client_for("duty").get("/").get_data(as_text=True)
    suites = re.findall(r'src="(/_dash-component-suites/[^"]+)"', page)
    assert suites
    anonymous = web.server.test_client()
    for path in (suites[0], "/static/vendor/bootstrap-5.3.6.min.css"):
        with anonymous.get(path) as response:  # (closed: a file is sent)
            assert response.status_code == 200, path


def test_login_form_is_plain_html(web) -> None:  # type: ignore[no-untyped-def]
    page = web.server.test_client().get("/login").get_data(as_text=True)
    assert '<form method="post" action="/login"' in page
    assert 'name="username"' in page and 'name="password"' in page
    assert 'name="csrf_token"' in page
    assert "<script" not in page


def test_login_then_pages_and_callbacks_work(web) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    response = login(client, "duty", next_url="/overdue?x=1")
    assert response.status_code == 302 and response.headers["Location"] == "/overdue?x=1"
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    answer = _post_callback(client, csrf_header(client))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert "duty: hello" in answer.get_data(as_text=True)


def test_dash_callback_without_csrf_header_refused(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("duty")
    assert _post_callback(client).status_code == 400
    assert _post_callback(client, {"X-CSRFToken": "forged"}).status_code == 400


def test_login_without_csrf_token_refused(web) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "duty", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not logged in


def test_session_cookie_flags(web) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    response = login(client, "duty")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("kup_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Expires=" in cookie  # a session that ends, not one for ever
    page = client.get("/")
    csrf_cookie = next(
        h for h in page.headers.getlist("Set-Cookie") if h.startswith("_csrf_token=")
    )
    assert "HttpOnly" not in csrf_cookie and "SameSite=Lax" in csrf_cookie


def test_https_mode_secures_cookies_and_redirects(make_web, web_settings) -> None:  # type: ignore[no-untyped-def]
    web = make_web(settings=web_settings.with_overrides(https=True))
    client = web.server.test_client()
    assert client.get("/login").status_code == 302  # http -> https
    assert client.get("/healthz").status_code == 200  # probes may use plain HTTP
    page = client.get("/login", base_url="https://localhost")
    assert "max-age" in page.headers["Strict-Transport-Security"]
    assert web.server.config["SESSION_COOKIE_SECURE"] is True


def test_wrong_password_refused_and_audited(web) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    response = login(client, "duty", "wrong password")
    assert response.status_code == 401
    assert 'id="login-error"' in response.get_data(as_text=True)
    login(client, "duty")
    with web.state.sessions() as s:
        actions = [(a.actor, a.action) for a in s.scalars(select(AuditEntry))]
    assert actions == [("duty", "login_failed"), ("duty", "login")]


def test_login_throttled(make_web, web, web_settings) -> None:  # type: ignore[no-untyped-def]
    throttled = make_web(settings=web_settings.with_overrides(login_rate="3 per minute"))
    client = throttled.server.test_client()
    for _ in range(3):
        assert login(client, "nobody", "x").status_code == 401
    response = login(client, "duty")  # even the right password waits
    assert response.status_code == 429
    assert 'id="login-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil", "javascript:alert(1)"]
)
def test_no_open_redirect_after_login(web, target) -> None:  # type: ignore[no-untyped-def]
    response = login(web.server.test_client(), "duty", next_url=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_logout_needs_post_with_csrf(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("duty")
    form = client.get("/logout")
    assert form.status_code == 200
    assert client.post("/logout").status_code == 400  # no token: still logged in
    assert client.get("/").status_code == 200
    response = client.post("/logout", data={"csrf_token": csrf_from(form.get_data(as_text=True))})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_disabled_user_is_logged_out(web, client_for) -> None:  # type: ignore[no-untyped-def]
    """As `kup-console user disable` does it: in the store, and the sessions ended in Redis
    (a change Redis missed: tests/web/test_session_end.py)."""
    client = client_for("duty")
    with web.state.writer.begin() as s:
        info = users.set_disabled(s, "duty", True)
    session_store(web.state).end_user_sessions(info.id)
    assert client.get("/").status_code == 302
    assert client.get("/api/v1/workload").status_code == 401


def test_language_choice(web) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    assert '<html lang="ru">' in client.get("/login").get_data(as_text=True)
    response = client.get("/lang/en?next=/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    assert client.get("/lang/xx").status_code == 404
    assert client.get("/lang/ky?next=//evil.example").headers["Location"] == "/"


@pytest.mark.parametrize("path", ["/login", "/", "/api/v1/workload", "/healthz"])
def test_security_headers(client_for, path) -> None:  # type: ignore[no-untyped-def]
    response = client_for("duty").get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "'unsafe-eval'" not in csp and "script-src 'self' 'sha256-" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if path != "/login" and path != "/healthz":
        assert response.headers["Cache-Control"] == "no-store"


def test_csp_allows_the_dash_renderer_inline_script(client_for, web) -> None:  # type: ignore[no-untyped-def]
    response = client_for("duty").get("/")
    csp = response.headers["Content-Security-Policy"]
    for digest in web.dash_app.csp_hashes():
        assert digest in csp
    assert "new DashRenderer" in response.get_data(as_text=True)


def test_secret_key_required_outside_demo(web_settings, engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigurationError, match="KUP_SECRET_KEY"):
        create_app(Services(web_settings, engine=engine))
    with pytest.raises(ConfigurationError, match="at least"):
        create_app(Services(web_settings.with_overrides(secret_key="short"), engine=engine))


def test_console_pages_plug_in(make_web) -> None:  # type: ignore[no-untyped-def]
    """The real pages (components.layout.app_layout, callbacks.register), once they exist."""
    pytest.importorskip("components.layout")
    if not hasattr(pytest.importorskip("callbacks"), "register"):
        pytest.skip("callbacks.register is not written yet")
    web = make_web(pages=None)
    assert web.dash_app.layout is not None
