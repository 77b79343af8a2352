"""The password change page (/account/password) and an admin's forced reset, on a real app and
store: the form, its refusals in the page's language, CSRF, the audit log, and the reset flow
(login -> the page, other pages redirected, the session's API calls 403, the token kept)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from components.layout import navbar
from console.web.app import WebApp
from data import users
from data.models import AuditEntry
from rules.access import Viewer
from tests.support.users import PASSWORD
from tests.support.web import csrf_from, login

NEW = "the tulips of Osh in May"
PAGE = "/account/password"


def _change(client: FlaskClient, current: str, new: str, repeat: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(PAGE).get_data(as_text=True))
    return client.post(
        PAGE,
        data={
            "current": current,
            "new": new,
            "repeat": new if repeat is None else repeat,
            "csrf_token": token,
        },
    )


def _actions(web: WebApp) -> list[tuple[str, str]]:
    with web.state.sessions() as s:
        return [(a.actor, a.action) for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_page_is_a_plain_form(client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for("duty").get(PAGE).get_data(as_text=True)
    assert f'<form method="post" action="{PAGE}"' in page
    for field in ("csrf_token", "current", "new", "repeat"):
        assert f'name="{field}"' in page
    assert "<script" not in page
    assert "Текущий пароль" in page  # Russian by default


def test_page_needs_a_login(web) -> None:  # type: ignore[no-untyped-def]
    response = web.server.test_client().get(PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    ("current", "new", "repeat", "message"),
    [
        ("wrong password!", NEW, NEW, "The current password is wrong."),
        (PASSWORD, NEW, NEW + "!", "The new passwords differ."),
        (PASSWORD, "too short", "too short", "at least 12 characters"),
        (PASSWORD, "qwerty123456", "qwerty123456", "commonly used password"),
        (PASSWORD, "DUTY officer of the day", "DUTY officer of the day", "user name"),
        (PASSWORD, PASSWORD, PASSWORD, "same as the current"),
        (PASSWORD, "", "", "Fill in every field."),
    ],
)
def test_refusals_in_the_page_language(client_for, web, current, new, repeat, message) -> None:  # type: ignore[no-untyped-def]
    client = client_for("duty")
    client.get("/lang/en")
    response = _change(client, current, new, repeat)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert login(web.server.test_client(), "duty").status_code == 302  # the old one still works
    assert ("duty", "password_change") not in _actions(web)


def test_refusal_in_kyrgyz(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("duty")
    client.get("/lang/ky")
    response = _change(client, PASSWORD, NEW, NEW + "!")
    assert "Жаңы сырсөздөр дал келбейт." in response.get_data(as_text=True)


def test_csrf_required(client_for, web) -> None:  # type: ignore[no-untyped-def]
    client = client_for("duty")
    response = client.post(PAGE, data={"current": PASSWORD, "new": NEW, "repeat": NEW})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("CSRF check failed")
    assert login(web.server.test_client(), "duty", NEW).status_code == 401  # not changed


def test_success_is_audited_ends_other_sessions_and_keeps_the_token(client_for, web) -> None:  # type: ignore[no-untyped-def]
    with web.state.writer.begin() as s:
        token = users.issue_token(s, "duty")
    elsewhere = client_for("duty")  # the user's session on another machine
    client = client_for("duty")
    old_cookie = client.get_cookie("kup_session")
    response = _change(client, PASSWORD, NEW)
    assert response.status_code == 200
    assert 'id="password-changed"' in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # this session goes on
    assert client.get_cookie("kup_session").value != old_cookie.value  # under a new id
    assert elsewhere.get("/").status_code == 302  # the other one has ended
    assert elsewhere.get("/api/v1/workload").status_code == 401
    assert login(web.server.test_client(), "duty", PASSWORD).status_code == 401
    assert login(web.server.test_client(), "duty", NEW).status_code == 302
    bearer = {"Authorization": f"Bearer {token}"}
    assert web.server.test_client().get("/api/v1/workload", headers=bearer).status_code == 200
    assert ("duty", "password_change") in _actions(web)


def test_forced_reset_flow(web) -> None:  # type: ignore[no-untyped-def]
    with web.state.writer.begin() as s:
        users.force_reset(s, "manager")
        token = users.issue_token(s, "manager")
    client = web.server.test_client()
    response = login(client, "manager", next_url="/overdue")
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    for path in ("/", "/overdue"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == PAGE
    api = client.get("/api/v1/workload")
    assert api.status_code == 403
    assert api.get_json() == {"error": "password change required", "change_password": PAGE}
    assert client.get("/_dash-layout").status_code == 403
    page = client.get(PAGE).get_data(as_text=True)
    assert 'id="password-forced"' in page
    bearer = {"Authorization": f"Bearer {token}"}  # the token is not a session: it still works
    assert web.server.test_client().get("/api/v1/workload", headers=bearer).status_code == 200

    assert _change(client, PASSWORD, NEW).status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/workload").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    assert login(web.server.test_client(), "manager", NEW).headers["Location"] == "/"
    assert ("manager", "password_change") in _actions(web)


def test_navbar_links_to_the_page() -> None:
    bar = str(navbar(Viewer("duty", "duty", None), "ru", "light").to_plotly_json())
    assert PAGE in bar and "Сменить пароль" in bar
    assert PAGE not in str(navbar(None, "ru", "light").to_plotly_json())


def test_guessing_the_current_password_is_throttled(make_web, web, web_settings) -> None:  # type: ignore[no-untyped-def]
    throttled = make_web(settings=web_settings.with_overrides(login_rate="3 per minute"))
    client = throttled.server.test_client()
    assert login(client, "duty").status_code == 302
    for _ in range(3):
        assert _change(client, "wrong password!", NEW).status_code == 400
    response = _change(client, PASSWORD, NEW)  # even the right one waits
    assert response.status_code == 429
    assert 'id="password-error"' in response.get_data(as_text=True)
    with web.state.writer.begin() as s:  # not changed
        assert users.authenticate(s, "duty", PASSWORD).reason == "ok"
